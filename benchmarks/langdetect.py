"""Measure the candidate language detectors on XQuAD-R: accuracy and speed.

Why: the default detector is a product decision that should follow from numbers on
the kind of text we see -- short queries (the XQuAD-R questions) and passages (the
candidate sentences) -- in the analyzer languages we ship (ar, de, en, es, ru, zh).

Each detector runs twice: over all the languages it knows ("open"), and restricted to
the six languages ("restricted", as a deployment sets ``ingest.detection.languages``).
We report raw accuracy, the share of texts that would fall back (confidence below the
default ``min_confidence``), accuracy after fallback to English (what
``resolve_language`` returns), throughput (texts per CPU second, and per wall second) and load time.
Load time of the second (restricted) run is low when the library shares models in-process.

Usage:
    python benchmarks/langdetect.py [--data ../shared/data/xquad-r] [--out benchmarks/results]
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path
from typing import Any

from babelsearch.config import LanguageDetectionConfig
from babelsearch.lang import DETECTORS, get_detector, resolve_language

LANGS = ("ar", "de", "en", "es", "ru", "zh")
ROOT = Path(__file__).resolve().parents[1]


def load(data_dir: Path) -> dict[str, dict[str, list[str]]]:
    """lang -> {"questions": [...], "sentences": [...]} from the SQuAD-layout files."""
    out: dict[str, dict[str, list[str]]] = {}
    for lang in LANGS:
        doc = json.loads((data_dir / f"{lang}.json").read_text(encoding="utf-8"))
        questions: list[str] = []
        sentences: list[str] = []
        for article in doc["data"]:
            for para in article["paragraphs"]:
                sentences.extend(s for s in para["sentences"] if s.strip())
                questions.extend(q["question"] for q in para["qas"])
        out[lang] = {"questions": questions, "sentences": sentences}
    return out


def measure(name: str, restricted: bool, data: dict[str, dict[str, list[str]]]) -> dict[str, Any]:
    cfg = LanguageDetectionConfig(
        detector=name, fallback="en", languages=LANGS if restricted else None
    )
    t0 = time.perf_counter()
    det = get_detector(cfg)
    det.detect("warm up the model: this is an English sentence.")
    load_s = time.perf_counter() - t0
    result: dict[str, Any] = {"detector": name, "restricted": restricted, "load_s": load_s}
    total_n = 0
    total_t = 0.0
    total_cpu = 0.0
    for kind in ("questions", "sentences"):
        per_lang: dict[str, Any] = {}
        correct_all = resolved_all = fell_back_all = n_all = 0
        for lang in LANGS:
            texts = data[lang][kind]
            t, c = time.perf_counter(), time.process_time()
            found = det.detect_many(texts)
            total_t += time.perf_counter() - t
            total_cpu += time.process_time() - c
            total_n += len(texts)
            correct = sum(d.lang == lang for d in found)
            fell_back = sum(d.confidence < cfg.min_confidence for d in found)
            resolved = sum(resolve_language(text, None, det, cfg) == lang for text in texts)
            per_lang[lang] = {
                "n": len(texts),
                "accuracy": correct / len(texts),
                "resolved_accuracy": resolved / len(texts),
                "fallback_rate": fell_back / len(texts),
            }
            correct_all += correct
            resolved_all += resolved
            fell_back_all += fell_back
            n_all += len(texts)
        result[kind] = {
            "n": n_all,
            "accuracy": correct_all / n_all,
            "resolved_accuracy": resolved_all / n_all,
            "fallback_rate": fell_back_all / n_all,
            "per_language": per_lang,
        }
    # Wall-clock throughput depends on what else runs on the machine; texts per CPU
    # second does not, so the plot and the decision use the latter.
    result["texts_per_s_wall"] = total_n / total_t if total_t else None
    result["texts_per_cpu_s"] = total_n / total_cpu if total_cpu else None
    return result


def plot(results: list[dict[str, Any]], path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    labels = [f"{r['detector']}\n{'6 langs' if r['restricted'] else 'open'}" for r in results]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
    x = range(len(results))
    ax1.bar(
        [i - 0.2 for i in x], [r["questions"]["accuracy"] for r in results], 0.4, label="questions"
    )
    ax1.bar(
        [i + 0.2 for i in x], [r["sentences"]["accuracy"] for r in results], 0.4, label="sentences"
    )
    ax1.set_xticks(list(x), labels, fontsize=7)
    ax1.set_ylim(0.8, 1.0)
    ax1.set_title("accuracy on XQuAD-R (ar de en es ru zh)")
    ax1.legend()
    ax2.bar(list(x), [r["texts_per_cpu_s"] for r in results])
    ax2.set_xticks(list(x), labels, fontsize=7)
    ax2.set_yscale("log")
    ax2.set_title("texts per CPU second")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "xquad-r")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    ap.add_argument("--detectors", nargs="*", default=list(DETECTORS))
    args = ap.parse_args()
    data = load(args.data)
    results = []
    for name in args.detectors:
        for restricted in (False, True):
            r = measure(name, restricted, data)
            print(
                f"{name:16s} {'6 langs' if restricted else 'open   '} "
                f"q={r['questions']['accuracy']:.4f} s={r['sentences']['accuracy']:.4f} "
                f"q_resolved={r['questions']['resolved_accuracy']:.4f} "
                f"{r['texts_per_cpu_s']:.0f} texts/cpu-s ({r['texts_per_s_wall']:.0f}/s wall) "
                f"load={r['load_s']:.2f}s",
                flush=True,
            )
            results.append(r)
    args.out.mkdir(parents=True, exist_ok=True)
    payload = {
        "dataset": "XQuAD-R (questions = short queries, sentences = passages)",
        "languages": LANGS,
        "min_confidence": LanguageDetectionConfig().min_confidence,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "results": results,
    }
    (args.out / "langdetect.json").write_text(json.dumps(payload, indent=2), encoding="utf-8")
    plot(results, args.out / "langdetect.png")


if __name__ == "__main__":
    main()
