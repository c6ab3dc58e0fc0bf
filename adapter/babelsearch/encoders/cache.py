"""An embedding cache keyed by content hash + encoder fingerprint.

Why: re-ingesting a corpus where most documents did not change should not pay for
encoding them again -- on CPU that is by far the slowest step. The key is
``sha256(namespace, side, text)`` where the namespace is the encoder's fingerprint plus
every setting that changes its output (prompts, max length, sparse pruning), so a
vector is reused only when it would be bit-for-bit what the model gives now.

Two tiers: a bounded in-memory LRU (always) and an optional sqlite file under
``encoder.cache_dir`` that survives across runs and processes.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ..config import EncoderConfig
from ..errors import EncoderError
from ..types import EncoderInfo, SparseVector
from .base import Encoded, Encoder

__all__ = ["CachedEncoder", "EmbeddingCache", "cache_namespace"]

Entry = tuple[npt.NDArray[np.float32], SparseVector | None]

DB_NAME = "embeddings.sqlite3"


class EmbeddingCache:
    """LRU in memory in front of an optional sqlite file; thread-safe."""

    def __init__(self, max_entries: int = 10_000, path: str | os.PathLike[str] | None = None):
        self.max_entries = max(0, int(max_entries))
        self.path = Path(path) if path is not None else None
        self._mem: OrderedDict[str, Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        if self.path is not None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False)
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute(
                    "CREATE TABLE IF NOT EXISTS emb ("
                    "key TEXT PRIMARY KEY, dense BLOB NOT NULL, sparse TEXT)"
                )
                self._db.commit()
            except (OSError, sqlite3.Error) as exc:
                raise EncoderError(f"cannot open embedding cache {self.path}: {exc}") from exc

    @classmethod
    def for_config(cls, cfg: EncoderConfig) -> EmbeddingCache:
        path = Path(cfg.cache_dir).expanduser() / DB_NAME if cfg.cache_dir else None
        return cls(path=path)

    def get_many(self, keys: Sequence[str]) -> dict[str, Entry]:
        found: dict[str, Entry] = {}
        with self._lock:
            missing: list[str] = []
            for k in keys:
                hit = self._mem.get(k)
                if hit is not None:
                    self._mem.move_to_end(k)
                    found[k] = hit
                else:
                    missing.append(k)
            if self._db is not None and missing:
                for start in range(0, len(missing), 500):
                    part = missing[start : start + 500]
                    marks = ",".join("?" * len(part))
                    rows = self._db.execute(
                        f"SELECT key, dense, sparse FROM emb WHERE key IN ({marks})", part
                    ).fetchall()
                    for key, blob, sparse in rows:
                        vec = np.frombuffer(blob, dtype=np.float32).copy()
                        entry: Entry = (vec, json.loads(sparse) if sparse is not None else None)
                        found[key] = entry
                        self._remember(key, entry)
        return found

    def put_many(self, items: dict[str, Entry]) -> None:
        with self._lock:
            for k, entry in items.items():
                self._remember(k, entry)
            if self._db is not None and items:
                self._db.executemany(
                    "INSERT OR REPLACE INTO emb (key, dense, sparse) VALUES (?, ?, ?)",
                    [
                        (
                            k,
                            np.ascontiguousarray(v, dtype=np.float32).tobytes(),
                            json.dumps(s) if s is not None else None,
                        )
                        for k, (v, s) in items.items()
                    ],
                )
                self._db.commit()

    def _remember(self, key: str, entry: Entry) -> None:
        if self.max_entries == 0:
            return
        self._mem[key] = entry
        self._mem.move_to_end(key)
        while len(self._mem) > self.max_entries:
            self._mem.popitem(last=False)

    def __len__(self) -> int:
        return len(self._mem)

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


def cache_namespace(info: EncoderInfo, cfg: EncoderConfig | None = None) -> str:
    """Everything that changes an encoder's output, as one stable string."""
    ns: dict[str, object] = dict(info.fingerprint)
    ns["sparse"] = info.sparse
    if cfg is not None:
        ns.update(
            query_prompt=cfg.query_prompt,
            document_prompt=cfg.document_prompt,
            max_length=cfg.max_length,
            sparse_threshold=cfg.sparse_threshold,
            sparse_top_k=cfg.sparse_top_k,
        )
    return json.dumps(ns, sort_keys=True)


class CachedEncoder:
    """Wraps any :class:`Encoder`; only texts not seen before reach the model."""

    def __init__(self, inner: Encoder, cache: EmbeddingCache, namespace: str | None = None):
        self.inner = inner
        self.cache = cache
        self.namespace = namespace or cache_namespace(inner.info)
        self.hits = 0
        self.misses = 0

    @property
    def info(self) -> EncoderInfo:
        return self.inner.info

    def encode_documents(self, texts: Sequence[str]) -> Encoded:
        return self._encode(texts, "doc")

    def encode_queries(self, texts: Sequence[str]) -> Encoded:
        return self._encode(texts, "query")

    def close(self) -> None:
        self.cache.close()

    def _key(self, side: str, text: str) -> str:
        h = hashlib.sha256()
        for part in (self.namespace, side, text):
            h.update(part.encode("utf-8", "surrogatepass"))
            h.update(b"\x00")
        return h.hexdigest()

    def _encode(self, texts: Sequence[str], side: str) -> Encoded:
        items = list(texts)
        dim = self.info.dimension
        if not items:
            empty = np.zeros((0, dim), dtype=np.float32)
            return Encoded(dense=empty, sparse=[] if self.info.sparse else None)
        for i, t in enumerate(items):
            if not isinstance(t, str):
                raise EncoderError(f"text #{i} is {type(t).__name__}, expected str")
        keys = [self._key(side, t) for t in items]
        found = self.cache.get_many(keys)
        # Unique misses, in first-seen order: identical texts are encoded once.
        todo: dict[str, str] = {}
        for k, t in zip(keys, items, strict=True):
            if k not in found and k not in todo:
                todo[k] = t
        self.hits += len(items) - sum(1 for k in keys if k in todo)
        self.misses += len(todo)
        if todo:
            fn = self.inner.encode_documents if side == "doc" else self.inner.encode_queries
            out = fn(list(todo.values()))
            fresh: dict[str, Entry] = {}
            for j, k in enumerate(todo):
                fresh[k] = (out.dense[j].copy(), out.sparse[j] if out.sparse is not None else None)
            self.cache.put_many(fresh)
            found.update(fresh)
        dense = np.stack([found[k][0] for k in keys]).astype(np.float32, copy=False)
        if dense.shape[1] != dim:
            raise EncoderError(f"cached vector has dimension {dense.shape[1]}, expected {dim}")
        sparse: list[SparseVector] | None = None
        if self.info.sparse:
            sparse = [dict(found[k][1] or {}) for k in keys]
        return Encoded(dense=dense, sparse=sparse)
