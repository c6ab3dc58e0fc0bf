"""Sample multilingual corpus and queries written for the quick start and tests."""

from .loader import (
    load_sample_corpus,
    load_sample_queries,
    sample_corpus_path,
    sample_queries_path,
)

__all__ = [
    "load_sample_corpus",
    "load_sample_queries",
    "sample_corpus_path",
    "sample_queries_path",
]
