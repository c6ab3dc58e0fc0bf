"""Fusion weights per (query language, document language) relation -- in one place.

Why per relation: measured on XQuAD-R with the default encoder, BM25 is the strongest
single signal when query and passage share a language (MRR 0.770 vs dense 0.673,
min-max 0.5/0.5 fusion 0.796) but nearly useless across languages (0.129 vs dense
0.611), and naive fusion lets wrong-language lexical matches drown dense evidence
(pooled mAP: dense 0.473, fused 0.310). So ``auto`` weighs signals by whether the
candidate is in the query's language (``same``) or not (``cross``), and a specific
pair ``"<qlang>-<doclang>"`` can override either.

Config: ``search.weights`` in the YAML, keys ``<relation>.<signal>`` with relation
``same``, ``cross`` or a pair like ``de-en`` and signal ``dense``, ``lexical``,
``ngram``, ``neutral`` or ``sparse``; plus ``untrusted_dense`` (multiplier for dense
weights when the encoder does not cover the query's or the document's language),
``lang_boost`` (boost of the ``<field>.<qlang>`` subfields over ``<field>.neutral``),
``hybrid.dense|lexical|sparse`` (the clause weights of the server-fused ``hybrid`` and
``bool`` modes) and ``corroboration`` (how much of the same-language text share
depends on dense agreeing with lexical). The keys and the defaults live in
:mod:`babelsearch.config_search` (the loader checks the keys when a file is read);
this module turns them into the resolved :class:`FusionWeights`. The defaults are
fixed, not tuned per dataset at run time; the evaluation tunes *them*.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..config_search import DEFAULT_WEIGHTS, SIGNALS, check_weights

__all__ = ["DEFAULT_WEIGHTS", "SIGNALS", "FusionWeights", "Relation"]


@dataclass(frozen=True)
class Relation:
    """Weights of each signal for one (query language, document language) relation."""

    dense: float
    lexical: float
    ngram: float
    neutral: float
    sparse: float


@dataclass(frozen=True)
class FusionWeights:
    """Resolved weights; build with :meth:`from_config` (it owns no defaults of its own:
    every value comes from :data:`DEFAULT_WEIGHTS` or the config's overrides)."""

    same: Relation
    cross: Relation
    hybrid: Relation
    """Server-fused ``hybrid``/``bool`` (one weight per clause; no n-gram or neutral)."""
    untrusted_dense: float
    corroboration: float
    lang_boost: float
    pairs: Mapping[str, Relation] = field(default_factory=dict)

    @classmethod
    def from_config(cls, overrides: Mapping[str, float] | None = None) -> FusionWeights:
        """Defaults overlaid with ``search.weights``; a bad key or value is a ConfigError
        (the same check the loader runs, for callers that pass a mapping directly)."""
        check_weights(overrides or {})
        merged = dict(DEFAULT_WEIGHTS)
        pair_keys: dict[str, dict[str, float]] = {}
        for key, value in (overrides or {}).items():
            if key in DEFAULT_WEIGHTS:
                merged[key] = float(value)
                continue
            rel, _, sig = key.rpartition(".")
            pair_keys.setdefault(rel, {})[sig] = float(value)

        def rel_of(prefix: str, base: dict[str, float]) -> Relation:
            return Relation(**{s: base.get(s, merged[f"{prefix}.{s}"]) for s in SIGNALS})

        pairs: dict[str, Relation] = {}
        for pair, sigs in pair_keys.items():
            q, d = pair.split("-")
            pairs[pair] = rel_of("same" if q == d else "cross", sigs)
        hybrid = Relation(
            dense=merged["hybrid.dense"],
            lexical=merged["hybrid.lexical"],
            ngram=0.0,
            neutral=0.0,
            sparse=merged["hybrid.sparse"],
        )
        return cls(
            same=rel_of("same", {}),
            cross=rel_of("cross", {}),
            hybrid=hybrid,
            untrusted_dense=merged["untrusted_dense"],
            corroboration=merged["corroboration"],
            lang_boost=merged["lang_boost"],
            pairs=pairs,
        )

    def relation(self, qlang: str, doc_lang: str) -> Relation:
        """Weights for a candidate in ``doc_lang`` answering a query in ``qlang``."""
        pair = self.pairs.get(f"{qlang}-{doc_lang}")
        if pair is not None:
            return pair
        return self.same if qlang == doc_lang else self.cross
