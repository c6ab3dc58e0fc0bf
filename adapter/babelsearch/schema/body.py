"""The whole index body (settings + mappings + ``_meta``) rendered from a spec.

Pure: same config, encoder info and capabilities in, same dict out -- which is what
lets the golden files and the plan compare bodies without a cluster.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from ..config import Config
from ..types import Capabilities, EncoderInfo
from . import fields as F
from .analyzers import (
    Analyzer,
    analysis_settings,
    neutral_analyzer,
    ngram_analyzer,
    resolve_analyzer,
)
from .meta import META_KEY

__all__ = [
    "SPEC_VERSION",
    "IndexSpec",
    "build_index_body",
    "build_index_spec",
    "parse_version",
    "spec_hash",
    "versioned_name",
]

SPEC_VERSION = 1
"""Bumped when the layout of the rendered body changes in a way readers must know."""


def versioned_name(alias: str, n: int) -> str:
    """``babelsearch-demo`` + 2 -> ``babelsearch-demo-v2`` (the physical index)."""
    return f"{alias}-v{n}"


def parse_version(alias: str, index: str) -> int | None:
    """The ``N`` of ``<alias>-v<N>``, or ``None`` when ``index`` is not one of ours."""
    m = re.fullmatch(re.escape(alias) + r"-v(\d+)", index)
    return int(m.group(1)) if m else None


def _canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def spec_hash(mappings_properties: dict[str, Any], static_settings: dict[str, Any]) -> str:
    """A short hash of what cannot change in place plus the field set.

    Dynamic settings (replicas, refresh) are left out on purpose: changing them is an
    in-place update, and the hash should say "same index layout" when only they differ.
    """
    blob = _canonical({"properties": mappings_properties, "settings": static_settings})
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class IndexSpec:
    """The rendered pieces of an index body; :meth:`to_dict` gives the create-index body."""

    properties: dict[str, Any]
    static_settings: dict[str, Any]
    """``index.*`` settings fixed at creation: shards, knn, plus ``analysis``."""
    dynamic_settings: dict[str, Any]
    """``index.*`` settings that ``put_settings`` may change later."""
    meta: dict[str, Any]
    analyzers: dict[str, str]
    """Language -> analyzer name, for reports (``doctor``, ``mappings render``)."""

    @property
    def layout(self) -> dict[str, Any]:
        """What ``_meta`` says this index is built with (spec hash, encoder, languages)."""
        return dict(self.meta[META_KEY])

    def to_dict(self) -> dict[str, Any]:
        index_settings = {
            k: v for k, v in self.static_settings.items() if k != "analysis"
        } | self.dynamic_settings
        settings: dict[str, Any] = {"index": index_settings}
        if self.static_settings.get("analysis"):
            settings["analysis"] = self.static_settings["analysis"]
        return {
            "settings": settings,
            "mappings": {
                "dynamic": "strict",
                "_meta": self.meta,
                "properties": self.properties,
            },
        }


SIMILARITY = "babelsearch_bm25"
"""The BM25 similarity every text subfield uses, with ``lexical.k1``/``lexical.b``."""


def build_index_spec(cfg: Config, info: EncoderInfo, caps: Capabilities | None = None) -> IndexSpec:
    """Render every field, the analysis they need, and the ``_meta`` fingerprint.

    ``caps`` picks CJK plugin analyzers and
    ICU folding when the cluster has them; ``None`` renders the portable body.
    """
    used: list[Analyzer] = []
    lang_analyzers: dict[str, str] = {}
    for lang in cfg.languages:
        a = resolve_analyzer(cfg, lang, caps)
        used.append(a)
        lang_analyzers[lang] = a.name
    neutral = neutral_analyzer(caps)
    used.append(neutral)
    ngram = ngram_analyzer() if cfg.lexical.ngram else None
    if ngram is not None:
        used.append(ngram)

    props: dict[str, Any] = {
        "doc_id": F.keyword_field(),
        "chunk_no": {"type": "integer"},
        "lang": F.keyword_field(),
    }
    for text_field in cfg.fields.text:
        props[text_field] = F.text_object_field(
            lang_analyzers,
            neutral.name,
            similarity=SIMILARITY,
            ngram_analyzer=ngram.name if ngram is not None else None,
        )
    for name, type_ in sorted(cfg.fields.metadata.items()):
        props[name] = F.metadata_field(name, type_)
    props["embedding"] = F.knn_vector_field(info, cfg.dense, caps)
    if cfg.use_sparse(info):
        # No sparse head (e.g. the offline ``use`` encoder): no field, rather than an
        # always-empty one that would make sparse queries silently match nothing.
        props["sparse"] = F.rank_features_field()

    static: dict[str, Any] = {
        "number_of_shards": cfg.index.shards,
        "knn": True,
        "similarity": {SIMILARITY: {"type": "BM25", "k1": cfg.lexical.k1, "b": cfg.lexical.b}},
    }
    analysis = analysis_settings(used)
    if analysis:
        static["analysis"] = analysis
    dynamic: dict[str, Any] = {"number_of_replicas": cfg.index.replicas}
    if cfg.index.refresh_interval is not None:
        dynamic["refresh_interval"] = cfg.index.refresh_interval

    meta = {
        META_KEY: {
            "spec_version": SPEC_VERSION,
            "encoder": info.fingerprint,
            "spec_hash": spec_hash(props, static),
            "languages": list(cfg.languages),
            "text_fields": list(cfg.fields.text),
            "analyzers": dict(lang_analyzers),
            "sparse": "sparse" in props,
        }
    }
    return IndexSpec(
        properties=props,
        static_settings=static,
        dynamic_settings=dynamic,
        meta=meta,
        analyzers=lang_analyzers,
    )


def build_index_body(
    cfg: Config, info: EncoderInfo, caps: Capabilities | None = None
) -> dict[str, Any]:
    """The create-index body for ``cfg`` (settings, strict mappings, ``_meta``)."""
    return build_index_spec(cfg, info, caps).to_dict()
