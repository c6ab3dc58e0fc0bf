"""Chunking: sentence boundaries (Latin, CJK), hard splits, overlap, metadata copies."""

from __future__ import annotations

import itertools
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from babelsearch.config import ChunkingConfig
from babelsearch.ingest.chunking import (
    CONTEXT_MAX_CHARS,
    chunk_document,
    split_passages,
    split_sentences,
)
from babelsearch.types import Document


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def test_sentences_keep_every_character() -> None:
    text = "Hello world. Is it? Yes!  你好。世界！テスト？ok\nnext line. «Quoted.» Done"
    parts = split_sentences(text)
    assert "".join(parts) == text
    assert "你好。" in parts and "世界！" in parts and "テスト？" in parts


def test_cjk_text_without_spaces_splits_on_fullwidth_punctuation() -> None:
    text = "东京是日本的首都。" * 30  # 270 chars, no spaces
    passages = split_passages(text, 50, 0)
    assert all(len(p) <= 50 for p in passages)
    assert all(p.endswith("。") for p in passages)
    assert "".join(passages) == text


def test_long_sentence_is_hard_split_not_lost() -> None:
    text = "word " * 100 + "x" * 250 + ". Short end."
    passages = split_passages(text, 60, 20)
    assert all(len(p) <= 60 for p in passages)
    assert _squash("".join(passages)).count("x") == 250
    assert passages[-1].endswith("Short end.")


def test_overlap_repeats_whole_previous_sentences() -> None:
    sents = [f"Sentence number {i} is here." for i in range(10)]
    passages = split_passages(" ".join(sents), 90, 40)
    assert len(passages) > 2
    for a, b in itertools.pairwise(passages):
        last = a.split(". ")[-1].rstrip(".")
        assert b.startswith(last)  # the last sentence of a opens b


def test_thai_falls_back_to_spaces() -> None:
    text = "ภาษาไทยไม่มีจุด " * 40
    passages = split_passages(text, 100, 10)
    assert all(len(p) <= 100 for p in passages)
    assert _squash("".join(passages)).count("ภาษาไทยไม่มีจุด") >= 40


@settings(max_examples=60, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("ab c.!?。\n")), max_size=400),
    st.integers(min_value=5, max_value=80),
    st.integers(min_value=0, max_value=40),
)
def test_no_text_is_lost_and_limits_hold(text: str, max_chars: int, overlap: int) -> None:
    passages = split_passages(text, max_chars, overlap)
    assert all(0 < len(p) <= max_chars for p in passages)
    joined = _squash("".join(passages))
    # every non-space character of the input appears, in order, in the passages
    it = iter(joined)
    assert all(ch in it for ch in _squash(text))


def test_chunk_document_copies_title_and_metadata() -> None:
    doc = Document(
        id="d1",
        fields={"title": "Title", "body": "One sentence here. " * 20},
        metadata={"tag": "x"},
        position=7,
    )
    chunks = chunk_document(doc, "en", ChunkingConfig(max_chars=120, overlap_chars=30))
    assert len(chunks) > 1
    assert [c.id for c in chunks[:3]] == ["d1", "d1#1", "d1#2"]
    assert all(c.fields["title"] == "Title" for c in chunks)
    assert all(c.metadata == {"tag": "x"} and c.position == 7 and c.lang == "en" for c in chunks)
    assert all(len(c.fields["body"]) + len("Title") <= 120 for c in chunks)
    assert list(chunks[0].fields) == ["title", "body"]


def test_chunking_disabled_and_short_documents_give_one_chunk() -> None:
    doc = Document(id="d", fields={"body": "x. " * 1000})
    assert len(chunk_document(doc, "en", ChunkingConfig(enabled=False))) == 1
    short = Document(id="s", fields={"body": "short"})
    (only,) = chunk_document(short, "de", ChunkingConfig(max_chars=100))
    assert only.id == "s" and only.chunk_no == 0 and only.fields == {"body": "short"}


_SENTENCES = st.tuples(
    st.text(alphabet=st.sampled_from(list("abc de.!\n")), max_size=30), st.integers(1, 60)
).map(lambda t: (t[0] + "x. ") * t[1])  # up to ~2 kB, with sentence ends


@settings(max_examples=80, deadline=None)
@given(
    st.lists(_SENTENCES, min_size=1, max_size=3),
    st.integers(min_value=40, max_value=400),
    st.integers(min_value=0, max_value=120),
)
def test_chunks_are_bounded_and_keep_every_field(
    texts: list[str], max_chars: int, overlap: int
) -> None:
    fields = {f"f{i}": t for i, t in enumerate(texts) if t.strip()}
    if not fields:
        return
    cfg = ChunkingConfig(max_chars=max_chars, overlap_chars=overlap)
    chunks = chunk_document(Document(id="d", fields=fields), "en", cfg)
    assert [c.chunk_no for c in chunks] == list(range(len(chunks)))
    if len(chunks) == 1 and chunks[0].fields == fields:
        return
    assert all(sum(len(v) for v in c.fields.values()) <= max_chars for c in chunks)
    total = sum(len(v) for c in chunks for v in c.fields.values())
    assert total <= sum(len(v) for v in fields.values()) + len(chunks) * (
        overlap + CONTEXT_MAX_CHARS
    )
    for name, text in fields.items():
        carried = [c.fields[name] for c in chunks if name in c.fields]
        if len(set(carried)) == 1 and carried[0] == text:  # context: copied whole
            assert len(carried) == len(chunks) and len(text) <= CONTEXT_MAX_CHARS
            continue
        it = iter(_squash("".join(carried)))
        assert all(ch in it for ch in _squash(text))  # every character, in order


def test_a_long_title_is_chunked_not_copied() -> None:
    doc = Document(id="d", fields={"title": "Long title words. " * 30, "body": "Body. " * 400})
    chunks = chunk_document(doc, "en", ChunkingConfig(max_chars=300, overlap_chars=0))
    with_title = [c for c in chunks if "title" in c.fields]
    assert 1 <= len(with_title) <= 3  # 540 characters of title: two passages, not 10+
    assert all(set(c.fields) == {"body"} for c in chunks if c not in with_title)
    assert "".join(c.fields["title"] for c in with_title).count("Long title") == 30
