"""A brief made ready for a page: numbered citations with the source sentence behind each, safe links, the chart.

The reader's story page, the feeds out and the HTML export all show a brief through these views. Nothing here
writes markup: templates escape every piece of article text, and a link leaves the site only when it is http(s).
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote

from newsloom.model import (
    Article,
    Brief,
    Coverage,
    KeyPlayer,
    Sentence,
    WhatChanged,
    format_time,
    independent_sources_of,
)
from newsloom.store.base import Report
from newsloom.text.counts import plural
from newsloom.text.urls import safe_link

_WORD = re.compile(r"\w+")

SECTION_TITLES = {
    "what happened": "What happened",
    "details": "Details",
    "who said what": "Who said what",
    "context": "Context",
}


# A story page lists its newest reports and links to the rest: a story of the day has hundreds.
LISTED_REPORTS = 40


def story_path(story_id: str) -> str:
    return f"/stories/{quote(story_id, safe='')}"


def story_articles_path(story_id: str) -> str:
    """The page that lists every article of a story, newest first."""
    return f"{story_path(story_id)}/articles"


def article_path(article_id: str) -> str:
    return f"/articles/{quote(article_id, safe='')}"


@dataclass
class SourceMark:
    """One citation mark after a sentence: its number, the article, and the sentence of it that says so."""

    number: int
    article_id: str
    outlet: str
    title: str | None
    url: str | None  # safe to follow, or None
    evidence: str | None  # the article's own sentence behind the brief's sentence
    anchor: str  # the id of the element that holds its source sentence on the page
    published: datetime | None = None
    evidence_index: int | None = None  # where that sentence is in the article
    path: str = field(init=False)  # the article's page on this site, at the sentence behind the citation

    def __post_init__(self) -> None:
        # Worked out once: a page writes it twice per mark (the mark and its popover).
        base = article_path(self.article_id)
        self.path = f"{base}#s-{self.evidence_index}" if self.evidence_index is not None else base


@dataclass
class SentenceView:
    text: str
    label: str | None
    independent_sources: int
    marks: list[SourceMark]
    news: str | None = None  # what it brings since the reader last looked: "new fact" or "changed figure"

    @property
    def outlets(self) -> list[str]:
        return sorted({m.outlet for m in self.marks})


@dataclass
class SectionView:
    title: str
    sentences: list[SentenceView]


@dataclass
class DifferenceView:
    about: str
    versions: list[SentenceView]


@dataclass
class TimelineView:
    published: datetime | None
    outlet: str
    sentence: SentenceView


@dataclass
class ChartDot:
    """One outlet's reports in one stretch of time: where, how big (more reports, a bigger dot), and what it says."""

    x: float
    label: str
    count: int = 1
    radius: float = 5.0


@dataclass
class ChartRow:
    outlet: str
    y: float
    dots: list[ChartDot]


@dataclass
class CoverageChart:
    """Articles per outlet over time, as a strip of dots per outlet (drawn as SVG by the template).

    The time between the first and the last report is cut into stretches a dot wide; an outlet's reports in one
    stretch make one dot, whose title counts them, so a story of 500 reports draws at most one dot per outlet and
    stretch, not 500.
    """

    width: int
    height: int
    left: int
    rows: list[ChartRow]
    start: str | None
    end: str | None
    summary: str


@dataclass
class SourceEntry:
    number: int
    article_id: str
    outlet: str
    title: str | None
    url: str | None
    published: datetime | None

    @property
    def path(self) -> str:
        return article_path(self.article_id)


@dataclass
class BriefView:
    story_id: str | None
    headline: str
    dek: SentenceView | None
    sections: list[SectionView]
    differences: list[DifferenceView]
    key_players: list[KeyPlayer]
    timeline: list[TimelineView]
    coverage: Coverage
    sources: list[SourceEntry]
    version: int
    writer: str
    created_at: datetime | None
    other_outlets: list[str] = field(default_factory=list)  # covered the story, cited by no sentence


@dataclass
class ReportsView:
    """A story's reports as its page shows them: the coverage chart, the newest few, and how many there are."""

    chart: CoverageChart | None
    latest: list[Report]  # newest first, at most LISTED_REPORTS
    total: int
    independent_sources: int  # distinct outlets, a syndicated copy as the outlet it copies
    all_path: str  # the page that lists them all

    @property
    def more(self) -> int:
        """How many reports the page does not list."""
        return self.total - len(self.latest)


def reports_view(story_id: str, reports: Sequence[Report], listed: int = LISTED_REPORTS) -> ReportsView:
    """``reports`` in publication order (``Store.story_reports``): the chart of them all, the newest ``listed``."""
    return ReportsView(
        chart=coverage_chart(reports),
        latest=list(reversed(reports[-listed:])) if listed else [],
        total=len(reports),
        independent_sources=len({r.source for r in reports}),
        all_path=story_articles_path(story_id),
    )


def reports_of(articles: Sequence[Article]) -> list[Report]:
    """Articles as a story's coverage counts them (what ``Store.story_reports`` reads), in publication order."""
    ordered = sorted(articles, key=lambda a: format_time(a.published) or "")
    sources = independent_sources_of((a.id, a.outlet, a.syndication_group, a.published) for a in ordered)
    return [Report(a.id, a.title, a.display_outlet, a.published, sources[a.id], a.syndication_group) for a in ordered]


def cited_ids(brief: Brief) -> list[str]:
    """The ids of the articles the brief's sentences cite, in reading order, each once."""
    return list(dict.fromkeys(c.article_id for s in brief.all_sentences() for c in s.sources))


def brief_view(
    brief: Brief, articles: Sequence[Article] | None = None, news: Mapping[str, str] | None = None
) -> BriefView:
    """A brief with its citations numbered in reading order and each tied to its article's own sentence.

    ``articles``: the articles it cites (others are not read), for the sentence behind each citation. ``news``: the
    sentences that state what changed since the reader last looked (``news_marks``), each with what it brings.
    """
    news = news or {}
    by_id = {a.id: a for a in articles or []}
    words: dict[str, list[tuple[str, set[str]]]] = {}  # each cited article's sentences, split into words once
    evidence: dict[tuple[str, str], tuple[int, str] | None] = {}  # a sentence comes back in the timeline
    numbers: dict[str, int] = {}
    marks_made = Counter[str]()

    def view(sentence: Sentence) -> SentenceView:
        marks = []
        claim = sentence.claim
        wanted = claim_words(claim)
        for citation in sentence.sources:
            number = numbers.setdefault(citation.article_id, len(numbers) + 1)
            marks_made[citation.article_id] += 1
            article = by_id.get(citation.article_id)
            found = None
            if article is not None:
                if article.id not in words:
                    words[article.id] = sentence_words(article)
                if (claim, article.id) not in evidence:
                    evidence[claim, article.id] = best_sentence(wanted, words[article.id])
                found = evidence[claim, article.id]
            marks.append(
                SourceMark(
                    number=number,
                    article_id=citation.article_id,
                    outlet=citation.outlet,
                    title=citation.title or (article.title if article else None),
                    url=safe_link(citation.url or (article.url if article else None)),
                    evidence=found[1] if found else None,
                    anchor=f"cite-{number}-{marks_made[citation.article_id]}",
                    published=article.published if article else None,
                    evidence_index=found[0] if found else None,
                )
            )
        return SentenceView(sentence.text, sentence.label, sentence.independent_sources, marks, news.get(sentence.text))

    dek = view(brief.dek) if brief.dek else None
    sections = []
    for index, paragraph in enumerate(brief.paragraphs):
        name = brief.sections[index] if index < len(brief.sections) else ""
        title = SECTION_TITLES.get(name, name.capitalize()) if name else ""
        if index and index - 1 < len(brief.sections) and brief.sections[index - 1] == name:
            title = ""  # a section of more than one paragraph: its heading once, over the first
        sections.append(SectionView(title, [view(s) for s in paragraph]))
    differences = [DifferenceView(d.about, [view(v) for v in d.versions]) for d in brief.differences]
    timeline = [TimelineView(e.published, e.outlet, view(e.added)) for e in brief.timeline]
    sources = []
    for article_id, number in numbers.items():
        citation = brief.citations.get(article_id)
        article = by_id.get(article_id)
        sources.append(
            SourceEntry(
                number=number,
                article_id=article_id,
                outlet=citation.outlet if citation else (article.display_outlet if article else "Unknown outlet"),
                title=(citation.title if citation else None) or (article.title if article else None),
                url=safe_link((citation.url if citation else None) or (article.url if article else None)),
                published=article.published if article else None,
            )
        )
    cited_outlets = {s.outlet for s in sources}
    other = sorted({c.outlet for c in brief.citations.values()} - cited_outlets)
    return BriefView(
        story_id=brief.story_id,
        headline=brief.headline,
        dek=dek,
        sections=sections,
        differences=differences,
        key_players=brief.key_players,
        timeline=timeline,
        coverage=brief.coverage,
        sources=sources,
        version=brief.version,
        writer=brief.writer,
        created_at=brief.created_at,
        other_outlets=other,
    )


def news_marks(changes: WhatChanged) -> dict[str, str]:
    """The brief's sentences that state a new fact or a changed figure, each with which of the two it is."""
    marks = {figure.in_brief: "changed figure" for figure in changes.changed if figure.in_brief}
    marks.update((fact.in_brief, "new fact") for fact in changes.new_facts if fact.in_brief)
    return marks


def source_sentence(
    claim: str, article: Article, words: list[tuple[str, set[str]]] | None = None
) -> tuple[int, str] | None:
    """The sentence of the article that states the claim (the one sharing most of its words), with its index.

    ``words`` is ``sentence_words(article)`` when the caller already worked it out.
    """
    return best_sentence(claim_words(claim), words if words is not None else sentence_words(article))


def claim_words(claim: str) -> set[str]:
    return set(_WORD.findall(claim.lower()))


def best_sentence(wanted: set[str], words: list[tuple[str, set[str]]]) -> tuple[int, str] | None:
    """Of the sentences (each with its words), the one sharing most of the wanted words, if it shares enough."""
    if not wanted:
        return None
    best: tuple[int, str] | None = None
    best_score = 0.0
    size = len(wanted)
    for index, (sentence, found) in enumerate(words):
        if not found:
            continue
        shared = len(wanted & found)
        score = shared / (size + len(found) - shared)  # Jaccard, without building the union
        if score > best_score:
            best, best_score = (index, sentence), score
            if shared == size == len(found):  # the same words: no later sentence can do better
                break
    return best if best_score >= 0.2 else None


def sentence_words(article: Article) -> list[tuple[str, set[str]]]:
    """Each sentence of the article with the set of its words (lower case)."""
    return [(s, set(_WORD.findall(s.lower()))) for s in article_sentences(article)]


def article_sentences(article: Article) -> list[str]:
    """The article's sentences as the page numbers them (its text in one piece when it was never split)."""
    return article.sentences or [p for p in article.text.split("\n") if p.strip()]


def coverage_chart(
    reports: Sequence[Report], width: int = 640, row_height: int = 22, stretch: int = 24, most_rows: int = 12
) -> CoverageChart | None:
    """Where each outlet's reports fall between the story's first and last report, in stretches ``stretch`` px wide.

    ``reports`` in publication order (as ``Store.story_reports`` gives them): a row per outlet, in the order of their
    first reports; past ``most_rows`` outlets, those with fewest reports share the last row.
    """
    dated = [(r.outlet, r.published.timestamp()) for r in reports if r.published is not None]
    if not dated:
        return None
    first, last = min(moment for _, moment in dated), max(moment for _, moment in dated)
    span = last - first
    left = 150
    plot = width - left - 16
    stretches = max(1, plot // stretch)
    scale = stretches / span if span else 0.0
    counts = Counter(outlet for outlet, _ in dated)
    row_of = {outlet: outlet for outlet in counts}
    if len(counts) > most_rows:
        kept = {outlet for outlet, _ in counts.most_common(most_rows - 1)}
        others = f"{len(counts) - len(kept)} other outlets"
        row_of = {outlet: outlet if outlet in kept else others for outlet in counts}
    by_row: dict[str, dict[int, list[float]]] = {}  # row -> stretch -> the times of its reports there, in order
    for outlet, moment in dated:
        place = min(stretches - 1, int((moment - first) * scale)) if span else 0
        by_row.setdefault(row_of[outlet], {}).setdefault(place, []).append(moment)
    if len(counts) > most_rows:  # the shared row last
        by_row[others] = by_row.pop(others)
    rows = []
    for index, (name, found) in enumerate(by_row.items()):
        dots = []
        for _, moments in sorted(found.items()):
            share = (sum(moments) / len(moments) - first) / span if span else 0.5
            dots.append(_dot(name, moments, round(left + share * plot, 1)))
        rows.append(ChartRow(name, index * row_height + row_height / 2 + 4, dots))
    start = _human(first)
    end = _human(last)
    listed = ", ".join(f"{outlet}: {count}" for outlet, count in counts.items())
    summary = (
        f"{plural(len(dated), 'article')} from {plural(len(counts), 'outlet')} between {start} and {end}. {listed}."
    )
    return CoverageChart(width, len(rows) * row_height + 30, left, rows, start, end, summary)


def _dot(row: str, moments: list[float], x: float) -> ChartDot:
    """A dot for one row's reports in one stretch of time, titled with what it stands for."""
    if len(moments) == 1:
        return ChartDot(x, f"{row}, {_human(moments[0])}")
    earliest, latest = _human(min(moments)), _human(max(moments))
    when = earliest if earliest == latest else f"{earliest} to {latest}"
    radius = round(min(9.0, 4 + math.sqrt(len(moments))), 1)  # the area grows with the count, within its row
    return ChartDot(x, f"{row}: {len(moments)} articles, {when}", len(moments), radius)


def _human(moment: float) -> str:
    """A time as ``format_time(..., human=True)`` writes it (time.strftime: a chart writes two per dot)."""
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(moment))


def article_paragraphs(article: Article) -> list[list[tuple[int, str]]]:
    """The article's numbered sentences, grouped in the paragraphs of its text."""
    sentences = article_sentences(article)
    paragraphs: list[list[tuple[int, str]]] = [[]]
    position = 0
    for index, sentence in enumerate(sentences):
        found = article.text.find(sentence, position)
        if found >= 0:
            if paragraphs[-1] and "\n" in article.text[position:found]:
                paragraphs.append([])
            position = found + len(sentence)
        paragraphs[-1].append((index, sentence))
    return [p for p in paragraphs if p]
