"""Clustering agreement between a system's stories and gold labels."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class BCubed:
    precision: float
    recall: float
    f1: float


def bcubed(predicted: Mapping[str, str], gold: Mapping[str, str]) -> BCubed:
    """B-cubed precision, recall and F1 over the items both mappings label (Bagga and Baldwin, 1998)."""
    items = [item for item in gold if item in predicted]
    if not items:
        raise ValueError("no item is labelled in both the prediction and the gold standard")
    pair_counts: Counter[tuple[str, str]] = Counter((predicted[i], gold[i]) for i in items)
    predicted_sizes: Counter[str] = Counter(predicted[i] for i in items)
    gold_sizes: Counter[str] = Counter(gold[i] for i in items)
    precision = recall = 0.0
    for (cluster, label), together in pair_counts.items():
        # Each of the `together` items shares its cluster and its label with `together` items (itself included).
        precision += together * together / predicted_sizes[cluster]
        recall += together * together / gold_sizes[label]
    precision /= len(items)
    recall /= len(items)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return BCubed(precision, recall, f1)


def groups(assignment: Mapping[str, str]) -> dict[str, list[str]]:
    """Items by the label they were given."""
    out: dict[str, list[str]] = defaultdict(list)
    for item, label in assignment.items():
        out[label].append(item)
    return dict(out)


@dataclass(frozen=True)
class PairCounts:
    """Precision, recall and F1 over all pairs of items: a pair is right when both sides put it together."""

    precision: float
    recall: float
    f1: float


@dataclass(frozen=True)
class _Table:
    """Counts of items by (story found, gold label), and by each side alone."""

    together: Counter[tuple[str, str]]
    predicted: Counter[str]
    gold: Counter[str]
    total: int


def _contingency(predicted: Mapping[str, str], gold: Mapping[str, str]) -> _Table:
    items = [item for item in gold if item in predicted]
    if not items:
        raise ValueError("no item is labelled in both the prediction and the gold standard")
    return _Table(
        Counter((predicted[i], gold[i]) for i in items),
        Counter(predicted[i] for i in items),
        Counter(gold[i] for i in items),
        len(items),
    )


def _pairs(count: int) -> int:
    return count * (count - 1) // 2


def pairwise(predicted: Mapping[str, str], gold: Mapping[str, str]) -> PairCounts:
    """Pairwise precision, recall and F1 over all pairs of articles both mappings label."""
    table = _contingency(predicted, gold)
    both = sum(_pairs(n) for n in table.together.values())
    predicted_pairs = sum(_pairs(n) for n in table.predicted.values())
    gold_pairs = sum(_pairs(n) for n in table.gold.values())
    # With no pair on a side, that side makes no pairing mistake.
    precision = both / predicted_pairs if predicted_pairs else 1.0
    recall = both / gold_pairs if gold_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PairCounts(precision, recall, f1)


def adjusted_rand_index(predicted: Mapping[str, str], gold: Mapping[str, str]) -> float:
    """The Rand index corrected for chance (Hubert and Arabie, 1985): 1 is perfect, about 0 is chance."""
    table = _contingency(predicted, gold)
    total = table.total
    index = sum(_pairs(n) for n in table.together.values())
    sum_predicted = sum(_pairs(n) for n in table.predicted.values())
    sum_gold = sum(_pairs(n) for n in table.gold.values())
    expected = sum_predicted * sum_gold / _pairs(total) if total > 1 else 0.0
    maximum = (sum_predicted + sum_gold) / 2
    if maximum == expected:
        return 1.0 if index == expected else 0.0
    return (index - expected) / (maximum - expected)


def normalized_mutual_information(predicted: Mapping[str, str], gold: Mapping[str, str]) -> float:
    """Mutual information over the arithmetic mean of the two entropies (scikit-learn's default)."""
    table = _contingency(predicted, gold)
    total, predicted_sizes, gold_sizes = table.total, table.predicted, table.gold

    def entropy(sizes: Counter[str]) -> float:
        return -sum(n / total * math.log(n / total) for n in sizes.values())

    mutual = sum(
        together / total * math.log(together * total / (predicted_sizes[cluster] * gold_sizes[label]))
        for (cluster, label), together in table.together.items()
    )
    mean_entropy = (entropy(predicted_sizes) + entropy(gold_sizes)) / 2
    if mean_entropy <= 0.0:
        return 1.0  # one cluster on both sides
    return max(0.0, min(1.0, mutual / mean_entropy))
