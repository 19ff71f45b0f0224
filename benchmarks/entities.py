"""Entities: how well ``same_entity`` tells spellings of one name from similar names, and how fast mentions come.

Three measurements:

- precision, recall and F1 of ``same_entity`` on ``benchmarks/data/entity_variants.jsonl``: variant pairs written for
  the project (transliterations, translations, titles and partial names, acronyms) with about 40% hard negatives
  (same surname and another first name, Austria / Australia, Kyiv / Kyivstar, a country and a person). Reported
  with and without the exonym table (Kiev / Kyiv, Peking / Beijing), which was written alongside the pairs and so
  is partly in-sample;
- a story written here (five fictional outlets, two of them one syndicated wire story, variant spellings): the
  entities ``resolve_entities`` finds, and who said what;
- speed of ``EntityRecognizer.mentions`` on giveme5w1h (383 real articles), as articles per second and as a cost
  relative to the bare spaCy pipeline run on the same whole texts in the same process.

Run ``python benchmarks/entities.py --help``; ``--write-docs`` records the figures in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import shlex
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from newsloom.analyze.entities import EntityRecognizer, name_similarity, resolve_entities
from newsloom.analyze.quotes import find_quotes, group_quotes
from newsloom.model import Article
from newsloom.text.sentences import split_sentences
from throughput import write_docs

REPO = Path(__file__).resolve().parent.parent
PAIRS = REPO / "benchmarks" / "data" / "entity_variants.jsonl"
DEFAULT_SHARED = REPO.parent / "shared" / "data"
DEFAULT_DOCS = REPO / "docs" / "benchmarks.md"
THRESHOLD = 0.85


def score_pairs(rows: list[dict[str, Any]], exonyms: bool = True) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    errors: list[str] = []
    for row in rows:
        similarity = name_similarity(row["a"], row["b"], row["kind"], exonyms=exonyms)
        predicted = similarity >= THRESHOLD
        outcome = ("tp" if row["same"] else "fp") if predicted else ("fn" if row["same"] else "tn")
        counts[outcome] += 1
        if outcome in ("fp", "fn"):
            errors.append(f"{outcome.upper()} {row['a']} / {row['b']} ({row['kind']}, {similarity:.2f}): {row['note']}")
    precision = counts["tp"] / max(1, counts["tp"] + counts["fp"])
    recall = counts["tp"] / max(1, counts["tp"] + counts["fn"])
    f1 = 2 * precision * recall / max(1e-9, precision + recall)
    return {"counts": counts, "precision": precision, "recall": recall, "f1": f1, "errors": errors}


def by_note(rows: list[dict[str, Any]]) -> list[str]:
    """Accuracy per kind of pair (the note before any colon)."""
    groups: dict[str, list[bool]] = {}
    for row in rows:
        right = (name_similarity(row["a"], row["b"], row["kind"]) >= THRESHOLD) == row["same"]
        groups.setdefault(row["note"].split(":")[0], []).append(right)
    return [f"| {note} | {len(r)} | {sum(r)} | {sum(r) / len(r):.0%} |" for note, r in sorted(groups.items())]


def story() -> list[Article]:
    """Five fictional outlets on one round of talks; a1 and a2 are one wire story syndicated twice."""
    wire = (
        "US special envoy Steve Witkoff met President Vladimir Putin in Moscow on Friday, Kremlin spokesman Dmitry "
        "Peskov said. \u201cWe are closer than ever to a deal,\u201d Witkoff told reporters in Kyiv."
    )
    return [
        Article("a1", outlet="Meridian Wire", syndication_group="g1", text=wire),
        Article("a2", outlet="Harbor Daily", syndication_group="g1", text=wire),
        Article(
            "a3",
            outlet="Translated Post",
            text="American envoy Steve Vitkov held talks with Putin in the Kremlin. Vitkov told journalists that the "
            "sides were closer than ever to a deal. Vitkov then travelled to Kiev, where Zelenskiy said Ukraine "
            "wanted peace. White House press secretary Karoline Levitt said the talks were useful.",
        ),
        Article(
            "a4",
            outlet="Northgate Times",
            text="Steve Vitkov's visit to Moscow ended on Friday. Peskov said Putin and Vitkov discussed a ceasefire. "
            '"We will fight for every village," Volodymyr Zelensky said in Kyiv. Karoline Leavitt told reporters '
            "that the president was hopeful.",
        ),
        Article(
            "a5",
            outlet="Lakeshore Courier",
            text='"We are closer than ever," said special envoy Steve Witkoff. President Volodymyr Zelenskyy said: '
            '"We will fight for every village." John Smith and Jane Smith, two aid workers, were released.',
        ),
    ]


def load_giveme(path: Path) -> list[Article]:
    articles = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            text = record.get("text") or ""
            articles.append(
                Article(str(record["id"]), title=record.get("title") or "", text=text, sentences=split_sentences(text))
            )
    return articles


def measure_speed(articles: list[Article], repeats: int) -> dict[str, float]:
    recognizer = EntityRecognizer()
    nlp = recognizer.nlp  # loaded before timing
    recognizer.mentions(articles[:5])
    bare, ours = [], []
    mentions = 0
    for _ in range(repeats):
        start = time.perf_counter()
        for _doc in nlp.pipe((a.text for a in articles), batch_size=64):
            pass
        bare.append(time.perf_counter() - start)
        start = time.perf_counter()
        mentions = len(recognizer.mentions(articles))
        ours.append(time.perf_counter() - start)
    resolve_start = time.perf_counter()
    found = recognizer.mentions(articles)
    mentions_time = time.perf_counter() - resolve_start
    start = time.perf_counter()
    resolve_entities(found, articles)
    resolve_time = time.perf_counter() - start
    return {
        "articles": len(articles),
        "mentions": mentions,
        "bare_rate": len(articles) / min(bare),
        "rate": len(articles) / min(ours),
        "cost": min(ours) / min(bare),
        "resolve_share": resolve_time / mentions_time,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the shared data folder (giveme5w1h)")
    parser.add_argument("--repeats", type=int, default=2, help="timing runs; the fastest counts (default 2)")
    parser.add_argument("--write-docs", action="store_true", help="write the figures into docs/benchmarks.md")
    parser.add_argument("--docs", type=Path, default=DEFAULT_DOCS, help="the benchmarks page to write")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")

    rows = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines() if line.strip()]
    with_table, without_table = score_pairs(rows), score_pairs(rows, exonyms=False)
    negatives = sum(not r["same"] for r in rows)
    lines = [
        f"Run {datetime.now(UTC).strftime('%Y-%m-%d')} on {platform.machine()}, Python {platform.python_version()}: "
        f"`{shlex.join(['python', 'benchmarks/entities.py', *(argv if argv is not None else sys.argv[1:])])}`",
        "",
        f"**Spellings** — `same_entity` on {len(rows)} labelled pairs written for the project "
        f"(`benchmarks/data/entity_variants.jsonl`, {negatives} hard negatives, {negatives / len(rows):.0%}):",
        "",
        "| | precision | recall | F1 | TP | FP | FN | TN |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label, result in (("with exonym table", with_table), ("without exonym table", without_table)):
        c = result["counts"]
        lines.append(
            f"| {label} | {result['precision']:.3f} | {result['recall']:.3f} | {result['f1']:.3f} | "
            f"{c['tp']} | {c['fp']} | {c['fn']} | {c['tn']} |"
        )
    lines += ["", "| pairs | n | right | accuracy |", "|---|---|---|---|", *by_note(rows), ""]
    lines += ["Errors (with the table):", ""] + [f"- {e}" for e in with_table["errors"]] + [""]

    articles = story()
    recognizer = EntityRecognizer()
    entities = resolve_entities(recognizer.mentions(articles), articles)
    lines += [
        "**A story written here** — five outlets, a1 and a2 one syndicated wire story; entities found "
        "(canonical, aliases, independent sources):",
        "",
    ]
    lines += [f"- {e.kind} **{e.canonical}** {e.aliases[1:]} — {e.independent_sources}" for e in entities]
    groups = group_quotes(find_quotes(articles, entities), articles)
    lines += ["", "Who said what (speaker, kind, words, independent sources):", ""]
    lines += [f"- {g.speaker_name} ({g.kind}): {g.text!r} — {g.independent_sources}" for g in groups]

    giveme = args.shared / "giveme5w1h" / "articles.jsonl"
    lines.append("")
    if giveme.exists():
        speed = measure_speed(load_giveme(giveme), args.repeats)
        lines += [
            f"**Speed** — `EntityRecognizer.mentions` on giveme5w1h ({speed['articles']:.0f} articles, "
            f"{speed['mentions']:.0f} mentions): {speed['rate']:.1f} articles/s; the bare spaCy pipeline "
            f"(same model, NER only, whole texts) {speed['bare_rate']:.1f} articles/s in the same process, so "
            f"mentions cost x{speed['cost']:.2f} of bare spaCy (sentence by sentence, known places, cleaning). "
            f"`resolve_entities` over all of them adds {speed['resolve_share']:.0%} of the mentions time.",
        ]
    else:
        lines.append(f"Speed skipped: {giveme} not found.")
    section = "\n".join(lines)
    print(section)
    if args.write_docs:
        write_docs(args.docs, section, name="entities", heading="Entities")
        print(f"\nwrote the entities section of {args.docs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
