"""Any sentence-transformers model, from a local directory or (when cached) a hub id.

Why a generic encoder: most multilingual retrievers (e5, gte, LaBSE, MiniLM
paraphrase models) are published in this format. Asymmetric models need different
prefixes for the two sides (``query: `` / ``passage: `` for e5), so both prompts are
configurable. Cosine models are L2-normalized here, so a dot product equals cosine.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..config import EncoderConfig
from ..errors import EncoderError
from ..types import EncoderInfo, Similarity
from ._hf import LazyModel, local_model_dir, read_json
from ._util import as_float32_matrix, encode_sorted, l2_normalize
from .base import Encoded

__all__ = ["SentenceTransformerEncoder", "describe"]

INSTALL_HINT = "pip install 'babelsearch[st]'"
_SIMILARITY: dict[str, Similarity] = {"cosine": "cosine", "dot": "dot", "euclidean": "l2"}


def describe(cfg: EncoderConfig) -> EncoderInfo:
    """Dimension and similarity from the saved model's JSON files (no torch import)."""
    if not cfg.model:
        raise EncoderError("encoder.model: sentence-transformers needs a model directory or id")
    path = local_model_dir(cfg.model)
    if path is None or not (path / "modules.json").is_file():
        raise EncoderError(
            f"sentence-transformers: {cfg.model!r} is not a saved model directory "
            "(no modules.json) and is not in the Hugging Face cache"
        )
    modules = read_json_list(path / "modules.json")
    dim = 0
    has_normalize = False
    for m in modules:
        mtype = str(m.get("type", ""))
        mdir = path / str(m.get("path", ""))
        if mtype.endswith(".Pooling"):
            pc = read_json(mdir / "config.json")
            dim = int(pc.get("embedding_dimension") or pc.get("word_embedding_dimension") or 0)
        elif mtype.endswith(".Dense"):
            dim = int(read_json(mdir / "config.json").get("out_features", 0))
        elif mtype.endswith(".Normalize"):
            has_normalize = True
    if dim <= 0:
        raise EncoderError(f"{path}: cannot tell the embedding dimension from modules.json")
    sim_name = "cosine"
    st_cfg = path / "config_sentence_transformers.json"
    if st_cfg.is_file():
        sim_name = str(read_json(st_cfg).get("similarity_fn_name") or "cosine")
    if sim_name not in _SIMILARITY:
        raise EncoderError(f"{cfg.model}: similarity {sim_name!r} has no OpenSearch equivalent")
    similarity = _SIMILARITY[sim_name]
    return EncoderInfo(
        kind="sentence-transformers",
        model_id=cfg.model,
        dimension=dim,
        similarity=similarity,
        normalized=has_normalize or similarity == "cosine",
        languages=frozenset(cfg.languages) if cfg.languages is not None else None,
        sparse=False,
    )


def read_json_list(path: Any) -> list[dict[str, Any]]:
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise EncoderError(f"cannot read {path}: {exc}") from exc
    if not isinstance(data, list):
        raise EncoderError(f"{path}: expected a JSON list")
    return [d for d in data if isinstance(d, dict)]


class SentenceTransformerEncoder(LazyModel):
    """sentence-transformers model with per-side prompts; loads lazily on first encode."""

    def __init__(self, cfg: EncoderConfig) -> None:
        super().__init__(cfg, describe(cfg))

    def _build(self) -> Any:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EncoderError(
                f"the sentence-transformers encoder needs it installed: {INSTALL_HINT}"
            ) from exc
        cfg = self._cfg
        assert cfg.model is not None  # checked by describe()
        local = local_model_dir(cfg.model)
        try:
            model = SentenceTransformer(
                str(local) if local is not None else cfg.model,
                device=cfg.device or "cpu",
                local_files_only=True,
            )
        except Exception as exc:
            raise EncoderError(
                f"sentence-transformers: cannot load {cfg.model!r}: {exc}"
            ) from exc
        get_dim = getattr(model, "get_embedding_dimension", None)
        if get_dim is None:  # sentence-transformers < 5
            get_dim = model.get_sentence_embedding_dimension
        dim = get_dim()
        if dim is not None and int(dim) != self._info.dimension:
            raise EncoderError(
                f"{cfg.model}: model has dimension {dim}, described as {self._info.dimension}"
            )
        current = model.max_seq_length
        model.max_seq_length = min(cfg.max_length, current) if current else cfg.max_length
        if cfg.fp16 and str(model.device).startswith("cuda"):
            model.half()
        return model

    def _run(self, texts: list[str], prompt: str) -> Encoded:
        model = self._load()
        try:
            raw = model.encode(
                texts,
                prompt=prompt or None,
                batch_size=self._cfg.batch_size,
                show_progress_bar=False,
                convert_to_numpy=True,
                normalize_embeddings=False,
            )
        except Exception as exc:
            raise EncoderError(f"sentence-transformers: encoding failed: {exc}") from exc
        dense = as_float32_matrix(raw, len(texts), self._info.dimension)
        if self._info.normalized:
            dense = l2_normalize(dense)
        return Encoded(dense=dense, sparse=None)

    def encode_documents(self, texts: Sequence[str]) -> Encoded:
        p = self._cfg.document_prompt
        return encode_sorted(
            texts, self._cfg.batch_size, lambda b: self._run(b, p), self._info.dimension
        )

    def encode_queries(self, texts: Sequence[str]) -> Encoded:
        p = self._cfg.query_prompt
        return encode_sorted(
            texts, self._cfg.batch_size, lambda b: self._run(b, p), self._info.dimension
        )
