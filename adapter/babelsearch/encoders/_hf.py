"""Locating Hugging Face-style model directories without loading them.

Why: ``describe_encoder`` must give the mapping its dimension without importing torch,
so we read the small JSON files a saved model carries. A hub id is resolved only
against the local HF cache (``local_files_only``): describing never downloads.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import EncoderError

__all__ = ["local_model_dir", "read_json"]


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
