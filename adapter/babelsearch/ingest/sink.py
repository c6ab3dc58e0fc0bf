"""The bulk sink: send NDJSON requests, retry at exactly one layer, classify item errors.

Why here and nowhere else: the ingest client is built with ``retries=False`` (no
transport retries), so a 429/502/503/504, a dropped connection or a timeout is retried
only by this loop -- with capped exponential backoff and full jitter, resending only
the items that failed. A 413 halves the request recursively. Item errors that a retry
cannot fix (mapping and parse errors) are returned as failures with ``type: reason``
for the dead-letter file. 401/403 are fatal.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..config import BulkConfig
from ..errors import ClusterAuthError, ClusterUnavailable, IngestError
from .actions import Action

__all__ = [
    "RETRY_ITEM_STATUS",
    "BulkSink",
    "ItemOutcome",
    "backoff_delay",
    "classify_item",
    "classify_request_error",
]

log = logging.getLogger("babelsearch.ingest")

RETRY_ITEM_STATUS = frozenset({429, 502, 503, 504})
_RETRY_ITEM_TYPES = frozenset(
    {
        "es_rejected_execution_exception",
        "opensearch_rejected_execution_exception",
        "circuit_breaking_exception",
        "process_cluster_event_timeout_exception",
        "unavailable_shards_exception",
        "node_not_connected_exception",
    }
)
_FATAL_ITEM_TYPES = frozenset(
    {"index_not_found_exception", "cluster_block_exception", "security_exception"}
)
_FILTER = "errors,items.*.status,items.*.error.type,items.*.error.reason"


@dataclass(frozen=True)
class ItemOutcome:
    action: Action
    ok: bool
    reason: str | None = None


def backoff_delay(attempt: int, initial: float, cap: float, rng: random.Random) -> float:
    """Full jitter: uniform in ``[0, min(cap, initial * 2**attempt)]``."""
    return rng.uniform(0, min(cap, initial * (2**attempt)))


def classify_item(item: Mapping[str, Any]) -> tuple[str, str | None]:
    """One bulk response item → ``("ok" | "retry" | "fail" | "fatal", reason)``."""
    body = next(iter(item.values())) if item else {}
    status = int(body.get("status", 0))
    if 200 <= status < 300:
        return "ok", None
    err = body.get("error") or {}
    etype = str(err.get("type", "")) if isinstance(err, dict) else ""
    ereason = str(err.get("reason", "")) if isinstance(err, dict) else str(err)
    reason = f"{etype or status}: {ereason}"[:1000]
    if status in (401, 403) or etype in _FATAL_ITEM_TYPES:
        return "fatal", reason
    if status in RETRY_ITEM_STATUS or etype in _RETRY_ITEM_TYPES:
        return "retry", reason
    return "fail", reason


def _is_auth(item: Mapping[str, Any]) -> bool:
    body = next(iter(item.values())) if item else {}
    err = body.get("error") if isinstance(body, Mapping) else None
    etype = err.get("type") if isinstance(err, Mapping) else None
    return int(body.get("status", 0)) in (401, 403) or etype == "security_exception"


def classify_request_error(exc: BaseException) -> str:
    """A whole-request exception → ``"retry" | "split" | "auth" | "fatal"``."""
    from opensearchpy import exceptions as ox

    if isinstance(exc, ox.ConnectionTimeout | ox.ConnectionError):
        return "retry"
    if isinstance(exc, ox.TransportError):
        status = exc.status_code
        if status == 413:
            return "split"
        if status in (401, 403):
            return "auth"
        if isinstance(status, int) and status in RETRY_ITEM_STATUS:
            return "retry"
        return "fatal"
    return "fatal"


class BulkSink:
    """Sends batches of actions to one alias; thread-safe (one instance, many senders)."""

    def __init__(
        self,
        client: Any,
        alias: str,
        cfg: BulkConfig,
        *,
        sleep: Callable[[float], None] = time.sleep,
        seed: int | None = None,
    ) -> None:
        self.client = client
        self.alias = alias
        self.cfg = cfg
        self._sleep = sleep
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.retried = 0
        """Item resends (an item retried three times counts three)."""
        self.requests = 0

    def _post(self, actions: Sequence[Action]) -> Mapping[str, Any]:
        body = b"".join(a.data for a in actions)
        with self._lock:
            self.requests += 1
        resp = self.client.bulk(
            body=body, index=self.alias, require_alias=True, filter_path=_FILTER
        )
        return resp if isinstance(resp, Mapping) else {}

    def _delay(self, attempt: int) -> float:
        with self._lock:
            return backoff_delay(attempt, self.cfg.initial_backoff, self.cfg.max_backoff, self._rng)

    def send(self, actions: Sequence[Action]) -> list[ItemOutcome]:
        """Index ``actions``; every action gets exactly one outcome, in no particular order."""
        outcomes: list[ItemOutcome] = []
        pending = list(actions)
        attempt = 0
        while pending:
            try:
                resp = self._post(pending)
            except Exception as exc:
                kind = classify_request_error(exc)
                if kind == "split":
                    if len(pending) == 1:
                        outcomes.append(
                            ItemOutcome(
                                pending[0],
                                False,
                                f"request_too_large: {pending[0].size} bytes refused (413)",
                            )
                        )
                        return outcomes
                    half = len(pending) // 2
                    outcomes.extend(self.send(pending[:half]))
                    outcomes.extend(self.send(pending[half:]))
                    return outcomes
                if kind == "auth":
                    raise ClusterAuthError(
                        f"the cluster refused the bulk write to {self.alias!r} "
                        f"({getattr(exc, 'status_code', '')}); check credentials and permissions"
                    ) from None
                if kind == "retry" and attempt < self.cfg.max_retries:
                    self._count_retry(len(pending))
                    self._sleep(self._delay(attempt))
                    attempt += 1
                    continue
                from ..cluster import translate_error

                err = translate_error(exc)
                if kind == "retry":
                    raise ClusterUnavailable(
                        f"bulk request failed after {attempt} retries: {err}"
                    ) from None
                raise err from None
            items = resp.get("items") or []
            if len(items) != len(pending):
                raise IngestError(
                    f"bulk response has {len(items)} items for {len(pending)} actions"
                )
            retry: list[Action] = []
            last_reason = ""
            for action, item in zip(pending, items, strict=True):
                kind, reason = classify_item(item)
                if kind == "ok":
                    outcomes.append(ItemOutcome(action, True))
                elif kind == "retry":
                    retry.append(action)
                    last_reason = reason or ""
                elif kind == "fatal":
                    msg = f"the cluster refused writes to {self.alias!r}: {reason}"
                    if _is_auth(item):  # a role without write permission: never retried
                        raise ClusterAuthError(msg)
                    raise IngestError(msg)
                else:
                    outcomes.append(ItemOutcome(action, False, reason))
            if retry and attempt >= self.cfg.max_retries:
                for action in retry:
                    outcomes.append(ItemOutcome(action, False, f"retries_exhausted: {last_reason}"))
                retry = []
            if retry:
                self._count_retry(len(retry))
                self._sleep(self._delay(attempt))
                attempt += 1
            pending = retry
        return outcomes

    def _count_retry(self, n: int) -> None:
        with self._lock:
            self.retried += n
        log.debug("retrying %d bulk items", n)
