"""The online story clusterer: each article, in arrival order, joins the story it best matches or starts one.

An article is described by its key terms (stemmed words of the title, weighted up, and of the text) and by the
names it mentions (people, places, organisations), weighted above common words. A story is the sum of its
articles' descriptions. IDF weights come from the stream itself and are applied when two descriptions are
compared, so early articles are not frozen with the poor weights of a short history. The match score is the
cosine similarity, lowered by the time between the article and the story's last report, so an old story does not
swallow a new event. Candidate stories come from an inverted index over the stories' terms, and only stories
reported on within ``hot_days`` stay in it: the cost of an article does not grow with the archive.

Verbs, in the style of online learners: ``assign(article) -> story id``, ``changes()`` for what to persist since
the last call, ``restore(state)`` to pick up where a stored run left off.
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from newsloom.model import Article
from newsloom.text.clean import strip_dateline
from newsloom.text.terms import content_terms, fold, is_title_case, names

DAY = 86400.0


@dataclass(frozen=True)
class ClusterSettings:
    """Knobs of the story clusterer.

    The thresholds and the blend were chosen by the grid search of ``benchmarks/tune_clusters.py`` on the three
    development streams (full text, headlines, short texts), for the smallest margin over the best peer on each;
    its latest table is in docs/benchmarks.md.
    """

    # "auto" (the default: MiniLM for a stream in English, the multilingual model when more than a fifth of its
    # first reports are in other languages), "minilm" (English sentence embeddings), "multilingual" (one space for
    # 16 languages), or "none": the fast path on terms and names alone, which needs no model.
    embedding: str = "auto"
    embedding_words: int = 150  # words of headline and lead embedded (MiniLM reads at most 128 tokens of them)
    threshold: float = 0.18  # lowest decayed cosine at which an article joins a story (terms alone)
    title_weight: float = 2.0  # a title word counts this many times a body word
    name_weight: float = 1.5  # a name counts this many times a body word
    text_terms: int = 400  # words read from the top of the body: the lead carries the event
    story_terms: int = 300  # terms kept per story description
    lookup_terms: int = 12  # the article's strongest terms used to find candidate stories
    posting_cap: int = 100  # terms posted under more hot stories than this are not used to find candidates
    max_candidates: int = 20  # stories found by shared terms that are scored (15-40 score alike; 12 splits more)
    grace_days: float = 2.0  # no time penalty within this gap
    decay_days: float = 7.0  # beyond the grace, the score falls by e every this many days...
    decay_floor: float = 0.6  # ...but never below this share: a strong match still joins across a long gap
    hot_days: float = 30.0  # stories not updated for longer leave the index
    unrelated_names: float = 0.6  # score factor when both sides name people or places and share none
    names_to_compare: int = 2  # names each side needs before a mismatch counts
    # Dense embeddings (when the article comes with one): the score blends the term cosine with the embedding
    # cosine, rescaled so that ``dense_floor`` (what two unrelated news texts score) counts as nothing.
    dense_threshold: float = 0.3  # the threshold when the article has an embedding
    dense_weight: float = 0.7
    dense_floor: float = 0.2
    dense_candidates: int = 10  # stories nearest by embedding, added to those found by shared terms
    # The second look: stories that grew are compared with their nearest stories, and two that turn out to tell
    # one event merge (the smaller into the larger; the old id redirects to the survivor).
    merge_threshold: float = 0.35  # lowest story-to-story score to merge, terms alone (the fast path)
    dense_merge_threshold: float = 0.4  # the same when both stories have embeddings
    review_every: int = 32  # articles between two second looks
    merge_candidates: int = 5  # stories a grown story is compared with (by shared strong terms, and by embedding)
    # A story is compared with the others again once it has grown by this share since it was last compared (at
    # least one article): one more report changes a big story's profile little, and the look costs the same.
    review_growth: float = 0.25
    segment_terms: int = 100  # terms kept for a story's core and tail
    # The second look also splits a story that drifts: a story's core is its first ``split_core`` reports; its
    # latest ``split_segment`` reports are compared with that core, and if they no longer tell the same event they
    # leave as a story of their own (the core keeps the id). Below these scores the reports are another event.
    split_core: int = 8
    split_segment: int = 8
    split_threshold: float = 0.05  # terms alone (the fast path)
    dense_split_threshold: float = 0.1  # when both sides have embeddings


def story_id_for(article_id: str) -> str:
    """Story ids derive from the first article's id: the same stream gives the same ids."""
    return "st-" + hashlib.sha1(article_id.encode("utf-8")).hexdigest()[:10]


def describe(article: Article, settings: ClusterSettings) -> dict[str, float]:
    """An article's term weights before IDF: sublinear counts of title words, body words and names."""
    counts: defaultdict[str, float] = defaultdict(float)
    for term in content_terms(article.title):
        counts[term] += settings.title_weight
    lead = "\n\n".join(strip_dateline(p) for p in article.text.split("\n\n", 3))
    body = " ".join(lead.split()[: settings.text_terms])
    for term in content_terms(body):
        counts[term] += 1.0
    # Names are told by capitals, which mean nothing in Title Case Headlines or lower-cased text.
    if _capitals_are_meaningful(body):
        headline = "" if is_title_case(article.title) else f"{article.title}.\n"
        outlet = fold(article.outlet or "")
        for name, count in names(headline + body).items():
            if not outlet or name not in outlet:  # an outlet naming itself says nothing of the event
                counts["@" + name] += settings.name_weight * count
    weights = {term: 1.0 + math.log(count) if count >= 1 else count for term, count in counts.items()}
    norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
    return {term: w / norm for term, w in weights.items()}


def _capitals_are_meaningful(text: str) -> bool:
    return not is_title_case(text[:300]) and any(ch.isupper() for ch in text[:2000])


@dataclass
class Segment:
    """A run of a story's reports, summed: its core (the first reports) or its tail (the latest, not yet checked)."""

    terms: dict[str, float] = field(default_factory=dict)
    vector: np.ndarray | None = None
    count: int = 0
    ids: list[str] = field(default_factory=list)  # the tail's article ids: the reports a split would move
    first_seen: float | None = None
    last_seen: float | None = None

    def add(
        self,
        article_id: str | None,
        description: dict[str, float],
        moment: float | None,
        vector: np.ndarray | None,
        keep: int,
    ) -> None:
        _add_terms(self.terms, description, keep)
        if vector is not None:
            self.vector = vector.astype(np.float32) if self.vector is None else self.vector + vector
        self.count += 1
        if article_id is not None:
            self.ids.append(article_id)
        self.first_seen, self.last_seen = _widen(self.first_seen, self.last_seen, moment)

    def to_state(self) -> dict[str, Any]:
        state: dict[str, Any] = {"terms": dict(self.terms), "count": self.count}
        if self.ids:
            state["ids"] = list(self.ids)
        if self.first_seen is not None:
            state["span"] = [self.first_seen, self.last_seen]
        if self.vector is not None:
            state["vector"] = _encode_vector(self.vector)
        return state

    @classmethod
    def from_state(cls, state: dict[str, Any] | None) -> Segment:
        if not state:
            return cls()
        span = state.get("span") or [None, None]
        return cls(
            terms=dict(state["terms"]),
            vector=_decode_vector(state.get("vector")),
            count=int(state["count"]),
            ids=list(state.get("ids", ())),
            first_seen=span[0],
            last_seen=span[1],
        )


@dataclass
class StoryProfile:
    """What the clusterer knows of a story."""

    id: str
    terms: dict[str, float] = field(default_factory=dict)
    articles: int = 0
    first_seen: float | None = None  # publication times, seconds since the epoch
    last_seen: float | None = None
    vector: np.ndarray | None = None  # the sum of its articles' unit embeddings
    core: Segment = field(default_factory=Segment)  # its first reports: what the story is about
    tail: Segment = field(default_factory=Segment)  # reports since the last drift check
    settled: tuple[float | None, float | None] = (None, None)  # the span of its reports outside the tail
    compared_at: int = 0  # its articles when the second look last compared it with the other stories
    _weighted: dict[str, float] = field(default_factory=dict)  # terms times IDF, as of ``_norm_docs`` documents
    _names: int = -1  # how many of its terms are names (-1: to count again)
    _norm: float = 0.0
    _norm_docs: int = -1

    def add(
        self,
        description: dict[str, float],
        moment: float | None,
        keep: int,
        vector: np.ndarray | None = None,
        article_id: str | None = None,
        core_size: int = 0,
        segment_terms: int = 100,
    ) -> None:
        if vector is not None:
            self.vector = vector.astype(np.float32) if self.vector is None else self.vector + vector
        _add_terms(self.terms, description, keep)
        self.articles += 1
        self.first_seen, self.last_seen = _widen(self.first_seen, self.last_seen, moment)
        if self.core.count < core_size:
            self.core.add(None, description, moment, vector, segment_terms)
            self.settled = _widen(*self.settled, moment)
        elif core_size:
            self.tail.add(article_id, description, moment, vector, segment_terms)
        self._norm_docs = -1
        self._names = -1

    def settle(self) -> None:
        """The tail tells the story's event: it becomes part of the story for good."""
        for moment in (self.tail.first_seen, self.tail.last_seen):
            self.settled = _widen(*self.settled, moment)
        self.tail = Segment()

    def gap_days(self, moment: float | None) -> float:
        """Days between a time and the span of the story's reports (0 inside it or when either is unknown)."""
        if moment is None or self.first_seen is None or self.last_seen is None:
            return 0.0
        if moment < self.first_seen:
            return (self.first_seen - moment) / DAY
        return max(0.0, moment - self.last_seen) / DAY

    def centroid(self) -> np.ndarray | None:
        """The story's direction in embedding space (unit length), if its articles came with embeddings."""
        if self.vector is None:
            return None
        norm = float(np.linalg.norm(self.vector))
        return self.vector / norm if norm > 0 else None

    def to_state(self) -> dict[str, Any]:
        state: dict[str, Any] = {
            "terms": dict(self.terms),  # unrounded: a restored clusterer must decide exactly as the original
            "articles": self.articles,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
        }
        if self.vector is not None:
            state["vector"] = _encode_vector(self.vector)
        if self.core.count:
            state["core"] = self.core.to_state()
            state["settled"] = list(self.settled)
        if self.tail.count:
            state["tail"] = self.tail.to_state()
        if self.compared_at:
            state["compared_at"] = self.compared_at
        if self._norm_docs >= 0:  # the IDF-weighted terms in use, so a restored clusterer scores exactly alike
            state["weighted"] = {"documents": self._norm_docs, "norm": self._norm, "terms": dict(self._weighted)}
        return state

    @classmethod
    def from_state(cls, story_id: str, state: dict[str, Any]) -> StoryProfile:
        weighted = state.get("weighted") or {}
        settled = state.get("settled") or [None, None]
        return cls(
            id=story_id,
            terms=dict(state["terms"]),
            articles=state["articles"],
            first_seen=state.get("first_seen"),
            last_seen=state.get("last_seen"),
            vector=_decode_vector(state.get("vector")),
            core=Segment.from_state(state.get("core")),
            tail=Segment.from_state(state.get("tail")),
            settled=(settled[0], settled[1]),
            compared_at=int(state.get("compared_at", 0)),
            _weighted=dict(weighted.get("terms", {})),
            _norm=float(weighted.get("norm", 0.0)),
            _norm_docs=int(weighted.get("documents", -1)),
        )


class DenseIndex:
    """The hot stories' embedding centroids in one matrix: the nearest stories to an article in one product."""

    def __init__(self) -> None:
        self._ids: list[str] = []
        self._rows: dict[str, int] = {}
        self._matrix = np.zeros((0, 0), dtype=np.float32)

    def __len__(self) -> int:
        return len(self._ids)

    def put(self, story_id: str, centroid: np.ndarray) -> None:
        row = self._rows.get(story_id)
        if row is None:
            if self._matrix.shape[1] != centroid.shape[0]:
                if self._ids:
                    raise ValueError("embeddings of different sizes in one story index: one encoder per store")
                self._matrix = np.zeros((64, centroid.shape[0]), dtype=np.float32)
            if len(self._ids) == self._matrix.shape[0]:
                self._matrix = np.concatenate([self._matrix, np.zeros_like(self._matrix)])
            row = len(self._ids)
            self._ids.append(story_id)
            self._rows[story_id] = row
        self._matrix[row] = centroid

    def remove(self, story_id: str) -> None:
        row = self._rows.pop(story_id, None)
        if row is None:
            return
        last = len(self._ids) - 1
        if row != last:  # move the last row into the hole
            moved = self._ids[last]
            self._ids[row] = moved
            self._rows[moved] = row
            self._matrix[row] = self._matrix[last]
        self._ids.pop()

    def nearest(self, vector: np.ndarray, count: int) -> list[tuple[str, float]]:
        """Up to ``count`` stories by cosine to a unit vector, best first."""
        if not self._ids or count <= 0:
            return []
        scores = self._matrix[: len(self._ids)] @ vector
        top = np.argpartition(-scores, count - 1)[:count] if len(self._ids) > count else np.arange(len(self._ids))
        return sorted(((self._ids[i], float(scores[i])) for i in top), key=lambda item: (-item[1], item[0]))


@dataclass
class ClustererChanges:
    """What changed since the last ``changes()`` call: the rows a store must write to persist the clusterer."""

    documents: int
    latest: float | None
    document_frequency: dict[str, int]
    stories: dict[str, dict[str, Any]]
    merged: dict[str, str] = field(default_factory=dict)  # story id -> the story it merged into
    moved: dict[str, str] = field(default_factory=dict)  # article id -> the story it moved to when its story split
    review: dict[str, Any] = field(default_factory=dict)  # the second look's bookkeeping, so a restart goes on alike


class StoryClusterer:
    """Online single-pass story clustering with stable ids (see the module docstring)."""

    def __init__(self, settings: ClusterSettings | None = None) -> None:
        self.settings = settings or ClusterSettings()
        self.documents = 0
        self.document_frequency: dict[str, int] = {}
        self.stories: dict[str, StoryProfile] = {}  # hot stories only
        self._postings: dict[str, set[str]] = defaultdict(set)
        self._latest: float | None = None  # the latest publication time seen: the stream's "now"
        self._dirty_terms: set[str] = set()
        self._dirty_stories: set[str] = set()
        self._dense = DenseIndex()
        self.redirects: dict[str, str] = {}  # merged story id -> the story it merged into (this session's merges)
        self._merged: dict[str, str] = {}  # merges not yet handed out by changes()
        self.moved: dict[str, str] = {}  # article id -> the story it left for when its story split (this session)
        self._moved: dict[str, str] = {}  # moves not yet handed out by changes()
        self._to_review: set[str] = set()
        self._since_review = 0

    # -- the verbs -------------------------------------------------------------------------------------------
    def assign(
        self,
        article: Article,
        follow: str | None = None,
        embedding: np.ndarray | None = None,
        description: dict[str, float] | None = None,
    ) -> str:
        """The story the article belongs to.

        ``follow`` names a story it must join (a wire copy's story); ``embedding`` is the article's unit
        embedding, when the stream comes with an encoder (see ``newsloom.embed``); ``description`` its ``describe``,
        when computed elsewhere (a Ray worker).
        """
        if description is None:
            description = describe(article, self.settings)
        moment = _seconds(article.published)
        self._learn_frequencies(description)
        follow = self.resolve(follow) if follow else None
        story = self.stories.get(follow) if follow else None
        if story is None and follow is None:
            story = self._best_story(description, moment, embedding)
        if story is None:
            story = StoryProfile(id=follow or story_id_for(article.id))
            self.stories[story.id] = story
        before = set(story.terms)
        weighed_at = story._norm_docs
        settings = self.settings
        story.add(
            description,
            moment,
            settings.story_terms,
            embedding,
            article_id=article.id,
            core_size=settings.split_core,
            segment_terms=settings.segment_terms,
        )
        for term in story.terms.keys() - before:
            self._postings[term].add(story.id)
        dropped = before - story.terms.keys()
        for term in dropped:  # dropped when the description was trimmed
            self._unpost(term, story.id)
        trimmed = len(story.terms) < len(before | description.keys())
        if weighed_at >= 0 and not trimmed and self.documents <= weighed_at * 1.1:
            # Only the article's terms changed: reweigh those, not the whole story (see ``_story_weights``).
            # The norm moves by the change in those terms' squares: the story's other terms are not summed again.
            weighted, _ = self._weighted({term: story.terms[term] for term in description})
            story_weights, square = story._weighted, story._norm * story._norm
            for term, weight in weighted.items():
                previous = story_weights.get(term)
                if previous is not None:
                    square -= previous * previous
                square += weight * weight
                story_weights[term] = weight
            story._norm = math.sqrt(square) if square > 0 else 1.0
            story._norm_docs = weighed_at
        centroid = story.centroid()
        if centroid is not None:
            self._dense.put(story.id, centroid)
        self._dirty_stories.add(story.id)
        self._to_review.add(story.id)
        if moment is not None and (self._latest is None or moment > self._latest):
            self._latest = moment
        article.story_id = story.id
        self._since_review += 1
        if self._since_review >= self.settings.review_every:
            self.review()
        return story.id

    def story_of(self, article_id: str, story_id: str) -> str:
        """The story an article is in now, given the one it was placed in: splits move articles, merges stories."""
        return self.resolve(self.moved.get(article_id, story_id))

    def resolve(self, story_id: str) -> str:
        """The story an id stands for now: itself, or the survivor of the merges it went through."""
        seen = 0
        while story_id in self.redirects and seen < 1000:
            story_id = self.redirects[story_id]
            seen += 1
        return story_id

    def review(self) -> dict[str, str]:
        """The second look at each story that grew since the last look.

        A story whose latest reports drifted away from its core splits (the reports leave as a new story); any
        other merges into a story that tells the same event. Returns the merges made, story id -> survivor.
        """
        merges: dict[str, str] = {}
        for story_id in sorted(self._to_review):
            story = self.stories.get(story_id)
            if story is None:
                continue
            if self._drifted(story):
                self._split(story)
                continue
            if story.articles < story.compared_at * (1.0 + self.settings.review_growth):
                continue
            story.compared_at = story.articles
            self._dirty_stories.add(story.id)
            other = self._merge_partner(story)
            if other is None:
                continue
            survivor, merged = (
                (story, other) if (story.articles, other.id) > (other.articles, story.id) else (other, story)
            )
            self._merge(merged, survivor)
            merges[merged.id] = survivor.id
        self._to_review.clear()
        self._since_review = 0
        return merges

    def _drifted(self, story: StoryProfile) -> bool:
        """Whether the story's latest reports tell another event than its first ones (else they settle in)."""
        settings = self.settings
        tail = story.tail
        if tail.count < settings.split_segment or not settings.split_segment:
            return False
        core = story.core
        score = self._cosine(self._weighted(core.terms), self._weighted(tail.terms))
        threshold = settings.split_threshold
        if core.vector is not None and tail.vector is not None:
            a, b = np.linalg.norm(core.vector), np.linalg.norm(tail.vector)
            if a > 0 and b > 0:
                score = self._blend(score, float(core.vector @ tail.vector / (a * b)))
                threshold = settings.dense_split_threshold
        new_id = story_id_for(tail.ids[0]) if tail.ids else ""
        if score >= threshold or not new_id or new_id in self.stories or new_id in self.redirects:
            story.settle()
            self._dirty_stories.add(story.id)
            return False
        return True

    def _split(self, story: StoryProfile) -> StoryProfile:
        """The story's tail leaves as a story of its own; the story keeps its id, its core and its other reports."""
        tail = story.tail
        split = StoryProfile(
            id=story_id_for(tail.ids[0]),
            terms=dict(tail.terms),
            articles=tail.count,
            first_seen=tail.first_seen,
            last_seen=tail.last_seen,
            vector=None if tail.vector is None else tail.vector.copy(),
            core=Segment(dict(tail.terms), None if tail.vector is None else tail.vector.copy(), tail.count),
            settled=(tail.first_seen, tail.last_seen),
        )
        before = set(story.terms)
        for term, weight in tail.terms.items():
            left = story.terms.get(term)
            if left is not None:
                if left - weight > 1e-9:
                    story.terms[term] = left - weight
                else:
                    del story.terms[term]
        for term in before - story.terms.keys():
            self._unpost(term, story.id)
        if story.vector is not None and tail.vector is not None:
            story.vector = story.vector - tail.vector
        story.articles -= tail.count
        story.compared_at = 0  # both halves are compared with the other stories at the next look
        story.first_seen, story.last_seen = story.settled
        story.tail = Segment()
        story._norm_docs = -1
        story._names = -1
        self.stories[split.id] = split
        for term in split.terms:
            self._postings[term].add(split.id)
        for profile in (story, split):
            centroid = profile.centroid()
            if centroid is not None:
                self._dense.put(profile.id, centroid)
            self._dirty_stories.add(profile.id)
        for article_id in tail.ids:
            self.moved[article_id] = split.id
            self._moved[article_id] = split.id
        return split

    @staticmethod
    def _cosine(a: tuple[dict[str, float], float], b: tuple[dict[str, float], float]) -> float:
        (small, small_norm), (large, large_norm) = (a, b) if len(a[0]) <= len(b[0]) else (b, a)
        dot = 0.0
        weight_in_large = large.get  # a plain loop: the second look runs this over whole stories
        for term, weight in small.items():
            other = weight_in_large(term)
            if other is not None:
                dot += weight * other
        return dot / (small_norm * large_norm) if dot else 0.0

    def _merge_partner(self, story: StoryProfile) -> StoryProfile | None:
        # A bounded number of candidates, found through the indexes: the cost does not grow with the hot stories.
        centroid = story.centroid()
        weighted, _ = self._story_weights(story)
        strongest = heapq.nlargest(self.settings.lookup_terms, zip(weighted.values(), weighted.keys(), strict=True))
        votes: defaultdict[str, float] = defaultdict(float)
        for weight, term in strongest:
            posting = self._postings.get(term, ())
            if len(posting) <= self.settings.posting_cap:
                for other_id in posting:  # one vote per term, the terms in one order: the same sums every run
                    votes[other_id] += weight
        votes.pop(story.id, None)
        count = self.settings.merge_candidates
        found = {s for _, s in heapq.nlargest(count, zip(votes.values(), votes.keys(), strict=True))}
        if centroid is not None:
            found.update(s for s, _ in self._dense.nearest(centroid, count + 1))
        found.discard(story.id)
        threshold = self.settings.merge_threshold if centroid is None else self.settings.dense_merge_threshold
        best, best_score = None, threshold
        for other_id in sorted(found):
            other = self.stories.get(other_id)
            if other is None:
                continue
            score = self._story_match(story, other)
            if score >= best_score:
                best, best_score = other, score
        return best

    def _story_match(self, story: StoryProfile, other: StoryProfile) -> float:
        """How surely two stories tell one event: their term cosine (blended with their centroids' cosine)."""
        score = self._cosine(self._story_weights(story), self._story_weights(other))  # over the smaller story
        a, b = story.centroid(), other.centroid()
        if a is not None and b is not None:
            score = self._blend(score, float(a @ b))
        gap = 0.0
        if None not in (story.first_seen, story.last_seen, other.first_seen, other.last_seen):
            start = max(story.first_seen, other.first_seen)  # type: ignore[type-var]
            end = min(story.last_seen, other.last_seen)  # type: ignore[type-var]
            gap = max(0.0, (start - end) / DAY)  # type: ignore[operator]
        return score * self._decay(gap)

    def _merge(self, merged: StoryProfile, survivor: StoryProfile) -> None:
        # Both tails settle: the merge said the two tell one event, so neither tail is a drift of the survivor.
        survivor.settle()
        merged.settle()
        survivor.settled = _widen(*_widen(*survivor.settled, merged.settled[0]), merged.settled[1])
        before = set(survivor.terms)
        for term in merged.terms:
            self._unpost(term, merged.id)
        combined = dict(survivor.terms)
        _add_terms(combined, merged.terms, self.settings.story_terms)
        survivor.terms = combined
        for term in combined.keys() - before:
            self._postings[term].add(survivor.id)
        for term in before - combined.keys():
            self._unpost(term, survivor.id)
        survivor.articles += merged.articles
        for moment in (merged.first_seen, merged.last_seen):
            if moment is not None:
                survivor.first_seen = moment if survivor.first_seen is None else min(survivor.first_seen, moment)
                survivor.last_seen = moment if survivor.last_seen is None else max(survivor.last_seen, moment)
        if merged.vector is not None:
            survivor.vector = merged.vector.copy() if survivor.vector is None else survivor.vector + merged.vector
        survivor._norm_docs = -1
        survivor._names = -1
        centroid = survivor.centroid()
        if centroid is not None:
            self._dense.put(survivor.id, centroid)
        self._dense.remove(merged.id)
        del self.stories[merged.id]
        self._dirty_stories.discard(merged.id)
        self._dirty_stories.add(survivor.id)
        self._to_review.discard(merged.id)
        self.redirects[merged.id] = survivor.id  # earlier merges into this story reach the survivor through it
        self._merged[merged.id] = survivor.id

    def score(self, article: Article, story_id: str, embedding: np.ndarray | None = None) -> float:
        """How well an article matches a hot story (the decayed match score), for inspection and tests."""
        story = self.stories[story_id]
        description = describe(article, self.settings)
        decay = self._decay(story.gap_days(_seconds(article.published)))
        return self._match(description, story, embedding) * decay

    def changes(self) -> ClustererChanges:
        """The state to persist since the last call, and cool down stories that went quiet."""
        out = ClustererChanges(
            documents=self.documents,
            latest=self._latest,
            document_frequency={t: self.document_frequency[t] for t in self._dirty_terms},
            stories={s: self.stories[s].to_state() for s in self._dirty_stories if s in self.stories},
            merged=dict(self._merged),
            moved=dict(self._moved),
            review=self.review_state(),
        )
        self._dirty_terms.clear()
        self._dirty_stories.clear()
        self._merged.clear()
        self._moved.clear()
        self._cool_down()
        return out

    @property
    def latest(self) -> float | None:
        """The latest publication time seen (seconds since the epoch)."""
        return self._latest

    def review_state(self) -> dict[str, Any]:
        """The second look's progress: articles since the last look, and the stories the next one will see."""
        return {"since": self._since_review, "stories": sorted(self._to_review)}

    def restore(
        self,
        documents: int,
        latest: float | None,
        document_frequency: dict[str, int],
        stories: Iterable[tuple[str, dict[str, Any]]],
        redirects: dict[str, str] | None = None,
        review: dict[str, Any] | None = None,
    ) -> None:
        """Load a persisted state (the sum of all ``changes()``); cold stories are skipped."""
        self.redirects = dict(redirects or {})
        self._since_review = int((review or {}).get("since", 0))
        self._to_review = set((review or {}).get("stories", ()))
        self.documents = documents
        self._latest = latest
        self.document_frequency = dict(document_frequency)
        for story_id, state in stories:
            profile = StoryProfile.from_state(story_id, state)
            if self._is_hot(profile):
                self.stories[story_id] = profile
                for term in profile.terms:
                    self._postings[term].add(story_id)
                centroid = profile.centroid()
                if centroid is not None:
                    self._dense.put(story_id, centroid)

    # -- inside ----------------------------------------------------------------------------------------------
    def _learn_frequencies(self, description: dict[str, float]) -> None:
        self.documents += 1
        frequency = self.document_frequency
        for term in description:
            frequency[term] = frequency.get(term, 0) + 1
        self._dirty_terms.update(description)

    def _idf(self, term: str) -> float:
        return math.log((1.0 + self.documents) / (1.0 + self.document_frequency.get(term, 0))) + 1.0

    def _weighted(self, description: dict[str, float]) -> tuple[dict[str, float], float]:
        """An article's term weights times their IDF now, and the norm of that vector."""
        # The IDF of ``_idf``, inlined: this is the clusterer's innermost loop.
        log, frequency, documents = math.log, self.document_frequency.get, 1.0 + self.documents
        weighted = {
            term: weight * (log(documents / (1.0 + frequency(term, 0))) + 1.0) for term, weight in description.items()
        }
        return weighted, math.sqrt(sum(w * w for w in weighted.values())) or 1.0

    def _story_weights(self, story: StoryProfile) -> tuple[dict[str, float], float]:
        # IDF drifts slowly: a story's weighted terms are recomputed when it changed or the stream grew by a tenth.
        if story._norm_docs < 0 or self.documents > story._norm_docs * 1.1:
            story._weighted, story._norm = self._weighted(story.terms)
            story._norm_docs = self.documents
            self._dirty_stories.add(story.id)  # the weights in use are part of the state to persist
        return story._weighted, story._norm

    def _similarity(self, article: tuple[dict[str, float], float], story: StoryProfile) -> float:
        """The cosine of an article's IDF-weighted terms (see ``_weighted``) and a story's."""
        terms, norm = article
        story_terms, story_norm = self._story_weights(story)
        dot = 0.0
        weight_in_story = story_terms.get
        for term, weight in terms.items():
            other = weight_in_story(term)
            if other is not None:
                dot += weight * other
        return dot / (norm * story_norm) if dot else 0.0

    def _name_factor(self, names: list[str], story: StoryProfile) -> float:
        """Two reports that both name people or places (``names``: the article's), and share none of them, are
        likely two events."""
        wanted = self.settings.names_to_compare
        if len(names) < wanted or any(t in story.terms for t in names):
            return 1.0
        if story._names < 0:
            story._names = sum(1 for t in story.terms if t.startswith("@"))
        story_names = story._names
        return self.settings.unrelated_names if story_names >= wanted else 1.0

    def _decay(self, gap_days: float) -> float:
        excess = gap_days - self.settings.grace_days
        if excess <= 0:
            return 1.0
        return max(self.settings.decay_floor, math.exp(-excess / self.settings.decay_days))

    def _match(
        self,
        description: dict[str, float],
        story: StoryProfile,
        embedding: np.ndarray | None,
        weighted: tuple[dict[str, float], float] | None = None,
        names: list[str] | None = None,
    ) -> float:
        """The undecayed match score: term cosine, blended with the embedding cosine when both sides have one
        (``weighted`` and ``names``: the article's, when the caller has them already)."""
        score = self._similarity(weighted or self._weighted(description), story)
        centroid = story.centroid() if embedding is not None else None
        if centroid is not None and embedding is not None:
            score = self._blend(score, float(centroid @ embedding))
        return score * self._name_factor(_names(description) if names is None else names, story)

    def _blend(self, lexical: float, cosine: float) -> float:
        floor, weight = self.settings.dense_floor, self.settings.dense_weight
        dense = max(0.0, (cosine - floor) / (1.0 - floor))
        return (1.0 - weight) * lexical + weight * dense

    def _candidates(self, description: dict[str, float], embedding: np.ndarray | None) -> list[StoryProfile]:
        idf = self._idf
        cap = self.settings.posting_cap
        # A term that many hot stories share says little about which one an article belongs to, and reading its
        # long posting list would make the cost grow with the number of hot stories: such terms are not keys.
        postings = self._postings
        # (vote, term) and (votes, story) pairs compare as tuples: ties break on the term or the story id, so the
        # same stream gives the same stories whatever the hash seed.
        keys = [
            (weight * idf(term), term) for term, weight in description.items() if len(postings.get(term, ())) <= cap
        ]
        strongest = heapq.nlargest(self.settings.lookup_terms, keys)
        votes: defaultdict[str, float] = defaultdict(float)
        # Each story gets one vote per term, the terms in one order: the float sums are the same every run.
        for vote, term in strongest:
            for story_id in postings.get(term, ()):
                votes[story_id] += vote
        best = heapq.nlargest(self.settings.max_candidates, zip(votes.values(), votes.keys(), strict=True))
        found = [s for _, s in best]
        if embedding is not None:
            chosen = set(found)
            found += [s for s, _ in self._dense.nearest(embedding, self.settings.dense_candidates) if s not in chosen]
        return [self.stories[s] for s in found if s in self.stories]

    def _best_story(
        self, description: dict[str, float], moment: float | None, embedding: np.ndarray | None
    ) -> StoryProfile | None:
        threshold = self.settings.threshold if embedding is None else self.settings.dense_threshold
        best, best_score = None, threshold
        weighted, names = self._weighted(description), _names(description)
        for story in self._candidates(description, embedding):
            decay = self._decay(story.gap_days(moment))
            if decay < best_score:
                continue
            score = self._match(description, story, embedding, weighted, names) * decay
            if score >= best_score:
                best, best_score = story, score
        return best

    def _is_hot(self, story: StoryProfile) -> bool:
        if self._latest is None or story.last_seen is None:
            return True
        return (self._latest - story.last_seen) / DAY <= self.settings.hot_days

    def _cool_down(self) -> None:
        for story in [s for s in self.stories.values() if not self._is_hot(s)]:
            for term in story.terms:
                self._unpost(term, story.id)
            self._dense.remove(story.id)
            del self.stories[story.id]

    def _unpost(self, term: str, story_id: str) -> None:
        posting = self._postings.get(term)
        if posting is not None:
            posting.discard(story_id)
            if not posting:
                del self._postings[term]


def _add_terms(terms: dict[str, float], description: dict[str, float], keep: int) -> None:
    """Add an article's description to a sum of descriptions, trimmed to the strongest ``keep`` terms."""
    for term, weight in description.items():
        terms[term] = terms.get(term, 0.0) + weight
    if len(terms) > keep * 1.5:
        strongest = heapq.nlargest(keep, terms.items(), key=lambda item: item[1])
        terms.clear()
        terms.update(strongest)


def _widen(first: float | None, last: float | None, moment: float | None) -> tuple[float | None, float | None]:
    if moment is None:
        return first, last
    return (moment if first is None else min(first, moment)), (moment if last is None else max(last, moment))


def _encode_vector(vector: np.ndarray) -> str:
    return base64.b64encode(vector.astype("<f4").tobytes()).decode("ascii")


def _decode_vector(text: str | None) -> np.ndarray | None:
    return np.frombuffer(base64.b64decode(text), dtype="<f4").copy() if text else None


def _seconds(moment: datetime | None) -> float | None:
    if moment is None:
        return None
    if moment.tzinfo is None:  # a naive time is UTC here, as everywhere in newsloom
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _names(description: dict[str, float]) -> list[str]:
    """The people, places and organisations among an article's terms (``@`` terms)."""
    return [term for term in description if term.startswith("@")]
