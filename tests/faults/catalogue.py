"""The bad-input catalogue for ingest: one row per malformed or hostile record.

Each row is a JSONL line (``{ID}`` stands for the record's unique id) and the
documented outcome: ``dead`` (dead-letter entry whose reason contains ``reason``),
``skip`` (counted in ``skipped_reasons`` under ``reason``), ``indexed`` (a
documented normalisation; ``check`` inspects the stored ``_source``) or
``ignored`` (not a record at all, e.g. a blank line). Kept apart from the test so
RELIABILITY.md can point at one table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Check = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class Case:
    name: str
    line: bytes
    outcome: str
    reason: str = ""
    check: Check | None = None
    first: bool = False
    last: bool = False


def _no_extra_keys(src: dict[str, Any]) -> None:
    allowed = {"doc_id", "chunk_no", "lang", "title", "body", "n", "tag", "embedding", "sparse"}
    assert set(src) <= allowed, sorted(set(src) - allowed)


def _sparse_positive(src: dict[str, Any]) -> None:
    sp = src["sparse"]
    assert sp and all(w > 0 for w in sp.values()), sp
    assert not {"minus", "zero", "nan", ""} & set(sp), sp


def _neutral_only(src: dict[str, Any]) -> None:
    assert src["lang"] == "sw"
    assert set(src["body"]) == {"neutral"}, src["body"]


def _body_is(text: str) -> Check:
    def check(src: dict[str, Any]) -> None:
        assert text in src["body"]["neutral"], src["body"]

    return check


def _deep(depth: int) -> bytes:
    return b'{"id":"{ID}","body":"deep nest","x":' + b"[" * depth + b"]" * depth + b"}"


def _many_keys(n: int) -> bytes:
    keys = b",".join(b'"k%d":%d' % (i, i) for i in range(n))
    return b'{"id":"{ID}","body":"many keys here",' + keys + b"}"


T = b'"body":"plain words here"'
OOR = "out_of_range"
HUGE = b'{"id":"{ID}","body":"' + b"a " * 4_500_000 + b'"}'  # 9 MB > the 8 MiB line limit
CASES: list[Case] = [
    # -- bytes and encodings --------------------------------------------------------
    Case("non_utf8_bytes", b'{"id":"{ID}","body":"caf\xe9 au lait"}', "dead", "invalid_utf8"),
    Case("utf8_bom_opening_file", b'\xef\xbb\xbf{"id":"{ID}",' + T + b"}", "indexed", first=True),
    Case("utf8_bom_mid_file", b'\xef\xbb\xbf{"id":"{ID}",' + T + b"}", "dead", "bom"),
    Case("utf16_bom", b'\xff\xfe{"id":"{ID}",' + T + b"}", "dead", "bom"),
    Case("crlf_line_end", b'{"id":"{ID}",' + T + b"}\r", "indexed"),
    Case("blank_line", b"   \t", "ignored"),
    # -- JSON syntax ----------------------------------------------------------------
    Case("truncated_line", b'{"id":"{ID}","body":"cut o', "dead", "Unterminated string"),
    Case("truncated_last_line", b'{"id":"{ID}","body":"cut', "dead", "truncated_line", last=True),
    Case("not_json", b"{id: {ID}, body: words}", "dead", "invalid_json"),
    Case("top_level_array", b'["{ID}", "words"]', "dead", "not_an_object"),
    Case("top_level_string", b'"{ID} words"', "dead", "not_an_object"),
    Case("top_level_null", b"null", "dead", "not_an_object"),
    Case("top_level_number", b"42", "dead", "not_an_object"),
    Case("nan_literal", b'{"id":"{ID}",' + T + b',"n":NaN}', "dead", "nan_or_infinity"),
    Case("infinity_literal", b'{"id":"{ID}",' + T + b',"n":-Infinity}', "dead", "nan_or_infinity"),
    Case("duplicate_keys", b'{"id":"{ID}","id":"{ID}-2",' + T + b"}", "dead", "duplicate_keys"),
    Case("lone_surrogate", b'{"id":"{ID}","body":"half \\ud800 pair"}', "dead", "lone_surrogate"),
    Case(
        "huge_integer", b'{"id":"{ID}",' + T + b',"n":1' + b"0" * 40 + b"}", "dead", "out_of_range"
    ),
    Case(
        "long_overflow",
        b'{"id":"{ID}",' + T + b',"n":18446744073709551615}',
        "dead",
        "out_of_range",
    ),
    Case("float_overflow", b'{"id":"{ID}",' + T + b',"n":1e400}', "dead", "n"),
    Case("deep_nesting", _deep(5000), "dead", "too_deeply_nested"),
    Case("field_explosion", _many_keys(20000), "indexed", check=_no_extra_keys),
    Case(
        "huge_line", b'{"id":"{ID}","body":"' + b"a " * (4_500_000) + b'"}', "dead", "line_too_long"
    ),
    # -- ids and metadata-like keys ---------------------------------------------------
    Case(
        "metadata_like_keys",
        b'{"id":"{ID}",' + T + b',"_id":"evil","_index":"other","version":99,'
        b'"routing":"r","pipeline":"p","_source":{"x":1},"doc_id":"forged","embedding":[1]}',
        "indexed",
        check=_no_extra_keys,
    ),
    Case("id_too_long", b'{"id":"{ID}' + b"x" * 600 + b'",' + T + b"}", "dead", "id_too_long"),
    Case("id_odd_chars", b'{"id":"{ID}/a?b&c %2F..\xc3\xa9 *",' + T + b"}", "indexed"),
    Case("id_like_chunk_id", b'{"id":"{ID}#2",' + T + b"}", "dead", "reserved_id"),
    Case("id_bool", b'{"id":true,' + T + b"}", "dead", "invalid_id_type"),
    Case("id_object", b'{"id":{"a":1},' + T + b"}", "dead", "invalid_id_type"),
    Case("id_blank", b'{"id":"   ",' + T + b"}", "dead", "empty_id"),
    Case("id_control_chars", b'{"id":"{ID}\\u0001x",' + T + b"}", "dead", "id_control_chars"),
    # -- text -------------------------------------------------------------------------
    Case("empty_text", b'{"id":"{ID}","body":""}', "skip", "empty_text"),
    Case("whitespace_text", b'{"id":"{ID}","body":" \\t\\n "}', "skip", "empty_text"),
    Case("no_text_fields", b'{"id":"{ID}","n":1}', "skip", "empty_text"),
    Case("emoji_only", '{"id":"{ID}","body":"🎉🔥💯"}'.encode(), "skip", "no_word_characters"),
    Case("text_number", b'{"id":"{ID}","body":123}', "dead", "invalid_text_type"),
    Case("text_object", b'{"id":"{ID}","body":{"a":"b"}}', "dead", "invalid_text_type"),
    Case("nul_in_text", b'{"id":"{ID}","body":"nul\\u0000inside words"}', "indexed"),
    Case(
        "rtl_override_text",
        '{"id":"{ID}","body":"\u202eevil\u202c words"}'.encode(),
        "indexed",
        check=_body_is("words"),
    ),
    Case("invalid_lang", b'{"id":"{ID}",' + T + b',"lang":"en; drop"}', "dead", "invalid_lang"),
    Case("lang_not_string", b'{"id":"{ID}",' + T + b',"lang":42}', "dead", "invalid_lang"),
    Case(
        "unconfigured_lang",
        b'{"id":"{ID}",' + T + b',"lang":"sw"}',
        "indexed",
        check=_neutral_only,
    ),
    # -- metadata types ---------------------------------------------------------------
    Case("meta_type_conflict", b'{"id":"{ID}",' + T + b',"n":"abc"}', "dead", "metadata_type"),
    Case("meta_float_for_long", b'{"id":"{ID}",' + T + b',"n":1.5}', "dead", "metadata_type"),
    Case("meta_mixed_list", b'{"id":"{ID}",' + T + b',"tag":["a",1]}', "dead", "metadata_type"),
    Case(
        "overlong_keyword",
        b'{"id":"{ID}",' + T + b',"tag":"' + b"k" * 40000 + b'"}',
        "dead",
        "tag",
    ),
    # -- vectors from a misbehaving encoder -------------------------------------------
    Case("nan_vector", b'{"id":"{ID}","body":"FAULT_NANVEC text"}', "dead", "encoder_non_finite"),
    Case("zero_vector", b'{"id":"{ID}","body":"FAULT_ZEROVEC text"}', "dead", "encoder_zero"),
    Case(
        "wrong_dimension",
        b'{"id":"{ID}","body":"FAULT_WRONGDIM text"}',
        "dead",
        "dimension 256, expected 512",
    ),
    Case(
        "negative_sparse",
        b'{"id":"{ID}","body":"FAULT_NEGSPARSE text"}',
        "indexed",
        check=_sparse_positive,
    ),
]
