"""The pure pieces of migration: stored ``_source`` back to a chunk, and the prune plan."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from babelsearch.errors import MappingConflict
from babelsearch.indices import LiveState, prune_plan
from babelsearch.ingest.actions import build_source, chunk_from_source, dense_text
from babelsearch.types import Chunk, FieldNames

NAMES = FieldNames(text_fields=("title", "body"))


def test_a_stored_source_becomes_the_chunk_it_was_built_from() -> None:
    ch = Chunk("d1", 2, "de", {"title": "Titel", "body": "Text"}, {"topic": "x", "n": 3})
    vec = np.ones(4, dtype=np.float32) / 2
    src = build_source(ch, NAMES, ("en", "de"), vec, {"tok": 0.5})
    back = chunk_from_source("d1#2", src, NAMES)
    assert back == Chunk("d1", 2, "de", {"title": "Titel", "body": "Text"}, {"topic": "x", "n": 3})
    assert dense_text(back) == dense_text(ch) == "Titel\nText"
    # Rebuilt for a config that no longer lists German: the neutral subfield only.
    again = build_source(back, NAMES, ("en",), vec, None)
    assert again["title"] == {"neutral": "Titel"} and "sparse" not in again


def test_a_chunk_from_a_sparse_source_keeps_what_is_there() -> None:
    src: dict[str, Any] = {"body": {"fr": "Bonjour"}, "embedding": [0.1], "extra": [1, 2]}
    back = chunk_from_source("hit-7", src, NAMES)
    assert back.doc_id == "hit-7" and back.chunk_no == 0 and back.lang == ""
    assert back.fields == {"body": "Bonjour"}  # no neutral subfield: the language one
    assert back.metadata == {"extra": [1, 2]}  # vectors are not metadata


def _state(alias: str, spec: dict[str, bool]) -> LiveState:
    indices = {name: {"aliases": {alias: {}} if on else {}} for name, on in spec.items()}
    write = next((n for n, on in spec.items() if on), None)
    return LiveState(alias=alias, indices=indices, write_index=write)


def test_prune_plan_keeps_the_newest_versions_outside_the_alias() -> None:
    st = _state("a", {"a-v1": False, "a-v10": False, "a-v2": False, "a-v3": True, "a-v11": False})
    assert prune_plan(st, 0) == (["a-v1", "a-v2", "a-v10", "a-v11"], [])
    assert prune_plan(st, 2) == (["a-v1", "a-v2"], ["a-v11", "a-v10"])
    assert prune_plan(st, 9) == ([], ["a-v11", "a-v10", "a-v2", "a-v1"])
    with pytest.raises(MappingConflict):
        prune_plan(st, -1)
