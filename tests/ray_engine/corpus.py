"""A generated multilingual JSONL load for the Ray tests, and what the index must hold.

Every record's fate is known when it is written: distinct documents (a few long
enough to be chunked), ids repeated later with another body (the last one must win),
lines that must be dead letters and records that must be skipped. ``Expected`` is
that oracle; the tests compare the index and the report against it exactly.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babelsearch.config import Config, parse_config

LANGS = ("en", "de", "fr", "es", "ru")
_BODIES = {
    "en": "It rained all day in {c}, and the river rose by {n} centimetres.",
    "de": "In {c} hat es den ganzen Tag geregnet, der Fluss stieg um {n} Zentimeter.",
    "fr": "Il a plu toute la journée à {c} et la rivière a monté de {n} centimètres.",
    "es": "Llovió todo el día en {c} y el río subió {n} centímetros.",
    "ru": "В {c} весь день шёл дождь, и река поднялась на {n} сантиметров.",
}
_CITIES = ("Lyon", "Porto", "Graz", "Kyoto", "Quito", "Oslo", "Cusco", "Aarhus")


def ray_config(url: str, alias: str) -> Config:
    """Five languages, ``title`` + ``body``, short chunks so long bodies split."""
    return parse_config(
        {
            "index": {"name": alias},
            "languages": list(LANGS),
            "fields": {
                "id": "id",
                "lang": "lang",
                "text": ["title", "body"],
                "metadata": {"n": "integer"},
            },
            "encoder": {"kind": "use"},
            "cluster": {"url": url},
            "ingest": {"bulk": {"max_docs": 500}, "encode_batch_size": 256},
        }
    )


@dataclass
class Expected:
    ids: set[str] = field(default_factory=set)
    read: int = 0
    replaced: int = 0
    dead_lettered: int = 0
    skipped: int = 0
    last_body: dict[str, str] = field(default_factory=dict)
    """The body the index must hold for each repeated id (its last record's)."""
    bad_positions: list[int] = field(default_factory=list)

    @property
    def indexed(self) -> int:
        return len(self.ids)


def _doc(i: int, rng: random.Random, long: bool) -> dict[str, Any]:
    lang = LANGS[i % len(LANGS)]
    c, n = rng.choice(_CITIES), rng.randint(2, 900)
    body = _BODIES[lang].format(c=c, n=n)
    if long:  # about 3 kB: several chunks
        body = " ".join(_BODIES[lang].format(c=c, n=k) for k in range(40))
    rec: dict[str, Any] = {"id": f"doc-{i:06d}", "title": f"{c} {i}", "body": body, "n": n}
    if i % 2 == 0:
        rec["lang"] = lang
    return rec


def write_corpus(path: Path, n: int, *, seed: int = 11) -> Expected:
    """``n`` documents plus repeats and bad lines, shuffled in deterministically."""
    rng = random.Random(seed)
    exp = Expected()
    lines: list[tuple[str, str | None, str]] = []  # (line, id, kind)
    for i in range(n):
        rec = _doc(i, rng, long=i % 400 == 7)
        lines.append((json.dumps(rec, ensure_ascii=False), rec["id"], "doc"))
    for k in range(0, n, max(1, n // 25)):  # ids written again later: the last one wins
        rec = _doc(k, rng, long=False)
        rec["body"] = f"Second version {k}: the last record of an id wins."
        at = rng.randint(k + 1, len(lines))
        lines.insert(at, (json.dumps(rec, ensure_ascii=False), rec["id"], "repeat"))
    bad = [
        ('{"id": "bad-json", "title": ', None, "dead"),
        ('{"id": "bad-type", "title": 5}', None, "dead"),
        ('{"id": "bad#3", "title": "a chunk-like id"}', None, "dead"),
        ('{"id": "empty", "title": ""}', None, "skip"),
        ('{"id": "emoji", "title": "🙂🙂"}', None, "skip"),
    ]
    for item in bad:
        lines.insert(rng.randint(0, len(lines)), item)
    seen: dict[str, int] = {}
    for pos, (line, doc_id, kind) in enumerate(lines):
        exp.read += 1
        if kind == "dead":
            exp.dead_lettered += 1
            exp.bad_positions.append(pos)
        elif kind == "skip":
            exp.skipped += 1
        else:
            assert doc_id is not None
            if doc_id in seen:
                exp.replaced += 1
                exp.last_body[doc_id] = json.loads(line)["body"]
            seen[doc_id] = pos
            exp.ids.add(doc_id)
    for doc_id, body in list(exp.last_body.items()):  # the last record decides
        last = max(p for p, (_l, d, _k) in enumerate(lines) if d == doc_id)
        if json.loads(lines[last][0])["body"] != body:  # pragma: no cover - generator bug
            raise AssertionError(f"oracle wrong for {doc_id}")
    with path.open("w", encoding="utf-8") as fh:
        for line, _d, _k in lines:
            fh.write(line + "\n")
        fh.write("\n")  # a blank line is not a record
    return exp
