"""The stages wired together, in one process: normalize -> syndication -> stories -> store -> briefs.

A batch is normalized (stateless), filtered against what the store already holds, passed through the syndication
index and the story clusterer (stateful, in arrival order), and committed with the clusterer's state in one
transaction. Briefs are then written for the stories that changed. A crash loses at most the batch in flight,
which was never acknowledged; a restart restores the stages from the store and skips what is already there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice

from newsloom.cluster import StoryClusterer
from newsloom.config import Settings
from newsloom.dedup import SyndicationIndex
from newsloom.model import Article, Brief, Rejected
from newsloom.normalize import EmptyArticle, normalize
from newsloom.store.base import Store
from newsloom.write.extractive import write_brief

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
            rejected.append(item)
            continue
        try:
            articles.append(normalize(item))
        except EmptyArticle as error:
            rejected.append(Rejected(item.origin or item.id or "input", str(error), (item.title or item.text)[:2000]))
    return articles, rejected


class Pipeline:
    """The stateful stages (syndication index, story clusterer) and, optionally, the store behind them."""

    def __init__(self, settings: Settings | None = None, store: Store | None = None) -> None:
        self.settings = settings or Settings()
        self.store = store
        self.syndication = SyndicationIndex(self.settings.syndication)
        self.clusterer = StoryClusterer(self.settings.cluster)
        self._group_story: dict[str, str] = {}
        self._seen_stories: set[str] = set()
        if store is not None:
            self._restore(store)

    def _restore(self, store: Store) -> None:
        state = store.clusterer_state()
        self.clusterer.restore(state.documents, state.latest, state.document_frequency, state.stories)
        self._seen_stories.update(story_id for story_id, _ in state.stories)
        fingerprints = []
        for fingerprint, story_id in store.fingerprints():
            fingerprints.append(fingerprint)
            self._group_story.setdefault(fingerprint.group, story_id)
        self.syndication.restore(fingerprints)

    # -- the stateful stages -------------------------------------------------------------------------------
    def place(self, article: Article) -> Article:
        """Give a normalized article its syndication group and its story (wire copies join their group's story)."""
        group = self.syndication.assign(article)
        story = self.clusterer.assign(article, follow=self._group_story.get(group))
        self._group_story.setdefault(group, story)
        return article

    # -- with a store --------------------------------------------------------------------------------------
    def ingest(
        self,
        items: Iterable[Article | Rejected],
        progress: Progress | None = None,
        write_briefs: bool = True,
    ) -> IngestReport:
        """Run items through every stage into the store, batch by batch; then brief the stories that changed."""
        store = self._require_store()
        report = IngestReport()
        iterator = iter(items)
        while batch := list(islice(iterator, self.settings.batch_size)):
            articles, rejected = normalize_all(batch)
            report.read += len(articles)
            fresh = self._fresh(articles, store)
            report.already_known += len(articles) - len(fresh)
            for article in fresh:
                self.place(article)
                if article.story_id and article.story_id not in self._seen_stories:
                    self._seen_stories.add(article.story_id)
                    report.new_stories += 1
                report.stories_touched.add(article.story_id or "")
            store.commit_batch(
                fresh, [self.syndication.fingerprint_of(a) for a in fresh], self.clusterer.changes(), rejected
            )
            report.added += len(fresh)
            report.merge_rejections(rejected)
            for item in rejected:
                log.info("rejected %s: %s", item.origin, item.reason)
            if progress:
                progress(len(batch))
        report.stories_touched.discard("")
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
        """Write a new brief version for each given story (default: every story whose articles changed)."""
        store = self._require_store()
        written = 0
        for story_id in list(story_ids) if story_ids is not None else store.stale_stories():
            articles = store.story_articles(story_id)
            if articles:
                store.save_brief(write_brief(articles, story_id=story_id, settings=self.settings.writer))
                written += 1
            if progress:
                progress(1)
        return written

    def _require_store(self) -> Store:
        if self.store is None:
            raise RuntimeError("this pipeline has no store: open one with newsloom.open_store(path)")
        return self.store


# -- without a store: the scripted contract -----------------------------------------------------------------
def assign_stories(
    items: Iterable[Article | Rejected], settings: Settings | None = None
) -> Iterator[Article | Rejected]:
    """Each article of a stream, in order, with its syndication group and story; rejections pass through."""
    pipeline = Pipeline(settings)
    placed: dict[str, Article] = {}
    for count, item in enumerate(items, start=1):
        if count % pipeline.settings.batch_size == 0:
            pipeline.clusterer.changes()  # as the store path does after each batch: quiet stories cool down
        if isinstance(item, Rejected):
            yield item
            continue
        articles, rejected = normalize_all([item])
        if rejected:
            yield rejected[0]
            continue
        article = articles[0]
        if article.id in placed:  # the same article again: same story, learnt once
            article.syndication_group = placed[article.id].syndication_group
            article.story_id = placed[article.id].story_id
        else:
            placed[article.id] = pipeline.place(article)
        yield article


def brief_from_articles(
    items: Iterable[Article | Rejected], settings: Settings | None = None, max_words: int | None = None
) -> tuple[Brief, list[Rejected]]:
    """Treat all the articles as one story and write its brief."""
    settings = settings or Settings()
    articles, rejected = normalize_all(items)
    if not articles:
        raise ValueError("no readable article in the input")
    unique: dict[str, Article] = {}
    for article in articles:
        unique.setdefault(article.id, article)  # the same article twice is one article
    syndication = SyndicationIndex(settings.syndication)
    for article in unique.values():
        syndication.assign(article)
    return write_brief(list(unique.values()), story_id=None, max_words=max_words, settings=settings.writer), rejected
