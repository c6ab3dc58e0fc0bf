"""The eval's config: a language OpenSearch has no analyzer for gets the fallback."""

from __future__ import annotations

import re

import pytest

from babelsearch.config import parse_config
from babelsearch.encoders import describe_encoder
from babelsearch.errors import LanguageError
from babelsearch.eval.runner import eval_config
from babelsearch.schema import build_index_body


def test_a_language_without_an_analyzer_gets_the_fallback() -> None:
    """Before: `eval xquad-r --langs vi` failed unless a config mapped vi by hand."""
    cfg = eval_config(["en", "vi"])
    assert cfg.analyzers == {"vi": "standard"}
    body = build_index_body(cfg, describe_encoder(cfg.encoder))
    assert body["mappings"]["properties"]["text"]["properties"]["vi"]["analyzer"] == "standard"
    # the same spec outside eval is still refused with the documented advice
    plain = parse_config({"languages": ["en", "vi"], "fields": {"text": ["text"]}})
    with pytest.raises(LanguageError, match=re.escape("analyzers: {vi: standard}")):
        build_index_body(plain, describe_encoder(plain.encoder))


def test_a_users_own_mapping_wins_over_the_fallback() -> None:
    base = parse_config({"languages": ["en", "vi"], "analyzers": {"vi": "neutral"}})
    assert eval_config(["en", "vi"], base=base).analyzers == {"vi": "neutral"}
