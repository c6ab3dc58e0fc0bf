"""The packaged sample corpus: well-formed, multilingual, and with real cross-lingual targets.

Why these checks: the quick start and the evaluation trust this corpus to show that a
query in one language finds passages written in another. A typo in a qrel id, a demo
query that also has a same-language answer, or a passage labelled ``pt`` that is
really Spanish would make the demo prove nothing -- so each of those is measured
here instead of being assumed.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
import tomllib
from collections import Counter, defaultdict
from importlib import resources
from pathlib import Path
from typing import Any

import py3langid
import pytest

import babelsearch
from babelsearch.samples import (
    load_sample_corpus,
    load_sample_queries,
    sample_corpus_path,
    sample_queries_path,
)

REPO = Path(__file__).resolve().parents[2]
ID_RE = re.compile(r"^(?P<stem>[a-z]+-\d{3})-(?P<lang>[a-z]{2})$")
REQUIRED_LANGS = {"en", "de", "fr", "es", "it", "pt", "nl", "ru", "ar", "zh", "ja", "ko"}


@pytest.fixture(scope="module")
def corpus() -> list[dict[str, Any]]:
    return load_sample_corpus()


@pytest.fixture(scope="module")
def queries() -> list[dict[str, Any]]:
    return load_sample_queries()


@pytest.fixture(scope="module")
def by_id(corpus: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {doc["id"]: doc for doc in corpus}


def test_ids_are_unique_and_carry_their_language(corpus: list[dict[str, Any]]) -> None:
    ids = [doc["id"] for doc in corpus]
    dupes = [i for i, n in Counter(ids).items() if n > 1]
    assert not dupes, f"duplicate ids: {dupes}"
    for doc in corpus:
        m = ID_RE.match(doc["id"])
        assert m, f"id {doc['id']!r} is not <topic>-<nnn>-<lang>"
        assert m["lang"] == doc["lang"], f"{doc['id']}: id suffix differs from lang"


def test_every_record_is_complete(corpus: list[dict[str, Any]]) -> None:
    assert 250 <= len(corpus) <= 500
    for doc in corpus:
        assert set(doc) == {"id", "title", "body", "lang", "topic", "published"}, doc["id"]
        for key in ("title", "body", "lang", "topic"):
            assert isinstance(doc[key], str) and doc[key].strip(), f"{doc['id']}: empty {key}"
        published = dt.date.fromisoformat(doc["published"])
        assert dt.date(2000, 1, 1) <= published <= dt.date(2030, 1, 1)
        # Short passages (1-4 sentences): long enough to mean something, short enough
        # to stay one chunk with the default chunking (max_chars 1200).
        assert 40 <= len(doc["body"]) <= 600, f"{doc['id']}: body length {len(doc['body'])}"


def test_languages_are_broad_and_deep(corpus: list[dict[str, Any]]) -> None:
    per_lang = Counter(doc["lang"] for doc in corpus)
    assert set(per_lang) >= REQUIRED_LANGS, f"missing: {REQUIRED_LANGS - set(per_lang)}"
    deep = [lang for lang, n in per_lang.items() if n >= 15]
    assert len(deep) >= 8, f"languages with >= 15 docs: {sorted(deep)}"
    assert len(per_lang) >= 15
    topics = Counter(doc["topic"] for doc in corpus)
    assert len(topics) >= 10, topics


def test_scripts_match_the_language(corpus: list[dict[str, Any]]) -> None:
    """A cheap guard against a passage pasted under the wrong label."""
    script = {
        "ar": r"[\u0600-\u06ff]",
        "ru": r"[\u0400-\u04ff]",
        "el": r"[\u0370-\u03ff]",
        "hi": r"[\u0900-\u097f]",
        "th": r"[\u0e00-\u0e7f]",
        "ko": r"[\uac00-\ud7af]",
        "ja": r"[\u3040-\u30ff]",  # kana: kanji alone could be Chinese
        "zh": r"[\u4e00-\u9fff]",
    }
    for doc in corpus:
        pattern = script.get(doc["lang"])
        if pattern:
            assert re.search(pattern, doc["body"]), f"{doc['id']}: no {doc['lang']} script"
        if doc["lang"] == "zh":
            assert not re.search(r"[\u3040-\u30ff]", doc["body"]), f"{doc['id']}: kana in zh"


def test_facts_are_translated(corpus: list[dict[str, Any]]) -> None:
    facts: dict[str, set[str]] = defaultdict(set)
    for doc in corpus:
        m = ID_RE.match(doc["id"])
        assert m
        if m["stem"].startswith("fact-"):
            facts[m["stem"]].add(doc["lang"])
    assert len(facts) >= 55
    thin = {stem: langs for stem, langs in facts.items() if not 3 <= len(langs) <= 5}
    assert not thin, f"facts need 3-5 languages: {thin}"


def test_every_qrel_exists(queries: list[dict[str, Any]], by_id: dict[str, Any]) -> None:
    qids = [q["qid"] for q in queries]
    assert len(qids) == len(set(qids))
    assert len(queries) >= 55
    for q in queries:
        assert q["text"].strip() and q["lang"] and q["relevant"], q["qid"]
        missing = [i for i in q["relevant"] if i not in by_id]
        assert not missing, f"{q['qid']}: unknown relevant ids {missing}"


def test_most_queries_are_cross_lingual(
    queries: list[dict[str, Any]], by_id: dict[str, Any]
) -> None:
    cross = [q for q in queries if any(by_id[i]["lang"] != q["lang"] for i in q["relevant"])]
    mono = [q for q in queries if all(by_id[i]["lang"] == q["lang"] for i in q["relevant"])]
    assert len(cross) >= 0.7 * len(queries), (len(cross), len(queries))
    assert len(mono) >= 5, "some mono-lingual queries keep the same-language path honest"


def test_demo_queries_have_answers_only_in_other_languages(
    queries: list[dict[str, Any]], corpus: list[dict[str, Any]], by_id: dict[str, Any]
) -> None:
    demos = [q for q in queries if q.get("demo") is True]
    assert len(demos) >= 6
    assert len({q["lang"] for q in demos}) >= 5, "demos should show several query languages"
    for q in demos:
        rel_langs = {by_id[i]["lang"] for i in q["relevant"]}
        assert rel_langs - {q["lang"]}, f"{q['qid']}: no relevant doc in another language"
        assert q["lang"] not in rel_langs, f"{q['qid']}: a same-language answer exists"
        # No sibling translation in the query language is hiding outside the qrels.
        stems = {ID_RE.match(i)["stem"] for i in q["relevant"]}  # type: ignore[index]
        siblings = [d["id"] for d in corpus if d["id"][:-3] in stems and d["lang"] == q["lang"]]
        assert not siblings, f"{q['qid']}: same-language sibling {siblings}"
        # Several answers, so the demo does not hinge on a single passage.
        assert len(rel_langs) >= 3


def test_labels_agree_with_py3langid(
    corpus: list[dict[str, Any]], queries: list[dict[str, Any]]
) -> None:
    """At least 90% of passages (and 85% of the shorter queries) are detected as labelled.

    Measured twice: with py3langid's own ``classify`` (its bundled default model), and with
    the detector ingest actually uses (``get_detector`` with the default config), so a
    label that only one of them accepts is still noticed.
    """
    from babelsearch.config import LanguageDetectionConfig
    from babelsearch.lang import get_detector

    detector = get_detector(LanguageDetectionConfig(detector="py3langid"))
    detectors = {
        "py3langid.classify": lambda text: str(py3langid.classify(text)[0]),
        "babelsearch py3langid": lambda text: detector.detect(text).lang,
    }
    for name, detect in detectors.items():
        wrong = [
            (doc["id"], got)
            for doc in corpus
            if (got := detect(f"{doc['title']}\n{doc['body']}")) != doc["lang"]
        ]
        agreement = 1 - len(wrong) / len(corpus)
        assert agreement >= 0.90, f"{name}: agreement {agreement:.3f}; mislabelled? {wrong[:20]}"
        q_wrong = [(q["qid"], got) for q in queries if (got := detect(q["text"])) != q["lang"]]
        assert 1 - len(q_wrong) / len(queries) >= 0.85, f"{name}: {q_wrong}"


def test_loader_reads_the_installed_package(corpus: list[dict[str, Any]]) -> None:
    package_dir = Path(babelsearch.__file__).resolve().parent
    path = sample_corpus_path()
    assert path.is_file() and path.resolve().parent == package_dir / "samples"
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    assert len(lines) == len(corpus)
    assert sample_queries_path().is_file()
    assert len(load_sample_queries()) == len(
        [ln for ln in sample_queries_path().read_text(encoding="utf-8").splitlines() if ln]
    )
    traversable = resources.files("babelsearch.samples")
    assert traversable.joinpath("corpus.jsonl").is_file()


def test_package_data_ships_the_samples() -> None:
    """The wheel must contain the files the loader opens (package-data globs)."""
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    globs = pyproject["tool"]["setuptools"]["package-data"]["babelsearch.samples"]
    for name in ("corpus.jsonl", "queries.jsonl"):
        assert any(fnmatch.fnmatch(name, g) for g in globs), (name, globs)
    assert "babelsearch.samples" in pyproject["tool"]["setuptools"]["packages"]


def test_records_validate_as_documents() -> None:
    """Every record passes the ingest validation with the fields the quick start declares."""
    from babelsearch.config import FieldsConfig
    from babelsearch.ingest.readers import iter_jsonl
    from babelsearch.ingest.validate import to_document
    from babelsearch.types import Document

    fields = FieldsConfig(metadata={"topic": "keyword", "published": "date"})
    with sample_corpus_path().open("rb") as stream:
        results = [to_document(rec, fields) for rec in iter_jsonl(stream)]
    rejected = [r for r in results if not isinstance(r, Document)]
    assert not rejected, rejected[:3]
    assert len(results) == len(load_sample_corpus())
