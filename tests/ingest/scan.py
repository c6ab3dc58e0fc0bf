"""What is really in an index: every id, scrolled (the integrity tests' one reader)."""

from __future__ import annotations

from typing import Any


def all_ids(client: Any, alias: str) -> tuple[list[str], list[str]]:
    """Every ``_id`` and every ``doc_id`` in the index (scroll; duplicates kept)."""
    client.indices.refresh(index=alias)
    ids: list[str] = []
    doc_ids: list[str] = []
    resp = client.search(
        index=alias,
        scroll="1m",
        size=2000,
        body={"_source": ["doc_id"], "query": {"match_all": {}}},
    )
    sid = resp.get("_scroll_id")
    try:
        while resp["hits"]["hits"]:
            for h in resp["hits"]["hits"]:
                ids.append(h["_id"])
                doc_ids.append(h["_source"]["doc_id"])
            resp = client.scroll(scroll_id=sid, scroll="1m")
            sid = resp.get("_scroll_id")
    finally:
        if sid:
            client.clear_scroll(scroll_id=sid)
    return ids, doc_ids
