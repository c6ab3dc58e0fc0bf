"""Exact replacement: a document written again leaves none of its older chunks behind.

Chunk ids are deterministic (``X``, ``X#1``, ...), so writing ``X`` again overwrites
chunks ``0 .. n-1``; chunks ``n ..`` of a longer older version would survive and keep
answering searches with the old text. They come from two places, found two ways:

* an earlier run, another input or another tool wrote ``X`` with more chunks: one
  search per bulk request finds them by the ``doc_id``/``chunk_no`` doc values (the run
  refreshes the alias once at its start, so everything written before it is visible);
* an earlier record of this same input (a duplicate id: the last one wins): the run's
  ledger knows its chunk count, because those writes need not be searchable yet.

The deletes travel in the same bulk request as the new chunks, and the document is
finished (and checkpointed) only when they are acknowledged, so a crash in between is
repaired by ``--resume``.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..types import FieldNames, chunk_id
from .actions import Action, delete_action
from .ledger import DocState

if TYPE_CHECKING:  # pragma: no cover
    from .sink import BulkSink

__all__ = ["LOOKUP_GROUP", "find_stale", "stale_deletes", "stale_query"]

LOOKUP_GROUP = 1000
"""Documents per lookup request (a bounded ``terms`` list)."""
_PAGE = 1000


def stale_query(wanted: Mapping[str, int], names: FieldNames) -> dict[str, Any]:
    """Chunks of the documents in ``wanted`` (id → new chunk count) at or past that count.

    Documents are grouped by their new count (a batch has few distinct counts), so the
    query has a handful of clauses however many documents it covers.
    """
    by_count: dict[int, list[str]] = {}
    for doc_id, n in wanted.items():
        by_count.setdefault(n, []).append(doc_id)
    should = [
        {
            "bool": {
                "filter": [
                    {"terms": {names.id_field: ids}},
                    {"range": {names.chunk_field: {"gte": n}}},
                ]
            }
        }
        for n, ids in sorted(by_count.items())
    ]
    return {"bool": {"should": should, "minimum_should_match": 1}}


def find_stale(client: Any, alias: str, wanted: Mapping[str, int], names: FieldNames) -> list[str]:
    """The ``_id`` of every stale chunk of ``wanted`` on the cluster (paged, exact).

    Raw client errors propagate: the caller runs this under the sink's retry policy
    (:meth:`BulkSink.call`), the one layer that retries ingest I/O.
    """
    items = list(wanted.items())
    found: list[str] = []
    for start in range(0, len(items), LOOKUP_GROUP):
        group = dict(items[start : start + LOOKUP_GROUP])
        body: dict[str, Any] = {
            "size": _PAGE,
            "_source": False,
            "track_total_hits": False,
            "query": stale_query(group, names),
            "sort": [{names.id_field: "asc"}, {names.chunk_field: "asc"}],
        }
        while True:
            resp = client.search(index=alias, body=body, filter_path="hits.hits._id,hits.hits.sort")
            hits = (resp.get("hits") or {}).get("hits") or []
            found.extend(str(h["_id"]) for h in hits)
            if len(hits) < _PAGE:
                break
            body["search_after"] = hits[-1]["sort"]
    return found


def stale_deletes(
    sink: BulkSink,
    names: FieldNames,
    batch: list[Action],
    mine: dict[tuple[int, str], DocState],
    lock: threading.Lock,
) -> list[Action]:
    """Deletes of older chunks of the documents first seen in ``batch`` (module docstring).

    Each delete joins its document's outstanding actions (and ``mine``), so the
    document is finished only when the new chunks *and* the deletes are acknowledged.
    """
    docs: dict[str, DocState] = {}
    with lock:  # claim each document once, whichever of its batches comes first
        for a in batch:
            st = mine[(a.doc_key, a.chunk_id)]
            if not st.looked_up:
                st.looked_up = True
                docs[st.doc_id] = st
    if not docs:
        return []
    wanted = {doc_id: st.chunks for doc_id, st in docs.items()}
    client, alias = sink.client, sink.alias
    found = sink.call(lambda: find_stale(client, alias, wanted, names), "stale lookup")
    stale: dict[str, set[str]] = {}
    for cid in found:
        base, _sep, _n = cid.rpartition("#")
        stale.setdefault(base or cid, set()).add(cid)
    deletes: list[Action] = []
    with lock:
        for doc_id, st in docs.items():
            ids = stale.get(doc_id, set())
            ids.update(chunk_id(doc_id, n) for n in range(st.chunks, st.prior))
            st.stale = sorted(ids)
            st.remaining += len(ids)
            for cid in st.stale:
                action = delete_action(cid, st.position)
                mine[(action.doc_key, action.chunk_id)] = st
                deletes.append(action)
    return deletes
