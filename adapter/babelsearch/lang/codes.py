"""Language-code normalization to ISO 639-1.

Why: each detector library speaks its own dialect (``zh-cn``, ``__label__zh``,
``ENGLISH``, legacy ``iw``) while the mapping's subfields are named by plain
ISO 639-1 codes; a document tagged ``zh-TW`` must land in the ``zh`` subfield.
"""

from __future__ import annotations

__all__ = ["has_letters", "normalize_code"]

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
    return _ISO3.get(primary, primary)


def has_letters(text: str) -> bool:
    """True when the text holds at least one letter; emoji, digits and punctuation do not count."""
    return any(ch.isalpha() for ch in text)
