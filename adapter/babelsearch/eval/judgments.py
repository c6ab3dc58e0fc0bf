"""A user's relevance judgments for ``babelsearch tune``: BEIR qrels or a click log.

Why its own module: tuning runs against the user's *existing* index, so it needs the
queries and what was relevant, not a corpus. Both inputs become :class:`Judged`
queries; the split into training and held-out queries is by *group* (a BEIR query id,
or whatever ``group`` a row names, such as the id its translations share), so a
question and its translations never sit on both sides of the split.

Click log rows (JSON lines): ``{"query": "...", "lang": "de", "shown": ["a", "b"],
"clicked": "b"}``; ``lang`` is optional (detected at search time), ``clicked`` may be a
list or ``null`` (an impression without a click: counted, not a judgment). Rows of the
same query and language are merged; a clicked id must be among the shown ones.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError

__all__ = [
    "ClickStats",
    "Judged",
    "fold_of",
    "load_beir_judgments",
    "load_click_log",
    "read_jsonl",
    "read_qrels",
    "split_by_group",
]


@dataclass(frozen=True)
class Judged:
    """One judged query: its text, language (``None``: detected), relevant ids."""

    id: str
    text: str
    lang: str | None
    relevant: Mapping[str, float]
    """Document id -> grade (> 0)."""
    group: str
    """Queries of one group are held out together."""
    filters: Mapping[str, Any] | None = None
    """The filters the query was asked with (``{"lang": "de"}`` for a German-only search)."""


@dataclass
class ClickStats:
    """What a click log held besides judgments (so nothing is silently dropped)."""

    rows: int = 0
    without_click: int = 0
    queries: int = 0
    notes: list[str] = field(default_factory=list)


def read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, object)`` of a JSON-lines file; blank lines skipped, anything
    else that is not a JSON object is a :class:`ConfigError` naming the line."""
    try:
        fh = path.open(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path} not found") from None
    with fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise ConfigError(f"{path}:{n}: invalid JSON: {exc}") from None
            if not isinstance(row, dict):
                raise ConfigError(f"{path}:{n}: expected a JSON object")
            yield n, row


def _text(row: Mapping[str, Any], key: str, where: str) -> str:
    value = row.get(key)
    if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
        raise ConfigError(f"{where}: {key!r} must be a non-empty string")
    return str(value)


def _lang(row: Mapping[str, Any], where: str) -> str | None:
    value = row.get("lang")
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: 'lang' must be a language code like 'de'")
    return value.strip()


def read_qrels(path: str | Path) -> dict[str, dict[str, float]]:
    """A BEIR ``qrels`` TSV (``query-id``, ``corpus-id``, ``score``; header optional)."""
    p = Path(path)
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise ConfigError(f"{p} not found") from None
    qrels: dict[str, dict[str, float]] = {}
    for n, line in enumerate(lines, 1):
        parts = line.rstrip("\n").split("\t")
        if not line.strip() or (n == 1 and parts[0] == "query-id"):
            continue
        if len(parts) < 3:
            raise ConfigError(f"{p.name}:{n}: expected query-id, corpus-id, score (tabs)")
        try:
            grade = float(parts[2])
        except ValueError:
            raise ConfigError(f"{p.name}:{n}: score {parts[2]!r} is not a number") from None
        qrels.setdefault(parts[0], {})[parts[1]] = grade
    return qrels


def load_beir_judgments(queries: str | Path, qrels: str | Path) -> list[Judged]:
    """BEIR ``queries.jsonl`` (``_id``, ``text``, optional ``lang`` and ``group``) and a
    qrels TSV; queries without a positive grade are left out (nothing to learn from)."""
    grades = read_qrels(qrels)
    out: list[Judged] = []
    seen: set[str] = set()
    qpath = Path(queries)
    for n, row in read_jsonl(qpath):
        where = f"{qpath.name}:{n}"
        qid = _text(row, "_id", where)
        if qid in seen:
            raise ConfigError(f"{where}: query id {qid!r} appears twice")
        seen.add(qid)
        relevant = {d: g for d, g in grades.get(qid, {}).items() if g > 0}
        if relevant:
            group = str(row.get("group") or qid)
            out.append(Judged(qid, _text(row, "text", where), _lang(row, where), relevant, group))
    if not out:
        raise ConfigError(f"no query in {qpath.name} has a positive grade in {Path(qrels).name}")
    return out


def load_click_log(path: str | Path) -> tuple[list[Judged], ClickStats]:
    """Judgments from a click log: a clicked id is relevant (grade = its click count)."""
    p = Path(path)
    stats = ClickStats()
    merged: dict[tuple[str, str | None], dict[str, float]] = {}
    for n, row in read_jsonl(p):
        where = f"{p.name}:{n}"
        stats.rows += 1
        text = _text(row, "query", where)
        shown = row.get("shown")
        if not isinstance(shown, list) or not all(isinstance(s, str) for s in shown):
            raise ConfigError(f"{where}: 'shown' must be a list of document ids")
        clicked = row.get("clicked")
        ids = [] if clicked is None else clicked if isinstance(clicked, list) else [clicked]
        if not all(isinstance(c, str) and c for c in ids):
            raise ConfigError(f"{where}: 'clicked' must be a document id, a list of ids or null")
        missing = [c for c in ids if c not in shown]
        if missing:
            raise ConfigError(f"{where}: clicked {missing[0]!r} is not among the shown ids")
        if not ids:
            stats.without_click += 1
            continue
        grades = merged.setdefault((text, _lang(row, where)), {})
        for c in ids:
            grades[c] = grades.get(c, 0.0) + 1.0
    out = []
    for (text, lang), grades in merged.items():
        qid = hashlib.sha1(f"{lang}\x00{text}".encode()).hexdigest()[:12]
        out.append(Judged(qid, text, lang, grades, text.casefold()))
    stats.queries = len(out)
    if not out:
        raise ConfigError(f"{p.name}: no row has a click; nothing to learn from")
    return out, stats


def split_by_group(
    judged: Sequence[Judged], holdout: float, *, seed: int = 0
) -> tuple[list[Judged], list[Judged]]:
    """``(train, held_out)``: a group's queries go to one side, chosen by a hash of the
    group and ``seed`` (stable across runs and machines, unlike ``random``)."""
    if not 0.0 < holdout < 1.0:
        raise ConfigError(f"holdout must be between 0 and 1, got {holdout}")
    train: list[Judged] = []
    held: list[Judged] = []
    for j in judged:
        h = hashlib.sha1(f"{seed}\x00{j.group}".encode()).digest()
        (held if int.from_bytes(h[:8], "big") / 2**64 < holdout else train).append(j)
    if not train or not held:
        raise ConfigError(
            f"{len(judged)} judged queries in {len({j.group for j in judged})} groups cannot "
            f"be split {1 - holdout:.0%}/{holdout:.0%}; judge more queries"
        )
    return train, held


def fold_of(group: str, folds: int, seed: int = 0) -> int:
    """The cross-validation fold of a group (same hash as :func:`split_by_group`)."""
    h = hashlib.sha1(f"{seed}\x00{group}".encode()).digest()
    return int.from_bytes(h[:8], "big") % folds
