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

import hashlib
import heapq
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from newsloom.model import Article
from newsloom.text.clean import strip_dateline
from newsloom.text.terms import content_terms, fold, is_title_case, names

DAY = 86400.0


@dataclass(frozen=True)
class ClusterSettings:
    """Knobs of the story clusterer; ``benchmarks/`` shows how the defaults were chosen."""

    threshold: float = 0.15  # lowest decayed cosine at which an article joins a story
    title_weight: float = 2.0  # a title word counts this many times a body word
    name_weight: float = 1.5  # a name counts this many times a body word
    text_terms: int = 400  # words read from the top of the body: the lead carries the event
    story_terms: int = 300  # terms kept per story description
    lookup_terms: int = 12  # the article's strongest terms used to find candidate stories
    max_candidates: int = 40
    grace_days: float = 2.0  # no time penalty within this gap
    decay_days: float = 7.0  # beyond the grace, the score falls by e every this many days...
    decay_floor: float = 0.6  # ...but never below this share: a strong match still joins across a long gap
    hot_days: float = 30.0  # stories not updated for longer leave the index
    unrelated_names: float = 0.6  # score factor when both sides name people or places and share none
    names_to_compare: int = 2  # names each side needs before a mismatch counts


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
class StoryProfile:
    """What the clusterer knows of a story."""

    id: str
    terms: dict[str, float] = field(default_factory=dict)
    articles: int = 0
    first_seen: float | None = None  # publication times, seconds since the epoch
    last_seen: float | None = None
    _norm: float = 0.0
    _norm_docs: int = -1

    def add(self, description: dict[str, float], moment: float | None, keep: int) -> None:
        for term, weight in description.items():
            self.terms[term] = self.terms.get(term, 0.0) + weight
        if len(self.terms) > keep * 1.5:
            self.terms = dict(heapq.nlargest(keep, self.terms.items(), key=lambda item: item[1]))
        self.articles += 1
        if moment is not None:
            self.first_seen = moment if self.first_seen is None else min(self.first_seen, moment)
            self.last_seen = moment if self.last_seen is None else max(self.last_seen, moment)
        self._norm_docs = -1

    def gap_days(self, moment: float | None) -> float:
        """Days between a time and the span of the story's reports (0 inside it or when either is unknown)."""
        if moment is None or self.first_seen is None or self.last_seen is None:
            return 0.0
        if moment < self.first_seen:
            return (self.first_seen - moment) / DAY
        return max(0.0, moment - self.last_seen) / DAY

    def to_state(self) -> dict[str, Any]:
        return {
            "terms": {t: round(w, 5) for t, w in self.terms.items()},
            "articles": self.articles,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
        }

    @classmethod
    def from_state(cls, story_id: str, state: dict[str, Any]) -> StoryProfile:
        return cls(
            id=story_id,
            terms=dict(state["terms"]),
            articles=state["articles"],
            first_seen=state.get("first_seen"),
            last_seen=state.get("last_seen"),
        )


@dataclass
class ClustererChanges:
    """What changed since the last ``changes()`` call: the rows a store must write to persist the clusterer."""

    documents: int
    latest: float | None
    document_frequency: dict[str, int]
    stories: dict[str, dict[str, Any]]


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

    # -- the verbs -------------------------------------------------------------------------------------------
    def assign(self, article: Article, follow: str | None = None) -> str:
        """The story the article belongs to; ``follow`` names a story it must join (a wire copy's story)."""
        description = describe(article, self.settings)
        moment = _seconds(article.published)
        self._learn_frequencies(description)
        story = self.stories.get(follow) if follow else None
        if story is None and follow is None:
            story = self._best_story(description, moment)
        if story is None:
            story = StoryProfile(id=follow or story_id_for(article.id))
            self.stories[story.id] = story
        before = set(story.terms)
        story.add(description, moment, self.settings.story_terms)
        for term in story.terms.keys() - before:
            self._postings[term].add(story.id)
        for term in before - story.terms.keys():  # dropped when the description was trimmed
            self._unpost(term, story.id)
        self._dirty_stories.add(story.id)
        if moment is not None and (self._latest is None or moment > self._latest):
            self._latest = moment
        article.story_id = story.id
        return story.id

    def score(self, article: Article, story_id: str) -> float:
        """How well an article matches a hot story (decayed cosine), for inspection and tests."""
        story = self.stories[story_id]
        description = describe(article, self.settings)
        decay = self._decay(story.gap_days(_seconds(article.published)))
        return self._similarity(description, story) * decay

    def changes(self) -> ClustererChanges:
        """The state to persist since the last call, and cool down stories that went quiet."""
        out = ClustererChanges(
            documents=self.documents,
            latest=self._latest,
            document_frequency={t: self.document_frequency[t] for t in self._dirty_terms},
            stories={s: self.stories[s].to_state() for s in self._dirty_stories if s in self.stories},
        )
        self._dirty_terms.clear()
        self._dirty_stories.clear()
        self._cool_down()
        return out

    def restore(
        self,
        documents: int,
        latest: float | None,
        document_frequency: dict[str, int],
        stories: Iterable[tuple[str, dict[str, Any]]],
    ) -> None:
        """Load a persisted state (the sum of all ``changes()``); cold stories are skipped."""
        self.documents = documents
        self._latest = latest
        self.document_frequency = dict(document_frequency)
        for story_id, state in stories:
            profile = StoryProfile.from_state(story_id, state)
            if self._is_hot(profile):
                self.stories[story_id] = profile
                for term in profile.terms:
                    self._postings[term].add(story_id)

    # -- inside ----------------------------------------------------------------------------------------------
    def _learn_frequencies(self, description: dict[str, float]) -> None:
        self.documents += 1
        frequency = self.document_frequency
        for term in description:
            frequency[term] = frequency.get(term, 0) + 1
        self._dirty_terms.update(description)

    def _idf(self, term: str) -> float:
        return math.log((1.0 + self.documents) / (1.0 + self.document_frequency.get(term, 0))) + 1.0

    def _story_norm(self, story: StoryProfile) -> float:
        # IDF drifts slowly; recompute a story's norm when it changed or the stream grew by a tenth.
        if story._norm_docs < 0 or self.documents > story._norm_docs * 1.1:
            idf = self._idf
            story._norm = math.sqrt(sum((w * idf(t)) ** 2 for t, w in story.terms.items())) or 1.0
            story._norm_docs = self.documents
        return story._norm

    def _similarity(self, description: dict[str, float], story: StoryProfile) -> float:
        idf = self._idf
        dot = 0.0
        article_norm = 0.0
        terms = story.terms
        for term, weight in description.items():
            squared = idf(term) ** 2
            article_norm += weight * weight * squared
            other = terms.get(term)
            if other is not None:
                dot += weight * other * squared
        if dot == 0.0:
            return 0.0
        return dot / (math.sqrt(article_norm) * self._story_norm(story))

    def _name_factor(self, description: dict[str, float], story: StoryProfile) -> float:
        """Two reports that both name people or places, and share none of them, are likely two events."""
        wanted = self.settings.names_to_compare
        names = [t for t in description if t.startswith("@")]
        if len(names) < wanted or any(t in story.terms for t in names):
            return 1.0
        story_names = sum(1 for t in story.terms if t.startswith("@"))
        return self.settings.unrelated_names if story_names >= wanted else 1.0

    def _decay(self, gap_days: float) -> float:
        excess = gap_days - self.settings.grace_days
        if excess <= 0:
            return 1.0
        return max(self.settings.decay_floor, math.exp(-excess / self.settings.decay_days))

    def _candidates(self, description: dict[str, float]) -> list[StoryProfile]:
        idf = self._idf
        strongest = heapq.nlargest(
            self.settings.lookup_terms, description.items(), key=lambda item: item[1] * idf(item[0])
        )
        votes: defaultdict[str, float] = defaultdict(float)
        for term, weight in strongest:
            for story_id in sorted(self._postings.get(term, ())):  # float sums in one order, every run
                votes[story_id] += weight * idf(term)
        # Ties break on the story id: the same stream gives the same stories whatever the hash seed.
        best = heapq.nlargest(self.settings.max_candidates, votes.items(), key=lambda item: (item[1], item[0]))
        return [self.stories[s] for s, _ in best if s in self.stories]

    def _best_story(self, description: dict[str, float], moment: float | None) -> StoryProfile | None:
        best, best_score = None, self.settings.threshold
        for story in self._candidates(description):
            decay = self._decay(story.gap_days(moment))
            if decay < best_score:
                continue
            score = self._similarity(description, story) * decay * self._name_factor(description, story)
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
            del self.stories[story.id]

    def _unpost(self, term: str, story_id: str) -> None:
        posting = self._postings.get(term)
        if posting is not None:
            posting.discard(story_id)
            if not posting:
                del self._postings[term]


def _seconds(moment: datetime | None) -> float | None:
    if moment is None:
        return None
    if moment.tzinfo is None:  # a naive time is UTC here, as everywhere in newsloom
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
