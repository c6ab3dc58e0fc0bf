"""The search API on a real OpenSearch node, over a small corpus in five languages.

The index is created with :func:`babelsearch.schema.build_index_body` and filled with
documents built by :func:`babelsearch.ingest.actions.build_source` (the agreed indexed
shape), encoded by the configured (offline) encoder.
"""

from __future__ import annotations

import dataclasses
import json
import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from babelsearch.config import Config, parse_config
from babelsearch.errors import QueryError
from babelsearch.query import AsyncSearcher, Searcher, SearchRequest

from .corpus_index import corpus_index

pytestmark = pytest.mark.integration

MODES = ("bm25", "dense", "bool", "hybrid", "rrf", "auto")
ACME = {"tenant": "acme"}


@pytest.fixture(scope="module")
def url(request: pytest.FixtureRequest) -> str:
    env = os.environ.get("BABELSEARCH_URL")
    return env if env else str(request.getfixturevalue("opensearch_url"))


@pytest.fixture(scope="module")
def cfg(url: str) -> Config:
    name = f"t-query-{uuid.uuid4().hex[:8]}"
    return parse_config(
        {
            "index": {"name": name},
            "languages": ["en", "de", "fr", "es", "ru"],
            "fields": {
                "text": ["title", "body"],
                "metadata": {"tenant": "keyword", "year": "integer"},
                "tenant": "tenant",
            },
            "search": {"candidates": 30},
            "cluster": {"url": url},
        }
    )


@pytest.fixture(scope="module")
def searcher(cfg: Config) -> Iterator[Searcher]:
    from babelsearch.cluster import connect
    from babelsearch.encoders import get_encoder

    client = connect(cfg.cluster)
    enc = get_encoder(cfg.encoder)
    try:
        with corpus_index(cfg, client, enc), Searcher(cfg, client=client, encoder=enc) as s:
            yield s
    finally:
        client.close()


def _refused(searcher: Searcher, mode: str) -> bool:
    """On a cluster without neural-search, ``hybrid`` must be refused by name (not skipped)."""
    if mode != "hybrid" or searcher.capabilities().hybrid_query:
        return False
    with pytest.raises(QueryError, match="no opensearch-neural-search plugin"):
        searcher.search("Nikola Tesla", lang="en", mode=mode, k=3, filters=ACME)
    return True


@pytest.mark.parametrize("mode", MODES)
def test_each_mode_finds_the_answer_in_another_language(searcher: Searcher, mode: str) -> None:
    if _refused(searcher, mode):
        return
    # German question, English documents only: the answer is written in another language.
    res = searcher.search(
        "Wann wurde Nikola Tesla geboren?",
        lang="de",
        mode=mode,
        k=3,
        filters={**ACME, "lang": "en"},
    )
    assert res.mode == mode and res.query_lang == "de"
    assert res.hits[0].id == "tesla-en", [h.id for h in res.hits]
    assert all(h.lang == "en" and h.source["tenant"] == "acme" for h in res.hits)


@pytest.mark.parametrize("mode", MODES)
def test_each_mode_finds_the_same_language_answer(searcher: Searcher, mode: str) -> None:
    if _refused(searcher, mode):
        return
    res = searcher.search("Eiffelturm in Paris Höhe", lang="de", mode=mode, k=5, filters=ACME)
    assert res.hits[0].id == "eiffel-de", [h.id for h in res.hits]


@pytest.mark.parametrize("mode", ["dense", "auto"])
def test_single_language_answer_found_from_another_language(searcher: Searcher, mode: str) -> None:
    res = searcher.search(
        "Which scientist won Nobel prizes for research on radioactivity?",
        lang="en",
        mode=mode,
        k=5,
        filters=ACME,
    )
    assert res.hits[0].id == "curie-fr", [h.id for h in res.hits]


def test_auto_pooled_ranks_translations_above_unrelated(searcher: Searcher) -> None:
    res = searcher.search("How do plants make sugar from sunlight?", lang="en", k=5, filters=ACME)
    assert {h.id for h in res.hits} == {
        f"photosynthesis-{x}" for x in ("en", "de", "fr", "es", "ru")
    }


def test_query_language_is_detected(searcher: Searcher) -> None:
    res = searcher.search("Wo mündet der Amazonas in den Ozean?", k=3, filters=ACME)
    assert res.query_lang == "de"
    assert res.hits[0].id.startswith("amazon-")


@pytest.mark.parametrize("mode", ["auto", "rrf", "hybrid", "bool", "bm25", "dense"])
def test_explain_adds_up(searcher: Searcher, mode: str) -> None:
    if _refused(searcher, mode):
        return
    res = searcher.search(
        "Nikola Tesla Erfinder Wechselstrom",
        lang="de",
        mode=mode,
        k=8,
        filters=ACME,
        explain=True,
    )
    assert res.hits
    for h in res.hits:
        assert h.explanation is not None
        signals = h.explanation["signals"]
        if mode in ("auto", "rrf", "hybrid", "bool"):
            assert {"lexical", "dense"} <= set(signals)
        total = sum(e["weight"] * e["norm"] for e in signals.values())
        assert total == pytest.approx(h.score, rel=1e-3, abs=1e-4), (h.id, signals)
        for e in signals.values():
            assert set(e) >= {"raw", "norm", "rank", "weight"}


@pytest.mark.parametrize("mode", ["auto", "hybrid", "bm25"])
def test_pages_are_disjoint_and_stable(searcher: Searcher, mode: str) -> None:
    if _refused(searcher, mode):
        return
    q = "inventor river tower coffee football"
    pages = [
        searcher.search(q, lang="en", mode=mode, k=4, page=p, filters=ACME).hits for p in (1, 2, 3)
    ]
    ids = [h.id for page in pages for h in page]
    assert len(ids) == len(set(ids)) >= 7  # bm25 only returns the documents that match
    whole = searcher.search(q, lang="en", mode=mode, k=12, filters=ACME).hits
    assert [h.id for h in whole] == ids


@pytest.mark.parametrize("mode", ["auto", "dense"])
async def test_pages_widen_beyond_the_narrow_window(
    searcher: Searcher, cfg: Config, mode: str
) -> None:
    """candidates 30: narrow windows of 20, so k-NN's list is cut at 20 chunks; the pages
    past its documents widen to 30 once, continue the same order without repeating a
    document, and the async driver pages identically."""
    q = "Wann wurde Nikola Tesla geboren?"
    reqs = [SearchRequest(q, "de", mode, 4, ACME, page=p) for p in range(1, 8)]
    ranked = [searcher.rank(searcher.plan(r)) for r in reqs]
    narrow_total = ranked[0].total
    assert ranked[0].cut and 4 <= narrow_total < 28
    widened = [r for r in ranked if r.total > narrow_total]
    assert widened, [r.total for r in ranked]  # some page did go beyond the narrow window
    ids = [ranked_doc(r, f.chunk_id) for r in ranked for f in r.page]
    assert len(ids) == len(set(ids)) and len(ids) == min(28, widened[-1].total)
    fixed_cfg = dataclasses.replace(cfg, search=dataclasses.replace(cfg.search, windows="fixed"))
    with Searcher(fixed_cfg, client=searcher.client, encoder=searcher._get_encoder()) as fixed:
        wide = fixed.search(q, lang="de", mode=mode, k=30, filters=ACME, highlight=False)
    assert set(ids[narrow_total:]) <= {h.id for h in wide.hits}  # the tail is the wide order's
    async with AsyncSearcher(cfg, encoder=searcher._get_encoder()) as asearcher:
        for r, sync in zip(reqs, ranked, strict=True):
            a = await asearcher.rank(await asearcher.plan(r))
            assert a.ids == sync.ids and a.total == sync.total


def ranked_doc(ranked: Any, chunk_id: str) -> str:
    return str(ranked.candidates[chunk_id].doc_id)


# The request validation (empty text, k, page, window, filters, lang, mode) is pure:
# tests/query/test_request_validation.py proves it without a node.


def test_tenant_filter_isolates_tenants(searcher: Searcher) -> None:
    for mode in MODES:
        if _refused(searcher, mode):
            continue
        res = searcher.search(
            "Nikola Tesla 1856", lang="en", mode=mode, k=10, filters={"tenant": "globex"}
        )
        assert [h.id for h in res.hits] == ["tesla-globex"], mode


def test_source_filtering_highlights_and_no_vectors(searcher: Searcher) -> None:
    res = searcher.search("Kaffee Koffein", lang="de", mode="bm25", k=3, filters=ACME)
    top = res.hits[0]
    assert top.id == "coffee-de"
    assert "embedding" not in top.source and "sparse" not in top.source
    assert any(p.endswith(".de") for p in top.highlights), top.highlights
    assert "<em>" in " ".join(f for frags in top.highlights.values() for f in frags)
    slim = searcher.search(
        "Kaffee", lang="de", mode="auto", k=3, filters=ACME, source_includes=["title"]
    )
    assert set(slim.hits[0].source) <= {"title", "doc_id", "chunk_no", "lang"}


async def test_async_returns_the_same_hits(searcher: Searcher, cfg: Config) -> None:
    async with AsyncSearcher(cfg, encoder=searcher._get_encoder()) as asearcher:
        for mode in MODES:
            args: dict[str, Any] = {"lang": "de", "mode": mode, "k": 5, "filters": ACME}
            if _refused(searcher, mode):  # the async searcher refuses it the same way
                with pytest.raises(QueryError, match="no opensearch-neural-search plugin"):
                    await asearcher.search("Wann wurde Nikola Tesla geboren?", **args)
                continue
            a = await asearcher.search("Wann wurde Nikola Tesla geboren?", **args)
            s = searcher.search("Wann wurde Nikola Tesla geboren?", **args)
            assert [(h.id, round(h.score, 5)) for h in a.hits] == [
                (h.id, round(h.score, 5)) for h in s.hits
            ], mode


def test_cli_search_json_and_table(searcher: Searcher, cfg: Config, tmp_path: Any) -> None:
    from click.testing import CliRunner

    from babelsearch.cli.search import command

    path = tmp_path / "cfg.json"
    # YAML is a superset of JSON, so the test can write the config without yaml.
    path.write_text(
        json.dumps(
            {
                "index": {"name": cfg.index.name},
                "languages": list(cfg.languages),
                "fields": {
                    "text": list(cfg.fields.text),
                    "metadata": dict(cfg.fields.metadata),
                    "tenant": "tenant",
                },
                "search": {"candidates": 30},
            }
        )
    )
    runner = CliRunner()
    base = [
        "Wann wurde Nikola Tesla geboren?",
        "--config",
        str(path),
        "--url",
        cfg.cluster.url,
        "--lang",
        "de",
        "--filter",
        "tenant=acme",
        "--filter",
        "lang=en",
    ]
    out = runner.invoke(command, [*base, "--json", "--k", "2"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["hits"][0]["id"] == "tesla-en" and data["hits"][0]["title"] == "Nikola Tesla"
    assert data["mode"] == "auto" and data["query_lang"] == "de" and data["took_ms"] > 0
    table = runner.invoke(command, [*base, "--mode", "hybrid", "--explain"])
    if searcher.capabilities().hybrid_query:
        assert table.exit_code == 0, table.output
        assert "tesla-en" in table.output and "norm" in table.output
    else:  # one line naming the missing plugin, no traceback
        assert table.exit_code == 1 and "no opensearch-neural-search plugin" in table.output
        assert table.output.startswith("Error: ") and "Traceback" not in table.output
        table = runner.invoke(command, [*base, "--mode", "rrf", "--explain"])
        assert table.exit_code == 0 and "tesla-en" in table.output, table.output
    bad = runner.invoke(command, [*base, "--filter", "nope=1"])
    assert bad.exit_code == 1 and "Error: cannot filter on 'nope'" in bad.output


def test_dense_ef_search_is_accepted_by_the_node(searcher: Searcher, cfg: Config) -> None:
    import dataclasses

    tuned = dataclasses.replace(cfg, dense=dataclasses.replace(cfg.dense, ef_search=200))
    with Searcher(tuned, client=searcher.client, encoder=searcher._get_encoder()) as s:
        res = s.search("Eiffelturm in Paris Höhe", lang="de", mode="dense", k=3, filters=ACME)
    assert res.hits and res.hits[0].id == "eiffel-de", [h.id for h in res.hits]
