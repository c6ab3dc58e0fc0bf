"""Language-aware index mappings, rendered purely from a spec.

Everything here is pure (dicts in, dicts out), so mappings are unit-tested and
diffed without a cluster; :mod:`babelsearch.admin` does the I/O (apply, migrate,
status) on top of it.
"""

from __future__ import annotations

from .analyzers import (
    BUILTIN_LANGUAGE_ANALYZERS,
    NEUTRAL_ANALYZER,
    Analyzer,
    analysis_settings,
    analyzer_for,
    neutral_analyzer,
    resolve_analyzer,
)
from .body import (
    SPEC_VERSION,
    IndexSpec,
    build_index_body,
    build_index_spec,
    parse_version,
    spec_hash,
    versioned_name,
)
from .fields import SPACE_TYPES
from .meta import META_KEY, index_meta, mappings_meta, write_index_of
from .pipelines import PIPELINE_KINDS, pipeline_body, pipeline_names, pipeline_template
from .plan import Change, CreateIndex, InPlaceUpdate, NeedsNewIndex, NothingToDo, Plan, plan_changes

__all__ = [
    "BUILTIN_LANGUAGE_ANALYZERS",
    "META_KEY",
    "NEUTRAL_ANALYZER",
    "PIPELINE_KINDS",
    "SPACE_TYPES",
    "SPEC_VERSION",
    "Analyzer",
    "Change",
    "CreateIndex",
    "InPlaceUpdate",
    "IndexSpec",
    "NeedsNewIndex",
    "NothingToDo",
    "Plan",
    "analysis_settings",
    "analyzer_for",
    "build_index_body",
    "build_index_spec",
    "index_meta",
    "mappings_meta",
    "neutral_analyzer",
    "parse_version",
    "pipeline_body",
    "pipeline_names",
    "pipeline_template",
    "plan_changes",
    "resolve_analyzer",
    "spec_hash",
    "versioned_name",
    "write_index_of",
]
