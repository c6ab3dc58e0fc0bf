"""The language-detector protocol."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from ..types import Detection

__all__ = ["Detector"]


@runtime_checkable
class Detector(Protocol):
    """Guesses the ISO 639-1 language of a text, with a confidence in [0, 1]."""

    name: str

    def detect(self, text: str) -> Detection: ...

    def detect_many(self, texts: Sequence[str]) -> list[Detection]: ...
