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
import unicodedata
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


# Words that begin a question or sentence in the languages babelsearch documents
# (question words, articles, prepositions, pronouns, auxiliaries): a capitalised first
# word that is one of these is sentence case, any other capitalised first word is taken
# for a name ("Tesla", "Paris"). A closed list of a few hundred function words, not a
# stop-word hub: the lexical sub-queries use the node's analyzers; this only decides
# what the names-and-numbers clause sends. Compared in lowercase, accents kept.
_STARTER_WORDS = """
    a an the what which who whom whose when where why how in on at of for from to by
    with after before during since until if is are was were do does did can could
    there this that these those it its name list approximately besides along about
    he she they we you his her their our my
    wer wen wem wessen was wann wo woher wohin warum wie welche welcher welches welchen
    welchem wofür womit wodurch worauf woraus wozu der die das den dem des ein eine
    einen einem eines im am vom zum zur mit für auf aus bei nach von vor zu um durch
    nennen nenne gibt ist sind war waren hat haben wurde wurden er sie es wir ihr ich
    qué que cuál cuáles cuál quién quiénes cuándo cuánto cuánta cuántos cuántas cómo
    dónde adónde por para porqué el la los las lo un una unos unas en de del al con
    sin sobre desde hasta entre según nombre además junto aproximadamente cuando como
    él ella ellos ellas
    qui quoi quel quelle quels quelles quand où pourquoi combien comment le les une
    des du au aux dans pour par est sont il elle ils elles nous vous on je
    o os as um uma qual quais quem quanto quantos quanta quantas onde porque no na
    nos nas do da dos das em ao é
    chi che cosa quale quali quando dove perché quanto quanti quante come il lo gli
    uno di nel nella con su
    wat wie welke wanneer waar waarom hoe het een van voor op met
    что кто какой какая какое какие каким какую какого какова каков каково каковы
    когда где куда откуда почему зачем сколько как чем чего кого кем кому в во на с
    со к по для из от до за при о об назовите это
    ai gì cái các những một có khi tại sao bao nào đâu là trong theo ở vì người điều
    việc sự loại tên hai ba nhiều
    co kto kiedy gdzie dlaczego jak jaki jaka jakie ile czy w z na do
    vad vem vilken vilket vilka när var varför hur en ett det den
    ne kim nerede neden nasıl hangi kaç bir bu
"""
_SENTENCE_STARTERS = frozenset(_STARTER_WORDS.split())

# A candidate term: a run of ideographs, kana or hangul (which \\w would glue to an
# adjacent Latin word: "Internet2与谁"), or a word with the joiners that keep a number
# or code one token ("3.5", "42,195", "K-340", "UTF-8") and a trailing % or degree sign.
# An apostrophe splits ("l'Everest" -> "l", "Everest"): elided articles are not names.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_TERM = re.compile(rf"[{_CJK}]+|[^\W{_CJK}]+(?:[.,/-][^\W{_CJK}]+)*[%°]?", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?。！？]")


def _script(word: str) -> str:
    """The Unicode script of a word's first letter, coarsely: ``LATIN``, ``CYRILLIC``,
    ``CJK``, ``ARABIC``... (the first word of the character's name; ideographs and
    kana count as one script, so Japanese is not split from its kanji)."""
    for ch in word:
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            head = name.split(" ", 1)[0]
            if head in ("HIRAGANA", "KATAKANA", "HANGUL") or name.startswith("CJK"):
                return "CJK"
            return head
    return ""


def _is_name(word: str, first: bool, foreign: bool) -> bool:
    """Whether ``word`` looks like a name or code (see :func:`crossing_terms`)."""
    if any(c.isdigit() for c in word):
        return True
    letters = [c for c in word if c.isalpha()]
    if len(letters) < 2:
        return False
    if foreign:
        return True
    if any(c.isupper() for c in word[1:]):  # UNESCO, iPhone, McLaren, CamelCase
        return True
    if not word[0].isupper():
        return False
    return not first or word.lower() not in _SENTENCE_STARTERS


def crossing_terms(text: str) -> str:
    """The words of ``text`` that can carry meaning across languages: names, numbers, codes.

    A word counts, wherever it stands, if it

    * contains a digit ("1856", "5km", "3.5%", "K-340", "UTF-8", "Internet2");
    * has an upper-case letter after its first ("UNESCO", "iPhone", "McLaren");
    * is written in another script than most of the query ("UNESCO" or "TX-4400" in a
      Korean or Chinese query, "東京" in an English one) -- lowercase or not;
    * starts with an upper-case letter, except a first word that is a common
      sentence starter (question word, article, preposition: "What", "Wie", "Các"),
      whose capital is just sentence case. "Tesla" first still counts.

    Deterministic and cheap (no round trip, no model); the result is used only as the
    value of a ``match`` on the neutral field, whose analyzer splits and folds it.
    Lowercase names in a Latin-script query ("eoandromeda") are not recognised.
    """
    matches = list(_TERM.finditer(text))
    if not matches:
        return ""
    scripts = [_script(m.group()) for m in matches]
    weight: dict[str, int] = {}
    for m, sc in zip(matches, scripts, strict=True):
        if sc:
            weight[sc] = weight.get(sc, 0) + len(m.group())
    main = max(weight, key=weight.__getitem__) if weight else ""
    keep = []
    prev_end = 0
    for i, (m, sc) in enumerate(zip(matches, scripts, strict=True)):
        # a word opens a sentence at the start or after ., ? or ! ("... 1856. Wer ...")
        first = i == 0 or bool(_SENTENCE_END.search(text, prev_end, m.start()))
        prev_end = m.end()
        if _is_name(m.group(), first=first, foreign=bool(sc) and sc != main):
            keep.append(m.group())
    return " ".join(keep)


def neutral_query(
    text: str,
    text_fields: Sequence[str],
    *,
    filters: Sequence[dict[str, Any]] = (),
    terms: str | None = None,
) -> dict[str, Any] | None:
    """Names and numbers of the query on the neutral fields, or ``None`` when there are none.

    ``terms``: :func:`crossing_terms` of ``text`` when the caller already has them."""
    terms = crossing_terms(text) if terms is None else terms
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
