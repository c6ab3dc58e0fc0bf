"""Through the Python API, the default encoder must align translations across languages."""

from __future__ import annotations

import numpy as np

from babelsearch.config import EncoderConfig
from babelsearch.encoders import describe_encoder, get_encoder

# (source, translation): different topics, so every non-translation is a real distractor.
PAIRS = [
    ("Who invented the telephone?", "Wer hat das Telefon erfunden?"),
    ("The cat is sleeping on the sofa.", "El gato está durmiendo en el sofá."),
    (
        "How much does a train ticket to Paris cost?",
        "Combien coûte un billet de train pour Paris ?",
    ),
    ("The river flooded the village last spring.", "Прошлой весной река затопила деревню."),
    ("I would like a cup of green tea.", "我想要一杯绿茶。"),
    ("The museum is closed on Mondays.", "المتحف مغلق أيام الاثنين."),
    ("She plays the piano every evening.", "Ela toca piano todas as noites."),
    (
        "Our football team won the championship.",
        "Onze voetbalploeg heeft het kampioenschap gewonnen.",
    ),
    ("The doctor prescribed antibiotics for the infection.", "医師は感染症に抗生物質を処方した。"),
    ("Interest rates will rise next year.", "I tassi di interesse aumenteranno l'anno prossimo."),
    (
        "Volcanoes erupt when magma reaches the surface.",
        "Yanardağlar magma yüzeye ulaştığında patlar.",
    ),
    ("Where is the nearest pharmacy?", "Gdzie jest najbliższa apteka?"),
]


def test_translations_score_higher_than_non_translations() -> None:
    enc = get_encoder(EncoderConfig(kind="use"))
    src = enc.encode_queries([a for a, _ in PAIRS]).dense
    tgt = enc.encode_documents([b for _, b in PAIRS]).dense
    sim = src @ tgt.T  # unit vectors: dot product is the cosine
    for i, (a, b) in enumerate(PAIRS):
        row_others = np.delete(sim[i], i)
        col_others = np.delete(sim[:, i], i)
        assert sim[i, i] > row_others.max(), f"{a!r} is closer to another text than to {b!r}"
        assert sim[i, i] > col_others.max(), f"{b!r} is closer to another text than to {a!r}"
    # and by a margin, not by noise
    margin = np.diag(sim) - np.max(sim - np.eye(len(PAIRS)) * 10, axis=1)
    assert float(margin.mean()) > 0.2


def test_use_declares_its_languages() -> None:
    info = describe_encoder(EncoderConfig(kind="use"))
    assert info.dimension == 512 and info.similarity == "cosine" and info.normalized
    assert not info.sparse
    assert info.languages is not None and len(info.languages) == 15  # zh covers zh-cn and zh-tw
    for lang in ("ar", "zh", "nl", "en", "fr", "de", "it", "ja", "ko", "pl", "pt", "es", "th"):
        assert info.covers(lang)
    assert info.covers("tr") and info.covers("ru")
    assert not info.covers("fi") and not info.covers("hi")
    override = describe_encoder(EncoderConfig(kind="use", languages=("en", "de")))
    assert override.languages == frozenset({"en", "de"})
