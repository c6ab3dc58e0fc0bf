"""An HTTP proxy in front of the real node that injects bulk faults on a script.

Not a mock: every request that is not faulted reaches the real OpenSearch node, and
the tests check the real index afterwards. Only ``/_bulk`` requests consume the plan:

* ``"429"`` / ``"503"`` / ``"401"`` -- answer with that status, do not forward;
* ``"drop"`` -- close the connection without an answer (a connection error);
* ``"items-429-even"`` -- forward, then mark every even item of the answer as a 429;
* ``"413>N"`` (sticky, applies to every later bulk) -- 413 for bodies over N bytes.
"""

from __future__ import annotations

import http.client
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


class FaultProxy:
    def __init__(self, upstream: str, plan: list[str]) -> None:
        parts = urlsplit(upstream)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 9200
        self.plan = list(plan)
        self.limit: int | None = None
        self.bulks: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _relay(self) -> None:
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                fault = None
                if "/_bulk" in self.path:
                    with proxy.lock:
                        fault = proxy.plan.pop(0) if proxy.plan else None
                        if fault and fault.startswith("413>"):
                            proxy.limit = int(fault[4:])
                            fault = None
                        ids = [
                            json.loads(line)["index"]["_id"]
                            for line in body.splitlines()[::2]
                            if line
                        ]
                        too_big = proxy.limit is not None and len(body) > proxy.limit
                        proxy.bulks.append(
                            {"ids": ids, "bytes": len(body), "fault": "413" if too_big else fault}
                        )
                    if too_big:
                        fault = "413"
                if fault == "drop":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if fault in ("429", "503", "401", "413"):
                    payload = json.dumps(
                        {"error": {"type": "injected", "reason": fault}, "status": int(fault)}
                    ).encode()
                    self._answer(int(fault), payload)
                    return
                conn = http.client.HTTPConnection(proxy.host, proxy.port, timeout=60)
                headers = {
                    k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")
                }
                conn.request(self.command, self.path, body=body or None, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                conn.close()
                if fault == "items-429-even":
                    doc = json.loads(data)
                    for i, item in enumerate(doc.get("items", [])):
                        if i % 2 == 0:
                            op = next(iter(item))
                            item[op] = {
                                "status": 429,
                                "error": {
                                    "type": "es_rejected_execution_exception",
                                    "reason": "busy",
                                },
                            }
                    doc["errors"] = True
                    data = json.dumps(doc).encode()
                self._answer(resp.status, data, resp.getheader("Content-Type"))

            def _answer(self, status: int, data: bytes, ctype: str | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype or "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _relay

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FaultProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
