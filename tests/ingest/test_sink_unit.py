"""Retry classification and backoff (pure parts of the sink)."""

from __future__ import annotations

import random

import pytest
from opensearchpy import exceptions as ox

from babelsearch.ingest.sink import backoff_delay, classify_item, classify_request_error


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
        (ox.RequestError(400, "parse_exception"), "fatal"),
        (ox.NotFoundError(404, "index_not_found_exception"), "fatal"),
        (ValueError("boom"), "fatal"),
    ],
)
def test_request_error_classification(exc: BaseException, kind: str) -> None:
    assert classify_request_error(exc) == kind


def test_backoff_is_capped_exponential_with_jitter() -> None:
    rng = random.Random(1)
    for attempt in range(12):
        cap = min(5.0, 0.5 * 2**attempt)
        samples = [backoff_delay(attempt, 0.5, 5.0, rng) for _ in range(50)]
        assert all(0 <= s <= cap for s in samples)
        assert len(set(samples)) > 1  # jittered, not a fixed schedule
    assert max(backoff_delay(30, 0.5, 5.0, rng) for _ in range(100)) <= 5.0
