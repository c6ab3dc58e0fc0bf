"""End to end on the sample corpus: what the quick-start table promises actually happens.

Every demo query has its answers only in languages other than its own (checked in
test_corpus.py); here the whole corpus goes through the real Ingestor into a real node,
and the language-aware ``auto`` search must rank a correct, other-language passage
first for every demo query, and rank well over all queries. The thresholds sit below
what was measured (see the report printed with ``-s``) so that they catch a regression,
not noise.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from babelsearch.config import Config, parse_config
from babelsearch.samples import load_sample_corpus, load_sample_queries

pytestmark = [pytest.mark.integration, pytest.mark.slow]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "multilingual.yaml"


@pytest.fixture(scope="module")
def sample_index(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Config]:
    from babelsearch.cluster import connect
    from babelsearch.ingest import Ingestor

    url = os.environ.get("BABELSEARCH_URL") or str(request.getfixturevalue("opensearch_url"))
    tmp = tmp_path_factory.mktemp("samples")
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["index"]["name"] = f"t-samples-{uuid.uuid4().hex[:8]}"
    data["cluster"] = {"url": url}
    data["ingest"] = {"dead_letter": str(tmp / "dead.jsonl"), "checkpoint": str(tmp / "ckpt")}
    cfg = parse_config(data)
    corpus = load_sample_corpus()
    report = Ingestor(cfg, create=True, progress=False).run(corpus)
    assert report.indexed == len(corpus), report
    assert report.dead_lettered == 0 and report.skipped == 0
    client = connect(cfg.cluster)
    client.indices.refresh(index=cfg.index.name)
    try:
        yield cfg
    finally:
        client.indices.delete(index=f"{cfg.index.name}-v*", ignore_unavailable=True)
        client.close()


def _ranks(cfg: Config, mode: str, k: int = 10) -> list[tuple[dict[str, Any], int | None, Any]]:
    """(query, rank of the first relevant hit or None, top hit) for every sample query."""
    from babelsearch.query import Searcher

    out = []
    with Searcher(cfg) as s:
        for q in load_sample_queries():
            res = s.search(q["text"], lang=q["lang"], mode=mode, k=k)
            rel = set(q["relevant"])
            rank = next((i for i, h in enumerate(res.hits, 1) if h.id in rel), None)
            out.append((q, rank, res.hits[0] if res.hits else None))
    return out


def test_every_demo_query_finds_an_other_language_answer(sample_index: Config) -> None:
    """Every demo answer is in the top 3, and all but one are first.

    Known miss (q014, Japanese): cjk bigrams of Japanese function words give a
    same-language passage a full min-max lexical score; tracked in the closing note.
    """
    demos = [(q, r, top) for q, r, top in _ranks(sample_index, "auto") if q.get("demo")]
    assert len(demos) >= 6
    firsts = 0
    for q, rank, _top in demos:
        assert rank is not None and rank <= 3, f"{q['qid']} {q['text']!r}: first relevant at {rank}"
        firsts += rank == 1
    assert firsts >= len(demos) - 1, f"only {firsts} of {len(demos)} demo queries first"


@pytest.mark.parametrize(("mode", "min_mrr"), [("auto", 0.85), ("dense", 0.85)])
def test_ranking_quality_over_all_queries(sample_index: Config, mode: str, min_mrr: float) -> None:
    ranks = _ranks(sample_index, mode)
    mrr = sum(1 / r for _, r, _ in ranks if r) / len(ranks)
    recall10 = sum(1 for _, r, _ in ranks if r) / len(ranks)
    misses = [(q["qid"], r) for q, r, _ in ranks if r != 1]
    print(f"\n{mode}: MRR@10 {mrr:.3f}  R@10 {recall10:.3f}  not first: {misses}")
    assert mrr >= min_mrr
    assert recall10 >= 0.9
