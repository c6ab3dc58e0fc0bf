"""Fixtures for the encoder and detector suites: tiny models built once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from babelsearch.config import EncoderConfig

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


@pytest.fixture(scope="session")
def encoder_configs(tiny_bge_dir: Path, tiny_st_dir: Path) -> dict[str, EncoderConfig]:
    # Small batch sizes so that several batches (and their re-ordering) are exercised.
    return {
        "use": EncoderConfig(kind="use", batch_size=3),
        "bge-m3": EncoderConfig(
            kind="bge-m3", model=str(tiny_bge_dir), batch_size=3, max_length=64, device="cpu"
        ),
        "sentence-transformers": EncoderConfig(
            kind="sentence-transformers",
            model=str(tiny_st_dir),
            batch_size=3,
            max_length=64,
            query_prompt="query: ",
            document_prompt="passage: ",
        ),
    }
