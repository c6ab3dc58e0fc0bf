"""Retry classification and backoff (pure parts of the sink)."""

from __future__ import annotations

import pytest
from opensearchpy import exceptions as ox

from babelsearch.config import BulkConfig
from babelsearch.ingest.sink import (
    Retryable,
    classify_item,
    classify_request_error,
    retry_policy,
)


@pytest.mark.parametrize(
    ("item", "kind"),
    [
        ({"index": {"status": 201}}, "ok"),
        ({"index": {"status": 200}}, "ok"),
        ({"index": {"status": 429, "error": {"type": "es_rejected_execution_exception"}}}, "retry"),
        ({"index": {"status": 503, "error": {"type": "unavailable_shards_exception"}}}, "retry"),
        ({"index": {"status": 502}}, "retry"),
        ({"index": {"status": 504}}, "retry"),
        ({"index": {"status": 500, "error": {"type": "circuit_breaking_exception"}}}, "retry"),
        (
            {
                "index": {
                    "status": 400,
                    "error": {
                        "type": "mapper_parsing_exception",
                        "reason": "failed to parse field [n]",
                    },
                }
            },
            "fail",
        ),
        ({"index": {"status": 400, "error": {"type": "strict_dynamic_mapping_exception"}}}, "fail"),
        ({"index": {"status": 400, "error": {"type": "illegal_argument_exception"}}}, "fail"),
        ({"index": {"status": 400, "error": {"type": "document_parsing_exception"}}}, "fail"),
        ({"index": {"status": 404, "error": {"type": "index_not_found_exception"}}}, "fatal"),
        ({"index": {"status": 403, "error": {"type": "security_exception"}}}, "fatal"),
    ],
)
def test_item_classification(item: dict, kind: str) -> None:
    got, reason = classify_item(item)
    assert got == kind
    if kind == "fail":
        assert reason is not None and reason.startswith(item["index"]["error"]["type"])


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (ox.ConnectionError("N/A", "refused", Exception()), "retry"),
        (ox.ConnectionTimeout("TIMEOUT", "timed out", Exception()), "retry"),
        (ox.TransportError(429, "too_many_requests"), "retry"),
        (ox.TransportError(502, "bad gateway"), "retry"),
        (ox.TransportError(503, "unavailable"), "retry"),
        (ox.TransportError(504, "gateway timeout"), "retry"),
        (ox.TransportError(413, "too large"), "split"),
        (ox.AuthenticationException(401, "unauthorized"), "auth"),
        (ox.AuthorizationException(403, "forbidden"), "auth"),
        (ox.RequestError(400, "action_request_validation_exception"), "split"),
        (ox.SSLError("N/A", "certificate verify failed", Exception()), "fatal"),
        (ox.NotFoundError(404, "index_not_found_exception"), "fatal"),
        (ValueError("boom"), "fatal"),
    ],
)
def test_request_error_classification(exc: BaseException, kind: str) -> None:
    assert classify_request_error(exc) == kind


def test_retry_policy_is_capped_exponential_full_jitter_and_bounded(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The tenacity policy: waits in [0, min(cap, initial*2**(n-1))], jittered, and it stops."""
    cfg = BulkConfig(max_retries=12, initial_backoff=0.5, max_backoff=5.0)
    waits: list[float] = []
    calls = 0

    def flaky() -> None:
        nonlocal calls
        calls += 1
        raise Retryable("cluster unavailable", "connection refused")

    caplog.set_level("WARNING", logger="babelsearch.ingest")
    with pytest.raises(Retryable):
        for attempt in retry_policy(cfg, sleep=waits.append):
            with attempt:
                flaky()
    assert calls == 13  # one try + max_retries retries, then the last error is re-raised
    assert len(waits) == 12
    for n, w in enumerate(waits, start=1):
        assert 0 <= w <= min(5.0, 0.5 * 2 ** (n - 1))
    assert len(set(waits)) > 1  # jittered, not a fixed schedule
    # every wait is announced in words a waiting user understands
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0].startswith("cluster unavailable (connection refused), retry 1/12 in ")
    assert lines[-1].startswith("cluster unavailable (connection refused), retry 12/12 in ")


def test_retry_policy_does_not_retry_other_errors() -> None:
    calls = 0
    with pytest.raises(ValueError):
        for attempt in retry_policy(BulkConfig(max_retries=5), sleep=lambda _s: None):
            with attempt:
                calls += 1
                raise ValueError("not retryable")
    assert calls == 1


def test_delete_of_a_missing_chunk_is_ok() -> None:
    assert classify_item({"delete": {"status": 404, "result": "not_found"}}) == ("ok", None)
    kind, _ = classify_item(
        {"delete": {"status": 404, "error": {"type": "index_not_found_exception"}}}
    )
    assert kind == "fatal"
