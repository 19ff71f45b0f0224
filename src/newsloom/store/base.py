"""What every store offers the pipeline, the command line and the server (SQLite now; PostgreSQL later)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from newsloom.cluster import ClustererChanges
from newsloom.dedup import Fingerprint
from newsloom.model import Article, Brief, Feed, Rejected, Story


@dataclass(frozen=True)
class QuarantinedInput:
    """A rejected input as kept in the store."""

    origin: str
    reason: str
    raw: str
    first_seen: str
    times: int


@dataclass(frozen=True)
class ClustererState:
    documents: int
    latest: float | None
    document_frequency: dict[str, int]
    stories: list[tuple[str, dict[str, Any]]]
    redirects: dict[str, str] = field(default_factory=dict)  # merged story id -> the story it merged into
    review: dict[str, Any] = field(default_factory=dict)


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
        clusterer: ClustererChanges,
        rejected: Sequence[Rejected],
    ) -> None:
        """Add articles with their groups and stories, the clusterer's state and quarantined inputs, atomically."""
        ...

    def quarantine(self, rejected: Iterable[Rejected]) -> None: ...

    def fingerprints(self) -> Iterator[tuple[Fingerprint, str]]:
        """Stored syndication fingerprints with each article's story, oldest first."""
        ...

    def clusterer_state(self) -> ClustererState: ...

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

    def article(self, article_id: str) -> Article | None: ...

    def quarantined(self, limit: int = 100) -> list[QuarantinedInput]: ...

    def counts(self) -> dict[str, int]: ...

    # -- briefs ---------------------------------------------------------------------------------------------
    def stale_stories(self) -> list[str]:
        """Stories whose articles changed since their last brief."""
        ...

    def save_brief(self, brief: Brief) -> int:
        """Store a brief as the story's next version (unless it says what the last one said); its version."""
        ...

    def brief(self, story_id: str, version: int | None = None) -> Brief | None: ...

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
