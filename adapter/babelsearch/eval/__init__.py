"""The evaluation harness behind ``babelsearch eval`` and ``benchmarks/quality.py``.

* :mod:`.metrics` -- MRR, mAP, mAP@k, nDCG@k, Recall@k; pure, aggregated per language pair;
* :mod:`.datasets` -- BEIR-style and XQuAD-R loaders, split into mono / cross / pool tasks;
* :mod:`.runner` -- indexes through the real ingestor, searches every mode through the
  real searcher on a real cluster;
* :mod:`.report` -- JSON, Markdown and a PNG chart (matplotlib, imported lazily).

Nothing is imported here, so ``import babelsearch.eval`` stays free.
"""

__all__: list[str] = []
