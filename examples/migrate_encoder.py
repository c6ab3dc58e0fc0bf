"""Migrate an index to a new encoder without downtime.

    BABELSEARCH_URL=http://127.0.0.1:9200 python examples/migrate_encoder.py \
        --kind sentence-transformers --model /models/multilingual-e5-small

The new spec is the old one with a different ``encoder:`` section. Vectors are never
reused across encoders, so ``babelsearch.admin.migrate`` builds ``<alias>-v<N+1>`` with
the new dimension and similarity, re-embeds every stored document with the new encoder,
checks the counts and swaps the alias atomically; readers see the old index until then,
and the old index is kept for rollback. Afterwards, search with the new config (the
query side must use the same encoder as the index: the fingerprint in ``_meta`` says
which). ``--model`` is a local directory: nothing is downloaded at run time.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys

from _common import add_common_args, config_from_args

from babelsearch import BabelsearchError, Searcher
from babelsearch.admin import migrate, status
from babelsearch.config import EncoderConfig


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_args(parser)
    parser.add_argument("--kind", default="sentence-transformers", help="new encoder kind")
    parser.add_argument("--model", required=True, help="local model directory")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--probe", default="Who invented the QR code?", help="query to try")
    args = parser.parse_args(argv)
    try:
        old = config_from_args(args)
        new = dataclasses.replace(
            old, encoder=EncoderConfig(kind=args.kind, model=args.model, device=args.device)
        )
        before = status(old)
        result = migrate(new)
        after = status(new)
        with Searcher(new) as searcher:
            probe = searcher.search(args.probe, mode="dense", k=3)
    except BabelsearchError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    out = {
        "before": before.to_dict(),
        "migration": result.to_dict(),
        "after": after.to_dict(),
        "probe": [{"id": h.id, "lang": h.lang, "score": h.score} for h in probe.hits],
    }
    print(json.dumps(out, ensure_ascii=False, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
