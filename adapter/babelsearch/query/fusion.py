"""Client-side score fusion: normalization, weighted sums, RRF, and the language-aware
``auto`` combination. Pure functions over ranked lists; no I/O.

Each fused candidate carries an explanation ``{signal: {raw, norm, rank, weight}}``
whose ``weight * norm`` terms add up to the fused score (RRF: ``norm = 1/(k + rank)``,
weight 1), so ``explain=True`` is checkable rather than decorative.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any, Literal, NamedTuple

from .weights import FusionWeights, Relation

__all__ = [
    "OPENSEARCH_MIN_SCORE",
    "Candidate",
    "Fused",
    "Ranked",
    "corroborated",
    "language_aware",
    "normalize",
    "reciprocal_rank",
    "weighted_mean",
]

Technique = Literal["min_max", "l2", "z_score"]
OPENSEARCH_MIN_SCORE = 0.001
"""neural-search's normalization floor: a matched document never normalizes to 0."""


class Candidate(NamedTuple):
    """One chunk seen in at least one sub-query's results.

    A tuple, not a dataclass: a search builds a few hundred of these, and which
    sub-queries returned the chunk (with rank and raw score) is only looked up from
    the ranked lists when an explanation is asked for."""

    chunk_id: str
    doc_id: str
    lang: str


Ranked = Sequence[tuple[str, float]]
"""A sub-query's results: ``(chunk_id, raw score)`` best first."""


class Fused(NamedTuple):
    chunk_id: str
    score: float
    explanation: dict[str, dict[str, Any]]


def normalize(scores: Sequence[float], technique: Technique, *, floor: float = 0.0) -> list[float]:
    """Normalize one sub-query's scores; ``floor`` replaces an exact 0 (OpenSearch: 0.001)."""
    if not scores:
        return []
    if technique == "min_max":
        lo, hi = min(scores), max(scores)
        if hi == lo:
            return [1.0] * len(scores)
        out = [(s - lo) / (hi - lo) for s in scores]
    elif technique == "l2":
        norm = math.sqrt(sum(s * s for s in scores))
        out = [s / norm if norm else 0.0 for s in scores]
    else:
        mean = sum(scores) / len(scores)
        std = math.sqrt(sum((s - mean) ** 2 for s in scores) / len(scores))
        out = [max((s - mean) / std, 0.0) if std else 0.0 for s in scores]
    return [floor if (floor and v <= 0.0) else v for v in out]


def _norms(ranked: Ranked, technique: Technique, floor: float) -> dict[str, float]:
    return dict(
        zip(
            (c for c, _ in ranked),
            normalize([s for _, s in ranked], technique, floor=floor),
            strict=True,
        )
    )


def _sorted(fused: list[Fused]) -> list[Fused]:
    """Best first, ties by chunk id: two C-level sorts (the second is stable), cheaper
    than one sort on a Python key for the few hundred candidates of a search."""
    out = sorted(fused, key=itemgetter(0))
    out.sort(key=itemgetter(1), reverse=True)
    return out


def weighted_mean(
    results: Mapping[str, Ranked],
    weights: Mapping[str, float],
    *,
    technique: Technique = "min_max",
    floor: float = OPENSEARCH_MIN_SCORE,
) -> list[Fused]:
    """What OpenSearch's normalization processor computes: per-signal normalization,
    then ``sum(w_i * n_i) / sum(w_i)`` (a missing signal counts as 0). Used to explain
    ``hybrid`` hits from the sub-queries' own results."""
    total = sum(weights[name] for name in results) or 1.0
    norms = {name: _norms(r, technique, floor) for name, r in results.items()}
    raws = {name: dict(r) for name, r in results.items()}
    ranks = {name: {c: i + 1 for i, (c, _) in enumerate(r)} for name, r in results.items()}
    ids = {c for r in results.values() for c, _ in r}
    out = []
    for cid in ids:
        expl: dict[str, dict[str, Any]] = {}
        score = 0.0
        for name in results:
            w = weights[name] / total
            n = norms[name].get(cid, 0.0)
            score += w * n
            expl[name] = {
                "raw": raws[name].get(cid),
                "norm": n,
                "rank": ranks[name].get(cid),
                "weight": w,
            }
        out.append(Fused(cid, score, expl))
    return _sorted(out)


def reciprocal_rank(
    results: Mapping[str, Ranked], *, k: int = 60, explain: bool = True
) -> list[Fused]:
    """RRF: ``sum(1 / (k + rank))`` over the sub-queries that returned the chunk."""
    scores: dict[str, float] = {}
    for ranked in results.values():
        for i, (cid, _raw) in enumerate(ranked):
            scores[cid] = scores.get(cid, 0.0) + 1.0 / (k + i + 1)
    expl: dict[str, dict[str, dict[str, Any]]] = {}
    if explain:
        for cid in scores:
            expl[cid] = {
                name: {"raw": None, "norm": 0.0, "rank": None, "weight": 1.0} for name in results
            }
        for name, ranked in results.items():
            for i, (cid, raw) in enumerate(ranked):
                e = expl[cid][name]
                e.update(raw=raw, norm=1.0 / (k + i + 1), rank=i + 1)
    return _sorted([Fused(cid, sc, expl.get(cid, {})) for cid, sc in scores.items()])


def _positions(results: Mapping[str, Ranked]) -> dict[str, dict[str, tuple[int, float]]]:
    """``{signal: {chunk_id: (1-based rank, raw score)}}``, for explanations only."""
    return {
        name: {cid: (i, raw) for i, (cid, raw) in enumerate(r, start=1)}
        for name, r in results.items()
    }


def _term(
    where: Mapping[str, tuple[int, float]], cid: str, norm: float, weight: float, **extra: Any
) -> dict[str, Any]:
    rank, raw = where.get(cid, (None, None))
    return {"raw": raw, "norm": norm, "rank": rank, "weight": weight, **extra}


def _calibration(
    candidates: Mapping[str, Candidate], norms: Mapping[str, Mapping[str, float]], qlang: str
) -> float:
    """How much lexical evidence a dense score stands for, in this query.

    The least-squares slope (through the origin) of the lexical on the dense normalized
    score over the same-language candidates the dense search found, clamped to [0, 1].
    When lexical agrees with dense it is near 1; when lexical singles out one or two
    documents (the usual case) it is well below 1, so an other-language candidate does
    not outrank a same-language one that is strong on both signals just by having the
    best dense score. Without same-language evidence it is 1 (then only other-language
    candidates compete, and the factor cannot change their order).
    """
    dense = norms.get("dense", {})
    lexical = norms.get("lexical", {})
    num = den = 0.0
    for cid, d in dense.items():
        c = candidates.get(cid)
        if c is None or c.lang != qlang:
            continue
        num += lexical.get(cid, 0.0) * d
        den += d * d
    if den == 0.0:
        return 1.0
    return min(max(num / den, 0.0), 1.0)


def corroborated(rel: Relation, agreement: float, span: float) -> Relation:
    """Same-language weights for a query whose lexical and dense evidence agree to
    ``agreement`` (the :func:`_calibration` slope, 0..1).

    The text signals (lexical + n-gram) keep their full share when dense agrees with
    them and lose up to ``span`` of it, to dense, when it does not. Why: within one
    language text deserves the larger share (XQuAD-R mono MRR 0.818 at a 0.55-0.75
    text share vs 0.804 at 0.5), but a weak lexical match that dense calls irrelevant
    (the best of a few English hits for a question whose answer is French) must not
    outrank a strong other-language answer just by being min-max normalized to 1.
    """
    text = rel.lexical + rel.ngram
    if text <= 0.0 or span <= 0.0:
        return rel
    kept = max(text - span * (1.0 - agreement), 0.0)
    f = kept / text
    return dataclasses.replace(
        rel, lexical=rel.lexical * f, ngram=rel.ngram * f, dense=rel.dense + text - kept
    )


def _hand_over(plan: dict[str, tuple[float, str]], lost: float, heirs: Sequence[str]) -> None:
    """Give the weight an untrusted dense score lost to the text evidence that can see
    the candidate (``heirs`` with their own scores), in proportion to their weights.

    Why: with dense scaled by ``untrusted_dense`` and nothing in its place, a document
    in a language the encoder does not cover could reach at most a fraction of the
    score of a covered neighbour (``0.5*0.25 + 0.4*0.25 + 0.1`` across languages),
    however exactly it matched the query's names and numbers -- no weight may make a
    document unreachable. After the hand-over each language's weights sum alike again,
    so a perfect names/numbers or lexical match reaches the same top score. Nothing to
    hand over to (no names in the query, a zero weight): the weight stays lost, as the
    candidate has no trusted evidence.

    Within the query's language the heir is the analyzed lexical match only, not the
    n-grams: partial-word evidence is the weaker substitute, and in an isolating
    language (Vietnamese: short syllables, few 4-grams) mostly noise. Measured on
    XQuAD-R vi->vi (200 questions, all candidates): BM25 alone 0.853 MRR, auto with
    dense's weight handed to lexical + n-grams 0.806, to lexical only 0.838.
    """
    own = [(name, plan[name][0]) for name in heirs if name in plan and plan[name][1] == "own"]
    total = sum(w for _, w in own)
    if lost <= 0.0 or total <= 0.0:
        return
    for name, w in own:
        plan[name] = (w + lost * w / total, "own")


def language_aware(
    candidates: Mapping[str, Candidate],
    results: Mapping[str, Ranked],
    *,
    qlang: str,
    weights: FusionWeights,
    covers: Callable[[str], bool],
    explain: bool = True,
) -> list[Fused]:
    """The ``auto`` combination.

    Signals: ``dense`` (all languages), ``lexical`` and ``ngram`` (only documents in
    the query's language were searched), ``neutral`` (names and numbers, only documents
    in other languages) and optionally ``sparse``; each is min-max normalized within its
    own results. A candidate in language ``L`` scores
    ``w_dense*D + w_lexical*X + w_ngram*G + w_neutral*N + w_sparse*S`` with the weights
    of the relation ``(qlang, L)``. ``G`` exists only for same-language candidates of a
    query whose n-gram sub-query found something, ``N`` only for other-language ones of a
    query with names or numbers; where a signal cannot exist its weight is shared out
    among the other signals (weights divided by ``1 - w_missing``), so a CJK query (no
    4-grams), a query without names or an index without n-grams keeps a full [0, 1]
    scale for every language -- a translation is not capped at 0.9 while a
    same-language near-miss can reach 1.0. ``X`` is the
    lexical score when ``L == qlang`` and
    otherwise a calibrated substitute ``c * D``: the candidate's own dense score scaled
    by how much lexical evidence a dense score stood for among this query's
    same-language candidates (:func:`_calibration`). Other-language candidates are
    thus neither zeroed (which buries them, as naive fusion does) nor given full lexical
    credit, and share one [0, 1] scale with same-language ones. Dense weights (and the
    substitute's) are multiplied by ``untrusted_dense`` when the encoder does not cover
    ``qlang`` or ``L``, and what they lose goes to the text evidence that can see the
    candidate (:func:`_hand_over`: lexical in the query's language, names
    and numbers in the others), so every language keeps the same [0, 1] scale.
    """
    norms = {name: _norms(r, "min_max", 0.0) for name, r in results.items()}
    dense = norms.get("dense")
    calib = _calibration(candidates, norms, qlang)
    has_ngram = bool(results.get("ngram"))
    trusted_q = covers(qlang)

    def plan_for(lang: str) -> dict[str, tuple[float, str]]:
        """``{signal: (weight, source)}`` for candidates in ``lang``. ``source`` is
        ``own`` (the signal's normalized score), ``dense`` (the calibrated substitute
        ``calib * D``) or ``none`` (the signal cannot see this language: 0, but its
        weight still counts so the weights of every language sum alike)."""
        trust = 1.0 if (trusted_q and covers(lang)) else weights.untrusted_dense
        rel = weights.relation(qlang, lang)
        same = lang == qlang
        if same and dense is not None:
            rel = corroborated(rel, calib, weights.corroboration)
        ngram_here = has_ngram and same
        neutral_here = "neutral" in results and not same
        # the weight of a signal this candidate cannot have in this query (no n-gram
        # hits, no names in the query, no sparse weights) is shared out among the rest
        missing = (
            (0.0 if ngram_here else rel.ngram)
            + (0.0 if neutral_here else rel.neutral)
            + (0.0 if "sparse" in results else rel.sparse)
        )
        share = 1.0 / (1.0 - missing) if missing < 1.0 else 1.0
        plan: dict[str, tuple[float, str]] = {}
        if dense is not None:
            plan["dense"] = (rel.dense * trust * share, "own")
        if same:
            plan["lexical"] = (rel.lexical * share, "own")
        elif dense is not None:
            plan["lexical"] = (rel.lexical * trust * share, "dense")
        else:
            plan["lexical"] = (rel.lexical * share, "none")
        if neutral_here:
            plan["neutral"] = (rel.neutral * share, "own")
        if ngram_here:
            plan["ngram"] = (rel.ngram * share, "own")
        if "sparse" in results:
            plan["sparse"] = (rel.sparse * share, "own")
        if trust < 1.0 and dense is not None:
            lost = (1.0 - trust) * (rel.dense + (0.0 if same else rel.lexical)) * share
            _hand_over(plan, lost, ("lexical",) if same else ("neutral",))
        return plan

    plans = {lang: plan_for(lang) for lang in {c.lang for c in candidates.values()}}
    if explain:
        return _explained(candidates, results, norms, plans, calib)
    # Each signal adds weight(candidate's language) * normalized score; the dense
    # substitute for other-language lexical evidence rides on the dense weight.
    scores = dict.fromkeys(candidates, 0.0)
    for name, normed in norms.items():
        col: dict[str, float] = {}
        for lang, plan in plans.items():
            w, source = plan.get(name, (0.0, "none"))
            col[lang] = w if source == "own" else 0.0
            if name == "dense" and plan["lexical"][1] == "dense":
                col[lang] += plan["lexical"][0] * calib
        for cid, n in normed.items():
            scores[cid] += col[candidates[cid].lang] * n
    return _sorted([Fused(cid, sc, {}) for cid, sc in scores.items()])


def _explained(
    candidates: Mapping[str, Candidate],
    results: Mapping[str, Ranked],
    norms: Mapping[str, Mapping[str, float]],
    plans: Mapping[str, Mapping[str, tuple[float, str]]],
    calib: float,
) -> list[Fused]:
    """:func:`language_aware` with an explanation per candidate whose terms add up."""
    where = _positions(results)
    empty: dict[str, float] = {}
    dense = norms.get("dense", empty)
    out = []
    for cid, cand in candidates.items():
        d = dense.get(cid, 0.0)
        score = 0.0
        expl: dict[str, dict[str, Any]] = {}
        for name, (w, source) in plans[cand.lang].items():
            extra: dict[str, Any] = {}
            if source == "dense":
                n = calib * d
                extra = {"substitute": "dense", "calibration": calib}
            elif source == "own":
                n = norms.get(name, empty).get(cid, 0.0)
            else:
                n = 0.0
            score += w * n
            expl[name] = _term(where.get(name, {}), cid, n, w, **extra)
        out.append(Fused(cid, score, expl))
    return _sorted(out)
