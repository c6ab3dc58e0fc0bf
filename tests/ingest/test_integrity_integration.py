"""Ingest integrity against the real node: nothing lost, nothing stale, nothing silently
overwritten. Each test replays one way a new user broke the promise (see RELIABILITY.md).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

from babelsearch.config import Config
from babelsearch.errors import IngestError
from babelsearch.ingest import Ingestor
from babelsearch.ingest.actions import encode_action
from babelsearch.ingest.checkpoint import load_checkpoint
from babelsearch.ingest.report import IngestReport
from babelsearch.ingest.sink import BulkSink
from babelsearch.types import NEUTRAL

from .conftest import all_ids, create_index, make_config
from .hash_encoder import HashEncoder

pytestmark = pytest.mark.integration

HERE = Path(__file__).resolve().parent
SENTENCE = "The harbour of {w} was rebuilt after the storm of {n}, stone by stone. "


def _long_body(word: str, sentences: int) -> str:
    return "".join(SENTENCE.format(w=word, n=1900 + i) for i in range(sentences))


def _cfg(url: str, alias: str, **ingest: Any) -> Config:
    ingest.setdefault("chunking", {"max_chars": 200, "overlap_chars": 0})
    return make_config(url, alias, **ingest)


def _write(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    return path


def _ingest(cfg: Config, src: Any, tmp: Path, **kw: Any) -> IngestReport:
    resume = kw.pop("resume", False)
    ing = Ingestor(cfg, encoder=HashEncoder(), dead_letter=tmp / "dl.jsonl", **kw)
    return ing.run(src, resume=resume)


def _chunks(client: Any, alias: str, doc_id: str) -> dict[int, str]:
    client.indices.refresh(index=alias)
    resp = client.search(
        index=alias,
        body={"size": 1000, "query": {"term": {"doc_id": doc_id}}, "_source": ["chunk_no", "body"]},
    )
    return {h["_source"]["chunk_no"]: h["_source"]["body"][NEUTRAL] for h in resp["hits"]["hits"]}


def test_resume_into_another_alias_is_refused_never_reported_done(
    ingest_url: str, ingest_client: Any, prefix: str, tmp_path: Path
) -> None:
    """Before: B reported indexed = N with 0 documents. After: one clear refusal."""
    a, b = _cfg(ingest_url, f"{prefix}-a"), _cfg(ingest_url, f"{prefix}-b")
    for cfg in (a, b):
        create_index(ingest_client, cfg, HashEncoder().info)
    src = _write(tmp_path / "docs.jsonl", [{"id": f"d{i}", "body": f"text {i}"} for i in range(30)])
    assert _ingest(a, src, tmp_path).indexed == 30
    with pytest.raises(IngestError, match="belongs to another target") as err:
        _ingest(b, src, tmp_path, resume=True)
    assert f"{prefix}-a" in str(err.value) and f"{prefix}-b" in str(err.value)
    assert "--checkpoint" in str(err.value)  # the documented way to start over
    ingest_client.indices.refresh(index=b.index.name)
    assert ingest_client.count(index=b.index.name)["count"] == 0
    # the documented way out: a checkpoint of its own for the other target
    rep = _ingest(b, src, tmp_path, checkpoint=tmp_path / "b.cp.json")
    assert rep.indexed == 30 and ingest_client.count(index=b.index.name)["count"] == 30
    # resuming the original target still works and is complete
    again = _ingest(a, src, tmp_path, resume=True)
    assert again.read == again.indexed == 30


def test_id_overflowing_with_the_chunk_suffix_is_one_dead_letter(
    ingest_url: str, ingest_client: Any, prefix: str, tmp_path: Path
) -> None:
    """Before: a 511-byte id with 2 chunks aborted the run (whole bulk refused, exit 1)."""
    cfg = _cfg(ingest_url, prefix, bulk={"max_docs": 50})
    create_index(ingest_client, cfg, HashEncoder().info)
    long_id = "k" * 511
    records = [{"id": f"n{i}", "body": f"neighbour {i}"} for i in range(40)]
    records.insert(17, {"id": long_id, "body": _long_body("Kiel", 6)})
    records.insert(25, {"id": "m" * 512, "body": "one chunk: exactly at the limit"})
    src = _write(tmp_path / "in.jsonl", records)
    rep = _ingest(cfg, src, tmp_path)
    assert (rep.read, rep.indexed, rep.dead_lettered) == (42, 41, 1)
    assert rep.dead_letter_reasons == {"id_too_long": 1}
    entry = orjson.loads((tmp_path / "dl.jsonl").read_bytes().splitlines()[0])
    assert entry["id"] == long_id and entry["position"] == 17
    ids, _ = all_ids(ingest_client, prefix)
    assert len(ids) == 41 and "m" * 512 in ids
    assert _ingest(cfg, src, tmp_path, resume=True).indexed == 41  # resume gets past it


def test_request_level_validation_error_is_isolated_to_one_action(
    ingest_url: str, ingest_client: Any, prefix: str
) -> None:
    """A 400 for the whole request (here an _id over 512 bytes) fails only that action."""
    cfg = _cfg(ingest_url, prefix)
    create_index(ingest_client, cfg, HashEncoder().info)
    vec = HashEncoder().encode_documents(["x"]).dense[0]
    actions = [
        encode_action(
            f"ok-{i}" if i != 6 else "z" * 600, {"doc_id": f"ok-{i}", "embedding": vec}, i
        )
        for i in range(10)
    ]
    sink = BulkSink(ingest_client, prefix, cfg.ingest.bulk)
    outcomes = sink.send(actions)
    assert len(outcomes) == 10
    bad = [o for o in outcomes if not o.ok]
    assert [o.action.doc_key for o in bad] == [6]
    assert bad[0].reason is not None and bad[0].reason.startswith("action_request_validation")
    ingest_client.indices.refresh(index=prefix)
    assert ingest_client.count(index=prefix)["count"] == 9


def test_reingest_of_a_shorter_document_removes_its_old_chunks(
    ingest_url: str, ingest_client: Any, prefix: str, tmp_path: Path
) -> None:
    """Before: x kept 5 chunks after a one-sentence re-ingest and search found old text."""
    cfg = _cfg(ingest_url, prefix)
    create_index(ingest_client, cfg, HashEncoder().info)
    first = _write(
        tmp_path / "v1.jsonl",
        [{"id": "x", "body": _long_body("Ostrava", 8)}, {"id": "y", "body": _long_body("Brno", 6)}],
    )
    _ingest(cfg, first, tmp_path)
    assert len(_chunks(ingest_client, prefix, "x")) >= 4
    second = _write(tmp_path / "v2.jsonl", [{"id": "x", "body": "Only one sentence about Plzen."}])
    rep = _ingest(cfg, second, tmp_path)
    assert (rep.indexed, rep.chunks_indexed) == (1, 1)
    assert _chunks(ingest_client, prefix, "x") == {0: "Only one sentence about Plzen."}
    hits = ingest_client.search(
        index=prefix, body={"query": {"match": {f"body.{NEUTRAL}": "Ostrava"}}}
    )["hits"]["hits"]
    assert hits == []  # no search returns a chunk of the older version
    assert len(_chunks(ingest_client, prefix, "y")) >= 3  # other documents untouched


def test_duplicate_ids_last_wins_and_are_counted(
    ingest_url: str, ingest_client: Any, prefix: str, tmp_path: Path
) -> None:
    """Before: 'indexed 15' with 14 documents in the index and nothing said."""
    cfg = _cfg(ingest_url, prefix, encode_batch_size=4, bulk={"max_docs": 3, "max_in_flight": 2})
    create_index(ingest_client, cfg, HashEncoder().info)
    records: list[dict[str, Any]] = [{"id": f"u{i}", "body": f"unique {i}"} for i in range(12)]
    records.insert(2, {"id": "dup", "body": _long_body("Gdansk", 7)})  # long first version
    records.insert(9, {"id": "dup", "body": "The short last version of dup."})
    records.insert(4, {"id": "tri", "body": "tri one"})
    records.insert(6, {"id": "tri", "body": _long_body("Torun", 5)})
    records.append({"id": "tri", "body": "tri three wins"})
    src = _write(tmp_path / "dups.jsonl", records)
    rep = _ingest(cfg, src, tmp_path)
    assert rep.read == len(records) == 17
    assert (rep.indexed, rep.replaced, rep.dead_lettered, rep.skipped) == (14, 3, 0, 0)
    assert rep.consistent
    ids, doc_ids = all_ids(ingest_client, prefix)
    assert len(set(doc_ids)) == rep.indexed == 14
    assert len(ids) == rep.chunks_indexed == 14  # every document now has one chunk
    assert _chunks(ingest_client, prefix, "dup") == {0: "The short last version of dup."}
    assert _chunks(ingest_client, prefix, "tri") == {0: "tri three wins"}


def test_duplicates_are_counted_across_a_resume(
    ingest_url: str, ingest_client: Any, prefix: str, tmp_path: Path
) -> None:
    """The ledger of written ids survives the checkpoint: appended records resume after it."""
    cfg = _cfg(ingest_url, prefix)
    create_index(ingest_client, cfg, HashEncoder().info)
    n = 900  # past the 64 KiB head the checkpoint hashes, so appending keeps its identity
    body = "the first version of record {i}, padded to a realistic length for the test"
    src = _write(
        tmp_path / "grow.jsonl", [{"id": f"g{i}", "body": body.format(i=i)} for i in range(n)]
    )
    assert _ingest(cfg, src, tmp_path).indexed == n
    with src.open("ab") as fh:  # the file grows; g3 comes again
        fh.write(orjson.dumps({"id": "g3", "body": "g3 again, later"}) + b"\n")
        fh.write(orjson.dumps({"id": "g-new", "body": "new"}) + b"\n")
    rep = _ingest(cfg, src, tmp_path, resume=True)
    assert (rep.read, rep.indexed, rep.replaced) == (n + 2, n + 1, 1)
    assert _chunks(ingest_client, prefix, "g3") == {0: "g3 again, later"}
    _ids, doc_ids = all_ids(ingest_client, prefix)
    assert len(set(doc_ids)) == rep.indexed


def test_report_json_is_written_on_a_fatal_exit(
    ingest_url: str, ingest_client: Any, prefix: str, tmp_path: Path
) -> None:
    cfg = _cfg(ingest_url, prefix)
    index = create_index(ingest_client, cfg, HashEncoder().info)
    ingest_client.indices.put_settings(index=index, body={"index": {"blocks": {"write": True}}})
    try:
        src = _write(tmp_path / "in.jsonl", [{"id": f"d{i}", "body": "x y"} for i in range(5)])
        out = tmp_path / "report.json"
        ing = Ingestor(cfg, encoder=HashEncoder(), dead_letter=tmp_path / "dl.jsonl")
        with pytest.raises(IngestError, match="cluster_block_exception"):
            ing.run(src, report_json=out)
        report = orjson.loads(out.read_bytes())
        assert report["status"] == "failed" and "cluster_block_exception" in report["error"]
        assert report["indexed"] == 0 and report["read"] == 0
    finally:
        ingest_client.indices.put_settings(index=index, body={"index": {"blocks": {"write": None}}})
    missing = make_config(ingest_url, f"{prefix}-nope")
    out2 = tmp_path / "r2.json"
    with pytest.raises(IngestError, match="does not exist"):
        Ingestor(missing, encoder=HashEncoder()).run(src, report_json=out2)
    assert orjson.loads(out2.read_bytes())["status"] == "failed"


def test_ingest_during_a_migration_says_which_migration_holds_the_block(
    ingest_url: str, ingest_client: Any, prefix: str, tmp_path: Path
) -> None:
    from babelsearch.indices.migrate import migration_lock

    cfg = _cfg(ingest_url, prefix)
    index = create_index(ingest_client, cfg, HashEncoder().info)
    src = _write(tmp_path / "in.jsonl", [{"id": "d", "body": "x y"}])
    with migration_lock(ingest_client, prefix):
        ingest_client.indices.put_settings(index=index, body={"index": {"blocks": {"write": True}}})
        try:
            holds = r"a migration of .* holds the write block"
            with pytest.raises(IngestError, match=holds) as err:
                _ingest(cfg, src, tmp_path)
            assert "--break-lock" in str(err.value)
        finally:
            ingest_client.indices.put_settings(
                index=index, body={"index": {"blocks": {"write": None}}}
            )
    assert _ingest(cfg, src, tmp_path).indexed == 1  # after the migration: writes go on


def test_missing_input_and_dead_letter_ids(
    ingest_url: str, ingest_client: Any, prefix: str, tmp_path: Path
) -> None:
    cfg = _cfg(ingest_url, prefix)
    create_index(ingest_client, cfg, HashEncoder().info)
    with pytest.raises(IngestError, match=r"input not found: .*nope\.jsonl"):
        _ingest(cfg, str(tmp_path / "nope.jsonl"), tmp_path)
    src = _write(
        tmp_path / "bad.jsonl",
        [{"id": "ok", "body": "fine"}, {"id": "badlang", "body": "x", "lang": "1"},
         {"id": "badtype", "body": 5}, {"id": "badmeta", "body": "y", "n": "many"}],
    )  # fmt: skip
    rep = _ingest(cfg, src, tmp_path)
    assert rep.dead_lettered == 3
    entries = [orjson.loads(x) for x in (tmp_path / "dl.jsonl").read_bytes().splitlines()]
    assert sorted(e["id"] for e in entries) == ["badlang", "badmeta", "badtype"]


def _wait_for_watermark(proc: subprocess.Popen[bytes], cp: Path, at_least: int) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(
                f"child finished early: {proc.stderr.read()[-2000:] if proc.stderr else ''!r}"
            )
        state = load_checkpoint(cp) if cp.exists() else None
        if state is not None and state.watermark >= at_least:
            return
        time.sleep(0.05)
    proc.kill()
    pytest.fail("the child made no progress")


def _default_sigint() -> None:
    """SIGINT's default action in the child, whatever the suite was started with (a
    background job of a non-interactive shell inherits it ignored)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _kill_run(
    cfg_data: dict[str, Any], src: Path, tmp: Path, sig: int, at_least: int
) -> subprocess.CompletedProcess[bytes]:
    """Start a slow child ingest, send ``sig`` past ``at_least``, then resume to the end."""
    cfg_path = tmp / "cfg.json"
    cfg_path.write_bytes(orjson.dumps(cfg_data))
    cmd = [sys.executable, str(HERE / "kill_target.py"), str(cfg_path), str(src), str(tmp / "dl")]
    proc = subprocess.Popen(
        [*cmd, "0.05", "fresh"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_default_sigint,
    )
    cp = Path(f"{src}.babelsearch-checkpoint.json")
    _wait_for_watermark(proc, cp, at_least)
    os.kill(proc.pid, sig)
    proc.wait(timeout=120)
    state = load_checkpoint(cp)
    assert state is not None and not state.complete, "stopped too late to test resume"
    return subprocess.run([*cmd, "0", "resume"], capture_output=True, timeout=600)


@pytest.mark.slow
def test_shorter_versions_across_a_kill_and_resume_leave_no_stale_chunk(
    ingest_url: str, ingest_client: Any, prefix: str, tmp_path: Path
) -> None:
    chunking = {"max_chars": 200, "overlap_chars": 0}
    cfg = _cfg(ingest_url, prefix)
    create_index(ingest_client, cfg, HashEncoder().info)
    n = 400
    long_docs = [{"id": f"s{i}", "body": _long_body(f"w{i}", 3 + i % 4)} for i in range(n)]
    _ingest(cfg, _write(tmp_path / "long.jsonl", long_docs), tmp_path)
    short_docs = [
        {"id": f"s{i}", "body": "Short now." if i % 2 else _long_body(f"v{i}", 4)} for i in range(n)
    ]
    short = _write(tmp_path / "short.jsonl", short_docs)
    cfg_data = {
        "index": {"name": prefix},
        "languages": ["en", "de", "fr", "es", "zh", "ja", "ru"],
        "fields": {"text": ["title", "body"], "metadata": {"n": "integer", "topic": "keyword"}},
        "cluster": {"url": ingest_url},
        "ingest": {"encode_batch_size": 8, "bulk": {"max_docs": 16}, "chunking": chunking},
    }
    done = _kill_run(cfg_data, short, tmp_path, signal.SIGKILL, 60)
    assert done.returncode == 0, done.stderr[-3000:]
    report = orjson.loads(done.stdout.splitlines()[-1])
    assert report["indexed"] == n
    ids, doc_ids = all_ids(ingest_client, prefix)
    assert len(ids) == len(set(ids)) == report["chunks_indexed"]
    # the oracle: the short versions loaded into an empty index
    clean = _cfg(ingest_url, f"{prefix}-clean")
    create_index(ingest_client, clean, HashEncoder().info)
    _ingest(clean, short, tmp_path, checkpoint=tmp_path / "clean.cp")
    clean_ids, _ = all_ids(ingest_client, clean.index.name)
    assert sorted(ids) == sorted(clean_ids)
    assert sum(1 for d in doc_ids if d == "s1") == 1  # "Short now." is one chunk


@pytest.mark.slow
def test_ctrl_c_saves_the_checkpoint_and_resume_completes_exactly(
    ingest_url: str, ingest_client: Any, prefix: str, tmp_path: Path
) -> None:
    cfg = _cfg(ingest_url, prefix)
    create_index(ingest_client, cfg, HashEncoder().info)
    docs = [
        {"id": f"c{i}", "body": f"record number {i} of the interrupted load"} for i in range(1500)
    ]
    src = _write(tmp_path / "ctrlc.jsonl", docs)
    cfg_data = {
        "index": {"name": prefix},
        "languages": ["en", "de", "fr", "es", "zh", "ja", "ru"],
        "fields": {"text": ["title", "body"], "metadata": {"n": "integer", "topic": "keyword"}},
        "cluster": {"url": ingest_url},
        "ingest": {"encode_batch_size": 8, "bulk": {"max_docs": 16}},
    }
    done = _kill_run(cfg_data, src, tmp_path, signal.SIGINT, 100)
    assert done.returncode == 0, done.stderr[-3000:]
    report = orjson.loads(done.stdout.splitlines()[-1])
    assert report["read"] == report["indexed"] == len(docs) and report["resumed_from"] >= 100
    ids, _ = all_ids(ingest_client, prefix)
    assert sorted(ids) == sorted(d["id"] for d in docs)


# -- found by a hostile new user ---------------------------------------------------------
def test_resume_after_appending_to_a_small_file_continues(
    ingest_url: str, ingest_client: Any, prefix: str, tmp_path: Path
) -> None:
    """Before: any file under 64 KiB was 'changed' once a line was appended."""
    cfg = _cfg(ingest_url, prefix)
    create_index(ingest_client, cfg, HashEncoder().info)
    src = _write(
        tmp_path / "small.jsonl", [{"id": f"a{i}", "body": f"body {i}"} for i in range(30)]
    )
    assert _ingest(cfg, src, tmp_path).indexed == 30
    with src.open("ab") as fh:
        fh.write(orjson.dumps({"id": "a30", "body": "appended"}) + b"\n")
    rep = _ingest(cfg, src, tmp_path, resume=True)
    assert (rep.read, rep.indexed, rep.resumed_from) == (31, 31, 29)


def test_an_edit_before_the_watermark_is_refused_not_read_mid_line(
    ingest_url: str, ingest_client: Any, prefix: str, tmp_path: Path
) -> None:
    """Before: lengthening a record past the first 64 KiB read as an append; the resume
    seeked into the middle of a line and dead-lettered the fragment."""
    cfg = _cfg(ingest_url, prefix)
    create_index(ingest_client, cfg, HashEncoder().info)
    body = "Body text number {i} about a harbour, padded so that the file passes 64 KiB."
    docs = [{"id": f"n{i}", "body": body.format(i=i)} for i in range(900)]
    src = _write(tmp_path / "edit.jsonl", docs)
    assert _ingest(cfg, src, tmp_path).indexed == 900
    data = src.read_bytes().replace(b"number 700 about", b"number 700, now much longer, about")
    src.write_bytes(data)
    with pytest.raises(IngestError, match="the input changed"):
        _ingest(cfg, src, tmp_path, resume=True)


def test_a_thousand_repeats_of_one_id_cost_two_writes(
    ingest_url: str, ingest_client: Any, prefix: str, tmp_path: Path
) -> None:
    """Before: each repeat waited for the previous one's round trip (300 repeats: 3 min)."""
    cfg = _cfg(ingest_url, prefix)
    create_index(ingest_client, cfg, HashEncoder().info)
    src = _write(tmp_path / "same.jsonl", [{"id": "same", "body": f"v{i}"} for i in range(1000)])
    t0 = time.monotonic()
    rep = _ingest(cfg, src, tmp_path)
    took = time.monotonic() - t0
    assert (rep.read, rep.indexed, rep.replaced) == (1000, 1, 999)
    assert _chunks(ingest_client, prefix, "same") == {0: "v999"}
    assert took < 60, took  # a correctness bound (one round trip per repeat took minutes)


def test_unwritable_report_path_fails_before_the_load(
    ingest_url: str, ingest_client: Any, prefix: str, tmp_path: Path
) -> None:
    cfg = _cfg(ingest_url, prefix)
    create_index(ingest_client, cfg, HashEncoder().info)
    src = _write(tmp_path / "in.jsonl", [{"id": "d", "body": "x y"}])
    blocked = tmp_path / "ro"
    blocked.mkdir()
    blocked.chmod(0o500)
    try:
        if os.access(blocked, os.W_OK):  # root ignores the mode bits: use a file as folder
            blocked = tmp_path / "a-file"
            blocked.write_text("x")
        ing = Ingestor(cfg, encoder=HashEncoder(), dead_letter=tmp_path / "dl.jsonl")
        with pytest.raises(IngestError, match="cannot write the report"):
            ing.run(src, report_json=blocked / "r.json")
        ingest_client.indices.refresh(index=prefix)
        assert ingest_client.count(index=prefix)["count"] == 0  # nothing was loaded first
    finally:
        (tmp_path / "ro").chmod(0o700)
    deep = tmp_path / "new" / "dir" / "r.json"  # a missing folder is created, as for dead letters
    Ingestor(cfg, encoder=HashEncoder()).run(src, report_json=deep)
    assert orjson.loads(deep.read_bytes())["indexed"] == 1


def test_csv_without_any_configured_text_column_is_an_error(
    ingest_url: str, ingest_client: Any, prefix: str, tmp_path: Path
) -> None:
    """Before: exit 0, 'indexed 0, skipped N' -- a load that looked fine and held nothing."""
    cfg = _cfg(ingest_url, prefix)
    create_index(ingest_client, cfg, HashEncoder().info)
    semi = tmp_path / "semi.csv"
    semi.write_text("id;lang;title;body\n1;en;A;some text\n", encoding="utf-8")
    with pytest.raises(IngestError, match="delimited by something other than"):
        _ingest(cfg, str(semi), tmp_path)
    caps = tmp_path / "caps.csv"
    caps.write_text("ID,Title,Body\n1,A,some text\n", encoding="utf-8")
    with pytest.raises(IngestError, match="case-sensitive"):
        _ingest(cfg, str(caps), tmp_path)
