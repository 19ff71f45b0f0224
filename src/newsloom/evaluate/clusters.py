"""Story clustering measured against gold labels: a stream in file order, the clusterer, and agreement figures.

``evaluate_stream`` runs articles through the same stages as ``newsloom cluster`` (normalize, syndication, stories)
and compares the stories found with the gold labels: B-cubed and pairwise precision/recall/F1, NMI, ARI, the number
of stories found against gold, and the speed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsloom.config import Settings
from newsloom.drivers.pipeline import Pipeline, assign_stories, normalize_all
from newsloom.embeddings import Encoder
from newsloom.evaluate.metrics import (
    BCubed,
    PairCounts,
    adjusted_rand_index,
    bcubed,
    normalized_mutual_information,
    pairwise,
)
from newsloom.ingest.files import read_file
from newsloom.model import Article, Rejected


class GoldError(ValueError):
    """A gold file that cannot be used; the message says where and why."""


def read_gold(path: Path | str) -> dict[str, str]:
    """Gold labels from JSON lines ``{"id", "label"}``; labels may be numbers or strings."""
    gold: dict[str, str] = {}
    source = Path(path)
    with source.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                item, label = record["id"], record["label"]
            except (json.JSONDecodeError, KeyError, TypeError) as error:
                raise GoldError(f'{source}:{number}: not a {{"id", "label"}} line ({error})') from None
            gold[str(item)] = str(label)
    if not gold:
        raise GoldError(f"{source}: no gold labels")
    return gold


def read_stream(path: Path | str) -> tuple[list[Article], list[Rejected]]:
    """The articles of a file in file order (not yet normalized), and what could not be read."""
    articles: list[Article] = []
    rejected: list[Rejected] = []
    for item in read_file(Path(path)):
        (rejected if isinstance(item, Rejected) else articles).append(item)  # type: ignore[arg-type]
    return articles, rejected


@dataclass
class ClusterReport:
    """Agreement of the stories found with the gold labels, and the cost of finding them."""

    bcubed: BCubed
    pairwise: PairCounts
    nmi: float
    ari: float
    stories: int
    gold_stories: int
    articles: int
    seconds: float
    unlabelled: int = 0  # articles the gold file does not label (left out of the figures)
    predicted: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def articles_per_second(self) -> float:
        return self.articles / self.seconds if self.seconds > 0 else float("inf")

    def to_json(self) -> dict[str, Any]:
        return {
            "bcubed": {"precision": self.bcubed.precision, "recall": self.bcubed.recall, "f1": self.bcubed.f1},
            "pairwise": {
                "precision": self.pairwise.precision,
                "recall": self.pairwise.recall,
                "f1": self.pairwise.f1,
            },
            "nmi": self.nmi,
            "ari": self.ari,
            "stories": self.stories,
            "gold_stories": self.gold_stories,
            "articles": self.articles,
            "unlabelled": self.unlabelled,
            "seconds": round(self.seconds, 3),
            "articles_per_second": round(self.articles_per_second, 1),
        }


def score_stories(predicted: Mapping[str, str], gold: Mapping[str, str], seconds: float = 0.0) -> ClusterReport:
    """The figures for a finished assignment of articles to stories."""
    labelled = {item: story for item, story in predicted.items() if item in gold}
    if not labelled:
        raise GoldError("no article of the stream has a gold label: do the ids of the two files match?")
    return ClusterReport(
        bcubed=bcubed(labelled, gold),
        pairwise=pairwise(labelled, gold),
        nmi=normalized_mutual_information(labelled, gold),
        ari=adjusted_rand_index(labelled, gold),
        stories=len(set(labelled.values())),
        gold_stories=len({gold[item] for item in labelled}),
        articles=len(predicted),
        seconds=seconds,
        unlabelled=len(predicted) - len(labelled),
        predicted=dict(predicted),
    )


def evaluate_stream(
    articles: Iterable[Article | Rejected],
    gold: Mapping[str, str],
    settings: Settings | None = None,
    progress: Callable[[int], None] | None = None,
    encoder: Encoder | None = None,
) -> ClusterReport:
    """Run a stream through the stories stage in order and score the stories found against ``gold``."""
    predicted: dict[str, str] = {}
    pipeline = Pipeline(settings, encoder=encoder)
    articles = list(articles)
    # The model loads before the clock starts: articles/s is the stage's pace.
    pipeline.desk.choose_encoder(normalize_all(articles[: pipeline.settings.batch_size])[0])
    started = time.perf_counter()
    for item in assign_stories(articles, pipeline=pipeline):
        if isinstance(item, Article) and item.story_id:
            predicted[item.id] = item.story_id
        if progress:
            progress(1)
    # After merges and splits: where each article's story is at the end of the stream.
    final = {item: pipeline.desk.story_now(item, story) for item, story in predicted.items()}
    return score_stories(final, gold, time.perf_counter() - started)
