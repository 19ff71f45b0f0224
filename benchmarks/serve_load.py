"""Load on the server: 100,000 articles in the store, 50 concurrent clients on loopback.

A store of ``--articles`` synthetic articles (perturbed copies of the fictional demo corpus, spread over a year,
the stream of benchmarks/throughput.py) is built once and kept in benchmarks/results/. The stories newest in the
river and a sample of others get real briefs from the extractive writer. ``newsloom serve`` then runs in its own
process (one uvicorn worker), and this process's load generator (asyncio, HTTP/1.1 keep-alive, one connection per
client) sends requests for each page in turn for ``--seconds``:

- ``baseline``: ``/api/health``, the cheapest answer through the framework (the ratio column divides by it);
- ``river``: the reader's front page (the top 30 stories with deks: the "top" order, its default);
- ``river-newest``: the front page in the newest order (``/?order=newest``);
- ``river-yours``: the front page for a reader who muted the two outlets with the most articles and two words of
  the corpus's headlines, and prefers a third outlet (their cookie sent with each request): the store hides and
  orders, and each story the muted outlets covered is counted again without them;
- ``story``: story pages (brief, citations with source sentences, coverage chart, timeline), 200 stories;
- ``story-junk``: the same story pages, each request with a query no one sent before (``?x=N``): what a client
  that tries to get past the page cache costs;
- ``story-new``: a story not asked for before on each request, from every story in the store (about 1% have a
  brief): what a crawler walking the site costs;
- ``story-changing``: the same story pages while another process, standing in for a busy watch loop, stores a new
  brief for one of the other briefed stories every ``--change-every`` seconds (0.1 by default): each change is a
  new revision of the store, which the page cache was keyed on;
- ``story-big``: the page of one big story, 500 reports of one event from many outlets, briefed (added to the
  store once: a story of the day, whose page is the costliest to render); ``story-big-junk`` and
  ``story-big-changing`` ask for it as ``story-junk`` and ``story-changing`` ask for the others;
- ``search``: the search page for names and words of the corpus, 200 queries.

Each page is measured twice: with the page cache (answers kept until the store changes: what readers get) and
without it (every request rendered: the cost of a page after each store change); the ``-junk``, ``-new`` and
``-changing`` rows only with it, as without it they are their ``story`` row again. Without the page cache the server
still keeps each story's brief rendered until the story has a new brief version (``[serve] cached_briefs``): a third
server keeps neither (``off, briefs too``) for the story pages, the cost of a page right after its story got a new
brief. Figures are requests per second, p50 and p99 latency. Targets on 2 cores: p99 under 100 ms for the river,
200 ms for a story page. The server reads a copy of the kept store, made for each run, so that the changes of the
``-changing`` rows stay out of the next run.

Run ``python benchmarks/serve_load.py --help``; ``--write-docs`` records the figures in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import itertools
import multiprocessing
import os
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlencode

from newsloom.model import Article, StoryChanges
from newsloom.serve.preferences import COOKIE, cookie_value
from newsloom.store.base import Preferences, StoryQuery
from newsloom.store.sqlite import SQLiteStore
from newsloom.write.extractive import write_brief
from throughput import DEFAULT_DOCS, DEMO, load_demo, synthetic_stream, write_docs

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results"
PAGES = (
    "baseline",
    "river",
    "river-newest",
    "river-yours",
    "story",
    "story-junk",
    "story-new",
    "story-changing",
    "story-big",
    "story-big-junk",
    "story-big-changing",
    "search",
)
PAGE_NAMES = {
    "river": "river, top",
    "river-newest": "river, newest",
    "river-yours": "river, top, your outlets",
    "story-junk": "story, junk query",
    "story-new": "story, new id",
    "story-changing": "story, store changing",
    "story-big": "story, 500 articles",
    "story-big-junk": "story, 500 articles, junk query",
    "story-big-changing": "story, 500 articles, store changing",
}
TARGETS_MS = {"river": 100.0, "story": 200.0}
# How each server keeps what it rendered: rendered answers ([serve] cached_pages), briefs ([serve] cached_briefs).
MODES = {"on": (512, 256), "off": (0, 256), "cold": (0, 0)}
MODE_NAMES = {"on": "on", "off": "off", "cold": "off, briefs too"}
COLD_PAGES = ("baseline", "story", "story-big")  # the pages the server that keeps nothing is asked for
HEADERS: dict[str, str] = {}  # a page's extra request header lines (river-yours: the reader's cookie)
BIG_STORY_LABEL = "serve-load: the big story"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")


# -- the store ----------------------------------------------------------------------------------------------------
def build_store(path: Path, articles: int, seed: int, briefs: int) -> None:
    """``articles`` synthetic articles committed straight to a store (one story per event variant), then briefs."""
    started = time.perf_counter()
    stream = synthetic_stream(load_demo(DEMO), articles, weeks=52.0, seed=seed)
    if path.exists():
        path.unlink()
    with SQLiteStore(path) as store:
        batch: list[Article] = []
        groups: dict[tuple[str, str], str] = {}
        for record, label in stream:
            article = stored_article(record, label, groups)
            batch.append(article)
            if len(batch) == 2000:
                store.commit_batch(batch, [], StoryChanges(0, None, {}, {}), [])
                batch = []
        if batch:
            store.commit_batch(batch, [], StoryChanges(0, None, {}, {}), [])
        print(f"stored {articles:,} articles in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        newest = [e.story.id for e in store.find_stories(StoryQuery(limit=briefs // 2))]
        rng = random.Random(seed)
        every = [e.story.id for e in store.find_stories(StoryQuery(order="biggest", limit=5000))]
        chosen = list(dict.fromkeys(newest + rng.sample(every, min(len(every), briefs - len(newest)))))
        for story_id in chosen:
            store.save_brief(write_brief(store.story_articles(story_id), story_id=story_id))
        add_big_story(store, 500, seed)
        print(f"wrote {len(chosen)} briefs; store ready in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def add_big_story(store: SQLiteStore, size: int, seed: int) -> str:
    """One story of ``size`` perturbed reports of the demo's most reported event, with its brief; its id."""
    stream = [(r, label.split("#")[0]) for r, label in synthetic_stream(load_demo(DEMO), size * 12, 1.0, seed + 1)]
    event = Counter(label for _, label in stream).most_common(1)[0][0]
    groups: dict[tuple[str, str], str] = {}
    reports = [
        stored_article({**record, "id": f"big-{record['id']}"}, BIG_STORY_LABEL, groups)
        for record, label in stream
        if label == event
    ][:size]
    store.commit_batch(reports, [], StoryChanges(0, None, {}, {}), [])
    story_id = str(reports[0].story_id)
    store.save_brief(write_brief(store.story_articles(story_id), story_id=story_id))
    return story_id


def stored_article(record: dict[str, object], label: str, groups: dict[tuple[str, str], str]) -> Article:
    """A synthetic record as the store holds a normalized article (sentences split, story and group set)."""
    text = str(record["text"])
    sentences = [s.strip() for p in text.split("\n") for s in _SENTENCE_END.split(p) if s.strip()]
    story = story_of(label)
    published = datetime.fromisoformat(str(record["published"]).replace("Z", "+00:00")).astimezone(UTC)
    article = Article(
        id=str(record["id"]),
        title=str(record["title"]),
        text=text,
        url=str(record["url"]),
        outlet=str(record["source"]),
        published=published,
        language=str(record.get("language") or "en"),
        sentences=sentences,
    )
    # A wire story and its reprints (same text start within an event) form one group.
    article.syndication_group = groups.setdefault((label, text[:80]), "g-" + article.id)
    article.story_id = story
    return article


def story_of(label: str) -> str:
    return "st-" + hashlib.blake2b(label.encode(), digest_size=5).hexdigest()


def sample_paths(store_path: Path, count: int, seed: int) -> tuple[dict[str, list[str]], list[str]]:
    """The addresses each page's clients ask for, and the briefed stories outside the story sample."""
    rng = random.Random(seed)
    with SQLiteStore(store_path) as store:
        briefed = [r[0] for r in store._db.execute("SELECT DISTINCT story_id FROM briefs ORDER BY story_id")]
        every = [r[0] for r in store._db.execute("SELECT id FROM stories ORDER BY id")]
        words = sorted(
            {w for (title,) in store._db.execute("SELECT title FROM articles LIMIT 5000") for w in title.split()}
        )
        outlets = [name for name, _ in store.outlets()]
    names = [w for w in words if w[:1].isupper() and w.isalpha() and len(w) > 4]
    queries = [" ".join(rng.sample(names, 2 if rng.random() < 0.3 else 1)) for _ in range(count)]
    sampled = rng.sample(briefed, min(count, len(briefed)))
    stories = [f"/stories/{quote(s)}" for s in sampled]
    rng.shuffle(every)
    yours = Preferences(tuple(outlets[:2]), tuple(outlets[2:3]), tuple(rng.sample(names, 2)))
    HEADERS["river-yours"] = f"Cookie: {COOKIE}={cookie_value(yours)}\r\n"
    paths = {
        "baseline": ["/api/health"],
        "river": ["/"],
        "river-newest": ["/?order=newest"],
        "river-yours": ["/"],
        "story": stories,
        "story-junk": stories,
        "story-new": [f"/stories/{quote(s)}" for s in every],
        "story-changing": stories,
        "story-big": [f"/stories/{story_of(BIG_STORY_LABEL)}"],
        "story-big-junk": [f"/stories/{story_of(BIG_STORY_LABEL)}"],
        "story-big-changing": [f"/stories/{story_of(BIG_STORY_LABEL)}"],
        "search": [f"/search?{urlencode({'q': q})}" for q in queries],
    }
    return paths, [s for s in briefed if s not in set(sampled) and s != story_of(BIG_STORY_LABEL)]


def next_path(page: str, paths: list[str]) -> Callable[[random.Random], str]:
    """How a client picks its next address: at random from the page's sample, or never the same one twice."""
    if page.endswith("-junk"):
        junk = itertools.count()
        return lambda rng: f"{rng.choice(paths)}?x={next(junk)}"
    if page == "story-new":
        fresh = itertools.cycle(paths)  # shared by the clients: each story is asked for once, until all have been
        return lambda rng: next(fresh)
    return lambda rng: rng.choice(paths)


# -- the server ---------------------------------------------------------------------------------------------------
@contextmanager
def working_copy(store_path: Path) -> Iterator[Path]:
    """A copy of the kept store for one run: what the run writes is gone after it."""
    folder = Path(tempfile.mkdtemp(prefix="serve-load-"))
    try:
        copy = folder / store_path.name
        shutil.copyfile(store_path, copy)
        yield copy
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def change_briefs(
    store_path: Path, story_ids: list[str], every: float, stop: multiprocessing.synchronize.Event
) -> None:
    """A busy watch loop's writes, in short: a new brief for one of the stories every ``every`` seconds."""
    with SQLiteStore(store_path) as store:
        for n in itertools.count():
            if stop.wait(every):
                return
            brief = store.brief(story_ids[n % len(story_ids)])
            if brief is not None:
                brief.headline = f"{brief.headline.split(' (update ')[0]} (update {n})"
                store.save_brief(brief)


@contextmanager
def store_changing(store_path: Path, story_ids: list[str], every: float) -> Iterator[None]:
    stop = multiprocessing.Event()
    writer = multiprocessing.Process(target=change_briefs, args=(store_path, story_ids, every, stop), daemon=True)
    writer.start()
    try:
        yield
    finally:
        stop.set()
        writer.join(timeout=30)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(store_path: Path, port: int, cached_pages: int, cached_briefs: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "NEWSLOOM_SERVE_CACHED_PAGES": str(cached_pages),
        "NEWSLOOM_SERVE_CACHED_BRIEFS": str(cached_briefs),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "newsloom", "--db", str(store_path), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server
        except OSError:
            if server.poll() is not None:
                message = server.stderr.read().decode() if server.stderr else ""
                raise RuntimeError(f"the server exited: {message}") from None
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("the server did not start within 60 s")


# -- the load generator -------------------------------------------------------------------------------------------
@dataclass
class PageLoad:
    page: str
    mode: str  # a key of MODES
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def one_client(
    port: int,
    pick: Callable[[random.Random], str],
    until: float,
    latencies: list[float],
    errors: list[int],
    rng: random.Random,
    extra: str = "",
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < until:
            path = pick(rng)
            request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/html\r\n{extra}\r\n".encode()
            began = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            headers = dict(line.split(b":", 1) for line in head.split(b"\r\n")[1:] if b":" in line)
            lowered = {k.strip().lower(): v.strip() for k, v in headers.items()}
            if b"content-length" in lowered:
                await reader.readexactly(int(lowered[b"content-length"]))
            elif lowered.get(b"transfer-encoding") == b"chunked":
                while True:
                    size = int((await reader.readline()).strip(), 16)
                    await reader.readexactly(size + 2)
                    if size == 0:
                        break
            latencies.append((time.perf_counter() - began) * 1000)
            if status != 200:
                errors.append(status)
    finally:
        writer.close()


async def load(
    port: int, pick: Callable[[random.Random], str], clients: int, seconds: float, seed: int, extra: str = ""
) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    errors: list[int] = []
    began = time.perf_counter()
    until = began + seconds
    await asyncio.gather(
        *(one_client(port, pick, until, latencies, errors, random.Random(seed + n), extra) for n in range(clients))
    )
    return latencies, len(errors), time.perf_counter() - began


def measure(port: int, page: str, paths: list[str], clients: int, seconds: float, mode: str) -> PageLoad:
    """One page under load: a short warm-up (first renders, connections), then ``seconds`` of measured load."""
    pick = next_path(page, paths)
    extra = HEADERS.get(page, "")
    asyncio.run(load(port, pick, clients, min(3.0, seconds / 3), seed=1, extra=extra))  # warm-up
    latencies, errors, elapsed = asyncio.run(load(port, pick, clients, seconds, seed=2, extra=extra))
    return PageLoad(page, mode, len(latencies), errors, elapsed, latencies)


# -- the report ---------------------------------------------------------------------------------------------------
def table(results: list[PageLoad]) -> str:
    baseline = {r.mode: r.rate for r in results if r.page == "baseline"}
    lines = [
        "| page | page cache | requests/s | share of baseline | p50 ms | p99 ms | target p99 | errors |",
        "|---|---|---:|---:|---:|---:|---|---:|",
    ]
    for r in results:
        target = TARGETS_MS.get(r.page.split("-")[0])
        verdict = f"< {target:.0f} ms {'met' if r.percentile(0.99) < target else 'missed'}" if target else ""
        share = r.rate / baseline[r.mode] if baseline.get(r.mode) else float("nan")
        lines.append(
            f"| {PAGE_NAMES.get(r.page, r.page)} | {MODE_NAMES[r.mode]} | {r.rate:,.0f} | {share:.2f} | "
            f"{r.percentile(0.5):.1f} | {r.percentile(0.99):.1f} | {verdict} | {r.errors} |"
        )
    return "\n".join(lines)


def report(results: list[PageLoad], args: argparse.Namespace, counts: dict[str, int], command: str) -> str:
    return "\n".join(
        [
            f"`{command}` on {platform.machine()} with {os.cpu_count()} cores (shared with other work: timings are "
            f"noisy; load average {args.load_before:.1f} when the run began), Python {platform.python_version()}, "
            f"{datetime.now(UTC):%Y-%m-%d}.",
            "",
            f"Store: {counts['articles']:,} articles, {counts['stories']:,} stories, {counts['briefs']:,} briefs "
            f"(SQLite, WAL). Server: `newsloom serve`, one uvicorn worker in its own process. Load: {args.clients} "
            f"concurrent clients on loopback (asyncio, HTTP/1.1 keep-alive, in this process), {args.seconds:g} s per "
            "page after a warm-up. *river, top* is the front page (top stories, its default order), *river, newest* "
            "the same in the newest order, and *river, top, your outlets* the front page for a reader who muted the "
            "two outlets with the most articles and two headline words and prefers a third (their cookie). "
            "*Page cache on* is what readers get: an answer is rendered once and served until "
            "the store changes (its revision is one query). *Off* renders every request: a page's cost right after "
            "a store change; the server still keeps each story's brief rendered until the story has a new brief "
            "version (`[serve] cached_briefs`), and *off, briefs too* keeps neither: a story page's cost right after "
            "its story got a new brief. *story* asks for 200 briefed stories' pages, *story, 500 articles* for the "
            "page of one story of 500 reports (a story of the day); *junk query* asks for them with a query no one "
            "sent before on each request (`?x=N`), *store changing* while another process stores a new brief for "
            f"another story every {args.change_every:g} s (a busy watch loop), and *story, new id* for a story not "
            "asked for before on each request (every story of the store in turn, about 1% with a brief): these "
            "with the page cache on, as without it they are their story row again.",
            "",
            table(results),
            "",
            "The share of baseline divides a page's requests/s by those of `/api/health` on the same server (the "
            "cheapest answer through the framework), which travels between machines better than raw rates.",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--articles", type=int, default=100_000, help="articles in the store (default 100000)")
    parser.add_argument("--briefs", type=int, default=300, help="stories given a brief (default 300)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--seconds", type=float, default=15.0, help="seconds of load per page (default 15)")
    parser.add_argument("--pages", default=",".join(PAGES), help=f"which pages (default {','.join(PAGES)})")
    parser.add_argument("--no-uncached", action="store_true", help="measure with the page cache only")
    parser.add_argument("--change-every", type=float, default=0.1, help="seconds between store changes (default 0.1)")
    parser.add_argument("--seed", type=int, default=20260302)
    parser.add_argument("--rebuild", action="store_true", help="build the store again even if it exists")
    parser.add_argument("--write-docs", action="store_true", help="write the figures into docs/benchmarks.md")
    args = parser.parse_args(argv)
    args.load_before = os.getloadavg()[0]
    pages = [p for p in args.pages.split(",") if p]
    RESULTS.mkdir(parents=True, exist_ok=True)
    store_path = RESULTS / f"serve-load-{args.articles}-{args.seed}.db"
    if args.rebuild or not store_path.exists():
        build_store(store_path, args.articles, args.seed, args.briefs)
    with SQLiteStore(store_path) as store:
        if store.story(story_of(BIG_STORY_LABEL)) is None:  # a store built before the big story was measured
            add_big_story(store, 500, args.seed)
        counts = store.counts()
    paths, others = sample_paths(store_path, 200, args.seed)
    results: list[PageLoad] = []
    for mode in ("on",) if args.no_uncached else tuple(MODES):
        port = free_port()
        with working_copy(store_path) as served:
            server = start_server(served, port, *MODES[mode])
            try:
                for page in pages:
                    if page.endswith(("-junk", "-new", "-changing")) and mode != "on":
                        continue  # the cache is what they test: without it, they are their story row again
                    if mode == "cold" and page not in COLD_PAGES:
                        continue  # only the story pages keep a brief
                    if page.endswith("-changing"):
                        with store_changing(served, others, args.change_every):
                            result = measure(port, page, paths[page], args.clients, args.seconds, mode)
                    else:
                        result = measure(port, page, paths[page], args.clients, args.seconds, mode)
                    results.append(result)
                    print(
                        f"{page:>8} cache {MODE_NAMES[mode]}: {result.rate:8.0f} req/s  "
                        f"p50 {result.percentile(0.5):6.1f} ms  p99 {result.percentile(0.99):6.1f} ms  "
                        f"errors {result.errors}",
                        flush=True,
                    )
            finally:
                server.send_signal(signal.SIGINT)
                try:
                    server.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    server.kill()
    command = "python benchmarks/serve_load.py " + " ".join(argv if argv is not None else sys.argv[1:])
    text = report(results, args, counts, command.strip())
    print()
    print(text)
    if args.write_docs:
        write_docs(DEFAULT_DOCS, text, name="serve-load", heading="Serving: load on the reader")
        print(f"\nwritten to {DEFAULT_DOCS}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
