"""Ingest against the real node: volume, accounting, dead letters, backfill, fail-fast."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pytest

from babelsearch.errors import IngestError
from babelsearch.ingest import Ingestor

from .conftest import all_ids, create_index, make_config, make_docs
from .hash_encoder import HashEncoder

pytestmark = pytest.mark.integration


def test_10k_multilingual_documents(
    ingest_url: str, ingest_client: Any, prefix: str, tmp_path: Path
) -> None:
    enc = HashEncoder()
    cfg = make_config(
        ingest_url, prefix, encode_batch_size=128, chunking={"max_chars": 400, "overlap_chars": 60}
    )
    create_index(ingest_client, cfg, enc.info)
    docs = make_docs(10_000, long_every=250)
    report = Ingestor(
        cfg, client=ingest_client, encoder=enc, dead_letter=tmp_path / "dl.jsonl"
    ).run(docs)
    assert report.read == 10_000 and report.indexed == 10_000
    assert report.dead_lettered == 0 and report.skipped == 0 and report.consistent
    assert report.chunks_indexed > 10_000  # the long ones were chunked
    ids, doc_ids = all_ids(ingest_client, prefix)
    assert len(ids) == len(set(ids)) == report.chunks_indexed
    assert set(doc_ids) == {d["id"] for d in docs}
    # shape of one German chunk: own-language subfield + neutral, metadata, vector
    hit = ingest_client.get(index=prefix, id="doc-000000")["_source"]
    assert hit["lang"] == "de" and set(hit["title"]) == {"de", "neutral"}
    assert hit["n"] == docs[0]["n"] and len(hit["embedding"]) == 512
    # detected languages (odd ids carry no lang) agree with the templates almost always
    langs = ingest_client.search(
        index=prefix,
        body={
            "size": 0,
            "query": {"term": {"chunk_no": 0}},
            "aggs": {"l": {"terms": {"field": "lang", "size": 50}}},
        },
    )
    by_lang = {b["key"]: b["doc_count"] for b in langs["aggregations"]["l"]["buckets"]}
    assert sum(by_lang.values()) == 10_000
    assert all(by_lang.get(lang, 0) >= 1300 for lang in ("en", "de", "fr", "es", "zh", "ja", "ru"))
    print("\n10k report:", report.to_dict())


BAD_LINES: list[tuple[bytes, str]] = [
    (b'{"id":"bad-utf8","body":"caf\xe9"}', "invalid_utf8"),
    (b'{"id":"bad-json","body":"x"', "truncated_line"),
    (b'["not","an","object"]', "not_an_object"),
    (b'{"id":"nan","body":"x","n":NaN}', "nan_or_infinity"),
    (b'{"id":"dup","id":"dup2","body":"x"}', "duplicate_keys"),
    (b'{"id":"sur","body":"\\ud800"}', "lone_surrogate"),
    (b'{"id":true,"body":"x"}', "invalid_id_type"),
    (b'{"id":"meta","body":"x","n":"many"}', "metadata_type_conflict"),
    (
        b'{"id":"when","body":"Valid text here","published":"not a date"}',
        "mapper_parsing_exception",
    ),
    (b'{"id":"vec-nan","body":"NANVEC text"}', "encoder_non_finite"),
    (b'{"id":"vec-zero","body":"ZEROVEC text"}', "encoder_zero_vector"),
]
SKIP_LINES: list[tuple[bytes, str]] = [
    (b'{"id":"empty","body":"   "}', "empty_text"),
    (b'{"id":"emoji","title":"\\ud83d\\ude00","body":"\\ud83c\\udf89!"}', "no_word_characters"),
]


def test_mixed_good_and_malformed_exact_accounting(
    ingest_url: str, ingest_client: Any, prefix: str, tmp_path: Path
) -> None:
    enc = HashEncoder()
    cfg = make_config(ingest_url, prefix, chunking={"max_chars": 200, "overlap_chars": 40})
    create_index(ingest_client, cfg, enc.info)
    good = make_docs(300, long_every=50)
    lines = [orjson.dumps(d) for d in good]
    expected_bad: dict[int, str] = {}
    expected_skip: dict[int, str] = {}
    for k, (line, _code) in enumerate(BAD_LINES + SKIP_LINES):
        at = 7 + k * 23
        lines.insert(at, line)
    # positions after all insertions
    for pos, line in enumerate(lines):
        for bad, code in BAD_LINES:
            if line == bad:
                expected_bad[pos] = code
        for skip, code in SKIP_LINES:
            if line == skip:
                expected_skip[pos] = code
    # a record with a huge long body that partially fails is not possible with one mapping;
    # instead a multi-chunk document with a bad date fails as a whole:
    multi = dict(good[0], id="multi-bad", published="31/12/2024", body="Sentence. " * 100)
    lines.append(orjson.dumps(multi))
    expected_bad[len(lines) - 1] = "mapper_parsing_exception"
    src = tmp_path / "mixed.jsonl"
    src.write_bytes(b"\n".join(lines))  # no trailing newline on purpose
    dl = tmp_path / "dead.jsonl"
    report = Ingestor(cfg, client=ingest_client, encoder=enc, dead_letter=dl).run(
        str(src), report_json=tmp_path / "report.json"
    )
    assert report.read == len(lines)
    assert report.indexed == len(good)
    assert report.dead_lettered == len(expected_bad)
    assert report.skipped == len(expected_skip)
    assert report.consistent and report.exit_code == 2
    assert report.skipped_reasons == dict(Counter(expected_skip.values()))
    entries = [orjson.loads(x) for x in dl.read_bytes().splitlines()]
    got = {e["position"]: e["code"] for e in entries}
    assert got == expected_bad
    assert all(e["reason"] and e["record"] is not None and e["input"] == str(src) for e in entries)
    written = orjson.loads((tmp_path / "report.json").read_bytes())
    assert written["read"] == report.read and written["dead_lettered"] == report.dead_lettered
    ids, doc_ids = all_ids(ingest_client, prefix)
    assert set(doc_ids) == {d["id"] for d in good}  # nothing half-indexed ("multi-bad")
    assert len(ids) == len(set(ids)) == report.chunks_indexed


def test_missing_alias_fails_fast(ingest_url: str, ingest_client: Any, prefix: str) -> None:
    cfg = make_config(ingest_url, prefix)
    with pytest.raises(IngestError, match="mappings apply"):
        Ingestor(cfg, client=ingest_client, encoder=HashEncoder()).run([{"id": "a", "body": "b"}])


def test_create_flag_builds_index_and_alias(
    ingest_url: str, ingest_client: Any, prefix: str, tmp_path: Path
) -> None:
    cfg = make_config(ingest_url, prefix)
    report = Ingestor(
        cfg,
        client=ingest_client,
        encoder=HashEncoder(),
        create=True,
        dead_letter=tmp_path / "dl.jsonl",
    ).run([{"id": "a", "body": "hello"}])
    assert report.indexed == 1
    assert ingest_client.indices.exists_alias(name=prefix)
    assert ingest_client.count(index=prefix)["count"] == 1


def test_encoder_fingerprint_mismatch_is_refused(
    ingest_url: str, ingest_client: Any, prefix: str
) -> None:
    cfg = make_config(ingest_url, prefix)
    create_index(ingest_client, cfg, HashEncoder().info)
    other = HashEncoder()
    other._info = type(other.info)(**{**other.info.__dict__, "model_id": "other-model"})
    with pytest.raises(IngestError, match="built for encoder"):
        Ingestor(cfg, client=ingest_client, encoder=other).run([{"id": "a", "body": "b"}])


def _settings(client: Any, index: str) -> tuple[Any, Any]:
    s = client.indices.get_settings(index=index, flat_settings=True)[index]["settings"]
    return s.get("index.refresh_interval"), s.get("index.number_of_replicas")


def test_backfill_restores_settings_even_when_the_run_fails(
    ingest_url: str, ingest_client: Any, prefix: str, tmp_path: Path
) -> None:
    cfg = make_config(ingest_url, prefix)
    index = create_index(ingest_client, cfg, HashEncoder().info)
    ingest_client.indices.put_settings(index=index, body={"index.refresh_interval": "7s"})
    before = _settings(ingest_client, index)
    seen: list[tuple[Any, Any]] = []

    def records() -> Any:
        yield from make_docs(50)
        seen.append(_settings(ingest_client, index))
        raise RuntimeError("the source broke")

    ing = Ingestor(
        cfg,
        client=ingest_client,
        encoder=HashEncoder(),
        backfill=True,
        dead_letter=tmp_path / "dl.jsonl",
    )
    with pytest.raises(IngestError, match="the source broke"):
        ing.run(records())
    assert seen == [("-1", "0")]
    assert _settings(ingest_client, index) == before == ("7s", "0")
    ok = ing.run(make_docs(20))
    assert ok.indexed == 20 and _settings(ingest_client, index) == before


class _LyingEncoder(HashEncoder):
    """Claims 512 dimensions but returns 256 for texts mentioning 'short-vector'."""

    def encode_documents(self, texts: Any) -> Any:
        out = super().encode_documents(texts)
        if any("short-vector" in t for t in texts):
            from babelsearch.encoders.base import Encoded

            return Encoded(out.dense[:, :256].copy())
        return out


def test_wrong_dimension_vectors_are_dead_lettered(
    ingest_url: str, ingest_client: Any, prefix: str, tmp_path: Path
) -> None:
    enc = _LyingEncoder()
    cfg = make_config(ingest_url, prefix, encode_batch_size=4)
    create_index(ingest_client, cfg, enc.info)
    recs = [{"id": f"ok{i}", "body": f"fine text {i}", "lang": "en"} for i in range(8)]
    recs += [{"id": "bad", "body": "a short-vector text", "lang": "de"}]
    dl = tmp_path / "dl.jsonl"
    report = Ingestor(cfg, client=ingest_client, encoder=enc, dead_letter=dl).run(recs)
    assert (report.indexed, report.dead_lettered) == (8, 1)
    (entry,) = [orjson.loads(x) for x in dl.read_bytes().splitlines()]
    assert entry["id"] == "bad" and entry["code"] == "encoder_wrong_dimension"
    assert entry["record"]["body"] == "a short-vector text"


def test_csv_parquet_and_directory_inputs(
    ingest_url: str, ingest_client: Any, prefix: str, tmp_path: Path
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    enc = HashEncoder()
    cfg = make_config(ingest_url, prefix)
    create_index(ingest_client, cfg, enc.info)
    csv_path = tmp_path / "in.csv"
    csv_path.write_text(
        "id,title,body,n\nc1,Titel,Ein Text über Flüsse,3\nc2,,Another one,\n", encoding="utf-8"
    )
    pq_path = tmp_path / "in.parquet"
    pq.write_table(
        pa.table({"id": ["p1", "p2"], "body": ["Un texte", "Otro texto"], "lang": ["fr", "es"]}),
        pq_path,
    )
    docs = tmp_path / "docs"
    (docs / "guide").mkdir(parents=True)
    (docs / "readme.md").write_text("# Welcome\n\nSome words here.\n", encoding="utf-8")
    (docs / "guide" / "intro.txt").write_text("Intro line\nMore text.\n", encoding="utf-8")
    ing = Ingestor(cfg, client=ingest_client, encoder=enc, dead_letter=tmp_path / "dl.jsonl")
    for path in (csv_path, pq_path, docs):
        report = ing.run(str(path))
        assert report.indexed == 2 and report.consistent, (path, report)
    _ids, doc_ids = all_ids(ingest_client, prefix)
    assert sorted(doc_ids) == ["c1", "c2", "guide/intro.txt", "p1", "p2", "readme.md"]
    readme = ingest_client.get(index=prefix, id="readme.md")["_source"]
    assert readme["title"]["neutral"] == "Welcome"
    assert ingest_client.get(index=prefix, id="c1")["_source"]["n"] == 3
    assert ingest_client.get(index=prefix, id="p1")["_source"]["lang"] == "fr"


def test_partially_failed_document_is_removed_and_dead_lettered_whole(
    ingest_url: str, ingest_client: Any, prefix: str, tmp_path: Path
) -> None:
    enc = _LyingEncoder()
    cfg = make_config(
        ingest_url, prefix, encode_batch_size=1, chunking={"max_chars": 80, "overlap_chars": 0}
    )
    create_index(ingest_client, cfg, enc.info)
    body = " ".join(f"Sentence number {i} is fine." for i in range(12))
    body += " This one has a short-vector inside. And a good ending sentence here."
    recs = [
        {"id": "partial", "body": body, "lang": "en"},
        {"id": "whole", "body": "A normal document.", "lang": "en"},
    ]
    dl = tmp_path / "dl.jsonl"
    report = Ingestor(cfg, client=ingest_client, encoder=enc, dead_letter=dl).run(recs)
    assert (report.indexed, report.dead_lettered, report.chunks_indexed) == (1, 1, 1)
    (entry,) = [orjson.loads(x) for x in dl.read_bytes().splitlines()]
    assert entry["id"] == "partial" and entry["code"] == "encoder_wrong_dimension"
    assert "(chunk partial#" in entry["reason"]
    ids, doc_ids = all_ids(ingest_client, prefix)
    assert ids == ["whole"] and doc_ids == ["whole"]  # no orphan chunks of "partial"
