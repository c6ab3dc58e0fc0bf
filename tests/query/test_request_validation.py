"""What ``Searcher.search`` refuses, it refuses before sending anything: no node needed.

These cases used to run against a real index (tests/query/test_search_integration.py,
tests/faults/test_bad_config_query.py), although the validation is pure. Here the
Searcher points at a closed port with the cluster's capabilities given, so a request
that reached the network would raise :class:`ClusterError`, not the asserted
:class:`QueryError`; the last test proves a valid request does go to the network.
"""

from __future__ import annotations

from typing import Any

import pytest

from babelsearch.config import Config, parse_config
from babelsearch.errors import ClusterError, QueryError
from babelsearch.query import Searcher
from babelsearch.types import Capabilities
from ingest.hash_encoder import HashEncoder

CLOSED = "http://127.0.0.1:9"  # the discard port: nothing listens there
CAPS = Capabilities(
    version="2.19.1",
    plugins=frozenset({"opensearch-knn", "opensearch-neural-search"}),
    knn_engines=frozenset({"lucene", "faiss"}),
    hybrid_query=True,
    normalization_processor=True,
    score_ranker_processor=True,
)
ACME = {"tenant": "acme"}


@pytest.fixture(scope="module")
def cfg() -> Config:
    return parse_config(
        {
            "index": {"name": "t-validation"},
            "languages": ["en", "de", "fr", "es", "ru"],
            "fields": {
                "text": ["title", "body"],
                "metadata": {"tenant": "keyword", "year": "integer", "n": "long", "tag": "keyword"},
                "tenant": "tenant",
            },
            "search": {"candidates": 30},
            "sparse": False,
            "cluster": {"url": CLOSED, "timeout": 2},
        }
    )


def _search(cfg: Config, **kwargs: Any) -> Any:
    args: dict[str, Any] = {"text": "Tesla river", "lang": "en", "filters": ACME, **kwargs}
    with Searcher(cfg, encoder=HashEncoder(), capabilities=CAPS) as searcher:
        return searcher.search(**args)


BAD: list[tuple[str, dict[str, Any], str]] = [
    ("empty", {"text": "   "}, "empty"),
    ("k_zero", {"k": 0}, "k must be"),
    ("k_negative", {"k": -3}, "k must be"),
    ("k_huge", {"k": 10**9}, "k must be"),
    ("k_bool", {"k": True}, "k must be"),
    ("page_zero", {"page": 0}, "page must be"),
    ("page_huge", {"page": 10**7}, "page"),
    ("page_beyond_window", {"k": 10, "page": 4}, "candidate window"),
    ("unknown_mode", {"mode": "magic"}, "unknown mode"),
    ("sql_mode", {"mode": "sql"}, "sql"),
    ("bad_lang", {"lang": "EN; drop"}, "ISO"),
    ("quoted_lang", {"lang": "en'; --"}, "lang"),
    ("no_tenant", {"filters": None}, "tenant"),
    ("language_subfield", {"filters": {**ACME, "title.en": "x"}}, "cannot filter"),
    ("unknown_field", {"filters": {**ACME, "nope": 1}}, "nope"),
    ("wildcard_field", {"filters": {**ACME, "*": "x"}}, "*"),
    ("field_pattern", {"filters": {**ACME, "body.*": "x"}}, "body.*"),
    ("meta_field", {"filters": {**ACME, "_id": "d000001"}}, "_id"),
    ("script", {"filters": {**ACME, "n": {"script": "1"}}}, "n"),
    ("empty_list", {"filters": {**ACME, "tag": []}}, "tag"),
    ("source_meta_field", {"source_includes": ["_routing"]}, "_routing"),
]


@pytest.mark.parametrize(("kwargs", "needle"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_request_is_a_query_error_before_any_request(
    cfg: Config, kwargs: dict[str, Any], needle: str
) -> None:
    with pytest.raises(QueryError) as err:
        _search(cfg, **kwargs)
    assert needle in str(err.value)


@pytest.mark.parametrize("mode", ["bm25", "dense", "auto"])
def test_a_valid_request_does_reach_the_network(cfg: Config, mode: str) -> None:
    """The control: without it, a Searcher that refused everything would pass above."""
    with pytest.raises(ClusterError):
        _search(cfg, mode=mode, k=5, page=2, source_includes=["title"])
