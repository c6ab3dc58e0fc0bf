"""Language-code normalization to ISO 639-1.

Why: each detector library speaks its own dialect (``zh-cn``, ``__label__zh``,
``ENGLISH``, legacy ``iw``) while the mapping's subfields are named by plain
ISO 639-1 codes; a document tagged ``zh-TW`` must land in the ``zh`` subfield.
"""

from __future__ import annotations

import re

__all__ = ["has_letters", "normalize_code", "script_correction"]

# Regional varieties the detectors report but no analyzer or encoder distinguishes.
_MACRO = {"wuu": "zh", "yue": "zh", "gan": "zh", "hak": "zh", "nan": "zh", "lzh": "zh",
          "arz": "ar", "ary": "ar", "apc": "ar", "acm": "ar", "afb": "ar", "ajp": "ar"}  # fmt: skip
_LEGACY = {"iw": "he", "in": "id", "ji": "yi", "jw": "jv", "mo": "ro", "nb": "no", "nn": "no"}
_ISO3 = {
    "ara": "ar", "ben": "bn", "bul": "bg", "cat": "ca", "ces": "cs", "cze": "cs", "dan": "da",
    "deu": "de", "ger": "de", "ell": "el", "gre": "el", "eng": "en", "spa": "es", "est": "et",
    "eus": "eu", "fas": "fa", "per": "fa", "fin": "fi", "fra": "fr", "fre": "fr", "gle": "ga",
    "glg": "gl", "heb": "he", "hin": "hi", "hun": "hu", "hye": "hy", "ind": "id", "ita": "it",
    "jpn": "ja", "kor": "ko", "lav": "lv", "lit": "lt", "nld": "nl", "dut": "nl", "nor": "no",
    "nob": "no", "pol": "pl", "por": "pt", "ron": "ro", "rum": "ro", "rus": "ru", "swe": "sv",
    "tha": "th", "tur": "tr", "ukr": "uk", "vie": "vi", "zho": "zh", "chi": "zh", "cmn": "zh",
}  # fmt: skip


def normalize_code(code: str) -> str:
    """``zh-CN`` -> ``zh``, ``pt_BR`` -> ``pt``, ``__label__en`` -> ``en``, ``deu`` -> ``de``."""
    c = code.strip().lower().removeprefix("__label__").replace("_", "-")
    primary = c.split("-", 1)[0]
    primary = _LEGACY.get(primary, primary)
    primary = _MACRO.get(primary, primary)
    return _ISO3.get(primary, primary)


def _chars(*ranges: tuple[int, int]) -> re.Pattern[str]:
    return re.compile("[" + "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in ranges) + "]")


# Counted with compiled character classes: a per-character Python loop cost 0.12 ms per
# CJK passage at ingest, a sixth of babelsearch's own CPU per passage.
_KANA = _chars((0x3040, 0x30FF), (0x31F0, 0x31FF), (0xFF66, 0xFF9F))
_HAN = _chars((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0xF900, 0xFAFF))
_HANGUL = _chars((0xAC00, 0xD7AF), (0x1100, 0x11FF), (0x3130, 0x318F))


def script_correction(text: str, lang: str) -> str:
    """Fix the CJK confusions statistical detectors make on short text.

    Han characters with no kana are not Japanese (short Chinese questions are often
    labelled ``ja``); kana means Japanese; Hangul means Korean. Scripts are facts,
    so they override the statistical guess only among zh/ja/ko.
    """
    if lang not in ("zh", "ja", "ko"):
        return lang
    kana, han, hangul = (len(p.findall(text)) for p in (_KANA, _HAN, _HANGUL))
    if hangul and hangul >= kana + han:
        return "ko"
    if kana:
        return "ja"
    if han:
        return "zh"
    return lang


def has_letters(text: str) -> bool:
    """True when the text holds at least one letter; emoji, digits and punctuation do not count."""
    return any(ch.isalpha() for ch in text)
