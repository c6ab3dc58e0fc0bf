"""Config loading: typed values, unknown keys named by path, ${ENV} secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from babelsearch.config import load_config, parse_config
from babelsearch.errors import ConfigError


def test_defaults_are_valid() -> None:
    cfg = parse_config({})
    assert cfg.index.name == "babelsearch"
    assert cfg.field_names.text_fields == ("title", "body")
    assert cfg.cluster.verify_certs is True


def test_unknown_key_names_its_full_path() -> None:
    with pytest.raises(ConfigError, match=r"^ingest\.bulk\.max_byts: unknown key"):
        parse_config({"ingest": {"bulk": {"max_byts": 5}}})


def test_type_errors_name_the_path() -> None:
    with pytest.raises(ConfigError, match=r"ingest\.bulk\.max_docs: expected an integer"):
        parse_config({"ingest": {"bulk": {"max_docs": "many"}}})
    with pytest.raises(ConfigError, match=r"cluster\.verify_certs: expected true or false"):
        parse_config({"cluster": {"verify_certs": "no"}})
    with pytest.raises(ConfigError, match=r"dense\.engine: 'hnswlib' is not one of"):
        parse_config({"dense": {"engine": "hnswlib"}})


def test_env_interpolation_for_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BS_TEST_PASSWORD", "s3cr3t-value")
    cfg = parse_config({"cluster": {"username": "admin", "password": "${BS_TEST_PASSWORD}"}})
    assert cfg.cluster.password == "s3cr3t-value"
    assert "s3cr3t-value" not in repr(cfg)
    cfg2 = parse_config({"cluster": {"password": "${BS_UNSET_VAR_X:-fallback}"}})
    assert cfg2.cluster.password == "fallback"
    with pytest.raises(ConfigError, match=r"cluster\.password: environment variable"):
        parse_config({"cluster": {"password": "${BS_UNSET_VAR_Y}"}})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"index": {"name": "Bad Name"}}, "index.name"),
        ({"index": {"name": "_hidden"}}, "index.name"),
        ({"languages": []}, "at least one language"),
        ({"languages": ["english"]}, "ISO 639-1"),
        ({"languages": ["en", "en"]}, "duplicate"),
        ({"analyzers": {"de": "german"}}, "analyzers.de"),
        ({"fields": {"text": ["_id"]}}, "not allowed"),
        ({"fields": {"text": ["embedding"]}}, "not allowed"),
        ({"fields": {"tenant": "org"}}, "fields.tenant"),
        ({"index": {"shards": 0}}, "index.shards"),
        ({"search": {"k": 0}}, "search"),
    ],
)
def test_invalid_values_are_specific(data: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        parse_config(data)


def test_load_config_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("index: [unclosed", encoding="utf-8")
    with pytest.raises(ConfigError, match="invalid YAML"):
        load_config(bad)
    top = tmp_path / "list.yaml"
    top.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="top level must be a mapping"):
        load_config(top)


def test_cli_url_overrides_file(tmp_path: Path) -> None:
    f = tmp_path / "c.yaml"
    f.write_text("cluster:\n  url: http://10.0.0.1:9200\n", encoding="utf-8")
    cfg = load_config(f).with_cluster_url("http://127.0.0.1:9999")
    assert cfg.cluster.url == "http://127.0.0.1:9999"
    assert cfg.source_path == str(f)
