"""Fixtures for ingest tests: a cluster URL, a fresh alias + index, corpus generators."""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from babelsearch.cluster import connect
from babelsearch.config import ClusterConfig, Config, parse_config
from babelsearch.schema import build_index_body, versioned_name
from babelsearch.types import EncoderInfo

from .hash_encoder import HashEncoder
from .scan import all_ids  # noqa: F401  (re-exported for the ingest tests)

# ruff: noqa: E501
TEMPLATES: dict[str, list[tuple[str, str]]] = {
    "en": [("The weather in {c}", "It rained all day in {c}, and the river rose by {n} centimetres."),
           ("History of {c}", "The old town of {c} was founded {n} years ago by traders.")],
    "de": [("Das Wetter in {c}", "In {c} hat es den ganzen Tag geregnet, der Fluss stieg um {n} Zentimeter."),
           ("Geschichte von {c}", "Die Altstadt von {c} wurde vor {n} Jahren von Händlern gegründet.")],
    "fr": [("La météo à {c}", "Il a plu toute la journée à {c} et la rivière a monté de {n} centimètres."),
           ("Histoire de {c}", "La vieille ville de {c} a été fondée il y a {n} ans par des marchands.")],
    "es": [("El tiempo en {c}", "Llovió todo el día en {c} y el río subió {n} centímetros."),
           ("Historia de {c}", "El casco antiguo de {c} fue fundado hace {n} años por comerciantes.")],
    "zh": [("{c}的天气", "{c}下了一整天的雨，河水上涨了{n}厘米。"),
           ("{c}的历史", "{c}的老城是商人在{n}年前建立的。")],
    "ja": [("{c}の天気", "{c}では一日中雨が降り、川の水位が{n}センチ上がった。"),
           ("{c}の歴史", "{c}の旧市街は{n}年前に商人によって築かれた。")],
    "ru": [("Погода в {c}", "В {c} весь день шёл дождь, и река поднялась на {n} сантиметров."),
           ("История {c}", "Старый город {c} был основан {n} лет назад торговцами.")],
}  # fmt: skip
CITIES = ["Lyon", "Porto", "Graz", "Kyoto", "Quito", "Oslo", "Hue", "Cusco", "Aarhus", "Nara"]


def make_docs(n: int, *, seed: int = 7, long_every: int = 0, lang_every: int = 2) -> list[dict]:
    """``n`` short multilingual records; every ``lang_every``-th carries an explicit lang."""
    rng = random.Random(seed)
    langs = sorted(TEMPLATES)
    docs = []
    for i in range(n):
        lang = langs[i % len(langs)]
        title, body = rng.choice(TEMPLATES[lang])
        c, num = rng.choice(CITIES), rng.randint(2, 900)
        rec: dict[str, Any] = {
            "id": f"doc-{i:06d}",
            "title": title.format(c=c),
            "body": body.format(c=c, n=num),
            "n": num,
            "topic": lang,
        }
        if long_every and i % long_every == 0:
            rec["body"] = " ".join(body.format(c=c, n=k) for k in range(40))
        if lang_every and i % lang_every == 0:
            rec["lang"] = lang
        docs.append(rec)
    return docs


@pytest.fixture(scope="session")
def ingest_url(request: pytest.FixtureRequest) -> str:
    try:
        return str(request.getfixturevalue("opensearch_url"))
    except pytest.FixtureLookupError:
        url = os.environ.get("BABELSEARCH_URL")
        if not url:
            pytest.fail("set BABELSEARCH_URL (or provide the opensearch_url fixture)")
        return url


@pytest.fixture(scope="session")
def ingest_client(ingest_url: str) -> Any:
    return connect(ClusterConfig(url=ingest_url))


@pytest.fixture
def prefix(ingest_client: Any) -> Iterator[str]:
    name = f"t-ing-{uuid.uuid4().hex[:8]}"
    yield name
    ingest_client.indices.delete(index=f"{name}*", ignore_unavailable=True)


def make_config(url: str, alias: str, **ingest: Any) -> Config:
    data = {
        "index": {"name": alias},
        "languages": ["en", "de", "fr", "es", "zh", "ja", "ru"],
        "fields": {
            "id": "id",
            "lang": "lang",
            "text": ["title", "body"],
            "metadata": {"n": "integer", "topic": "keyword", "published": "date"},
        },
        "encoder": {"kind": "use"},
        "cluster": {"url": url},
        "ingest": ingest,
    }
    return parse_config(data)


def create_index(client: Any, cfg: Config, info: EncoderInfo) -> str:
    body = build_index_body(cfg, info)
    body["aliases"] = {cfg.index.name: {"is_write_index": True}}
    index = versioned_name(cfg.index.name, 1)
    client.indices.create(index=index, body=body)
    return index


@pytest.fixture
def hash_encoder() -> HashEncoder:
    return HashEncoder()
