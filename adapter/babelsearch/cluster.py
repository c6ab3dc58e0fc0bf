"""The one place that builds OpenSearch clients, detects what a cluster can do, and
translates opensearch-py exceptions into :mod:`babelsearch.errors`.

Why one module: TLS, auth and retry policy are security- and correctness-critical;
having them decided in exactly one place means a verify-off or a double retry loop
cannot creep in elsewhere. Credentials are passed to the client and never formatted
into messages or logs (:func:`redact_url`).
"""

from __future__ import annotations

import contextlib
import logging
import re
import ssl
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .config import ClusterConfig, redact_url
from .errors import (
    BabelsearchError,
    ClusterAuthError,
    ClusterError,
    ClusterUnavailable,
)
from .types import Capabilities

if TYPE_CHECKING:  # pragma: no cover
    from opensearchpy import AsyncOpenSearch, OpenSearch

__all__ = [
    "capabilities",
    "capabilities_async",
    "client_url",
    "cluster_errors",
    "connect",
    "connect_async",
    "knn_engines",
    "parse_capabilities",
    "redact_url",
    "translate_error",
]

log = logging.getLogger("babelsearch.cluster")

# Transport-level retries for *read* traffic only. Bulk writes are retried by the ingest
# sink alone (``retries=False``), so one failure kind is never retried at two layers.
_READ_RETRIES = 2
_RETRY_STATUS = (502, 503, 504)


def _client_kwargs(cfg: ClusterConfig, *, retries: bool) -> dict[str, Any]:
    parts = urlsplit(cfg.url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ClusterError(f"cluster.url: {redact_url(cfg.url)!r} is not an http(s) URL")
    username = cfg.username or parts.username
    password = cfg.password if cfg.password is not None else parts.password
    host = parts.hostname
    port = parts.port or (443 if parts.scheme == "https" else 9200)
    use_ssl = parts.scheme == "https"
    kwargs: dict[str, Any] = {
        "hosts": [{"host": host, "port": port, "url_prefix": parts.path.rstrip("/")}],
        "use_ssl": use_ssl,
        "verify_certs": cfg.verify_certs,
        "ssl_show_warn": False,
        "timeout": cfg.timeout,
        "max_retries": _READ_RETRIES if retries else 0,
        "retry_on_timeout": retries,
        "retry_on_status": _RETRY_STATUS if retries else (),
        "http_compress": cfg.http_compress,
        "serializer": _serializer(),
    }
    if username is not None:
        kwargs["http_auth"] = (username, password or "")
    if use_ssl:
        if cfg.ca_certs:
            kwargs["ca_certs"] = cfg.ca_certs
        if cfg.client_cert:
            kwargs["client_cert"] = cfg.client_cert
        if cfg.client_key:
            kwargs["client_key"] = cfg.client_key
        if not cfg.verify_certs:
            log.warning("TLS certificate verification is OFF for %s", redact_url(cfg.url))
    return kwargs


def _serializer() -> Any:
    """opensearch-py's JSON serializer with orjson doing the work: search responses
    carry hundreds of hits and bodies 512-float vectors, and the stdlib ``json`` was
    the largest client-side cost after fusion."""
    import orjson
    from opensearchpy.exceptions import SerializationError
    from opensearchpy.serializer import JSONSerializer

    class OrjsonSerializer(JSONSerializer):
        def loads(self, s: Any) -> Any:
            try:
                return orjson.loads(s)
            except orjson.JSONDecodeError as exc:
                raise SerializationError(s, exc) from exc

        def dumps(self, data: Any) -> Any:
            if isinstance(data, (str, bytes)):
                return data
            try:
                opts = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS
                return orjson.dumps(data, default=self.default, option=opts).decode()
            except TypeError as exc:
                raise SerializationError(data, exc) from exc

    return OrjsonSerializer()


def connect(cfg: ClusterConfig, *, retries: bool = True) -> OpenSearch:
    """A synchronous client. ``retries=False`` for the bulk sink, which retries itself."""
    from opensearchpy import OpenSearch, Urllib3HttpConnection

    kwargs = _client_kwargs(cfg, retries=retries)
    kwargs["pool_maxsize"] = cfg.max_connections
    # urllib3 (not requests): faster, and pools connections per host.
    return OpenSearch(connection_class=Urllib3HttpConnection, **kwargs)


def connect_async(cfg: ClusterConfig, *, retries: bool = True) -> AsyncOpenSearch:
    """An asyncio client (aiohttp) with the same TLS/auth/retry policy as :func:`connect`."""
    from opensearchpy import AsyncOpenSearch

    kwargs = _client_kwargs(cfg, retries=retries)
    kwargs["pool_maxsize"] = cfg.max_connections
    return AsyncOpenSearch(**kwargs)


_SECRETS = re.compile(r"(://)[^/@\s]+:[^/@\s]*@")


def _clean(text: str) -> str:
    return _SECRETS.sub(r"\1", text)


def translate_error(exc: BaseException, *, url: str | None = None) -> BabelsearchError:
    """Map an opensearch-py exception to our error tree with a message a person can act on.

    The message names the cluster (``url``, else the node the request went to) without
    credentials; a TLS failure also says which setting fixes it (:func:`_tls_hint`)."""
    from opensearchpy import exceptions as ox

    if isinstance(exc, BabelsearchError):
        return exc
    tried = url or _tried_url(exc)
    where = f" at {redact_url(tried)}" if tried else ""
    if isinstance(exc, ox.SSLError | ssl.SSLError) or _tls_cause(exc):
        root = _clean(_root_message(exc))
        return ClusterUnavailable(
            f"TLS handshake with the cluster{where} failed: {root} ({_tls_hint(root)})"
        )
    if isinstance(exc, ox.ConnectionTimeout):
        return ClusterUnavailable(f"the cluster{where} did not answer in time")
    if isinstance(exc, ox.ConnectionError):
        return ClusterUnavailable(
            f"cannot reach the cluster{where}: {_clean(_root_message(exc))} "
            "(is it running? `babelsearch node start` starts a local one)"
        )
    if isinstance(exc, ox.AuthenticationException):
        return ClusterAuthError(f"the cluster{where} rejected the credentials (401)")
    if isinstance(exc, ox.AuthorizationException):
        return ClusterAuthError(
            f"the user is not allowed to do this on the cluster{where} (403): {_reason(exc)}"
        )
    if isinstance(exc, ox.TransportError):
        return ClusterError(f"the cluster{where} answered {exc.status_code}: {_reason(exc)}")
    return ClusterError(f"unexpected cluster error{where}: {_clean(str(exc))}")


def _tls_cause(exc: BaseException) -> bool:
    """Is a TLS failure behind ``exc``? The async client reports one as a plain
    ``ConnectionError`` (aiohttp's SSL error in ``info``), which must not read "is it running?"."""
    todo: list[BaseException] = [exc]
    for _ in range(8):
        if not todo:
            break
        cur = todo.pop()
        if isinstance(cur, ssl.SSLError):
            return True
        info = getattr(cur, "info", None)
        todo += [e for e in (info, cur.__cause__, cur.__context__) if isinstance(e, BaseException)]
    return False


def _tried_url(exc: BaseException) -> str | None:
    """The node a failed request went to, for callers that pass no URL.

    opensearch-py does not record it on the exception; the connection that raised it is
    in the traceback, and its ``host`` is ``scheme://host:port`` without credentials."""
    from opensearchpy.connection.base import Connection

    tb = exc.__traceback__
    while tb is not None:
        conn = tb.tb_frame.f_locals.get("self")
        if isinstance(conn, Connection):
            return f"{conn.host}{conn.url_prefix}"
        tb = tb.tb_next
    return None


# Root-cause fragments (OpenSSL / CPython / urllib3 wording) -> what to change.
_TLS_HINTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        ("wrong_version_number", "record layer failure", "http request", "unknown protocol"),
        "the node may not speak TLS: if it serves plain HTTP, use http:// in the URL; "
        "otherwise check cluster.ca_certs and cluster.verify_certs",
    ),
    (
        ("hostname mismatch", "ip address mismatch", "doesn't match"),
        "the host name in the URL is not in the node's certificate: use a name it lists "
        "(cluster.ca_certs cannot fix this; cluster.verify_certs: false skips the check, "
        "for a throwaway test node only)",
    ),
    (
        ("certificate verify failed", "self-signed", "self signed", "unable to get local issuer"),
        "the node's certificate is not trusted: set cluster.ca_certs to the PEM of the CA "
        "that signed it (cluster.verify_certs: false only for a throwaway test node)",
    ),
    (
        ("alert unknown ca", "alert bad certificate", "certificate required", "alert certificate"),
        "the node refused the client certificate: check cluster.client_cert and "
        "cluster.client_key (and cluster.ca_certs, cluster.verify_certs)",
    ),
)


def _tls_hint(root: str) -> str:
    low = root.lower()
    for needles, hint in _TLS_HINTS:
        if any(n in low for n in needles):
            return hint
    return (
        "check cluster.ca_certs, cluster.client_cert/client_key, the host name in the URL, "
        "or cluster.verify_certs"
    )


def _root_message(exc: BaseException) -> str:
    inner: BaseException = exc
    for _ in range(5):
        nxt = getattr(inner, "info", None)
        if isinstance(nxt, BaseException):
            inner = nxt
            continue
        break
    return str(inner).splitlines()[0][:300] if str(inner) else type(inner).__name__


def _reason(exc: Any) -> str:
    info = getattr(exc, "info", None)
    if isinstance(info, dict):
        err = info.get("error")
        if isinstance(err, dict):
            root = err.get("root_cause") or [err]
            first = root[0] if isinstance(root, list) and root else err
            if isinstance(first, dict):
                return _clean(f"{first.get('type', '')}: {first.get('reason', '')}".strip(": "))
        if isinstance(err, str):
            return _clean(err)
    return _clean(str(getattr(exc, "error", "") or exc))[:300]


@contextlib.contextmanager
def cluster_errors(url: str | None = None) -> Iterator[None]:
    """Translate opensearch-py exceptions raised inside the block."""
    from opensearchpy import exceptions as ox

    try:
        yield
    except (ox.OpenSearchException, ssl.SSLError) as exc:
        raise translate_error(exc, url=url) from exc


def client_url(client: Any) -> str | None:
    """The first host of a client as a credential-free URL, for error messages."""
    try:
        host = client.transport.hosts[0]
        tls = bool(getattr(client.transport, "kwargs", {}).get("use_ssl"))  # set by connect()
    except (AttributeError, IndexError, TypeError):
        return None
    tls = tls or bool(host.get("use_ssl")) or host.get("scheme") == "https"
    prefix = host.get("url_prefix") or ""
    return f"{'https' if tls else 'http'}://{host.get('host')}:{host.get('port')}{prefix}"


_ANALYSIS_PLUGINS = ("analysis-kuromoji", "analysis-nori", "analysis-smartcn", "analysis-icu")


def capabilities(client: OpenSearch) -> Capabilities:
    """Detect version, plugins and search features of a live cluster (two cheap GETs).

    The search-pipeline processors are read from ``_nodes`` so that a cluster that has
    neural-search but not, say, the RRF score ranker (added in 2.19) is described exactly.
    """
    with cluster_errors(client_url(client)):
        info = client.info()
        plugins_raw = client.cat.plugins(format="json")
        nodes = client.nodes.info(metric="plugins,search_pipelines")
    stats = None
    if _has_knn(plugins_raw):
        with contextlib.suppress(Exception):  # no permission for stats: no evidence
            stats = client.transport.perform_request("GET", _KNN_STATS)
    return parse_capabilities(info, plugins_raw, nodes, stats)


async def capabilities_async(client: AsyncOpenSearch) -> Capabilities:
    """:func:`capabilities` over an asyncio client (same GETs, same parsing)."""
    from opensearchpy import exceptions as ox

    try:
        info = await client.info()
        plugins_raw = await client.cat.plugins(format="json")
        nodes = await client.nodes.info(metric="plugins,search_pipelines")
    except ox.OpenSearchException as exc:
        raise translate_error(exc) from exc
    stats = None
    if _has_knn(plugins_raw):
        with contextlib.suppress(Exception):
            stats = await client.transport.perform_request("GET", _KNN_STATS)
    return parse_capabilities(info, plugins_raw, nodes, stats)


_KNN_STATS = "/_plugins/_knn/stats"


def _has_knn(plugins_raw: Sequence[Mapping[str, Any]] | None) -> bool:
    return any(str(p.get("component")) == "opensearch-knn" for p in plugins_raw or [])


def knn_engines(has_knn: bool, knn_stats: Mapping[str, Any] | None) -> frozenset[str]:
    """The k-NN engines the cluster has shown it can run. lucene is pure Java. faiss and
    nmslib are JNI libraries the plugin may not ship (the Maven Central build has none),
    and a node without them dies (``UnsatisfiedLinkError``) at the first refresh of such
    an index; no API lists them and no probe is safe, so the evidence is
    ``<engine>_initialized`` in ``_plugins/_knn/stats`` on every node. A cluster that has
    the libraries but has not used them is a false negative: ``dense.skip_engine_check``."""
    engines = {"lucene"} if has_knn else set()
    per_node = [n for n in ((knn_stats or {}).get("nodes") or {}).values() if isinstance(n, dict)]
    for engine in ("faiss", "nmslib"):
        if has_knn and per_node and all(n.get(f"{engine}_initialized") is True for n in per_node):
            engines.add(engine)
    return frozenset(engines)


def parse_capabilities(
    info: Mapping[str, Any],
    plugins_raw: Sequence[Mapping[str, Any]] | None,
    nodes: Mapping[str, Any],
    knn_stats: Mapping[str, Any] | None = None,
) -> Capabilities:
    """The :class:`Capabilities` described by ``GET /``, ``_cat/plugins``, ``_nodes`` and
    (for the native k-NN engines, :func:`knn_engines`) ``_plugins/_knn/stats``."""
    version = str(info.get("version", {}).get("number", "0"))
    distribution = str(info.get("version", {}).get("distribution", "elasticsearch"))
    plugins = frozenset(str(p.get("component")) for p in plugins_raw or [])
    processors: set[str] = set()
    modules: set[str] = set()
    lists_phase_results = False
    for node in (nodes.get("nodes") or {}).values():
        sp = node.get("search_pipelines") or {}
        lists_phase_results = lists_phase_results or "phase_results_processors" in sp
        for kind in ("request_processors", "response_processors", "phase_results_processors"):
            for proc in sp.get(kind) or []:
                processors.add(str(proc.get("type")))
        for mod in node.get("modules") or []:
            modules.add(str(mod.get("name")))
    has_neural = "opensearch-neural-search" in plugins
    has_knn = "opensearch-knn" in plugins
    # 3.x lists the phase-results processors (normalization, score ranker) in
    # ``_nodes``, so there they are read exactly. 2.x lists only request/response
    # ones; there they are inferred from the neural-search plugin and the version
    # that introduced them (2.10 and 2.19), the one guess detection cannot avoid.
    vt = Capabilities(version=version).version_tuple
    if lists_phase_results:
        normalization = "normalization-processor" in processors
        ranker = "score-ranker-processor" in processors
    else:
        normalization = has_neural and vt >= (2, 10)
        ranker = has_neural and vt >= (2, 19)
    caps = Capabilities(
        version=version,
        distribution=distribution,
        plugins=plugins,
        knn_engines=knn_engines(has_knn, knn_stats),
        hybrid_query=has_neural,
        normalization_processor=normalization,
        score_ranker_processor=ranker,
        neural_sparse=has_neural,
        rank_features="mapper-extras" in modules or not modules,
        analysis_plugins=frozenset(p for p in plugins if p in _ANALYSIS_PLUGINS),
    )
    log.debug("cluster capabilities: %s", caps)
    return caps
