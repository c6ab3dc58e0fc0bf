"""Cluster URLs: validation, credential redaction and the precedence rule.

Why a module of its own: the three belong together (a validation message must show
the URL without its password, and the precedence rule validates what it picks) and
both :mod:`babelsearch.config` and :mod:`babelsearch.cluster` need them; neither reads
a URL any other way. :mod:`babelsearch.config` re-exports every name here.
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

from .errors import ConfigError

__all__ = ["URL_ENV", "check_cluster_url", "redact_url", "url_override"]

URL_ENV = "BABELSEARCH_URL"
"""Names the cluster; wins over a file's ``cluster.url``, loses to an explicit URL."""

# Everything up to the last ``@`` after an optional ``scheme://``: greedy on purpose, so a
# password holding ``/``, ``#`` or ``@`` is removed too (at worst a path is cut short).
_USERINFO = re.compile(r"^((?:[A-Za-z][A-Za-z0-9+.\-]*:)?//)?.*@", re.DOTALL)


def redact_url(url: str) -> str:
    """Drop any ``user:password@`` part so a URL can be shown or logged.

    Pure string work, no parsing: a malformed URL (a bad port, an unclosed ``[``) is
    exactly the one an error message has to show, and must not leak its password."""
    return _USERINFO.sub(lambda m: m.group(1) or "", url, count=1)


def check_cluster_url(url: str, where: str = "cluster.url") -> None:
    """Raise :class:`ConfigError` unless ``url`` is an ``http(s)://host[:port][/prefix]``.

    Why at load time: the client parses the URL lazily, so a typo such as
    ``http://host:notaport`` used to surface as an "unexpected ValueError" from deep
    inside opensearch-py, and ``:0`` or a ``?query`` were silently ignored. ``where``
    names the source (``cluster.url``, ``BABELSEARCH_URL``, ``--url``); the message shows
    the URL without credentials and never quotes any part of them."""
    shown = redact_url(url)

    def bad(problem: str) -> ConfigError:
        return ConfigError(f"{where}: {shown!r} is not a valid cluster URL: {problem}")

    if not url:
        raise bad("it is empty")
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise bad("it contains spaces or control characters")
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # e.g. an unclosed IPv6 bracket; the message has no secrets
        raise bad(str(exc)) from None
    if parts.scheme not in ("http", "https"):
        raise bad("it must start with http:// or https:// (e.g. http://localhost:9200)")
    if "@" in url and "@" not in parts.netloc:
        raise bad("a / ? # or @ in the user name or password must be percent-encoded")
    host_port = parts.netloc.rpartition("@")[2]
    if not parts.hostname:
        raise bad("it has no host name")
    try:
        port = parts.port
    except ValueError:  # not a number, or out of range
        port = 0
    if port == 0:
        raise bad(f"the port in {host_port!r} is not a number from 1 to 65535")
    if parts.query or parts.fragment:
        raise bad("a cluster URL takes no ?query or #fragment")


def url_override(url: str | None = None, *, where: str = "url") -> str | None:
    """The cluster URL that wins over a config file, validated; ``None`` if there is none.

    The one home of the precedence rule (``url`` > ``$BABELSEARCH_URL`` > the file's
    ``cluster.url`` > the default): :func:`load_config` applies it, and the CLI resolves
    ``--url`` through it once, so the environment is never applied twice or differently.
    An empty ``BABELSEARCH_URL`` counts as unset; an empty ``url`` is an error."""
    if url is not None:
        check_cluster_url(url, where)
        return url
    env = os.environ.get(URL_ENV)
    if env:
        check_cluster_url(env, URL_ENV)
        return env
    return None
