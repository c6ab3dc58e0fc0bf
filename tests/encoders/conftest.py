"""Fixtures for the encoder and detector suites: tiny models built once per session.

The tiny models need torch: a test that uses ``tiny_bge_dir`` or ``tiny_st_dir`` is
marked ``extras`` (tests/conftest.py refuses to collect it otherwise).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .tiny_models import build_bge_m3, build_sentence_transformer

# Nothing in these tests may reach a model hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def tiny_bge_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_bge_m3(tmp_path_factory.mktemp("tiny-bge-m3") / "model")


@pytest.fixture(scope="session")
def tiny_st_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sentence_transformer(tmp_path_factory.mktemp("tiny-st") / "model")
