"""Helpers shared by ``benchmarks/ingest.py`` and ``benchmarks/query.py``.

Why one module: both benchmarks must describe the machine the same way, sample CPU and
memory the same way, build their corpus from the same XQuAD-R text and clean up after
themselves the same way -- otherwise their numbers could not be read side by side.
Nothing here is imported by the library.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import platform
import random
import statistics
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "xquad-r"
LANGS = ("ar", "de", "en", "es", "ru", "zh")


# -- machine ---------------------------------------------------------------------------
def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _ram_bytes() -> int:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    return 0


def opensearch_version(url: str) -> str:
    """The node's version string, read with a plain GET (no client needed)."""
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/", timeout=10) as resp:
            return str(json.loads(resp.read())["version"]["number"])
    except Exception as exc:  # the benchmark itself will report a dead node properly
        return f"unknown ({type(exc).__name__})"


def machine(url: str) -> dict[str, Any]:
    """What a reader needs to judge the numbers: hardware, software, and how busy it was."""
    return {
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count(),
        "ram_gib": round(_ram_bytes() / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "opensearch": opensearch_version(url),
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
    }


def finish_machine(desc: dict[str, Any]) -> dict[str, Any]:
    desc["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    return desc


# -- CPU pinning -------------------------------------------------------------------------
def listening_pid(url: str) -> int:
    """The pid of the process listening on ``url``'s port (a local node), from ``ss``."""
    import re
    import subprocess
    from urllib.parse import urlsplit

    port = urlsplit(url).port or 9200
    out = subprocess.run(["ss", "-ltnpH", f"sport = :{port}"], capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    pids = sorted({int(m) for m in re.findall(r"pid=(\d+)", out)})
    if len(pids) != 1:
        raise SystemExit(f"--pin: expected one local process on port {port}, found {pids}")
    return pids[0]


@contextlib.contextmanager
def pinned(url: str, spec: str | None) -> Iterator[dict[str, Any] | None]:
    """``--pin node=0,loader=1``: the node's every thread (``taskset -a``) on the first
    CPU list, this process (and the threads it starts later) on the second -- a stand-in
    for a cluster on other hardware. Restored afterwards."""
    if not spec:
        yield None
        return
    import subprocess

    parts = dict(p.split("=", 1) for p in spec.split(","))
    node_cpus, loader_cpus = parts["node"], parts["loader"]
    pid = listening_pid(url)
    everything = ",".join(str(c) for c in sorted(os.sched_getaffinity(0)))
    mine = os.sched_getaffinity(0)
    subprocess.run(["taskset", "-a", "-cp", node_cpus, str(pid)], check=True,
                   capture_output=True)  # fmt: skip
    os.sched_setaffinity(0, {int(c) for c in loader_cpus.split(";")})
    try:
        yield {"node_pid": pid, "node_cpus": node_cpus, "loader_cpus": loader_cpus}
    finally:
        os.sched_setaffinity(0, mine)
        subprocess.run(["taskset", "-a", "-cp", everything, str(pid)], capture_output=True)


# -- cluster ---------------------------------------------------------------------------
@contextlib.contextmanager
def cluster_url(given: str | None) -> Iterator[str]:
    """``--url``, else ``BABELSEARCH_URL``, else a throw-away LocalNode started here."""
    url = given or os.environ.get("BABELSEARCH_URL")
    if url:
        yield url.rstrip("/")
        return
    import socket
    import tempfile

    from babelsearch.node import LocalNode

    port = 0
    for _ in range(50):  # a free HTTP port whose +100 (the transport port) is free too
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port + 100 > 65535:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port + 100))
            except OSError:
                continue
        break
    with tempfile.TemporaryDirectory(prefix="babelsearch-bench-") as data_dir:
        node = LocalNode(port=port, heap=os.environ.get("BABELSEARCH_BENCH_HEAP", "2g"),
                         data_dir=data_dir)  # fmt: skip
        print(f"starting a local OpenSearch node on port {port} ...", flush=True)
        node.start(timeout=300)
        try:
            yield node.url
        finally:
            node.stop()


def bench_name(kind: str) -> str:
    """A unique alias so a benchmark never touches anybody else's index."""
    return f"bench-{kind}-{uuid.uuid4().hex[:8]}"


def drop_alias(client: Any, alias: str) -> None:
    """Delete the ``<alias>-v*`` indices and the alias's search pipelines."""
    from babelsearch.schema import pipeline_names

    client.indices.delete(
        index=f"{alias}-v*", expand_wildcards="all", ignore_unavailable=True, allow_no_indices=True
    )
    for name in pipeline_names(alias).values():
        with contextlib.suppress(Exception):
            client.search_pipeline.delete(id=name)


# -- corpus ----------------------------------------------------------------------------
@dataclass
class Paragraph:
    lang: str
    title: str
    sentences: list[str]


def load_paragraphs(
    data_dir: Path, langs: Sequence[str] = LANGS, per_lang: int | None = None
) -> list[Paragraph]:
    """XQuAD-R contexts, each as its list of sentences (the first ``per_lang`` of each
    language, or all), in every language asked for."""
    out: list[Paragraph] = []
    for lang in langs:
        data = json.loads((data_dir / f"{lang}.json").read_text("utf-8"))
        paras = [p for a in data["data"] for p in a["paragraphs"]]
        for para in paras[:per_lang]:
            sents = [s.strip() for s in para["sentences"] if s.strip()]
            if sents:
                out.append(Paragraph(lang, sents[0][:80], sents))
    return out


def load_questions(data_dir: Path, langs: Sequence[str] = LANGS) -> list[tuple[str, str]]:
    """``(lang, question)`` pairs: real user-like queries in six languages."""
    out: list[tuple[str, str]] = []
    for lang in langs:
        data = json.loads((data_dir / f"{lang}.json").read_text("utf-8"))
        for article in data["data"]:
            for para in article["paragraphs"]:
                out.extend((lang, q["question"]) for q in para["qas"])
    return out


def make_passages(
    data_dir: Path, n: int, *, seed: int = 8
) -> tuple[list[dict[str, Any]], list[str]]:
    """``n`` distinct multilingual passages: windows of 1-4 consecutive XQuAD-R sentences.

    Distinct on purpose: the embedding cache must not turn repeated texts into free
    vectors and flatter the encoder. When the windows run out, a window is joined with
    a second one from another paragraph of the same language (still natural text).
    Records carry no ``lang``: ingest detects it, as it would for a real corpus; the
    language each passage was drawn from is returned alongside.
    """
    rng = random.Random(seed)
    paras = load_paragraphs(data_dir)
    by_lang: dict[str, list[Paragraph]] = {}
    for p in paras:
        by_lang.setdefault(p.lang, []).append(p)
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    langs: list[str] = []
    attempts = 0
    while len(out) < n:
        attempts += 1
        if attempts > 50 * n + 1000:
            raise RuntimeError(f"could only make {len(out)} distinct passages")
        para = rng.choice(paras)
        size = rng.randint(1, 4)
        start = rng.randrange(max(1, len(para.sentences) - size + 1))
        body = " ".join(para.sentences[start : start + size])
        if body in seen:
            other = rng.choice(by_lang[para.lang])
            k = rng.randrange(len(other.sentences))
            body = f"{body} {other.sentences[k]}"
            if body in seen:
                continue
        seen.add(body)
        out.append({"id": f"p{len(out):07d}", "title": para.title, "body": body})
        langs.append(para.lang)
    return out, langs


# -- measuring -------------------------------------------------------------------------
@dataclass
class Usage:
    """CPU seconds and RSS of this process over one measured phase."""

    seconds: float = 0.0
    cpu_user: float = 0.0
    cpu_system: float = 0.0
    rss_peak_mib: float = 0.0
    rss_start_mib: float = 0.0
    rss_end_mib: float = 0.0
    machine_cpu_busy: float = 0.0
    """Share of all cores busy (any process, the node included) during the phase."""
    series: list[tuple[float, float]] = field(default_factory=list)
    """``(seconds since start, RSS MiB)`` samples."""

    def to_dict(self, with_series: bool = False) -> dict[str, Any]:
        d = {
            "seconds": round(self.seconds, 3),
            "cpu_seconds": round(self.cpu_user + self.cpu_system, 2),
            "cpu_user": round(self.cpu_user, 2),
            "cpu_system": round(self.cpu_system, 2),
            "rss_start_mib": round(self.rss_start_mib, 1),
            "rss_peak_mib": round(self.rss_peak_mib, 1),
            "rss_end_mib": round(self.rss_end_mib, 1),
            "machine_cpu_busy": round(self.machine_cpu_busy, 3),
        }
        if with_series:
            d["rss_series"] = [[round(t, 2), round(r, 1)] for t, r in self.series]
        return d


@contextlib.contextmanager
def sampled(interval: float = 0.2) -> Iterator[Usage]:
    """Sample this process's RSS in a thread while the block runs (psutil)."""
    import psutil

    proc = psutil.Process()
    usage = Usage()
    stop = threading.Event()
    t0 = time.perf_counter()
    c0 = proc.cpu_times()
    m0 = psutil.cpu_times()
    usage.rss_start_mib = proc.memory_info().rss / 2**20

    def loop() -> None:
        while not stop.is_set():
            rss = proc.memory_info().rss / 2**20
            usage.series.append((time.perf_counter() - t0, rss))
            usage.rss_peak_mib = max(usage.rss_peak_mib, rss)
            stop.wait(interval)

    th = threading.Thread(target=loop, daemon=True, name="rss-sampler")
    th.start()
    try:
        yield usage
    finally:
        stop.set()
        th.join()
        usage.seconds = time.perf_counter() - t0
        c1 = proc.cpu_times()
        m1 = psutil.cpu_times()
        usage.cpu_user = c1.user - c0.user
        usage.cpu_system = c1.system - c0.system
        usage.rss_end_mib = proc.memory_info().rss / 2**20
        usage.rss_peak_mib = max(usage.rss_peak_mib, usage.rss_end_mib)
        busy = sum(m1) - sum(m0)
        idle = (m1.idle + getattr(m1, "iowait", 0.0)) - (m0.idle + getattr(m0, "iowait", 0.0))
        usage.machine_cpu_busy = (busy - idle) / busy if busy > 0 else 0.0


def percentiles(values_ms: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99 (nearest rank) and the mean, in milliseconds."""
    if not values_ms:
        return {"p50": 0.0, "p95": 0.0, "p99": 0.0, "mean": 0.0, "n": 0}
    s = sorted(values_ms)

    def rank(q: float) -> float:
        return s[min(len(s) - 1, max(0, math.ceil(q * len(s) - 1e-9) - 1))]

    return {
        "p50": round(rank(0.50), 3),
        "p95": round(rank(0.95), 3),
        "p99": round(rank(0.99), 3),
        "mean": round(statistics.fmean(s), 3),
        "n": len(s),
    }


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else 0.0


def write_json(obj: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", "utf-8")
    return path


def pyplot() -> Any:
    """matplotlib's pyplot on the Agg backend (no display on servers)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def load_script(name: str) -> Any:
    """``benchmarks/<name>.py`` as a module under a private name, loaded once.

    Why not ``import ingest``: the tests' ``ingest`` package shadows it once the suite
    is collected; the benchmarks and their smoke tests all load siblings through here."""
    import importlib.util
    import sys

    key = f"babelsearch_bench_{name}"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            key, Path(__file__).resolve().parent / f"{name}.py"
        )
        assert spec is not None and spec.loader is not None
        sys.modules[key] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[key])
    return sys.modules[key]
