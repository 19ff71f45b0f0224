"""What every store offers the pipeline, the command line and the server (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple, Protocol

from newsloom.model import Article, Brief, Feed, Fingerprint, Rejected, Story, StoryChanges, StoryState

STORY_ORDERS = ("newest", "biggest")


@dataclass(frozen=True)
class QuarantinedInput:
    """A rejected input as kept in the store."""

    origin: str
    reason: str
    raw: str
    first_seen: str
    times: int


@dataclass(frozen=True)
class StoryQuery:
    """Which stories a reader asks for, in what order, one page at a time.

    ``since``: reported on or after this time. ``outlet``: an outlet that covered it (exact name). ``language``: a
    language one of its articles is in. ``entity``: a key player of its latest brief, by name or any other spelling
    (case ignored). ``text``: words its articles contain (full-text search). ``order``: "newest" (most recently
    reported first) or "biggest" (most independent sources first).
    """

    since: datetime | None = None
    outlet: str | None = None
    language: str | None = None
    entity: str | None = None
    text: str | None = None
    order: str = "newest"
    limit: int = 30
    offset: int = 0

    def __post_init__(self) -> None:
        if self.order not in STORY_ORDERS:
            raise ValueError(f"unknown story order '{self.order}': use one of {', '.join(STORY_ORDERS)}")
        if self.limit < 0 or self.offset < 0:
            raise ValueError("limit and offset must not be negative")


@dataclass(frozen=True)
class StoryEntry:
    """A story as a river lists it: the story and the dek of its latest brief (None before its first brief)."""

    story: Story
    dek: str | None = None
    brief_version: int | None = None


@dataclass(frozen=True)
class ArticleQuery:
    """Which articles to list, newest published first: by story, outlet, language, or published since a time."""

    story_id: str | None = None
    outlet: str | None = None
    language: str | None = None
    since: datetime | None = None
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class ArticleHit:
    """An article that matches a full-text search, with a snippet around the words found.

    In ``snippet`` the words found are wrapped in ``MATCH_START`` and ``MATCH_END`` (control characters, never
    markup): a page escapes the snippet first and then turns the markers into highlighting.
    """

    article: Article
    snippet: str
    score: float  # higher is better


class Report(NamedTuple):
    """An article as a story's coverage counts it, without its text: its headline, who published it and when, and
    from which source. ``source`` is the independent source it counts as (``model.independent_sources_of``): its
    outlet, and for a wire copy the outlet whose report it copies.
    """

    article_id: str
    title: str
    outlet: str  # as a page shows it: "Unknown outlet" when the article names none
    published: datetime | None
    source: str


class BriefNews(NamedTuple):
    """A brief version that brought news: its number, when it was written, and what it brought as counts
    (``WhatChanged.counts()``: ``{"new_facts": 2, "new_outlets": 1}``; None when the version was stored before
    newsloom kept this, and counts as news)."""

    version: int
    created_at: datetime | None
    news: dict[str, int] | None


MATCH_START = "\x02"
MATCH_END = "\x03"


class Store(Protocol):
    """The single source of truth. Every method that writes is one transaction."""

    location: str

    def close(self) -> None: ...

    # -- ingest ---------------------------------------------------------------------------------------------
    def known(self, articles: Sequence[Article]) -> set[str]:
        """Ids of the given articles that the store already holds, by id or by canonical URL."""
        ...

    def commit_batch(
        self,
        articles: Sequence[Article],
        fingerprints: Sequence[Fingerprint],
        clusterer: StoryChanges,
        rejected: Sequence[Rejected],
        feed: str | None = None,
    ) -> None:
        """Add articles with their groups and stories, the clusterer's state and quarantined inputs, atomically;
        the followed ``feed`` they came from counts them in the same transaction (``Feed.articles_seen``)."""
        ...

    def quarantine(self, rejected: Iterable[Rejected]) -> None: ...

    def fingerprints(self) -> Iterator[tuple[Fingerprint, str]]:
        """Stored syndication fingerprints with each article's story, oldest first."""
        ...

    def clusterer_state(self) -> StoryState: ...

    # -- read -----------------------------------------------------------------------------------------------
    def stories(self, limit: int = 50, offset: int = 0) -> list[Story]:
        """Stories, most recently reported first."""
        ...

    def story(self, story_id: str) -> Story | None:
        """One story by id or by a unique id prefix."""
        ...

    def story_articles(self, story_id: str) -> list[Article]:
        """A story's articles in publication order."""
        ...

    def story_reports(self, story_id: str) -> list[Report]:
        """A story's articles in publication order, as its coverage counts them: headline, outlet, time, source."""
        ...

    def article(self, article_id: str) -> Article | None: ...

    def articles(self, article_ids: Sequence[str]) -> list[Article]:
        """The stored articles of these ids, in the order given (an id not stored is left out)."""
        ...

    def quarantined(self, limit: int = 100) -> list[QuarantinedInput]: ...

    def counts(self) -> dict[str, int]: ...

    def snapshot(self) -> AbstractContextManager[None]:
        """Reads inside see the store as it was at one moment, whatever other processes commit meanwhile.

        For a page read in several calls (a story, its articles, its brief) while the watch loop writes. Only reads
        belong inside.
        """
        ...

    # -- read side of the server: river, search, listings ---------------------------------------------------
    def find_stories(self, query: StoryQuery) -> list[StoryEntry]:
        """Stories matching every filter of the query, in its order, one page (``limit`` from ``offset``)."""
        ...

    def find_articles(self, query: ArticleQuery) -> list[Article]:
        """Articles matching every filter of the query, newest published first, one page."""
        ...

    def search_articles(self, text: str, limit: int = 20, offset: int = 0) -> list[ArticleHit]:
        """Articles whose headline, dek or text contain every word of ``text`` (a trailing * matches a word's
        start; quotes and operators are read as plain words), best match first. Empty text finds nothing."""
        ...

    def outlets(self) -> list[tuple[str, int]]:
        """Every outlet with its number of stored articles, most articles first."""
        ...

    def revision(self) -> str:
        """A token that changes whenever articles, stories or briefs change: caches and ETags key on it."""
        ...

    def story_revision(self, story_id: str) -> str | None:
        """A token that changes whenever what a story's page shows does (its row, its articles, its latest brief).

        None when no story has exactly this id (a prefix or a merged story's id is not the story's page).
        """
        ...

    # -- briefs ---------------------------------------------------------------------------------------------
    def stale_stories(self) -> list[str]:
        """Stories whose articles changed since their last brief."""
        ...

    def save_brief(self, brief: Brief, news: Mapping[str, int] | None = None) -> int:
        """Store a brief as the story's next version (unless it says what the last one said); its version.

        ``news``: what the version brings since the one before, as counts (``WhatChanged.counts()``; empty for a
        rewrite that brings nothing in substance), kept with it for the river and the feeds (None: not known).
        """
        ...

    def latest_news(self, story_ids: Sequence[str]) -> dict[str, BriefNews]:
        """For each of these stories, its latest brief version that brought news (or whose news is not known); a
        story with no such version is left out. One query, however many versions the stories have."""
        ...

    def story_arrivals(self, story_id: str) -> dict[str, datetime]:
        """When each of the story's articles was stored (its id -> the time), for what changed since a time."""
        ...

    def stories_stored(self, start: datetime, end: datetime) -> dict[str, int]:
        """The stories that had articles stored from ``start`` (included) to ``end`` (excluded), each with how many
        (a digest's stories)."""
        ...

    def brief(self, story_id: str, version: int | None = None) -> Brief | None: ...

    def brief_stamp(self, story_id: str) -> str | None:
        """A token naming the story's latest brief as stored (None before its first): it changes when a new version
        is stored and never otherwise, as a stored version never changes. What a server keeps a brief's page by."""
        ...

    # -- feeds ----------------------------------------------------------------------------------------------
    def add_feed(self, feed: Feed) -> bool:
        """Follow a feed (due at once unless ``next_poll`` says otherwise); False if it was followed already."""
        ...

    def remove_feed(self, url: str) -> bool: ...

    def feeds(self) -> list[Feed]: ...

    def feed(self, url: str) -> Feed | None: ...

    def due_feeds(self, now: datetime) -> list[Feed]:
        """Feeds to poll now: not retired, next poll reached."""
        ...

    def record_poll(self, feed: Feed) -> None:
        """Store a feed's state after a poll (called after its articles were committed)."""
        ...


class StoreError(RuntimeError):
    """A store that cannot be opened or used; the message says what to do."""
