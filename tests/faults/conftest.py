"""Fixtures and helpers shared by the fault, bad-input and security suites.

Every test here talks to a real OpenSearch: the shared session node
(``opensearch_url`` from ``tests/conftest.py``) or a dedicated node it starts on
its own port and data dir (fault tests kill nodes; the shared one is never touched).
"""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from babelsearch.config import Config, parse_config
from ingest.scan import all_ids

from .faultenc import KIND, register

HERE = Path(__file__).resolve().parent
CLI_MAIN = HERE / "cli_main.py"
LANGS = ("en", "de", "fr", "es", "ru", "zh", "ja")
_WORDS = {
    "en": "river town market bridge winter harbour garden station",
    "de": "Fluss Stadt Markt Brücke Winter Hafen Garten Bahnhof",
    "fr": "rivière ville marché pont hiver port jardin gare",
    "es": "río ciudad mercado puente invierno puerto jardín estación",
    "ru": "река город рынок мост зима гавань сад вокзал",
    "zh": "河流 城市 市场 桥梁 冬天 港口 花园 车站",
    "ja": "川 町 市場 橋 冬 港 庭 駅",
}


@pytest.fixture(autouse=True, scope="module")
def _fault_encoder_kind() -> Iterator[None]:
    """``encoder.kind: fault-hash`` for in-process runs here (gone for other suites)."""
    from babelsearch.encoders import registry

    register()
    yield
    registry.KINDS.pop(KIND, None)


def make_docs(n: int, *, seed: int = 3) -> list[dict[str, Any]]:
    """``n`` short multilingual records with unique ids; every other one names its lang."""
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        lang = LANGS[i % len(LANGS)]
        words = _WORDS[lang].split()
        rec: dict[str, Any] = {
            "id": f"d{i:06d}",
            "title": " ".join(rng.sample(words, 2)),
            "body": " ".join(rng.choice(words) for _ in range(8)) + f" {i}",
            "n": i,
        }
        if i % 2 == 0:
            rec["lang"] = lang
        docs.append(rec)
    return docs


def write_jsonl(path: Path, docs: list[dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for d in docs:
            fh.write(json.dumps(d, ensure_ascii=False) + "\n")
    return path


def config_data(url: str, alias: str, **ingest: Any) -> dict[str, Any]:
    return {
        "index": {"name": alias},
        "languages": ["en", "de", "fr", "es", "ru", "zh", "ja"],
        "fields": {
            "id": "id",
            "lang": "lang",
            "text": ["title", "body"],
            "metadata": {"n": "long", "tag": "keyword"},
        },
        "encoder": {"kind": KIND},
        "sparse": False,
        "cluster": {"url": url, "timeout": 20},
        "ingest": {"detection": {"fallback": "en"}, **ingest},
    }


def write_config(path: Path, data: dict[str, Any]) -> Path:
    """JSON is YAML: the CLI loads this through ``load_config`` like any user file."""
    path.write_text(json.dumps(data))
    return path


def make_config(data: dict[str, Any]) -> Config:
    return parse_config(data)


def cli_cmd(*args: str) -> list[str]:
    """The real ``babelsearch`` CLI in a child process, with the fault-hash kind."""
    return [sys.executable, str(CLI_MAIN), *args]


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "BABELSEARCH_URL"}
    env.update(extra)
    return env


def run_cli(*args: str, timeout: float = 300, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli_cmd(*args), capture_output=True, text=True, timeout=timeout, env=child_env(**env)
    )


def assert_exactly(client: Any, alias: str, expected: set[str]) -> None:
    """Each expected id once (``_id`` and ``doc_id``), nothing else; also via a terms agg."""
    ids, doc_ids = all_ids(client, alias)
    assert len(ids) == len(set(ids)), "duplicate _id"
    assert len(doc_ids) == len(set(doc_ids)), "a doc_id indexed twice"
    assert set(ids) == expected
    assert set(doc_ids) == expected
    agg = client.search(
        index=alias,
        body={
            "size": 0,
            "track_total_hits": True,
            "aggs": {
                "dupes": {"terms": {"field": "doc_id", "min_doc_count": 2, "size": 10}},
                "distinct": {"cardinality": {"field": "doc_id", "precision_threshold": 40000}},
            },
        },
    )
    assert agg["hits"]["total"]["value"] == len(expected)
    assert agg["aggregations"]["dupes"]["buckets"] == []


def free_ports(n: int) -> int:
    """A base port with ``n`` consecutive free HTTP ports and free ``+100`` transports."""
    for _ in range(100):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            base = int(sock.getsockname()[1])
        if base + n + 100 > 65535:
            continue
        ok = True
        for p in [*range(base, base + n), *range(base + 100, base + 100 + n)]:
            with socket.socket() as probe:
                try:
                    probe.bind(("127.0.0.1", p))
                except OSError:
                    ok = False
                    break
        if ok:
            return base
    raise RuntimeError("no free ports on 127.0.0.1")


@pytest.fixture
def alias(unique_name: str) -> Iterator[str]:
    yield unique_name
