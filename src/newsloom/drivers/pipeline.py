"""The ingest loop, in one process: normalize -> the desk (syndication, stories) -> store -> briefs.

A batch is normalized (stateless), filtered against what the store already holds, placed by the desk (the
syndication index and the story clusterer, stateful, in arrival order), and committed with the desk's state in one
transaction. Briefs are then written for the stories that changed. A crash loses at most the batch in flight,
which was never acknowledged; a restart restores the stages from the store and skips what is already there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING

from newsloom.config import Settings
from newsloom.desk import Desk
from newsloom.drivers.changes import news_of
from newsloom.model import Article, Brief, Rejected
from newsloom.normalize import BadArticle, normalize
from newsloom.store.base import Store
from newsloom.syndication import SyndicationIndex
from newsloom.text.checks import repair_unicode
from newsloom.write.writer import Writer, load_writer

if TYPE_CHECKING:
    from newsloom.embeddings import Encoder

log = logging.getLogger(__name__)

Progress = Callable[[int], None]


@dataclass
class IngestReport:
    """What one ingest run did."""

    read: int = 0
    added: int = 0
    already_known: int = 0
    rejected: int = 0
    stories_touched: set[str] = field(default_factory=set)
    new_stories: int = 0
    merged_stories: int = 0  # stories that turned out to tell the same event as another, and joined it
    split_stories: int = 0  # stories made of reports that drifted away from their story's event
    briefs_written: int = 0
    rejections: list[Rejected] = field(default_factory=list)  # every rejection of this run, in order

    def merge_rejections(self, rejected: Sequence[Rejected]) -> None:
        self.rejected += len(rejected)
        self.rejections.extend(Rejected(r.origin, r.reason) for r in rejected)  # without the raw text


def normalize_all(items: Iterable[Article | Rejected]) -> tuple[list[Article], list[Rejected]]:
    """Normalize articles; anything unreadable becomes a ``Rejected`` with its origin and reason."""
    articles: list[Article] = []
    rejected: list[Rejected] = []
    for item in items:
        if isinstance(item, Rejected):
            rejected.append(storable(item))
            continue
        try:
            articles.append(normalize(item))
        except BadArticle as error:
            rejected.append(storable(Rejected(_origin(item), str(error), _excerpt(item))))
        except Exception as error:
            # The last line of defence: an article no rule foresaw is quarantined, and the run goes on.
            log.exception("%s: unexpected error while normalizing; the article is quarantined", _origin(item))
            reason = f"unexpected error while normalizing ({type(error).__name__}: {str(error)[:200]})"
            rejected.append(storable(Rejected(_origin(item), reason, _excerpt(item))))
    return articles, rejected


def _origin(article: Article) -> str:
    origin = article.origin if isinstance(article.origin, str) and article.origin else None
    identity = article.id if isinstance(article.id, str) and article.id else None
    return (origin or identity or "input")[:2000]


def _excerpt(article: Article) -> str:
    for value in (article.title, article.text):
        if isinstance(value, str) and value:
            return value[:2000]
    return ""


def storable(rejected: Rejected) -> Rejected:
    """The rejection as text every store can hold: lone surrogates and NUL characters (which PostgreSQL refuses in
    text) replaced with U+FFFD."""
    origin, reason, raw = (
        repair_unicode(str(text))[0].replace("\x00", "\ufffd")
        for text in (rejected.origin, rejected.reason, rejected.raw)
    )
    return Rejected(origin, reason, raw)


class Pipeline:
    """The desk (syndication index, story clusterer) and, optionally, the store behind it, with the writer."""

    def __init__(
        self,
        settings: Settings | None = None,
        store: Store | None = None,
        encoder: Encoder | None = None,
        writer: Writer | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.store = store
        self._writer = writer  # None: the one settings.writer names, built when the first brief is written
        self.desk = Desk(self.settings.cluster, self.settings.syndication, encoder)
        if store is not None:
            self.desk.restore(store)

    @property
    def writer(self) -> Writer:
        """The writer of the pipeline's briefs (``[writer] kind``: extractive by default, or the LLM writer)."""
        if self._writer is None:
            self._writer = load_writer(self.settings.writer)
        return self._writer

    def current_story(self, story_id: str) -> str:
        """The story an id stands for now (the survivor, when its story merged into another)."""
        return self.desk.current_story(story_id)

    def story_of(self, article: Article) -> str | None:
        """The story a placed article is in now: its story may have merged into another, or split and moved it."""
        return self.desk.story_of(article)

    # -- with a store --------------------------------------------------------------------------------------
    def ingest(
        self,
        items: Iterable[Article | Rejected],
        progress: Progress | None = None,
        write_briefs: bool = True,
        feed: str | None = None,
    ) -> IngestReport:
        """Run items through every stage into the store, batch by batch; then brief the stories that changed.

        Items from a followed ``feed`` are counted on it with each batch, so a crash never leaves its count behind.
        """
        store = self._require_store()
        report = IngestReport()
        iterator = _until_broken(items)
        while batch := list(islice(iterator, self.settings.batch_size)):
            articles, rejected = normalize_all(batch)
            report.read += len(articles)
            fresh = self._fresh(articles, store)
            report.already_known += len(articles) - len(fresh)
            self.desk.place(fresh)
            placement = self.desk.commit(store, rejected, feed)
            self.desk.cool_down()
            report.new_stories += len(placement.new_stories)
            report.stories_touched.update(article.story_id or "" for article in fresh)
            report.merged_stories += len(placement.changes.merged)
            report.split_stories += len(set(placement.changes.moved.values()))
            report.added += len(fresh)
            report.merge_rejections(rejected)
            for item in rejected:
                log.info("rejected %s: %s", item.origin, item.reason)
            if progress:
                progress(len(batch))
        # Once, at the end (not after every batch, a pass over every story touched so far): a story that merged
        # into another is counted as the survivor.
        report.stories_touched = {self.current_story(s) for s in report.stories_touched if s}
        if write_briefs:
            report.briefs_written = self.write_briefs()
        return report

    def _fresh(self, articles: list[Article], store: Store) -> list[Article]:
        """The articles neither in the store nor earlier in the batch (by id or canonical URL)."""
        known = store.known(articles)
        fresh: list[Article] = []
        seen: set[str] = set()
        for article in articles:
            keys = {article.id} | ({article.canonical_url} if article.canonical_url else set())
            if article.id in known or keys & seen:
                continue
            seen |= keys
            fresh.append(article)
        return fresh

    def write_briefs(self, story_ids: Iterable[str] | None = None, progress: Progress | None = None) -> int:
        """Write a new brief version for each given story (default: every story whose articles changed), each kept
        with what it brings since the last one (``drivers.changes.news_of``): a rewrite on the same reports brings
        nothing, and the river and the feeds pass it by."""
        store = self._require_store()
        written = 0
        for story_id in list(story_ids) if story_ids is not None else store.stale_stories():
            articles = store.story_articles(story_id)
            if articles:
                brief = self.writer.write(articles, story_id=story_id)
                store.save_brief(brief, news=news_of(store, story_id, articles))
                written += 1
            if progress:
                progress(1)
        return written

    def _require_store(self) -> Store:
        if self.store is None:
            raise RuntimeError("this pipeline has no store: open one with newsloom.open_store(path)")
        return self.store


def _until_broken(items: Iterable[Article | Rejected]) -> Iterator[Article | Rejected]:
    """The items, until their source fails: then a rejection saying where it stopped, and the end of the input.

    The readers turn bad input into rejections themselves; this is for a source that breaks anyway, so what it
    gave before is still stored and the run ends with a report instead of a traceback.
    """
    last = "the start of the input"
    iterator = iter(items)
    while True:
        try:
            item = next(iterator)
        except StopIteration:
            return
        except Exception as error:
            log.exception("the input broke off after %s", last)
            yield Rejected(last, f"the input broke off after this: {type(error).__name__}: {str(error)[:200]}")
            return
        last = item.origin or last
        yield item


# -- without a store: the scripted contract -----------------------------------------------------------------
def assign_stories(
    items: Iterable[Article | Rejected], settings: Settings | None = None, pipeline: Pipeline | None = None
) -> Iterator[Article | Rejected]:
    """Each article of a stream, in order, with its syndication group and story; rejections pass through.

    The stream is read in batches (their embeddings computed together). A story id given out early may later merge
    into another story, or the article may move out when its story splits: ``pipeline.story_of(article)`` gives
    where it is now (pass your own ``pipeline`` to ask it).
    """
    pipeline = pipeline or Pipeline(settings)
    placed: dict[str, Article] = {}
    iterator = iter(items)
    while batch := list(islice(iterator, pipeline.settings.batch_size)):
        ready: list[Article | Rejected] = []
        for item in batch:
            if isinstance(item, Rejected):
                ready.append(item)
                continue
            articles, rejected = normalize_all([item])
            ready.append(rejected[0] if rejected else articles[0])
        fresh: dict[str, Article] = {}
        for item in ready:
            if isinstance(item, Article) and item.id not in placed:
                fresh.setdefault(item.id, item)
        pipeline.desk.place(list(fresh.values()))
        placed.update(fresh)
        pipeline.desk.close()  # as the store path does after each batch: quiet stories cool down
        pipeline.desk.cool_down()
        for item in ready:
            if isinstance(item, Article) and placed[item.id] is not item:  # the same article again: learnt once
                item.syndication_group = placed[item.id].syndication_group
                item.story_id = placed[item.id].story_id
            yield item


def one_story(
    items: Iterable[Article | Rejected], settings: Settings | None = None
) -> tuple[list[Article], list[Rejected]]:
    """Articles read as one story: normalized, each once, with their syndication groups (copies count once)."""
    settings = settings or Settings()
    articles, rejected = normalize_all(items)
    unique: dict[str, Article] = {}
    for article in articles:
        unique.setdefault(article.id, article)  # the same article twice is one article
    syndication = SyndicationIndex(settings.syndication)  # copies only: one story, no desk
    for article in unique.values():
        syndication.assign(article)
    return list(unique.values()), rejected


def brief_from_articles(
    items: Iterable[Article | Rejected],
    settings: Settings | None = None,
    max_words: int | None = None,
    writer: Writer | None = None,
) -> tuple[Brief, list[Rejected]]:
    """Treat all the articles as one story and write its brief (with ``writer``, else the one the settings name)."""
    settings = settings or Settings()
    articles, rejected = one_story(items, settings)
    if not articles:
        raise ValueError("no readable article in the input")
    writer = writer or load_writer(settings.writer)
    return writer.write(articles, story_id=None, max_words=max_words), rejected
