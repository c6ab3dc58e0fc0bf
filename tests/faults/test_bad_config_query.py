"""Bad input at the config/mapping and query surfaces: a clear error, never a traceback.

Config and mapping cases go through the real CLI (``babelsearch mappings ...``), where
a user meets them: exit code 1 and one ``Error:`` line that names the offending key or
value. Query cases go through :class:`~babelsearch.query.Searcher` against a real
index (hostile text must search fine; hostile parameters must be a ``QueryError``)
and a few through ``babelsearch search``.
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
def _yaml(**over: Any) -> dict[str, Any]:
    data = config_data("http://127.0.0.1:1", "t-cfg-never-created")
    for dotted, value in over.items():
        node = data
        *parents, leaf = dotted.split("__")
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = value
    return data


CONFIG_CASES: list[tuple[str, Any, str]] = [
    ("unknown_top_key", {**_yaml(), "fileds": {"id": "id"}}, "fileds"),
    ("unknown_nested_key", _yaml(ingest__bulk={"max_byts": 5}), "max_byts"),
    ("bad_metadata_type", _yaml(fields__metadata={"n": "integr"}), "integr"),
    ("language_name_not_code", _yaml(languages=["english"]), "english"),
    ("unknown_encoder_kind", _yaml(encoder={"kind": "gpt-9"}), "gpt-9"),
    ("wrong_value_type", _yaml(index__shards="many"), "index.shards"),
    ("reserved_field_name", _yaml(fields__metadata={"_id": "keyword"}), "_id"),
    ("dotted_field_name", _yaml(fields__text=["a.b"]), "a.b"),
    ("index_name_uppercase", _yaml(index__name="BadName"), "BadName"),
    ("index_name_wildcard", _yaml(index__name="logs*"), "logs*"),
    ("index_name_comma", _yaml(index__name="a,b"), "a,b"),
    ("index_name_leading_underscore", _yaml(index__name="_x"), "_x"),
    ("index_name_dotdot", _yaml(index__name=".."), ".."),
    ("index_name_too_long", _yaml(index__name="a" * 260), "index.name"),
    ("index_name_space", _yaml(index__name="a b"), "a b"),
    ("top_level_list", ["index", "name"], "mapping"),
    ("yaml_syntax_error", "index: {name: [unclosed\n", "invalid YAML"),
]


@pytest.mark.parametrize(
    ("body", "needle"), [c[1:] for c in CONFIG_CASES], ids=[c[0] for c in CONFIG_CASES]
)
def test_bad_config_is_one_clear_error(body: Any, needle: str, tmp_path: Path) -> None:
    path = tmp_path / "cfg.yaml"
    path.write_text(body if isinstance(body, str) else json.dumps(body))
    result = _cli("mappings", "render", "--config", str(path))
    assert result.exit_code == 1, result.output
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("Error:") and needle in last, result.output


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


BAD_PARAMS: list[tuple[str, dict[str, Any], str]] = [
    ("empty", {"text": "   "}, "empty"),
    ("k_zero", {"k": 0}, "k"),
    ("k_negative", {"k": -3}, "k"),
    ("k_huge", {"k": 10**9}, "k"),
    ("k_bool", {"k": True}, "k"),
    ("page_zero", {"page": 0}, "page"),
    ("page_huge", {"page": 10**7}, "page"),
    ("unknown_mode", {"mode": "sql"}, "sql"),
    ("bad_lang", {"lang": "en'; --"}, "lang"),
    ("filter_unknown_field", {"filters": {"nope": 1}}, "nope"),
    ("filter_wildcard_field", {"filters": {"*": "x"}}, "*"),
    ("filter_field_pattern", {"filters": {"body.*": "x"}}, "body.*"),
    ("filter_meta_field", {"filters": {"_id": "d000001"}}, "_id"),
    ("filter_script", {"filters": {"n": {"script": "1"}}}, "n"),
    ("filter_empty_list", {"filters": {"tag": []}}, "tag"),
    ("source_meta_field", {"source_includes": ["_routing"]}, "_routing"),
]


@pytest.mark.parametrize(
    ("kwargs", "needle"), [c[1:] for c in BAD_PARAMS], ids=[c[0] for c in BAD_PARAMS]
)
def test_bad_query_parameters_are_query_errors(
    search_cfg: tuple[Any, Path], kwargs: dict[str, Any], needle: str
) -> None:
    cfg, _ = search_cfg
    args = {"text": "river", **kwargs}
    with pytest.raises(QueryError) as err:
        Searcher(cfg).search(**args)
    assert needle in str(err.value)


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
