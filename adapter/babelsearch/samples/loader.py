"""Access to the packaged sample corpus and its queries.

Why importlib.resources: the files ship inside the wheel (``babelsearch.samples`` package
data), so the quick start and the tests must find them the same way whether babelsearch
is installed editable from a checkout, as a wheel, or from a zip -- never via a path
relative to the repository.
"""

from __future__ import annotations

import atexit
import contextlib
import json
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import ConfigError

__all__ = [
    "CORPUS_FILE",
    "QUERIES_FILE",
    "load_sample_corpus",
    "load_sample_queries",
    "sample_corpus_path",
    "sample_queries_path",
]

CORPUS_FILE = "corpus.jsonl"
QUERIES_FILE = "queries.jsonl"

# Resources that live inside a zip are extracted once and removed at interpreter exit.
_extracted = contextlib.ExitStack()
atexit.register(_extracted.close)


def _resource_path(name: str) -> Path:
    resource = resources.files(__package__).joinpath(name)
    if not resource.is_file():
        raise ConfigError(f"sample file {name!r} is missing from the babelsearch package")
    if isinstance(resource, Path):
        return resource
    return _extracted.enter_context(resources.as_file(resource))


def sample_corpus_path() -> Path:
    """A real filesystem path to ``corpus.jsonl``, so it can be handed to the ingestor or CLI."""
    return _resource_path(CORPUS_FILE)


def sample_queries_path() -> Path:
    """A real filesystem path to ``queries.jsonl`` (used by ``babelsearch eval``)."""
    return _resource_path(QUERIES_FILE)


def _read_jsonl(name: str) -> list[dict[str, Any]]:
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    records: list[dict[str, Any]] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{name}:{n}: invalid JSON: {exc.msg}") from None
        if not isinstance(record, dict):
            raise ConfigError(f"{name}:{n}: expected a JSON object")
        records.append(record)
    return records


def load_sample_corpus() -> list[dict[str, Any]]:
    """The sample passages: ``id``, ``title``, ``body``, ``lang``, ``topic``, ``published``.

    The shape matches the default ``fields`` config (``id``/``lang``, text fields
    ``title`` and ``body``), so the records can be ingested as they are.
    """
    return _read_jsonl(CORPUS_FILE)


def load_sample_queries() -> list[dict[str, Any]]:
    """Queries with known answers: ``qid``, ``text``, ``lang``, ``relevant`` (ids), ``demo``."""
    return _read_jsonl(QUERIES_FILE)
