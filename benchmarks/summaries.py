"""Quality of newsloom's brief as a summary: ROUGE against human-written summaries, beside classical baselines.

For each story of a multi-document summarization set (clusters of articles about one event, each with a
human-written summary), newsloom writes its brief with the word budget set to the reference length, and the brief
text (dek, then the body sentences, in order) is scored with ROUGE-1/2/L F (rouge_score, Porter stemmer) against
the human summary. Beside it, in the same process and on the same sentences (newsloom's own splitter, since sumy's
tokenizer needs NLTK data that cannot be downloaded here):

- lead: the first sentences of the first article ("lead-first"), and the first sentence of each article in turn,
  then the second of each... ("lead-round-robin"); the stronger of the two is reported as "lead";
- LexRank and TextRank from sumy, on sumy document objects built from newsloom's sentences;
- centroid: sentences closest to the TF-IDF centroid of the story, skipping near-repeats (written here).

Every system's text is cut to the same number of words. The brief's citation share (sentences with at least one
cited article) and, when ``newsloom.analyze.checker`` is installed, the share of its sentences that the checker
labels supported are printed too, with briefs per second against the time of normalizing the same articles.

Run ``python benchmarks/summaries.py --dataset multinews_dev`` (250 words), ``--dataset multinews_dev --words 100`` or
``--dataset wcep_small_mds`` (40 words); ``--write-docs`` records the table in docs/benchmarks.md between the
"summaries" markers (one section per set and budget).

Beside ROUGE it counts what an editor would: the fill rate (words printed / budget, and the share of briefs filling at
least 95% when the sources hold twice the budget), the share of briefs whose dek is the story's most central opening
statement (judged here, apart from the writer), deks and paragraphs opening on a pronoun, and "According to X"
sentences that another outlet also states (the statement matcher, ``newsloom.analyze.compare``).
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsloom.analyze.compare import SentenceMatcher
from newsloom.model import Article, Brief, Sentence
from newsloom.normalize import EmptyArticle, normalize
from newsloom.syndication import SyndicationIndex
from newsloom.text.clean import strip_dateline
from newsloom.text.terms import STOPWORDS, content_terms, words
from newsloom.write.extractive import write_brief
from newsloom.write.settings import WriterSettings
from throughput import add_write_docs_option

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SHARED = REPO.parent / "shared" / "data"
REFERENCE_WORDS = {"multinews_dev": 250, "wcep_small_mds": 40}


@dataclass
class StorySet:
    """One story of the set: its articles (normalized, with syndication groups) and the human summaries."""

    id: str
    articles: list[Article]
    references: list[str]


@dataclass
class Scores:
    rouge1: list[float] = field(default_factory=list)
    rouge2: list[float] = field(default_factory=list)
    rougeL: list[float] = field(default_factory=list)
    seconds: float = 0.0

    def mean(self, name: str) -> float:
        values: list[float] = getattr(self, name)
        return sum(values) / len(values) if values else 0.0


def load_set(folder: Path, limit: int | None = None) -> list[StorySet]:
    """The stories of a set in the shared data folder (clusters/*.jsonl and references.jsonl)."""
    references_path = folder / "references.jsonl"
    if not references_path.is_file():
        raise SystemExit(f"no references.jsonl in {folder}: pass --data-dir pointing at the shared data folder")
    references = {}
    for line in references_path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            references[row["id"]] = row["references"]
    out = []
    for story_id in sorted(references):
        path = folder / "clusters" / f"{story_id}.jsonl"
        if not path.is_file():
            continue
        articles = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            raw = Article(id=row["id"], title=row.get("title") or "", text=row.get("text") or "")
            raw.outlet = row.get("source")
            raw.language = row.get("language")
            articles.append(raw)
        out.append(StorySet(story_id, articles, references[story_id]))
        if limit and len(out) >= limit:
            break
    return out


def prepare(story: StorySet) -> list[Article]:
    """Normalized articles with syndication groups, as the pipeline hands them to the writer."""
    index = SyndicationIndex()
    prepared = []
    for article in story.articles:
        try:
            normalized = normalize(article)
        except EmptyArticle:
            continue
        index.assign(normalized)
        prepared.append(normalized)
    return prepared


def cut(sentences: Sequence[str], budget: int) -> str:
    """The sentences joined and cut to ``budget`` words, as ROUGE at a fixed length reads a summary."""
    return " ".join(" ".join(sentences).split()[:budget])


# -- the baselines --------------------------------------------------------------------------------------------------


def usable(sentence: str) -> bool:
    return len(sentence.split()) >= 4


def lead_first(articles: Sequence[Article], budget: int) -> list[str]:
    out: list[str] = []
    for article in articles:
        out.extend(s for s in article.sentences if usable(s))
        if sum(len(s.split()) for s in out) >= budget:
            break
    return out


def lead_round_robin(articles: Sequence[Article], budget: int) -> list[str]:
    columns = [[s for s in a.sentences if usable(s)] for a in articles]
    out: list[str] = []
    for depth in range(max((len(c) for c in columns), default=0)):
        for column in columns:
            if depth < len(column):
                out.append(column[depth])
        if sum(len(s.split()) for s in out) >= budget:
            break
    return out


def story_sentences(articles: Sequence[Article]) -> list[str]:
    """Every usable sentence of the story once, in article order."""
    seen: set[str] = set()
    out = []
    for article in articles:
        for sentence in article.sentences:
            if usable(sentence) and sentence not in seen:
                seen.add(sentence)
                out.append(sentence)
    return out


class _Tokenizer:
    """sumy's tokenizer interface over newsloom's word splitter (sumy's own needs NLTK data)."""

    language = "english"

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        from newsloom.text.sentences import split_sentences

        return tuple(split_sentences(paragraph))

    def to_words(self, sentence: str) -> tuple[str, ...]:
        return tuple(words(sentence))


def sumy_rank(kind: str, sentences: list[str]) -> list[int]:
    """Indexes of the sentences, best first, as sumy's LexRank or TextRank rates them."""
    from sumy.models.dom import ObjectDocumentModel, Paragraph
    from sumy.models.dom import Sentence as SumySentence
    from sumy.nlp.stemmers import Stemmer

    module, name = {
        "lexrank": ("sumy.summarizers.lex_rank", "LexRankSummarizer"),
        "textrank": ("sumy.summarizers.text_rank", "TextRankSummarizer"),
    }[kind]
    summarizer = getattr(importlib.import_module(module), name)(Stemmer("english"))
    summarizer.stop_words = STOPWORDS
    tokenizer = _Tokenizer()
    document = ObjectDocumentModel([Paragraph([SumySentence(s, tokenizer) for s in sentences])])
    captured: dict[Any, float] = {}

    def capture(all_sentences: Any, count: Any, rating: Any, *args: Any, **kwargs: Any) -> tuple[Any, ...]:
        captured.update(rating)
        return ()

    summarizer._get_best_sentences = capture
    summarizer(document, len(sentences))
    order = {s: i for i, s in enumerate(sentences)}
    ranked = sorted(captured.items(), key=lambda item: (-item[1], order[str(item[0])]))
    return [order[str(s)] for s, _ in ranked]


def centroid_rank(sentences: list[str]) -> list[int]:
    """Indexes of the sentences, best first, by cosine to the story's TF-IDF centroid, near-repeats skipped."""
    bags = [Counter(content_terms(s)) for s in sentences]
    df: Counter[str] = Counter()
    for bag in bags:
        df.update(bag.keys())
    n = len(bags)
    vectors = []
    for bag in bags:
        vector = {t: c * math.log((n + 1) / (df[t] + 0.5)) for t, c in bag.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        vectors.append({t: v / norm for t, v in vector.items()})
    centroid: Counter[str] = Counter()
    for vector in vectors:
        centroid.update(vector)
    ranked = sorted(range(n), key=lambda i: -sum(w * centroid[t] for t, w in vectors[i].items()))
    chosen: list[int] = []
    for index in ranked:
        if all(sum(w * vectors[j].get(t, 0.0) for t, w in vectors[index].items()) < 0.6 for j in chosen):
            chosen.append(index)
    return chosen


def by_rank(sentences: list[str], ranked: list[int], budget: int) -> list[str]:
    """The best-ranked sentences until the budget is filled, read in story order."""
    chosen: list[int] = []
    used = 0
    for index in ranked:
        if used >= budget:
            break
        chosen.append(index)
        used += len(sentences[index].split())
    return [sentences[i] for i in sorted(chosen)]


BASELINES = ("lead-first", "lead-round-robin", "lexrank", "textrank", "centroid")


def baseline(name: str, articles: Sequence[Article], sentences: list[str], budget: int) -> list[str]:
    """The sentences a baseline picks for a story, in reading order."""
    if name == "lead-first":
        return lead_first(articles, budget)
    if name == "lead-round-robin":
        return lead_round_robin(articles, budget)
    if not sentences:
        return []
    ranked = centroid_rank(sentences) if name == "centroid" else sumy_rank(name, sentences)
    return by_rank(sentences, ranked, budget)


# -- newsloom -------------------------------------------------------------------------------------------------------


def brief_sentences(brief: Brief) -> list[Sentence]:
    """Every sentence the brief prints, in reading order: dek, body, where sources differ, timeline."""
    return brief.all_sentences()


# -- what an editor would count ------------------------------------------------------------------------------------

# A paragraph (or the dek) opening on a pronoun leans on a sentence the reader was not given.
DANGLING = re.compile(r"^[\"\u201c]?(?:He|She|They|It|His|Her|Their|Its|Him|Them)\b")


def most_central_opening(articles: Sequence[Article], matcher: SentenceMatcher) -> str | None:
    """The story's most central statement, judged apart from the writer: among the first two sentences of every
    article (datelines off), the one closest in words to the rest of the story (the other articles' sentences, or,
    for a one-article story, the article's other sentences)."""
    openings = [(a.id, strip_dateline(s)) for a in articles for s in a.sentences[:2] if usable(s)]
    if not openings:
        return None
    pool = [(a.id, s) for a in articles for s in a.sentences if usable(s)]
    several = len({a.id for a in articles}) > 1
    scores = matcher.similarity_matrix([text for _, text in openings], [text for _, text in pool])
    best, best_score = None, -1.0
    for row, (article_id, text) in enumerate(openings):
        columns = [j for j, (other, _) in enumerate(pool) if (other != article_id if several else pool[j][1] != text)]
        score = float(scores[row, columns].mean()) if columns else 0.0
        if score > best_score:
            best, best_score = text, score
    return best


def states(matcher: SentenceMatcher, claim: str, sentence: str) -> bool:
    """Whether ``sentence`` states ``claim``: most of the claim's weighted terms, and no conflict with it."""
    relation = matcher.relate(claim, sentence)
    return relation.covers >= 0.7 and not relation.conflicts


def editor_counts(brief: Brief, articles: Sequence[Article], budget: int) -> dict[str, float]:
    """Fill, dek centrality, dangling pronouns and attributions another outlet also states, for one brief."""
    matcher = SentenceMatcher().fit(s for a in articles for s in a.sentences)
    printed = brief.all_sentences()
    words = sum(s.words() for s in printed)
    holds = sum(len(s.split()) for a in articles for s in a.sentences if usable(s)) >= 2 * budget
    counts = {
        "briefs": 1.0,
        "fill": min(1.0, words / budget),
        "holding": float(holds),
        "filled": float(holds and words >= 0.95 * budget),
        "dangling": 0.0,
        "openings": 0.0,
        "attributions": 0.0,
        "stated_elsewhere": 0.0,
        "central_dek": 0.0,
    }
    dek = brief.dek or (brief.paragraphs[0][0] if brief.paragraphs and brief.paragraphs[0] else None)
    central = most_central_opening(articles, matcher)
    if dek is not None and central is not None:
        counts["central_dek"] = float(
            max(matcher.similarity(dek.claim, central), matcher.covers(dek.claim, central)) >= 0.6
        )
    openings = [dek] if brief.dek else []
    openings += [paragraph[0] for paragraph in brief.paragraphs if paragraph]
    counts["openings"] = len(openings)
    counts["dangling"] = sum(1 for s in openings if DANGLING.match(s.claim))
    for sentence in brief.sentences():
        if not sentence.attributed_to:
            continue
        counts["attributions"] += 1
        own = {c.outlet for c in sentence.sources}
        if any(
            states(matcher, sentence.claim, other)
            for article in articles
            if article.display_outlet not in own
            for other in article.sentences
        ):
            counts["stated_elsewhere"] += 1
    return counts


def load_checker() -> Callable[..., Any] | None:
    try:
        module = importlib.import_module("newsloom.analyze.checker")
    except ImportError:
        return None
    check: Callable[..., Any] | None = getattr(module, "check_brief", None)
    return check


def run(
    stories: list[StorySet],
    budget: int,
    check: bool,
    baselines: Sequence[str] = BASELINES,
    show_flagged: bool = False,
    settings: WriterSettings | None = None,
) -> tuple[dict[str, Scores], dict[str, float]]:
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    scores = {name: Scores() for name in ("newsloom", *baselines)}
    checker = load_checker() if check else None
    totals = {"sentences": 0.0, "cited": 0.0, "checked": 0.0, "supported": 0.0, "normalize_seconds": 0.0}
    for count, story in enumerate(stories, start=1):
        start = time.perf_counter()
        articles = prepare(story)
        totals["normalize_seconds"] += time.perf_counter() - start
        if not articles:
            continue
        sentences = story_sentences(articles)
        outputs: dict[str, list[str]] = {}
        start = time.perf_counter()
        brief = write_brief(articles, max_words=budget, settings=settings)
        scores["newsloom"].seconds += time.perf_counter() - start
        written = brief_sentences(brief)
        for name, value in editor_counts(brief, articles, budget).items():
            totals[name] = totals.get(name, 0.0) + value
        outputs["newsloom"] = [s.text for s in written]
        totals["sentences"] += len(written)
        totals["cited"] += sum(1 for s in written if s.sources)
        if checker is not None and written:
            report = checker(brief, articles)
            labels = [s.label for s in report.sentences]
            totals["checked"] += len(labels)
            totals["supported"] += labels.count("supported")
            if show_flagged:
                for flagged in report.flagged():
                    print(f"[{story.id}] {flagged.label}: {flagged.text} ({flagged.reason})", file=sys.stderr)
        for name in baselines:
            start = time.perf_counter()
            outputs[name] = baseline(name, articles, sentences, budget)
            scores[name].seconds += time.perf_counter() - start
        for name, chosen in outputs.items():
            summary = cut(chosen, budget)
            best = {"rouge1": 0.0, "rouge2": 0.0, "rougeL": 0.0}
            for reference in story.references:
                result = scorer.score(reference, summary)
                for metric in best:
                    best[metric] = max(best[metric], result[metric].fmeasure)
            for metric, value in best.items():
                getattr(scores[name], metric).append(value)
        if count % 50 == 0:
            print(f"  {count}/{len(stories)} stories", file=sys.stderr)
    return scores, totals


def table(scores: dict[str, Scores], totals: dict[str, float], stories: int, budget: int, dataset: str) -> str:
    leads = [name for name in ("lead-first", "lead-round-robin") if name in scores]
    lead = max(leads, key=lambda name: scores[name].mean("rouge2")) if leads else None
    rows = [
        "| system | ROUGE-1 F | ROUGE-2 F | ROUGE-L F | stories/s |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, result in scores.items():
        label = f"{name} (= lead)" if name == lead else name
        speed = len(result.rouge2) / result.seconds if result.seconds else float("inf")
        rows.append(
            f"| {label} | {result.mean('rouge1'):.3f} | {result.mean('rouge2'):.3f} | {result.mean('rougeL'):.3f} "
            f"| {speed:,.0f} |"
        )
    cited = totals["cited"] / totals["sentences"] if totals["sentences"] else 0.0
    lines = [
        f"{dataset}: {stories} stories, every summary cut to {budget} words, ROUGE F (rouge_score, stemmed), "
        "the best over a story's references.",
        "",
        *rows,
        "",
        f"- newsloom's sentences citing at least one article: {cited:.1%} of {int(totals['sentences'])}",
    ]
    if totals["checked"]:
        lines.append(
            f"- newsloom's sentences the checker labels supported: {totals['supported'] / totals['checked']:.1%} "
            f"of {int(totals['checked'])}"
        )
    else:
        lines.append("- checker: not run (newsloom.analyze.checker not installed, or --no-check)")
    if totals.get("briefs"):
        briefs = totals["briefs"]
        lines += [
            f"- fill: the brief prints {totals['fill'] / briefs:.1%} of the budget on average; "
            f"{totals['filled'] / max(totals['holding'], 1):.1%} of the {int(totals['holding'])} briefs whose "
            "sources hold twice the budget fill at least 95% of it (target 95%)",
            f"- dek = the story's most central opening statement (judged apart from the writer, "
            f"`most_central_opening`): {totals['central_dek'] / briefs:.1%} of briefs",
            f"- dek and paragraphs opening on a pronoun (He, She, It, They, His ...): {int(totals['dangling'])} of "
            f"{int(totals['openings'])} (target 0)",
            f'- "According to X" sentences another outlet also states (statement matcher: covers 0.7, no '
            f"conflict): {int(totals['stated_elsewhere'])} of {int(totals['attributions'])} (target 0)",
        ]
    if scores["newsloom"].seconds and totals["normalize_seconds"]:
        ratio = scores["newsloom"].seconds / totals["normalize_seconds"]
        lines.append(
            f"- briefs: {len(scores['newsloom'].rouge2) / scores['newsloom'].seconds:,.1f}/s; writing a brief costs "
            f"{ratio:.2f}x normalizing its articles (same process)"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--dataset", choices=sorted(REFERENCE_WORDS), default="multinews_dev")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_SHARED, help=f"default {DEFAULT_SHARED}")
    parser.add_argument("--limit", type=int, help="only the first N stories")
    parser.add_argument("--words", type=int, help="summary length in words (default: the set's reference length)")
    parser.add_argument("--no-check", action="store_true", help="do not run the checker over the briefs")
    parser.add_argument(
        "--show-flagged", action="store_true", help="print each sentence the checker does not label supported"
    )
    parser.add_argument(
        "--baselines",
        default=",".join(BASELINES),
        help=f"comma-separated baselines to run beside newsloom (default: all of {', '.join(BASELINES)})",
    )
    parser.add_argument(
        "--meaning",
        default="auto",
        choices=["auto", "minilm", "multilingual", ""],
        help="the writer's sentence encoder ([writer] meaning; default auto, '' for words alone)",
    )
    add_write_docs_option(parser, "summaries")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stories = load_set(args.data_dir / args.dataset, args.limit)
    if not stories:
        raise SystemExit(f"no stories found in {args.data_dir / args.dataset}")
    budget = args.words or REFERENCE_WORDS[args.dataset]
    chosen = [name.strip() for name in args.baselines.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(BASELINES))
    if unknown:
        raise SystemExit(f"unknown baseline(s) {', '.join(unknown)}: choose among {', '.join(BASELINES)}")
    settings = WriterSettings(meaning=args.meaning)
    scores, totals = run(
        stories, budget, check=not args.no_check, baselines=chosen, show_flagged=args.show_flagged, settings=settings
    )
    section = table(scores, totals, len(stories), budget, args.dataset)
    print(section)
    if args.write_docs:
        from throughput import write_docs

        marker, title = f"summaries-{args.dataset}", f"Summaries: {args.dataset}"
        if budget != REFERENCE_WORDS[args.dataset]:
            marker, title = f"{marker}-{budget}", f"{title} at {budget} words"
        write_docs(args.write_docs, section, marker, title)
        print(f"\nwrote {args.write_docs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
