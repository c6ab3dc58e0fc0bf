"""A small search service issuing hybrid queries, with the sync and the async API.

    # serve GET /search?q=...&lang=..&mode=hybrid&k=5 (plain Python, no web framework)
    BABELSEARCH_URL=http://127.0.0.1:9200 python examples/service.py serve --port 8080
    curl 'http://127.0.0.1:8080/search?q=Wer+hat+das+Telefon+erfunden%3F'

    # one-shot: run the same queries through Searcher and AsyncSearcher, print JSON
    python examples/service.py query "Who invented the QR code?" "¿Quién inventó el QR?"

Why both APIs: a threaded server (WSGI, http.server) shares one thread-safe
``Searcher``; an asyncio app (FastAPI, aiohttp) shares one ``AsyncSearcher`` and fans
queries out with ``asyncio.gather``. Either way create it once per process -- it holds
the connection pool, the encoder and the cluster's capabilities -- never per request.
User text only ever reaches ``match`` clauses and vectors, so it is safe to pass through.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from _common import add_common_args, config_from_args

from babelsearch import AsyncSearcher, BabelsearchError, Config, QueryError, Searcher


def _hits(result: Any) -> list[dict[str, Any]]:
    return [
        {"id": h.id, "lang": h.lang, "score": round(h.score, 4), "title": _title(h.source)}
        for h in result.hits
    ]


def _title(source: dict[str, Any]) -> str:
    title = source.get("title")
    if isinstance(title, dict):
        return str(title.get("neutral") or "")
    return str(title or "")


def serve(cfg: Config, host: str, port: int, mode: str) -> None:
    searcher = Searcher(cfg)  # one per process: thread-safe, holds the pool and the encoder

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path == "/healthz":
                return self._send(200, {"ok": True})
            if url.path != "/search":
                return self._send(404, {"error": "try /search?q=..."})
            params = {k: v[-1] for k, v in parse_qs(url.query).items()}
            try:
                res = searcher.search(
                    params.get("q", ""),
                    lang=params.get("lang") or None,
                    mode=params.get("mode", mode),
                    k=int(params.get("k", "10")),
                )
            except (QueryError, ValueError) as exc:  # the caller's fault: 400
                return self._send(400, {"error": str(exc)})
            except BabelsearchError as exc:  # the cluster's: 503, never a traceback
                return self._send(503, {"error": str(exc)})
            body = {"mode": res.mode, "query_lang": res.query_lang, "took_ms": res.took_ms}
            self._send(200, {**body, "hits": _hits(res)})

        def _send(self, status: int, data: dict[str, Any]) -> None:
            payload = json.dumps(data, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, fmt: str, *args: Any) -> None:  # keep stderr quiet
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    print(f"serving {cfg.index.name} on http://{host}:{server.server_port}/search", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        searcher.close()


async def query_async(cfg: Config, texts: list[str], mode: str, k: int) -> list[Any]:
    async with AsyncSearcher(cfg) as searcher:
        return await asyncio.gather(*(searcher.search(t, mode=mode, k=k) for t in texts))


def query(cfg: Config, texts: list[str], mode: str, k: int) -> dict[str, Any]:
    with Searcher(cfg) as searcher:
        sync = [searcher.search(t, mode=mode, k=k) for t in texts]
    concurrent = asyncio.run(query_async(cfg, texts, mode, k))
    return {
        "index": cfg.index.name,
        "queries": [
            {
                "text": t,
                "query_lang": s.query_lang,
                "mode": s.mode,
                "sync": _hits(s),
                "async": _hits(a),
            }
            for t, s, a in zip(texts, sync, concurrent, strict=True)
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_args(parser)
    parser.add_argument("--mode", default="hybrid", help="search mode (default: hybrid)")
    sub = parser.add_subparsers(dest="cmd", required=True)
    p_serve = sub.add_parser("serve", help="serve GET /search")
    p_serve.add_argument("--host", default="127.0.0.1")
    p_serve.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    p_query = sub.add_parser("query", help="run queries through both APIs and print JSON")
    p_query.add_argument("texts", nargs="+")
    p_query.add_argument("-k", type=int, default=5)
    args = parser.parse_args(argv)
    try:
        cfg = config_from_args(args)
        if args.cmd == "serve":
            serve(cfg, args.host, args.port, args.mode)
            return 0
        print(json.dumps(query(cfg, args.texts, args.mode, args.k), ensure_ascii=False, indent=2))
    except BabelsearchError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
