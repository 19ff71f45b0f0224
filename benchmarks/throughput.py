"""Throughput and story quality of the ingest path, on a scaled synthetic stream and on real data when present.

Two datasets, each measured in this process and run:

- a synthetic stream (10,000 articles by default) made from the fictional demo corpus in ``examples/demo``: every
  article is a perturbed copy of a demo article, placed in a *variant* of its demo event (other people and places,
  other numbers, another date), so the stream spans many weeks and holds thousands of distinct events with gold
  labels;
- giveme5w1h (383 real articles, 69 events), read from the shared data folder; skipped with a message when absent.

For each, four timings: reading + JSON parsing + ``normalize`` (the baseline), ``assign_stories`` (no store),
``Pipeline.ingest`` into a fresh SQLite file without briefs, and ``Pipeline.write_briefs`` for every story. Speeds
are printed as articles (or briefs) per second and as a cost relative to the baseline, which travels better between
machines than a raw rate. Story quality is B-cubed precision, recall and F1 against the gold labels.

Run ``python benchmarks/throughput.py --help``; ``--write-docs`` records the figures in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import random
import re
import shlex
import subprocess
import sys
import tempfile
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import newsloom
from newsloom import Article, Pipeline, Settings, StoryClusterer, assign_stories, open_store, read_file
from newsloom.drivers.pipeline import normalize_all
from newsloom.evaluate.metrics import BCubed, bcubed
from newsloom.store import Store
from newsloom.text.language import detect_language

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "examples" / "demo"
DEFAULT_SHARED = REPO.parent / "shared" / "data"
DEFAULT_DOCS = REPO / "docs" / "benchmarks.md"
STREAM_START = datetime(2025, 1, 6, tzinfo=UTC)

# -- the synthetic stream ------------------------------------------------------------------------------------------

# The proper names of the demo corpus (people, places, organisations, teams), never written in lower case there.
# Outlet names (Meridian Wire, The Lakeshore Courier, ...) are left alone: the same outlets cover every event.
DEMO_NAMES = (
    "Alder Northshore Northside Quay Velmora Quarry Brightfold Carrow Linden Kaldoria Vestavia Ostrenia Sella Kyrava "
    "Harl Kestrel Tessel Dunmere Tarn Northgate Greyhaven Nordholm Halvik Sorrel Brennick Tarvel Orla Teska Valmora "
    "Veren Norrland Rovers Elena Varga Tobias Renn Marcus Hale Sofia Amari Stefan Witkowski Karen Lovett Dana Mirek "
    "Pavel Roszak Lidia Aranov Jonas Feld Oskar Lind Hanna Petrik Mira Sandor Viktor Hallam Kross Anja Ferris Ada "
    "Brennan Peter Maddox Hugo Falk Brandt Varley Orvald Rhea Coburn Anton Ilias Teo Marsh Dario Lenz Petra Novak "
    "Marta Velle Nadia Quill Kessel Farid Osei Tomas Reiner Daniel Voss Agnes Morrow Greta Sorensen Lena Hartig Ines "
    "Konrad Ilves Corin Vale Maren Hollis Isolde Brandvik Ruth Lise Amundal Clara Fenn "
    # The distinctive word of a place or party named with common words ("Mill Lane", "Civic Renewal").
    "Harbor Falls Mill Market Lower Civic Renewal Alliance Salt Orchard Playhouse Highlands Pier Basin"
).split()
# The machine-translated demo copy spells names its own way; a variant respells the new name alike.
ALIASES = {
    "Vitkovsky": "Witkowski",
    "Lovet": "Lovett",
    "Kirava": "Kyrava",
    "Sela": "Sella",
    "Kharl": "Harl",
    "Vestavija": "Vestavia",
    "Ostrenija": "Ostrenia",
    "Mirekova": "Mirek",
    "Rozhak": "Roszak",
}
DEMONYMS = {"Kaldorian": "Kaldoria", "Vestavian": "Vestavia", "Ostrenian": "Ostrenia"}
NAME_HEADS = (
    "Al Bar Bel Cor Dal Dor Es Fal Gor Hal Is Jar Kel Lor Mar Nor Os Pel Quin Ros Sal Tor Ul Vel Wen Yar Zel".split()
)
NAME_MIDDLES = ("", "a", "e", "i", "o", "an", "er", "ol", "ur", "is")
NAME_TAILS = "ada bek dora en holm ia ik ka lin mont na ora ova ric sund ton vik wyn ster grad".split()
# 5,400 made-up names: two events rarely share one by chance, as two real events in different places rarely do.
SYNONYMS = {
    "announced": "unveiled",
    "officials": "authorities",
    "residents": "locals",
    "injured": "hurt",
    "destroyed": "gutted",
    "began": "started",
    "warned": "cautioned",
    "plan": "scheme",
    "homes": "houses",
    "agreement": "deal",
    "workers": "staff",
    "jobs": "posts",
    "large": "big",
    "city": "town",
    "roads": "streets",
    "investigation": "inquiry",
    "closed": "shut",
    "crack": "fracture",
    "evacuated": "cleared",
    "council": "assembly",
    "expected": "due",
    "hospital": "clinic",
    "spokeswoman": "spokesperson",
    "spokesman": "spokesperson",
    "damage": "harm",
    "confirmed": "verified",
    "quickly": "swiftly",
    "reported": "said",
    "water": "supply",
    "vote": "ballot",
}
ARTICLE_REWORD = 0.15  # share of the other synonym-bearing words one outlet's copy rewords
VARIANT_DROP = 0.25  # share of the sentences after the lead that a variant leaves out
MONTHS = "January February March April May June July August September October November December".split()

_CAPITALISED_WORD = re.compile(r"\b[A-Z][A-Za-z]+\b")
_NUMBER = re.compile(r"(?<![\w.,:])(\d{1,3}(?:,\d{3})+|\d{2,})(?![\w:]|[.,]\d)")
_SENTENCE_BREAK = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"\u201d]))\s+(?=[\"\u201cA-Z])")
_SYNONYM = re.compile(r"\b(" + "|".join(SYNONYMS) + r")\b", re.IGNORECASE)


@dataclass(frozen=True)
class DemoArticle:
    record: dict[str, Any]
    label: str
    offset: timedelta  # after the first report of its event


@dataclass(frozen=True)
class Variant:
    """One synthetic event: a demo event retold with other names, numbers and words, at another time."""

    label: str
    number: int
    names: dict[str, str]
    synonyms: frozenset[str]  # the words this event's reporters always put otherwise
    number_factor: float
    start: datetime

    def leaves_out(self, sentence: str) -> bool:
        """Whether this retelling drops the sentence; decided by its text, so wire copies drop it alike."""
        return zlib.crc32(f"{self.number}:{sentence}".encode()) < VARIANT_DROP * 2**32


def load_demo(folder: Path) -> dict[str, list[DemoArticle]]:
    """The demo articles by gold label, each with its time after the first report of its event."""
    labels = dict(_gold_pairs(folder / "gold.jsonl"))
    records = [json.loads(line) for line in (folder / "articles.jsonl").read_text(encoding="utf-8").splitlines()]
    first: dict[str, datetime] = {}
    for record in records:
        label = labels[record["id"]]
        moment = _parse_time(record["published"])
        first[label] = min(first.get(label, moment), moment)
    by_label: dict[str, list[DemoArticle]] = defaultdict(list)
    for record in records:
        label = labels[record["id"]]
        by_label[label].append(DemoArticle(record, label, _parse_time(record["published"]) - first[label]))
    return dict(by_label)


def make_variant(rng: random.Random, label: str, number: int, weeks: float) -> Variant:
    names: dict[str, str] = {}
    used: set[str] = set()
    for original in DEMO_NAMES:
        name = made_up_name(rng)
        while name in used:
            name = made_up_name(rng)
        used.add(name)
        names[original] = name
    for alias, original in ALIASES.items():
        names[alias] = respell(names[original])
    for demonym, place in DEMONYMS.items():
        names[demonym] = names[place] + ("n" if names[place].endswith("a") else "ian")
    synonyms = frozenset(word for word in SYNONYMS if rng.random() < 0.5)
    start = STREAM_START + timedelta(days=rng.uniform(0.0, weeks * 7.0))
    return Variant(f"{label}#{number:05d}", number, names, synonyms, rng.uniform(0.55, 1.8), start)


def made_up_name(rng: random.Random) -> str:
    return rng.choice(NAME_HEADS) + rng.choice(NAME_MIDDLES) + rng.choice(NAME_TAILS)


def respell(name: str) -> str:
    """How a machine translation might spell a name: one letter group changed."""
    for old, new in (("w", "v"), ("ck", "k"), ("c", "k"), ("y", "i"), ("ll", "l"), ("k", "kh")):
        if old in name[1:]:
            return name[0] + name[1:].replace(old, new, 1)
    return name + "a"


def rename(text: str, names: Mapping[str, str]) -> str:
    """Swap every demo name for the variant's, keeping ALL-CAPS datelines in capitals."""

    def swap(match: re.Match[str]) -> str:
        word = match.group(0)
        if word in names:
            return names[word]
        if word.isupper() and word.title() in names:
            return names[word.title()].upper()
        return word

    return _CAPITALISED_WORD.sub(swap, text)


def rescale(text: str, factor: float) -> str:
    """Multiply every number of two or more digits (years excepted) by the variant's factor."""

    def swap(match: re.Match[str]) -> str:
        raw = match.group(1)
        value = int(raw.replace(",", ""))
        if 1900 <= value <= 2100 and "," not in raw:
            return raw
        scaled = value * factor
        if scaled >= 100:
            step = 10 ** (len(str(int(scaled))) - 2)
            new = round(scaled / step) * step
        else:
            new = max(1, round(scaled))
        return f"{new:,}" if "," in raw else str(new)

    return _NUMBER.sub(swap, text)


def redate(text: str, moment: datetime) -> str:
    """The demo's March dates become the variant's month."""
    month = MONTHS[moment.month - 1]
    return re.sub(r"\bMar\.", month[:3] + ".", re.sub(r"\bMarch\b", month, text))


def reword(text: str, chosen: Callable[[str], bool]) -> str:
    """Replace the words that have a synonym, where ``chosen(word)`` says so."""

    def swap(match: re.Match[str]) -> str:
        word = match.group(0)
        if not chosen(word.lower()):
            return word
        other = SYNONYMS[word.lower()]
        return other[0].upper() + other[1:] if word[0].isupper() else other

    return _SYNONYM.sub(swap, text)


def split_text(text: str) -> list[list[str]]:
    """Paragraphs of sentences."""
    return [_SENTENCE_BREAK.split(p) for p in text.split("\n\n") if p.strip()]


def join_text(paragraphs: list[list[str]]) -> str:
    return "\n\n".join(" ".join(sentences) for sentences in paragraphs if sentences)


def abridge(text: str, variant: Variant) -> str:
    """The sentences after the lead that the variant keeps."""
    paragraphs = split_text(text)
    kept = [
        [s for i, s in enumerate(sentences) if (p, i) == (0, 0) or not variant.leaves_out(s)]
        for p, sentences in enumerate(paragraphs)
    ]
    return join_text(kept)


def reshuffle(text: str, rng: random.Random) -> str:
    """Drop one sentence after the lead (half the time) and swap two neighbouring sentences (a third of the time)."""
    paragraphs = split_text(text)
    if rng.random() < 0.5:
        places = [(p, s) for p, sentences in enumerate(paragraphs) for s in range(len(sentences)) if (p, s) != (0, 0)]
        if places:
            p, s = rng.choice(places)
            del paragraphs[p][s]
            paragraphs = [sentences for sentences in paragraphs if sentences]
    if rng.random() < 0.33:
        long_ones = [p for p, sentences in enumerate(paragraphs) if len(sentences) >= 2]
        if long_ones:
            sentences = paragraphs[rng.choice(long_ones)]
            s = rng.randrange(len(sentences) - 1)
            sentences[s], sentences[s + 1] = sentences[s + 1], sentences[s]
    return join_text(paragraphs)


def synthetic_article(demo: DemoArticle, variant: Variant, index: int, rng: random.Random) -> dict[str, Any]:
    record = demo.record
    published = variant.start + demo.offset + timedelta(minutes=rng.uniform(-60.0, 60.0))
    published = published.replace(second=0, microsecond=0)

    def retell(text: str) -> str:
        return redate(rescale(rename(text, variant.names), variant.number_factor), published)

    title = reword(retell(record["title"]), variant.synonyms.__contains__)
    text = reword(abridge(retell(record["text"]), variant), variant.synonyms.__contains__)
    text = reword(reshuffle(text, rng), lambda _: rng.random() < ARTICLE_REWORD)
    slug = "-".join(re.findall(r"[a-z0-9]+", title.lower())[:7])
    host = urlsplit(record["url"]).netloc
    return {
        "id": f"syn-{index:06d}",
        "title": title,
        "text": text,
        "url": f"https://{host}/{published:%Y/%m/%d}/{slug}-{index}",
        "source": record["source"],
        "published": published.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "language": record.get("language", "en"),
    }


def synthetic_stream(
    demo: Mapping[str, list[DemoArticle]], size: int, weeks: float, seed: int
) -> list[tuple[dict[str, Any], str]]:
    """``size`` perturbed demo articles with their gold labels, in publication order.

    Each variant of a demo event keeps each of its articles with probability 0.85 (at least one), so wire copies
    and follow-ups stay together and event sizes vary.
    """
    rng = random.Random(seed)
    labels = sorted(demo)
    stream: list[tuple[datetime, int, dict[str, Any], str]] = []
    number = 0
    while len(stream) < size:
        variant = make_variant(rng, rng.choice(labels), number, weeks)
        number += 1
        members = [a for a in demo[variant.label.split("#")[0]] if rng.random() < 0.85]
        for article in members or [rng.choice(demo[variant.label.split("#")[0]])]:
            if len(stream) == size:
                break
            record = synthetic_article(article, variant, len(stream), rng)
            stream.append((_parse_time(record["published"]), len(stream), record, variant.label))
    stream.sort(key=lambda entry: (entry[0], entry[1]))
    return [(record, label) for _, _, record, label in stream]


def write_stream(stream: list[tuple[dict[str, Any], str]], folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    articles, gold = folder / "articles.jsonl", folder / "gold.jsonl"
    with articles.open("w", encoding="utf-8") as out:
        for record, _ in stream:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    with gold.open("w", encoding="utf-8") as out:
        for record, label in stream:
            out.write(json.dumps({"id": record["id"], "label": label}) + "\n")
    return articles, gold


# -- measuring -----------------------------------------------------------------------------------------------------


@dataclass
class Quality:
    stories: int
    scores: BCubed
    largest_story: int


def quality(stories: Mapping[str, str], gold: Mapping[str, str]) -> Quality:
    sizes = Counter(stories.values())
    return Quality(len(sizes), bcubed(stories, gold), max(sizes.values(), default=0))


@dataclass
class Syndication:
    groups: int
    mixed_groups: int  # groups holding articles of more than one gold event
    articles_in_mixed: int


def syndication(groups: Mapping[str, str], gold: Mapping[str, str]) -> Syndication:
    labels: dict[str, set[str]] = defaultdict(set)
    for article_id, group in groups.items():
        if article_id in gold:
            labels[group].add(gold[article_id])
    mixed = {group for group, found in labels.items() if len(found) > 1}
    return Syndication(len(labels), len(mixed), sum(1 for group in groups.values() if group in mixed))


@dataclass
class Measurement:
    dataset: str
    articles: int
    gold_stories: int
    words: int
    baseline_runs: list[float]
    assign_seconds: float
    ingest_seconds: float
    brief_seconds: float
    briefs: int
    rejected: int
    without_store: Quality
    with_store: Quality
    clusterer_only: Quality
    syndication: Syndication

    @property
    def baseline(self) -> float:
        return min(self.baseline_runs)


def timed(work: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def read_and_normalize(path: Path) -> list[Article]:
    articles, _ = normalize_all(read_file(path))
    return articles


def clusterer_stories(path: Path, settings: Settings) -> dict[str, str]:
    """Article id -> story id from the story clusterer alone, wire copies not made to follow their group.

    A diagnostic: it tells the clusterer's own errors from those that syndication groups pass on to it. The hot
    stories cool down once a batch, as in ``Pipeline.ingest``.
    """
    clusterer = StoryClusterer(settings.cluster)
    out: dict[str, str] = {}
    articles, _ = normalize_all(read_file(path))
    for count, article in enumerate(articles, start=1):
        out[article.id] = clusterer.assign(article)
        if count % settings.batch_size == 0:
            clusterer.changes()
    return out


def stored_stories(store: Store) -> dict[str, str]:
    """Article id -> story id, as the store holds them."""
    out: dict[str, str] = {}
    offset = 0
    while page := store.stories(limit=500, offset=offset):
        for story in page:
            for article in store.story_articles(story.id):
                out[article.id] = story.id
        offset += len(page)
    return out


def measure(dataset: str, articles_path: Path, gold: dict[str, str], workdir: Path) -> Measurement:
    first_baseline, normalized = timed(lambda: read_and_normalize(articles_path))
    baseline_runs = [first_baseline]
    words = sum(len(article.text.split()) for article in normalized)

    assign_seconds, placed = timed(lambda: list(assign_stories(read_file(articles_path))))
    stories = {a.id: a.story_id or a.id for a in placed if isinstance(a, Article)}
    groups = {a.id: a.syndication_group or a.id for a in placed if isinstance(a, Article)}

    file_name = re.sub(r"\W+", "-", dataset)
    database = workdir / f"{file_name}.sqlite"
    for leftover in workdir.glob(f"{file_name}.sqlite*"):
        leftover.unlink()
    store = open_store(database)
    try:
        pipeline = Pipeline(Settings(), store)
        ingest_seconds, report = timed(lambda: pipeline.ingest(read_file(articles_path), write_briefs=False))
        brief_seconds, briefs = timed(pipeline.write_briefs)
        kept = stored_stories(store)
    finally:
        store.close()
    baseline_runs.append(timed(lambda: read_and_normalize(articles_path))[0])
    return Measurement(
        dataset=dataset,
        articles=report.added,
        gold_stories=len(set(gold.values())),
        words=words,
        baseline_runs=baseline_runs,
        assign_seconds=assign_seconds,
        ingest_seconds=ingest_seconds,
        brief_seconds=brief_seconds,
        briefs=briefs,
        rejected=report.rejected,
        without_store=quality(stories, gold),
        with_store=quality(kept, gold),
        clusterer_only=quality(clusterer_stories(articles_path, Settings()), gold),
        syndication=syndication(groups, gold),
    )


def warm_up() -> None:
    """Load what a first call would load (language model, compiled patterns) before any clock starts."""
    detect_language("A short English sentence to load the language model.")
    list(assign_stories(read_file(DEMO / "articles.jsonl")))


def profile_ingest(articles_path: Path, workdir: Path, top: int) -> None:
    """Print the functions with the most cumulative time while ingesting into a store and writing briefs."""
    store = open_store(workdir / "profile.sqlite")
    profiler = cProfile.Profile()
    try:
        pipeline = Pipeline(Settings(), store)
        profiler.enable()
        pipeline.ingest(read_file(articles_path), write_briefs=True)
        profiler.disable()
    finally:
        store.close()
    pstats.Stats(profiler, stream=sys.stdout).sort_stats(pstats.SortKey.CUMULATIVE).print_stats(top)


# -- reporting -----------------------------------------------------------------------------------------------------


def speed_table(results: list[Measurement]) -> str:
    rows = [
        "| dataset | stage | items | seconds | rate | cost × baseline |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for m in results:
        stages = [
            ("read + parse + normalize (baseline)", m.articles, m.baseline, "articles"),
            ("assign_stories, no store", m.articles, m.assign_seconds, "articles"),
            ("ingest into SQLite, no briefs", m.articles, m.ingest_seconds, "articles"),
            ("write briefs, every story", m.briefs, m.brief_seconds, "briefs"),
        ]
        for stage, items, seconds, unit in stages:
            rate = f"{items / seconds:,.0f} {unit}/s" if seconds > 0 else "-"
            ratio = f"{seconds / m.baseline:.1f}×" if m.baseline > 0 else "-"
            rows.append(f"| {m.dataset} | {stage} | {items:,} | {seconds:.2f} | {rate} | {ratio} |")
    return "\n".join(rows)


def quality_table(results: list[Measurement]) -> str:
    rows = [
        "| dataset | stories from | stories found | gold stories | largest story | B³ precision | B³ recall | B³ F1 |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for m in results:
        paths = (
            ("assign_stories", m.without_store),
            ("ingest (store)", m.with_store),
            ("clusterer alone (diagnostic)", m.clusterer_only),
        )
        for path, found in paths:
            s = found.scores
            rows.append(
                f"| {m.dataset} | {path} | {found.stories:,} | {m.gold_stories:,} | {found.largest_story:,} | "
                f"{s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} |"
            )
    return "\n".join(rows)


def notes(results: list[Measurement]) -> list[str]:
    out = []
    for m in results:
        runs = ", ".join(f"{r:.2f} s" for r in m.baseline_runs)
        spread = (max(m.baseline_runs) - min(m.baseline_runs)) / min(m.baseline_runs) if m.baseline > 0 else 0.0
        out.append(
            f"- {m.dataset}: baseline run before and after the other stages: {runs} ({spread:.0%} apart; "
            f"the faster is used). Syndication groups: {m.syndication.groups:,}, of which "
            f"{m.syndication.mixed_groups:,} (holding {m.syndication.articles_in_mixed:,} articles) mix articles of "
            f"more than one gold event. Articles have {m.words / max(1, m.articles):.0f} words of text on average; "
            f"briefs cover {m.articles / max(1, m.briefs):.1f} articles on average. "
            f"Rejected inputs: {m.rejected}."
        )
    return out


def environment(command: str) -> list[str]:
    cpus = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cpus
    lines = [
        f"- Python {platform.python_version()} ({platform.python_implementation()}), {platform.platform()}",
        f"- CPUs: {cpus} (usable by this process: {usable}); the benchmark runs in one process",
        f"- newsloom {newsloom.__version__}{_git_revision()}",
        f"- Command: `{command}`",
    ]
    peak = _peak_memory_mb()
    if peak is not None:
        lines.append(f"- Peak memory of the run: {peak:,.0f} MB")
    return lines


def _git_revision() -> str:
    try:
        found = subprocess.run(
            ["git", "describe", "--always", "--dirty"], cwd=REPO, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return ""
    return f" (git {found.stdout.strip()})"


def _peak_memory_mb() -> float | None:
    try:
        import resource
    except ImportError:  # not on Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def the_command() -> str:
    python = Path(sys.executable)
    try:
        shown = str(python.relative_to(Path.cwd()))
    except ValueError:
        shown = str(python)
    return shlex.join([shown, *sys.argv])


def report(results: list[Measurement], skipped: list[str], command: str, stream_note: str) -> str:
    parts = [
        f"Run on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        *environment(command),
        "",
        stream_note,
        "",
        "Speed (one run each; cost × baseline = the stage's time over the time to read, parse and normalize the "
        "same articles):",
        "",
        speed_table(results),
        "",
        "Stories against the gold labels:",
        "",
        quality_table(results),
        "",
        *notes(results),
        *[f"- {message}" for message in skipped],
    ]
    return "\n".join(parts)


def add_write_docs_option(parser: argparse.ArgumentParser, markers: str, default: Path = DEFAULT_DOCS) -> None:
    """``--write-docs [PATH]``: record the figures in the benchmarks page (or PATH), between the ``markers``."""
    parser.add_argument(
        "--write-docs",
        nargs="?",
        type=Path,
        const=default,
        metavar="PATH",
        help=f"record the figures in this page, between its {markers} markers (default {default})",
    )


def write_docs(path: Path, section: str, name: str = "throughput", heading: str = "Throughput") -> None:
    """Replace one benchmark's section of the benchmarks page (between its markers), or add it."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{section}\n{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n\n"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        after = rest.split(end, 1)[1]
        text = before + block + after
    else:
        text = text.rstrip("\n") + f"\n\n## {heading}\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _gold_pairs(path: Path) -> Iterator[tuple[str, str]]:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            entry = json.loads(line)
            yield entry["id"], entry["label"]


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--articles", type=int, default=10_000, help="size of the synthetic stream (default 10000)")
    parser.add_argument("--weeks", type=float, default=52.0, help="weeks the synthetic stream spans (default 52)")
    parser.add_argument("--seed", type=int, default=20260302, help="seed of the synthetic stream")
    parser.add_argument(
        "--shared", type=Path, default=DEFAULT_SHARED, help=f"folder holding giveme5w1h/ (default {DEFAULT_SHARED})"
    )
    parser.add_argument(
        "--workdir", type=Path, help="keep the synthetic stream and the SQLite files here (default: a temporary folder)"
    )
    add_write_docs_option(parser, "throughput")
    parser.add_argument(
        "--profile",
        type=int,
        metavar="N",
        help="instead of timing, profile ingest + briefs on the synthetic stream and print the top N functions",
    )
    args = parser.parse_args(argv)
    if args.articles < 1:
        parser.error("--articles must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = the_command()
    with tempfile.TemporaryDirectory(prefix="newsloom-bench-") as scratch:
        workdir = args.workdir or Path(scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        stream = synthetic_stream(load_demo(DEMO), args.articles, args.weeks, args.seed)
        articles_path, gold_path = write_stream(stream, workdir / "synthetic")
        events = len({label for _, label in stream})
        stream_note = (
            f"Synthetic stream: {len(stream):,} articles in {events:,} events over {args.weeks:g} weeks, "
            f"from the {sum(1 for _ in _gold_pairs(DEMO / 'gold.jsonl'))} demo articles (seed {args.seed}; "
            f"made in {time.perf_counter() - started:.1f} s, not counted)."
        )
        print(stream_note, flush=True)
        if args.profile:
            warm_up()
            profile_ingest(articles_path, workdir, args.profile)
            return 0

        warm_up()
        name = f"synthetic {len(stream) // 1000}k" if len(stream) >= 1000 else f"synthetic {len(stream)}"
        print(f"measuring {name} ...", flush=True)
        results = [measure(name, articles_path, dict(_gold_pairs(gold_path)), workdir)]

        skipped = []
        real = args.shared / "giveme5w1h"
        if (real / "articles.jsonl").is_file() and (real / "gold.jsonl").is_file():
            print("measuring giveme5w1h ...", flush=True)
            gold = dict(_gold_pairs(real / "gold.jsonl"))
            results.append(measure("giveme5w1h", real / "articles.jsonl", gold, workdir))
        else:
            skipped.append(
                f"giveme5w1h skipped: no articles.jsonl and gold.jsonl in {real} (give the data folder with --shared)"
            )
            print(skipped[-1], file=sys.stderr)

    section = report(results, skipped, command, stream_note)
    print()
    print(section)
    if args.write_docs:
        write_docs(args.write_docs, section)
        print(f"\nwrote {args.write_docs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
