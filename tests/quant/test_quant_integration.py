"""Quantized, binary and truncated dense fields on a real node, through babelsearch's
own ingestor, searcher, planner and migration (no mocks).

Each variant's index is built by :class:`~babelsearch.Ingestor` with a deterministic
encoder (``tests/ingest/hash_encoder.py``); a document's own text must come back as the
top dense hit, which only holds if ingest and query converted their vectors alike.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from babelsearch import Ingestor, Searcher
from babelsearch.cluster import capabilities
from babelsearch.config import Config, parse_config
from babelsearch.doctor import diagnose
from babelsearch.errors import ConfigError, IngestError
from babelsearch.indices import apply, migrate, plan
from ingest.hash_encoder import HashEncoder

pytestmark = pytest.mark.integration

TOPICS = (
    "the lighthouse keeper counted ships at dawn",
    "a recipe for sourdough bread with rye flour",
    "volcanic islands form where plates pull apart",
    "the violin concerto was first played in Leipzig",
    "honeybees dance to tell where the flowers are",
    "copper wires carry the signal under the ocean",
    "the glacier retreated four kilometres in a century",
    "chess engines search millions of positions a second",
    "der Bäcker backt jeden Morgen frische Brezeln",
    "die Straßenbahn fährt alle zehn Minuten zum Bahnhof",
    "im Herbst ziehen die Kraniche nach Süden",
    "das Orchester probt die neunte Sinfonie",
)
RECORDS = [
    {"id": f"doc-{i:02d}", "lang": "de" if i >= 8 else "en", "title": t.split()[1], "body": t}
    for i, t in enumerate(TOPICS)
]

VARIANTS: dict[str, dict[str, Any]] = {
    "sq": {"quantization": "sq"},
    "sqci": {"quantization": "sq", "confidence_interval": 0.95},
    "byte": {"data_type": "byte"},
    "binary": {"data_type": "binary"},
    "cut": {"dimensions": 128},
    "cutbyte": {"dimensions": 64, "data_type": "byte"},
}
EXPECTED: dict[str, tuple[int, str | None, dict[str, Any] | None]] = {
    # variant -> (mapping dimension, data_type read back, HNSW encoder read back)
    "sq": (512, None, {"name": "sq", "parameters": {"bits": 7}}),
    "sqci": (512, None, {"name": "sq", "parameters": {"bits": 7, "confidence_interval": 0.95}}),
    "byte": (512, "BYTE", None),
    "binary": (512, "BINARY", None),
    "cut": (128, None, None),
    "cutbyte": (64, "BYTE", None),
}


def _cfg(alias: str, url: str, dense: dict[str, Any]) -> Config:
    return parse_config(
        {
            "index": {"name": alias},
            "languages": ["en", "de"],
            "cluster": {"url": url},
            "dense": dense,
            "ingest": {"chunking": {"enabled": False}},
        }
    )


def _ingest(cfg: Config, tmp_path: Path) -> None:
    report = Ingestor(
        cfg, encoder=HashEncoder(), create=True, progress=False, dead_letter=tmp_path / "dl.jsonl"
    ).run(RECORDS)
    assert (report.indexed, report.dead_lettered, report.skipped) == (len(RECORDS), 0, 0)


def _top_hits(cfg: Config) -> list[str | None]:
    """The top dense hit for each record's own text (what ingest encoded: title, body)."""
    tops: list[str | None] = []
    with Searcher(cfg, encoder=HashEncoder()) as searcher:
        for r in RECORDS:
            hits = searcher.search(f"{r['title']}\n{r['body']}", mode="dense", k=3).hits
            tops.append(hits[0].id if hits else None)
    return tops


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_variant_ingests_and_answers_dense_searches_with_the_expected_top_hit(
    variant: str, opensearch_url: str, client: Any, unique_name: str, tmp_path: Path
) -> None:
    cfg = _cfg(f"{unique_name}-{variant}", opensearch_url, VARIANTS[variant])
    _ingest(cfg, tmp_path)
    physical = next(iter(client.indices.get_alias(name=cfg.index.name)))
    emb = client.indices.get_mapping(index=physical)[physical]["mappings"]["properties"][
        "embedding"
    ]
    dim, data_type, encoder = EXPECTED[variant]
    assert emb["dimension"] == dim
    assert emb.get("data_type") == data_type
    assert emb["method"]["parameters"].get("encoder") == encoder
    if variant == "binary":
        assert emb["method"]["space_type"] == "hamming"
    # the stored vectors are in the field's form (ints for byte/binary, cut for truncation)
    src = client.get(index=physical, id="doc-03")["_source"]["embedding"]
    assert len(src) == (dim // 8 if data_type == "BINARY" else dim)
    if data_type:
        assert all(float(x).is_integer() for x in src)
    assert _top_hits(cfg) == [r["id"] for r in RECORDS]
    # the planner reads the live mapping back as it rendered it: nothing to change
    p = plan(cfg, client=client, info=HashEncoder().info)
    assert not p.changes, [c.detail for c in p.changes]


def test_changing_dimensions_migrates_by_re_embedding(
    opensearch_url: str, client: Any, unique_name: str, tmp_path: Path
) -> None:
    enc = HashEncoder()
    full = _cfg(unique_name, opensearch_url, {})
    _ingest(full, tmp_path)
    cut = _cfg(unique_name, opensearch_url, {"dimensions": 64, "data_type": "byte"})
    res = migrate(cut, client=client, info=enc.info, encoder=enc)
    assert res.reembedded and res.target_docs == len(RECORDS)
    physical = next(iter(client.indices.get_alias(name=unique_name)))
    assert physical.endswith("-v2")
    assert len(client.get(index=physical, id="doc-00")["_source"]["embedding"]) == 64
    assert _top_hits(cut) == [r["id"] for r in RECORDS]


def test_ingest_refuses_a_changed_vector_layout_before_sending_anything(
    opensearch_url: str, client: Any, unique_name: str, tmp_path: Path
) -> None:
    """``dense.dimensions`` or ``dense.data_type`` changed without a migration: the load
    is refused up front with what the index stores and what to do, instead of every
    record ending as a dead letter."""
    full = _cfg(unique_name, opensearch_url, {})
    _ingest(full, tmp_path)
    for dense, stated in (
        ({"dimensions": 64}, "64-dimensional float"),
        ({"data_type": "byte"}, "512-dimensional byte"),
    ):
        cut = _cfg(unique_name, opensearch_url, dense)
        dl = tmp_path / f"dl-{stated[:3]}.jsonl"
        with pytest.raises(IngestError) as err:
            Ingestor(cut, encoder=HashEncoder(), progress=False, dead_letter=dl).run(
                [{"id": "new-doc", "lang": "en", "title": "t", "body": "a new record"}]
            )
        msg = str(err.value)
        assert "stores 512-dimensional float vectors" in msg and stated in msg, msg
        assert "mappings migrate" in msg and not dl.exists()
    client.indices.refresh(index=unique_name)
    assert client.count(index=unique_name)["count"] == len(RECORDS)
    assert not client.exists(index=unique_name, id="new-doc")


def test_faiss_is_refused_before_any_index_exists_when_the_cluster_lacks_it(
    opensearch_url: str, client: Any, unique_name: str
) -> None:
    caps = capabilities(client)
    assert "faiss" not in caps.knn_engines  # the Maven Central k-NN has no native libraries
    cfg = _cfg(unique_name, opensearch_url, {"engine": "faiss", "quantization": "fp16"})
    with pytest.raises(ConfigError, match=r"dense\.engine: 'faiss' is not available"):
        apply(cfg, client=client, info=HashEncoder().info)
    assert not client.indices.exists(index=f"{unique_name}-v1")
    found = diagnose(cfg)
    assert any("dense.engine: 'faiss'" in p for p in found.problems)
