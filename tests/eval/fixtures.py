"""Tiny XQuAD-R-shaped and BEIR-shaped datasets, written by the tests that use them."""

from __future__ import annotations

import json
from pathlib import Path

# Two parallel "languages" (en, de); each paragraph has two sentences and one question
# per sentence whose words occur only in that sentence, so a lexical search finds it first.
PARAGRAPHS = {
    "en": [
        [
            "The violin was built in Cremona by Antonio Stradivari.",
            "Its varnish contains volcanic minerals from Vesuvius.",
        ],
        [
            "Glaciers carved the fjords of Norway during the ice age.",
            "Salmon migrate upstream through the fjords every autumn.",
        ],
        [
            "Copper telegraph cables crossed the Atlantic in 1866.",
            "Morse operators in Newfoundland received the first message.",
        ],
    ],
    "de": [
        [
            "Die Geige wurde in Cremona von Antonio Stradivari gebaut.",
            "Ihr Lack enthält vulkanische Mineralien vom Vesuv.",
        ],
        [
            "Gletscher formten die Fjorde Norwegens während der Eiszeit.",
            "Lachse wandern jeden Herbst durch die Fjorde flussaufwärts.",
        ],
        [
            "Telegrafenkabel aus Kupfer querten 1866 den Atlantik.",
            "Morsefunker in Neufundland empfingen die erste Nachricht.",
        ],
    ],
}
QUESTIONS = {
    "en": [
        ["Who built the violin in Cremona?", "Which volcanic minerals does the varnish contain?"],
        ["What carved the fjords of Norway?", "When do salmon migrate upstream?"],
        [
            "When did copper telegraph cables cross the Atlantic?",
            "Where did Morse operators receive the first message?",
        ],
    ],
    "de": [
        [
            "Wer hat die Geige in Cremona gebaut?",
            "Welche vulkanischen Mineralien enthält der Lack?",
        ],
        ["Was formte die Fjorde Norwegens?", "Wann wandern Lachse flussaufwärts?"],
        [
            "Wann querten Telegrafenkabel aus Kupfer den Atlantik?",
            "Wo empfingen Morsefunker die erste Nachricht?",
        ],
    ],
}


def write_xquad_r(root: Path, langs: tuple[str, ...] = ("en", "de")) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for lang in langs:
        paragraphs = []
        for pi, sents in enumerate(PARAGRAPHS[lang]):
            context = " ".join(sents)
            breaks, pos = [], 0
            for s in sents:
                breaks.append([pos, pos + len(s)])
                pos += len(s) + 1
            qas = [
                {
                    "id": f"q{pi}-{si}",
                    "question": QUESTIONS[lang][pi][si],
                    # the answer starts at the second word of sentence si
                    "answers": [
                        {
                            "answer_start": breaks[si][0] + sents[si].index(" ") + 1,
                            "text": sents[si].split()[1],
                        }
                    ],
                }
                for si in range(len(sents))
            ]
            paragraphs.append(
                {"context": context, "sentences": sents, "sentence_breaks": breaks, "qas": qas}
            )
        doc = {"version": "test", "data": [{"title": "t", "paragraphs": paragraphs}]}
        (root / f"{lang}.json").write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    return root


def write_beir(root: Path, header: bool = True) -> Path:
    """The same content in BEIR form: one document per sentence, graded qrels."""
    root.mkdir(parents=True, exist_ok=True)
    corpus, queries, qrels = [], [], []
    for lang in ("en", "de"):
        for pi, sents in enumerate(PARAGRAPHS[lang]):
            for si, text in enumerate(sents):
                corpus.append({"_id": f"{lang}{pi}{si}", "title": "", "text": text, "lang": lang})
                queries.append(
                    {"_id": f"Q{lang}{pi}{si}", "text": QUESTIONS[lang][pi][si], "lang": lang}
                )
    for q in queries:
        key = q["_id"][3:]
        for lang in ("en", "de"):
            qrels.append(f"{q['_id']}\t{lang}{key}\t1")
    (root / "corpus.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in corpus) + "\n", "utf-8"
    )
    (root / "queries.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in queries) + "\n", "utf-8"
    )
    lines = (["query-id\tcorpus-id\tscore"] if header else []) + qrels
    (root / "qrels.tsv").write_text("\n".join(lines) + "\n", "utf-8")
    return root
