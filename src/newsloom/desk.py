"""The story desk: the one owner of the stateful core that every driver places articles through.

The desk holds the syndication index (which wire copies belong together), the story clusterer (which story each
article tells) and the map from each syndication group to the story its first article was placed in, so a copy
follows its original into its story. Its verbs:

- ``restore(store)``: take up where the store left off;
- ``place(articles, prepared)``: give each article, in order, its syndication group and its story, into the open
  batch (``prepared``: what was computed elsewhere, a Ray worker's group, fingerprint, embedding and story terms);
- ``close()`` hands out the open batch as a ``Placement`` (its articles, their fingerprints, the story changes);
  ``commit(store, rejected)`` closes it into the store in one transaction;
- ``cool_down()``: old articles leave the syndication index, and groups no copy can join leave the group map
  (``keep_groups`` when the caller knows better which groups are live, as the Ray engine does);
- ``story_of(article)``, ``current_story(id)``: where an article or a story id is now, after merges and splits.

``Pipeline.ingest``, ``newsloom cluster``, the local and the Ray backfill engines all place through one desk, so
the engines give the same stories by construction.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from newsloom.model import Article, Fingerprint, Rejected, StoryChanges
from newsloom.stories.settings import ClusterSettings
from newsloom.syndication import SyndicationIndex, SyndicationSettings

if TYPE_CHECKING:
    import numpy as np

    from newsloom.embeddings import Encoder
    from newsloom.store.base import Store
    from newsloom.stories.clusterer import StoryClusterer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prepared:
    """What was computed for an article elsewhere (a Ray worker): the desk uses it instead of computing it again.

    ``group``: its syndication group, when its wire copies were matched elsewhere (then ``fingerprint`` is its
    fingerprint, whatever group it names); ``embedding``: its unit embedding for the story stage;
    ``description``: its story terms (``stories.clusterer.describe``).
    """

    group: str | None = None
    fingerprint: Fingerprint | None = None
    embedding: np.ndarray | None = None
    description: dict[str, float] | None = None


@dataclass
class Placement:
    """One closed batch: the articles placed, each one's syndication fingerprint, and the story changes."""

    articles: list[Article]
    fingerprints: list[Fingerprint]
    changes: StoryChanges
    new_stories: set[str] = field(default_factory=set)  # stories this desk had not seen before this batch


@functools.cache
def _shared_encoder(name: str) -> Encoder:
    """One loaded model per process, whatever the number of desks (the model is read-only)."""
    from newsloom.embeddings import load_encoder

    return load_encoder(name)


class Desk:
    """The syndication index, the story clusterer and the group-to-story map, behind small verbs."""

    def __init__(
        self,
        cluster: ClusterSettings | None = None,
        syndication: SyndicationSettings | None = None,
        encoder: Encoder | None = None,
    ) -> None:
        from newsloom.stories.clusterer import StoryClusterer

        self.cluster_settings = cluster or ClusterSettings()
        self.syndication = SyndicationIndex(syndication)
        self.clusterer: StoryClusterer = StoryClusterer(self.cluster_settings)
        # Each syndication group's first article and the story it was placed in: its wire copies follow it there.
        self._group_story: dict[str, tuple[str, str]] = {}
        self._seen_stories: set[str] = set()
        self._open: list[tuple[Article, Fingerprint]] = []
        self._encoder = encoder  # None: loaded from the settings' ``embedding`` when first needed
        self._chosen_encoder: str | None = encoder.name if encoder is not None else None  # for embedding="auto"
        self._space_told: str | None = None  # the encoder whose space the clusterer was told of

    # -- the encoder the story stage compares articles with ----------------------------------------------------------
    @property
    def encoder(self) -> Encoder | None:
        """The sentence encoder of the story stage (None on the fast path); loaded once.

        With ``embedding = "auto"`` it is None until the stream's first batch chose one (see ``choose_encoder``).
        """
        name = self.cluster_settings.embedding.strip().lower()
        if name == "auto":
            name = self._chosen_encoder or "none"
        if self._encoder is None and name not in ("", "none"):
            self._encoder = _shared_encoder(name)
        if self._encoder is not None and self._space_told != self._encoder.name:
            self._space_told = self._encoder.name
            from newsloom.stories.clusterer import DEFAULT_FLOOR

            self.clusterer.use_space(self._encoder.name, getattr(self._encoder, "floor", DEFAULT_FLOOR))
        return self._encoder

    def choose_encoder(self, articles: Sequence[Article]) -> Encoder | None:
        """With ``embedding = "auto"``, the encoder for this stream, chosen once from its first batch (see
        ``newsloom.embeddings.encoder_for``). A restored store keeps the space its stories' vectors are in."""
        if self.cluster_settings.embedding.strip().lower() == "auto" and self._chosen_encoder is None and articles:
            from newsloom.embeddings import encoder_for

            self._chosen_encoder = encoder_for("auto", [a.language for a in articles])
            log.info("stories: %s embeddings for this stream", self._chosen_encoder)
        return self.encoder

    def embed(self, articles: Sequence[Article]) -> list[np.ndarray | None]:
        """The articles' embeddings for the story stage, in one batch (None each on the fast path, and for an
        article in a language the encoder does not read: see ``newsloom.embeddings.reads``)."""
        encoder = self.choose_encoder(articles)
        out: list[np.ndarray | None] = [None] * len(articles)
        if encoder is None or not articles:
            return out
        from newsloom.embeddings import article_text, reads

        words = self.cluster_settings.embedding_words
        read = [i for i, a in enumerate(articles) if reads(encoder, a.language)]
        if read:
            for i, row in zip(
                read, encoder.encode([article_text(articles[i], max_words=words) for i in read]), strict=True
            ):
                out[i] = row
        return out

    # -- the verbs ---------------------------------------------------------------------------------------------------
    def restore(self, store: Store) -> None:
        """Take up the state the store keeps: the clusterer's, the fingerprints of recent articles, their groups."""
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
        if self._chosen_encoder is None and self.clusterer.space:  # "auto": the space the store's stories are in
            self._chosen_encoder = self.clusterer.space
        if self._chosen_encoder is None:  # a store from before the space was kept: its vectors' size tells
            from newsloom.embeddings import MiniLMEncoder, MultilingualEncoder

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
        self.cool_down()

    def place(self, articles: Sequence[Article], prepared: Sequence[Prepared] | None = None) -> list[Article]:
        """Give each normalized article, in order, its syndication group and its story, into the open batch.

        Without ``prepared``, the articles' embeddings are computed together and their wire copies matched here.
        """
        if prepared is None:
            prepared = [Prepared(embedding=e) for e in self.embed(articles)]
        for article, ready in zip(articles, prepared, strict=True):
            if ready.group is None:
                group = self.syndication.assign(article)
                fingerprint = self.syndication.fingerprint_of(article)
            else:
                group = ready.group
                if ready.fingerprint is None:
                    raise ValueError(f"article {article.id!r} comes with its group but without its fingerprint")
                fingerprint = dataclasses.replace(ready.fingerprint, group=group)
            article.syndication_group = group
            first = self._group_story.get(group)
            follow = self.clusterer.story_of(*first) if first else None
            story = self.clusterer.assign(
                article, follow=follow, embedding=ready.embedding, description=ready.description
            )
            self._group_story.setdefault(group, (article.id, story))
            self._open.append((article, fingerprint))
        return list(articles)

    def close(self) -> Placement:
        """Hand out the open batch: its articles, their fingerprints and the story changes since the last batch;
        stories that went quiet cool down."""
        changes = self.clusterer.changes()
        placement = Placement([a for a, _ in self._open], [f for _, f in self._open], changes)
        self._open = []
        return placement

    def commit(self, store: Store, rejected: Sequence[Rejected] = (), feed: str | None = None) -> Placement:
        """Close the open batch into the store in one transaction, with the batch's rejections (and the count of the
        followed ``feed`` it came from); then the articles' story ids say where they are now (the store moved the
        articles of merged and split stories too)."""
        placement = self.close()
        store.commit_batch(placement.articles, placement.fingerprints, placement.changes, list(rejected), feed)
        for article in placement.articles:
            article.story_id = self.story_of(article)
            if article.story_id and article.story_id not in self._seen_stories:
                self._seen_stories.add(article.story_id)
                placement.new_stories.add(article.story_id)
        return placement

    def cool_down(self) -> None:
        """Old articles leave the syndication index, and groups no copy can join any more leave the group map."""
        if self.syndication.cool_down() and len(self._group_story) > 2 * len(self.syndication) + 1024:
            self.keep_groups(set())

    def keep_groups(self, live: set[str]) -> None:
        """Forget the first article and story of every syndication group but ``live`` and those of the articles the
        index still holds: no copy can join the others any more."""
        live = live | self.syndication.groups()
        self._group_story = {group: first for group, first in self._group_story.items() if group in live}

    @property
    def open_articles(self) -> int:
        """How many articles the open batch holds."""
        return len(self._open)

    @property
    def latest_held(self) -> float | None:
        """The latest publication time of the articles the syndication index holds (None when it holds none)."""
        return self.syndication.latest if len(self.syndication) else None

    def current_story(self, story_id: str) -> str:
        """The story an id stands for now (the survivor, when its story merged into another)."""
        return self.clusterer.resolve(story_id)

    def story_of(self, article: Article) -> str | None:
        """The story a placed article is in now: its story may have merged into another, or split and moved it."""
        return self.story_now(article.id, article.story_id) if article.story_id else None

    def story_now(self, article_id: str, placed_in: str) -> str:
        """The story an article placed in ``placed_in`` is in now (after merges, and splits that moved it)."""
        return self.clusterer.story_of(article_id, placed_in)
