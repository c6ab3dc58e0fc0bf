"""``python cli_main.py <babelsearch args>``: the real CLI with the ``fault-hash`` kind.

The SIGKILL and node-fault tests run this as a child process so they can kill it;
everything after registering the test encoder kind is ``babelsearch.cli.main``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # repo root: tests.faults.*

from tests.faults.faultenc import register

from babelsearch.cli import main

if __name__ == "__main__":
    register()
    main(sys.argv[1:])
