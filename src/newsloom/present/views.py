"""A brief made ready for a page: numbered citations with the source sentence behind each, safe links, the chart.

The reader's story page, the feeds out and the HTML export all show a brief through these views. Nothing here
writes markup: templates escape every piece of article text, and a link leaves the site only when it is http(s).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote

from newsloom.model import Article, Brief, Coverage, KeyPlayer, Sentence, format_time
from newsloom.text.counts import plural
from newsloom.text.urls import safe_link

_WORD = re.compile(r"\w+")

SECTION_TITLES = {
    "what happened": "What happened",
    "details": "Details",
    "who said what": "Who said what",
    "context": "Context",
}


def story_path(story_id: str) -> str:
    return f"/stories/{quote(story_id, safe='')}"


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
    anchor: str  # the id of the popover that shows it on the page
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
    x: float
    label: str


@dataclass
class ChartRow:
    outlet: str
    y: float
    dots: list[ChartDot]


@dataclass
class CoverageChart:
    """Articles per outlet over time, as a strip of dots per outlet (drawn as SVG by the template)."""

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
    chart: CoverageChart | None
    version: int
    writer: str
    created_at: datetime | None
    other_outlets: list[str] = field(default_factory=list)  # covered the story, cited by no sentence


def brief_view(brief: Brief, articles: list[Article] | None = None) -> BriefView:
    """A brief with its citations numbered in reading order and each tied to its article's own sentence."""
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
        return SentenceView(sentence.text, sentence.label, sentence.independent_sources, marks)

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
        chart=coverage_chart(articles) if articles else None,
        version=brief.version,
        writer=brief.writer,
        created_at=brief.created_at,
        other_outlets=other,
    )


def source_sentence(
    claim: str, article: Article, words: list[tuple[str, set[str]]] | None = None
) -> tuple[int, str] | None:
    """The sentence of the article that states the claim (the one sharing most of its words), with its index.

    ``words`` is ``sentence_words(article)`` when the caller already worked it out.
    """
    return best_sentence(claim_words(claim), words if words is not None else sentence_words(article))


def claim_words(claim: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(claim)}


def best_sentence(wanted: set[str], words: list[tuple[str, set[str]]]) -> tuple[int, str] | None:
    """Of the sentences (each with its words), the one sharing most of the wanted words, if it shares enough."""
    if not wanted:
        return None
    best: tuple[int, str] | None = None
    best_score = 0.0
    for index, (sentence, found) in enumerate(words):
        if not found:
            continue
        shared = len(wanted & found)
        score = shared / (len(wanted) + len(found) - shared)  # Jaccard, without building the union
        if score > best_score:
            best, best_score = (index, sentence), score
    return best if best_score >= 0.2 else None


def sentence_words(article: Article) -> list[tuple[str, set[str]]]:
    """Each sentence of the article with the set of its words (lower case)."""
    return [(s, {w.lower() for w in _WORD.findall(s)}) for s in article_sentences(article)]


def article_sentences(article: Article) -> list[str]:
    """The article's sentences as the page numbers them (its text in one piece when it was never split)."""
    return article.sentences or [p for p in article.text.split("\n") if p.strip()]


def coverage_chart(articles: list[Article], width: int = 640, row_height: int = 22) -> CoverageChart | None:
    """Where each outlet's articles fall between the story's first and last report."""
    dated = [a for a in articles if a.published]
    if not dated:
        return None
    times = [a.published.timestamp() for a in dated if a.published]
    first, last = min(times), max(times)
    span = last - first
    left = 150
    plot = width - left - 16
    by_outlet: dict[str, list[Article]] = {}
    for article in sorted(dated, key=lambda a: (a.published or datetime.min, a.id)):
        by_outlet.setdefault(article.display_outlet, []).append(article)
    rows = []
    for index, (outlet, items) in enumerate(by_outlet.items()):
        dots = []
        for article in items:
            moment = article.published.timestamp() if article.published else first
            share = (moment - first) / span if span else 0.5
            dots.append(ChartDot(round(left + share * plot, 1), f"{format_time(article.published, human=True)}"))
        rows.append(ChartRow(outlet, index * row_height + row_height / 2 + 4, dots))
    counts = ", ".join(f"{outlet}: {len(items)}" for outlet, items in by_outlet.items())
    start = format_time(datetime.fromtimestamp(first, UTC), human=True)
    end = format_time(datetime.fromtimestamp(last, UTC), human=True)
    summary = (
        f"{plural(len(dated), 'article')} from {plural(len(by_outlet), 'outlet')} between {start} and {end}. {counts}."
    )
    return CoverageChart(width, len(rows) * row_height + 30, left, rows, start, end, summary)


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
