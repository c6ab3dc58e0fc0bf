"""The names-and-numbers terms ``auto`` sends to the neutral field of other languages.

They are found wherever they stand in the query: the first word when it is not a
sentence starter, acronyms and CamelCase, tokens with digits (with units, decimals,
codes), and words in another script than the query's.
"""

from __future__ import annotations

import pytest

from babelsearch.query.lexical import crossing_terms, neutral_query


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        # Latin script: names anywhere, the first word too unless it is sentence case
        ("Wann wurde Nikola Tesla 1856 geboren?", "Nikola Tesla 1856"),
        ("Eoandromeda là gì?", "Eoandromeda"),
        ("Tesla died in which year?", "Tesla"),
        ("What did Ediacaran Eoandromeda look like?", "Ediacaran Eoandromeda"),
        ("Đội thủ Panthers đã thua bao nhiêu điểm?", "Đội Panthers"),
        ("Ai là người đạt điểm cao nhất?", ""),
        ("¿Quién inventó el código QR y en qué año?", "QR"),
        ("Quelle est la longueur du Transsibérien ?", "Transsibérien"),
        ("l'Everest est haut", "Everest"),
        ("where is the city", ""),
        # acronyms and mixed case, first word or not
        ("UNESCO listed kimchi-making", "UNESCO"),
        ("Who designed the iPhone at Apple?", "iPhone Apple"),
        ("McLaren won", "McLaren"),
        # digits: years, units, decimals, codes, single digits
        ("How far is 5km at 3.5% grade?", "5km 3.5%"),
        ("Waarom is een marathon precies 42,195 kilometer?", "42,195"),
        ("When will tram line 7 in Kleinbrück open?", "7 Kleinbrück"),
        ("¿Cuánto dura la batería del Lumeo K-340?", "Lumeo K-340"),
        # other scripts: case-less names are not guessed, foreign-script words are kept
        ("Кто придумал кодировку UTF-8?", "UTF-8"),
        ("Сколько мешков у Джареда Аллена?", "Джареда Аллена"),
        ("TX-4400 히트펌프의 성능계수는 얼마인가요?", "TX-4400"),
        ("Internet2与谁达成合作伙伴关系", "Internet2"),
        ("IPCC的报告是什么", "IPCC"),
        ("What did the man in 東京 eat?", "東京"),
        ("ما هو أعلى بركان في المجموعة الشمسية؟", ""),
        ("本場バレンシアのパエリア", ""),
        # a new sentence opens with sentence case again
        ("Er wurde 1856 geboren. Wer war das?", "1856"),
        ("", ""),
    ],
)
def test_crossing_terms(text: str, terms: str) -> None:
    assert crossing_terms(text) == terms


def test_neutral_query_is_none_without_terms_and_matches_the_neutral_fields() -> None:
    assert neutral_query("where is the city", ["title"]) is None
    q = neutral_query("Eoandromeda là gì?", ["title", "body"])
    assert q == {
        "multi_match": {
            "query": "Eoandromeda",
            "type": "most_fields",
            "fields": ["title.neutral", "body.neutral"],
        }
    }
