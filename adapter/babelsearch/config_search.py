"""The search settings' vocabulary: modes, weight keys and weight defaults, in one home.

Why here and not in :mod:`babelsearch.query`: the query package builds on the config,
so the config cannot import it to check ``search.mode`` or ``search.weights`` when a
file is loaded. The names and the defaults live in this module, below both; the loader
checks against them and :mod:`babelsearch.query.weights` / :mod:`babelsearch.query.modes`
read them from here. Nothing here imports beyond the standard library and the errors.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping
from typing import Literal, get_args

from .errors import ConfigError

__all__ = [
    "DEFAULT_WEIGHTS",
    "MODES",
    "SIGNALS",
    "SearchMode",
    "WindowPolicy",
    "check_mode",
    "check_weights",
    "weight_key_problem",
]

SearchMode = Literal["auto", "bm25", "dense", "sparse", "hybrid", "bool", "rrf"]
"""What ``search.mode`` and a search's ``mode`` may be (see :mod:`babelsearch.query.builder`)."""
MODES: tuple[str, ...] = get_args(SearchMode)

WindowPolicy = Literal["adaptive", "fixed"]
"""What ``search.windows`` may be (see :mod:`babelsearch.query.windows`)."""

SIGNALS = ("dense", "lexical", "ngram", "neutral", "sparse")
"""The per-relation signals of ``auto`` fusion (``same.<signal>``, ``cross.<signal>``)."""

# ``cross.lexical`` weighs the *substitute* for lexical evidence on other-language
# documents (their calibrated dense score; see :mod:`babelsearch.query.fusion`). Each
# relation's weights sum to 1, so a cross-language candidate
# (``0.5 dense + 0.4 substitute + 0.1 names/numbers``) and a same-language one
# (``0.25 dense + 0.43 lexical + 0.32 n-grams``) share one [0, 1] scale. The same-
# language text share (lexical + n-gram, 0.75) shrinks by up to ``corroboration``
# when dense disagrees with lexical (``babelsearch.query.fusion.corroborated``).
# Measured on XQuAD-R (dev languages, 300 questions each, mono MRR): BM25 + dense
# 0.5/0.5 0.803, 0.6/0.4 0.808; with n-grams, fixed 0.4/0.3/0.3 0.820, corroborated
# 0.818 -- which also keeps a weak same-language match below a strong translation.
# ``ngram`` only exists for same-language candidates with n-gram hits; where it is
# missing its weight is shared out among the other signals. ``hybrid.*`` are the clause
# weights of the server-fused ``hybrid``/``bool`` modes: the reference 0.5/0.5 min-max.
DEFAULT_WEIGHTS: dict[str, float] = {
    "same.dense": 0.25,
    "same.lexical": 0.43,
    "same.ngram": 0.32,
    "same.neutral": 0.0,
    "same.sparse": 0.0,
    "cross.dense": 0.5,
    "cross.lexical": 0.4,
    "cross.ngram": 0.0,
    "cross.neutral": 0.1,
    "cross.sparse": 0.0,
    "hybrid.dense": 0.5,
    "hybrid.lexical": 0.5,
    "hybrid.sparse": 0.0,
    "untrusted_dense": 0.25,
    "corroboration": 0.2,
    "lang_boost": 2.0,
}
"""Every fusion weight's default -- the only place they are stated."""

PAIR = re.compile(r"^[a-z]{2,3}-[a-z]{2,3}$")
"""A ``<query lang>-<doc lang>`` relation, e.g. ``de-en``."""

_GRAMMAR = (
    "use same.<signal>, cross.<signal> or <qlang>-<doclang>.<signal> with signal in "
    f"{', '.join(SIGNALS)}; hybrid.dense, hybrid.lexical, hybrid.sparse; "
    "untrusted_dense, corroboration or lang_boost"
)


def check_mode(mode: object, path: str = "search.mode") -> None:
    """A :class:`ConfigError` naming ``path`` unless ``mode`` is one of :data:`MODES`."""
    if mode not in MODES:
        allowed = ", ".join(repr(m) for m in MODES)
        raise ConfigError(f"{path}: {mode!r} is not one of {allowed}")


def weight_key_problem(key: str) -> str | None:
    """Why ``key`` is not a ``search.weights`` key (with a did-you-mean), or ``None``."""
    if key in DEFAULT_WEIGHTS:
        return None
    rel, _, sig = key.rpartition(".")
    if PAIR.match(rel):
        if sig in SIGNALS:
            return None
        choices = [f"{rel}.{s}" for s in SIGNALS]
    else:
        choices = list(DEFAULT_WEIGHTS)
    close = difflib.get_close_matches(key, choices, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"unknown key; {hint}({_GRAMMAR})"


def check_weights(weights: Mapping[str, object], path: str = "search.weights") -> None:
    """Every key known, every value a finite number >= 0 -- else a :class:`ConfigError`
    naming ``<path>.<key>``. Called at load and by ``FusionWeights.from_config``."""
    for key, value in weights.items():
        where = f"{path}.{key}"
        problem = weight_key_problem(str(key))
        if problem is not None:
            raise ConfigError(f"{where}: {problem}")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        if not math.isfinite(value) or value < 0:
            raise ConfigError(f"{where}: must be a finite number >= 0, got {value!r}")
