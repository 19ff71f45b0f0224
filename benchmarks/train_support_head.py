"""Train the checker's support head (src/newsloom/analyze/support_head.json) and say how well it holds on data it
did not see.

The head is a logistic regression over the support signs of ``newsloom.analyze.support``, fitted with numpy
(Newton's method, L2). Training data, read where it lives and never copied into the repository:

- ``faith_dev`` under ``--shared`` (see its README.md): model summaries of CNN/Daily Mail and BBC articles judged
  consistent or not by people, from SummaC's validation cut (Laban et al., TACL 2022; tingofurro/summac,
  Apache-2.0) of FactCC (BSD-3), Polytope (no licence stated), SummEval (MIT) and XSumFaith (no licence stated).
  The head keeps only 14 weights, a bias and a threshold: no text of these sets is in it.
- ``benchmarks/data/checker_sentences.jsonl``: the project's own 128 labelled sentences over fictional stories.

Labels are per summary; the head scores sentences. Every sentence of a consistent summary is a positive and a
one-sentence inconsistent summary a negative; an inconsistent summary of several sentences gives as a negative its
sentence the first fit scores lowest (one round of multiple-instance learning). Each data set weighs the same, and
each class within it. The threshold maximises the mean balanced accuracy over the data sets (a summary is flagged
when any sentence falls below it).

How it holds: each data set in turn is left out, the head and its threshold fitted on the others, and its balanced
accuracy measured on the one left out ("leave one set out"); the shipped head is then fitted on all of them.

    python benchmarks/train_support_head.py [--shared ../shared/data] [--write-docs] [--dry-run]
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from _datasets import DEFAULT_SHARED
from faithfulness import SUBSETS, balanced_accuracy, load_cases, load_source
from newsloom.analyze.checker import CheckSettings, check_sentences
from newsloom.analyze.support import FEATURES, HEAD_PATH, SupportHead
from throughput import add_write_docs_option

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "benchmarks" / "data"
PROJECT = "project"
L2 = 1.0
RULES = CheckSettings(head=False)


@dataclass
class Sentence:
    group: str  # the data set
    case: str  # the summary (or the project's sentence) it belongs to
    consistent: bool  # the case's label
    sentences_in_case: int
    signs: NDArray[np.float64]


def faith_sentences(shared: Path) -> list[Sentence]:
    folder = shared / "faith_dev"
    cases = load_cases(folder)
    by_source: dict[str, list] = defaultdict(list)
    for case in cases:
        by_source[case.source_id].append(case)
    out = []
    for done, (source_id, group) in enumerate(by_source.items(), 1):
        report = check_sentences(
            [s for c in group for s in c.sentences], load_source(folder, source_id), settings=RULES
        )
        position = 0
        for case in group:
            for checked in report.sentences[position : position + len(case.sentences)]:
                signs = np.array([checked.signs[name] for name in FEATURES])
                out.append(Sentence(case.subset, case.id, not case.flagged_by_people, len(case.sentences), signs))
            position += len(case.sentences)
        if done % 200 == 0:
            print(f"  faith_dev: {done:,}/{len(by_source):,} articles", file=sys.stderr, flush=True)
    return out


def project_sentences() -> list[Sentence]:
    from checker import load_sentences, load_stories

    stories = load_stories(DATA / "checker_sources.jsonl")
    labelled = load_sentences(DATA / "checker_sentences.jsonl")
    out = []
    for story, articles in stories.items():
        mine = [s for s in labelled if s["story"] == story]
        report = check_sentences([s["text"] for s in mine], articles, settings=RULES)
        for number, (entry, checked) in enumerate(zip(mine, report.sentences, strict=True)):
            signs = np.array([checked.signs[name] for name in FEATURES])
            out.append(Sentence(PROJECT, f"{story}-{number}", entry["label"] == "supported", 1, signs))
    return out


# The direction some signs may push the probability: a name, number or date the sources lack, or a conflict with
# them, can only hurt. Should the fit weigh one of these the other way (it stands in for another sign it moves
# with), it is left out and the rest refitted. The signs of how much is found move together and are left free.
DIRECTION = {
    "cover": 0, "similarity": 0, "joined_cover": 0, "pooled_cover": 0, "novel": 0, "names_absent": -1,
    "numbers_absent": -1, "together": 0, "number_conflict": -1, "date_conflict": -1, "name_conflict": -1,
    "negation_conflict": -1, "quote_conflict": -1, "terms": 0,
}  # fmt: skip


def fit(rows: Sequence[Sentence], negatives: Sequence[Sentence] = ()) -> tuple[NDArray, NDArray, NDArray]:
    """Weigh each data set and class alike, fit, and refit without any sign weighed against its direction."""
    used = np.ones(len(FEATURES), dtype=bool)
    while True:
        mean, scale, beta = _fit(rows, negatives, used)
        wrong = [i for i, name in enumerate(FEATURES) if used[i] and beta[i] * DIRECTION[name] < 0]
        if not wrong:
            return mean, scale, beta
        used[max(wrong, key=lambda i: abs(beta[i]))] = False


def _fit(
    rows: Sequence[Sentence], negatives: Sequence[Sentence], used: NDArray[np.bool_]
) -> tuple[NDArray, NDArray, NDArray]:
    """Standardise, weigh each data set and class alike, and fit by Newton's method; (mean, scale, coefficients),
    with a coefficient of 0 for each sign not ``used``."""
    chosen = [r for r in rows if r.consistent or r.sentences_in_case == 1] + list(negatives)
    x = np.array([r.signs for r in chosen])
    y = np.array([1.0 if r.consistent and r not in negatives else 0.0 for r in chosen])
    weight = np.ones(len(chosen))
    keys = [(r.group, label) for r, label in zip(chosen, y, strict=True)]
    for key in set(keys):
        members = np.array([k == key for k in keys])
        weight[members] = 1.0 / members.sum()
    weight *= len(chosen) / weight.sum()
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = np.hstack([(x - mean) / scale * used, np.ones((len(x), 1))])
    beta = np.zeros(z.shape[1])
    penalty = L2 * np.diag(np.r_[np.ones(z.shape[1] - 1), 0.0])
    for _ in range(60):
        p = 1.0 / (1.0 + np.exp(-z @ beta))
        gradient = z.T @ (weight * (p - y)) + penalty @ beta
        hessian = (z * (weight * p * (1 - p))[:, None]).T @ z + penalty
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return mean, scale, beta


def probabilities(model: tuple[NDArray, NDArray, NDArray], rows: Sequence[Sentence]) -> NDArray:
    mean, scale, beta = model
    z = np.hstack([(np.array([r.signs for r in rows]) - mean) / scale, np.ones((len(rows), 1))])
    return np.asarray(1.0 / (1.0 + np.exp(-z @ beta)))


def fit_with_weakest(rows: Sequence[Sentence]) -> tuple[NDArray, NDArray, NDArray]:
    """Fit, then add the weakest sentence of each inconsistent summary of several sentences as a negative."""
    model = fit(rows)
    cases: dict[str, list[Sentence]] = defaultdict(list)
    for r in rows:
        if not r.consistent and r.sentences_in_case > 1:
            cases[r.case].append(r)
    weakest = [group[int(np.argmin(probabilities(model, group)))] for group in cases.values()]
    return fit(rows, weakest)


def case_scores(
    model: tuple[NDArray, NDArray, NDArray], rows: Sequence[Sentence]
) -> dict[str, tuple[str, bool, float]]:
    """Each case: its data set, whether people called it consistent, and its weakest sentence's probability."""
    out: dict[str, tuple[str, bool, float]] = {}
    for row, p in zip(rows, probabilities(model, rows), strict=True):
        group, consistent, lowest = out.get(row.case, (row.group, row.consistent, 1.0))
        out[row.case] = (group, consistent, min(lowest, float(p)))
    return out


def accuracy_at(scores: dict[str, tuple[str, bool, float]], threshold: float, group: str) -> float:
    pairs = [(not consistent, p < threshold) for g, consistent, p in scores.values() if g == group]
    return balanced_accuracy(pairs)


def best_threshold(scores: dict[str, tuple[str, bool, float]], groups: Sequence[str]) -> float:
    grid = np.linspace(0.05, 0.95, 181)
    means = [np.mean([accuracy_at(scores, t, g) for g in groups]) for t in grid]
    return float(grid[int(np.argmax(means))])


def leave_one_out(rows: Sequence[Sentence], groups: Sequence[str]) -> dict[str, tuple[float, float]]:
    """Each data set's balanced accuracy from a head and threshold fitted without it; (accuracy, threshold)."""
    out = {}
    for held in groups:
        train = [r for r in rows if r.group != held]
        model = fit_with_weakest(train)
        threshold = best_threshold(case_scores(model, train), [g for g in groups if g != held])
        test = [r for r in rows if r.group == held]
        out[held] = (accuracy_at(case_scores(model, test), threshold, held), threshold)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="folder holding faith_dev/")
    parser.add_argument("--dry-run", action="store_true", help="report, but do not write the head")
    add_write_docs_option(parser, "support-head")
    args = parser.parse_args(argv)

    rows = faith_sentences(args.shared) + project_sentences()
    groups = [*SUBSETS, PROJECT]
    held = leave_one_out(rows, groups)
    model = fit_with_weakest(rows)
    scores = case_scores(model, rows)
    threshold = best_threshold(scores, groups)
    mean, scale, beta = model
    head = SupportHead(
        tuple(float(v) for v in mean),
        tuple(float(v) for v in scale),
        tuple(float(v) for v in beta[:-1]),
        float(beta[-1]),
        round(threshold, 4),
        "faith_dev (SummaC validation cut: FactCC, Polytope, SummEval, XSumFaith) and "
        "benchmarks/data/checker_sentences.jsonl; benchmarks/train_support_head.py",
    )
    lines = [
        "Command: `python benchmarks/train_support_head.py --write-docs`",
        "",
        f"{len(rows):,} sentences of {len({r.case for r in rows}):,} summaries and labelled sentences.",
        "",
        "| data set | left out: balanced accuracy | threshold chosen without it | fitted on all: balanced accuracy |",
        "|---|---:|---:|---:|",
    ]
    for group in groups:
        accuracy, chosen = held[group]
        lines.append(f"| {group} | {accuracy:.3f} | {chosen:.3f} | {accuracy_at(scores, threshold, group):.3f} |")
    faith_mean = np.mean([held[g][0] for g in SUBSETS])
    lines.append(
        f"| mean of faith_dev's four | **{faith_mean:.3f}** | | "
        f"{np.mean([accuracy_at(scores, threshold, g) for g in SUBSETS]):.3f} |"
    )
    lines += ["", f"Shipped head: threshold {threshold:.3f}; weights (standardised signs):", ""]
    lines += [", ".join(f"{name} {w:+.2f}" for name, w in zip(FEATURES, head.weights, strict=True))]
    text = "\n".join(lines)
    print(text)
    if not args.dry_run:
        head.save(HEAD_PATH)
        print(f"\nwrote {HEAD_PATH.relative_to(REPO)}")
    if args.write_docs:
        from throughput import write_docs

        write_docs(args.write_docs, text, name="support-head", heading="The checker's support head")
        print(f"wrote the support-head section of {args.write_docs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
