"""What every store offers the pipeline, the command line and the server (SQLite and PostgreSQL)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple, Protocol

from newsloom.model import Article, Brief, Feed, Fingerprint, Rejected, Story, StoryChanges, StoryState

STORY_ORDERS = ("top", "newest", "biggest")

# -- "top": importance, how fast coverage grows, recency ---------------------------------------------------------
# A story's weight is its independent sources, each source that joined in the TOP_GROWTH_HOURS up to its latest
# report counting TOP_GROWTH_WEIGHT more; its score at a time is its weight halved every TOP_HALF_LIFE_HOURS after its
# latest report. The order is the same whatever that time (a factor common to every story), so the store keeps each
# story's key, log2(weight) + hours / half-life, in an index, and the "top" river reads as fast as the newest.
TOP_HALF_LIFE_HOURS = 12.0
TOP_GROWTH_HOURS = 6.0
TOP_GROWTH_WEIGHT = 2.0


def top_weight(sources: int, fresh: int) -> float:
    """A story's weight: its independent sources, plus ``TOP_GROWTH_WEIGHT`` for each that joined lately (never
    below 1)."""
    return max(1.0, sources + TOP_GROWTH_WEIGHT * fresh)


def top_key(sources: int, fresh: int, moment: datetime) -> float:
    """What the "top" order sorts by, highest first: log2(weight) + hours since 1970 / half-life (``moment``: the
    story's latest report). Ranking by it is ranking by ``top_score`` at any time."""
    return math.log2(top_weight(sources, fresh)) + moment.timestamp() / 3600 / TOP_HALF_LIFE_HOURS


def top_score(sources: int, fresh: int, moment: datetime, now: datetime) -> float:
    """A story's score at ``now``: its weight, halved every ``TOP_HALF_LIFE_HOURS`` from its latest report to now
    (a story reported after ``now`` scores its weight)."""
    hours = max(0.0, (now - moment).total_seconds() / 3600)
    return top_weight(sources, fresh) * math.pow(0.5, hours / TOP_HALF_LIFE_HOURS)


def fresh_sources(first_reports: Iterable[datetime | None], latest: datetime | None) -> int:
    """How many independent sources joined the story lately: those whose first report on it (``first_reports``, one
    per source; None when undated) came at most ``TOP_GROWTH_HOURS`` before its latest report."""
    if latest is None:
        return 0
    since = latest.timestamp() - TOP_GROWTH_HOURS * 3600
    return sum(1 for moment in first_reports if moment is not None and moment.timestamp() >= since)


# -- what a reader mutes and prefers ------------------------------------------------------------------------------
_WORD = re.compile(r"\w+")


def words_of(text: str) -> str:
    """A text's words as mute words are matched against it: case folded, each between spaces (' fire at mill ')."""
    found = _WORD.findall(text.casefold())
    return f" {' '.join(found)} " if found else ""


@dataclass(frozen=True)
class Preferences:
    """A reader's outlets and words: what to hide and what to put first. Nothing in the store changes.

    ``mute_outlets``: outlets (exact names, as stories list them) whose articles are left out; a story told by
    them alone is hidden. ``prefer_outlets``: a story one of them covered comes before the others, in the order
    asked for (an outlet both muted and preferred is muted). ``mute_words``: a story whose headline or dek holds
    one of these words or phrases (case and punctuation ignored, whole words: "fire" hides "Fire at the mill", not
    "Firefly") is hidden. Each is kept sorted, without repeats.
    """

    mute_outlets: tuple[str, ...] = ()
    prefer_outlets: tuple[str, ...] = ()
    mute_words: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        def tidy(values: Iterable[str]) -> tuple[str, ...]:
            return tuple(sorted({v.strip() for v in values if v.strip()}))

        muted = tidy(self.mute_outlets)
        object.__setattr__(self, "mute_outlets", muted)
        object.__setattr__(self, "prefer_outlets", tuple(o for o in tidy(self.prefer_outlets) if o not in muted))
        object.__setattr__(self, "mute_words", tuple(w for w in tidy(self.mute_words) if words_of(w)))

    def __bool__(self) -> bool:
        return bool(self.mute_outlets or self.prefer_outlets or self.mute_words)

    @property
    def muted(self) -> frozenset[str]:
        return frozenset(self.mute_outlets)


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
    (case ignored). ``text``: words its articles contain (full-text search). ``order``: "top" (highest score first:
    see ``top_key``), "newest" (most recently reported first) or "biggest" (most independent sources first).
    ``preferences``: the reader's muted and preferred outlets and muted words (the order and ``top_score`` count
    every outlet: muting hides stories, it does not rank them again). ``now``: the time ``StoryEntry.top_score`` is
    worked out at; by default the store's latest report.
    """

    since: datetime | None = None
    outlet: str | None = None
    language: str | None = None
    entity: str | None = None
    text: str | None = None
    order: str = "newest"
    limit: int = 30
    offset: int = 0
    preferences: Preferences = field(default_factory=Preferences)
    now: datetime | None = None

    def __post_init__(self) -> None:
        if self.order not in STORY_ORDERS:
            raise ValueError(f"unknown story order '{self.order}': use one of {', '.join(STORY_ORDERS)}")
        if self.limit < 0 or self.offset < 0:
            raise ValueError("limit and offset must not be negative")


@dataclass(frozen=True)
class StoryEntry:
    """A story as a river lists it: the story and the dek of its latest brief (None before its first brief).

    ``fresh_sources``: its independent sources that joined in the ``TOP_GROWTH_HOURS`` up to its latest report;
    ``top_score``: its score at the query's ``now`` (both over every outlet, as the "top" order ranks it).
    ``preferred``: a preferred outlet covered it. ``muted_articles``: how many of its articles a reader's muted
    outlets leave out of ``story``'s counts (set where the counts are shown: ``present.muting``). ``dek_outlets``:
    the outlets the dek cites; ``dek_attributed_to``: the outlet it is given as ("According to OUTLET, ..."), if any.
    """

    story: Story
    dek: str | None = None
    brief_version: int | None = None
    fresh_sources: int = 0
    top_score: float = 0.0
    preferred: bool = False
    muted_articles: int = 0
    dek_outlets: tuple[str, ...] = ()
    dek_attributed_to: str | None = None


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
    outlet, and for a wire copy the outlet whose report it copies; ``syndication_group``, the wire story it copies.
    """

    article_id: str
    title: str
    outlet: str  # as a page shows it: "Unknown outlet" when the article names none
    published: datetime | None
    source: str
    syndication_group: str | None = None


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
