"""YAML configuration into typed, frozen dataclasses, validated completely at load.

Why "completely": a typo or an impossible value must fail when the file is read, naming
its key path, not at the first search or encode. So every enumerated setting is a
``Literal`` (or, for ``encoder.kind``, checked against the live encoder table), the
fusion weights are checked against the keys fusion knows, and cross-field rules run in
:func:`babelsearch.config_checks.validate`. The typed conversion itself (unknown keys,
``${ENV}`` in strings) is :mod:`babelsearch.config_convert`; the search vocabulary
(modes, weight keys and defaults) is :mod:`babelsearch.config_search`.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, get_args

import yaml

from .config_checks import validate
from .config_convert import build, convert
from .config_model import *  # noqa: F403  (the classes live there; re-exported here)
from .config_model import Config, DetectorName, LanguageDetectionConfig
from .config_model import __all__ as _MODEL
from .config_search import DEFAULT_WEIGHTS, MODES, SearchMode
from .errors import ConfigError
from .urls import URL_ENV, check_cluster_url, redact_url, url_override

__all__ = [
    *_MODEL,
    "DEFAULT_WEIGHTS",
    "MODES",
    "URL_ENV",
    "SearchMode",
    "check_cluster_url",
    "load_config",
    "parse_config",
    "redact_url",
    "url_override",
]


def parse_config(data: dict[str, Any] | None, source_path: str | None = None) -> Config:
    """Build a :class:`Config` from already-parsed YAML data and validate it completely.

    Keys that moved (``encoder.workers`` -> ``encoder.use.workers``) are accepted at
    their old place for one release, with a logged notice (:func:`upgrade`)."""
    cfg = build(Config, upgrade(data or {}), "")
    cfg = dataclasses.replace(cfg, source_path=source_path)
    validate(cfg)
    return one_sparse_switch(cfg)


def load_config(path: str | os.PathLike[str] | None = None, *, url: str | None = None) -> Config:
    """Read a YAML file (``yaml.safe_load``); ``None`` gives the built-in defaults.

    The cluster URL, strongest first: ``url`` (the CLI passes ``--url`` here), then the
    ``BABELSEARCH_URL`` environment variable, then the file's ``cluster.url``, then
    ``http://127.0.0.1:9200`` -- so a script and the CLI given the same file and
    environment talk to the same cluster. A malformed URL from any of them is a
    :class:`ConfigError` naming its source. :func:`parse_config` reads no environment
    (other than ``${ENV}`` in string values).
    """
    cfg = parse_config({}) if path is None else _load_file(Path(path))
    return cfg.with_cluster_url(url_override(url))


def _load_file(p: Path) -> Config:
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {p}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {p}: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{p}: invalid YAML: {exc}") from None
    if data is not None and not isinstance(data, dict):
        raise ConfigError(f"{p}: the top level must be a mapping")
    return parse_config(data, source_path=str(p))


log = logging.getLogger(__name__)

_MOVED: dict[tuple[str, str], tuple[str, str, str]] = {
    ("encoder", "threads"): ("encoder", "use", "threads"),
    ("encoder", "workers"): ("encoder", "use", "workers"),
}
"""Old key -> its new place (accepted at the old one for one release)."""


def upgrade(data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` with moved keys at their new place and canonical spellings; a copy.

    Why before the typed conversion: the dataclasses have only the new keys, so an old
    file would otherwise fail as "unknown key". A value at an old key is type-checked
    under its old path; the same key at both places is an error, not a guess."""
    out = dict(data)
    for (sec, key), (_, sub, leaf) in _MOVED.items():
        section = out.get(sec)
        if not isinstance(section, dict) or key not in section:
            continue
        target = section.get(sub, {})
        if not isinstance(target, dict):
            continue  # the conversion reports the malformed section
        if leaf in target:
            raise ConfigError(f"{sec}.{key}: moved to {sec}.{sub}.{leaf}; give only that one")
        value = convert(int, section[key], f"{sec}.{key}")
        section = {k: v for k, v in section.items() if k != key}
        section[sub] = {**target, leaf: value}
        out[sec] = section
        log.info(
            "%s.%s is now %s.%s.%s; the old key works for one release", sec, key, sec, sub, leaf
        )
    ingest = out.get("ingest")
    detection = ingest.get("detection") if isinstance(ingest, dict) else None
    if isinstance(ingest, dict) and isinstance(detection, dict):
        given = detection.get("detector")
        name = given.lower().replace("_", "-") if isinstance(given, str) else None
        name = LanguageDetectionConfig.detector if name == "default" else name
        if name in get_args(DetectorName):
            out["ingest"] = {**ingest, "detection": {**detection, "detector": name}}
    return out


def one_sparse_switch(cfg: Config) -> Config:
    """``sparse`` and its old spelling ``encoder.sparse`` folded into one value, stored in
    both: false in either turns sparse off (as before), and a sparse-capable encoder is
    then not asked for weights nobody indexes or queries."""
    on = cfg.sparse and cfg.encoder.sparse
    if cfg.sparse == on and cfg.encoder.sparse == on:
        return cfg
    return dataclasses.replace(cfg, sparse=on, encoder=dataclasses.replace(cfg.encoder, sparse=on))
