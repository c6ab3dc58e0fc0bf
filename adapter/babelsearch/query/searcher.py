"""The thin I/O layer: ``Searcher`` (sync) and ``AsyncSearcher`` (asyncio).

Each search is prepare (pure: validate, resolve the language, encode, build the body)
-> rank (one round trip: ids and scores of the candidate window; a second only for
``explain`` of server-fused modes) -> fuse (pure: fuse, de-duplicate, page) -> fetch
(one round trip: the page's sources and highlights) -> hits (pure). Both classes share
every pure step, so they return the same hits for the same query. Bodies are
serialized with orjson.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson

from ..config import Config
from ..errors import QueryError
from ..schema import pipeline_names
from ..types import Capabilities, EncoderInfo
from .builder import Request, SearchSpec, build_request, explain_request, fetch_body
from .filters import build_filters
from .fusion import Candidate, Fused
from .modes import resolve_mode
from .results import (
    SearchResult,
    check_msearch,
    collect,
    explain_server,
    fuse,
    hits_of,
    msearch_body,
    page_of,
)
from .weights import FusionWeights

if TYPE_CHECKING:  # pragma: no cover
    from opensearchpy import AsyncOpenSearch, OpenSearch

    from ..encoders.base import Encoder
    from ..lang.base import Detector

__all__ = ["AsyncSearcher", "Searcher"]

_LANG = re.compile(r"^[a-z]{2,3}$")


@dataclass(frozen=True)
class _Prepared:
    request: Request
    qlang: str
    k: int
    page: int
    explain: bool
    started: float


@dataclass(frozen=True)
class _Ranked:
    """The fused page (chunk ids and scores) before its sources are fetched."""

    page: list[Fused]
    candidates: dict[str, Candidate]
    total: int

    def fetch(self, req: Request) -> dict[str, Any] | None:
        """The fetch body for the page, or ``None`` when the page is empty."""
        return fetch_body(req, [f.chunk_id for f in self.page]) if self.page else None


class _Base:
    """Validation, language, encoding, body building and result processing."""

    def __init__(
        self,
        cfg: Config,
        *,
        encoder: Encoder | None = None,
        detector: Detector | None = None,
        capabilities: Capabilities | None = None,
    ) -> None:
        self.cfg = cfg
        self._encoder = encoder
        self._detector = detector
        self._caps = capabilities
        self._info: EncoderInfo | None = None
        self._lock = threading.Lock()
        self.weights = FusionWeights.from_config(cfg.search.weights)
        self.alias = cfg.index.name

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
            if not _LANG.match(lang):
                raise QueryError(f"lang: {lang!r} is not an ISO 639-1 code like 'en'")
            return lang
        with self._lock:
            if self._detector is None:
                self._detector = get_detector(self.cfg.ingest.detection)
            det = self._detector
        return resolve_language(text, None, det, self.cfg.ingest.detection)

    # -- prepare ------------------------------------------------------------------------
    def _validate(self, text: str, k: int, page: int) -> None:
        if not isinstance(text, str) or not text.strip():
            raise QueryError("the query text is empty")
        max_k = self.cfg.search.max_k
        if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= max_k:
            raise QueryError(f"k must be between 1 and {max_k} (search.max_k), got {k!r}")
        if not isinstance(page, int) or isinstance(page, bool) or page < 1:
            raise QueryError(f"page must be 1 or more, got {page!r}")
        window = self.cfg.search.candidates
        if k * page > window:
            raise QueryError(
                f"page {page} of {k} reaches rank {k * page}, beyond the candidate window "
                f"of {window} (search.candidates)"
            )

    def _prepare(
        self,
        caps: Capabilities,
        text: str,
        lang: str | None,
        mode: str,
        k: int,
        filters: Mapping[str, Any] | None,
        explain: bool,
        page: int,
        source_includes: Sequence[str] | None,
        highlight: bool = True,
    ) -> _Prepared:
        started = time.perf_counter()
        self._validate(text, k, page)
        cfg = self.cfg
        info = self.info
        sparse_ok = bool(info.sparse and cfg.sparse)
        concrete = resolve_mode(mode, caps, sparse_ok)
        clauses = build_filters(cfg, filters)
        qlang = self._query_lang(text, lang)
        vector: list[float] | None = None
        tokens: dict[str, float] | None = None
        needs_dense = concrete in ("dense", "hybrid", "bool", "rrf", "auto")
        needs_sparse = sparse_ok and concrete in ("sparse", "hybrid", "bool", "rrf", "auto")
        if concrete == "auto" and not (self.weights.same.sparse or self.weights.cross.sparse):
            needs_sparse = False
        if needs_dense or needs_sparse:
            enc = self._get_encoder().encode_queries([text])
            # 7 decimals (cosine error < 1e-6) halve the body against float64 reprs
            vector = np.round(enc.dense[0], 7).tolist() if needs_dense else None
            if needs_sparse and enc.sparse:
                tokens = dict(enc.sparse[0])
        if source_includes is not None:
            for f in source_includes:
                if not isinstance(f, str) or not f or f.startswith("_"):
                    raise QueryError(f"source_includes: {f!r} is not a field name")
        spec = SearchSpec(
            mode=concrete,
            text=text,
            qlang=qlang,
            text_fields=tuple(cfg.fields.text),
            languages=tuple(cfg.languages),
            window=cfg.search.candidates,
            filters=tuple(clauses),
            vector=vector,
            sparse_tokens=tokens,
            neural_sparse=caps.neural_sparse,
            weights=self.weights,
            normalization=cfg.search.normalization,
            source_includes=tuple(source_includes) if source_includes is not None else None,
            pipeline_name=pipeline_names(self.alias)[cfg.search.normalization],
            highlight=highlight,
            ngram=cfg.lexical.ngram,
            ef_search=cfg.dense.ef_search,
        )
        if concrete == "sparse" and not tokens:
            raise QueryError("the encoder gave no sparse weights for this query")
        return _Prepared(build_request(spec), qlang, k, page, explain, started)

    # -- process ------------------------------------------------------------------------
    def _rank(
        self,
        prep: _Prepared,
        responses: Sequence[Mapping[str, Any]],
        explain_responses: Sequence[Mapping[str, Any]] | None,
    ) -> _Ranked:
        req = prep.request
        names = req.names if req.kind == "msearch" else (req.mode,)
        cands, ranked = collect(names, responses)
        fused = fuse(
            req,
            cands,
            ranked,
            qlang=prep.qlang,
            weights=self.weights,
            covers=self.info.covers,
            rrf_k=self.cfg.search.rrf_k,
            explain=prep.explain,
        )
        if prep.explain and explain_responses is not None:
            _, sub_ranked = collect(req.names, explain_responses)
            fused = explain_server(
                req, fused, sub_ranked, normalization=self.cfg.search.normalization
            )
        page, total = page_of(fused, cands, k=prep.k, page=prep.page)
        return _Ranked(page, cands, total)

    def _result(
        self, prep: _Prepared, ranked: _Ranked, fetched: Mapping[str, Any] | None
    ) -> SearchResult:
        hits = hits_of(ranked.page, ranked.candidates, fetched, explain=prep.explain)
        took = (time.perf_counter() - prep.started) * 1000.0
        return SearchResult(
            hits=hits,
            mode=prep.request.mode,
            query_lang=prep.qlang,
            took_ms=round(took, 3),
            page=prep.page,
            k=prep.k,
            candidates=ranked.total,
        )


class Searcher(_Base):
    """Synchronous search over the config's alias.

    ``client`` defaults to :func:`babelsearch.cluster.connect`; ``encoder`` to
    :func:`babelsearch.encoders.get_encoder`; ``detector`` to
    :func:`babelsearch.lang.get_detector`. Thread-safe; reuse one per process.
    """

    def __init__(
        self,
        cfg: Config,
        *,
        client: OpenSearch | None = None,
        encoder: Encoder | None = None,
        detector: Detector | None = None,
        capabilities: Capabilities | None = None,
    ) -> None:
        super().__init__(cfg, encoder=encoder, detector=detector, capabilities=capabilities)
        self._owns_client = client is None
        if client is None:
            from ..cluster import connect

            client = connect(cfg.cluster)
        self.client = client

    def capabilities(self) -> Capabilities:
        with self._lock:
            if self._caps is None:
                from ..cluster import capabilities

                self._caps = capabilities(self.client)
            return self._caps

    def _run(self, req: Request) -> list[Mapping[str, Any]]:
        from ..cluster import cluster_errors

        with cluster_errors(self.cfg.cluster.url):
            if req.kind == "msearch":
                resp = self.client.msearch(body=msearch_body(self.alias, req.bodies))
                return check_msearch(resp)
            return [self._search_one(req.bodies[0], req.params)]

    def _search_one(self, body: Mapping[str, Any], params: Mapping[str, str]) -> Any:
        from ..cluster import cluster_errors

        with cluster_errors(self.cfg.cluster.url):
            data = orjson.dumps(body).decode()
            return self.client.search(index=self.alias, body=data, params=dict(params))

    def search(
        self,
        text: str,
        lang: str | None = None,
        mode: str = "auto",
        k: int = 10,
        filters: Mapping[str, Any] | None = None,
        explain: bool = False,
        page: int = 1,
        source_includes: Sequence[str] | None = None,
        highlight: bool = True,
    ) -> SearchResult:
        """Search; see :mod:`babelsearch.query.builder` for what each mode sends.

        ``highlight=False`` skips highlighting (evaluation, id-only callers)."""
        caps = self.capabilities()
        prep = self._prepare(
            caps, text, lang, mode, k, filters, explain, page, source_includes, highlight
        )
        responses = self._run(prep.request)
        extra = None
        if explain and prep.request.fusion == "server" and len(prep.request.names) > 1:
            extra = self._run(explain_request(prep.request))
        ranked = self._rank(prep, responses, extra)
        body = ranked.fetch(prep.request)
        fetched = self._search_one(body, {}) if body is not None else None
        return self._result(prep, ranked, fetched)

    def close(self) -> None:
        if self._owns_client:
            self.client.close()

    def __enter__(self) -> Searcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncSearcher(_Base):
    """The same API on :class:`opensearchpy.AsyncOpenSearch`; returns the same hits.

    Query encoding runs in a worker thread so the event loop is not blocked.
    """

    def __init__(
        self,
        cfg: Config,
        *,
        client: AsyncOpenSearch | None = None,
        encoder: Encoder | None = None,
        detector: Detector | None = None,
        capabilities: Capabilities | None = None,
    ) -> None:
        super().__init__(cfg, encoder=encoder, detector=detector, capabilities=capabilities)
        self._owns_client = client is None
        if client is None:
            from ..cluster import connect_async

            client = connect_async(cfg.cluster)
        self.client = client

    async def capabilities(self) -> Capabilities:
        if self._caps is None:
            from ..cluster import capabilities_async

            self._caps = await capabilities_async(self.client)
        return self._caps

    async def _run(self, req: Request) -> list[Mapping[str, Any]]:
        from opensearchpy import exceptions as ox

        from ..cluster import translate_error

        try:
            if req.kind == "msearch":
                resp = await self.client.msearch(body=msearch_body(self.alias, req.bodies))
                return check_msearch(resp)
            return [await self._search_one(req.bodies[0], req.params)]
        except ox.OpenSearchException as exc:
            raise translate_error(exc, url=self.cfg.cluster.url) from exc

    async def _search_one(self, body: Mapping[str, Any], params: Mapping[str, str]) -> Any:
        from opensearchpy import exceptions as ox

        from ..cluster import translate_error

        try:
            data = orjson.dumps(body).decode()
            return await self.client.search(index=self.alias, body=data, params=dict(params))
        except ox.OpenSearchException as exc:
            raise translate_error(exc, url=self.cfg.cluster.url) from exc

    async def search(
        self,
        text: str,
        lang: str | None = None,
        mode: str = "auto",
        k: int = 10,
        filters: Mapping[str, Any] | None = None,
        explain: bool = False,
        page: int = 1,
        source_includes: Sequence[str] | None = None,
        highlight: bool = True,
    ) -> SearchResult:
        """See :meth:`Searcher.search`."""
        import asyncio

        caps = await self.capabilities()
        prep = await asyncio.to_thread(
            self._prepare,
            caps,
            text,
            lang,
            mode,
            k,
            filters,
            explain,
            page,
            source_includes,
            highlight,
        )
        responses = await self._run(prep.request)
        extra = None
        if explain and prep.request.fusion == "server" and len(prep.request.names) > 1:
            extra = await self._run(explain_request(prep.request))
        ranked = self._rank(prep, responses, extra)
        body = ranked.fetch(prep.request)
        fetched = await self._search_one(body, {}) if body is not None else None
        return self._result(prep, ranked, fetched)

    async def close(self) -> None:
        if self._owns_client:
            await self.client.close()

    async def __aenter__(self) -> AsyncSearcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
