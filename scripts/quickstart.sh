#!/usr/bin/env bash
# The README's first command: install, start a local OpenSearch node, apply the reference
# mapping, ingest the bundled sample corpus and run cross-lingual queries.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/babelsearch quickstart "$@"
