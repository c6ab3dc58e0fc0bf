"""The Ray engine against the local one, its dataset entry point and its CLI, for real.

The same input through both engines must give the same report, the same dead letters
and the same index; a caller's ``ray.data.Dataset`` with repeated ids must end with
the last record of each id; and ``babelsearch ingest --engine ray`` runs the default
``use`` encoder inside Ray actors on the two-node test cluster.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from babelsearch.ingest import Ingestor
from ingest.hash_encoder import HashEncoder

from .conftest import ray_env
from .corpus import ray_config, write_corpus
from .driver import DIM, small_cluster
from .test_ray_faults import assert_exactly, create, scan

pytestmark = pytest.mark.integration


@pytest.fixture
def aliases(client: Any) -> Iterator[list[str]]:
    made: list[str] = []

    def new() -> str:
        made.append(f"ray-{uuid.uuid4().hex[:8]}")
        return made[-1]

    yield [new(), new()]
    for alias in made:
        client.indices.delete(index=f"{alias}*", ignore_unavailable=True)


def _ray_options(address: str) -> Any:
    import ray.cloudpickle

    import ingest.hash_encoder as module
    from babelsearch.ingest.ray_engine import RayOptions

    ray.cloudpickle.register_pickle_by_value(module)  # the workers cannot import tests.*
    return RayOptions(address=address, **small_cluster(2))


# a partial of a class pickled by value: the workers cannot import this test module
_factory = functools.partial(HashEncoder, dimension=DIM)


def _dead(path: Path) -> list[dict[str, Any]]:
    return sorted(
        (json.loads(x) for x in path.read_text().splitlines()), key=lambda e: e["position"]
    )


def test_ray_and_local_engines_give_the_same_report_dead_letters_and_index(
    ray_address: str, opensearch_url: str, client: Any, aliases: list[str], tmp_path: Path
) -> None:
    from babelsearch.ingest.ray_engine import ingest_path

    src = tmp_path / "load.jsonl"
    exp = write_corpus(src, 800, seed=5)
    local_alias, ray_alias = aliases
    for alias in aliases:
        create(opensearch_url, alias)
    local = Ingestor(
        ray_config(opensearch_url, local_alias),
        encoder=_factory(),
        dead_letter=tmp_path / "local-dead.jsonl",
        progress=False,
    ).run(src)
    remote = ingest_path(
        src,
        ray_config(opensearch_url, ray_alias),
        options=_ray_options(ray_address),
        encoder_factory=_factory,
        dead_letter=tmp_path / "ray-dead.jsonl",
    )
    keep = (
        "read",
        "indexed",
        "replaced",
        "chunks_indexed",
        "dead_lettered",
        "skipped",
        "skipped_reasons",
        "dead_letter_reasons",
        "status",
    )
    lr, rr = local.to_dict(), remote.to_dict()
    assert {k: rr[k] for k in keep} == {k: lr[k] for k in keep}
    assert_exactly(client, ray_alias, exp, rr)
    assert _dead(tmp_path / "ray-dead.jsonl") == _dead(tmp_path / "local-dead.jsonl")
    assert scan(client, ray_alias) == scan(client, local_alias)


def test_a_ray_dataset_with_repeated_ids_ends_with_the_last_record_of_each(
    ray_address: str, opensearch_url: str, client: Any, aliases: list[str], tmp_path: Path
) -> None:
    import ray

    from babelsearch.ingest.ray_engine import ingest_dataset

    alias = aliases[0]
    create(opensearch_url, alias)
    records: list[dict[str, Any]] = []
    for i in range(600):
        records.append({"id": f"d{i % 200}", "title": f"version {i}", "body": f"text {i} here"})
    records.insert(350, {"id": "bad", "title": 7})
    opts = _ray_options(ray_address)
    ray.init(address=ray_address, log_to_driver=False)
    try:  # several blocks, so the numbering must follow the dataset's order across them
        ds = ray.data.from_items(records, override_num_blocks=6)
        report = ingest_dataset(
            ds,
            ray_config(opensearch_url, alias),
            options=opts,
            encoder_factory=_factory,
            dead_letter=tmp_path / "dead.jsonl",
        )
    finally:
        ray.shutdown()
    assert (report.read, report.indexed, report.replaced, report.dead_lettered) == (
        601,
        200,
        400,
        1,
    )
    client.indices.refresh(index=alias)
    hits = client.search(index=alias, size=300, _source=["doc_id", "title.neutral"])["hits"]["hits"]
    got = {h["_source"]["doc_id"]: h["_source"]["title"]["neutral"] for h in hits}
    assert got == {f"d{k}": f"version {400 + k}" for k in range(200)}  # the last of each id
    (entry,) = _dead(tmp_path / "dead.jsonl")
    assert (entry["position"], entry["id"], entry["code"]) == (350, "bad", "invalid_text_type")


def test_cli_engine_ray_runs_the_default_encoder_in_ray_actors(
    ray_address: str, opensearch_url: str, client: Any, aliases: list[str], tmp_path: Path
) -> None:
    alias = aliases[0]
    src = tmp_path / "load.jsonl"
    exp = write_corpus(src, 300, seed=3)
    spec = {
        "index": {"name": alias},
        "languages": ["en", "de", "fr", "es", "ru"],
        "fields": {
            "id": "id",
            "lang": "lang",
            "text": ["title", "body"],
            "metadata": {"n": "integer"},
        },
        "ingest": {"encode_batch_size": 64},
    }
    (tmp_path / "search.yaml").write_text(yaml.safe_dump(spec))
    cmd = [
        str(Path(sys.executable).with_name("babelsearch")),
        "ingest",
        str(src),
        "--config",
        str(tmp_path / "search.yaml"),
        "--url",
        opensearch_url,
        "--create",
        "--engine",
        "ray",
        "--ray-address",
        ray_address,
        "--dead-letter",
        str(tmp_path / "dead.jsonl"),
        "--report-json",
        str(tmp_path / "report.json"),
    ]
    done = subprocess.run(cmd, env=ray_env(), capture_output=True, text=True, timeout=600)
    assert done.returncode == 2, done.stderr[-3000:]  # 2: some records were dead-lettered
    assert "record(s) dead-lettered" in done.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    assert_exactly(client, alias, exp, report)
    mapping = client.indices.get_mapping(index=alias)
    (body,) = mapping.values()
    assert body["mappings"]["properties"]["embedding"]["dimension"] == 512  # use, not the hash
