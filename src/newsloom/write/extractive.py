"""The extractive writer: a brief made only of sentences the sources wrote, each citing every article stating it.

Sentences of different articles that say the same thing (mostly the same words, and exactly the same numbers) are
aligned into one claim; the claim cites every article behind it, and syndicated copies count as one source. Claims
told by more independent sources come first; among equals, what articles put near their top comes first. Two
claims that say nearly the same thing with different numbers are both kept, side by side: the brief shows a
disagreement and does not pick a side.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from newsloom.model import Article, Brief, Citation, Coverage, Sentence
from newsloom.text.clean import strip_dateline
from newsloom.text.terms import content_terms, numbers

_JUNK = re.compile(
    r"(additional reporting by|reporting by|writing by|editing by|follow us|contact:|subscribe|newsletter|"
    r"(this|the) (report|story|article) (was|is) (supplied|provided|distributed)|contributed to this|"
    r"(first|originally) (published|appeared)|"
    r"all rights reserved|click here|https?://|www\.|@\w+\.\w+|^by [A-Z])",
    re.IGNORECASE,
)
_NEEDS_CONTEXT = re.compile(r"^(he|she|it|they|this|that|these|those|his|her|its|their|but|and|also|however)\b", re.I)


@dataclass(frozen=True)
class WriterSettings:
    max_words: int = 220  # body and dek together, when the caller sets no limit
    max_sentences: int = 10
    sentences_per_article: int = 25  # read this deep into each article
    articles_per_brief: int = 60  # a big story's brief reads its most central articles
    min_sentence_words: int = 6
    max_sentence_words: int = 60
    same_claim: float = 0.5  # term overlap (Jaccard) at which two sentences state one claim
    redundant: float = 0.4  # overlap with a chosen sentence above which a claim adds nothing new


@dataclass
class _Statement:
    article: Article
    position: int
    text: str
    terms: frozenset[str]
    numbers: frozenset[str]


@dataclass
class Claim:
    """One fact as stated by one or more articles."""

    statements: list[_Statement] = field(default_factory=list)

    @property
    def representative(self) -> _Statement:
        return self.statements[0]

    @property
    def text(self) -> str:
        return self.representative.text

    @property
    def independent_sources(self) -> int:
        return len({s.article.syndication_group or s.article.id for s in self.statements})

    @property
    def lead_position(self) -> int:
        return min(s.position for s in self.statements)

    def words(self) -> int:
        return len(self.text.split())


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def _statements(article: Article, settings: WriterSettings) -> list[_Statement]:
    out = []
    for position, raw in enumerate(article.sentences[: settings.sentences_per_article]):
        text = strip_dateline(raw.strip()) if position == 0 or raw[:1].isupper() else raw.strip()
        count = len(text.split())
        if not (settings.min_sentence_words <= count <= settings.max_sentence_words):
            continue
        if _JUNK.search(text) or text.endswith(("?", ":")) or (not text[:1].isupper() and text[:1] not in "\"'\u201c"):
            continue
        terms = frozenset(content_terms(text))
        if len(terms) < 3:
            continue
        out.append(_Statement(article, position, text, terms, numbers(text)))
    return out


def align_claims(articles: Sequence[Article], settings: WriterSettings | None = None) -> list[Claim]:
    """Group the articles' sentences into claims: same terms (mostly) and the same numbers."""
    settings = settings or WriterSettings()
    claims: list[Claim] = []
    claim_articles: list[set[str]] = []
    by_term: dict[str, list[int]] = {}  # term -> the claims whose first sentence has it
    for article in articles:
        for statement in _statements(article, settings):
            # Jaccard >= t needs at least t * |terms| shared terms: count them through the index.
            shared: dict[int, int] = {}
            for term in statement.terms:
                for index in by_term.get(term, ()):
                    shared[index] = shared.get(index, 0) + 1
            needed = settings.same_claim * len(statement.terms)
            best, best_score = None, settings.same_claim
            for index, count in shared.items():
                if count < needed or article.id in claim_articles[index]:
                    continue
                rep = claims[index].representative
                if rep.numbers != statement.numbers:
                    continue
                score = _jaccard(rep.terms, statement.terms)
                if score >= best_score:
                    best, best_score = index, score
            if best is None:
                for term in statement.terms:
                    by_term.setdefault(term, []).append(len(claims))
                claims.append(Claim([statement]))
                claim_articles.append({article.id})
            else:
                claims[best].statements.append(statement)
                claim_articles[best].add(article.id)
    return claims


def _article_order(articles: Sequence[Article]) -> list[Article]:
    """Articles read in order of how central they are to the story: shared terms first, then time."""
    term_counts: Counter[str] = Counter()
    per_article = {a.id: set(content_terms(f"{a.title} {' '.join(a.sentences[:8])}")) for a in articles}
    for terms in per_article.values():
        term_counts.update(terms)

    def centrality(article: Article) -> float:
        terms = per_article[article.id]
        return sum(term_counts[t] - 1 for t in terms) / (len(terms) + 5)

    return sorted(articles, key=lambda a: -centrality(a))


def _choose_headline(articles: Sequence[Article]) -> tuple[str, str | None]:
    titled = [a for a in articles if a.title and 3 <= len(a.title.split()) <= 25]
    if not titled:
        fallback = next((a for a in articles if a.title), None)
        return (fallback.title, fallback.id) if fallback else ("Untitled story", None)
    terms = {a.id: set(content_terms(a.title)) for a in titled}
    by_group: dict[str, set[str]] = {}
    for a in titled:
        by_group.setdefault(a.syndication_group or a.id, set()).update(terms[a.id])

    def score(article: Article) -> tuple[float, float]:
        own = terms[article.id]
        group = article.syndication_group or article.id
        shared = sum(len(own & other) for g, other in by_group.items() if g != group)
        return (shared / (len(own) + 2), -(article.published.timestamp() if article.published else 0.0))

    best = max(titled, key=score)
    return best.title, best.id


def _citation(article: Article) -> Citation:
    return Citation(
        article_id=article.id,
        outlet=article.display_outlet,
        url=article.url,
        title=article.title or None,
        syndication_group=article.syndication_group,
    )


def coverage_of(articles: Sequence[Article]) -> Coverage:
    dated = sorted((a for a in articles if a.published), key=lambda a: a.published)  # type: ignore[arg-type,return-value]
    return Coverage(
        articles=len(articles),
        outlets=sorted({a.display_outlet for a in articles}),
        independent_sources=len({a.syndication_group or a.id for a in articles}),
        first_report=dated[0].published if dated else None,
        first_outlet=dated[0].display_outlet if dated else None,
        last_update=dated[-1].published if dated else None,
    )


def _differs_only_in_numbers(a: Claim, b: Claim, settings: WriterSettings) -> bool:
    return a.representative.numbers != b.representative.numbers and (
        _jaccard(a.representative.terms, b.representative.terms) >= settings.same_claim
    )


def write_brief(
    articles: Sequence[Article],
    story_id: str | None = None,
    max_words: int | None = None,
    settings: WriterSettings | None = None,
) -> Brief:
    """The extractive brief of a story from its articles (normalized, with groups)."""
    settings = settings or WriterSettings()
    if not articles:
        raise ValueError("a brief needs at least one article")
    budget = max_words if max_words is not None else settings.max_words
    sentence_limit = settings.max_sentences if max_words is None else 10_000
    ordered = _article_order(articles)
    rank = {a.id: i for i, a in enumerate(ordered)}
    claims = align_claims(ordered[: settings.articles_per_brief], settings)
    claims.sort(key=lambda c: (-c.independent_sources, c.lead_position, rank[c.representative.article.id]))

    chosen: list[Claim] = []
    used = 0
    for claim in claims:
        if len(chosen) >= sentence_limit:
            break
        if used + claim.words() > budget:
            continue
        redundant = any(
            _jaccard(claim.representative.terms, other.representative.terms) >= settings.redundant
            and not _differs_only_in_numbers(claim, other, settings)
            for other in chosen
        )
        if redundant:
            continue
        chosen.append(claim)
        used += claim.words()

    # A disagreement reads best side by side: move each claim next to the one it contradicts on a number.
    arranged: list[Claim] = []
    for claim in chosen:
        if claim in arranged:
            continue
        arranged.append(claim)
        arranged.extend(c for c in chosen if c not in arranged and _differs_only_in_numbers(claim, c, settings))

    def sentence(claim: Claim) -> Sentence:
        seen: dict[str, Citation] = {}
        for statement in claim.statements:
            seen.setdefault(statement.article.id, _citation(statement.article))
        return Sentence(claim.text, list(seen.values()))

    # The dek says what happened: the best-supported claim among the articles' opening sentences.
    openers = [c for c in arranged if c.lead_position == 0 and c.words() <= 45]
    dek_claim = min(
        openers,
        key=lambda c: (-c.independent_sources, _first_report(c), rank[c.representative.article.id]),
        default=None,
    )
    if dek_claim is not None and len(arranged) > 1:
        arranged.remove(dek_claim)
    else:
        dek_claim = None
    sentences = [sentence(c) for c in arranged]
    dek = sentence(dek_claim) if dek_claim else None
    headline, headline_source = _choose_headline(ordered)
    return Brief(
        story_id=story_id,
        headline=headline,
        headline_source=headline_source,
        dek=dek,
        paragraphs=_paragraphs(sentences),
        coverage=coverage_of(articles),
        citations={a.id: _citation(a) for a in sorted(articles, key=lambda a: rank[a.id])},
    )


def _first_report(claim: Claim) -> float:
    times = [s.article.published.timestamp() for s in claim.statements if s.article.published]
    return min(times) if times else float("inf")


def _paragraphs(sentences: list[Sentence], size: int = 3) -> list[list[Sentence]]:
    """The lead paragraph holds the two best-supported sentences; then paragraphs of up to ``size``."""
    if not sentences:
        return []
    out = [sentences[:2]]
    for start in range(2, len(sentences), size):
        out.append(sentences[start : start + size])
    return out
