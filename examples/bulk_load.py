"""Bulk-load a JSONL file into an existing cluster.

    BABELSEARCH_URL=https://search.internal:9200 python examples/bulk_load.py docs.jsonl

Each line is one record with the fields the config names (``id``, ``lang``, ``title``,
``body``, metadata). The alias is created if it is missing. Bad records never stop the
load: they go to the dead-letter file and are counted. The script prints the ingest
report as JSON and exits 0 (all indexed or skipped), 2 (some dead-lettered) or 1 (fatal).
Re-running it is safe: ids are deterministic, so nothing is duplicated; ``--resume``
continues after the checkpoint of an interrupted run.
"""

from __future__ import annotations

import argparse
import json
import sys

from _common import add_common_args, config_from_args

from babelsearch import BabelsearchError, Ingestor


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", help="JSONL file to load")
    parser.add_argument("--resume", action="store_true", help="continue an interrupted load")
    parser.add_argument("--dead-letter", default=None, help="dead-letter JSONL path")
    parser.add_argument("--checkpoint", default=None, help="checkpoint path")
    add_common_args(parser)
    args = parser.parse_args(argv)
    try:
        cfg = config_from_args(args)
        ingestor = Ingestor(
            cfg,
            create=True,
            dead_letter=args.dead_letter,
            checkpoint=args.checkpoint,
            progress=sys.stderr.isatty(),
        )
        report = ingestor.run(args.path, resume=args.resume)
    except BabelsearchError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps({"index": cfg.index.name, **report.to_dict()}, indent=2))
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main())
