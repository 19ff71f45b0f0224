"""The stages wired together, in one process: normalize -> syndication -> stories -> store -> briefs.

A batch is normalized (stateless), filtered against what the store already holds, passed through the syndication
index and the story clusterer (stateful, in arrival order), and committed with the clusterer's state in one
transaction. Briefs are then written for the stories that changed. A crash loses at most the batch in flight,
which was never acknowledged; a restart restores the stages from the store and skips what is already there.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice

import numpy as np

from newsloom.cluster import StoryClusterer
from newsloom.config import Settings
from newsloom.dedup import SyndicationIndex
from newsloom.embed import Encoder, MiniLMEncoder, MultilingualEncoder, article_text, encoder_for, load_encoder
from newsloom.model import Article, Brief, Rejected
from newsloom.normalize import EmptyArticle, normalize
from newsloom.store.base import Store
from newsloom.write.writer import Writer, load_writer

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


@functools.cache
def _shared_encoder(name: str) -> Encoder:
    """One loaded model per process, whatever the number of pipelines (the model is read-only)."""
    return load_encoder(name)


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
        self.syndication = SyndicationIndex(self.settings.syndication)
        self.clusterer = StoryClusterer(self.settings.cluster)
        # Each syndication group's first article and the story it was placed in: its wire copies follow it there.
        self._group_story: dict[str, tuple[str, str]] = {}
        self._seen_stories: set[str] = set()
        self._encoder = encoder  # None: loaded from settings.cluster.embedding when first needed
        self._chosen_encoder: str | None = encoder.name if encoder is not None else None  # for embedding="auto"
        if store is not None:
            self._restore(store)

    @property
    def writer(self) -> Writer:
        """The writer of the pipeline's briefs (``[writer] kind``: extractive by default, or the LLM writer)."""
        if self._writer is None:
            self._writer = load_writer(self.settings.writer)
        return self._writer

    @property
    def encoder(self) -> Encoder | None:
        """The sentence encoder the story stage compares articles with (None on the fast path); loaded once.

        With ``embedding = "auto"`` it is None until the stream's first batch chose one (see ``choose_encoder``).
        """
        name = self.settings.cluster.embedding.strip().lower()
        if name == "auto":
            name = self._chosen_encoder or "none"
        if self._encoder is None and name not in ("", "none"):
            self._encoder = _shared_encoder(name)
        return self._encoder

    def choose_encoder(self, articles: Sequence[Article]) -> Encoder | None:
        """With ``embedding = "auto"``, the encoder for this stream, chosen once from its first batch (see
        ``newsloom.embed.encoder_for``). A restored store keeps the space its stories' vectors are in."""
        if self.settings.cluster.embedding.strip().lower() == "auto" and self._chosen_encoder is None and articles:
            self._chosen_encoder = encoder_for("auto", [a.language for a in articles])
            log.info("stories: %s embeddings for this stream", self._chosen_encoder)
        return self.encoder

    def embed(self, articles: Sequence[Article]) -> list[np.ndarray | None]:
        """The articles' embeddings for the story stage, in one batch (None each on the fast path)."""
        encoder = self.choose_encoder(articles)
        if encoder is None or not articles:
            return [None] * len(articles)
        words = self.settings.cluster.embedding_words
        return list(encoder.encode([article_text(a, max_words=words) for a in articles]))

    def _restore(self, store: Store) -> None:
        state = store.clusterer_state()
        self.clusterer.restore(
            state.documents,
            state.latest,
            state.document_frequency,
            state.stories,
            redirects=state.redirects,
            review=state.review,
        )
        self._seen_stories.update(story_id for story_id, _ in state.stories)
        if self._chosen_encoder is None:  # "auto": the stored stories' vectors tell which space the store is in
            sizes = {len(s.vector) for s in self.clusterer.stories.values() if s.vector is not None}
            by_size = {
                MiniLMEncoder.dimensions: MiniLMEncoder.name,
                MultilingualEncoder.dimensions: MultilingualEncoder.name,
            }
            self._chosen_encoder = next((by_size[n] for n in sorted(sizes) if n in by_size), None)
        fingerprints = []
        for fingerprint, story_id in store.fingerprints():
            fingerprints.append(fingerprint)
            self._group_story.setdefault(fingerprint.group, (fingerprint.article_id, story_id))
        self.syndication.restore(fingerprints)
        self._cool_down()

    # -- the stateful stages -------------------------------------------------------------------------------
    def place(self, article: Article, embedding: np.ndarray | None = None) -> Article:
        """Give a normalized article its syndication group and its story (wire copies join their group's story)."""
        return self.place_in_group(article, self.syndication.assign(article), embedding)

    def place_in_group(
        self,
        article: Article,
        group: str,
        embedding: np.ndarray | None = None,
        description: dict[str, float] | None = None,
    ) -> Article:
        """Give an article whose syndication group was found elsewhere (a Ray window) its story, as ``place`` does;
        ``description``: its ``cluster.describe``, when computed there too."""
        article.syndication_group = group
        first = self._group_story.get(group)
        follow = self.clusterer.story_of(*first) if first else None
        story = self.clusterer.assign(article, follow=follow, embedding=embedding, description=description)
        self._group_story.setdefault(group, (article.id, story))
        return article

    def keep_groups(self, live: set[str]) -> None:
        """Forget the first article and story of every syndication group but ``live`` (groups no copy can join)."""
        self._group_story = {group: first for group, first in self._group_story.items() if group in live}

    def place_all(self, articles: Sequence[Article]) -> list[Article]:
        """Place a batch of normalized articles in order (their embeddings computed together)."""
        for article, embedding in zip(articles, self.embed(articles), strict=True):
            self.place(article, embedding)
        return list(articles)

    def _cool_down(self) -> None:
        """Old articles leave the syndication index, and groups no copy can join any more leave the group map."""
        if self.syndication.cool_down() and len(self._group_story) > 2 * len(self.syndication) + 1024:
            live = self.syndication.groups()
            self._group_story = {group: first for group, first in self._group_story.items() if group in live}

    def current_story(self, story_id: str) -> str:
        """The story an id stands for now (the survivor, when its story merged into another)."""
        return self.clusterer.resolve(story_id)

    def story_of(self, article: Article) -> str | None:
        """The story a placed article is in now: its story may have merged into another, or split and moved it."""
        return self.clusterer.story_of(article.id, article.story_id) if article.story_id else None

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
            self.place_all(fresh)
            changes = self.clusterer.changes()
            store.commit_batch(fresh, [self.syndication.fingerprint_of(a) for a in fresh], changes, rejected)
            self._cool_down()
            for article in fresh:  # the store moved the articles of merged and split stories: so do the objects
                article.story_id = self.story_of(article)
                if article.story_id and article.story_id not in self._seen_stories:
                    self._seen_stories.add(article.story_id)
                    report.new_stories += 1
                report.stories_touched.add(article.story_id or "")
            report.stories_touched = {self.current_story(s) for s in report.stories_touched if s}
            report.merged_stories += len(changes.merged)
            report.split_stories += len(set(changes.moved.values()))
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
                store.save_brief(self.writer.write(articles, story_id=story_id))
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
        pipeline.place_all(list(fresh.values()))
        placed.update(fresh)
        pipeline.clusterer.changes()  # as the store path does after each batch: quiet stories cool down
        pipeline._cool_down()
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
    syndication = SyndicationIndex(settings.syndication)
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
