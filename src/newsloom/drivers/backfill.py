"""The local backfill engine: an archive of articles (JSON lines, news-please folders, WARC crawls) replayed through
every stage in one process.

An archive is replayed as if its articles had arrived live, in publication order (ties, and articles without a
date, which come last, in the order they were read), batch by batch through ``Pipeline.ingest`` into the store.
``newsloom.scale.backfill`` chooses between this engine and the Ray engine (``newsloom.scale.ray_engine``), which
gives the same stories under the same ids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from newsloom.config import Settings
from newsloom.drivers.pipeline import Pipeline
from newsloom.ingest.archives import read_archive_file
from newsloom.model import Article, Rejected
from newsloom.store.base import Store
from newsloom.text.dates import epoch_seconds

Progress = Callable[[int], None]


class EngineUnavailable(RuntimeError):
    """An engine that cannot run here; the message says what to install or which engines exist."""


@dataclass
class BackfillReport:
    """What one backfill did."""

    engine: str
    files: int = 0
    read: int = 0
    added: int = 0
    already_known: int = 0
    rejected: int = 0
    stories: int = 0  # stories the archive's articles were placed in
    merged_stories: int = 0
    windows: int = 0  # time windows clustered (ray engine)
    briefs_written: int = 0
    seconds: float = 0.0
    rejections: list[Rejected] = field(default_factory=list)

    @property
    def articles_per_second(self) -> float:
        return self.read / self.seconds if self.seconds else 0.0


def replay_order(items: Iterable[Article | Rejected]) -> list[Article | Rejected]:
    """Items in publication order (stable: ties and undated articles, last, keep the order they were read in).

    Rejections come first: they are quarantined with the first batch.
    """
    listed = list(items)
    return sorted(listed, key=lambda item: order_key(item.published) if isinstance(item, Article) else (-1, 0.0))


def order_key(moment: datetime | None) -> tuple[int, float]:
    return (1, 0.0) if moment is None else (0, epoch_seconds(moment) or 0.0)


def backfill_local(
    files: list[Path],
    refused: list[Rejected],
    settings: Settings,
    store: Store,
    write_briefs: bool,
    progress: Progress | None,
) -> BackfillReport:
    def items() -> Iterator[Article | Rejected]:
        yield from refused
        for path in files:
            yield from read_archive_file(path)

    pipeline = Pipeline(settings, store)
    ingested = pipeline.ingest(replay_order(items()), progress=progress, write_briefs=write_briefs)
    report = BackfillReport("local")
    report.read = ingested.read
    report.added = ingested.added
    report.already_known = ingested.already_known
    report.rejected = ingested.rejected
    report.rejections = ingested.rejections
    report.stories = len(ingested.stories_touched)
    report.merged_stories = ingested.merged_stories
    report.briefs_written = ingested.briefs_written
    return report
