"""Bad input at the mapping and query surfaces: a clear error, never a traceback.

Mapping cases go through the real CLI (``babelsearch mappings ...``), where a user
meets them: exit code 1 and one ``Error:`` line that names the offending key or value.
Query cases go through :class:`~babelsearch.query.Searcher` against a real index
(hostile text must search fine) and a few through ``babelsearch search``. What needs
no node lives elsewhere: bad config files in test_bad_config_unit.py, hostile query
parameters in tests/query/test_request_validation.py.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from babelsearch.cli import cli
from babelsearch.errors import MigrationInProgress, QueryError
from babelsearch.indices import apply, migration_lock
from babelsearch.ingest import Ingestor
from babelsearch.query import Searcher

from .conftest import config_data, make_config, make_docs, write_config

pytestmark = pytest.mark.integration


def _cli(*args: str) -> Any:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output
    return result


# -- config and mapping ---------------------------------------------------------------
# A bad config file is refused before any cluster is contacted:
# tests/faults/test_bad_config_unit.py (no node).


def test_mapping_change_needing_reindex_is_refused(
    client: Any, opensearch_url: str, unique_name: str, tmp_path: Path
) -> None:
    data = config_data(opensearch_url, unique_name)
    apply(make_config(data), client=client)
    data["fields"]["metadata"]["n"] = "keyword"  # long -> keyword cannot change in place
    cfg = write_config(tmp_path / "cfg.yaml", data)
    result = _cli("mappings", "apply", "--config", str(cfg))
    assert result.exit_code == 1, result.output
    assert "Error:" in result.output and "n" in result.output
    live = client.indices.get_mapping(index=unique_name)
    (mapping,) = (v["mappings"] for v in live.values())
    assert mapping["properties"]["n"]["type"] == "long"  # untouched


def test_concurrent_migration_is_refused(
    client: Any, opensearch_url: str, unique_name: str, tmp_path: Path
) -> None:
    data = config_data(opensearch_url, unique_name)
    apply(make_config(data), client=client)
    cfg = write_config(tmp_path / "cfg.yaml", data)
    with migration_lock(client, unique_name):  # a migration is running
        result = _cli("mappings", "migrate", "--config", str(cfg))
        with pytest.raises(MigrationInProgress), migration_lock(client, unique_name):
            pass
    assert result.exit_code == 1, result.output
    assert "Error:" in result.output and "migrat" in result.output.lower()
    assert client.indices.get_alias(name=unique_name)  # alias still points somewhere


def test_two_migrations_racing_one_wins(
    client: Any, opensearch_url: str, unique_name: str, tmp_path: Path
) -> None:
    data = config_data(opensearch_url, unique_name)
    apply(make_config(data), client=client)
    results: list[str] = []

    def take() -> None:
        try:
            with migration_lock(client, unique_name):
                results.append("won")
                threading.Event().wait(1.0)
        except MigrationInProgress:
            results.append("refused")

    threads = [threading.Thread(target=take) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results).count("won") >= 1 and "refused" in results, results


def test_ingest_into_missing_alias_is_one_clear_error(
    opensearch_url: str, unique_name: str, tmp_path: Path
) -> None:
    cfg = write_config(tmp_path / "cfg.yaml", config_data(opensearch_url, unique_name))
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "x", "body": "words"}) + "\n")
    result = _cli("ingest", str(src), "--config", str(cfg), "--no-progress")
    assert result.exit_code == 1, result.output
    assert "Error:" in result.output and unique_name in result.output


# -- queries -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def search_cfg(client: Any, opensearch_url: str) -> Iterator[tuple[Any, Path]]:
    alias = f"t-q-{uuid.uuid4().hex[:8]}"
    data = config_data(opensearch_url, alias)
    cfg = make_config(data)
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "docs.jsonl"
        src.write_text("".join(json.dumps(d) + "\n" for d in make_docs(60)))
        report = Ingestor(cfg, create=True, dead_letter=str(Path(tmp) / "dl.jsonl")).run(src)
        assert report.indexed == 60
        yield cfg, write_config(Path(tmp) / "cfg.yaml", data)
    client.indices.delete(index=f"{alias}*", ignore_unavailable=True)


HOSTILE_TEXT = [
    "title:river AND (market OR",
    "*:*",
    '"unbalanced quote',
    "river~2^5 \\",
    "/rive.*/",
    "{!lucene}river",
    "_id:d000001 OR doc_id:*",
    "river\x00market",
    "\u202eriver\u202c market",
    "river\u200b\u200dmarket",
    "'; DROP TABLE docs; --",
    "<script>alert(1)</script> river",
    "ctx._source.body = 'x' river",
    "🎉 river 🎉",
    "río" * 2000,
]


@pytest.mark.parametrize("mode", ["bm25", "dense", "hybrid", "rrf"])
@pytest.mark.parametrize("text", HOSTILE_TEXT, ids=[f"t{i}" for i in range(len(HOSTILE_TEXT))])
def test_hostile_query_text_searches_as_plain_text(
    search_cfg: tuple[Any, Path], text: str, mode: str
) -> None:
    cfg, _ = search_cfg
    try:
        res = Searcher(cfg).search(text, mode=mode, k=5)
    except QueryError as exc:  # allowed only with a message, e.g. for a too-long query
        assert str(exc)
        return
    assert res.mode in (mode, "hybrid", "rrf", "bm25", "dense")
    assert len(res.hits) <= 5


# Hostile query *parameters* (k, page, mode, lang, filter fields, source fields) are
# refused before anything is sent: tests/query/test_request_validation.py, no node.


@pytest.mark.parametrize(
    "extra",
    [["--k", "100000"], ["--page", "0"], ["--filter", "nope=1"], ["--mode", "sql"]],
    ids=["k", "page", "filter", "mode"],
)
def test_bad_search_options_through_cli(search_cfg: tuple[Any, Path], extra: list[str]) -> None:
    _, cfg = search_cfg
    result = _cli("search", "river", "--config", str(cfg), *extra)
    assert result.exit_code in (1, 2), result.output  # 2: click's own usage error
    assert "Error" in result.output
