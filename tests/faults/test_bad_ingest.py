"""Bad input at ingest, through the real CLI: every record is accounted for.

For each catalogue row (``catalogue.CASES``) a three-line file -- a good record, the
bad one, another good record -- goes through ``babelsearch ingest``. Whatever the
row, the good neighbours are indexed, the report adds up, the exit code is 0 (all
indexed or skipped) or 2 (dead letters), never a traceback; a dead letter names the
record's position and the problem.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from babelsearch.cli import cli
from babelsearch.indices import apply

from .catalogue import CASES, Case
from .conftest import config_data, make_config, write_config

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def bad_alias(client: Any, opensearch_url: str) -> Iterator[tuple[str, Path]]:
    """One index for the whole table (every case uses its own ids)."""
    alias = f"t-bad-{uuid.uuid4().hex[:8]}"
    data = config_data(opensearch_url, alias, encode_batch_size=1, bulk={"max_docs": 10})
    data["sparse"] = True
    apply(make_config(data), client=client)
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        yield alias, write_config(Path(tmp) / "cfg.yaml", data)
    client.indices.delete(index=f"{alias}*", ignore_unavailable=True)


def _good(rid: str) -> bytes:
    return json.dumps({"id": rid, "body": f"good neighbour {rid}", "lang": "en"}).encode()


def _file(path: Path, case: Case, rid: str) -> tuple[Path, int]:
    bad = case.line.replace(b"{ID}", rid.encode())
    lines = [_good(f"{rid}-a"), bad, _good(f"{rid}-b")]
    if case.first:
        lines = [bad, _good(f"{rid}-a"), _good(f"{rid}-b")]
    if case.last:
        lines = [_good(f"{rid}-a"), _good(f"{rid}-b"), bad]
    data = b"\n".join(lines) + (b"" if case.last else b"\n")
    path.write_bytes(data)
    return path, lines.index(bad)


def ingest(cfg: Path, src: Path, tmp: Path) -> tuple[Any, dict[str, Any], Path]:
    dl, rep = tmp / "dead.jsonl", tmp / "report.json"
    args = ["ingest", str(src), "--config", str(cfg), "--no-progress"]
    args += ["--dead-letter", str(dl), "--report-json", str(rep)]
    result = CliRunner().invoke(cli, args, catch_exceptions=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output
    report = json.loads(rep.read_text()) if rep.exists() else {}
    return result, report, dl


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_record_is_accounted_for(
    case: Case, client: Any, bad_alias: tuple[str, Path], tmp_path: Path
) -> None:
    alias, cfg = bad_alias
    rid = f"{case.name}-{uuid.uuid4().hex[:6]}"
    src, pos = _file(tmp_path / "in.jsonl", case, rid)
    result, report, dl = ingest(cfg, src, tmp_path)
    expected_read = 2 if case.outcome == "ignored" else 3
    assert report["read"] == expected_read, report
    assert report["indexed"] + report["dead_lettered"] + report["skipped"] == report["read"]
    for good in (f"{rid}-a", f"{rid}-b"):
        assert client.exists(index=alias, id=good), f"good neighbour {good} lost"
    letters = [json.loads(x) for x in dl.read_text().splitlines()] if dl.exists() else []
    if case.outcome == "dead":
        assert result.exit_code == 2, result.output
        assert report["dead_lettered"] == 1 and report["indexed"] == 2, report
        assert len(letters) == 1 and letters[0]["position"] == pos, letters
        assert case.reason in letters[0]["reason"], letters[0]["reason"]
        assert letters[0]["record"], "the dead letter keeps the original record"
        assert "dead-lettered" in result.output
    elif case.outcome == "skip":
        assert result.exit_code == 0, result.output
        assert report["skipped"] == 1 and not letters, report
        assert case.reason in report["skipped_reasons"], report
    else:
        assert result.exit_code == 0, result.output
        assert report["dead_lettered"] == 0 and report["skipped"] == 0, (report, letters)
        if case.outcome == "indexed":
            assert report["indexed"] == 3
            rid_in = json.loads(case.line.replace(b"{ID}", rid.encode()).lstrip(b"\xef\xbb\xbf"))
            got = client.get(index=alias, id=str(rid_in["id"]))
            assert got["_index"].startswith(alias)
            assert got["_source"]["doc_id"] == str(rid_in["id"])
            if case.check is not None:
                case.check(got["_source"])


def test_catalogue_is_big_enough() -> None:
    assert len(CASES) >= 40
    assert len({c.name for c in CASES}) == len(CASES)


def test_id_that_looks_like_a_chunk_id_never_overwrites_a_chunk(
    client: Any, bad_alias: tuple[str, Path], tmp_path: Path
) -> None:
    """``X#1`` is both a user id and chunk 1 of ``X``: neither may silently replace the other."""
    alias, cfg = bad_alias
    base = f"chunky-{uuid.uuid4().hex[:6]}"
    long_body = " ".join(f"sentence number {i} about the river market." for i in range(120))
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"id": base, "body": long_body, "lang": "en"})
        + "\n"
        + json.dumps({"id": f"{base}#1", "body": "a short one", "lang": "en"})
        + "\n"
    )
    result, report, dl = ingest(cfg, src, tmp_path)
    assert report["read"] == 2
    assert report["indexed"] + report["dead_lettered"] + report["skipped"] == 2
    client.indices.refresh(index=alias)
    hits = client.search(
        index=alias,
        body={"size": 100, "query": {"prefix": {"doc_id": base}}, "_source": ["doc_id"]},
    )["hits"]["hits"]
    by_doc: dict[str, int] = {}
    for h in hits:
        by_doc[h["_source"]["doc_id"]] = by_doc.get(h["_source"]["doc_id"], 0) + 1
    assert report["chunks_indexed"] == len(hits), (report, by_doc)  # nothing overwritten
    if report["dead_lettered"]:
        assert result.exit_code == 2 and f"{base}#1" in dl.read_text()
    else:
        assert by_doc.get(f"{base}#1") == 1, by_doc
