#!/usr/bin/env bash
# The README's second command: install (with the bge/st extras the encoder contract suite
# needs, and ray for the Ray engine's tests) and run every test. Integration tests start
# a local node themselves unless BABELSEARCH_URL points at one.
set -euo pipefail
cd "$(dirname "$0")/.."
BABELSEARCH_EXTRAS="${BABELSEARCH_EXTRAS:-dev,bge,st,ray}" bash scripts/bootstrap.sh
.venv/bin/ruff check adapter tests benchmarks examples
.venv/bin/mypy
exec .venv/bin/pytest -q "$@"
