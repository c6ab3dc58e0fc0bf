"""Action building and NDJSON byte bounding (pure)."""

from __future__ import annotations

import numpy as np
import orjson

from babelsearch.ingest.actions import (
    Action,
    batch_actions,
    build_source,
    check_vector,
    clean_sparse,
    dense_text,
    encode_action,
)
from babelsearch.types import Chunk, FieldNames

NAMES = FieldNames(text_fields=("title", "body"))


def test_source_has_agreed_shape() -> None:
    ch = Chunk("d1", 2, "de", {"title": "Titel", "body": "Text"}, {"tag": "x", "n": 3})
    vec = np.ones(4, dtype=np.float32) / 2
    src = build_source(ch, NAMES, ("en", "de"), vec, {"tok": 0.5})
    assert src["doc_id"] == "d1" and src["chunk_no"] == 2 and src["lang"] == "de"
    assert src["title"] == {"de": "Titel", "neutral": "Titel"}
    assert src["body"] == {"de": "Text", "neutral": "Text"}
    assert src["tag"] == "x" and src["n"] == 3
    assert src["sparse"] == {"tok": 0.5}
    assert dense_text(ch) == "Titel\nText"


def test_unconfigured_language_fills_neutral_only_and_no_sparse_when_absent() -> None:
    ch = Chunk("d", 0, "sw", {"body": "Habari", "title": ""}, {})
    src = build_source(ch, NAMES, ("en",), [0.1, 0.2], None)
    assert src["body"] == {"neutral": "Habari"}
    assert "title" not in src and "sparse" not in src


def test_action_bytes_are_explicit_id_and_source() -> None:
    ch = Chunk("d#x", 1, "en", {"body": "b"}, {"routing": "evil"})
    src = build_source(ch, NAMES, ("en",), np.array([0.5, 0.5], dtype=np.float32))
    a = encode_action(ch.id, src, 9)
    head, body, tail = a.data.split(b"\n")
    assert tail == b""
    assert orjson.loads(head) == {"index": {"_id": "d#x#1"}}
    assert orjson.loads(body)["routing"] == "evil"  # stays inside _source
    assert orjson.loads(body)["embedding"] == [0.5, 0.5]
    assert a.doc_key == 9 and a.size == len(a.data)


def _act(i: int, size: int) -> Action:
    return Action(str(i), i, b"x" * (size - 1) + b"\n")


def test_batches_are_bounded_by_count_and_bytes() -> None:
    acts = [_act(i, 100) for i in range(25)]
    by_count = list(batch_actions(acts, 10, 10**6))
    assert [len(b) for b in by_count] == [10, 10, 5]
    by_bytes = list(batch_actions(acts, 1000, 350))
    assert all(sum(a.size for a in b) <= 350 for b in by_bytes)
    assert [len(b) for b in by_bytes] == [3] * 8 + [1]
    assert [a.chunk_id for b in by_bytes for a in b] == [str(i) for i in range(25)]


def test_oversized_action_goes_alone() -> None:
    acts = [_act(0, 10), _act(1, 1000), _act(2, 10)]
    assert [[a.chunk_id for a in b] for b in batch_actions(acts, 10, 100)] == [["0"], ["1"], ["2"]]


def test_vector_checks() -> None:
    good = np.array([0.6, 0.8], dtype=np.float32)
    assert check_vector(good, 2) is None
    assert (check_vector(good, 3) or "").startswith("encoder_wrong_dimension")
    assert (check_vector(np.array([np.nan, 1], np.float32), 2) or "").startswith(
        "encoder_non_finite"
    )
    assert (check_vector(np.zeros(2, np.float32), 2) or "").startswith("encoder_zero_vector")


def test_sparse_cleaning_keeps_positive_finite_weights() -> None:
    raw = {"a": 1.0, "b": 0.0, "c": -1.0, "d": float("nan"), "": 2.0, "e": np.float32(0.25)}
    assert clean_sparse(raw) == {"a": 1.0, "e": 0.25}
