"""Which analyzer each language gets, and the analysis settings those analyzers need.

Why a table and not a guess: a language without the right analyzer silently loses
recall (no stemming, no stop words, or -- for CJK -- no word boundaries at all).
So every configured language resolves to exactly one analyzer here, or the spec is
rejected with a :class:`~babelsearch.errors.LanguageError` that says how to fix it.
The spec can override any language with ``analyzers: {<lang>: <analyzer>}``; that is
also how a language with no built-in analyzer (Vietnamese, Polish, ...) is mapped
to a deliberate fallback such as ``standard`` or ``neutral``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..config import Config
from ..errors import ConfigError, LanguageError
from ..types import Capabilities

__all__ = [
    "BUILTIN_LANGUAGE_ANALYZERS",
    "FALLBACK_ANALYZER",
    "GENERIC_ANALYZERS",
    "NEUTRAL_ANALYZER",
    "NGRAM_ANALYZER",
    "PLUGIN_ANALYZERS",
    "Analyzer",
    "analysis_settings",
    "analyzer_for",
    "has_builtin_analyzer",
    "neutral_analyzer",
    "ngram_analyzer",
    "resolve_analyzer",
]

# ISO 639-1 (or 639-3 where no 2-letter code exists) -> OpenSearch built-in analyzer.
BUILTIN_LANGUAGE_ANALYZERS: dict[str, str] = {
    "ar": "arabic",
    "hy": "armenian",
    "eu": "basque",
    "bn": "bengali",
    "bg": "bulgarian",
    "ca": "catalan",
    "cs": "czech",
    "da": "danish",
    "nl": "dutch",
    "en": "english",
    "et": "estonian",
    "fi": "finnish",
    "fr": "french",
    "gl": "galician",
    "de": "german",
    "el": "greek",
    "hi": "hindi",
    "hu": "hungarian",
    "id": "indonesian",
    "ga": "irish",
    "it": "italian",
    "lv": "latvian",
    "lt": "lithuanian",
    "no": "norwegian",
    "nb": "norwegian",
    "fa": "persian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "ckb": "sorani",
    "es": "spanish",
    "sv": "swedish",
    "tr": "turkish",
    "th": "thai",
}
"""Languages OpenSearch analyses well out of the box (``brazilian`` only by override)."""

CJK_LANGUAGES: dict[str, tuple[str, str]] = {
    # lang -> (plugin that provides a real tokenizer, its analyzer name)
    "ja": ("analysis-kuromoji", "kuromoji"),
    "ko": ("analysis-nori", "nori"),
    "zh": ("analysis-smartcn", "smartcn"),
}

PLUGIN_ANALYZERS: dict[str, str] = {
    "kuromoji": "analysis-kuromoji",
    "nori": "analysis-nori",
    "smartcn": "analysis-smartcn",
    "icu_analyzer": "analysis-icu",
}
"""Analyzer name -> the plugin that must be installed on the cluster for it to exist."""

GENERIC_ANALYZERS = frozenset({"standard", "simple", "whitespace", "stop", "cjk", "brazilian"})
"""Language-agnostic built-ins a spec may name as a fallback (plus ``neutral``)."""

NEUTRAL_ANALYZER = "babelsearch_neutral"
"""Our one custom analyzer: tokenize, lowercase, fold accents; never stem."""

NEUTRAL_ALIAS = "neutral"
"""What a spec writes to reuse the neutral analyzer (``analyzers: {vi: neutral}``)."""


@dataclass(frozen=True)
class Analyzer:
    """An analyzer a field references, with the analysis settings it brings along.

    Built-ins carry no definition; a custom analyzer carries its own definition and
    any token filters it needs, so the index body can collect ``settings.analysis``
    from exactly the analyzers its fields use (and nothing else).
    """

    name: str
    definition: dict[str, Any] | None = None
    filters: dict[str, dict[str, Any]] = field(default_factory=dict)
    plugin: str | None = None

    @property
    def is_custom(self) -> bool:
        return self.definition is not None


def _has_icu(caps: Capabilities | None) -> bool:
    return caps is not None and "analysis-icu" in caps.analysis_plugins


def neutral_analyzer(caps: Capabilities | None = None) -> Analyzer:
    """Standard tokenizer + lowercase + accent folding, no stemming and no stop words.

    Names, numbers and product codes survive unchanged, so ``Müller``, ``Muller`` and
    ``MULLER`` meet in every language. With analysis-icu the folding is ICU's (it also
    folds non-Latin scripts); otherwise ASCII folding.
    """
    folding = "icu_folding" if _has_icu(caps) else "asciifolding"
    return Analyzer(
        name=NEUTRAL_ANALYZER,
        definition={"type": "custom", "tokenizer": "standard", "filter": ["lowercase", folding]},
        plugin="analysis-icu" if folding == "icu_folding" else None,
    )


NGRAM_ANALYZER = "babelsearch_ngram"


def ngram_analyzer() -> Analyzer:
    """Lowercased, folded 4-grams inside each word (``Schwarzwaldklinik`` -> ``schw``,
    ``chwa``, ...): matches ``Klinik`` and ``kliniken`` where no stemmer does. CJK text
    gives no 4-grams (the standard tokenizer emits single ideographs)."""
    return Analyzer(
        name=NGRAM_ANALYZER,
        definition={
            "type": "custom",
            "tokenizer": "standard",
            "filter": ["lowercase", "asciifolding", "babelsearch_ngram4"],
        },
        filters={"babelsearch_ngram4": {"type": "ngram", "min_gram": 4, "max_gram": 4}},
    )


FALLBACK_ANALYZER = "standard"
"""What a language without a built-in analyzer falls back to where babelsearch picks for
the user (``babelsearch eval``): tokenize + lowercase, no stemming."""


def has_builtin_analyzer(lang: str) -> bool:
    """Whether OpenSearch ships an analyzer for ``lang`` (CJK ones counted: ``cjk``)."""
    return _default_for(lang, None) is not None


def _default_for(lang: str, caps: Capabilities | None) -> str | None:
    if lang in CJK_LANGUAGES:
        plugin, name = CJK_LANGUAGES[lang]
        plugins = caps.analysis_plugins if caps is not None else frozenset()
        if plugin in plugins:
            return name
        if "analysis-icu" in plugins:
            return "icu_analyzer"
        return "cjk"
    return BUILTIN_LANGUAGE_ANALYZERS.get(lang)


def _known_names() -> list[str]:
    return sorted(
        {*BUILTIN_LANGUAGE_ANALYZERS.values(), *GENERIC_ANALYZERS, *PLUGIN_ANALYZERS, "neutral"}
    )


def resolve_analyzer(cfg: Config, lang: str, caps: Capabilities | None = None) -> Analyzer:
    """The analyzer object for ``lang`` (override first, then the default table).

    ``caps`` is what the cluster offers; ``None`` (rendering offline) assumes no
    analysis plugins, so the output is the most portable body.
    """
    override = cfg.analyzers.get(lang)
    if override is not None:
        name = override.strip()
        if name in (NEUTRAL_ALIAS, NEUTRAL_ANALYZER):
            return neutral_analyzer(caps)
        if name in PLUGIN_ANALYZERS:
            plugin = PLUGIN_ANALYZERS[name]
            if caps is not None and plugin not in caps.analysis_plugins:
                raise LanguageError(
                    f"analyzers.{lang}: {name!r} needs the {plugin} plugin, which the "
                    "cluster does not have (install it, or choose another analyzer)"
                )
            return Analyzer(name=name, plugin=plugin)
        if name in GENERIC_ANALYZERS or name in BUILTIN_LANGUAGE_ANALYZERS.values():
            return Analyzer(name=name)
        raise ConfigError(
            f"analyzers.{lang}: {name!r} is not an analyzer babelsearch knows; "
            f"choose one of: {', '.join(_known_names())}"
        )
    default = _default_for(lang, caps)
    if default is None:
        raise LanguageError(
            f"language {lang!r} has no built-in OpenSearch analyzer; map it in the spec "
            f"to a fallback, e.g. `analyzers: {{{lang}: standard}}` (or `neutral` for no "
            "stemming at all)"
        )
    return Analyzer(name=default, plugin=PLUGIN_ANALYZERS.get(default))


def analyzer_for(cfg: Config, lang: str, caps: Capabilities | None = None) -> str:
    """The analyzer name the ``<field>.<lang>`` subfields use (see :func:`resolve_analyzer`)."""
    return resolve_analyzer(cfg, lang, caps).name


def analysis_settings(analyzers: Iterable[Analyzer]) -> dict[str, Any]:
    """``settings.analysis`` for the custom analyzers among ``analyzers`` (built-ins need none).

    Two different definitions under one name would make the body ambiguous, so that is
    an error rather than last-one-wins.
    """
    out_analyzers: dict[str, dict[str, Any]] = {}
    out_filters: dict[str, dict[str, Any]] = {}
    for a in analyzers:
        if a.definition is None:
            continue
        seen = out_analyzers.get(a.name)
        if seen is not None and seen != a.definition:
            raise ConfigError(f"analyzer {a.name!r} is defined twice with different settings")
        out_analyzers[a.name] = dict(a.definition)
        for fname, fdef in a.filters.items():
            if out_filters.get(fname, fdef) != fdef:
                raise ConfigError(f"token filter {fname!r} is defined twice differently")
            out_filters[fname] = dict(fdef)
    analysis: dict[str, Any] = {}
    if out_filters:
        analysis["filter"] = {k: out_filters[k] for k in sorted(out_filters)}
    if out_analyzers:
        analysis["analyzer"] = {k: out_analyzers[k] for k in sorted(out_analyzers)}
    return analysis
