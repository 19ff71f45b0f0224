"""How strongly the sources stand behind a statement: a few measurable signs, weighed by a small trained head.

The rules of ``newsloom.analyze.checker`` say where a statement's words, names and numbers are found and where the
sources conflict with it. Words found are not yet a fact stated: a summary can take every word from the article
and still put a name on the wrong deed, and a faithful paraphrase can share few words with its source. The head
weighs the signs together:

- ``cover``, ``similarity``: how much of the statement the closest source sentence states, and how alike they are;
- ``joined_cover``, ``pooled_cover``: the same for two adjacent source sentences, and for the few sentences that
  together state most of it;
- ``novel``: the share of its content (IDF-weighted) that the story never mentions;
- ``names_absent``, ``numbers_absent``: names, and numbers or dates, that no source states;
- ``together``: of the pairs of its rarest words that the story does use, the share used together (in one sentence
  or two adjacent ones): a name taken from one paragraph and a deed from another fall apart here;
- ``*_conflict``: a number, date, name or place, negation or quote of a source sentence on the same claim that
  disagrees;
- ``terms``: how much the statement says.

The head is a logistic regression over these signs (``support_head.json`` beside this module), trained by
``benchmarks/train_support_head.py`` on human judgments of news summaries (faith_dev, SummaC's validation cut) and
on the project's own labelled sentences; that script says where the data comes from and how the figures were
measured. It gives the probability that people would call the statement consistent with the sources; the checker
calls a statement supported from ``threshold`` up.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from newsloom.analyze.compare import Facts, Relation, SentenceMatcher, name_stated

FEATURES: tuple[str, ...] = (
    "cover",
    "similarity",
    "joined_cover",
    "pooled_cover",
    "novel",
    "names_absent",
    "numbers_absent",
    "together",
    "number_conflict",
    "date_conflict",
    "name_conflict",
    "negation_conflict",
    "quote_conflict",
    "terms",
)
HEAD_PATH = Path(__file__).with_name("support_head.json")
_ANCHORS = 6  # the statement's rarest words whose pairs are looked for together


@dataclass(frozen=True)
class StoryText:
    """What the support signs need of the sources, computed once per check: each sentence's facts, in order."""

    facts: tuple[Facts, ...]  # the articles' own sentences (no joined pairs), in reading order
    article_of: tuple[str, ...]  # the article of each

    @cached_property
    def terms(self) -> frozenset[str]:
        return frozenset().union(*(f.terms for f in self.facts))

    @cached_property
    def windows(self) -> list[frozenset[str]]:
        """The terms of each sentence with those of the next sentence of the same article (computed once a check,
        not once a sentence)."""
        out = []
        for i, facts in enumerate(self.facts):
            following = i + 1 < len(self.facts) and self.article_of[i + 1] == self.article_of[i]
            out.append(facts.terms | self.facts[i + 1].terms if following else facts.terms)
        return out


def support_signs(
    statement: Facts,
    found: Sequence[tuple[Relation, bool]],
    pooled_cover: float,
    against: Sequence[Relation],
    story: StoryText,
    matcher: SentenceMatcher,
) -> dict[str, float]:
    """The signs of one statement: ``found`` holds its closest source sentences (with whether each joins two),
    ``pooled_cover`` what the best few state together, ``against`` the aligned ones that conflict with it."""
    single = [r for r, joined in found if not joined]
    weights = {t: matcher.weight(t) for t in statement.terms}
    total = sum(weights.values()) or 1.0
    story_terms = story.terms
    anchors = [t for t in sorted(weights, key=lambda t: (-weights[t], t)) if t in story_terms][:_ANCHORS]
    pairs = list(itertools.combinations(anchors, 2))
    windows = story.windows
    together = sum(any(a in w and b in w for w in windows) for a, b in pairs) / len(pairs) if pairs else 1.0
    absent_names = [n for n in statement.names if not any(name_stated(n, f) for f in story.facts)]
    absent_numbers = [
        q for q in statement.quantities if not any(q.agrees_with(x) for f in story.facts for x in f.quantities)
    ]
    absent_dates = [
        d for d in statement.dates if not d.startswith("month:") and all(d not in f.dates for f in story.facts)
    ]
    kinds = {c.kind for relation in against for c in relation.conflicts}
    return {
        "cover": max((r.covers for r in single), default=0.0),
        "similarity": max((r.similarity for r, _ in found), default=0.0),
        "joined_cover": max((r.covers for r, _ in found), default=0.0),
        "pooled_cover": pooled_cover,
        "novel": sum(w for t, w in weights.items() if t not in story_terms) / total,
        "names_absent": math.log1p(len(absent_names)),
        "numbers_absent": math.log1p(len(absent_numbers) + len(absent_dates)),
        "together": together,
        "number_conflict": float("number" in kinds),
        "date_conflict": float("date" in kinds),
        "name_conflict": float(bool(kinds & {"name", "place"})),
        "negation_conflict": float("negation" in kinds),
        "quote_conflict": float("quote" in kinds),
        "terms": math.log1p(len(statement.terms)),
    }


@dataclass(frozen=True)
class SupportHead:
    """A logistic regression over the support signs: standardised signs, weights, a bias, and the threshold."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float
    trained_on: str = ""

    def probability(self, signs: Mapping[str, float]) -> float:
        """The probability that people would call the statement consistent with the sources."""
        z = self.bias + sum(
            w * (signs[name] - m) / s
            for name, m, s, w in zip(FEATURES, self.mean, self.scale, self.weights, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))

    def to_json(self) -> dict[str, Any]:
        return {
            "features": list(FEATURES),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "weights": list(self.weights),
            "bias": self.bias,
            "threshold": self.threshold,
            "trained_on": self.trained_on,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SupportHead:
        if tuple(data.get("features", ())) != FEATURES:
            raise ValueError(f"the support head was trained on other signs: {data.get('features')}")
        return cls(
            tuple(map(float, data["mean"])),
            tuple(map(float, data["scale"])),
            tuple(map(float, data["weights"])),
            float(data["bias"]),
            float(data["threshold"]),
            str(data.get("trained_on", "")),
        )

    def save(self, path: Path = HEAD_PATH) -> None:
        path.write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")


@lru_cache(maxsize=4)
def load_head(path: Path = HEAD_PATH) -> SupportHead:
    """The head shipped with newsloom (or another one saved by the training script)."""
    return SupportHead.from_json(json.loads(path.read_text(encoding="utf-8")))
