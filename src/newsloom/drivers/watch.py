"""The watch loop: poll every feed when due, bring new entries through the whole pipeline, keep feed health.

One round: the due feeds are fetched and parsed in a thread pool; entries already in the store are dropped; an
entry that brings only a summary has its page fetched and its full text extracted (in the pool too); the new
articles go through the pipeline (syndication, stories, briefs), batch by batch, each batch one transaction; only
then is the feed's state (ETag, Last-Modified, next poll) recorded. Killed at any instant, a restart re-polls what
was not recorded and the store drops what it already holds: nothing acknowledged is lost, nothing is duplicated.
The store is used from the calling thread only.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from newsloom.config import WatchSettings
from newsloom.ingest.feeds import FEED_ACCEPT, FeedError, ParsedFeed, parse_feed
from newsloom.ingest.fetch import Fetcher, FetchError
from newsloom.ingest.web import PageError, extract_article
from newsloom.model import Article, Feed
from newsloom.normalize import normalize
from newsloom.store.base import Store

if TYPE_CHECKING:
    from newsloom.drivers.pipeline import Pipeline

log = logging.getLogger(__name__)


@dataclass
class PollResult:
    """What polling one feed did."""

    feed: str
    status: str  # "new articles", "no change", "not modified", "error", "retired"
    new_articles: int = 0
    error: str | None = None
    problems: list[str] = field(default_factory=list)


@dataclass
class _Fetched:
    feed: Feed
    parsed: ParsedFeed | None = None
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    error: FetchError | FeedError | None = None


class Watcher:
    """Polls the store's feeds into the pipeline (see the module docstring)."""

    def __init__(self, pipeline: Pipeline, fetcher: Fetcher, settings: WatchSettings | None = None) -> None:
        if pipeline.store is None:
            raise ValueError("the watch loop needs a pipeline with a store")
        self.pipeline = pipeline
        self.store: Store = pipeline.store
        self.fetcher = fetcher
        self.settings = settings or WatchSettings()
        # Seconds spent per step, summed over threads: where the time of a round goes.
        self.timings: dict[str, float] = {"fetch feeds": 0.0, "parse": 0.0, "fetch pages": 0.0, "extract": 0.0}
        self.timings["pipeline"] = 0.0
        self.timings["briefs"] = 0.0
        self._timing_lock = threading.Lock()

    def _spent(self, step: str, since: float) -> float:
        now = time.perf_counter()
        with self._timing_lock:
            self.timings[step] += now - since
        return now

    # -- one round -------------------------------------------------------------------------------------------
    def poll_due(
        self,
        now: datetime | None = None,
        progress: Callable[[PollResult], None] | None = None,
        stop: threading.Event | None = None,
    ) -> list[PollResult]:
        """Poll every feed that is due; returns one result per feed, in the order they were finished."""
        now = now or datetime.now(UTC)
        due = self.store.due_feeds(now)
        results: list[PollResult] = []
        if not due:
            self.pipeline.write_briefs()  # what a run cut short left unbriefed
            return results
        with ThreadPoolExecutor(max_workers=self.settings.workers, thread_name_prefix="newsloom-fetch") as pool:
            for fetched in pool.map(self._fetch_feed, due):
                if stop is not None and stop.is_set():
                    break  # the feeds not recorded stay due: the next run polls them
                result = self._ingest_feed(fetched, pool)
                results.append(result)
                if progress:
                    progress(result)
        # Stories touched by several feeds get one new brief, not one per feed. Their stale flags are stored
        # with the articles, so a round cut short is briefed by the next run.
        started = time.perf_counter()
        self.pipeline.write_briefs()
        self._spent("briefs", started)
        return results

    def _fetch_feed(self, feed: Feed) -> _Fetched:
        started = time.perf_counter()
        try:
            response = self.fetcher.fetch(
                feed.url, etag=feed.etag, last_modified=feed.last_modified, accept=FEED_ACCEPT
            )
        except FetchError as error:
            return _Fetched(feed, error=error)
        finally:
            started = self._spent("fetch feeds", started)
        if response.not_modified:
            return _Fetched(feed, etag=feed.etag, last_modified=feed.last_modified, not_modified=True)
        try:
            parsed = parse_feed(response.body, response.final_url, response.headers.get("content-type"))
        except FeedError as error:
            return _Fetched(feed, error=error)
        finally:
            self._spent("parse", started)
        return _Fetched(feed, parsed, response.etag, response.last_modified)

    def _ingest_feed(self, fetched: _Fetched, pool: ThreadPoolExecutor) -> PollResult:
        feed = fetched.feed
        polled = datetime.now(UTC).replace(microsecond=0)
        if fetched.error is not None:
            return self._record_failure(feed, fetched.error, polled)
        if fetched.not_modified or fetched.parsed is None:
            self._record_success(feed, polled, fetched.etag, fetched.last_modified, None)
            return PollResult(feed.url, "not modified")
        parsed = fetched.parsed
        fresh = self._unknown(parsed.articles)
        if self.settings.fetch_pages:
            fresh = self._with_full_text(fresh, pool, parsed.problems)
        started = time.perf_counter()
        # Briefs once per round, not once per feed; entries that could not be read go to the quarantine; each batch
        # counts its articles on the feed as it is stored.
        report = self.pipeline.ingest([*parsed.rejected, *fresh], write_briefs=False, feed=feed.url)
        self._spent("pipeline", started)
        for problem in parsed.problems:
            log.info("%s: %s", feed.url, problem)
        self._record_success(feed, polled, fetched.etag, fetched.last_modified, parsed)
        status = "new articles" if report.added else "no change"
        return PollResult(feed.url, status, report.added, None, parsed.problems)

    def _unknown(self, articles: Sequence[Article]) -> list[Article]:
        """The entries the store does not hold yet (by id or canonical URL), in feed order, each with its id.

        The id is the one normalize derives from the entry's feed link: an entry whose page is fetched keeps it,
        so the next poll knows the entry without fetching the page again.
        """
        ids: dict[int, str] = {}  # position in the feed -> id
        normalized: list[Article] = []
        for position, article in enumerate(articles):
            try:
                normalized.append(normalize(article))
            except Exception:  # whatever stops it, ingest quarantines it with its reason
                continue
            ids[position] = normalized[-1].id
        known = self.store.known(normalized)
        return [
            replace(a, id=ids[i]) if i in ids else a
            for i, a in enumerate(articles)
            if i not in ids or ids[i] not in known
        ]

    def _with_full_text(self, articles: list[Article], pool: ThreadPoolExecutor, problems: list[str]) -> list[Article]:
        short = [i for i, a in enumerate(articles) if a.url and len(a.text.split()) < self.settings.summary_words][
            : self.settings.pages_per_feed
        ]
        pages = pool.map(lambda i: self._page(articles[i], problems), short)
        out = list(articles)
        for index, page in zip(short, pages, strict=True):
            if page is not None:
                out[index] = page
        return out

    def _page(self, entry: Article, problems: list[str]) -> Article | None:
        assert entry.url
        started, step = time.perf_counter(), "fetch pages"
        try:
            response = self.fetcher.fetch(entry.url, accept="text/html,application/xhtml+xml")
            started, step = self._spent(step, started), "extract"
            page = extract_article(response.body, response.final_url)
        except (FetchError, PageError) as error:
            problems.append(f"{entry.url}: kept the feed's summary: {error}")
            return None
        finally:
            self._spent(step, started)
        # The feed knows its outlet and the entry's time; the page knows the full text.
        return replace(
            page,
            id=entry.id or page.id,
            title=entry.title or page.title,
            outlet=entry.outlet or page.outlet,
            published=entry.published or page.published,
            dek=page.dek or (entry.text if entry.text and entry.text != page.text else None),
            language=entry.language or page.language,
            origin=entry.origin,
        )

    # -- feed state ------------------------------------------------------------------------------------------
    def _record_success(
        self,
        feed: Feed,
        polled: datetime,
        etag: str | None,
        last_modified: str | None,
        parsed: ParsedFeed | None,
    ) -> None:
        interval = timedelta(seconds=self.settings.interval_seconds)
        self.store.record_poll(
            replace(
                feed,
                title=feed.title or (parsed.title if parsed else None),
                site_url=feed.site_url or (parsed.site_url if parsed else None),
                etag=etag,
                last_modified=last_modified,
                last_polled=polled,
                last_success=polled,
                last_error=None,
                errors=0,
                next_poll=polled + interval,
            )
        )

    def _record_failure(self, feed: Feed, error: FetchError | FeedError, polled: datetime) -> PollResult:
        errors = feed.errors + 1
        wait = min(self.settings.max_backoff_seconds, self.settings.interval_seconds * 2 ** (errors - 1))
        wait *= random.uniform(0.9, 1.1)  # feeds that failed together do not all come back at once
        gone = isinstance(error, FetchError) and error.gone
        message = str(error)
        self.store.record_poll(
            replace(
                feed,
                last_polled=polled,
                last_error=message,
                errors=errors,
                next_poll=polled + timedelta(seconds=wait),
                retired="the server says the feed is gone (HTTP 410)" if gone else feed.retired,
            )
        )
        log.warning("%s: %s", feed.url, message)
        return PollResult(feed.url, "retired" if gone else "error", 0, message)

    # -- the loop --------------------------------------------------------------------------------------------
    def run(
        self,
        stop: threading.Event,
        progress: Callable[[PollResult], None] | None = None,
        on_round: Callable[[list[PollResult]], None] | None = None,
        tick_seconds: float = 5.0,
    ) -> None:
        """Poll due feeds until ``stop`` is set; between rounds, wait for the next feed to fall due."""
        while not stop.is_set():
            results = self.poll_due(progress=progress, stop=stop)
            if on_round and results:
                on_round(results)
            stop.wait(self._seconds_to_next_poll(tick_seconds))

    def _seconds_to_next_poll(self, longest: float) -> float:
        upcoming = [f.next_poll for f in self.store.feeds() if f.next_poll and not f.retired]
        if not upcoming:
            return longest
        wait = (min(upcoming) - datetime.now(UTC)).total_seconds()
        return max(0.2, min(longest, wait))


def seconds_from_text(text: str) -> float:
    """'90', '90s', '10m', '2h', '1d' -> seconds."""
    units = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
    text = text.strip().lower()
    try:
        if text and text[-1] in units:
            return float(text[:-1]) * units[text[-1]]
        return float(text)
    except ValueError as error:
        raise ValueError(f"not a duration: '{text}' (write e.g. 90s, 10m, 2h)") from error
