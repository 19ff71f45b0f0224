"""Cost of the story stage as the archive grows: per-article cost at 10k, 100k and 1M articles, store and model.

The issue asks for a story clusterer whose cost does not grow with history: candidate stories come from an index,
and only recent stories stay hot. This benchmark feeds one long synthetic stream, made by perturbing real articles
(uci headlines and giveme5w1h full texts, read from the shared data folder, never copied), and measures:

- the fast path (``embedding="none"``): ``StoryClusterer.assign`` for every article and ``changes()`` after every
  batch of 256, as the pipeline calls them; the cost per article in windows of 5,000 articles ending at 10k, 100k,
  1M (and points between), the hot stories and index sizes there, and the process's memory;
- the store path: ``Pipeline(settings, SQLiteStore).ingest`` batch by batch (normalize, syndication, stories,
  the transactional write) up to 100k articles;
- the embedding path: ``Desk.place`` with ``embedding="minilm"`` against the bare encoder on the same
  texts in the same batches.

Run ``python benchmarks/scaling.py --help``; ``--write-docs`` records the figures in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import bisect
import dataclasses
import gc
import os
import random
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from copy import deepcopy
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _datasets import DEFAULT_SHARED, find_dataset
from newsloom import Article, Pipeline, Settings, StoryClusterer
from newsloom.embeddings import article_text
from newsloom.store.sqlite import SQLiteStore
from newsloom.stories.settings import ClusterSettings
from throughput import environment, the_command, write_docs

DEFAULT_DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
STREAM_START = datetime(2025, 1, 6, tzinfo=UTC)
BATCH = 256  # the pipeline's batch: changes() after each, as Pipeline.ingest and assign_stories do
# Fictional outlets: the same ones cover every event.
OUTLETS = (
    "Meridian Wire",
    "The Lakeshore Courier",
    "Harbor Daily",
    "Northgate Ledger",
    "Coastal Times",
    "The Valley Herald",
    "Morning Signal",
    "Capital Dispatch",
    "The Evening Post of Tarvel",
    "Riverside Bulletin",
    "Global Desk",
    "The Plain Observer",
    "Summit News",
    "Eastbank Gazette",
    "Open Wire Service",
    "The Quarry Record",
)


# -- the synthetic stream ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seed:
    """A real article, normalized once, split into words for cheap perturbation."""

    title: list[str]
    paragraphs: list[list[str]]
    full_text: bool  # giveme5w1h (headline and body) rather than a uci headline


@dataclass
class Event:
    """A run of reports retelling one seed article for a few days."""

    seed: int
    ends: int  # the article index at which it stops being reported
    weight: float


def load_seeds(shared: Path) -> tuple[list[Seed], list[list[int]], list[str]]:
    """The seed articles, their groups by gold story (reports of one real event), and a pool of words to swap in."""
    seeds: list[Seed] = []
    groups: list[list[int]] = []
    pool: list[str] = []
    for name, full_text in (("uci", False), ("giveme5w1h", True)):
        dataset = find_dataset(name, shared)
        gold = dataset.gold()
        by_story: defaultdict[str, list[int]] = defaultdict(list)
        for article in dataset.articles():
            paragraphs = [line.split() for line in article.text.split("\n")] if full_text else [article.title.split()]
            by_story[gold.get(article.id, article.id)].append(len(seeds))
            seeds.append(Seed(article.title.split(), paragraphs, full_text))
            pool.extend(word for paragraph in paragraphs for word in paragraph)
        groups.extend(by_story.values())
    return seeds, groups, pool


class SyntheticStream:
    """A seeded, endless-looking stream of perturbed real articles at a steady pace (``per_day`` articles a day).

    Events start at a steady rate (``events_per_day``), each runs ``min_days`` to ``max_days``, and each has a
    Pareto weight: an article belongs to an event running at its time, chosen in proportion to the weights, so a few
    events draw many reports and most draw few. An event retells one seed article; seeds are dealt out in cycles,
    the reports of one real story (its gold label) together, every cycle in a new order: the same seed comes back as
    a new event only after the previous one has long left the hot window (see ``cycle_days``). Each article drops or
    swaps ``perturbation`` of its words (half each; swapped-in words come from other seed articles), and gets a
    fresh id, an outlet and a publication time.
    """

    def __init__(
        self,
        seeds: Sequence[Seed],
        groups: Sequence[Sequence[int]],
        pool: Sequence[str],
        articles: int,
        per_day: int = 5000,
        events_per_day: float = 180.0,
        min_days: float = 1.0,
        max_days: float = 4.0,
        perturbation: float = 0.15,
        seed: int = 20260302,
    ) -> None:
        if articles < 1 or per_day < 1 or events_per_day <= 0:
            raise ValueError("articles, per_day and events_per_day must be positive")
        if not 0 < min_days <= max_days:
            raise ValueError(f"need 0 < min_days <= max_days, not {min_days} and {max_days}")
        if not 0 <= perturbation < 1:
            raise ValueError(f"perturbation is a share of words, in [0, 1), not {perturbation}")
        if not seeds or not pool:
            raise ValueError("no seed articles to perturb")
        self.seeds, self.groups, self.pool = seeds, groups, pool
        self.articles, self.per_day, self.events_per_day = articles, per_day, events_per_day
        self.min_days, self.max_days, self.perturbation = min_days, max_days, perturbation
        self.random_seed = seed
        self.events_started = 0
        self.full_text_articles = 0

    @property
    def cycle_days(self) -> float:
        """Days before a seed article comes back as a new event."""
        return len(self.seeds) / self.events_per_day

    @property
    def days(self) -> float:
        return self.articles / self.per_day

    def _seed_order(self, rng: random.Random) -> Iterator[int]:
        while True:
            groups = [list(group) for group in self.groups]
            rng.shuffle(groups)
            for group in groups:
                rng.shuffle(group)
                yield from group

    def _words(self, words: list[str], rng: random.Random) -> list[str]:
        share, pool = self.perturbation, self.pool
        out = []
        for word in words:
            roll = rng.random()
            if roll >= share:
                out.append(word)
            elif roll >= share / 2:
                out.append(pool[int(rng.random() * len(pool))])
        return out or words[:1]

    def __iter__(self) -> Iterator[Article]:
        rng = random.Random(self.random_seed)
        order = self._seed_order(rng)
        spacing = self.per_day / self.events_per_day  # articles between two event starts
        longest = self.max_days * self.per_day
        # Start events in the days before the first article, so the stream opens in its steady state.
        next_start = -longest
        running: list[Event] = []
        cumulative: list[float] = []
        step = timedelta(seconds=86400.0 / self.per_day)
        self.events_started = self.full_text_articles = 0
        for index in range(self.articles):
            changed = False
            while next_start <= index or not running:
                begin = min(next_start, index)  # an event starts now when none is running
                life = rng.uniform(self.min_days, self.max_days) * self.per_day
                running.append(Event(next(order), int(begin + life), rng.paretovariate(1.2)))
                if begin == next_start:
                    next_start += spacing
                self.events_started += 1
                changed = True
            if changed or (running and running[0].ends <= index):
                running = [event for event in running if event.ends > index]
                running.sort(key=lambda event: event.ends)
                cumulative = []
                total = 0.0
                for event in running:
                    total += event.weight
                    cumulative.append(total)
            event = running[min(bisect.bisect_right(cumulative, rng.random() * cumulative[-1]), len(running) - 1)]
            yield self._article(index, event, rng, STREAM_START + step * index)

    def _article(self, index: int, event: Event, rng: random.Random, published: datetime) -> Article:
        seed = self.seeds[event.seed]
        title = " ".join(self._words(seed.title, rng))
        if seed.full_text:
            self.full_text_articles += 1
            text = "\n".join(" ".join(self._words(p, rng)) if p else "" for p in seed.paragraphs)
        else:
            text = " ".join(self._words(seed.paragraphs[0], rng))
        outlet = OUTLETS[int(rng.random() * len(OUTLETS))]
        return Article(
            id=f"syn-{index:07d}",
            title=title,
            text=text,
            url=f"https://{outlet.lower().replace(' ', '-')}.example/news/{index}",
            outlet=outlet,
            published=published,
            language="en",
        )


def batches(articles: Iterator[Article], size: int = BATCH) -> Iterator[list[Article]]:
    batch: list[Article] = []
    for article in articles:
        batch.append(article)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# -- measuring -----------------------------------------------------------------------------------------------------


@dataclass
class Point:
    """The stage's cost in the window of articles ending at ``articles``, and the state of the indexes there."""

    articles: int
    window: int  # articles in the window (whole batches)
    wall: float  # seconds in the window
    cpu: float
    hot_stories: int = 0
    posted_terms: int = 0  # terms in the inverted index
    postings: int = 0  # (term, story) entries in it
    dense_rows: int = 0
    vocabulary: int = 0  # terms with a document frequency: every term ever seen
    redirects: int = 0  # merged story ids kept for resolve()
    rss_mb: float = 0.0
    peak_mb: float = 0.0
    store_mb: float = 0.0

    @property
    def micros(self) -> float:
        return self.wall / self.window * 1e6

    @property
    def cpu_micros(self) -> float:
        return self.cpu / self.window * 1e6

    @property
    def per_second(self) -> float:
        return self.window / self.wall if self.wall else 0.0


class Clock:
    """Wall and CPU time at each batch boundary, so a window's cost can be read off afterwards."""

    def __init__(self) -> None:
        self.done: list[int] = [0]
        self.wall: list[float] = [0.0]
        self.cpu: list[float] = [0.0]

    def add(self, articles: int, wall: float, cpu: float) -> None:
        self.done.append(self.done[-1] + articles)
        self.wall.append(self.wall[-1] + wall)
        self.cpu.append(self.cpu[-1] + cpu)

    def window(self, end: int, size: int) -> Point:
        """The whole batches that ended in the ``size`` articles before ``end`` (inclusive)."""
        last = bisect.bisect_right(self.done, end) - 1
        first = bisect.bisect_right(self.done, max(0, end - size)) - 1
        if last <= first:
            raise ValueError(f"no whole batch ends between {end - size} and {end}")
        return Point(
            articles=end,
            window=self.done[last] - self.done[first],
            wall=self.wall[last] - self.wall[first],
            cpu=self.cpu[last] - self.cpu[first],
        )


def memory_mb() -> tuple[float, float]:
    """Resident memory now and the process's peak so far, in MB (Linux)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        now = pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        now = float("nan")
    return now, peak


def describe_state(point: Point, clusterer: StoryClusterer) -> Point:
    # The index sizes are private to the clusterer; the benchmark reads them only to show they stay bounded.
    postings = clusterer._postings
    point.hot_stories = len(clusterer.stories)
    point.posted_terms = len(postings)
    point.postings = sum(len(stories) for stories in postings.values())
    point.dense_rows = len(clusterer._dense)
    point.vocabulary = len(clusterer.document_frequency)
    point.redirects = len(clusterer.redirects)
    point.rss_mb, point.peak_mb = memory_mb()
    return point


def checkpoints(total: int, window: int) -> list[int]:
    marks = [m for m in (10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000) if window <= m <= total]
    return sorted({*marks, total}) if total >= window else [total]


@dataclass
class FastRun:
    """The fast path's windows of the stream, and the fixed probe timed against the state at each point."""

    points: list[Point]
    probes: list[Probe]
    seconds: float
    probe_articles: int
    probe_runs: int


def probe_cost(
    states: Sequence[tuple[StoryClusterer, datetime]], probe: Sequence[Article], step: timedelta, runs: int
) -> list[Point]:
    """The cost per article of the same probe articles placed on copies of each clusterer state.

    The windows of the stream itself mix different content at each point (a burst of full texts costs more than
    headlines), so the cost at 10k and at 1M articles is also measured on identical work: the probe, dated just
    after each state's latest article, assigned to a deep copy of the state (so the stream goes on untouched),
    ``changes()`` after every batch. The states take turns, ``runs`` rounds, so the machine's load falls on each
    alike; the fastest run of each state on each clock.
    """
    walls: list[list[float]] = [[] for _ in states]
    cpus: list[list[float]] = [[] for _ in states]
    for _ in range(runs):
        for index, (clusterer, latest) in enumerate(states):
            copy = deepcopy(clusterer)
            articles = [
                dataclasses.replace(a, id=f"probe-{i:05d}", published=latest + step * (i + 1))
                for i, a in enumerate(probe)
            ]
            gc.collect()
            wall, cpu = time.perf_counter(), time.process_time()
            for batch in batches(iter(articles)):
                for article in batch:
                    copy.assign(article)
                copy.changes()
            walls[index].append(time.perf_counter() - wall)
            cpus[index].append(time.process_time() - cpu)
            del copy
    return [Point(articles=0, window=len(probe), wall=min(w), cpu=min(c)) for w, c in zip(walls, cpus, strict=True)]


@dataclass
class Probe:
    """The probe's cost on the state at one point, and on the first point's state timed in the same rounds."""

    point: Point
    baseline: Point

    @property
    def ratio_wall(self) -> float:
        return self.point.wall / self.baseline.wall

    @property
    def ratio_cpu(self) -> float:
        return self.point.cpu / self.baseline.cpu


def fast_path(stream: SyntheticStream, window: int, probe: Sequence[Article] = (), probe_runs: int = 2) -> FastRun:
    """The story stage alone, on the fast path: assign every article, changes() after every batch; at each point
    the probe too (see ``probe_cost``)."""
    settings = ClusterSettings(embedding="none")
    clusterer = StoryClusterer(settings)
    clock = Clock()
    marks = checkpoints(stream.articles, window)
    points: list[Point] = []
    probes: list[Probe] = []
    first: tuple[StoryClusterer, datetime] | None = None
    started = time.perf_counter()
    done = 0
    for batch in batches(iter(stream)):
        wall, cpu = time.perf_counter(), time.process_time()
        for article in batch:
            clusterer.assign(article)
        clusterer.changes()
        clock.add(len(batch), time.perf_counter() - wall, time.process_time() - cpu)
        done += len(batch)
        while marks and done >= marks[0]:
            point = describe_state(clock.window(marks.pop(0), window), clusterer)
            points.append(point)
            line = (
                f"  fast path {point.articles:>9,}: {point.micros:7.0f} µs/article ({point.per_second:,.0f}/s), "
                f"{point.hot_stories:,} hot stories, {point.postings:,} postings, RSS {point.rss_mb:,.0f} MB"
            )
            if probe:
                latest = batch[-1].published or STREAM_START
                if first is None:  # the first point's state, timed again beside every later one
                    first = (deepcopy(clusterer), latest)
                step = timedelta(days=stream.days) / stream.articles
                now, then = probe_cost([(clusterer, latest), first], probe, step, probe_runs)
                now.articles, then.articles = point.articles, points[0].articles
                probes.append(Probe(now, then))
                line += (
                    f"; probe {now.cpu_micros:,.0f} µs/article CPU, the {then.articles:,} state "
                    f"{then.cpu_micros:,.0f} (×{probes[-1].ratio_cpu:.2f})"
                )
            print(f"{line} [{time.perf_counter() - started:,.0f} s]", flush=True)
    return FastRun(points, probes, time.perf_counter() - started, len(probe), probe_runs)


def copy_store(path: Path, to: Path) -> None:
    """A consistent copy of a SQLite store between two batches (SQLite's online backup, WAL and all)."""
    source, target = sqlite3.connect(path), sqlite3.connect(to)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


def store_probe_cost(
    states: Sequence[Path], probe: Sequence[Article], step: timedelta, runs: int, workdir: Path
) -> list[Point]:
    """The cost per article of the same probe articles ingested into copies of each store state, as
    ``probe_cost`` does for the clusterer: each state's file is copied, a pipeline restores its desk from the copy
    (not timed), and the probe, dated just after the state's latest article, goes through ``Pipeline.ingest`` batch
    by batch (normalize, duplicate checks, syndication, stories, the transactional write). The states take turns,
    ``runs`` rounds; the fastest run of each state on each clock."""
    settings = Settings(cluster=ClusterSettings(embedding="none"), batch_size=BATCH)
    walls: list[list[float]] = [[] for _ in states]
    cpus: list[list[float]] = [[] for _ in states]
    copy = workdir / "probe.sqlite"
    for _ in range(runs):
        for index, state in enumerate(states):
            for leftover in workdir.glob("probe.sqlite*"):
                leftover.unlink()
            shutil.copyfile(state, copy)
            with SQLiteStore(copy) as store:
                pipeline = Pipeline(settings, store)
                latest = pipeline.desk.clusterer.latest
                start = datetime.fromtimestamp(latest, UTC) if latest is not None else STREAM_START
                articles = [
                    dataclasses.replace(
                        a, id=f"probe-{i:05d}", url=f"https://probe.example/{i}", published=start + step * (i + 1)
                    )
                    for i, a in enumerate(probe)
                ]
                gc.collect()
                wall, cpu = time.perf_counter(), time.process_time()
                for batch in batches(iter(articles)):
                    pipeline.ingest(batch, write_briefs=False)
                walls[index].append(time.perf_counter() - wall)
                cpus[index].append(time.process_time() - cpu)
    for leftover in workdir.glob("probe.sqlite*"):
        leftover.unlink()
    return [Point(articles=0, window=len(probe), wall=min(w), cpu=min(c)) for w, c in zip(walls, cpus, strict=True)]


@dataclass
class StoreRun:
    """The store path's windows of the stream, and the fixed probe timed on the store at each point."""

    points: list[Point]
    probes: list[Probe]
    seconds: float
    probe_articles: int
    probe_runs: int
    loads: list[tuple[float, float, float]]  # the machine's load average at each point


def store_path(
    stream: SyntheticStream, window: int, workdir: Path, probe: Sequence[Article] = (), probe_runs: int = 2
) -> StoreRun:
    """The real ingest path into SQLite (normalize, syndication, stories, the write), batch by batch, no briefs; at
    each point the probe too (see ``store_probe_cost``), on a copy of the store there and on a copy of the store at
    the first point."""
    settings = Settings(cluster=ClusterSettings(embedding="none"), batch_size=BATCH)
    path = workdir / "scaling.sqlite"
    first = workdir / "first.sqlite"
    for leftover in [*workdir.glob("scaling.sqlite*"), *workdir.glob("first.sqlite*")]:
        leftover.unlink()
    clock = Clock()
    marks = checkpoints(stream.articles, window)
    points: list[Point] = []
    probes: list[Probe] = []
    loads: list[tuple[float, float, float]] = []
    started = time.perf_counter()
    done = 0
    step = timedelta(days=stream.days) / stream.articles
    with SQLiteStore(path) as store:
        pipeline = Pipeline(settings, store)
        for batch in batches(iter(stream)):
            wall, cpu = time.perf_counter(), time.process_time()
            pipeline.ingest(batch, write_briefs=False)
            clock.add(len(batch), time.perf_counter() - wall, time.process_time() - cpu)
            done += len(batch)
            while marks and done >= marks[0]:
                point = describe_state(clock.window(marks.pop(0), window), pipeline.desk.clusterer)
                point.store_mb = sum(p.stat().st_size for p in workdir.glob("scaling.sqlite*")) / 2**20
                points.append(point)
                line = (
                    f"  store {point.articles:>9,}: {point.micros:7.0f} µs/article ({point.per_second:,.0f}/s), "
                    f"store {point.store_mb:,.0f} MB"
                )
                if probe:
                    now = workdir / "now.sqlite"
                    copy_store(path, now if first.exists() else first)
                    if not now.exists():
                        now = first
                    here, then = store_probe_cost([now, first], probe, step, probe_runs, workdir)
                    here.articles, then.articles = point.articles, points[0].articles
                    probes.append(Probe(here, then))
                    if now != first:
                        now.unlink()
                    line += (
                        f"; probe {here.cpu_micros:,.0f} µs/article CPU, the {then.articles:,} store "
                        f"{then.cpu_micros:,.0f} (×{probes[-1].ratio_cpu:.2f})"
                    )
                loads.append(os.getloadavg())
                print(f"{line}, load {loads[-1][0]:.1f} [{time.perf_counter() - started:,.0f} s]", flush=True)
    first.unlink(missing_ok=True)
    return StoreRun(points, probes, time.perf_counter() - started, len(probe), probe_runs, loads)


@dataclass
class EmbeddingRun:
    articles: int
    encode: list[float]  # seconds of each bare-encoder pass
    stage: list[float]  # seconds of each pass of the stage with the model inside
    encoder: str

    @property
    def ratio(self) -> float:
        return min(self.stage) / min(self.encode)


def embedding_path(stream: SyntheticStream, runs: int) -> EmbeddingRun:
    """``Desk.place`` with MiniLM against ``encoder.encode`` on the same texts, in the pipeline's batches.

    The passes alternate (encode, stage, encode, stage, ...) so both see the same load from the rest of the machine;
    the fastest pass of each counts. Every stage pass starts from a fresh pipeline (the stage is stateful).
    """
    settings = Settings(cluster=ClusterSettings(embedding="minilm"), batch_size=BATCH)
    chunks = list(batches(iter(stream)))
    warm = Pipeline(settings)
    encoder = warm.desk.encoder
    if encoder is None:
        raise RuntimeError("the minilm encoder did not load")
    texts = [[article_text(a) for a in chunk] for chunk in chunks]
    encoder.encode(texts[0][:64])  # warm the session up
    encode_times: list[float] = []
    stage_times: list[float] = []
    for run in range(runs):
        started = time.perf_counter()
        for chunk_texts in texts:
            encoder.encode(chunk_texts)
        encode_times.append(time.perf_counter() - started)
        pipeline = Pipeline(settings)
        fresh = [[dataclasses.replace(a) for a in chunk] for chunk in chunks]
        started = time.perf_counter()
        for chunk in fresh:
            pipeline.desk.place(chunk)
            pipeline.desk.close()
        stage_times.append(time.perf_counter() - started)
        print(
            f"  embedding pass {run + 1}: encode {encode_times[-1]:.1f} s, place {stage_times[-1]:.1f} s",
            flush=True,
        )
    return EmbeddingRun(sum(len(c) for c in chunks), encode_times, stage_times, encoder.name)


# -- the report ----------------------------------------------------------------------------------------------------


def points_table(points: Sequence[Point], store: bool = False) -> list[str]:
    head = "| articles in the store | window | µs/article (wall) | articles/s | µs/article (CPU) | hot stories |"
    rule = "|---:|---:|---:|---:|---:|---:|"
    if store:
        head += " store MB | RSS MB |"
        rule += "---:|---:|"
    else:
        head += " indexed terms | postings | vocabulary | redirects | RSS MB | peak MB |"
        rule += "---:|---:|---:|---:|---:|---:|"
    rows = [head, rule]
    for p in points:
        row = (
            f"| {p.articles:,} | {p.window:,} | {p.micros:,.0f} | {p.per_second:,.0f} | {p.cpu_micros:,.0f} | "
            f"{p.hot_stories:,} |"
        )
        if store:
            row += f" {p.store_mb:,.0f} | {p.rss_mb:,.0f} |"
        else:
            row += (
                f" {p.posted_terms:,} | {p.postings:,} | {p.vocabulary:,} | {p.redirects:,} | {p.rss_mb:,.0f} | "
                f"{p.peak_mb:,.0f} |"
            )
        rows.append(row)
    return rows


def ratio_line(points: Sequence[Point], what: str, target: float | None) -> str:
    if len(points) < 2:
        return f"- {what}: one window only, no ratio."
    first, last = points[0], points[-1]
    wall, cpu = last.micros / first.micros, last.cpu_micros / first.cpu_micros
    verdict = ""
    if target is not None:
        # Both clocks must agree: wall time swings with the machine's load, CPU time less so (but not never).
        met = wall <= target and cpu <= target
        verdict = f" (target ≤ ×{target:.1f} on both clocks: {'met' if met else 'missed'})"
    return (
        f"- {what}: cost per article at {last.articles:,} ÷ at {first.articles:,}, same run: "
        f"×{wall:.2f} wall, ×{cpu:.2f} CPU{verdict}."
    )


def report(
    command: str,
    stream_note: str,
    fast: FastRun | None,
    store: StoreRun | None,
    embedding: EmbeddingRun | None,
) -> str:
    lines = [f"Run on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.", "", *environment(command), "", stream_note, ""]
    if fast:
        points, seconds = fast.points, fast.seconds
        lines += [
            '**Fast path** (`embedding="none"`): `StoryClusterer.assign` for each article and `changes()` after '
            f"each batch of {BATCH} (it also cools stories down), nothing else timed; cost per article in the "
            f"window of the last ~{points[0].window:,} articles before each point. The run took {seconds / 60:.1f} "
            "minutes of wall time, stream making included.",
            "",
            *points_table(points),
            "",
            ratio_line(points, "Growth with history, windows of the stream (content differs window to window)", None),
            f"- Throughput target ≥ 1,000 articles/s: {min(p.per_second for p in points):,.0f}/s in the slowest "
            f"window, {points[-1].per_second:,.0f}/s in the last.",
            "",
        ]
        if fast.probes:
            base = fast.probes[0].baseline.articles
            last = fast.probes[-1]
            met = last.ratio_wall <= 1.5 and last.ratio_cpu <= 1.5
            lines += [
                f"**The same work at each point**: a fixed probe of {fast.probe_articles:,} articles of the same "
                "stream (another random seed), dated just after the latest article, assigned to a deep copy of the "
                f"clusterer as it stands at that point and, in turns with it, to a copy of the state at {base:,} "
                f"articles (kept for this), `changes()` after each batch; {fast.probe_runs} rounds, the fastest run of "
                "each state on each clock. The ratio compares two states timed side by side, so the machine's "
                "load falls on both alike.",
                "",
                f"| articles in the store | probe µs/article (wall) | (CPU) | the {base:,} state, same rounds (wall) "
                "| (CPU) | ratio (wall) | ratio (CPU) |",
                "|---:|---:|---:|---:|---:|---:|---:|",
                *(
                    f"| {p.point.articles:,} | {p.point.micros:,.0f} | {p.point.cpu_micros:,.0f} | "
                    f"{p.baseline.micros:,.0f} | {p.baseline.cpu_micros:,.0f} | ×{p.ratio_wall:.2f} "
                    f"| ×{p.ratio_cpu:.2f} |"
                    for p in fast.probes
                ),
                "",
                f"- Growth with history, the same probe: cost per article at {last.point.articles:,} ÷ at {base:,}, "
                f"timed side by side: ×{last.ratio_wall:.2f} wall, ×{last.ratio_cpu:.2f} CPU (target ≤ ×1.5 on both "
                f"clocks: {'met' if met else 'missed'}).",
                f"- Throughput on the probe at {last.point.articles:,}: {last.point.per_second:,.0f} articles/s "
                "(target ≥ 1,000).",
                "",
            ]
    if store:
        lines += [
            "**Store path**: `Pipeline(settings, SQLiteStore(file)).ingest(batch, write_briefs=False)` per batch of "
            f"{BATCH} (normalize, syndication groups, stories, duplicate checks, the transactional write), fast "
            f"path settings. The run took {store.seconds / 60:.1f} minutes, probes included.",
            "",
            *points_table(store.points, store=True),
            "",
            ratio_line(store.points, "Growth with history (store), windows of the stream", None),
            "",
        ]
        if store.probes:
            base = store.probes[0].baseline.articles
            last = store.probes[-1]
            met = last.ratio_wall <= 1.5 and last.ratio_cpu <= 1.5
            lines += [
                f"**The same work at each point, store path**: a fixed probe of {store.probe_articles:,} articles of "
                "the same stream (another random seed), dated just after the latest article, ingested by "
                "`Pipeline.ingest` batch by batch into a copy of the store as it stands at that point (its desk "
                f"restored from the copy, not timed) and, in turns with it, into a copy of the store at {base:,} "
                f"articles; {store.probe_runs} rounds, the fastest run of each state on each clock.",
                "",
                f"| articles in the store | probe µs/article (wall) | (CPU) | the {base:,} store, same rounds (wall) "
                "| (CPU) | ratio (wall) | ratio (CPU) | load average (1, 5, 15 min) |",
                "|---:|---:|---:|---:|---:|---:|---:|---|",
                *(
                    f"| {p.point.articles:,} | {p.point.micros:,.0f} | {p.point.cpu_micros:,.0f} | "
                    f"{p.baseline.micros:,.0f} | {p.baseline.cpu_micros:,.0f} | ×{p.ratio_wall:.2f} "
                    f"| ×{p.ratio_cpu:.2f} | {', '.join(f'{x:.1f}' for x in load)} |"
                    for p, load in zip(store.probes, store.loads, strict=True)
                ),
                "",
                f"- Growth with history, the same probe on the store path: cost per article at "
                f"{last.point.articles:,} ÷ at {base:,}, timed side by side: ×{last.ratio_wall:.2f} wall, "
                f"×{last.ratio_cpu:.2f} CPU (target ≤ ×1.5 on both clocks: {'met' if met else 'missed'}).",
                "",
            ]
    if embedding:
        lines += [
            f"**Embedding path** on the first {embedding.articles:,} articles of the stream: `encoder.encode` "
            f"({embedding.encoder}, the pipeline's own encoder object) over `article_text` of each batch of {BATCH} "
            "against `Pipeline.place_all` of the same batches (embedding, syndication, stories) and `changes()`; "
            f"passes alternate, fastest of {len(embedding.encode)} each.",
            "",
            "| step | seconds (fastest) | articles/s | all passes (s) |",
            "|---|---:|---:|---|",
            f"| bare encoder | {min(embedding.encode):.1f} | {embedding.articles / min(embedding.encode):,.0f} | "
            f"{', '.join(f'{s:.1f}' for s in embedding.encode)} |",
            f"| story stage with the model | {min(embedding.stage):.1f} | "
            f"{embedding.articles / min(embedding.stage):,.0f} | {', '.join(f'{s:.1f}' for s in embedding.stage)} |",
            "",
            f"- Stage ÷ bare encoder: ×{embedding.ratio:.2f} (target ≤ ×1.3: "
            f"{'met' if embedding.ratio <= 1.3 else 'missed'}).",
            "",
        ]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    lines.append(f"- Cores: {os.cpu_count()}; load average of the machine at the end: {load}.")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--articles", type=int, default=1_000_000, help="fast-path stream length (default 1000000)")
    parser.add_argument(
        "--probe",
        type=int,
        default=2048,
        help="articles in the fixed probe timed at each point (default 2048; 0: none)",
    )
    parser.add_argument("--probe-runs", type=int, default=3, help="rounds of the probe at each point (default 3)")
    parser.add_argument(
        "--store-articles", type=int, default=100_000, help="store-path stream length (default 100000; 0 skips it)"
    )
    parser.add_argument(
        "--embedding-articles", type=int, default=2000, help="embedding-path articles (default 2000; 0 skips it)"
    )
    parser.add_argument("--embedding-runs", type=int, default=2, help="passes of each embedding step (default 2)")
    parser.add_argument("--window", type=int, default=5000, help="articles per measuring window (default 5000)")
    parser.add_argument("--per-day", type=int, default=5000, help="articles a day in the stream (default 5000)")
    parser.add_argument("--events-per-day", type=float, default=180.0, help="new events a day (default 180)")
    parser.add_argument("--seed", type=int, default=20260302, help="seed of the synthetic stream")
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="folder holding uci/ and giveme5w1h/")
    parser.add_argument("--workdir", type=Path, help="where the SQLite file goes (default: a temporary folder)")
    parser.add_argument("--write-docs", nargs="?", type=Path, const=DEFAULT_DOCS, metavar="PATH")
    args = parser.parse_args(argv)
    if args.articles < 0 or args.store_articles < 0 or args.embedding_articles < 0:
        parser.error("article counts cannot be negative")
    if args.window < BATCH:
        parser.error(f"--window must hold at least one batch ({BATCH} articles)")
    if args.embedding_runs < 1:
        parser.error("--embedding-runs must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = the_command()
    started = time.perf_counter()
    seeds, groups, pool = load_seeds(args.shared)

    def stream(articles: int) -> SyntheticStream:
        return SyntheticStream(
            seeds, groups, pool, articles, per_day=args.per_day, events_per_day=args.events_per_day, seed=args.seed
        )

    probe = stream(max(args.articles, args.store_articles, 1))
    full = sum(seed.full_text for seed in seeds)
    stream_note = (
        f"Synthetic stream (seed {args.seed}): perturbed copies of {len(seeds):,} real articles ({len(seeds) - full:,} "
        f"uci headlines, {full} giveme5w1h full texts, normalized once, {time.perf_counter() - started:.0f} s, not "
        f"counted); each copy drops 7.5% of its words and swaps 7.5% for words of other articles, and gets a fresh "
        f"id, one of {len(OUTLETS)} fictional outlets and a time {86400 / args.per_day:.2f} s after the previous "
        f"one ({args.per_day:,} articles a day, so 1M articles span {1_000_000 / args.per_day:,.0f} days). "
        f"{args.events_per_day:g} events start a day, each reported for 1 to 4 days with a Pareto(1.2) weight; an "
        f"event retells one seed, dealt out in cycles of {probe.cycle_days:.1f} days with the reports of one real "
        "story together (the hot window is 30 days)."
    )
    print(stream_note, flush=True)

    gc.collect()
    fast = None
    if args.articles:
        print(f"fast path, {args.articles:,} articles ...", flush=True)
        fast_stream = stream(args.articles)
        probe_stream = SyntheticStream(
            seeds, groups, pool, max(1, args.probe), args.per_day, args.events_per_day, seed=args.seed + 1
        )
        probe_articles = list(probe_stream) if args.probe else []
        fast = fast_path(fast_stream, args.window, probe_articles, args.probe_runs)
        stream_note += (
            f" The fast-path stream held {fast_stream.events_started:,} events; "
            f"{fast_stream.full_text_articles / args.articles:.1%} of its articles are full texts."
        )
    store = None
    if args.store_articles:
        print(f"store path, {args.store_articles:,} articles ...", flush=True)
        with tempfile.TemporaryDirectory(prefix="newsloom-scaling-") as scratch:
            workdir = args.workdir or Path(scratch)
            workdir.mkdir(parents=True, exist_ok=True)
            store_probe = SyntheticStream(
                seeds, groups, pool, max(1, args.probe), args.per_day, args.events_per_day, seed=args.seed + 1
            )
            store = store_path(
                stream(args.store_articles),
                args.window,
                workdir,
                list(store_probe) if args.probe else [],
                args.probe_runs,
            )
    embedding = None
    if args.embedding_articles:
        print(f"embedding path, {args.embedding_articles:,} articles ...", flush=True)
        embedding = embedding_path(stream(args.embedding_articles), args.embedding_runs)

    section = report(command, stream_note, fast, store, embedding)
    print()
    print(section)
    if args.write_docs:
        if fast:
            write_docs(args.write_docs, section, name="scaling", heading="Scaling with history")
        else:  # the store path alone (--articles 0) has a section of its own: the fast path's figures stay
            write_docs(args.write_docs, section, name="scaling-store", heading="Scaling of the store path")
        print(f"\nwrote {args.write_docs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
