"""Sentence-aware passages (pure).

Why chunk at all: encoders see a bounded window (USE and BGE-M3 truncate), so a long
body encoded whole is mostly ignored. We split the *longest* text field of a document
into passages of at most ``max_chars`` characters that end on sentence boundaries
(Latin ``.!?``, CJK ``。！？``, newlines), with a sentence-level overlap so that a
fact straddling a boundary is still found. Short fields, typically the title, are
copied into every passage because they give it context -- but only up to
:data:`CONTEXT_MAX_CHARS` in all (see :func:`chunk_document`). A sentence longer than
``max_chars`` is hard-split (at a space when there is one) -- never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ..config import ChunkingConfig
from ..types import Chunk, Document

__all__ = ["CONTEXT_MAX_CHARS", "chunk_document", "split_passages", "split_sentences"]

CONTEXT_MAX_CHARS = 200
"""At most this many characters of short fields are copied into every chunk.

A copy costs its length once per chunk. A typical title (under 100 characters) fits;
a 19 kB "title" copied into 43 chunks once made 845 kB of index out of a 19 kB file.
"""

# A sentence ends after terminal punctuation (plus closing quotes/brackets) followed by
# whitespace, after CJK full-width terminators even without a space, or at a newline.
_SENT_END = re.compile(r"[^\n]*?(?:[.!?…]+[\"'”’)\]»]*\s+|[。！？｡]+[」』）]*\s*|\n+)", re.S)


def split_sentences(text: str) -> list[str]:
    """Split into sentences, keeping every character (``"".join(result) == text``)."""
    out: list[str] = []
    pos = 0
    for m in _SENT_END.finditer(text):
        if m.end() <= pos:
            continue
        out.append(text[pos : m.end()])
        pos = m.end()
    if pos < len(text):
        out.append(text[pos:])
    return [s for s in out if s]


def _hard_split(sentence: str, max_chars: int) -> list[str]:
    pieces: list[str] = []
    rest = sentence
    while len(rest) > max_chars:
        cut = rest.rfind(" ", max_chars // 2, max_chars)
        cut = cut + 1 if cut > 0 else max_chars
        pieces.append(rest[:cut])
        rest = rest[cut:]
    if rest:
        pieces.append(rest)
    return pieces


def split_passages(text: str, max_chars: int, overlap_chars: int = 0) -> list[str]:
    """Pack sentences greedily into passages of at most ``max_chars`` characters.

    The overlap repeats whole trailing sentences of the previous passage (up to
    ``overlap_chars``), never a fragment, and never so much that no progress is made.
    """
    if max_chars < 1:
        raise ValueError("max_chars must be at least 1")
    if len(text) <= max_chars:
        return [text.strip()] if text.strip() else []
    units: list[str] = []
    for s in split_sentences(text):
        units.extend(_hard_split(s, max_chars) if len(s) > max_chars else [s])
    passages: list[str] = []
    current: list[str] = []
    size = 0
    fresh = 0  # units in `current` that are not overlap from the previous passage
    for u in units:
        if current and size + len(u) > max_chars:
            passages.append("".join(current))
            tail: list[str] = []
            tsize = 0
            for prev in reversed(current):
                if tsize + len(prev) > overlap_chars or tsize + len(prev) + len(u) > max_chars:
                    break
                tail.insert(0, prev)
                tsize += len(prev)
            if len(tail) == len(current):  # overlap must never repeat a whole passage
                tail, tsize = [], 0
            current, size, fresh = tail, tsize, 0
        current.append(u)
        size += len(u)
        fresh += 1
    if current and fresh:
        passages.append("".join(current))
    return [p.strip() for p in passages if p.strip()]


def chunk_document(doc: Document, lang: str, cfg: ChunkingConfig) -> list[Chunk]:
    """One document → its chunks (``chunk_no`` 0, 1, ...), metadata copied to each.

    A document that fits ``max_chars`` is one chunk. Otherwise the short fields, in
    field order, become context while they fit :data:`CONTEXT_MAX_CHARS` (and a quarter
    of ``max_chars``) together, and are copied into every chunk; every other field is
    split into passages of its own, one chunk each, the fields one after the other.

    Why split a long "other" field rather than copy or truncate it: a copy makes the
    index grow with its length times the number of chunks, and truncation silently
    drops text nobody can then find. Split, every character is indexed once, plus at
    most ``overlap_chars + CONTEXT_MAX_CHARS`` per chunk, and no chunk passes
    ``max_chars``.
    """
    fields: Mapping[str, str] = doc.fields
    total = sum(len(v) for v in fields.values())
    if not cfg.enabled or total <= cfg.max_chars or not fields:
        return [Chunk(doc.id, 0, lang, dict(fields), doc.metadata, doc.position)]
    room = min(CONTEXT_MAX_CHARS, cfg.max_chars // 4)
    context: dict[str, str] = {}
    for name, value in fields.items():
        if len(value) <= room:
            context[name] = value
            room -= len(value)
    budget = cfg.max_chars - sum(len(v) for v in context.values())
    overlap = min(cfg.overlap_chars, budget // 2)
    chunks: list[Chunk] = []
    for name in (k for k in fields if k not in context):
        for passage in split_passages(fields[name], budget, overlap) or [fields[name]]:
            f = {**context, name: passage}
            ordered = {k: f[k] for k in fields if k in f}
            chunks.append(Chunk(doc.id, len(chunks), lang, ordered, doc.metadata, doc.position))
    return chunks
