"""Clustering agreement between a system's stories and gold labels."""

from __future__ import annotations

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
