"""Reader integrity (unit): every record a user counts in the file is read as one record.

Two defects are pinned here. A CSV row with an unterminated quote used to swallow the
rows after it into its field (the report's ``read`` was short by the swallowed rows,
and the counts still "added up"); a one-line text file used to be indexed as title
*and* body, and the title copied into every chunk (19 kB in, 845 kB indexed).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from babelsearch.config import ChunkingConfig, FieldsConfig
from babelsearch.ingest.chunking import chunk_document
from babelsearch.ingest.readers import RawRecord, iter_csv, iter_dir
from babelsearch.ingest.validate import to_document
from babelsearch.types import Chunk, Document

FIELDS = FieldsConfig(id="id", lang="lang", text=("title", "body"), metadata={})
PER_CHUNK_OVERHEAD = 300
"""Bytes a chunk may add on top of its share of the input (sentence overlap, title)."""


def _rows(n: int, start: int = 1) -> list[str]:
    return [f"{i},T{i},body {i}" for i in range(start, start + n)]


def _write(tmp_path: Path, lines: list[str], *, name: str = "in.csv", nl: str = "\n") -> Path:
    p = tmp_path / name
    p.write_bytes(nl.join(lines).encode("utf-8") + nl.encode())
    return p


def _good(recs: list[RawRecord]) -> list[dict[str, str | None]]:
    return [dict(r.data) for r in recs if r.data is not None]


# -- CSV: unterminated quotes -------------------------------------------------------------


def test_unterminated_quote_does_not_swallow_the_following_rows(tmp_path: Path) -> None:
    lines = ["id,title,body", *_rows(6), '7,"Title,body text', *_rows(5, start=8)]
    recs = list(iter_csv(_write(tmp_path, lines)))
    assert len(recs) == 12  # the user counts 12 records; the old reader read 7
    assert [r.position for r in recs] == list(range(12))
    bad = recs[6]
    assert bad.data is None and bad.error is not None
    assert bad.error.startswith("csv_unterminated_quote: the quote opened on line 8 ")
    assert bad.raw == '7,"Title,body text'
    assert [d["id"] for d in _good(recs)] == [str(i) for i in (1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12)]
    assert _good(recs)[-1] == {"id": "12", "title": "T12", "body": "body 12"}


def test_quote_closed_by_a_later_odd_line_is_still_detected(tmp_path: Path) -> None:
    # the stray quote on line 3 is "closed" by the legit multi-line field opening on line 5
    lines = [
        "id,title,body",
        "1,T1,body 1",
        '2,"Title,body text',
        "3,T3,body 3",
        '4,T4,"multi',
        'line body"',
        "5,T5,body 5",
    ]
    recs = list(iter_csv(_write(tmp_path, lines)))
    assert len(recs) == 5
    assert recs[1].error is not None and recs[1].error.startswith("csv_unterminated_quote")
    assert "line 3" in recs[1].error
    assert _good(recs) == [
        {"id": "1", "title": "T1", "body": "body 1"},
        {"id": "3", "title": "T3", "body": "body 3"},
        {"id": "4", "title": "T4", "body": "multi\nline body"},
        {"id": "5", "title": "T5", "body": "body 5"},
    ]


def test_quote_in_last_column_closed_by_a_later_quoted_row(tmp_path: Path) -> None:
    # the block "closes" with the right column count; only text after the closing
    # quote (`"a` on line 5) shows that the quote on line 3 was never closed
    lines = [
        "id,title,body",
        "1,T1,body 1",
        '2,T2,"body never closed',
        "3,T3,body 3",
        '4,"a, quoted title",body 4',
        "5,T5,body 5",
    ]
    recs = list(iter_csv(_write(tmp_path, lines)))
    assert len(recs) == 5
    assert recs[1].error is not None and recs[1].error.startswith("csv_unterminated_quote")
    assert [d["id"] for d in _good(recs)] == ["1", "3", "4", "5"]
    assert _good(recs)[2]["title"] == "a, quoted title"


def test_unclosed_quote_at_the_end_with_no_row_like_tail_is_one_record(tmp_path: Path) -> None:
    lines = ["id,title,body", "1,T1,body 1", '2,T2,"first line of the body', "second line"]
    recs = list(iter_csv(_write(tmp_path, lines)))
    assert len(recs) == 2
    assert recs[1].error is not None and recs[1].error.startswith("csv_unterminated_quote")
    assert "line 3" in recs[1].error and "end of the file" in recs[1].error


def test_unterminated_quote_on_the_last_line_without_newline(tmp_path: Path) -> None:
    p = tmp_path / "in.csv"
    p.write_bytes(b'id,title,body\n1,T1,body 1\n2,T2,"cut')
    recs = list(iter_csv(p))
    assert [r.position for r in recs] == [0, 1]
    assert recs[1].error is not None and recs[1].error.startswith("csv_unterminated_quote")


def test_resume_skips_the_same_records(tmp_path: Path) -> None:
    lines = ["id,title,body", *_rows(3), '4,"never closed', *_rows(3, start=5)]
    lines += ['8,T8,"multi', 'line"', "9,T9,body 9"]
    p = _write(tmp_path, lines)
    full = list(iter_csv(p))
    assert len(full) == 9
    for k in range(len(full) + 1):
        assert list(iter_csv(p, start_position=k)) == full[k:]


# -- CSV: what must keep working ----------------------------------------------------------


def test_legit_multiline_fields_with_commas_quotes_and_row_like_lines(tmp_path: Path) -> None:
    body = 'He said ""stop"".\n9,T9,looks like a row\nlast line, with a comma'
    lines = ["id,title,body", "1,T1,body 1", f'2,"A, title","{body}"', "3,T3,body 3"]
    recs = list(iter_csv(_write(tmp_path, lines)))
    assert [r.error for r in recs] == [None, None, None]
    expected = 'He said "stop".\n9,T9,looks like a row\nlast line, with a comma'
    assert _good(recs)[1]["body"] == expected
    assert _good(recs)[1]["title"] == "A, title"


def test_quote_inside_an_unquoted_field_is_a_character(tmp_path: Path) -> None:
    lines = ["id,title,body", '1,12" pizza,round', "2,T2,body 2"]
    recs = list(iter_csv(_write(tmp_path, lines)))
    assert _good(recs) == [
        {"id": "1", "title": '12" pizza', "body": "round"},
        {"id": "2", "title": "T2", "body": "body 2"},
    ]


def test_crlf_bom_no_final_newline_and_blank_lines(tmp_path: Path) -> None:
    p = tmp_path / "in.csv"
    p.write_bytes(
        b'\xef\xbb\xbfid,title,body\r\n1,T1,"two\r\nlines"\r\n\r\n2,"open,x\r\n3,T3,body 3'
    )
    recs = list(iter_csv(p))
    assert [r.position for r in recs] == [0, 1, 2]
    assert _good(recs)[0] == {"id": "1", "title": "T1", "body": "two\r\nlines"}
    assert recs[1].error is not None and "line 5" in recs[1].error
    assert recs[1].raw == '2,"open,x'
    assert _good(recs)[1] == {"id": "3", "title": "T3", "body": "body 3"}


def test_tsv_uses_tabs(tmp_path: Path) -> None:
    lines = ["id\ttitle\tbody", "1\tA, B\tbody 1", '2\t"unclosed\tx', "3\tT3\tbody 3"]
    recs = list(iter_csv(_write(tmp_path, lines, name="in.tsv")))
    assert len(recs) == 3
    assert _good(recs) == [
        {"id": "1", "title": "A, B", "body": "body 1"},
        {"id": "3", "title": "T3", "body": "body 3"},
    ]


def test_bad_bytes_and_column_count_still_have_their_reasons(tmp_path: Path) -> None:
    p = tmp_path / "in.csv"
    p.write_bytes(b"id,title,body\n1,caf\xe9,x\n2,too,many,cols\n3,T3,ok\n")
    recs = list(iter_csv(p, id_field="id"))
    codes = [(r.error or "ok").split(":")[0] for r in recs]
    assert codes == ["invalid_utf8", "csv_column_count", "ok"]
    assert recs[0].raw == "1,caf\\xe9,x"
    assert [r.doc_id for r in recs] == ["1", "2", None]  # named in their dead letters


def test_an_unreadable_row_names_its_id_only_where_the_cell_cannot_be_misread(
    tmp_path: Path,
) -> None:
    p = tmp_path / "in.csv"
    p.write_bytes(
        b"title,id,body\n"
        b"T1,a1,caf\xe9\n"  # right width: every cell is in its column
        b"T2,a2,too,many\n"  # a stray comma may have shifted the id: not named
        b"T3,\xff\xfe,x\n"  # an id with undecodable bytes is no id
        b"T4,a4,fine\n"
    )
    recs = list(iter_csv(p, id_field="id"))
    assert [(r.error or "ok").split(":")[0] for r in recs] == [
        "invalid_utf8", "csv_column_count", "invalid_utf8", "ok"
    ]  # fmt: skip
    assert [r.doc_id for r in recs] == ["a1", None, None, None]
    q = tmp_path / "first.csv"
    q.write_bytes(b"id,title,body\nb1,T,one,two\n")
    (rec,) = iter_csv(q, id_field="id")
    assert rec.error and rec.error.startswith("csv_column_count") and rec.doc_id == "b1"


_SETTINGS = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
_WORD = st.text(alphabet="abcxyz ", min_size=1, max_size=8).map(lambda s: f"w{s}w")
_FIELD = st.one_of(
    _WORD,
    st.tuples(_WORD, _WORD).map(", ".join),  # written quoted: "w.., w.."
    st.tuples(_WORD, _WORD).map('"'.join),  # written quoted with "" escapes
    st.tuples(_WORD, _WORD).map("\n".join),  # a legit multi-line field
    st.tuples(_WORD, _WORD).map("\r\n".join),
)


@_SETTINGS
@given(
    st.lists(st.tuples(_FIELD, _FIELD), min_size=1, max_size=12),
    st.sampled_from(["\n", "\r\n"]),
)
def test_any_well_formed_csv_round_trips(
    tmp_path: Path, rows: list[tuple[str, str]], nl: str
) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=nl)
    w.writerow(["id", "title", "body"])
    for i, (a, b) in enumerate(rows):
        w.writerow([str(i), a, b])
    p = tmp_path / "rt.csv"
    p.write_bytes(buf.getvalue().encode())
    recs = list(iter_csv(p))
    assert _good(recs) == [{"id": str(i), "title": a, "body": b} for i, (a, b) in enumerate(rows)]


_PLAIN = st.one_of(_WORD, st.tuples(_WORD, _WORD).map(", ".join))


@_SETTINGS
@given(
    st.lists(st.tuples(_PLAIN, _PLAIN), min_size=1, max_size=12),
    st.integers(min_value=0, max_value=12),
    st.sampled_from(["title", "body"]),
)
def test_one_unterminated_quote_costs_exactly_one_record(
    tmp_path: Path, rows: list[tuple[str, str]], at: int, column: str
) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["id", "title", "body"])
    for i, (a, b) in enumerate(rows):
        w.writerow([str(i), a, b])
    lines = buf.getvalue().splitlines()
    at = min(at, len(rows))
    broken = 'bad,"never closed, x' if column == "title" else 'bad,T,"never closed'
    lines.insert(1 + at, broken)
    p = _write(tmp_path, lines)
    recs = list(iter_csv(p))
    assert len(recs) == len(rows) + 1
    assert recs[at].error is not None and recs[at].error.startswith("csv_unterminated_quote")
    assert f"line {at + 2}" in recs[at].error
    assert _good(recs) == [{"id": str(i), "title": a, "body": b} for i, (a, b) in enumerate(rows)]


# -- directory of text files: title and body without duplication ------------------------


def _dir_record(tmp_path: Path, text: str, name: str = "f.txt") -> dict[str, object]:
    (tmp_path / name).write_text(text, encoding="utf-8")
    recs = iter_dir(tmp_path, ("title", "body"), "id")
    (rec,) = [r for r in recs if r.data and r.data["id"] == name]
    assert rec.data is not None
    return {k: v for k, v in rec.data.items() if v is not None}


def test_one_line_file_has_a_body_and_no_title(tmp_path: Path) -> None:
    text = "A single line of text. " * 50
    assert _dir_record(tmp_path, text) == {"id": "f.txt", "body": text}


def test_heading_becomes_the_title_and_leaves_the_body(tmp_path: Path) -> None:
    got = _dir_record(tmp_path, "\n# Rivers of *Europe*\n\nThe Danube is long.\nSo is the Rhine.\n")
    assert got["title"] == "Rivers of *Europe*"
    assert got["body"] == "The Danube is long.\nSo is the Rhine.\n"


def test_short_first_line_is_a_title_a_long_one_is_not(tmp_path: Path) -> None:
    got = _dir_record(tmp_path, "Short first line\nThen the text.\n")
    assert (got["title"], got["body"]) == ("Short first line", "Then the text.\n")
    long_first = "word " * 60 + "\nsecond line\n"  # 300 characters: a paragraph, not a title
    assert _dir_record(tmp_path, long_first, "g.txt") == {"id": "g.txt", "body": long_first}


def _chunks_for(rec: RawRecord, cfg: ChunkingConfig) -> list[Chunk]:
    doc = to_document(rec, FIELDS)
    assert isinstance(doc, Document), doc
    return chunk_document(doc, "en", cfg)


def _text_bytes(chunks: list[Chunk]) -> int:
    return sum(len(v.encode("utf-8")) for c in chunks for v in c.fields.values())


def test_indexed_text_per_input_byte_is_bounded_for_text_files(tmp_path: Path) -> None:
    one_line = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 330  # 19 kB
    (tmp_path / "one-line.txt").write_text(one_line, encoding="utf-8")
    paragraphs = "\n".join(f"Paragraph {i} talks about rivers and lakes. " * 8 for i in range(50))
    (tmp_path / "guide.md").write_text("# A guide to rivers\n\n" + paragraphs, encoding="utf-8")
    cfg = ChunkingConfig()
    for rec in iter_dir(tmp_path, ("title", "body"), "id"):
        assert rec.data is not None
        size = (tmp_path / str(rec.data["id"])).stat().st_size
        chunks = _chunks_for(rec, cfg)
        total = _text_bytes(chunks)
        assert total <= 1.5 * size + PER_CHUNK_OVERHEAD * len(chunks), (rec.data["id"], total)
        assert len(chunks) <= 2 * size / cfg.max_chars + 2


def test_a_long_other_field_is_never_copied_into_every_chunk() -> None:
    title = "A very long title sentence. " * 200  # 5.6 kB, longer than a chunk
    body = "Body sentence number one. " * 800  # 20 kB
    doc = Document(id="d", fields={"title": title, "body": body})
    cfg = ChunkingConfig()
    chunks = chunk_document(doc, "en", cfg)
    total = _text_bytes(chunks)
    size = len(title) + len(body)
    assert total <= 1.5 * size + PER_CHUNK_OVERHEAD * len(chunks)
    assert all(sum(len(v) for v in c.fields.values()) <= cfg.max_chars for c in chunks)
    # every part of both fields is still indexed somewhere
    assert sum(c.fields.get("title", "").count("title sentence") for c in chunks) >= 200
    assert sum(c.fields.get("body", "").count("number one") for c in chunks) >= 800
    assert [c.chunk_no for c in chunks] == list(range(len(chunks)))


def test_short_fields_are_still_copied_as_context() -> None:
    doc = Document(id="d", fields={"title": "Rivers", "body": "Water flows downhill. " * 200})
    chunks = chunk_document(doc, "en", ChunkingConfig(max_chars=300, overlap_chars=40))
    assert len(chunks) > 5 and all(c.fields["title"] == "Rivers" for c in chunks)
