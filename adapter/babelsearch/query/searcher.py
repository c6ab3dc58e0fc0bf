"""The thin I/O drivers: ``Searcher`` (sync) and ``AsyncSearcher`` (asyncio).

Each search is plan (pure, :mod:`babelsearch.query.plan`: check, resolve the mode and
filters; the query's language and encoding are looked up on the way) -> rank (one
round trip: ids and scores of the candidate window; a second only for ``explain`` of
server-fused modes, or for a page beyond a narrow window,
:mod:`babelsearch.query.windows`) -> :meth:`SearchPlan.finish` (pure: fuse, de-duplicate, page) ->
fetch (one round trip: the page's sources and highlights) -> hits (pure). The two
drivers share the planning (:class:`_Base`) and the error translation
(:meth:`_Base._errors`); they differ only in ``await``, so they return the same hits
for the same plan. Bodies are serialized with orjson (:mod:`babelsearch.query.wire`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Unpack

from ..config import Config
from ..types import Capabilities, EncoderInfo
from ..vectors import json_floats
from .builder import Request
from .page import RankedPage, SearchResult
from .plan import Resolved, SearchContext, SearchPlan, build_plan, resolve
from .request import SearchOptions, SearchRequest, check_lang
from .weights import FusionWeights
from .wire import check_msearch, msearch_args, search_args

if TYPE_CHECKING:  # pragma: no cover
    from opensearchpy import AsyncOpenSearch, OpenSearch

    from ..encoders.base import Encoder
    from ..lang.base import Detector

__all__ = ["AsyncSearcher", "Searcher"]


class _Base:
    """What both drivers share: collaborators, planning and error translation."""

    def __init__(
        self,
        cfg: Config,
        *,
        client: Any = None,
        encoder: Encoder | None = None,
        detector: Detector | None = None,
        capabilities: Capabilities | None = None,
    ) -> None:
        self.cfg = cfg
        self._owns_client = client is None
        self.client = self._connect(cfg) if client is None else client
        self._encoder = encoder
        self._detector = detector
        self._caps = capabilities
        self._info: EncoderInfo | None = None
        self._lock = threading.Lock()
        self.weights = FusionWeights.from_config(cfg.search.weights)
        self.alias = cfg.index.name

    @staticmethod
    def _connect(cfg: Config) -> Any:
        """The driver's own client (sync or async), when none was given."""
        raise NotImplementedError

    # -- lazily resolved collaborators ------------------------------------------------
    @property
    def info(self) -> EncoderInfo:
        """The encoder's description (no weights are loaded just to build a bm25 query)."""
        if self._encoder is not None:
            return self._encoder.info
        if self._info is None:
            from ..encoders import describe_encoder

            self._info = describe_encoder(self.cfg.encoder)
        return self._info

    def _get_encoder(self) -> Encoder:
        with self._lock:
            if self._encoder is None:
                from ..encoders import get_encoder

                self._encoder = get_encoder(self.cfg.encoder)
            return self._encoder

    def _query_lang(self, text: str, lang: str | None) -> str:
        from ..lang import get_detector, resolve_language

        if lang is not None:
            return check_lang(lang)
        with self._lock:
            if self._detector is None:
                self._detector = get_detector(self.cfg.ingest.detection)
            det = self._detector
        return resolve_language(text, None, det, self.cfg.ingest.detection)

    def _encode(
        self, text: str, resolved: Resolved
    ) -> tuple[list[float] | None, dict[str, float] | None]:
        """The query's dense vector and sparse weights, only those the mode needs."""
        if not (resolved.dense or resolved.sparse):
            return None, None
        enc = self._get_encoder().encode_queries([text])
        vector = json_floats(enc.dense[0]) if resolved.dense else None
        tokens = dict(enc.sparse[0]) if resolved.sparse and enc.sparse else None
        return vector, tokens

    # -- plan (pure, apart from language detection and encoding) ------------------------
    def _request(self, text: str, lang: str | None, options: SearchOptions) -> SearchRequest:
        """The checked request: a bad ``k`` is reported even when the cluster is down."""
        req = SearchRequest(text, lang, **options)
        req.check(self.cfg.search)
        return req

    def _plan(self, req: SearchRequest, caps: Capabilities) -> SearchPlan:
        ctx = SearchContext(self.cfg, caps, self.info, self.weights)
        resolved = resolve(ctx, req)
        qlang = self._query_lang(req.text, req.lang)
        vector, tokens = self._encode(req.text, resolved)
        return build_plan(ctx, req, resolved, qlang=qlang, vector=vector, tokens=tokens)

    def _errors(self) -> AbstractContextManager[None]:
        """The one error translation of both drivers: opensearch-py exceptions and a raw
        :class:`ssl.SSLError` become :mod:`babelsearch.errors` (see
        :func:`babelsearch.cluster.cluster_errors`)."""
        from ..cluster import cluster_errors

        return cluster_errors(self.cfg.cluster.url)


def _since(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0


class Searcher(_Base):
    """Synchronous search over the config's alias.

    Arguments (keyword-only after ``cfg``): ``client``, ``encoder``, ``detector``,
    ``capabilities``. ``client`` defaults to :func:`babelsearch.cluster.connect`; ``encoder`` to
    :func:`babelsearch.encoders.get_encoder`; ``detector`` to
    :func:`babelsearch.lang.get_detector`. Thread-safe; reuse one per process.
    """

    client: OpenSearch

    @staticmethod
    def _connect(cfg: Config) -> OpenSearch:
        from ..cluster import connect

        return connect(cfg.cluster)

    def capabilities(self) -> Capabilities:
        with self._lock:
            if self._caps is None:
                from ..cluster import capabilities

                self._caps = capabilities(self.client)
            return self._caps

    def plan(self, request: SearchRequest) -> SearchPlan:
        """The pure plan of ``request`` (detects the language and encodes the query)."""
        return self._plan(request, self.capabilities())

    def _send(self, req: Request) -> list[Mapping[str, Any]]:
        with self._errors():
            if req.kind == "msearch":
                return check_msearch(self.client.msearch(**msearch_args(self.alias, req.bodies)))
            return [self.client.search(**search_args(self.alias, req.bodies[0], req.params))]

    def _fetch(self, body: Mapping[str, Any]) -> Any:
        with self._errors():
            return self.client.search(**search_args(self.alias, body))

    def rank(self, plan: SearchPlan) -> RankedPage:
        """The ranking round trips of ``plan`` and its page (ids and scores, no sources)."""
        responses = self._send(plan.request)
        extra = None if plan.explain_request is None else self._send(plan.explain_request)
        ranked = plan.finish(responses, extra)
        wide = plan.widening(ranked)
        return ranked if wide is None else plan.widen(ranked, self._send(wide))

    def execute(self, plan: SearchPlan, *, started: float | None = None) -> SearchResult:
        """Run ``plan``: rank, finish, fetch, hits (``started``: when the search began)."""
        t0 = time.perf_counter() if started is None else started
        ranked = self.rank(plan)
        body = plan.fetch_body(ranked)
        fetched = None if body is None else self._fetch(body)
        return plan.result(ranked, fetched, _since(t0))

    def search(
        self, text: str, lang: str | None = None, **options: Unpack[SearchOptions]
    ) -> SearchResult:
        """Search; see :mod:`babelsearch.query.builder` for what each mode sends and
        :class:`~babelsearch.query.request.SearchRequest` for the options (``mode``,
        ``k``, ``filters``, ``explain``, ``page``, ``source_includes``, ``highlight``;
        ``highlight=False`` skips highlighting for evaluation and id-only callers)."""
        req = self._request(text, lang, options)
        caps = self.capabilities()
        started = time.perf_counter()  # took_ms: planning and the round trips, as before
        return self.execute(self._plan(req, caps), started=started)

    def close(self) -> None:
        if self._owns_client:
            self.client.close()

    def __enter__(self) -> Searcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncSearcher(_Base):
    """The same API on :class:`opensearchpy.AsyncOpenSearch`; returns the same hits.

    Planning (language detection, query encoding) runs in a worker thread so the event
    loop is not blocked.
    """

    client: AsyncOpenSearch

    @staticmethod
    def _connect(cfg: Config) -> AsyncOpenSearch:
        from ..cluster import connect_async

        return connect_async(cfg.cluster)

    async def capabilities(self) -> Capabilities:
        if self._caps is None:
            from ..cluster import capabilities_async

            self._caps = await capabilities_async(self.client)
        return self._caps

    async def plan(self, request: SearchRequest) -> SearchPlan:
        """See :meth:`Searcher.plan`."""
        import asyncio

        caps = await self.capabilities()
        return await asyncio.to_thread(self._plan, request, caps)

    async def _send(self, req: Request) -> list[Mapping[str, Any]]:
        with self._errors():
            if req.kind == "msearch":
                resp = await self.client.msearch(**msearch_args(self.alias, req.bodies))
                return check_msearch(resp)
            return [await self.client.search(**search_args(self.alias, req.bodies[0], req.params))]

    async def _fetch(self, body: Mapping[str, Any]) -> Any:
        with self._errors():
            return await self.client.search(**search_args(self.alias, body))

    async def rank(self, plan: SearchPlan) -> RankedPage:
        """See :meth:`Searcher.rank`."""
        responses = await self._send(plan.request)
        extra = None if plan.explain_request is None else await self._send(plan.explain_request)
        ranked = plan.finish(responses, extra)
        wide = plan.widening(ranked)
        return ranked if wide is None else plan.widen(ranked, await self._send(wide))

    async def execute(self, plan: SearchPlan, *, started: float | None = None) -> SearchResult:
        """See :meth:`Searcher.execute`."""
        t0 = time.perf_counter() if started is None else started
        ranked = await self.rank(plan)
        body = plan.fetch_body(ranked)
        fetched = None if body is None else await self._fetch(body)
        return plan.result(ranked, fetched, _since(t0))

    async def search(
        self, text: str, lang: str | None = None, **options: Unpack[SearchOptions]
    ) -> SearchResult:
        """See :meth:`Searcher.search`."""
        import asyncio

        req = self._request(text, lang, options)
        caps = await self.capabilities()
        started = time.perf_counter()
        plan = await asyncio.to_thread(self._plan, req, caps)
        return await self.execute(plan, started=started)

    async def close(self) -> None:
        if self._owns_client:
            await self.client.close()

    async def __aenter__(self) -> AsyncSearcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
