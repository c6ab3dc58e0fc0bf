"""Reader integrity against the real node: what a user counts in the file is what is read,
and text files are indexed without copying their text into every chunk."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import orjson
import pytest

from babelsearch.ingest import Ingestor
from babelsearch.types import NEUTRAL

from .conftest import all_ids, create_index, make_config
from .hash_encoder import HashEncoder

pytestmark = pytest.mark.integration

PER_CHUNK_OVERHEAD = 300
"""Bytes a chunk may add on top of its share of the input (sentence overlap, title)."""


def test_unterminated_csv_quote_costs_one_record_not_the_rest_of_the_file(
    ingest_url: str, ingest_client: Any, prefix: str, tmp_path: Path
) -> None:
    enc = HashEncoder()
    cfg = make_config(ingest_url, prefix)
    create_index(ingest_client, cfg, enc.info)
    rows = [f"r{i},Title {i},The river rose by {i} centimetres." for i in range(1, 13)]
    broken = 'r7,"Title 7,The river rose by 7 centimetres.'
    rows[6] = broken
    src = tmp_path / "rivers.csv"
    src.write_text("id,title,body\n" + "\n".join(rows) + "\n", encoding="utf-8")
    dl = tmp_path / "dead.jsonl"
    report = Ingestor(cfg, client=ingest_client, encoder=enc, dead_letter=dl).run(str(src))
    assert (report.read, report.indexed, report.dead_lettered) == (12, 11, 1), report
    assert report.consistent
    (entry,) = [orjson.loads(x) for x in dl.read_bytes().splitlines()]
    assert entry["code"] == "csv_unterminated_quote" and entry["position"] == 6
    assert "line 8" in entry["reason"] and entry["record"] == broken
    _ids, doc_ids = all_ids(ingest_client, prefix)
    assert sorted(doc_ids) == sorted(f"r{i}" for i in range(1, 13) if i != 7)


def test_dead_letters_of_unreadable_rows_and_files_name_their_documents(
    ingest_url: str, ingest_client: Any, prefix: str, tmp_path: Path
) -> None:
    """A user fixing a rejected row looks it up by id: the dead letter names it wherever
    the id can still be read (a dir file's path; a CSV row's id cell)."""
    enc = HashEncoder()
    cfg = make_config(ingest_url, prefix)
    create_index(ingest_client, cfg, enc.info)
    src = tmp_path / "rows.csv"
    src.write_bytes(
        b"id,title,body\nr1,T1,caf\xe9 au lait\nr2,T2,one,two\nr3,T3,The third row.\n"
    )
    dl = tmp_path / "dead.jsonl"
    report = Ingestor(cfg, client=ingest_client, encoder=enc, dead_letter=dl).run(str(src))
    assert (report.read, report.indexed, report.dead_lettered) == (3, 1, 2), report
    entries = [orjson.loads(x) for x in dl.read_bytes().splitlines()]
    assert [(e["id"], e["code"]) for e in entries] == [
        ("r1", "invalid_utf8"),
        ("r2", "csv_column_count"),
    ]
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "sub" / "bad.txt").write_bytes(b"caf\xe9\n")
    (docs / "good.txt").write_text("A good file.\n", encoding="utf-8")
    dl2 = tmp_path / "dead-dir.jsonl"
    report = Ingestor(cfg, client=ingest_client, encoder=enc, dead_letter=dl2).run(str(docs))
    assert (report.read, report.indexed, report.dead_lettered) == (2, 1, 1), report
    (entry,) = [orjson.loads(x) for x in dl2.read_bytes().splitlines()]
    assert (entry["id"], entry["code"]) == ("sub/bad.txt", "invalid_utf8")
    _ids, doc_ids = all_ids(ingest_client, prefix)
    assert sorted(doc_ids) == ["good.txt", "r3"]


def _chunk_texts(client: Any, alias: str, text_fields: tuple[str, ...]) -> list[dict[str, Any]]:
    client.indices.refresh(index=alias)
    resp = client.search(index=alias, size=1000, body={"query": {"match_all": {}}})
    out = []
    for hit in resp["hits"]["hits"]:
        src = hit["_source"]
        texts = {}
        for name in text_fields:
            value = src.get(name)
            if isinstance(value, dict):  # {lang: text, neutral: text}: the text once
                value = value.get(NEUTRAL)
            if value:
                texts[name] = value
        out.append({"doc_id": src["doc_id"], "texts": texts})
    return out


def test_text_files_are_indexed_without_copying_their_text_into_every_chunk(
    ingest_url: str, ingest_client: Any, prefix: str, tmp_path: Path
) -> None:
    enc = HashEncoder()
    cfg = make_config(ingest_url, prefix)
    create_index(ingest_client, cfg, enc.info)
    docs = tmp_path / "docs"
    docs.mkdir()
    one_line = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 330  # 19 kB
    (docs / "one-line.txt").write_text(one_line, encoding="utf-8")
    paragraphs = "\n".join(f"Paragraph {i} is about rivers and lakes. " * 8 for i in range(50))
    (docs / "guide.md").write_text("# A guide to rivers\n\n" + paragraphs + "\n", encoding="utf-8")
    (docs / "note.txt").write_text("Short title\nA short body.\n", encoding="utf-8")
    report = Ingestor(
        cfg, client=ingest_client, encoder=enc, dead_letter=tmp_path / "dl.jsonl"
    ).run(str(docs))
    assert (report.read, report.indexed) == (3, 3) and report.consistent, report
    chunks = _chunk_texts(ingest_client, prefix, cfg.fields.text)
    assert len(chunks) == report.chunks_indexed
    by_doc: dict[str, list[dict[str, str]]] = defaultdict(list)
    for c in chunks:
        by_doc[c["doc_id"]].append(c["texts"])
    assert set(by_doc) == {"one-line.txt", "guide.md", "note.txt"}
    for name, texts in by_doc.items():
        size = (docs / name).stat().st_size
        indexed = sum(len(v.encode("utf-8")) for t in texts for v in t.values())
        print(f"\n{name}: {size} input bytes, {len(texts)} chunks, {indexed} indexed text bytes")
        assert indexed <= 1.5 * size + PER_CHUNK_OVERHEAD * len(texts), (name, indexed)
    assert all("title" not in t for t in by_doc["one-line.txt"])  # one line: a body only
    assert all(t["title"] == "A guide to rivers" for t in by_doc["guide.md"])
    assert not any("# A guide" in t["body"] for t in by_doc["guide.md"])
    assert by_doc["note.txt"] == [{"title": "Short title", "body": "A short body.\n"}]
