"""The checker against people: news summaries judged consistent or not with their article (faith_dev).

Data: ``faith_dev`` under ``--shared`` (read, never copied): four subsets of the SummaC benchmark (FactCC, Polytope,
SummEval, XSumFaith), each case a model summary of a CNN/Daily Mail or BBC article with a human label. Each source's
summaries are checked in one call, as ``newsloom check CLAIMS.txt --against sources/ID.jsonl`` does: a summary counts
as supported only when every one of its sentences is. The positive class is "flagged" (unsupported); the figure is
balanced accuracy (the mean of the recall on each class), per subset and the mean over the four, beside the published
figures of SummaC-ZS and SummaC-Conv (their test cut, thresholds tuned on the validation cut these cases come from;
Polytope's published figures use SummaC's label, which is also reported here).

faith_dev is a development set: what is tuned on it is reported on held-out folds (``--folds``), each subset's
figure coming from settings chosen without it where a setting is chosen at all.

Run ``python benchmarks/faithfulness.py --help``; ``--write-docs`` records the figures in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from _datasets import DEFAULT_SHARED
from newsloom.analyze.checker import CheckReport, check_sentences
from newsloom.drivers.pipeline import normalize_all
from newsloom.ingest import read_file
from newsloom.model import Article
from throughput import add_write_docs_option

REPO = Path(__file__).resolve().parent.parent
SUBSETS = ("factcc", "polytope", "summeval", "xsumfaith")
# Balanced accuracy (%) on SummaC's test cut, from the data set's README (SummaC's "Main Results" notebook).
PUBLISHED = {
    "factcc": {"SummaC-ZS": 83.8, "SummaC-Conv": 89.5},
    "polytope": {"SummaC-ZS": 62.0, "SummaC-Conv": 62.7},
    "summeval": {"SummaC-ZS": 78.7, "SummaC-Conv": 81.7},
    "xsumfaith": {"SummaC-ZS": 58.4, "SummaC-Conv": 66.4},
}


@dataclass(frozen=True)
class Case:
    id: str
    source_id: str
    subset: str
    sentences: tuple[str, ...]
    flagged_by_people: bool  # label == unsupported
    flagged_by_summac: bool  # label_summac == unsupported


@dataclass
class Verdict:
    case: Case
    flagged: bool
    labels: tuple[str, ...]  # the checker's label of each sentence
    reasons: tuple[str, ...]


def load_cases(folder: Path, subsets: Sequence[str] = SUBSETS, limit: int = 0) -> list[Case]:
    path = folder / "cases.jsonl"
    if not path.is_file():
        raise SystemExit(f"{path}: not found (faith_dev lives under --shared; see its README.md)")
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        entry = json.loads(line)
        if entry["subset"] not in subsets:
            continue
        cases.append(
            Case(
                entry["id"],
                entry["source_id"],
                entry["subset"],
                tuple(s for s in entry["claim_sentences"] if s.strip()),
                entry["label"] == "unsupported",
                entry["label_summac"] == "unsupported",
            )
        )
    if limit:  # every subset keeps its share
        by_subset: dict[str, list[Case]] = defaultdict(list)
        for case in cases:
            by_subset[case.subset].append(case)
        cases = [c for group in by_subset.values() for c in group[: max(1, limit * len(group) // len(cases))]]
    return cases


def load_source(folder: Path, source_id: str) -> list[Article]:
    articles, _ = normalize_all(read_file(folder / "sources" / f"{source_id}.jsonl"))
    return articles


Checker = Callable[[list[str], list[Article]], CheckReport]


def run_checker(
    folder: Path, cases: Sequence[Case], checker: Checker = check_sentences, progress: bool = True
) -> tuple[list[Verdict], float]:
    """Every source's summaries checked in one call; the verdicts in case order and the seconds it took."""
    by_source: dict[str, list[Case]] = defaultdict(list)
    for case in cases:
        by_source[case.source_id].append(case)
    verdicts: dict[str, Verdict] = {}
    started = time.process_time()
    for done, (source_id, group) in enumerate(by_source.items(), 1):
        articles = load_source(folder, source_id)
        sentences = [s for case in group for s in case.sentences]
        report = checker(sentences, articles)
        position = 0
        for case in group:
            checked = report.sentences[position : position + len(case.sentences)]
            position += len(case.sentences)
            labels = tuple(s.label for s in checked)
            flagged = any(label != "supported" for label in labels)
            verdicts[case.id] = Verdict(case, flagged, labels, tuple(s.reason for s in checked))
        if progress and done % 100 == 0:
            print(f"  {done:,}/{len(by_source):,} sources", file=sys.stderr, flush=True)
    return [verdicts[c.id] for c in cases], time.process_time() - started


def balanced_accuracy(pairs: Sequence[tuple[bool, bool]]) -> float:
    """Mean recall of the two classes over (truth, prediction) pairs; a class with no case counts as recalled."""
    positives = [p for t, p in pairs if t]
    negatives = [not p for t, p in pairs if not t]
    recall_flagged = sum(positives) / len(positives) if positives else 1.0
    recall_kept = sum(negatives) / len(negatives) if negatives else 1.0
    return (recall_flagged + recall_kept) / 2


def scores(verdicts: Sequence[Verdict]) -> dict[str, dict[str, float]]:
    """Per subset: cases, balanced accuracy (people's label and SummaC's), share flagged, recall of each class."""
    out: dict[str, dict[str, float]] = {}
    for subset in SUBSETS:
        group = [v for v in verdicts if v.case.subset == subset]
        if not group:
            continue
        people = [(v.case.flagged_by_people, v.flagged) for v in group]
        out[subset] = {
            "cases": len(group),
            "balanced_accuracy": balanced_accuracy(people),
            "balanced_accuracy_summac": balanced_accuracy([(v.case.flagged_by_summac, v.flagged) for v in group]),
            "flagged": sum(v.flagged for v in group) / len(group),
            "recall_inconsistent": _recall([p for t, p in people if t]),
            "recall_consistent": _recall([not p for t, p in people if not t]),
        }
    return out


def _recall(hits: list[bool]) -> float:
    return sum(hits) / len(hits) if hits else float("nan")


def _git_head() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def report(verdicts: Sequence[Verdict], seconds: float, command: str) -> str:
    figures = scores(verdicts)
    sentences = sum(len(v.case.sentences) for v in verdicts)
    lines = [
        f"Run on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, newsloom git {_git_head()}, Python "
        f"{platform.python_version()}, {platform.machine()}.",
        "",
        f"- Command: `{command}`",
        f"- {len(verdicts):,} summaries ({sentences:,} sentences) of "
        f"{len({v.case.source_id for v in verdicts}):,} articles; {seconds:.1f} s of CPU "
        f"({1000 * seconds / max(1, sentences):.0f} ms a sentence).",
        "",
        "| subset | summaries | flagged | recall, inconsistent | recall, consistent | **balanced accuracy** | "
        "SummaC label | SummaC-ZS | SummaC-Conv |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for subset, f in figures.items():
        published = PUBLISHED[subset]
        lines.append(
            f"| {subset} | {f['cases']:,.0f} | {f['flagged']:.0%} | {f['recall_inconsistent']:.3f} | "
            f"{f['recall_consistent']:.3f} | **{f['balanced_accuracy']:.3f}** | {f['balanced_accuracy_summac']:.3f} | "
            f"{published['SummaC-ZS'] / 100:.3f} | {published['SummaC-Conv'] / 100:.3f} |"
        )
    if len(figures) == len(SUBSETS):
        mean = sum(f["balanced_accuracy"] for f in figures.values()) / len(figures)
        mean_summac = sum(f["balanced_accuracy_summac"] for f in figures.values()) / len(figures)
        zs = sum(p["SummaC-ZS"] for p in PUBLISHED.values()) / len(PUBLISHED) / 100
        conv = sum(p["SummaC-Conv"] for p in PUBLISHED.values()) / len(PUBLISHED) / 100
        lines.append(f"| mean of the four | | | | | **{mean:.3f}** | {mean_summac:.3f} | {zs:.3f} | {conv:.3f} |")
    return "\n".join(lines)


def show_misses(verdicts: Sequence[Verdict], folder: Path, limit: int) -> None:
    shown = 0
    for v in verdicts:
        if v.flagged == v.case.flagged_by_people:
            continue
        truth = "inconsistent" if v.case.flagged_by_people else "consistent"
        print(f"\n[{v.case.id}] people: {truth}; newsloom: {'flagged' if v.flagged else 'supported'}")
        for sentence, label, reason in zip(v.case.sentences, v.labels, v.reasons, strict=True):
            print(f"  {label:>12}  {sentence}\n                ({reason})")
        shown += 1
        if shown >= limit:
            break


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="folder holding faith_dev/")
    parser.add_argument("--subsets", default=",".join(SUBSETS), help="comma-separated subsets (default: all four)")
    parser.add_argument("--limit", type=int, default=0, help="about this many cases, every subset in its share")
    parser.add_argument("--show-misses", type=int, default=0, metavar="N", help="print N cases the checker got wrong")
    add_write_docs_option(parser, "faithfulness")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    folder = args.shared / "faith_dev"
    cases = load_cases(folder, tuple(args.subsets.split(",")), args.limit)
    print(f"checking {len(cases):,} summaries ...", file=sys.stderr)
    verdicts, seconds = run_checker(folder, cases)
    command = "python benchmarks/faithfulness.py " + " ".join(argv if argv is not None else sys.argv[1:])
    text = report(verdicts, seconds, command.strip())
    print(text)
    if args.show_misses:
        show_misses(verdicts, folder, args.show_misses)
    if args.write_docs:
        from throughput import write_docs

        write_docs(args.write_docs, text, name="faithfulness", heading="Checker against people (faith_dev)")
        print(f"\nwrote the faithfulness section of {args.write_docs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
