"""Shared bits of the example scripts: which config, which cluster, which index.

Every example reads ``examples/multilingual.yaml`` (or ``--config``), takes the cluster
from ``BABELSEARCH_URL`` (or ``--url``) and lets ``--index`` (or ``BABELSEARCH_INDEX``)
rename the alias, so CI can run each script on a throw-away index of a shared node.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
from pathlib import Path

from babelsearch import Config, load_config

EXAMPLE_CONFIG = Path(__file__).resolve().with_name("multilingual.yaml")


def add_common_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", default=str(EXAMPLE_CONFIG), help="babelsearch YAML spec")
    parser.add_argument(
        "--url", default=os.environ.get("BABELSEARCH_URL"), help="cluster URL (BABELSEARCH_URL)"
    )
    parser.add_argument(
        "--index", default=os.environ.get("BABELSEARCH_INDEX"), help="alias to use instead"
    )


def config_from_args(args: argparse.Namespace) -> Config:
    cfg = load_config(args.config).with_cluster_url(args.url)
    if args.index:
        cfg = dataclasses.replace(cfg, index=dataclasses.replace(cfg.index, name=args.index))
    return cfg
