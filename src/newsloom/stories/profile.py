"""A story as the clusterer holds it: its terms, its core and latest reports, its embedding, and the index of
stories by embedding."""

from __future__ import annotations

import base64
import heapq
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

DAY = 86400.0


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
        add_terms(self.terms, description, keep)
        if vector is not None:
            self.vector = vector.astype(np.float32) if self.vector is None else self.vector + vector
        self.count += 1
        if article_id is not None:
            self.ids.append(article_id)
        self.first_seen, self.last_seen = widen(self.first_seen, self.last_seen, moment)

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
    languages: set[str] = field(default_factory=set)  # the languages its reports are in (when known)
    words: int = 0  # words read of its reports, summed (each report's up to ``text_terms``; 0: not known)
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
        language: str | None = None,
        words: int = 0,
    ) -> None:
        if language:
            self.languages.add(language)
        self.words += words
        if vector is not None:
            self.vector = vector.astype(np.float32) if self.vector is None else self.vector + vector
        add_terms(self.terms, description, keep)
        self.articles += 1
        self.first_seen, self.last_seen = widen(self.first_seen, self.last_seen, moment)
        if self.core.count < core_size:
            self.core.add(None, description, moment, vector, segment_terms)
            self.settled = widen(*self.settled, moment)
        elif core_size:
            self.tail.add(article_id, description, moment, vector, segment_terms)
        self.forget_weights()

    # -- the cache of IDF-weighted terms: this class alone reads and resets it --------------------------------------
    @property
    def weighed_at(self) -> int:
        """How many documents the stream had when the weighted terms were computed (-1: to compute again)."""
        return self._norm_docs

    @property
    def weights(self) -> tuple[dict[str, float], float]:
        """The IDF-weighted terms in use and their norm."""
        return self._weighted, self._norm

    def weigh(self, weighted: dict[str, float], norm: float, documents: int) -> None:
        """Keep the weighted terms computed when the stream had ``documents`` documents."""
        self._weighted, self._norm, self._norm_docs = weighted, norm, documents

    def reweigh(self, weighted: dict[str, float], documents: int) -> None:
        """Replace the weights of some terms only (the norm moves by the change in their squares: the story's
        other terms are not summed again)."""
        square = self._norm * self._norm
        for term, weight in weighted.items():
            previous = self._weighted.get(term)
            if previous is not None:
                square -= previous * previous
            square += weight * weight
            self._weighted[term] = weight
        self._norm = math.sqrt(square) if square > 0 else 1.0
        self._norm_docs = documents

    def forget_weights(self) -> None:
        """The terms changed: the weights and the count of names are computed again when next asked for."""
        self._norm_docs = -1
        self._names = -1

    def name_count(self) -> int:
        """How many of the story's terms are names."""
        if self._names < 0:
            self._names = sum(1 for t in self.terms if t.startswith("@"))
        return self._names

    def settle(self) -> None:
        """The tail tells the story's event: it becomes part of the story for good."""
        for moment in (self.tail.first_seen, self.tail.last_seen):
            self.settled = widen(*self.settled, moment)
        self.tail = Segment()

    def gap_days(self, moment: float | None) -> float:
        """Days between a time and the span of the story's reports (0 inside it or when either is unknown)."""
        if moment is None or self.first_seen is None or self.last_seen is None:
            return 0.0
        if moment < self.first_seen:
            return (self.first_seen - moment) / DAY
        return max(0.0, moment - self.last_seen) / DAY

    def mean_words(self) -> float:
        """Words read of a report of the story, on average (0 when not known: a story stored before they were)."""
        return self.words / self.articles if self.articles else 0.0

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
        if self.languages:
            state["languages"] = sorted(self.languages)
        if self.words:
            state["words"] = self.words
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
            languages=set(state.get("languages", ())),
            words=int(state.get("words", 0)),
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


def add_terms(terms: dict[str, float], description: dict[str, float], keep: int) -> None:
    """Add an article's description to a sum of descriptions, trimmed to the strongest ``keep`` terms."""
    for term, weight in description.items():
        terms[term] = terms.get(term, 0.0) + weight
    if len(terms) > keep * 1.5:
        strongest = heapq.nlargest(keep, terms.items(), key=lambda item: item[1])
        terms.clear()
        terms.update(strongest)


def widen(first: float | None, last: float | None, moment: float | None) -> tuple[float | None, float | None]:
    if moment is None:
        return first, last
    return (moment if first is None else min(first, moment)), (moment if last is None else max(last, moment))


def _encode_vector(vector: np.ndarray) -> str:
    return base64.b64encode(vector.astype("<f4").tobytes()).decode("ascii")


def _decode_vector(text: str | None) -> np.ndarray | None:
    return np.frombuffer(base64.b64decode(text), dtype="<f4").copy() if text else None
