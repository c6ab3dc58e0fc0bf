"""Readers and validation: every malformed input becomes a specific reason, never a crash."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from babelsearch.config import FieldsConfig
from babelsearch.errors import IngestError
from babelsearch.ingest.readers import (
    RawRecord,
    detect_format,
    iter_csv,
    iter_dir,
    iter_jsonl,
    iter_parquet,
    read_path,
)
from babelsearch.ingest.validate import MAX_ID_BYTES, Rejected, auto_id, to_document
from babelsearch.types import Document

FIELDS = FieldsConfig(
    id="id",
    lang="lang",
    text=("title", "body"),
    metadata={"n": "integer", "score": "float", "tag": "keyword", "ok": "boolean", "day": "date"},
)


def outcome(line: bytes, *, last: bool = False) -> str:
    """Reason code for one JSONL line (``ok`` when it becomes a Document)."""
    data = line if last else line + b"\n"
    recs = list(iter_jsonl(io.BytesIO(b'{"id":"warmup","body":"x"}\n' + data)))
    assert len(recs) == 2, recs
    res = to_document(recs[1], FIELDS)
    if isinstance(res, Document):
        return "ok"
    assert isinstance(res, Rejected)
    assert res.position == 1
    return ("skip:" if res.skip else "") + res.reason.split(":", 1)[0]


MALFORMED = [
    (b'{"id":"a","body":"caf\xe9"}', "invalid_utf8"),
    (b'{"id":"a","body":"\xc3\x28"}', "invalid_utf8"),
    (b'\xef\xbb\xbf{"id":"a","body":"x"}', "bom"),
    (b'\xff\xfe{"id":"a"}', "bom"),
    (b'{"id":"a","body":"trunc', "invalid_json"),
    (b"[1, 2, 3]", "not_an_object"),
    (b'"just a string"', "not_an_object"),
    (b"42", "not_an_object"),
    (b"null", "not_an_object"),
    (b'{"id":"a","body":"x","score":NaN}', "nan_or_infinity"),
    (b'{"id":"a","body":"x","score":Infinity}', "nan_or_infinity"),
    (b'{"id":"a","body":"x","score":-Infinity}', "nan_or_infinity"),
    (b'{"id":"a","id":"b","body":"x"}', "duplicate_keys"),
    (b'{"id":"a","body":"x","m":{"k":1,"k":2}}', "duplicate_keys"),
    (b'{"id":"a","body":"\\ud800"}', "lone_surrogate"),
    (b'{"id":"a","body":"\\udc00x"}', "lone_surrogate"),
    (b'{"id":"a","body":"x"} trailing', "invalid_json"),
    (b"{'id':'a'}", "invalid_json"),
    (b"[" * 5000 + b"]" * 5000, "too_deeply_nested"),
    (b'{"id":true,"body":"x"}', "invalid_id_type"),
    (b'{"id":1.5,"body":"x"}', "invalid_id_type"),
    (b'{"id":["a"],"body":"x"}', "invalid_id_type"),
    (b'{"id":"   ","body":"x"}', "empty_id"),
    (b'{"id":"' + b"x" * (MAX_ID_BYTES + 1) + b'","body":"x"}', "id_too_long"),
    (b'{"id":"a\\u0000b","body":"x"}', "id_control_chars"),
    (b'{"id":"a\\nb","body":"x"}', "id_control_chars"),
    (b'{"id":"a","body":42}', "invalid_text_type"),
    (b'{"id":"a","body":{"x":1}}', "invalid_text_type"),
    (b'{"id":"a","body":"x","lang":"english language"}', "invalid_lang"),
    (b'{"id":"a","body":"x","lang":7}', "invalid_lang"),
    (b'{"id":"a","body":"x","n":"seven"}', "metadata_type_conflict"),
    (b'{"id":"a","body":"x","n":true}', "metadata_type_conflict"),
    (b'{"id":"a","body":"x","score":"high"}', "metadata_type_conflict"),
    (b'{"id":"a","body":"x","tag":{"nested":1}}', "metadata_type_conflict"),
    (b'{"id":"a","body":"x","ok":"yes"}', "metadata_type_conflict"),
    (b'{"id":"a","body":"x","day":false}', "metadata_type_conflict"),
    (b'{"id":"a","body":""}', "skip:empty_text"),
    (b'{"id":"a","title":"   ","body":null}', "skip:empty_text"),
    (b'{"id":"a"}', "skip:empty_text"),
    (b'{"id":"a","body":"\\ud83d\\ude00\\ud83c\\udf89 !!"}', "skip:no_word_characters"),
]


@pytest.mark.parametrize(("line", "expected"), MALFORMED)
def test_malformed_line_has_specific_reason(line: bytes, expected: str) -> None:
    assert outcome(line) == expected


def test_at_least_25_malformed_cases() -> None:
    assert len([m for m in MALFORMED if not m[1].startswith("skip:")]) >= 25


def test_truncated_last_line_without_newline() -> None:
    assert outcome(b'{"id":"a","body":"cut here', last=True) == "truncated_line"


def test_last_line_without_newline_that_parses_is_fine() -> None:
    assert outcome(b'{"id":"a","body":"complete"}', last=True) == "ok"


def test_huge_line_is_dead_lettered_and_reading_continues() -> None:
    big = b'{"id":"big","body":"' + b"x" * 5000 + b'"}\n'
    data = big + b'{"id":"next","body":"y"}\n'
    recs = list(iter_jsonl(io.BytesIO(data), max_record_bytes=1000))
    assert [r.position for r in recs] == [0, 1]
    assert recs[0].error is not None and recs[0].error.startswith("line_too_long")
    assert recs[1].data == {"id": "next", "body": "y"}
    assert recs[1].end_offset == len(data)


def test_bom_at_file_start_is_an_encoding_marker() -> None:
    recs = list(iter_jsonl(io.BytesIO(b'\xef\xbb\xbf{"id":"a","body":"x"}\n')))
    assert recs[0].error is None and recs[0].data == {"id": "a", "body": "x"}


def test_blank_lines_have_no_position_and_offsets_allow_seek() -> None:
    data = b'{"id":"a","body":"x"}\n\n   \n{"id":"b","body":"y"}\n'
    recs = list(iter_jsonl(io.BytesIO(data)))
    assert [r.position for r in recs] == [0, 1]
    first_end = recs[0].end_offset
    assert first_end is not None
    rest = io.BytesIO(data)
    rest.seek(first_end)
    again = list(iter_jsonl(rest, start_position=1, start_offset=first_end))
    assert [(r.position, r.data) for r in again] == [(1, {"id": "b", "body": "y"})]


def test_unknown_and_metadata_like_keys_are_ignored() -> None:
    rec = RawRecord(
        0,
        {
            "id": 7,
            "body": "hello",
            "_id": "evil",
            "_index": "other",
            "routing": "r",
            "version": 3,
            "extra": [1],
        },
    )
    doc = to_document(rec, FIELDS)
    assert isinstance(doc, Document)
    assert doc.id == "7"
    assert dict(doc.fields) == {"body": "hello"}
    assert dict(doc.metadata) == {}


def test_missing_id_gets_deterministic_content_id() -> None:
    a = to_document(RawRecord(0, {"title": "T", "body": "B"}), FIELDS)
    b = to_document(RawRecord(5, {"body": "B", "title": "T", "other": 1}), FIELDS)
    c = to_document(RawRecord(0, {"title": "T", "body": "C"}), FIELDS)
    assert isinstance(a, Document) and isinstance(b, Document) and isinstance(c, Document)
    assert a.id == b.id == auto_id({"title": "T", "body": "B"})
    assert a.id.startswith("auto-") and a.id != c.id


def test_explicit_lang_is_normalized_and_metadata_kept() -> None:
    rec = RawRecord(
        0,
        {
            "id": "x",
            "body": "b",
            "lang": "pt-BR",
            "n": 3,
            "score": 1,
            "tag": ["a", "b"],
            "ok": False,
            "day": "2024-01-01",
        },
    )
    doc = to_document(rec, FIELDS)
    assert isinstance(doc, Document)
    assert doc.lang == "pt"
    assert dict(doc.metadata) == {
        "n": 3,
        "score": 1,
        "tag": ["a", "b"],
        "ok": False,
        "day": "2024-01-01",
    }


def test_csv_reader_coerces_declared_types_and_flags_bad_rows(tmp_path: Path) -> None:
    p = tmp_path / "in.csv"
    p.write_bytes(
        b"id,title,body,n,ok\n"
        b"1,T1,hello world,5,true\n"
        b'2,T2,"multi\nline",,false\n'
        b"3,T3,caf\xe9,1,true\n"
        b"4,T4,too,many,columns,here\n"
        b"5,T5,bad int,x,true\n"
    )
    recs = list(iter_csv(p))
    assert [r.position for r in recs] == [0, 1, 2, 3, 4]
    docs = [to_document(r, FIELDS) for r in recs]
    assert isinstance(docs[0], Document) and docs[0].metadata == {"n": 5, "ok": True}
    assert isinstance(docs[1], Document) and docs[1].fields["body"] == "multi\nline"
    reasons = [d.reason.split(":")[0] for d in docs[2:] if isinstance(d, Rejected)]
    assert reasons == ["invalid_utf8", "csv_column_count", "metadata_type_conflict"]
    assert [r.position for r in iter_csv(p, start_position=3)] == [3, 4]


def test_parquet_reader(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    p = tmp_path / "in.parquet"
    pq.write_table(
        pa.table({"id": ["a", "b", "c"], "body": ["x", None, "z"], "n": [1, 2, None]}), p
    )
    recs = list(iter_parquet(p))
    assert [r.data for r in recs] == [
        {"id": "a", "body": "x", "n": 1},
        {"id": "b", "body": None, "n": 2},
        {"id": "c", "body": "z", "n": None},
    ]
    assert [r.position for r in iter_parquet(p, start_position=2)] == [2]


def test_dir_reader_uses_relative_path_and_first_heading(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.md").write_text("\n# Hello *world*\n\nBody text.\n", encoding="utf-8")
    (tmp_path / "sub" / "b.txt").write_text("First line\nsecond\n", encoding="utf-8")
    (tmp_path / "sub" / "c.txt").write_bytes(b"\xff\xfe bad")
    (tmp_path / "ignored.json").write_text("{}", encoding="utf-8")
    recs = list(iter_dir(tmp_path, ("title", "body"), "id"))
    assert [r.data["id"] if r.data else r.raw for r in recs] == ["a.md", "sub/b.txt", "sub/c.txt"]
    assert recs[0].data is not None and recs[0].data["title"] == "Hello *world*"
    assert recs[1].data is not None and recs[1].data["title"] == "First line"
    assert recs[0].data["body"] == "Body text.\n" and recs[1].data["body"] == "second\n"
    assert recs[2].error is not None and recs[2].error.startswith("invalid_utf8")


def test_format_detection_and_missing_input(tmp_path: Path) -> None:
    assert detect_format("x.jsonl") == "jsonl"
    assert detect_format("x.csv") == "csv"
    assert detect_format("x.parquet") == "parquet"
    assert detect_format(str(tmp_path)) == "dir"
    assert detect_format("-") == "jsonl"
    with pytest.raises(IngestError, match="--format"):
        detect_format("x.unknown")
    with pytest.raises(IngestError, match="not found"):
        list(read_path(str(tmp_path / "nope.jsonl"), "jsonl", text_fields=("body",), id_field="id"))
