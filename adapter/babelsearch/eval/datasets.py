"""Evaluation datasets: BEIR-style files and the XQuAD-R layout, as one shape.

Both loaders produce an :class:`EvalDataset` (candidates, queries, graded qrels, each
with a language), and :func:`build_tasks` turns it into the three settings -- so the
runner never needs to know where the data came from:

* ``mono``: questions in language L against the candidates of L;
* ``cross``: questions in L1 against the candidates of L2, for each chosen pair L1 != L2;
* ``pool``: questions in L against the candidates of every chosen language at once.

Why XQuAD-R relevance goes through the question id: the same SQuAD ``id`` in two
language files is the same question translated, so the relevant candidate of a German
question in the Arabic pool is the Arabic sentence holding the answer of the Arabic
version of that question -- no paragraph alignment has to be assumed.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .judgments import read_jsonl, read_qrels

__all__ = [
    "SETTINGS",
    "Candidate",
    "EvalDataset",
    "EvalQuery",
    "Task",
    "build_tasks",
    "default_pairs",
    "load_beir",
    "load_xquad_r",
    "parse_pairs",
]

SETTINGS = ("mono", "cross", "pool")
POOL = "*"


@dataclass(frozen=True)
class Candidate:
    """One retrievable unit (an XQuAD-R sentence, a BEIR document)."""

    id: str
    lang: str
    fields: Mapping[str, str]


@dataclass(frozen=True)
class EvalQuery:
    id: str
    lang: str
    text: str


@dataclass(frozen=True)
class EvalDataset:
    name: str
    text_fields: tuple[str, ...]
    candidates: Sequence[Candidate]
    queries: Sequence[EvalQuery]
    qrels: Mapping[str, Mapping[str, float]]
    """query id -> candidate id -> grade (> 0 is relevant)."""

    @property
    def langs(self) -> list[str]:
        return sorted({c.lang for c in self.candidates} | {q.lang for q in self.queries})

    def records(self) -> Iterator[dict[str, Any]]:
        """Ingestor records (``id``, ``lang`` and the text fields), in corpus order."""
        for c in self.candidates:
            yield {"id": c.id, "lang": c.lang, **c.fields}


@dataclass(frozen=True)
class Task:
    """The queries of one (setting, query language, candidate language) cell."""

    setting: str
    query_lang: str
    doc_lang: str
    """A language code, or ``"*"`` for the pooled setting (no language filter)."""
    queries: Sequence[EvalQuery]
    qrels: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    @property
    def lang_filter(self) -> str | None:
        return None if self.doc_lang == POOL else self.doc_lang


def default_pairs(langs: Sequence[str]) -> list[tuple[str, str]]:
    """English to and from every other language, plus zh->ar when both are chosen.

    That is the reference measurement's 11 pairs for ar de en es ru zh; without English
    every ordered pair is used.
    """
    if "en" not in langs:
        return [(a, b) for a in langs for b in langs if a != b]
    pairs: list[tuple[str, str]] = []
    for other in langs:
        if other != "en":
            pairs += [("en", other), (other, "en")]
    if "zh" in langs and "ar" in langs:
        pairs.append(("zh", "ar"))
    return pairs


def parse_pairs(specs: Sequence[str]) -> list[tuple[str, str]]:
    """``["en-de", "zh-ar"]`` -> ``[("en", "de"), ("zh", "ar")]``."""
    pairs = []
    for spec in specs:
        for part in spec.split(","):
            src, sep, dst = part.strip().partition("-")
            if not sep or not src or not dst or src == dst:
                raise ConfigError(f"pairs: {part!r} is not a pair like 'en-de'")
            pairs.append((src, dst))
    return pairs


def build_tasks(
    ds: EvalDataset,
    settings: Sequence[str] = SETTINGS,
    langs: Sequence[str] | None = None,
    pairs: Sequence[tuple[str, str]] | None = None,
) -> list[Task]:
    """Split the dataset into tasks; queries with nothing relevant in a cell are dropped."""
    unknown = [s for s in settings if s not in SETTINGS]
    if unknown:
        raise ConfigError(f"settings: unknown {unknown}; choose from {list(SETTINGS)}")
    chosen = list(langs) if langs else ds.langs
    doc_lang = {c.id: c.lang for c in ds.candidates}
    by_lang: dict[str, list[EvalQuery]] = {lang: [] for lang in chosen}
    for q in ds.queries:
        if q.lang in by_lang:
            by_lang[q.lang].append(q)

    def cell(setting: str, src: str, dst: str) -> Task:
        queries, qrels = [], {}
        for q in by_lang.get(src, []):
            rel = {
                d: g
                for d, g in ds.qrels.get(q.id, {}).items()
                if g > 0 and (doc_lang.get(d) == dst or (dst == POOL and doc_lang.get(d) in chosen))
            }
            if rel:
                queries.append(q)
                qrels[q.id] = rel
        return Task(setting, src, dst, queries, qrels)

    tasks: list[Task] = []
    for setting in settings:
        if setting == "mono":
            cells = [(lang, lang) for lang in chosen]
        elif setting == "cross":
            cells = list(pairs) if pairs is not None else default_pairs(chosen)
            cells = [(a, b) for a, b in cells if a in chosen and b in chosen]
        else:
            cells = [(lang, POOL) for lang in chosen]
        for src, dst in cells:
            task = cell(setting, src, dst)
            if task.queries:
                tasks.append(task)
    return tasks


# --------------------------------------------------------------------------- XQuAD-R


def _sentence_of(breaks: Sequence[Sequence[int]], answer_start: int) -> int:
    """Index of the sentence holding ``answer_start`` (a gap counts for the sentence before)."""
    starts = [int(b[0]) for b in breaks]
    return max(0, bisect_right(starts, answer_start) - 1)


def _read_json(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"data: {path} not found") from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"data: cannot read {path}: {exc}") from None


def load_xquad_r(
    data_dir: str | Path,
    langs: Sequence[str],
    limit: int | None = None,
    sample: int | None = None,
) -> EvalDataset:
    """Read ``<data_dir>/<lang>.json`` for each language.

    Candidates are sentences with ids ``<lang>-<paragraph>-<sentence>`` (paragraph counted
    over the whole file), stable across runs. ``limit`` keeps the first ``limit``
    questions (in the first language's order) and only the paragraphs that hold them,
    so a quick run is small on both sides. ``sample`` keeps every candidate but only
    ``sample`` questions spread evenly over the file (every n-th), so the haystack is as
    hard as in a full run and only the number of questions -- the run time -- shrinks.
    """
    root = Path(data_dir)
    if not langs:
        raise ConfigError("langs: at least one language is required")
    # per language: qa id -> (question, relevant candidate id, paragraph key)
    answers: dict[str, dict[str, tuple[str, str, str]]] = {}
    sentences: dict[str, dict[str, list[tuple[str, str]]]] = {}
    order: list[str] = []
    for lang in langs:
        doc = _read_json(root / f"{lang}.json")
        try:
            paragraphs = [p for article in doc["data"] for p in article["paragraphs"]]
        except (KeyError, TypeError):
            raise ConfigError(f"data: {root / lang}.json is not in the SQuAD layout") from None
        answers[lang], sentences[lang] = {}, {}
        for pi, para in enumerate(paragraphs):
            pkey = f"{lang}-{pi}"
            sentences[lang][pkey] = [
                (f"{pkey}-{si}", text) for si, text in enumerate(para["sentences"])
            ]
            for qa in para["qas"]:
                if not qa.get("answers"):
                    continue
                si = _sentence_of(para["sentence_breaks"], int(qa["answers"][0]["answer_start"]))
                answers[lang][qa["id"]] = (qa["question"], f"{pkey}-{si}", pkey)
                if lang == langs[0]:
                    order.append(qa["id"])
    common = [qid for qid in order if all(qid in answers[lang] for lang in langs)]
    if limit is not None:
        common = common[:limit]
    if sample is not None and 0 < sample < len(common):
        step = len(common) / sample
        common = [common[int(i * step)] for i in range(sample)]
    keep = set(common)

    queries: list[EvalQuery] = []
    qrels: dict[str, dict[str, float]] = {}
    candidates: list[Candidate] = []
    for lang in langs:
        used = {answers[lang][qid][2] for qid in keep} if limit is not None else None
        for pkey, sents in sentences[lang].items():
            if used is None or pkey in used:
                candidates += [Candidate(cid, lang, {"text": text}) for cid, text in sents]
        for qid in common:
            queries.append(EvalQuery(f"{lang}-{qid}", lang, answers[lang][qid][0]))
            qrels[f"{lang}-{qid}"] = {answers[other][qid][1]: 1.0 for other in langs}
    return EvalDataset("xquad-r", ("text",), candidates, queries, qrels)


# --------------------------------------------------------------------------- BEIR


def _jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        yield from read_jsonl(path)
    except ConfigError as exc:
        raise ConfigError(f"data: {exc}") from None


def _field(row: Mapping[str, Any], key: str, where: str) -> str:
    value = row.get(key)
    if value is None or (isinstance(value, str) and not value.strip() and key != "title"):
        raise ConfigError(f"data: {where}: missing {key!r}")
    return str(value)


def load_beir(data_dir: str | Path, langs: Sequence[str] | None = None) -> EvalDataset:
    """Read ``corpus.jsonl``, ``queries.jsonl`` and ``qrels.tsv`` (header line optional).

    Every document and query must carry ``lang``: per-language scores are the point of
    this harness, and guessing languages here would measure the detector instead.
    """
    root = Path(data_dir)
    keep = set(langs) if langs else None
    candidates = []
    for n, row in _jsonl(root / "corpus.jsonl"):
        where = f"corpus.jsonl:{n}"
        lang = _field(row, "lang", where)
        if keep is None or lang in keep:
            fields = {"title": str(row.get("title") or ""), "text": _field(row, "text", where)}
            candidates.append(Candidate(_field(row, "_id", where), lang, fields))
    queries = []
    for n, row in _jsonl(root / "queries.jsonl"):
        where = f"queries.jsonl:{n}"
        lang = _field(row, "lang", where)
        if keep is None or lang in keep:
            queries.append(EvalQuery(_field(row, "_id", where), lang, _field(row, "text", where)))
    try:
        qrels = read_qrels(root / "qrels.tsv")
    except ConfigError as exc:
        raise ConfigError(f"data: {exc}") from None
    return EvalDataset("beir", ("title", "text"), candidates, queries, qrels)
