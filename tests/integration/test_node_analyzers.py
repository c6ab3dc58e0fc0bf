"""(e) The built-in language analyzers babelsearch maps to give the stems/segments we expect.

Each phrase exercises what the analyzer is for: stemming and stop words (Snowball
and light stemmers), Arabic/Hindi normalisation, Thai dictionary segmentation and
CJK bigrams. The expected tokens are the real output of OpenSearch 2.19.
"""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.integration

CASES = [
    (
        "english",
        "The running foxes jumped over the lazy dogs",
        ["run", "fox", "jump", "over", "lazi", "dog"],
    ),
    ("german", "Die Häuser waren schöner als die Bücher", ["haus", "schon", "buch"]),
    (
        "french",
        "Les chevaux mangeaient des pommes dans les jardins",
        ["cheval", "mangeaient", "pome", "jardin"],
    ),
    (
        "spanish",
        "Los niños corrían por las calles de la ciudad",
        ["niñ", "corrian", "call", "ciudad"],
    ),
    (
        "russian",
        "Быстрые собаки бегали по зелёным полям",
        ["быстр", "собак", "бега", "зелен", "пол"],
    ),
    ("arabic", "الكتاب الجديد في المكتبة", ["كتاب", "جديد", "مكتب"]),
    ("hindi", "बच्चे किताबें पढ़ रहे हैं", ["बचच", "किताब", "पढ"]),
    ("thai", "ภาษาไทยง่ายนิดเดียว", ["ภาษา", "ไทย", "ง่าย", "นิดเดียว"]),
    (
        "cjk",
        "東京都に住んでいます",
        ["東京", "京都", "都に", "に住", "住ん", "んで", "でい", "いま", "ます"],
    ),
    ("cjk", "我爱北京天安门", ["我爱", "爱北", "北京", "京天", "天安", "安门"]),
]


@pytest.mark.parametrize(("analyzer", "text", "tokens"), CASES, ids=[c[0] for c in CASES])
def test_language_analyzer_tokens(client: Any, analyzer: str, text: str, tokens: list[str]) -> None:
    resp = client.indices.analyze(body={"analyzer": analyzer, "text": text})
    assert [t["token"] for t in resp["tokens"]] == tokens


def test_english_and_german_stem_differently(client: Any) -> None:
    """The same surface form is stemmed per language, which is why fields are per language."""

    def stems(analyzer: str) -> list[str]:
        resp = client.indices.analyze(body={"analyzer": analyzer, "text": "Universities"})
        return [t["token"] for t in resp["tokens"]]

    assert stems("english") == ["univers"]
    assert stems("german") != stems("english")
