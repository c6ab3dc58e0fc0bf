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
``ngram``, ``neutral`` or ``sparse``; plus ``untrusted_dense`` (multiplier for dense weights when
the encoder does not cover the query's or the document's language) and ``lang_boost``
(boost of the ``<field>.<qlang>`` subfields over ``<field>.neutral``),
``hybrid.dense|lexical|sparse`` (the clause weights of the server-fused ``hybrid`` and
``bool`` modes: the reference 0.5/0.5 min-max fusion by default) and
``corroboration`` (how much of the same-language text share depends on dense agreeing
with lexical). The defaults
below are fixed, not tuned per dataset at run time; the evaluation tunes *them*.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..errors import ConfigError

__all__ = ["DEFAULT_WEIGHTS", "SIGNALS", "FusionWeights", "Relation"]

SIGNALS = ("dense", "lexical", "ngram", "neutral", "sparse")


@dataclass(frozen=True)
class Relation:
    """Weights of each signal for one (query language, document language) relation."""

    dense: float
    lexical: float
    ngram: float
    neutral: float
    sparse: float


# ``cross.lexical`` weighs the *substitute* for lexical evidence on other-language
# documents (their calibrated dense score; see :mod:`babelsearch.query.fusion`). Each
# relation's weights sum to 1, so a cross-language candidate
# (``0.5 dense + 0.4 substitute + 0.1 names/numbers``) and a same-language one
# (``0.25 dense + 0.43 lexical + 0.32 n-grams``) share one [0, 1] scale. The same-
# language text share (lexical + n-gram, 0.75) shrinks by up to ``corroboration``
# when dense disagrees with lexical (``babelsearch.query.fusion.corroborated``).
# Measured on XQuAD-R (dev languages, 300 questions each, mono MRR): BM25 + dense
# 0.5/0.5 0.803, 0.6/0.4 0.808; with n-grams, fixed 0.4/0.3/0.3 0.820, corroborated
# 0.818 -- which also keeps a weak same-language match below a strong translation.
# ``ngram`` only exists for same-language candidates with n-gram hits; where it is
# missing its weight is shared out among the other signals.
DEFAULT_WEIGHTS: dict[str, float] = {
    "same.dense": 0.25,
    "same.lexical": 0.43,
    "same.ngram": 0.32,
    "same.neutral": 0.0,
    "same.sparse": 0.0,
    "cross.dense": 0.5,
    "cross.lexical": 0.4,
    "cross.ngram": 0.0,
    "cross.neutral": 0.1,
    "cross.sparse": 0.0,
    "hybrid.dense": 0.5,
    "hybrid.lexical": 0.5,
    "hybrid.sparse": 0.0,
    "untrusted_dense": 0.25,
    "corroboration": 0.2,
    "lang_boost": 2.0,
}

_PAIR = re.compile(r"^[a-z]{2,3}-[a-z]{2,3}$")


@dataclass(frozen=True)
class FusionWeights:
    """Resolved weights; build with :meth:`from_config`."""

    same: Relation
    cross: Relation
    pairs: Mapping[str, Relation] = field(default_factory=dict)
    hybrid: Relation = field(default_factory=lambda: Relation(0.5, 0.5, 0.0, 0.0, 0.0))
    """Server-fused ``hybrid``/``bool`` (one weight per clause; no n-gram or neutral)."""
    untrusted_dense: float = 0.25
    corroboration: float = 0.2
    lang_boost: float = 2.0

    @classmethod
    def from_config(cls, overrides: Mapping[str, float] | None = None) -> FusionWeights:
        """Defaults overlaid with ``search.weights``; an unknown key is a ConfigError."""
        merged = dict(DEFAULT_WEIGHTS)
        pair_keys: dict[str, dict[str, float]] = {}
        for key, value in (overrides or {}).items():
            if not isinstance(value, int | float) or value < 0:
                raise ConfigError(f"search.weights.{key}: must be a number >= 0")
            if key in DEFAULT_WEIGHTS:
                merged[key] = float(value)
                continue
            rel, _, sig = key.rpartition(".")
            if _PAIR.match(rel) and sig in SIGNALS:
                pair_keys.setdefault(rel, {})[sig] = float(value)
                continue
            raise ConfigError(
                f"search.weights.{key}: unknown key (use same.<signal>, cross.<signal>, "
                f"<qlang>-<doclang>.<signal> with signal in {', '.join(SIGNALS)}, "
                "hybrid.dense, hybrid.lexical, hybrid.sparse, "
                "untrusted_dense, corroboration or lang_boost)"
            )

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
            pairs=pairs,
            hybrid=hybrid,
            untrusted_dense=merged["untrusted_dense"],
            corroboration=merged["corroboration"],
            lang_boost=merged["lang_boost"],
        )

    def relation(self, qlang: str, doc_lang: str) -> Relation:
        """Weights for a candidate in ``doc_lang`` answering a query in ``qlang``."""
        pair = self.pairs.get(f"{qlang}-{doc_lang}")
        if pair is not None:
            return pair
        return self.same if qlang == doc_lang else self.cross
