"""Lexical (BM25) sub-queries over the per-language subfields.

Every text field is indexed twice: ``<field>.<lang>`` with that language's analyzer
(stemming, stop words) -- filled only for documents in that language -- and
``<field>.neutral`` (standard tokenizer, lowercase, ASCII folding) for every document.
A query in German therefore searches ``title.de`` (boosted: the stemmer understands
it) plus ``title.neutral`` (names, numbers, and languages without an analyzer).

User text only ever appears as the ``query`` value of ``multi_match`` / ``match``;
field names come from the config, and the query language is used as a field suffix
only when it is one of the configured languages.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Literal

from ..types import NEUTRAL

__all__ = [
    "LexicalStyle",
    "crossing_terms",
    "lexical_fields",
    "lexical_query",
    "neutral_query",
    "ngram_query",
]

LexicalStyle = Literal["best_fields", "most_fields"]

_TOKEN = re.compile(r"\w+", re.UNICODE)


def lexical_fields(
    text_fields: Sequence[str],
    qlang: str | None,
    languages: Sequence[str],
    *,
    lang_boost: float = 2.0,
) -> list[tuple[str, float]]:
    """``[(path, boost)]``: the query language's subfields first, then the neutral ones."""
    out: list[tuple[str, float]] = []
    if qlang is not None and qlang in languages:
        out.extend((f"{f}.{qlang}", lang_boost) for f in text_fields)
    out.extend((f"{f}.{NEUTRAL}", 1.0) for f in text_fields)
    return out


def _fmt(path: str, boost: float) -> str:
    return path if boost == 1.0 else f"{path}^{boost:g}"


def _wrap(query: dict[str, Any], filters: Sequence[dict[str, Any]]) -> dict[str, Any]:
    if not filters:
        return query
    return {"bool": {"must": [query], "filter": list(filters)}}


def lexical_query(
    text: str,
    fields: Sequence[tuple[str, float]],
    *,
    style: LexicalStyle = "best_fields",
    tie_breaker: float = 0.3,
    filters: Sequence[dict[str, Any]] = (),
    boost: float | None = None,
) -> dict[str, Any]:
    """One lexical clause over ``fields`` (from :func:`lexical_fields`), with filters.

    ``best_fields`` scores a document by its best field (plus ``tie_breaker`` of the
    rest): good when title and body compete. ``most_fields`` sums them: good when the
    same text is analyzed two ways (stemmed + neutral).
    """
    mm: dict[str, Any] = {
        "query": text,
        "type": style,
        "fields": [_fmt(p, b) for p, b in fields],
    }
    if style == "best_fields":
        mm["tie_breaker"] = tie_breaker
    q: dict[str, Any] = {"multi_match": mm}
    out = _wrap(q, filters)
    if boost is not None:
        if "bool" in out and out is not q:
            out["bool"]["boost"] = boost
        else:
            out = {"bool": {"must": [out], "boost": boost}}
    return out


def crossing_terms(text: str) -> str:
    """The words of ``text`` that can carry meaning across languages: numbers and names.

    A word counts if it contains a digit, or starts with an upper-case letter and is
    not the first word (sentence case says nothing). Deterministic and cheap; the
    result is used only as the value of a ``match`` on the neutral field.
    """
    words = _TOKEN.findall(text)
    keep = [
        w
        for i, w in enumerate(words)
        if len(w) > 1 and (any(c.isdigit() for c in w) or (i > 0 and w[0].isupper()))
    ]
    return " ".join(keep)


def neutral_query(
    text: str,
    text_fields: Sequence[str],
    *,
    filters: Sequence[dict[str, Any]] = (),
) -> dict[str, Any] | None:
    """Names and numbers of the query on the neutral fields, or ``None`` when there are none."""
    terms = crossing_terms(text)
    if not terms:
        return None
    q = {
        "multi_match": {
            "query": terms,
            "type": "most_fields",
            "fields": [f"{f}.{NEUTRAL}" for f in text_fields],
        }
    }
    return _wrap(q, filters)


def ngram_query(
    text: str, text_fields: Sequence[str], *, filters: Sequence[dict[str, Any]] = ()
) -> dict[str, Any]:
    """The whole query on the 4-gram views (``<field>.neutral.ngram``): partial-word
    evidence that survives inflection and compounding."""
    q = {
        "multi_match": {
            "query": text,
            "type": "best_fields",
            "tie_breaker": 0.3,
            "fields": [f"{f}.{NEUTRAL}.ngram" for f in text_fields],
        }
    }
    return _wrap(q, filters)
