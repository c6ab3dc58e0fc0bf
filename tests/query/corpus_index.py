"""The query tests' corpus as a live index: created with the project's own index body
and filled with documents built by ingest's own builder (the agreed indexed shape)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from babelsearch.config import Config
from babelsearch.encoders.base import Encoder
from babelsearch.ingest.actions import build_source
from babelsearch.types import Chunk

from .corpus import records


def corpus_doc(cfg: Config, rec: dict[str, Any], vector: list[float]) -> dict[str, Any]:
    """One record of :func:`records` as the indexed document, built by ``build_source``."""
    texts = {f: rec[f] for f in cfg.fields.text}
    chunk = Chunk(rec["id"], 0, rec["lang"], texts, {m: rec[m] for m in cfg.fields.metadata})
    return build_source(chunk, cfg.field_names, cfg.languages, vector)


@contextmanager
def corpus_index(cfg: Config, client: Any, enc: Encoder) -> Iterator[None]:
    """``<alias>-v1`` behind ``cfg.index.name`` holding the corpus; deleted on exit."""
    from babelsearch.cluster import capabilities
    from babelsearch.schema import build_index_body, versioned_name

    physical = versioned_name(cfg.index.name, 1)
    body = dict(build_index_body(cfg, enc.info, capabilities(client)))
    body["aliases"] = {cfg.index.name: {}}
    client.indices.create(index=physical, body=body)
    try:
        recs = records()
        vecs = enc.encode_documents([f"{r['title']}\n{r['body']}" for r in recs]).dense
        lines: list[Any] = []
        for rec, vec in zip(recs, vecs, strict=True):
            lines.append({"index": {"_index": cfg.index.name, "_id": rec["id"]}})
            lines.append(corpus_doc(cfg, rec, vec.tolist()))
        resp = client.bulk(body=lines, refresh=True)
        assert not resp["errors"], resp
        yield
    finally:
        client.indices.delete(index=physical, ignore_unavailable=True)
