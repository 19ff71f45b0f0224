"""The checker's own precision and recall, claim alignment, and speed, on stories written for the project.

Data (fictional outlets, places and people), in ``benchmarks/data``:

- ``checker_sources.jsonl``: four stories of 3-5 articles each in the article JSON-lines contract (plus a ``story``
  field), with a syndicated copy of a wire story in two of them and one disputed number in each;
- ``checker_sentences.jsonl``: 128 sentences labelled supported (verbatim, reworded, merged from two sources,
  shortened), unsupported (added facts, plausible but absent) or contradicted (changed number, date, place, name,
  negation, misquote), each with a note saying how it was written.

Figures: precision, recall and F1 per label and a confusion table for ``check_sentences``; for ``align_claims``,
gold pairs of source sentences that state one claim (or only share a topic) and the disputes each story holds;
speed of both on a 60-article story, as a cost relative to normalizing the same articles in this process.

Run ``python benchmarks/checker.py --help``; ``--write-docs`` records the figures in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from newsloom.analyze.checker import LABELS, CheckSettings, check_sentences, check_text
from newsloom.analyze.claims import ClaimSettings, align_claims
from newsloom.ingest.records import article_from_record
from newsloom.model import Article, Claim
from newsloom.normalize import normalize
from newsloom.syndication import SyndicationIndex
from throughput import add_write_docs_option

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "benchmarks" / "data"

# Gold for claim alignment: (story, words of one source sentence, words of another, same claim?). The "apart"
# pairs share the story's topic and words but state different facts.
GOLD_PAIRS: list[tuple[str, str, str, bool]] = [
    ("bridge", "About 40,000 vehicles cross", "normally carries about 40,000 vehicles", True),
    ("bridge", "was carrying 1,800 tonnes", "was carrying 2,100 tonnes", True),
    ("bridge", "Engineers found a crack", "the crack in the support pier was about two metres", True),
    ("bridge", "A grain barge struck the Tessel Bridge", "Tessel Bridge was shut following a barge collision", True),
    (
        "bridge",
        "Mayor Elena Varga said the bridge would stay closed",
        "inspectors from the regional roads agency",
        False,
    ),
    ("bridge", "Schools on the south bank", "The city council will hold an emergency session", False),
    ("bridge", "The harbour authority has opened an investigation", "No one was injured in the collision", False),
    ("budget", "approved a 212 million crown budget", "passed next year's budget on Monday evening", True),
    ("budget", "raises spending on public transport by 8 percent", "Transport spending will rise by 8 percent", True),
    ("budget", "14 million crowns to rebuild", "16 million crowns to rebuild", True),
    ("budget", "Tomas Reiner said the city would borrow", "borrowing would total 30 million crowns", True),
    ("budget", "Reading groups have met", "The council rejected a proposal", False),
    ("budget", "Ines Hartig, who voted against", "Ilves called the budget", False),
    ("fire", "and 19 workers were treated", "Fourteen workers were treated for smoke inhalation", True),
    ("fire", "said the fire started in a storage room", "The fire started in a storage room on the ground floor", True),
    ("fire", "employed 240 people", "pay all 240 mill workers", False),
    ("fire", "Police said there was no sign of arson", "Coburn said the building could not be saved", False),
    ("fire", "Residents of Brennick watched smoke", "closed the Harl road near the mill", False),
    ("envoy", "The talks lasted three hours", "The talks lasted four hours", True),
    ("envoy", "agreed to meet again in December", "a second round would take place in December", True),
    ("envoy", "Fishermen protested outside the government building", "About 300 fishermen gathered", True),
    ("envoy", "Velle arrived in Nordholm on Wednesday", "met Prime Minister Anton Ilias in Nordholm", False),
    ("envoy", "Ilias did not attend the press conference", "the talks had been", False),
]
# Each story's dispute: two source sentences that state one fact with conflicting values.
GOLD_DISPUTES = {
    "bridge": ("1,800 tonnes", "2,100 tonnes"),
    "budget": ("14 million crowns to rebuild", "16 million crowns to rebuild"),
    "fire": ("19 workers were treated", "Fourteen workers were treated"),
    "envoy": ("The talks lasted three hours", "The talks lasted four hours"),
}


def load_stories(path: Path) -> dict[str, list[Article]]:
    """Articles of each story, normalized and grouped into syndication groups as the pipeline does."""
    stories: dict[str, list[Article]] = defaultdict(list)
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            record = json.loads(line)
            stories[record["story"]].append(normalize(article_from_record(record, f"{path.name}:{number}")))
    for articles in stories.values():
        index = SyndicationIndex()
        for article in articles:
            index.assign(article)
    return dict(stories)


def load_sentences(path: Path) -> list[dict[str, str]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for row in rows:
        if row["label"] not in LABELS:
            raise ValueError(f"{path}: unknown label {row['label']!r} (expected one of {', '.join(LABELS)})")
    return rows


def evaluate_checker(
    stories: dict[str, list[Article]], rows: list[dict[str, str]], settings: CheckSettings | None = None
) -> tuple[Counter[tuple[str, str]], list[tuple[dict[str, str], str, str]]]:
    """Confusion counts (gold, predicted) and the misses with the checker's reason."""
    confusion: Counter[tuple[str, str]] = Counter()
    misses = []
    by_story: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        by_story[row["story"]].append(row)
    for story, story_rows in by_story.items():
        if story not in stories:
            raise ValueError(f"sentence for unknown story {story!r}")
        for row in story_rows:
            checked = check_sentences([row["text"]], stories[story], settings=settings).sentences[0]
            confusion[(row["label"], checked.label)] += 1
            if checked.label != row["label"]:
                misses.append((row, checked.label, checked.reason))
    return confusion, misses


def scores(confusion: Counter[tuple[str, str]]) -> dict[str, tuple[float, float, float, int]]:
    out = {}
    for label in LABELS:
        true_positive = confusion[(label, label)]
        predicted = sum(confusion[(gold, label)] for gold in LABELS)
        actual = sum(confusion[(label, guess)] for guess in LABELS)
        precision = true_positive / predicted if predicted else 0.0
        recall = true_positive / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[label] = (precision, recall, f1, actual)
    return out


def _claim_of(claims: list[Claim], fragment: str) -> int | None:
    for index, claim in enumerate(claims):
        if any(fragment in s.text for s in claim.statements):
            return index
    return None


def evaluate_claims(stories: dict[str, list[Article]], meaning: str = "") -> dict[str, Any]:
    """Pair accuracy against GOLD_PAIRS, disputes found, and claim counts per label (``meaning``: the encoder that
    links near misses, "" for words alone)."""
    settings = ClaimSettings(meaning=meaning)
    claims_by_story = {story: align_claims(articles, settings=settings) for story, articles in stories.items()}
    together = apart = together_right = apart_right = 0
    wrong: list[str] = []
    for story, first, second, same in GOLD_PAIRS:
        claims = claims_by_story[story]
        a, b = _claim_of(claims, first), _claim_of(claims, second)
        if a is None or b is None:
            raise ValueError(f"gold pair fragment not found among {story}'s statements: {first!r} / {second!r}")
        if same:
            together += 1
            together_right += a == b
        else:
            apart += 1
            apart_right += a != b
        if (a == b) != same:
            wrong.append(f"{story}: {first!r} / {second!r} should be {'one claim' if same else 'apart'}")
    disputes_found = 0
    for story, (first, second) in GOLD_DISPUTES.items():
        claims = claims_by_story[story]
        a, b = _claim_of(claims, first), _claim_of(claims, second)
        if a is not None and a == b and claims[a].label == "disputed" and len(claims[a].versions) == 2:
            disputes_found += 1
        else:
            wrong.append(f"{story}: dispute {first!r} / {second!r} not found")
    labels: Counter[str] = Counter(c.label for claims in claims_by_story.values() for c in claims)
    extra_disputes = labels["disputed"] - disputes_found
    return {
        "together": (together_right, together),
        "apart": (apart_right, apart),
        "disputes": (disputes_found, len(GOLD_DISPUTES)),
        "extra_disputes": extra_disputes,
        "labels": labels,
        "wrong": wrong,
    }


def scaled_story(stories: dict[str, list[Article]], size: int, seed: int) -> list[Article]:
    """A big story for timing: the source articles copied with other numbers, in new syndication-free copies."""
    rng = random.Random(seed)
    pool = [a for articles in stories.values() for a in articles]
    out = []
    for index in range(size):
        base = pool[index % len(pool)]
        text = re.sub(r"\b\d+\b", lambda m: str(int(m.group(0)) + rng.randint(0, 3)), base.text)
        sentences = text.split(". ")
        rng.shuffle(sentences)
        body = ". ".join(sentences)
        while len(body.split()) < 600:  # about 25 sentences per article
            body += " " + ". ".join(rng.sample(sentences, len(sentences)))
        out.append(Article(id=f"scaled-{index}", title=base.title, text=body, outlet=f"Outlet {index}", language="en"))
    return out


def measure_speed(stories: dict[str, list[Article]], size: int, seed: int) -> list[tuple[str, int, float, str]]:
    raw = scaled_story(stories, size, seed)
    started = time.perf_counter()
    articles = [normalize(a) for a in raw]
    baseline = time.perf_counter() - started
    statements = sum(min(25, len(a.sentences)) for a in articles)
    started = time.perf_counter()
    claims = align_claims(articles)
    aligning = time.perf_counter() - started
    text = " ".join(a.sentences[3] for a in articles[:30])
    started = time.perf_counter()
    check_text(text, articles)
    checking = time.perf_counter() - started
    return [
        ("normalize the articles (baseline)", len(articles), baseline, "articles"),
        (f"align_claims ({statements:,} sentences -> {len(claims):,} claims)", len(articles), aligning, "articles"),
        ("check_text, 30 sentences against the story", 30, checking, "sentences"),
    ]


def _git_head() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
        return out.stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def report(args: argparse.Namespace) -> str:
    stories = load_stories(args.sources)
    rows = load_sentences(args.sentences)
    confusion, misses = evaluate_checker(stories, rows)
    per_label = scores(confusion)
    claims = evaluate_claims(stories)
    by_meaning = evaluate_claims(stories, meaning="minilm")
    speed = measure_speed(stories, args.articles, args.seed) if args.articles else []

    lines = [
        f"Run on {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}.",
        "",
        f"- Python {platform.python_version()}, {platform.platform()}",
        f"- newsloom git {_git_head()}; the checker's default: words, the support head, and MiniLM for a sentence "
        "in other words",
        f"- Command: `.venv/bin/python benchmarks/checker.py {' '.join(sys.argv[1:])}`".rstrip(),
        "",
        f"Checker on {len(rows)} labelled sentences over {len(stories)} stories "
        f"({sum(len(a) for a in stories.values())} articles):",
        "",
        "The checker's thresholds were tuned on these sentences: the figures are an upper estimate, not a "
        "held-out one.",
        "",
        "| label | precision | recall | F1 | sentences |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, (precision, recall, f1, count) in per_label.items():
        lines.append(f"| {label} | {precision:.2f} | {recall:.2f} | {f1:.2f} | {count} |")
    correct = sum(confusion[(label, label)] for label in LABELS)
    lines += [
        "",
        f"Accuracy {correct}/{len(rows)} ({correct / len(rows):.0%}). Confusion (rows: gold, columns: checker):",
    ]
    lines += ["", "| gold \\ checker | " + " | ".join(LABELS) + " |", "|---|" + "---:|" * len(LABELS)]
    for gold in LABELS:
        lines.append(f"| {gold} | " + " | ".join(str(confusion[(gold, guess)]) for guess in LABELS) + " |")
    by_note: Counter[str] = Counter()
    missed_note: Counter[str] = Counter()
    for row in rows:
        by_note[f"{row['label']}: {row['note']}"] += 1
    for row, _, _ in misses:
        missed_note[f"{row['label']}: {row['note']}"] += 1
    lines += [
        "",
        "Right by kind of sentence: "
        + "; ".join(f"{note} {by_note[note] - missed_note[note]}/{by_note[note]}" for note in sorted(by_note))
        + ".",
    ]
    together, apart, disputes = claims["together"], claims["apart"], claims["disputes"]
    labels = claims["labels"]
    lines += [
        "",
        "Claim alignment (`align_claims`, words alone: the writer's default for a story in one language) against "
        "hand-labelled pairs of source sentences:",
        "",
        f"- same fact in other words, aligned into one claim: {together[0]}/{together[1]}",
        f"- same topic but different facts, kept apart: {apart[0]}/{apart[1]}",
        f"- disputes found with their two versions: {disputes[0]}/{disputes[1]}; "
        f"other claims labelled disputed: {claims['extra_disputes']}",
        f"- claims: {labels['corroborated']} corroborated, {labels['single-source']} single-source, "
        f"{labels['disputed']} disputed",
        f'- with MiniLM linking near misses (`[writer] meaning = "minilm"`): same fact in other words '
        f"{by_meaning['together'][0]}/{by_meaning['together'][1]}, kept apart "
        f"{by_meaning['apart'][0]}/{by_meaning['apart'][1]}",
    ]
    if speed:
        base = speed[0][2]
        lines += [
            "",
            f"Speed on a {args.articles}-article story (one run each; cost × baseline = time over the time to "
            "normalize the same articles):",
            "",
            "| step | items | seconds | rate | cost × baseline |",
            "|---|---:|---:|---:|---:|",
        ]
        for name, items, seconds, unit in speed:
            lines.append(
                f"| {name} | {items} | {seconds:.2f} | {items / seconds:,.0f} {unit}/s | {seconds / base:.1f}× |"
            )
    text = "\n".join(lines)
    if args.show_misses:
        print("Misses:")
        for row, got, reason in misses:
            print(f"  [{row['story']}] {row['label']} -> {got} ({row['note']}): {row['text']}\n      {reason}")
        for line in claims["wrong"]:
            print("  claims:", line)
        print()
    return text


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sources", type=Path, default=DATA / "checker_sources.jsonl")
    parser.add_argument("--sentences", type=Path, default=DATA / "checker_sentences.jsonl")
    parser.add_argument("--articles", type=int, default=60, help="size of the story timed (0: no timing)")
    parser.add_argument("--seed", type=int, default=20310304)
    parser.add_argument("--show-misses", action="store_true", help="print every sentence the checker got wrong")
    add_write_docs_option(parser, "checker")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    text = report(args)
    print(text)
    if args.write_docs:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from throughput import write_docs

        write_docs(args.write_docs, text, name="checker", heading="Checker")
        print(f"\nwrote the checker section of {args.write_docs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
