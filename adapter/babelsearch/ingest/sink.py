"""The bulk sink: send NDJSON requests, retry at exactly one layer, classify item errors.

Why here and nowhere else: the ingest client is built with ``retries=False`` (no
transport retries), so a 429/502/503/504, a dropped connection or a timeout is retried
only by this sink -- through one tenacity policy (:func:`retry_policy`: capped
exponential backoff with full jitter, a bounded number of attempts), resending only
the items that failed, and announcing every wait on the ``babelsearch.ingest`` logger
(the CLI shows it: "cluster unavailable (...), retry 3/8 in 4.2 s"). A 413, and a 400
that refuses the whole request for what one action holds (an ``_id`` too long, say),
halve the request recursively, so only the guilty action fails and every neighbour is
written. Item errors that a retry cannot fix (mapping and parse errors) are returned as
failures with ``type: reason`` for the dead-letter file. 401/403 are fatal.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from ..config import BulkConfig
from ..errors import ClusterAuthError, ClusterUnavailable, IngestError
from .actions import Action

__all__ = [
    "RETRY_ITEM_STATUS",
    "BulkSink",
    "ItemOutcome",
    "classify_item",
    "classify_request_error",
    "retry_policy",
]

log = logging.getLogger("babelsearch.ingest")
_T = TypeVar("_T")

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
_FILTER = "errors,items.*.status,items.*.result,items.*.error.type,items.*.error.reason"


@dataclass(frozen=True)
class ItemOutcome:
    action: Action
    ok: bool
    reason: str | None = None


class Retryable(Exception):
    """Something a later attempt may fix; what :func:`retry_policy` retries on."""

    def __init__(self, what: str, reason: str) -> None:
        super().__init__(f"{what}: {reason}")
        self.what = what
        self.reason = reason


def _announce(max_retries: int) -> Callable[[RetryCallState], None]:
    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        what = exc.what if isinstance(exc, Retryable) else "bulk request failed"
        why = exc.reason if isinstance(exc, Retryable) else str(exc)
        why = why if len(why) <= 160 else why[:157] + "..."
        wait = state.next_action.sleep if state.next_action else 0.0
        n = state.attempt_number
        log.warning("%s (%s), retry %d/%d in %.1f s", what, why, n, max_retries, wait)

    return before_sleep


def retry_policy(cfg: BulkConfig, *, sleep: Callable[[float], None] = time.sleep) -> Retrying:
    """The one retry policy of bulk writes, as a tenacity ``Retrying``.

    Full jitter: the wait before retry *n* (1-based) is uniform in
    ``[0, min(max_backoff, initial_backoff * 2**(n-1)))``; at most ``max_retries``
    retries; only :class:`Retryable` is retried, and the last one is re-raised.
    """
    return Retrying(
        stop=stop_after_attempt(cfg.max_retries + 1),
        wait=wait_random_exponential(multiplier=cfg.initial_backoff, max=cfg.max_backoff),
        retry=retry_if_exception_type(Retryable),
        before_sleep=_announce(cfg.max_retries),
        reraise=True,
        sleep=sleep,
    )


def classify_item(item: Mapping[str, Any]) -> tuple[str, str | None]:
    """One bulk response item → ``("ok" | "retry" | "fail" | "fatal", reason)``."""
    op, body = next(iter(item.items())) if item else ("index", {})
    status = int(body.get("status", 0))
    err = body.get("error") or {}
    if 200 <= status < 300 or (op == "delete" and status == 404 and not err):
        return "ok", None  # deleting what is already gone is what we wanted
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
    """A whole-request exception → ``"retry" | "split" | "auth" | "fatal"``.

    ``split``: a 413, or a 400 (the cluster refused the request for what one of its
    actions holds, e.g. ``action_request_validation_exception`` for an over-long
    ``_id``) -- halving isolates the guilty action.
    """
    from opensearchpy import exceptions as ox

    if isinstance(exc, ox.SSLError):
        return "fatal"  # a certificate does not fix itself: say so at once
    if isinstance(exc, ox.ConnectionTimeout | ox.ConnectionError):
        return "retry"
    if isinstance(exc, ox.TransportError):
        status = exc.status_code
        if status in (400, 413):
            return "split"
        if status in (401, 403):
            return "auth"
        if isinstance(status, int) and status in RETRY_ITEM_STATUS:
            return "retry"
        return "fatal"
    return "fatal"


def _request_reason(exc: BaseException) -> str:
    status = getattr(exc, "status_code", "")
    if status == 413:
        return "request_too_large: refused (413)"
    info = getattr(exc, "info", None)
    err = info.get("error") if isinstance(info, Mapping) else None
    if isinstance(err, Mapping):
        etype, reason = err.get("type", status), err.get("reason", "")
        return f"{etype}: {reason}"[:1000]
    return f"request_refused: {status} {getattr(exc, 'error', exc)}"[:1000]


class BulkSink:
    """Sends batches of actions to one alias (or index); thread-safe (many senders).

    ``block_hint`` turns a write block (``cluster_block_exception``) into advice, e.g.
    which migration holds it; it is called with the alias and returns a sentence or None.
    """

    def __init__(
        self,
        client: Any,
        alias: str,
        cfg: BulkConfig,
        *,
        require_alias: bool = True,
        block_hint: Callable[[str], str | None] | None = None,
    ) -> None:
        self.client = client
        self.alias = alias
        self.cfg = cfg
        self.require_alias = require_alias
        self.block_hint = block_hint
        self._lock = threading.Lock()
        self.retried = 0
        """Resends: each bulk item retried counts once per retry, and so does each retry
        of the ingest's other requests (:meth:`call`: lookups, refreshes)."""
        self.requests = 0

    def _post(self, actions: Sequence[Action]) -> Mapping[str, Any]:
        body = b"".join(a.data for a in actions)
        with self._lock:
            self.requests += 1
        resp = self.client.bulk(
            body=body, index=self.alias, require_alias=self.require_alias, filter_path=_FILTER
        )
        return resp if isinstance(resp, Mapping) else {}

    def send(self, actions: Sequence[Action]) -> list[ItemOutcome]:
        """Write ``actions``; every action gets exactly one outcome, in no particular order."""
        outcomes: list[ItemOutcome] = []
        pending = list(actions)
        try:
            for attempt in retry_policy(self.cfg):
                with attempt:
                    if attempt.retry_state.attempt_number > 1:
                        self._count_retry(len(pending))
                    pending = self._attempt(pending, outcomes)
        except Retryable as exc:
            if exc.what.startswith("cluster busy"):  # per-item retries ran out
                outcomes.extend(
                    ItemOutcome(a, False, f"retries_exhausted: {exc.reason}") for a in pending
                )
                return outcomes
            raise ClusterUnavailable(
                f"bulk request failed after {self.cfg.max_retries} retries: {exc.reason}"
            ) from None
        return outcomes

    def call(self, fn: Callable[[], _T], what: str) -> _T:
        """Run one other ingest request (a lookup) under the same retry policy as writes."""
        for attempt in retry_policy(self.cfg):
            with attempt:
                if attempt.retry_state.attempt_number > 1:
                    self._count_retry(1)
                try:
                    return fn()
                except Retryable:
                    raise
                except Exception as exc:
                    from ..cluster import translate_error

                    kind = classify_request_error(exc)
                    if kind == "retry":
                        raise Retryable("cluster unavailable", f"{what}: {exc}") from None
                    raise translate_error(exc) from None
        raise AssertionError("unreachable")  # pragma: no cover - reraise=True

    def _attempt(self, pending: list[Action], outcomes: list[ItemOutcome]) -> list[Action]:
        """One request; returns nothing, or raises :class:`Retryable` with ``pending`` cut."""
        try:
            resp = self._post(pending)
        except Exception as exc:
            kind = classify_request_error(exc)
            if kind == "split":
                if len(pending) == 1:
                    outcomes.append(ItemOutcome(pending[0], False, _request_reason(exc)))
                else:
                    half = len(pending) // 2
                    outcomes.extend(self.send(pending[:half]))
                    outcomes.extend(self.send(pending[half:]))
                return []
            if kind == "auth":
                raise ClusterAuthError(
                    f"the cluster refused the bulk write to {self.alias!r} "
                    f"({getattr(exc, 'status_code', '')}); check credentials and permissions"
                ) from None
            from ..cluster import translate_error

            err = translate_error(exc)
            if kind == "retry":
                raise Retryable("cluster unavailable", str(err)) from None
            raise err from None
        items = resp.get("items") or []
        if len(items) != len(pending):
            raise IngestError(f"bulk response has {len(items)} items for {len(pending)} actions")
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
                raise self._fatal(item, reason or "")
            else:
                outcomes.append(ItemOutcome(action, False, reason))
        if retry:
            pending[:] = retry
            raise Retryable(f"cluster busy ({len(retry)} items refused)", last_reason)
        return []

    def _fatal(self, item: Mapping[str, Any], reason: str) -> Exception:
        msg = f"the cluster refused writes to {self.alias!r}: {reason}"
        if reason.startswith("cluster_block_exception"):  # 403, but not about credentials
            hint = self.block_hint(self.alias) if self.block_hint is not None else None
            return IngestError(f"{msg}; {hint}" if hint else msg)
        if _is_auth(item):  # a role without write permission: never retried
            return ClusterAuthError(msg)
        return IngestError(msg)

    def _count_retry(self, n: int) -> None:
        with self._lock:
            self.retried += n
