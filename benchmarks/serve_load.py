"""Load on the server: 100,000 articles in the store, 50 concurrent clients on loopback.

A store of ``--articles`` synthetic articles (perturbed copies of the fictional demo corpus, spread over a year,
the stream of benchmarks/throughput.py) is built once and kept in benchmarks/results/. The stories newest in the
river and a sample of others get real briefs from the extractive writer. ``newsloom serve`` then runs in its own
process (one uvicorn worker), and this process's load generator (asyncio, HTTP/1.1 keep-alive, one connection per
client) sends requests for each page in turn for ``--seconds``:

- ``baseline``: ``/api/health``, the cheapest answer through the framework (the ratio column divides by it);
- ``river``: the reader's front page (the newest 30 stories with deks);
- ``story``: story pages (brief, citations with source sentences, coverage chart, timeline), 200 stories;
- ``search``: the search page for names and words of the corpus, 200 queries.

Each page is measured twice: with the page cache (answers kept until the store changes: what readers get) and
without it (every request rendered: the cost of a page after each store change). Figures are requests per second,
p50 and p99 latency. Targets on 2 cores: p99 under 100 ms for the river, 200 ms for a story page.

Run ``python benchmarks/serve_load.py --help``; ``--write-docs`` records the figures in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import platform
import random
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlencode

from newsloom.model import Article, StoryChanges
from newsloom.store.base import StoryQuery
from newsloom.store.sqlite import SQLiteStore
from newsloom.write.extractive import write_brief
from throughput import DEFAULT_DOCS, DEMO, load_demo, synthetic_stream, write_docs

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results"
PAGES = ("baseline", "river", "story", "search")
TARGETS_MS = {"river": 100.0, "story": 200.0}
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
        print(f"wrote {len(chosen)} briefs; store ready in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def stored_article(record: dict[str, object], label: str, groups: dict[tuple[str, str], str]) -> Article:
    """A synthetic record as the store holds a normalized article (sentences split, story and group set)."""
    text = str(record["text"])
    sentences = [s.strip() for p in text.split("\n") for s in _SENTENCE_END.split(p) if s.strip()]
    story = "st-" + hashlib.blake2b(label.encode(), digest_size=5).hexdigest()
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


def sample_paths(store_path: Path, count: int, seed: int) -> dict[str, list[str]]:
    rng = random.Random(seed)
    with SQLiteStore(store_path) as store:
        briefed = [r[0] for r in store._db.execute("SELECT DISTINCT story_id FROM briefs")]
        words = sorted(
            {w for (title,) in store._db.execute("SELECT title FROM articles LIMIT 5000") for w in title.split()}
        )
    names = [w for w in words if w[:1].isupper() and w.isalpha() and len(w) > 4]
    queries = [" ".join(rng.sample(names, 2 if rng.random() < 0.3 else 1)) for _ in range(count)]
    return {
        "baseline": ["/api/health"],
        "river": ["/"],
        "story": [f"/stories/{quote(s)}" for s in rng.sample(briefed, min(count, len(briefed)))],
        "search": [f"/search?{urlencode({'q': q})}" for q in queries],
    }


# -- the server ---------------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(store_path: Path, port: int, cached_pages: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "NEWSLOOM_SERVE_CACHED_PAGES": str(cached_pages)}
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
    cached: bool
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
    port: int, paths: list[str], until: float, latencies: list[float], errors: list[int], rng: random.Random
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < until:
            path = rng.choice(paths)
            request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/html\r\n\r\n".encode()
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


async def load(port: int, paths: list[str], clients: int, seconds: float, seed: int) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    errors: list[int] = []
    began = time.perf_counter()
    until = began + seconds
    await asyncio.gather(
        *(one_client(port, paths, until, latencies, errors, random.Random(seed + n)) for n in range(clients))
    )
    return latencies, len(errors), time.perf_counter() - began


def measure(port: int, page: str, paths: list[str], clients: int, seconds: float, cached: bool) -> PageLoad:
    asyncio.run(load(port, paths, clients, min(3.0, seconds / 3), seed=1))  # warm-up: first renders, connections
    latencies, errors, elapsed = asyncio.run(load(port, paths, clients, seconds, seed=2))
    return PageLoad(page, cached, len(latencies), errors, elapsed, latencies)


# -- the report ---------------------------------------------------------------------------------------------------
def table(results: list[PageLoad]) -> str:
    baseline = {r.cached: r.rate for r in results if r.page == "baseline"}
    lines = [
        "| page | page cache | requests/s | share of baseline | p50 ms | p99 ms | target p99 | errors |",
        "|---|---|---:|---:|---:|---:|---|---:|",
    ]
    for r in results:
        target = TARGETS_MS.get(r.page)
        verdict = f"< {target:.0f} ms {'met' if r.percentile(0.99) < target else 'missed'}" if target else ""
        share = r.rate / baseline[r.cached] if baseline.get(r.cached) else float("nan")
        lines.append(
            f"| {r.page} | {'on' if r.cached else 'off'} | {r.rate:,.0f} | {share:.2f} | {r.percentile(0.5):.1f} | "
            f"{r.percentile(0.99):.1f} | {verdict} | {r.errors} |"
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
            "page after a warm-up. *Page cache on* is what readers get: an answer is rendered once and served until "
            "the store changes (its revision is one query). *Off* renders every request: a page's cost right after "
            "a store change.",
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
        counts = store.counts()
    paths = sample_paths(store_path, 200, args.seed)
    results: list[PageLoad] = []
    for cached in (True,) if args.no_uncached else (True, False):
        port = free_port()
        server = start_server(store_path, port, 512 if cached else 0)
        try:
            for page in pages:
                result = measure(port, page, paths[page], args.clients, args.seconds, cached)
                results.append(result)
                print(
                    f"{page:>8} cache {'on ' if cached else 'off'}: {result.rate:8.0f} req/s  "
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
