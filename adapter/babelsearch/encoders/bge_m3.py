"""BGE-M3 through FlagEmbedding: one pass gives a dense vector and sparse lexical weights.

Why FlagEmbedding rather than re-implementing the heads: the sparse head
(``relu(sparse_linear(hidden))``, max-pooled per token id, special tokens dropped) and
the CLS pooling are the model's definition; its loader reads ``colbert_linear.pt`` and
``sparse_linear.pt`` next to the XLM-R weights. We only pin the version range, pass
every runtime option explicitly (defaults changed between releases), and convert the
output to plain numpy / ``dict[str, float]`` at our boundary.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from ..config import EncoderConfig
from ..errors import EncoderError
from ..types import EncoderInfo, SparseVector
from ._hf import LazyModel, local_model_dir, read_json
from ._util import as_float32_matrix, encode_sorted, l2_normalize
from .base import Encoded

__all__ = ["DEFAULT_MODEL", "BgeM3Encoder", "describe", "prune_sparse"]

DEFAULT_MODEL = "BAAI/bge-m3"
_KNOWN_DIMS = {DEFAULT_MODEL: 1024}
INSTALL_HINT = "pip install 'babelsearch[bge]'"


def describe(cfg: EncoderConfig) -> EncoderInfo:
    """Dimension from the model's ``config.json`` (hidden size), read without loading weights."""
    model = cfg.model or DEFAULT_MODEL
    path = local_model_dir(model)
    if path is not None and (path / "config.json").is_file():
        dim = int(read_json(path / "config.json").get("hidden_size", 0))
        if dim <= 0:
            raise EncoderError(f"{path / 'config.json'}: no hidden_size")
    elif model in _KNOWN_DIMS:
        dim = _KNOWN_DIMS[model]
    else:
        raise EncoderError(
            f"bge-m3: model {model!r} is neither a local directory nor in the Hugging Face "
            "cache; download it and set encoder.model to its directory"
        )
    return EncoderInfo(
        kind="bge-m3",
        model_id=model,
        dimension=dim,
        similarity="cosine",
        normalized=True,
        languages=frozenset(cfg.languages) if cfg.languages is not None else None,
        sparse=cfg.sparse,
    )


def _token_key(token: str) -> str | None:
    """A token string usable as a ``rank_features`` key, or None for pure punctuation/space.

    Dots are replaced because OpenSearch reads them as object paths in feature names.
    """
    t = token.strip()
    if not t or not any(ch.isalnum() for ch in t):
        return None
    return t.replace(".", "_")


def prune_sparse(weights: Mapping[str, float], threshold: float, top_k: int) -> SparseVector:
    """Keep finite weights above ``max(threshold, 0)``, at most ``top_k`` of them (largest)."""
    floor = max(float(threshold), 0.0)
    kept = [(k, float(w)) for k, w in weights.items() if float(w) > floor and float(w) < 1e30]
    kept.sort(key=lambda kv: (-kv[1], kv[0]))
    if top_k > 0:
        kept = kept[:top_k]
    return dict(kept)


def _devices(device: str | None) -> str | list[str]:
    if device:
        parts = [d.strip() for d in device.split(",") if d.strip()]
        return parts[0] if len(parts) == 1 else parts
    import torch

    return "cuda:0" if torch.cuda.is_available() else "cpu"


class BgeM3Encoder(LazyModel):
    """Dense + sparse BGE-M3; loads lazily on first encode."""

    def __init__(self, cfg: EncoderConfig) -> None:
        super().__init__(cfg, describe(cfg))
        self._special_ids: frozenset[int] = frozenset()

    def _build(self) -> Any:
        try:
            from FlagEmbedding import BGEM3FlagModel
        except ImportError as exc:
            raise EncoderError(
                f"the bge-m3 encoder needs FlagEmbedding and torch: {INSTALL_HINT}"
            ) from exc
        cfg = self._cfg
        model_path = cfg.model or DEFAULT_MODEL
        local = local_model_dir(model_path)
        if local is None and os.environ.get("HF_HUB_OFFLINE") == "1":
            raise EncoderError(f"bge-m3: {model_path!r} is not available offline")
        try:
            model = BGEM3FlagModel(
                str(local) if local is not None else model_path,
                normalize_embeddings=True,
                use_fp16=cfg.fp16,
                devices=_devices(cfg.device),
                batch_size=cfg.batch_size,
                query_max_length=cfg.max_length,
                passage_max_length=cfg.max_length,
                return_dense=True,
                return_sparse=cfg.sparse,
                return_colbert_vecs=False,
            )
        except Exception as exc:
            raise EncoderError(f"bge-m3: cannot load {model_path!r}: {exc}") from exc
        hidden = int(model.model.model.config.hidden_size)
        if hidden != self._info.dimension:
            raise EncoderError(
                f"bge-m3: model has dimension {hidden}, described as {self._info.dimension}"
            )
        self._special_ids = frozenset(int(i) for i in model.tokenizer.all_special_ids)
        return model

    def _to_tokens(self, model: Any, lexical: Mapping[Any, Any]) -> SparseVector:
        out: dict[str, float] = {}
        for raw_id, raw_w in lexical.items():
            tid = int(raw_id)
            if tid in self._special_ids:
                continue
            key = _token_key(model.tokenizer.decode([tid]))
            if key is None:
                continue
            w = float(raw_w)
            if w > out.get(key, 0.0):  # several ids can decode to one string: keep the max
                out[key] = w
        return prune_sparse(out, self._cfg.sparse_threshold, self._cfg.sparse_top_k)

    def _run(self, texts: list[str], query: bool) -> Encoded:
        model = self._load()
        cfg = self._cfg
        fn = model.encode_queries if query else model.encode_corpus
        try:
            out = fn(
                texts,
                batch_size=cfg.batch_size,
                max_length=cfg.max_length,
                return_dense=True,
                return_sparse=cfg.sparse,
                return_colbert_vecs=False,
            )
        except Exception as exc:
            raise EncoderError(f"bge-m3: encoding failed: {exc}") from exc
        dense = l2_normalize(as_float32_matrix(out["dense_vecs"], len(texts), self.info.dimension))
        sparse: list[SparseVector] | None = None
        if cfg.sparse:
            lexical = out["lexical_weights"]
            if isinstance(lexical, dict):  # FlagEmbedding unwraps single-item batches
                lexical = [lexical]
            sparse = [self._to_tokens(model, lw) for lw in lexical]
        return Encoded(dense=dense, sparse=sparse)

    def encode_documents(self, texts: Sequence[str]) -> Encoded:
        return self._finish(
            encode_sorted(texts, self._cfg.batch_size, lambda b: self._run(b, False), self._dim)
        )

    def encode_queries(self, texts: Sequence[str]) -> Encoded:
        return self._finish(
            encode_sorted(texts, self._cfg.batch_size, lambda b: self._run(b, True), self._dim)
        )

    @property
    def _dim(self) -> int:
        return self._info.dimension

    def _finish(self, enc: Encoded) -> Encoded:
        if self._cfg.sparse and enc.sparse is None:  # empty input
            return Encoded(dense=enc.dense, sparse=[])
        return enc
