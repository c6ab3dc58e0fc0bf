"""Locating Hugging Face-style model directories without loading them.

Why: ``describe_encoder`` must give the mapping its dimension without importing torch,
so we read the small JSON files a saved model carries. A hub id is resolved only
against the local HF cache (``local_files_only``): describing never downloads.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import EncoderError

if TYPE_CHECKING:  # pragma: no cover
    from ..config import EncoderConfig
    from ..types import EncoderInfo

__all__ = ["LazyModel", "local_model_dir", "read_json"]


def local_model_dir(model: str) -> Path | None:
    """The directory holding ``model``: itself if it is a path, else its HF-cache snapshot."""
    p = Path(model).expanduser()
    if p.is_dir():
        return p
    if p.is_absolute() or model.startswith((".", "~")):
        raise EncoderError(f"model directory not found: {model}")
    try:
        from huggingface_hub import snapshot_download
    except ImportError:
        return None
    try:
        return Path(snapshot_download(repo_id=model, local_files_only=True))
    except Exception:  # not cached (or not a valid repo id): the caller decides
        return None


def read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise EncoderError(f"cannot read {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise EncoderError(f"{path}: expected a JSON object")
    return data


class LazyModel:
    """A model-backed encoder that loads its model on first use, once, thread-safely.

    Why: describing an encoder (dimension, similarity) must stay free, and a service
    that never encodes documents should not pay for the model; subclasses say only how
    to build the model (:meth:`_build`, which may import torch).
    """

    def __init__(self, cfg: EncoderConfig, info: EncoderInfo) -> None:
        self._cfg = cfg
        self._info = info
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def info(self) -> EncoderInfo:
        return self._info

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                self._model = self._build()
            return self._model

    def _build(self) -> Any:  # pragma: no cover - every subclass defines it
        raise NotImplementedError
