"""Client construction and error translation, without a cluster."""

from __future__ import annotations

import pytest
from opensearchpy import exceptions as ox

from babelsearch.cluster import _client_kwargs, client_url, connect, redact_url, translate_error
from babelsearch.config import ClusterConfig
from babelsearch.errors import ClusterAuthError, ClusterUnavailable, ConfigError


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
    with pytest.raises(ConfigError, match="http:// or https://"):  # before any client exists
        _client_kwargs(ClusterConfig(url="ftp://x"), retries=True)


def test_redact_url_survives_malformed_urls() -> None:
    assert redact_url("http://admin:hunter2@host:notaport") == "http://host:notaport"
    assert redact_url("http://admin:hunter2@[::1") == "http://[::1"
    assert "hunter2" not in redact_url("admin:hunter2@host:9200")


def test_client_url_says_https_for_a_tls_client() -> None:
    c = connect(ClusterConfig(url="https://admin:hunter2@db.example:9201/prefix"))
    assert client_url(c) == "https://db.example:9201/prefix"
    assert client_url(connect(ClusterConfig(url="http://h:9200"))) == "http://h:9200"


@pytest.mark.parametrize(
    ("root", "hint"),
    [
        ("[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)", "use http://"),
        ("[SSL: RECORD_LAYER_FAILURE] record layer failure (_ssl.c:1000)", "use http://"),
        (
            "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate "
            "in certificate chain (_ssl.c:1006)",
            "set cluster.ca_certs",
        ),
        (
            "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local "
            "issuer certificate (_ssl.c:1006)",
            "set cluster.ca_certs",
        ),
        (
            "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, "
            "certificate is not valid for 'db'. (_ssl.c:1006)",
            "host name in the URL",
        ),
        ("[SSL: TLSV1_ALERT_UNKNOWN_CA] tlsv1 alert unknown ca (_ssl.c:2580)", "client_cert"),
        ("something new", "cluster.ca_certs"),
    ],
)
def test_tls_errors_name_the_https_url_and_what_to_set(root: str, hint: str) -> None:
    exc = ox.SSLError("N/A", root, Exception(root))
    msg = str(translate_error(exc, url="https://admin:hunter2@db.example:9200"))
    assert msg.startswith("TLS handshake with the cluster at https://db.example:9200 failed")
    assert hint in msg and "hunter2" not in msg
    assert "verify_certs" in msg or "client_key" in msg


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
