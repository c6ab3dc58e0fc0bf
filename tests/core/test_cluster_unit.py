"""Client construction and error translation, without a cluster."""

from __future__ import annotations

import pytest
from opensearchpy import exceptions as ox

from babelsearch.cluster import _client_kwargs, redact_url, translate_error
from babelsearch.config import ClusterConfig
from babelsearch.errors import ClusterAuthError, ClusterError, ClusterUnavailable


def test_redact_url_drops_credentials() -> None:
    assert redact_url("https://admin:hunter2@db.example:9200/x") == "https://db.example:9200/x"
    assert redact_url("http://127.0.0.1:9200") == "http://127.0.0.1:9200"


def test_tls_verification_is_on_by_default() -> None:
    kw = _client_kwargs(ClusterConfig(url="https://db.example:9200"), retries=True)
    assert kw["use_ssl"] is True
    assert kw["verify_certs"] is True


def test_credentials_from_url_or_config_go_to_http_auth_only() -> None:
    kw = _client_kwargs(ClusterConfig(url="https://u:pw@h:9201"), retries=True)
    assert kw["http_auth"] == ("u", "pw")
    assert kw["hosts"] == [{"host": "h", "port": 9201, "url_prefix": ""}]
    kw2 = _client_kwargs(ClusterConfig(url="https://h", username="a", password="b"), retries=True)
    assert kw2["http_auth"] == ("a", "b")
    assert kw2["hosts"][0]["port"] == 443


def test_ingest_client_does_not_retry() -> None:
    kw = _client_kwargs(ClusterConfig(), retries=False)
    assert kw["max_retries"] == 0
    assert kw["retry_on_timeout"] is False
    assert kw["retry_on_status"] == ()


def test_bad_url_is_a_clear_error() -> None:
    with pytest.raises(ClusterError, match="not an http"):
        _client_kwargs(ClusterConfig(url="ftp://x"), retries=True)


def test_translation_never_leaks_credentials() -> None:
    exc = ox.ConnectionError("N/A", "failed to reach http://admin:hunter2@h:9200/", None)
    err = translate_error(exc, url="http://admin:hunter2@h:9200")
    assert isinstance(err, ClusterUnavailable)
    assert "hunter2" not in str(err)
    assert isinstance(translate_error(ox.AuthenticationException(401, "x", {})), ClusterAuthError)
    assert isinstance(translate_error(ox.AuthorizationException(403, "x", {})), ClusterAuthError)
    bad = ox.RequestError(
        400, "x", {"error": {"root_cause": [{"type": "parse_exception", "reason": "nope"}]}}
    )
    assert "parse_exception: nope" in str(translate_error(bad))
