"""Issue 6's "done when": index a small multilingual corpus through the Ingestor, then
query it in a language other than the target documents' -- every mode ranks the right
document first, ``explain`` shows every sub-query's scores, async equals sync."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from babelsearch.config import Config, parse_config
from babelsearch.query import AsyncSearcher, Searcher

from .corpus import records

pytestmark = pytest.mark.integration

MODES = ("bm25", "dense", "bool", "hybrid", "rrf", "auto")
QUERIES = [
    # (query, query language, filter on the documents' language, expected id)
    ("¿Cuándo nació Nikola Tesla?", "es", "en", "tesla-en"),
    ("Quand la tour Eiffel a-t-elle été achevée, en 1889 ?", "fr", "de", "eiffel-de"),
    ("When did Johann Sebastian Bach compose the Brandenburg Concertos?", "en", None, "bach-de"),
]


@pytest.fixture(scope="module")
def ingested(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Config]:
    from babelsearch.cluster import connect
    from babelsearch.ingest import Ingestor

    url = os.environ.get("BABELSEARCH_URL") or str(request.getfixturevalue("opensearch_url"))
    tmp: Path = tmp_path_factory.mktemp("ingest")
    cfg = parse_config(
        {
            "index": {"name": f"t-qing-{uuid.uuid4().hex[:8]}"},
            "languages": ["en", "de", "fr", "es", "ru"],
            "fields": {
                "text": ["title", "body"],
                "metadata": {"tenant": "keyword", "year": "integer"},
            },
            "search": {"candidates": 30},
            "cluster": {"url": url},
            "ingest": {"dead_letter": str(tmp / "dead.jsonl")},
        }
    )
    report = Ingestor(cfg, create=True, progress=False).run(records())
    assert report.indexed == len(records()) and report.dead_lettered == 0
    client = connect(cfg.cluster)
    client.indices.refresh(index=cfg.index.name)
    try:
        yield cfg
    finally:
        client.indices.delete(index=f"{cfg.index.name}-v*", ignore_unavailable=True)
        client.close()


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("text", "qlang", "doc_lang", "expected"), QUERIES)
def test_other_language_answer_first(
    ingested: Config, mode: str, text: str, qlang: str, doc_lang: str | None, expected: str
) -> None:
    filters: dict[str, Any] = {"tenant": "acme", **({"lang": doc_lang} if doc_lang else {})}
    with Searcher(ingested) as s:
        res = s.search(text, lang=qlang, mode=mode, k=3, filters=filters, explain=True)
    assert res.hits[0].id == expected, (mode, [(h.id, h.score) for h in res.hits])
    assert res.hits[0].lang != qlang
    signals = res.hits[0].explanation["signals"]  # type: ignore[index]
    if mode in ("bool", "hybrid", "rrf", "auto"):
        assert {"lexical", "dense"} <= set(signals)
    for e in signals.values():
        assert {"raw", "norm", "rank", "weight"} <= set(e)


async def test_async_equals_sync_after_ingest(ingested: Config) -> None:
    with Searcher(ingested) as s:
        async with AsyncSearcher(ingested) as a:
            for mode in MODES:
                for text, qlang, doc_lang, _ in QUERIES:
                    filters = {"tenant": "acme", **({"lang": doc_lang} if doc_lang else {})}
                    sync = s.search(text, lang=qlang, mode=mode, k=5, filters=filters)
                    asy = await a.search(text, lang=qlang, mode=mode, k=5, filters=filters)
                    assert [h.id for h in asy.hits] == [h.id for h in sync.hits]
                    assert [h.score for h in asy.hits] == pytest.approx(
                        [h.score for h in sync.hits]
                    )
