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

import heapq
import math
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import numpy as np

from newsloom.model import Article, StoryChanges
from newsloom.stories.profile import DAY, DenseIndex, Segment, StoryProfile, add_terms, widen
from newsloom.stories.settings import ClusterSettings
from newsloom.stories.terms import describe, description_names, story_id_for, words_read
from newsloom.text.dates import epoch_seconds

DEFAULT_FLOOR = 0.2  # what two unrelated reports score in an encoder's space, when it does not say


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
        # The embedding space the stories' vectors are in (the encoder's name) and what two unrelated reports score
        # there: set by the desk when it chooses the encoder, kept with the state.
        self.space: str | None = None
        self.dense_floor = DEFAULT_FLOOR if self.settings.dense_floor is None else self.settings.dense_floor

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
        embedding, when the stream comes with an encoder (see ``newsloom.embeddings``); ``description`` its
        ``describe``,
        when computed elsewhere (a Ray worker).
        """
        if description is None:
            description = describe(article, self.settings)
        moment = epoch_seconds(article.published)
        words = words_read(article, self.settings)
        self._learn_frequencies(description)
        follow = self.resolve(follow) if follow else None
        story = self.stories.get(follow) if follow else None
        if story is None and follow is None:
            story = self._best_story(description, moment, embedding, article.language, words)
        if story is None:
            story = StoryProfile(id=follow or story_id_for(article.id))
            self.stories[story.id] = story
        before = set(story.terms)
        weighed_at = story.weighed_at
        settings = self.settings
        story.add(
            description,
            moment,
            settings.story_terms,
            embedding,
            article_id=article.id,
            core_size=settings.split_core,
            segment_terms=settings.segment_terms,
            language=article.language,
            words=words,
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
            story.reweigh(weighted, weighed_at)
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
                score = self._blend(score, float(core.vector @ tail.vector / (a * b)), story.mean_words())
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
            languages=set(story.languages),
            words=round(story.mean_words() * tail.count),  # the tail's own lengths are not kept: the story's mean
        )
        story.words -= split.words
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
        story.forget_weights()
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
            across = story.languages and other.languages and not story.languages & other.languages
            words = (story.mean_words() + other.mean_words()) / 2
            score = self._across(float(a @ b)) if across else self._blend(score, float(a @ b), words)
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
        survivor.settled = widen(*widen(*survivor.settled, merged.settled[0]), merged.settled[1])
        before = set(survivor.terms)
        for term in merged.terms:
            self._unpost(term, merged.id)
        combined = dict(survivor.terms)
        add_terms(combined, merged.terms, self.settings.story_terms)
        survivor.terms = combined
        for term in combined.keys() - before:
            self._postings[term].add(survivor.id)
        for term in before - combined.keys():
            self._unpost(term, survivor.id)
        survivor.articles += merged.articles
        survivor.words += merged.words  # so the survivor's mean length is both stories' reports'
        survivor.languages |= merged.languages
        for moment in (merged.first_seen, merged.last_seen):
            if moment is not None:
                survivor.first_seen = moment if survivor.first_seen is None else min(survivor.first_seen, moment)
                survivor.last_seen = moment if survivor.last_seen is None else max(survivor.last_seen, moment)
        if merged.vector is not None:
            survivor.vector = merged.vector.copy() if survivor.vector is None else survivor.vector + merged.vector
        survivor.forget_weights()
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
        decay = self._decay(story.gap_days(epoch_seconds(article.published)))
        words = words_read(article, self.settings)
        return self._match(description, story, embedding, language=article.language, words=words) * decay

    def changes(self) -> StoryChanges:
        """The state to persist since the last call, and cool down stories that went quiet."""
        out = StoryChanges(
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

    def use_space(self, name: str, floor: float) -> None:
        """Stories are compared in this encoder's space, where two unrelated reports score about ``floor`` (the
        ``dense_floor`` setting, when given, wins)."""
        self.space = name
        if self.settings.dense_floor is None:
            self.dense_floor = floor

    def review_state(self) -> dict[str, Any]:
        """The second look's progress (articles since the last look, the stories the next one will see) and the
        embedding space the stories' vectors are in."""
        state: dict[str, Any] = {"since": self._since_review, "stories": sorted(self._to_review)}
        if self.space:
            state["space"] = self.space
        return state

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
        self.space = (review or {}).get("space") or self.space
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
        if story.weighed_at < 0 or self.documents > story.weighed_at * 1.1:
            story.weigh(*self._weighted(story.terms), self.documents)
            self._dirty_stories.add(story.id)  # the weights in use are part of the state to persist
        return story.weights

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
        story_names = story.name_count()
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
        language: str | None = None,
        words: float = 0.0,
    ) -> float:
        """The undecayed match score: term cosine, blended with the embedding cosine when both sides have one
        (``weighted`` and ``names``: the article's, when the caller has them already; ``words``: how many words of
        the article were read, which sets the embedding's share: see ``_blend``).

        An article in a language none of the story's reports is in shares no words with it but its names, and those
        are spelt otherwise or written in another script: there the embedding cosine alone decides."""
        centroid = story.centroid() if embedding is not None else None
        across = language is not None and story.languages and language not in story.languages
        if centroid is not None and embedding is not None and across:
            return self._across(float(centroid @ embedding))
        score = self._similarity(weighted or self._weighted(description), story)
        if centroid is not None and embedding is not None:
            score = self._blend(score, float(centroid @ embedding), words)
        return score * self._name_factor(description_names(description) if names is None else names, story)

    def _blend(self, lexical: float, cosine: float, words: float = 0.0) -> float:
        """The term cosine and the embedding cosine (rescaled from the floor) in one score, the embedding's share
        set by the length of the text (``words`` read of it: see ``dense_weight_full_text``)."""
        floor, weight = self.dense_floor, self._dense_weight(words)
        dense = max(0.0, (cosine - floor) / (1.0 - floor))
        return (1.0 - weight) * lexical + weight * dense

    def _dense_weight(self, words: float) -> float:
        """The embedding's share of the match for a text of that many words read: ``dense_weight`` up to what the
        encoder reads (``embedding_words``), ``dense_weight_full_text`` from what the terms read (``text_terms``),
        linear in between."""
        settings = self.settings
        short, full = settings.embedding_words, settings.text_terms
        if words <= short or full <= short:
            return settings.dense_weight
        share = min(1.0, (words - short) / (full - short))
        return settings.dense_weight + share * (settings.dense_weight_full_text - settings.dense_weight)

    def _across(self, cosine: float) -> float:
        """The match score of two sides in different languages: the embedding cosine alone, rescaled as in the
        blend, so that it meets the same threshold."""
        floor = self.dense_floor
        return max(0.0, (cosine - floor) / (1.0 - floor))

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
        self,
        description: dict[str, float],
        moment: float | None,
        embedding: np.ndarray | None,
        language: str | None = None,
        words: float = 0.0,
    ) -> StoryProfile | None:
        threshold = self.settings.threshold if embedding is None else self.settings.dense_threshold
        # A clear lead: a story that scores a little under the threshold but well above every other candidate is
        # the one (what a density view sees: the article's nearest story stands out from the rest).
        lead = self.settings.clear_lead
        low = threshold - self.settings.clear_reach if lead > 0 else threshold
        best, best_score, second_score = None, low, 0.0
        weighted, names = self._weighted(description), description_names(description)
        for story in self._candidates(description, embedding):
            decay = self._decay(story.gap_days(moment))
            # A score is at most its decay: skip a story that can neither lead nor take the lead away. (Scoring a story
            # refreshes its IDF weights, so skipping the same stories as before also keeps the same results.)
            if decay < best_score and (best_score >= threshold or decay <= best_score - lead):
                continue
            score = self._match(description, story, embedding, weighted, names, language, words) * decay
            if score >= best_score:
                if best is not None:
                    second_score = best_score
                best, best_score = story, score
            elif score > second_score:
                second_score = score
        if best is None or best_score >= threshold or best_score - second_score >= lead:
            return best
        return None

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
