"""Config loading: typed values, unknown keys named by path, ${ENV} secrets."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from babelsearch.config import ClusterConfig, load_config, parse_config, redact_url
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


def test_cli_url_overrides_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BABELSEARCH_URL", raising=False)
    f = tmp_path / "c.yaml"
    f.write_text("cluster:\n  url: http://10.0.0.1:9200\n", encoding="utf-8")
    cfg = load_config(f).with_cluster_url("http://127.0.0.1:9999")
    assert cfg.cluster.url == "http://127.0.0.1:9999"
    assert cfg.source_path == str(f)


# -- the cluster URL: one precedence rule, validated wherever it comes from ---------------
def test_url_precedence_explicit_then_env_then_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = tmp_path / "c.yaml"
    f.write_text("cluster:\n  url: http://file.example:9200\n", encoding="utf-8")
    monkeypatch.delenv("BABELSEARCH_URL", raising=False)
    assert load_config(f).cluster.url == "http://file.example:9200"
    assert load_config().cluster.url == "http://127.0.0.1:9200"
    monkeypatch.setenv("BABELSEARCH_URL", "http://env.example:9200")
    assert load_config(f).cluster.url == "http://env.example:9200"
    assert load_config().cluster.url == "http://env.example:9200"
    assert load_config(f, url="http://arg.example:9200").cluster.url == "http://arg.example:9200"
    assert load_config(f).source_path == str(f)
    monkeypatch.setenv("BABELSEARCH_URL", "")  # empty counts as unset
    assert load_config(f).cluster.url == "http://file.example:9200"
    monkeypatch.setenv("BABELSEARCH_URL", "http://env.example:9200")
    assert parse_config({}).cluster.url == "http://127.0.0.1:9200"  # pure: no environment


BAD_URLS = [
    ("http://host:notaport", "port"),
    ("http://host:99999", "port"),
    ("http://host:0", "port"),
    ("ftp://host", "http:// or https://"),
    ("localhost:9200", "http:// or https://"),
    ("http://", "no host"),
    ("http://[::1", "IPv6"),
    ("http://host:9200/?x=1", "query"),
    ("http://host:9200/#top", "fragment"),
    ("http://ho st:9200", "spaces"),
    ("", "empty"),
]


@pytest.mark.parametrize(("url", "problem"), BAD_URLS, ids=[u or "empty" for u, _ in BAD_URLS])
def test_malformed_cluster_url_is_a_config_error_at_load(url: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=r"^cluster\.url: .*not a valid cluster URL") as err:
        parse_config({"cluster": {"url": url}})
    assert problem in str(err.value)
    with pytest.raises(ConfigError, match=problem.replace("/", ".").replace("?", ".")):
        ClusterConfig(url=url)  # the library gets the same check without a file
    with pytest.raises(ConfigError):
        dataclasses.replace(ClusterConfig(), url=url)


def test_malformed_url_from_env_or_argument_names_its_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BABELSEARCH_URL", "http://host:port")
    with pytest.raises(ConfigError, match=r"^BABELSEARCH_URL: 'http://host:port' is not a valid"):
        load_config()
    with pytest.raises(ConfigError, match=r"^url: 'nope' is not a valid cluster URL"):
        load_config(url="nope")


@pytest.mark.parametrize(
    "url",
    [
        "http://admin:hunter2@host:notaport",
        "https://admin:hunter2@host:99999/x",
        "http://admin:hun/ter2@host:9200",  # an unencoded '/' in the password
        "http://admin:hunter2@[::1",
        "admin:hunter2@host:9200",
        "http://admin:hunter2@ho st",
    ],
)
def test_url_errors_never_show_credentials(url: str) -> None:
    with pytest.raises(ConfigError) as err:
        ClusterConfig(url=url)
    assert "hunter2" not in str(err.value) and "ter2" not in str(err.value)
    assert "admin" not in str(err.value)
    assert "hunter2" not in redact_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9200",
        "https://search.example.org",
        "https://u:p%40ss@search.example.org:443/opensearch",
        "http://[::1]:9200",
        "http://localhost:9200/",
    ],
)
def test_valid_cluster_urls_are_accepted(url: str) -> None:
    assert ClusterConfig(url=url).url == url
