"""Entries per second through the watch loop, against a local news site of many feeds with a full page per entry.

A synthetic site (200 feeds x 50 entries by default, so 10,000 article pages) is made from the fictional demo
corpus in ``examples/demo`` with the generator of ``throughput.py`` (other names, numbers, sentences and times per
article), laid out as section feeds of the demo outlets whose entries carry only a one-sentence summary, and served
on 127.0.0.1 by ``examples/demo_site.py``'s server, by default from a separate process. The real ``Watcher`` then
polls every feed once into a fresh SQLite store: feeds and pages are fetched and extracted in its thread pool, the
articles go through the whole pipeline (syndication, stories, store, briefs). Measured in the same run:

- a baseline: the same feeds and pages fetched with the same fetcher settings and threads, nothing parsed;
- round 1 of the watch loop: entries per second, and where the wall time went (fetch, extract, pipeline, rest);
- round 2: every feed polled again and answering 304 Not Modified to its ETag, in feeds per second.

Run ``python benchmarks/watch.py --help``; ``--write-docs`` records the figures in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.util
import multiprocessing
import os
import platform
import pstats
import random
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from multiprocessing.connection import Connection
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import newsloom
from newsloom import Pipeline, Settings, open_store
from newsloom.config import WatchSettings
from newsloom.drivers.pipeline import IngestReport
from newsloom.drivers.watch import PollResult, Watcher
from newsloom.ingest.feeds import FEED_ACCEPT
from newsloom.ingest.fetch import Fetcher, FetchError, FetchResult, FetchSettings
from newsloom.ingest.web import extract_article
from newsloom.model import Article, Feed, Rejected
from throughput import (
    DEMO,
    _git_revision,
    _peak_memory_mb,
    add_write_docs_option,
    load_demo,
    synthetic_stream,
    the_command,
    warm_up,
    write_docs,
)

REPO = Path(__file__).resolve().parent.parent
PAGE_ACCEPT = "text/html,application/xhtml+xml"  # what the watch loop asks for a page
ROBOTS_TXT = b"User-agent: *\nDisallow: /private/\n"
LISTEN_BACKLOG = 128  # socketserver listens with a backlog of 5; many short connections at once overflow it

Routes = dict[str, tuple[str, bytes]]
T = TypeVar("T")


@cache
def demo_site() -> ModuleType:
    """``examples/demo_site.py`` (page_html, rss, serve), which is a script, not a package."""
    spec = importlib.util.spec_from_file_location("demo_site", REPO / "examples" / "demo_site.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- the site --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteFeed:
    outlet: str
    path: str  # /outlet-slug/sNN/feed.xml
    records: list[dict[str, Any]]  # newest first, as a feed lists them


def allot(feeds: int, counts: dict[str, int]) -> dict[str, int]:
    """Feeds per outlet, proportional to the outlet's share of the stream (largest remainders)."""
    total = sum(counts.values())
    exact = {outlet: feeds * count / total for outlet, count in counts.items()}
    out = {outlet: int(share) for outlet, share in exact.items()}
    by_remainder = sorted(exact, key=lambda outlet: (-(exact[outlet] - out[outlet]), outlet))
    for outlet in by_remainder[: feeds - sum(out.values())]:
        out[outlet] += 1
    return out


def plan_site(feeds: int, entries: int, weeks: float, seed: int) -> list[SiteFeed]:
    """``feeds`` section feeds of the demo outlets with ``entries`` distinct synthetic articles each.

    Each outlet gets a number of feeds proportional to its share of the demo corpus, and its articles (a random
    subset of its part of the synthetic stream, so wire copies and follow-ups keep their outlets) are dealt out
    over its feeds in time order, so every feed spans the whole period.
    """
    demo = load_demo(DEMO)
    size = feeds * entries * 3 // 2 + 100
    for _ in range(8):
        stream = synthetic_stream(demo, size, weeks, seed)
        by_outlet: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for record, _label in stream:
            by_outlet[record["source"]].append(record)
        shares = allot(feeds, {outlet: len(records) for outlet, records in by_outlet.items()})
        if all(len(by_outlet[outlet]) >= n * entries for outlet, n in shares.items()):
            break
        size *= 2
    else:
        raise RuntimeError("could not make enough articles per outlet; try other --feeds/--entries")
    rng = random.Random(seed)
    site: list[SiteFeed] = []
    for outlet in sorted(shares):
        n = shares[outlet]
        if n == 0:
            continue
        chosen = sorted(rng.sample(range(len(by_outlet[outlet])), n * entries))  # stream order: time order
        dealt: list[list[dict[str, Any]]] = [[] for _ in range(n)]
        for position, index in enumerate(chosen):
            dealt[position % n].append(by_outlet[outlet][index])
        slug = demo_site().outlet_slug(outlet)
        for section, records in enumerate(dealt):
            site.append(SiteFeed(outlet, f"/{slug}/s{section:02d}/feed.xml", records[::-1]))
    return site


def site_routes(site: list[SiteFeed], origin: str) -> Routes:
    """Every page and feed of the site at ``origin``, and a robots.txt."""
    module = demo_site()
    routes: Routes = {"/robots.txt": ("text/plain; charset=utf-8", ROBOTS_TXT)}
    for feed in site:
        base = feed.path.rsplit("/", 1)[0]
        entries = []
        for record in feed.records:
            path = f"{base}/{record['id']}.html"
            link = origin + path
            routes[path] = ("text/html; charset=utf-8", module.page_html(record, link))
            entries.append((record, link))
        routes[feed.path] = ("application/rss+xml; charset=utf-8", module.rss(feed.outlet, entries, origin + "/"))
    return routes


# -- serving it ------------------------------------------------------------------------------------------------


def _start_server(routes: Routes) -> tuple[Any, threading.Thread]:
    server = demo_site().serve(routes, port=0)
    server.socket.listen(LISTEN_BACKLOG)
    thread = threading.Thread(target=server.serve_forever, name="site", daemon=True)
    thread.start()
    return server, thread


def _site_process(conn: Connection) -> None:
    """The site in its own process: sends its port, takes the routes, answers CPU-time questions until told to stop."""
    routes: Routes = {}
    server, _ = _start_server(routes)
    conn.send(server.server_address[1])
    routes.update(conn.recv())
    conn.send("ready")
    while (message := conn.recv()) != "stop":
        conn.send(time.process_time() if message == "cpu" else None)
    server.shutdown()
    server.server_close()
    conn.send(time.process_time())


class LocalSite:
    """The synthetic site on 127.0.0.1: in a separate process (``process``) or a thread of this one (``thread``)."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self._server: Any = None
        self._routes: Routes = {}
        self._process: Any = None
        self._conn: Connection | None = None
        if mode == "process":
            context = multiprocessing.get_context("spawn")  # a clean child: no threads or sockets inherited
            self._conn, child = context.Pipe()
            self._process = context.Process(target=_site_process, args=(child,), name="newsloom-bench-site")
            self._process.start()
            child.close()
            self.port = int(self._conn.recv())
        else:
            self._server, _ = _start_server(self._routes)
            self.port = int(self._server.server_address[1])
        self.origin = f"http://127.0.0.1:{self.port}"

    def publish(self, routes: Routes) -> None:
        if self._conn is not None:
            self._conn.send(routes)
            self._conn.recv()
        else:
            self._routes.update(routes)

    def cpu_seconds(self) -> float | None:
        """CPU seconds the server process has used so far (None when it runs in this process)."""
        if self._conn is None:
            return None
        self._conn.send("cpu")
        return float(self._conn.recv())

    def close(self) -> None:
        if self._conn is not None:
            self._conn.send("stop")
            self._conn.recv()
            self._process.join(10)
            if self._process.is_alive():
                self._process.terminate()
                self._process.join()
        elif self._server is not None:
            self._server.shutdown()
            self._server.server_close()


# -- measuring -------------------------------------------------------------------------------------------------


@dataclass
class FetchOnly:
    """The baseline: every feed and page fetched, nothing parsed."""

    seconds: float
    requests: int
    failures: int
    bytes: int
    summed: float  # seconds inside Fetcher.fetch, summed over threads
    cpu: float  # thread CPU seconds inside Fetcher.fetch


def fetch_only(feed_urls: list[str], page_urls: list[str], settings: FetchSettings, workers: int) -> FetchOnly:
    """Fetch the feeds, then the pages, with a fresh fetcher and ``workers`` threads, as the watch loop would."""
    jobs = [(url, FEED_ACCEPT) for url in feed_urls] + [(url, PAGE_ACCEPT) for url in page_urls]
    lock = threading.Lock()
    summed = [0.0]

    def one(job: tuple[str, str]) -> int:
        started = time.perf_counter()
        try:
            return len(fetcher.fetch(job[0], accept=job[1]).body)
        except FetchError:
            return -1
        finally:
            with lock:
                summed[0] += time.perf_counter() - started

    fetcher = TimedFetcher(settings)
    try:
        with ThreadPoolExecutor(workers, thread_name_prefix="bench-fetch") as pool:
            started = time.perf_counter()
            sizes = list(pool.map(one, jobs))
            seconds = time.perf_counter() - started
    finally:
        fetcher.close()
    failures, size = sum(1 for s in sizes if s < 0), sum(s for s in sizes if s > 0)
    return FetchOnly(seconds, len(jobs), failures, size, summed[0], sum(fetcher.cpu.values()))


class TimedPipeline(Pipeline):
    """The pipeline, with brief writing timed apart and, on request, profiled (ingest and briefs).

    Brief writing is timed wherever the watch loop asks for it: inside each feed's ``ingest`` or on its own once a
    round; the time spent inside ``ingest`` is kept apart, since ``Watcher.timings["pipeline"]`` already holds it.
    """

    def __init__(self, settings: Settings, store: Any, profiler: cProfile.Profile | None = None) -> None:
        super().__init__(settings, store)
        self.profiler = profiler
        self.brief_seconds = 0.0
        self.brief_seconds_in_ingest = 0.0
        self.briefs = 0
        self.rejected = 0
        self._in_ingest = False

    def _profiled(self, work: Callable[[], T]) -> T:
        profiler = self.profiler if not self._in_ingest else None  # briefs inside ingest are already profiled
        if profiler is not None:
            profiler.enable()  # this thread only: the pool is idle while the pipeline runs
        try:
            return work()
        finally:
            if profiler is not None:
                profiler.disable()

    def ingest(self, items: Iterable[Article | Rejected], *args: Any, **kwargs: Any) -> IngestReport:
        def work() -> IngestReport:
            self._in_ingest = True
            try:
                return super(TimedPipeline, self).ingest(items, *args, **kwargs)
            finally:
                self._in_ingest = False

        report = self._profiled(work)
        self.rejected += report.rejected
        return report

    def write_briefs(self, *args: Any, **kwargs: Any) -> int:
        started = time.perf_counter()
        written = self._profiled(lambda: super(TimedPipeline, self).write_briefs(*args, **kwargs))
        seconds = time.perf_counter() - started
        self.brief_seconds += seconds
        if self._in_ingest:
            self.brief_seconds_in_ingest += seconds
        self.briefs += written
        return written


class TimedFetcher(Fetcher):
    """The fetcher, also counting the CPU time of the calling thread in ``fetch``, for feeds and for pages.

    ``Watcher.timings`` sums wall time over threads, which counts a thread waiting for the GIL as working; thread
    CPU time (``time.thread_time``) does not, so it tells how the process's CPU was shared out.
    """

    def __init__(self, settings: FetchSettings) -> None:
        super().__init__(settings)
        self.cpu = {"feeds": 0.0, "pages": 0.0}
        self._cpu_lock = threading.Lock()

    def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None, accept: str | None = None
    ) -> FetchResult:
        started = time.thread_time()
        try:
            return super().fetch(url, etag=etag, last_modified=last_modified, accept=accept)
        finally:
            with self._cpu_lock:
                self.cpu["pages" if accept == PAGE_ACCEPT else "feeds"] += time.thread_time() - started


class TimedWatcher(Watcher):
    """The watcher, also timing its calling thread (what it waits for) and the CPU time of its pool's tasks.

    The calling thread does one thing at a time, so its intervals add up to the round's wall time: waiting for
    the next feed to be fetched and parsed (``pool.map``), waiting for a feed's pages to be fetched and extracted,
    the pipeline, and the rest (dropping entries already stored, recording feed state, starting the pool).
    """

    def __init__(self, pipeline: Pipeline, fetcher: TimedFetcher, settings: WatchSettings) -> None:
        super().__init__(pipeline, fetcher, settings)
        self.timed_fetcher = fetcher
        self.wall = {"feeds": 0.0, "pages": 0.0}
        self.task_cpu = {"feeds": 0.0, "pages": 0.0}
        self._cpu_lock = threading.Lock()
        self._mark = time.perf_counter()

    def start_round(self) -> None:
        self.wall = dict.fromkeys(self.wall, 0.0)
        self._mark = time.perf_counter()

    def cpu(self) -> dict[str, float]:
        """Thread CPU seconds so far: fetching feeds, parsing them, fetching pages, extracting them."""
        fetched = self.timed_fetcher.cpu
        return {
            "fetch feeds": fetched["feeds"],
            "parse": self.task_cpu["feeds"] - fetched["feeds"],
            "fetch pages": fetched["pages"],
            "extract": self.task_cpu["pages"] - fetched["pages"],
        }

    def _task_cpu(self, kind: str, started: float) -> None:
        with self._cpu_lock:
            self.task_cpu[kind] += time.thread_time() - started

    def _fetch_feed(self, feed: Feed) -> Any:
        started = time.thread_time()
        try:
            return super()._fetch_feed(feed)
        finally:
            self._task_cpu("feeds", started)

    def _page(self, entry: Article, problems: list[str]) -> Article | None:
        started = time.thread_time()
        try:
            return super()._page(entry, problems)
        finally:
            self._task_cpu("pages", started)

    def _ingest_feed(self, fetched: Any, pool: ThreadPoolExecutor) -> PollResult:
        self.wall["feeds"] += time.perf_counter() - self._mark  # since the last feed: waiting on pool.map
        try:
            return super()._ingest_feed(fetched, pool)
        finally:
            self._mark = time.perf_counter()

    def _with_full_text(self, articles: list[Article], pool: ThreadPoolExecutor, problems: list[str]) -> list[Article]:
        started = time.perf_counter()
        try:
            return super()._with_full_text(articles, pool, problems)
        finally:
            self.wall["pages"] += time.perf_counter() - started


@dataclass
class Round:
    seconds: float
    cpu_seconds: float  # this process, all threads
    server_cpu: float | None
    results: list[PollResult]
    timings: dict[str, float]  # Watcher.timings of the round: wall seconds summed over threads
    cpu: dict[str, float]  # the same steps in thread CPU seconds
    wall: dict[str, float]  # TimedWatcher.wall of the round
    brief_seconds: float  # all brief writing of the round, wherever it ran
    brief_seconds_in_ingest: float  # the part inside Pipeline.ingest, so inside Watcher.timings["pipeline"]
    briefs: int

    @property
    def new_articles(self) -> int:
        return sum(r.new_articles for r in self.results)

    def statuses(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for result in self.results:
            out[result.status] += 1
        return dict(out)

    def fallbacks(self) -> int:
        return sum(1 for r in self.results for p in r.problems if "kept the feed's summary" in p)


def run_round(watcher: TimedWatcher, site: LocalSite, now: datetime | None = None, show: bool = False) -> Round:
    pipeline = watcher.pipeline
    assert isinstance(pipeline, TimedPipeline)
    before, cpu_before = dict(watcher.timings), watcher.cpu()
    briefs_before, brief_seconds_before = pipeline.briefs, pipeline.brief_seconds
    in_ingest_before = pipeline.brief_seconds_in_ingest
    due = len(watcher.store.due_feeds(now or datetime.now(UTC)))
    done = [0, 0]  # feeds, new articles

    def progress(result: PollResult) -> None:  # a line every tenth of the feeds, on standard error
        done[0] += 1
        done[1] += result.new_articles
        if show and (done[0] % max(1, due // 10) == 0 or done[0] == due):
            elapsed = time.perf_counter() - started
            print(f"  {done[0]}/{due} feeds, {done[1]:,} new articles, {elapsed:.1f} s", file=sys.stderr, flush=True)

    server_before = site.cpu_seconds()
    cpu = time.process_time()
    watcher.start_round()
    started = time.perf_counter()
    results = watcher.poll_due(now=now, progress=progress)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    server_after = site.cpu_seconds()
    return Round(
        seconds=seconds,
        cpu_seconds=cpu,
        server_cpu=None if server_before is None or server_after is None else server_after - server_before,
        results=results,
        timings={step: watcher.timings[step] - before[step] for step in watcher.timings},
        cpu={step: value - cpu_before[step] for step, value in watcher.cpu().items()},
        wall=dict(watcher.wall),
        brief_seconds=pipeline.brief_seconds - brief_seconds_before,
        brief_seconds_in_ingest=pipeline.brief_seconds_in_ingest - in_ingest_before,
        briefs=pipeline.briefs - briefs_before,
    )


@dataclass
class Measurement:
    feeds: int
    entries: int
    pages: int
    page_bytes: int
    feed_bytes: int
    baselines: list[FetchOnly]
    first: Round
    second: Round
    counts: dict[str, int]
    rejected: int
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def baseline(self) -> FetchOnly:
        return min(self.baselines, key=lambda b: b.seconds)


def measure(
    site_feeds: list[SiteFeed], site: LocalSite, workdir: Path, workers: int, profiler: cProfile.Profile | None
) -> Measurement:
    routes = site_routes(site_feeds, site.origin)
    site.publish(routes)
    feed_urls = [site.origin + feed.path for feed in site_feeds]
    page_urls = [site.origin + path for path in routes if path.endswith(".html")]
    page_bytes = sum(len(body) for path, (_, body) in routes.items() if path.endswith(".html"))
    feed_bytes = sum(len(body) for path, (_, body) in routes.items() if path.endswith(".xml"))

    # The loopback site is one host: per-host politeness would serialise the benchmark, so it is relaxed.
    fetch_settings = FetchSettings(allow_private_networks=True, host_delay=0.0, host_concurrency=workers, robots=True)
    entries = max(len(feed.records) for feed in site_feeds)
    watch_settings = WatchSettings(workers=workers, pages_per_feed=max(WatchSettings().pages_per_feed, entries))
    settings = Settings()

    warm_up()
    extract_article(next(body for path, (_, body) in routes.items() if path.endswith(".html")), page_urls[0])

    print(f"fetch-only baseline: {len(feed_urls)} feeds and {len(page_urls):,} pages ...", flush=True)
    baselines = [fetch_only(feed_urls, page_urls, fetch_settings, workers)]

    database = workdir / "watch.sqlite"
    store = open_store(database)
    try:
        for url in feed_urls:
            store.add_feed(Feed(url=url))
        pipeline = TimedPipeline(settings, store, profiler)
        fetcher = TimedFetcher(fetch_settings)
        try:
            watcher = TimedWatcher(pipeline, fetcher, watch_settings)
            print("watch round 1: every feed new, every page fetched and extracted ...", flush=True)
            first = run_round(watcher, site, show=True)
            print(f"  {first.new_articles:,} new articles in {first.seconds:.1f} s", flush=True)
            print("watch round 2: every feed answers 304 Not Modified ...", flush=True)
            later = datetime.now(UTC) + timedelta(seconds=watch_settings.interval_seconds + 60)
            second = run_round(watcher, site, now=later)
        finally:
            fetcher.close()
        counts = store.counts()
    finally:
        store.close()

    print("fetch-only baseline again ...", flush=True)
    baselines.append(fetch_only(feed_urls, page_urls, fetch_settings, workers))
    return Measurement(
        feeds=len(feed_urls),
        entries=entries,
        pages=len(page_urls),
        page_bytes=page_bytes,
        feed_bytes=feed_bytes,
        baselines=baselines,
        first=first,
        second=second,
        counts=counts,
        rejected=pipeline.rejected,
        settings={
            "watch": _fields(watch_settings, ("workers", "pages_per_feed", "summary_words", "fetch_pages")),
            "fetch": _fields(
                fetch_settings, ("host_delay", "host_concurrency", "robots", "allow_private_networks", "retries")
            ),
            "pipeline": f"Settings() defaults (batch_size={settings.batch_size})",
        },
    )


def _fields(settings: Any, names: tuple[str, ...]) -> str:
    return ", ".join(f"{name}={getattr(settings, name)!r}" for name in names)


# -- reporting -------------------------------------------------------------------------------------------------


def speed_table(m: Measurement) -> str:
    base = m.baseline.seconds
    rows = [
        "| step | items | seconds | rate | cost × fetch baseline |",
        "|---|---:|---:|---:|---:|",
        f"| fetch only (baseline): feeds and pages, nothing parsed | {m.baseline.requests:,} requests | {base:.2f} "
        f"| {m.baseline.requests / base:,.0f} requests/s | 1.0× |",
        f"| watch round 1: every feed new, every page fetched and extracted, whole pipeline | "
        f"{m.first.new_articles:,} entries | {m.first.seconds:.2f} | "
        f"**{m.first.new_articles / m.first.seconds:,.1f} entries/s** | {m.first.seconds / base:.1f}× |",
        f"| watch round 2: every feed 304 Not Modified | {len(m.second.results):,} feeds | {m.second.seconds:.2f} "
        f"| {len(m.second.results) / m.second.seconds:,.0f} feeds/s | {m.second.seconds / base:.2f}× |",
    ]
    return "\n".join(rows)


def split(m: Measurement) -> list[tuple[str, float, str]]:
    """Round 1's wall time as fetch, extract, pipeline and rest (see the notes for how each is measured)."""
    r = m.first
    pool_wall = r.wall["feeds"] + r.wall["pages"]  # the calling thread waiting for the pool
    fetch_cpu = r.cpu["fetch feeds"] + r.cpu["fetch pages"]
    extract_cpu = r.cpu["parse"] + r.cpu["extract"]
    fetch_part = fetch_cpu / (fetch_cpu + extract_cpu) if fetch_cpu + extract_cpu else 0.0
    # Measured on the calling thread, so wall time; briefs are timed wherever the loop writes them.
    place_wall = r.timings["pipeline"] - r.brief_seconds_in_ingest
    rest = r.seconds - pool_wall - place_wall - r.brief_seconds
    how = "waiting for the pool, shared out by the pool's thread CPU time"
    return [
        ("fetch: feeds and pages (HTTP, robots, address checks)", pool_wall * fetch_part, how),
        ("extract: parse feeds, extract pages", pool_wall * (1 - fetch_part), how),
        ("pipeline: normalize, syndication, stories, store", place_wall, "calling thread"),
        ("pipeline: briefs", r.brief_seconds, "calling thread"),
        ("rest: skip stored entries, record feed state, start and stop the pool", rest, "wall minus the above"),
    ]


def split_table(m: Measurement) -> str:
    rows = ["| part | seconds | share of wall | measured as |", "|---|---:|---:|---|"]
    for part, seconds, how in split(m):
        rows.append(f"| {part} | {seconds:.2f} | {seconds / m.first.seconds:.0%} | {how} |")
    rows.append(f"| **total (wall)** | {m.first.seconds:.2f} | 100% | |")
    return "\n".join(rows)


def timings_table(m: Measurement) -> str:
    r = m.first
    pool_wall = r.wall["feeds"] + r.wall["pages"]
    rows = [
        "| step | `Watcher.timings`: seconds summed over threads | thread CPU seconds | calling thread waiting |",
        "|---|---:|---:|---:|",
    ]
    waiting = {"fetch feeds": f"{r.wall['feeds']:.2f} (feeds)", "fetch pages": f"{r.wall['pages']:.2f} (pages)"}
    for step in ("fetch feeds", "parse", "fetch pages", "extract"):
        rows.append(f"| {step} | {r.timings[step]:.2f} | {r.cpu[step]:.2f} | {waiting.get(step, '')} |")
    rows.append(
        f"| pool, all four | {sum(r.timings[s] for s in r.cpu):.2f} | {sum(r.cpu.values()):.2f} | {pool_wall:.2f} |"
    )
    for step in r.timings:  # "pipeline", and "briefs" where the loop writes them once a round
        if step not in r.cpu:
            rows.append(f"| {step} (calling thread) | {r.timings[step]:.2f} | | |")
    rows.append(
        f"| baseline: fetch only, same threads | {m.baseline.summed:.2f} | {m.baseline.cpu:.2f} | "
        f"{m.baseline.seconds:.2f} |"
    )
    return "\n".join(rows)


def notes(m: Measurement, server_mode: str) -> list[str]:
    r1, r2 = m.first, m.second
    runs = ", ".join(f"{b.seconds:.2f} s" for b in m.baselines)
    spread = (max(b.seconds for b in m.baselines) - m.baseline.seconds) / m.baseline.seconds
    server = (
        f"the site's process used {r1.server_cpu:.1f} CPU seconds during round 1"
        if r1.server_cpu is not None
        else "the site ran in this process, so its serving is part of that CPU time"
    )
    where_briefs = (
        "in each feed's pipeline step (a story several feeds touch is briefed again each time)"
        if r1.brief_seconds_in_ingest > r1.brief_seconds / 2
        else "once, at the end of the round"
    )
    out = [
        f"- Round 1 used {r1.cpu_seconds:.1f} CPU seconds in the measured process over {r1.seconds:.1f} s of wall "
        f"time ({r1.cpu_seconds / r1.seconds:.2f} cores busy on average); {server}.",
        f"- Round 1 feed results: {_statuses(r1)}; {r1.fallbacks()} pages could not be extracted (the feed's "
        f"summary was kept: the extractor wants 40 words of text; a few synthetic articles are shorter); "
        f"{m.rejected} entries rejected. The store then held {m.counts.get('articles', 0):,} "
        f"articles in {m.counts.get('stories', 0):,} stories; {r1.briefs:,} briefs were written, {where_briefs}.",
        f"- Round 2 feed results: {_statuses(r2)}; {r2.cpu_seconds:.2f} CPU seconds.",
        f"- Fetch-only baseline run before and after the watch rounds: {runs} ({spread:.0%} apart; the faster is "
        f"used); {m.baseline.failures} failed requests; {m.baseline.bytes / 1e6:,.1f} MB of bodies.",
        f"- Pages average {m.page_bytes / max(1, m.pages) / 1024:.1f} KB, "
        f"feeds {m.feed_bytes / m.feeds / 1024:.1f} KB.",
    ]
    if server_mode == "thread":
        out.append("- The site ran in a thread of the measured process and competed with it for the GIL.")
    return out


def _statuses(r: Round) -> str:
    return ", ".join(f'{count:,} feeds "{status}"' for status, count in sorted(r.statuses().items()))


def environment(command: str, server_mode: str, m: Measurement) -> list[str]:
    cpus = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cpus
    where = (
        "a separate process (multiprocessing, spawn)"
        if server_mode == "process"
        else "a thread of the measured process"
    )
    lines = [
        f"- Python {platform.python_version()} ({platform.python_implementation()}), {platform.platform()}",
        f"- CPUs: {cpus} (usable by this process: {usable}); the site is served on 127.0.0.1 from {where} by "
        "`examples/demo_site.py`'s `ThreadingHTTPServer` (HTTP/1.0: one connection per request)",
        f"- newsloom {newsloom.__version__}{_git_revision()}",
        f"- Command: `{command}`",
        f"- WatchSettings: {m.settings['watch']} (other fields default)",
        f"- FetchSettings: {m.settings['fetch']} (other fields default; the loopback site is one host, so the "
        "per-host delay and limit are relaxed)",
        f"- Pipeline: {m.settings['pipeline']}; a fresh SQLite store in a temporary folder",
    ]
    peak = _peak_memory_mb()
    if peak is not None:
        lines.append(f"- Peak memory of the measured process: {peak:,.0f} MB")
    return lines


def report(m: Measurement, command: str, site_note: str, server_mode: str) -> str:
    parts = [
        f"Run on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        *environment(command, server_mode, m),
        "",
        site_note,
        "",
        "Speed (one run each; cost × fetch baseline = the step's wall time over the time to fetch the same feeds and "
        "pages without parsing anything):",
        "",
        speed_table(m),
        "",
        "Where round 1's wall time went:",
        "",
        split_table(m),
        "",
        "`Watcher.timings` of round 1, summed over the threads of the pool (the pipeline runs on the calling thread):",
        "",
        timings_table(m),
        "",
        *notes(m, server_mode),
    ]
    return "\n".join(parts)


# -- the command -----------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--feeds", type=int, default=200, help="feeds on the site (default 200)")
    parser.add_argument("--entries", type=int, default=50, help="entries per feed, each with its page (default 50)")
    parser.add_argument("--weeks", type=float, default=4.0, help="weeks the publication times span (default 4)")
    parser.add_argument("--seed", type=int, default=20260302, help="seed of the synthetic articles")
    parser.add_argument(
        "--workers", type=int, default=WatchSettings().workers, help="threads of the watch loop (default 8)"
    )
    parser.add_argument(
        "--server",
        choices=("process", "thread"),
        default="process",
        help="serve the site from a separate process (default) or from a thread of the measured process",
    )
    parser.add_argument("--workdir", type=Path, help="keep the SQLite store here (default: a temporary folder)")
    add_write_docs_option(parser, "watch")
    parser.add_argument(
        "--profile",
        type=int,
        metavar="N",
        help="also profile the pipeline step of round 1 (cProfile) and print the top N functions by cumulative "
        "time; the timings are then slowed down and not fit to record",
    )
    args = parser.parse_args(argv)
    if args.feeds < 1 or args.entries < 1 or args.workers < 1:
        parser.error("--feeds, --entries and --workers must be at least 1")
    if args.profile and args.write_docs:
        parser.error("--profile slows the pipeline down; do not combine it with --write-docs")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = the_command()
    started = time.perf_counter()
    site_feeds = plan_site(args.feeds, args.entries, args.weeks, args.seed)
    outlets = len({feed.outlet for feed in site_feeds})
    pages = sum(len(feed.records) for feed in site_feeds)
    site_note = (
        f"Site: {len(site_feeds)} RSS feeds × {args.entries} entries = {pages:,} article pages, the feeds being "
        f"sections of {outlets} demo outlets; entries carry a one-sentence summary, so every page is fetched. "
        f"Articles made from the 46 demo articles by `throughput.py`'s generator (seed {args.seed}, publication "
        f"times over {args.weeks:g} weeks; site made in {time.perf_counter() - started:.1f} s, not counted)."
    )
    print(site_note, flush=True)
    profiler = cProfile.Profile() if args.profile else None
    site = LocalSite(args.server)
    try:
        with tempfile.TemporaryDirectory(prefix="newsloom-bench-watch-") as scratch:
            workdir = args.workdir or Path(scratch)
            workdir.mkdir(parents=True, exist_ok=True)
            for leftover in workdir.glob("watch.sqlite*"):
                leftover.unlink()
            measurement = measure(site_feeds, site, workdir, args.workers, profiler)
    finally:
        site.close()

    section = report(measurement, command, site_note, args.server)
    print()
    print(section)
    if profiler is not None:
        print(f"\nThe pipeline step of round 1 (calling thread), top {args.profile} by cumulative time:\n")
        pstats.Stats(profiler, stream=sys.stdout).sort_stats(pstats.SortKey.CUMULATIVE).print_stats(args.profile)
    if args.write_docs:
        write_docs(args.write_docs, section, "watch", "Watch loop")
        print(f"\nwrote {args.write_docs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
