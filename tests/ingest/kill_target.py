"""Run an ingest in a child process (for SIGKILL tests): ``kill_target.py CONFIG INPUT DL DELAY``.

The config is JSON (parsed with :func:`babelsearch.config.parse_config`); the encoder
is the deterministic :class:`HashEncoder`, slowed by DELAY seconds per batch so the
parent can kill the run midway.
"""

from __future__ import annotations

import sys
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hash_encoder import HashEncoder

from babelsearch.config import parse_config
from babelsearch.ingest import Ingestor


def main() -> int:
    cfg_path, input_path, dead_letter, delay, resume = sys.argv[1:6]
    cfg = parse_config(orjson.loads(Path(cfg_path).read_bytes()))
    ing = Ingestor(cfg, encoder=HashEncoder(delay=float(delay)), dead_letter=dead_letter)
    report = ing.run(input_path, resume=resume == "resume")
    sys.stdout.write(orjson.dumps(report.to_dict()).decode() + "\n")
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main())
