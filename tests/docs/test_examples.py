"""The scripts in examples/ run, as a user would run them, against a real node.

Each script is started as a subprocess with ``BABELSEARCH_URL`` pointing at the test
node and ``--index`` naming a throw-away alias, so what is tested is exactly what the
README tells people to run. A slice of the packaged sample corpus (the ``fact-01x``
passages: one fact in several languages each) keeps the runs cheap but cross-lingual.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from babelsearch.samples import load_sample_corpus

pytestmark = [pytest.mark.integration]

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
QR_QUERY = "¿Quién inventó el código QR y en qué año?"


def _env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BABELSEARCH_")}
    env.update(BABELSEARCH_URL=url, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    env["TOKENIZERS_PARALLELISM"] = "false"
    return env


def run_example(
    script: str, *args: str, url: str, cwd: Path, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        cwd=cwd,
        env=_env(url),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _json(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stderr[-3000:]}"
    return json.loads(result.stdout)


def _write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    return path


@pytest.fixture(scope="module")
def prefix(client: Any) -> Iterator[str]:
    name = f"t-ex{uuid.uuid4().hex[:8]}"
    yield name
    client.indices.delete(
        index=f"{name}*", expand_wildcards="all", ignore_unavailable=True, allow_no_indices=True
    )


@pytest.fixture(scope="module")
def slice_records() -> list[dict[str, Any]]:
    records = [r for r in load_sample_corpus() if r["id"].startswith("fact-01")]
    assert len(records) >= 20
    return records


@pytest.fixture(scope="module")
def loaded(
    prefix: str,
    slice_records: list[dict[str, Any]],
    opensearch_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Any]:
    """``examples/bulk_load.py`` on the slice: the report it printed, and the paths."""
    tmp = tmp_path_factory.mktemp("bulk")
    data = _write_jsonl(tmp / "docs.jsonl", slice_records)
    args = (str(data), "--index", f"{prefix}-bulk", "--dead-letter", str(tmp / "dl.jsonl"))
    report = _json(run_example("bulk_load.py", *args, url=opensearch_url, cwd=tmp))
    return {"report": report, "args": args, "tmp": tmp}


def test_bulk_load_indexes_every_record(
    loaded: dict[str, Any], slice_records: list[dict[str, Any]], client: Any, prefix: str
) -> None:
    report = loaded["report"]
    assert report["index"] == f"{prefix}-bulk"
    assert report["read"] == report["indexed"] == len(slice_records)
    assert report["dead_lettered"] == 0
    client.indices.refresh(index=f"{prefix}-bulk")
    ids = {h["_source"]["doc_id"] for h in _all_hits(client, f"{prefix}-bulk")}
    assert ids == {r["id"] for r in slice_records}


def _all_hits(client: Any, index: str) -> list[dict[str, Any]]:
    resp = client.search(index=index, body={"size": 1000, "_source": ["doc_id"]})
    return list(resp["hits"]["hits"])


def test_bulk_load_twice_does_not_duplicate(
    loaded: dict[str, Any], opensearch_url: str, client: Any, prefix: str
) -> None:
    before = client.count(index=f"{prefix}-bulk")["count"]
    # A fresh checkpoint path: the first run's checkpoint would (rightly) skip everything.
    args = (*loaded["args"], "--checkpoint", str(loaded["tmp"] / "again.ckpt"))
    again = _json(run_example("bulk_load.py", *args, url=opensearch_url, cwd=loaded["tmp"]))
    assert again["indexed"] == loaded["report"]["indexed"]
    client.indices.refresh(index=f"{prefix}-bulk")
    assert client.count(index=f"{prefix}-bulk")["count"] == before


def test_bulk_load_bad_cluster_is_one_error_line(tmp_path: Path) -> None:
    data = _write_jsonl(tmp_path / "d.jsonl", [{"id": "a", "title": "t", "body": "b"}])
    res = run_example(
        "bulk_load.py", str(data), "--index", "t-nothing", url="http://127.0.0.1:9", cwd=tmp_path
    )
    assert res.returncode == 1
    assert res.stderr.strip().startswith("Error: ") and "Traceback" not in res.stderr


def test_service_query_sync_and_async_agree(
    loaded: dict[str, Any], opensearch_url: str, prefix: str
) -> None:
    texts = [QR_QUERY, "Wer hat die koreanische Schrift Hangul geschaffen?"]
    args = ("--index", f"{prefix}-bulk", "query", *texts, "-k", "3")
    out = _json(run_example("service.py", *args, url=opensearch_url, cwd=loaded["tmp"]))
    assert [q["text"] for q in out["queries"]] == texts
    for q, fact in zip(out["queries"], ("fact-011-", "fact-012-"), strict=True):
        assert q["mode"] == "hybrid"
        assert [h["id"] for h in q["sync"]] == [h["id"] for h in q["async"]]
        # Plain min-max hybrid can put a weak same-language BM25 match first (that is
        # what `auto` fixes); the example only promises the answer among the top hits.
        assert any(h["id"].startswith(fact) for h in q["sync"]), q
    # There is no Spanish QR passage: every answer shown is in another language.
    assert all(h["lang"] != "es" for h in out["queries"][0]["sync"] if "011" in h["id"])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(url, timeout=60) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_service_serves_http(loaded: dict[str, Any], opensearch_url: str, prefix: str) -> None:
    port = _free_port()
    argv = [sys.executable, str(EXAMPLES / "service.py"), "--index", f"{prefix}-bulk"]
    proc = subprocess.Popen(
        [*argv, "serve", "--port", str(port)],
        cwd=loaded["tmp"],
        env=_env(opensearch_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, proc.communicate()[1][-2000:]
            try:
                if _get(f"{base}/healthz")[0] == 200:
                    break
            except (urllib.error.URLError, ConnectionError):
                pass
            assert time.monotonic() < deadline, "service did not come up"
            time.sleep(0.5)
        q = urllib.parse.quote(QR_QUERY)
        status, body = _get(f"{base}/search?q={q}&k=3")
        assert status == 200, body
        assert body["mode"] == "hybrid" and body["hits"][0]["id"].startswith("fact-011-")
        status, body = _get(f"{base}/search?q={q}&mode=nonsense")
        assert status == 400 and "nonsense" in body["error"]
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


@pytest.mark.extras  # a tiny sentence-transformers model: torch
def test_migrate_encoder_reembeds_and_swaps(
    slice_records: list[dict[str, Any]],
    opensearch_url: str,
    prefix: str,
    client: Any,
    tmp_path: Path,
) -> None:
    # No hub, so a tiny local model.
    from encoders.tiny_models import build_sentence_transformer

    model = build_sentence_transformer(tmp_path / "tiny-st")
    index = f"{prefix}-mig"
    records = slice_records[:12]
    data = _write_jsonl(tmp_path / "docs.jsonl", records)
    _json(
        run_example("bulk_load.py", str(data), "--index", index, url=opensearch_url, cwd=tmp_path)
    )

    args = ("--index", index, "--model", str(model), "--probe", QR_QUERY)
    out = _json(run_example("migrate_encoder.py", *args, url=opensearch_url, cwd=tmp_path))
    mig = out["migration"]
    assert mig["source"] == f"{index}-v1" and mig["target"] == f"{index}-v2"
    assert mig["reembedded"] is True
    assert mig["source_docs"] == mig["target_docs"] == len(records)
    assert out["before"]["fingerprint"]["kind"] == "use"
    assert out["after"]["fingerprint"]["kind"] == "sentence-transformers"
    assert out["after"]["fingerprint"]["dimension"] == 32
    assert out["after"]["write_index"] == f"{index}-v2"
    assert len(out["probe"]) == 3
    # The old index is kept for rollback, but the alias no longer reads it.
    assert client.indices.exists(index=f"{index}-v1")
    assert set(client.indices.get_alias(name=index)) == {f"{index}-v2"}
    mapping = client.indices.get_mapping(index=f"{index}-v2")[f"{index}-v2"]["mappings"]
    assert mapping["properties"]["embedding"]["dimension"] == 32
