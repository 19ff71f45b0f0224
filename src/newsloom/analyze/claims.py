"""Claims across sources: sentences of different outlets that state the same fact, in their own words, as one claim.

Each claim is labelled:

- ``corroborated``: stated by two or more independent sources (syndicated copies of one wire story count once);
- ``single-source``: one independent source only (a brief says "according to OUTLET");
- ``disputed``: the outlets state the same fact with conflicting numbers, dates, places, names, quotes or negation;
  the claim keeps each version with the outlets behind it, and a brief shows the disagreement without picking a side.

The alignment, step by step (``align_claims``):

1. Each article gives its statements: the sentences among its first ``sentences_per_article`` that can stand alone
   (bylines, "Reporting by", links, questions and fragments are skipped).
2. ``SentenceMatcher.similarity_matrix`` scores every statement against every other one in one matrix product
   (IDF learnt from the story's own statements).
3. Candidate links are pairs from different articles whose similarity reaches ``same_claim``, or whose
   content each covers the other's (both ``covers`` at least ``mutual_cover``); links are taken best first.
4. Two groups merge over a link when no article would appear twice in the merged claim and the average similarity
   between the two groups reaches ``group_cohesion`` times ``same_claim`` (average linkage: a chain of
   near-misses does not pull sentences that merely share a topic together).
5. Within a claim, statements that conflict go to separate versions; two or more versions make it disputed.

The thresholds were set on the labelled stories of benchmarks/data/checker_sources.jsonl (see benchmarks/checker.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from newsloom.analyze.compare import (
    Facts,
    Meanings,
    SentenceMatcher,
    conflicts_between,
    facts_of,
    sentence_encoder,
)
from newsloom.analyze.entities import article_texts, respell, spelling_variants
from newsloom.model import Article, Claim, Conflict, Statement
from newsloom.text.clean import strip_dateline
from newsloom.text.sentences import split_sentences

JUNK = re.compile(
    r"(additional reporting by|reporting by|writing by|editing by|follow us|contact:|subscribe|newsletter|"
    r"(this|the) (report|story|article) (was|is) (supplied|provided|distributed)|contributed to this|"
    r"(first|originally) (published|appeared)|all rights reserved|click here|https?://|www\.|@\w+\.\w+|^by [A-Z]|"
    # Promotion and archive furniture: "For more on Rihanna, head over to Billboard", "Read more", a web archive's
    # "Crawls of supported ... sites".
    r"\bfor more (on|about|information)\b|\bhead over to\b|\bread more\b|\bwatch the video\b|^crawls of\b|"
    # Photo captions: "In this May 24, 2016, file photo, ...", "Image copyright Getty Images Image caption ...".
    r"^in this (?:(?!the\b|a\b)[\w,'.-]+ ){0,8}photo\b|\bimage (copyright|caption)\b|"
    # ... "Judge X is shown in this June 27, 2011 file photo.", "Liberty German (left) and ... (Photo: Provided)"
    r"\b(?:is|are) (?:shown|seen|pictured) in (?:this|a) (?:[\w,'.-]+ ){0,8}photo\b|\((?:photo|image|file photo):|"
    r"\((?:left|right|center|centre|top|bottom)\)|"
    # A web archive's page furniture: "These crawls are part of an effort to archive pages ...".
    r"\bthese crawls\b|\barchived? pages\b|\bbroken links on the web\b|"
    # An interview's question or answer ("Q: ...", "A: ..."): an answer read without its question says little.
    r"^[QA]:\s|"
    # The writer's note: "Ines Vell is a Meridian Wire reporter covering ports and shipping."
    r"^[A-Z][\w'-]+(?: [A-Z][\w'-]+){0,2} is an? (?:[\w-]+ ){0,4}(?:reporter|correspondent|writer|editor|columnist|"
    r"contributor|journalist)\b(?: (?:covering|based|who|for|at)\b|[.,]))",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ClaimSettings:
    sentences_per_article: int = 25
    min_words: int = 5
    max_words: int = 60
    same_claim: float = 0.35  # similarity at which two sentences of different outlets state one claim
    mutual_cover: float = 0.7  # ... or when each states this share of the other's content
    group_cohesion: float = 0.8  # average similarity between merging groups, as a share of same_claim
    neighbours: int = 12  # candidate links looked at per statement
    # Statements of different outlets that share some words (similarity from ``near_miss``) but not enough are
    # compared by meaning too: a sentence encoder's cosine from ``paraphrase`` links them ("meaning": the encoder,
    # "minilm", "multilingual" or "auto" by the articles' languages; "" for words alone, as the writer does for a
    # story told in one language: see write.extractive.meaning_encoder).
    meaning: str = ""
    near_miss: float = 0.15
    meaning_depth: int = 12  # ... both among the first sentences of their articles (where a brief's facts are)
    meaning_budget: int = 32  # sentences encoded at most per story: the closest near misses first
    paraphrase: float = 0.7


def statements_of(article: Article, settings: ClaimSettings | None = None) -> list[Statement]:
    """The sentences of an article that can stand as claims: no bylines, links, questions or fragments."""
    settings = settings or ClaimSettings()
    sentences = article.sentences or split_sentences(article.text, article.language)
    out = []
    for position, raw in enumerate(sentences[: settings.sentences_per_article]):
        text = strip_dateline(raw.strip())
        if not settings.min_words <= len(text.split()) <= settings.max_words:
            continue
        if JUNK.search(text) or text.endswith(("?", ":")):
            continue
        if not (text[:1].isupper() or text[:1].isdigit() or text[:1] in "\"'\u201c"):
            continue
        if len(facts_of(text).terms) < 3:
            continue
        out.append(Statement(article, position, text))
    return out


def align_claims(
    articles: Sequence[Article],
    matcher: SentenceMatcher | None = None,
    settings: ClaimSettings | None = None,
    meaning: Meanings | None = None,
) -> list[Claim]:
    """Group the articles' sentences that state the same fact into claims, and label each claim (``matcher``: the
    story's, with its spellings; ``meaning``: the sentence encoder's cosines, shared with the caller; by default
    ``settings.meaning``'s encoder)."""
    settings = settings or ClaimSettings()
    statements = [s for article in articles for s in statements_of(article, settings)]
    if not statements:
        return []
    # Matched with every name spelt one way: a translated outlet's "Vitmor" is the wire's "Wittmore". A matcher the
    # caller passes knows the story's spellings already (SentenceMatcher(spellings=...)).
    if matcher is not None:
        variants = matcher.spellings
    else:
        variants = spelling_variants(article_texts(article) for article in articles)
    texts = [respell(s.text, variants) for s in statements]
    if matcher is None:
        matcher = SentenceMatcher().fit(texts)
    elif not matcher.idf:
        matcher.fit(texts)
    scores = matcher.similarity_matrix(texts, texts)
    articles_of = [s.article.id for s in statements]
    depth = [s.position for s in statements]

    links: list[tuple[float, int, int]] = []
    near: list[tuple[int, int]] = []
    take = min(settings.neighbours + 1, len(statements))
    for i in range(len(statements)):
        row = scores[i]
        top = np.argpartition(-row, take - 1)[:take] if take < len(statements) else np.arange(len(statements))
        for j in (int(x) for x in top):
            if j <= i or articles_of[i] == articles_of[j]:
                continue
            score = float(max(row[j], scores[j, i]))
            if settings.near_miss <= score < settings.same_claim and max(depth[i], depth[j]) < settings.meaning_depth:
                near.append((i, j))
            if score < settings.same_claim:
                covers_ij = matcher.covers(texts[i], texts[j]) if score > 0.3 else 0.0
                covers_ji = matcher.covers(texts[j], texts[i]) if covers_ij else 0.0
                if min(covers_ij, covers_ji) < settings.mutual_cover:
                    continue
                score = settings.same_claim
            links.append((score, i, j))
    if settings.meaning and meaning is None:
        meaning = Meanings(sentence_encoder(settings.meaning, [a.language for a in articles]))
    if meaning is not None:
        links += _in_other_words(near, texts, scores, settings, meaning)
        links += _across_languages(statements, texts, scores, settings, meaning)
    links.sort(key=lambda link: (-link[0], link[1], link[2]))

    group_of = list(range(len(statements)))
    members: dict[int, list[int]] = {i: [i] for i in range(len(statements))}
    for _score, i, j in links:
        gi, gj = group_of[i], group_of[j]
        if gi == gj:
            continue
        if {articles_of[x] for x in members[gi]} & {articles_of[x] for x in members[gj]}:
            continue  # one article states a claim once
        cohesion = float(np.mean(np.maximum(scores[np.ix_(members[gi], members[gj])], 0.0)))
        if cohesion < settings.group_cohesion * settings.same_claim:
            continue
        keep, gone = (gi, gj) if len(members[gi]) >= len(members[gj]) else (gj, gi)
        members[keep].extend(members.pop(gone))
        for x in members[keep]:
            group_of[x] = keep

    claims = []
    for group in sorted(members.values(), key=lambda g: min(g)):
        claims.append(label_claim(Claim([statements[x] for x in sorted(group)])))
    return claims


def _in_other_words(
    near: list[tuple[int, int]],
    texts: list[str],
    scores: np.ndarray,
    settings: ClaimSettings,
    meaning: Meanings,
) -> list[tuple[float, int, int]]:
    """Links between near misses that a sentence encoder finds to say the same thing; each link scores
    ``same_claim`` (the lowest score of a link in words), and the cohesion rule still applies when groups merge,
    so the encoder's cosine is written into ``scores`` for the pair."""
    if not near or meaning.encoder is None:
        return []
    # The closest near misses first, as many as ``meaning_budget`` sentences allow: the encoder's cost is bounded.
    near = sorted(near, key=lambda pair: -float(scores[pair]))
    chosen: list[tuple[int, int]] = []
    encoded: set[int] = set()
    for i, j in near:
        if len(encoded | {i, j}) <= settings.meaning_budget:
            chosen.append((i, j))
            encoded |= {i, j}
    meaning.prime(texts[i] for i in sorted(encoded))
    links = []
    for i, j in chosen:
        if meaning(texts[i], texts[j]) >= settings.paraphrase:
            links.append((settings.same_claim, i, j))
            scores[i, j] = scores[j, i] = max(float(scores[i, j]), settings.same_claim)
    return links


def _across_languages(
    statements: list[Statement], texts: list[str], scores: np.ndarray, settings: ClaimSettings, meaning: Meanings
) -> list[tuple[float, int, int]]:
    """Links between statements in different languages that a (multilingual) encoder finds to say the same thing:
    words cannot meet across languages, so every such pair among the first sentences of their articles is compared,
    at most ``2 * meaning_budget`` sentences in all."""
    languages = [s.article.language for s in statements]
    if meaning.encoder is None or len({language for language in languages if language}) < 2:
        return []
    chosen = [i for i, s in enumerate(statements) if s.position < settings.meaning_depth and languages[i]]
    chosen = chosen[: 2 * settings.meaning_budget]
    meaning.prime(texts[i] for i in chosen)
    links = []
    for k, i in enumerate(chosen):
        for j in chosen[k + 1 :]:
            if languages[i] == languages[j] or statements[i].article.id == statements[j].article.id:
                continue
            if meaning(texts[i], texts[j]) >= settings.paraphrase:
                links.append((settings.same_claim, i, j))
                scores[i, j] = scores[j, i] = max(float(scores[i, j]), settings.same_claim)
    return links


# A negation or another day is a dispute only between two sentences that say the same otherwise ("will not reopen
# on Monday" / "will reopen on Monday"). Between sentences worded apart, it is another remark: "It's not clear
# whether ..." / "It is unclear whether ...", "Riley said Wednesday ..." / "... in a press conference Tuesday".
_ONLY_WHEN_ALIKE = frozenset({"negation", "date"})


def _alike(a: Facts, b: Facts) -> bool:
    """Most of the two sentences' content words are the same (Jaccard 0.5)."""
    union = a.terms | b.terms
    return bool(union) and len(a.terms & b.terms) >= 0.5 * len(union)


def claim_conflicts(text: str, other: str) -> list[Conflict]:
    """Where two statements of one claim disagree (``this`` in ``text``, ``other`` in ``other``): a negation or another
    day counts only between sentences worded alike."""
    mine, theirs = facts_of(text), facts_of(other)
    return [
        c
        for c in conflicts_between(mine, theirs, same_statement=True)
        if c.kind not in _ONLY_WHEN_ALIKE or _alike(mine, theirs)
    ]


def label_claim(claim: Claim) -> Claim:
    """Split a claim's statements into versions that agree, and label it disputed, corroborated or single-source."""
    versions: list[list[Statement]] = []
    found: list[Conflict] = []
    for statement in claim.statements:
        home = None
        for version in versions:
            clash = claim_conflicts(statement.text, version[0].text)
            if not clash:
                home = version
                break
            found.extend(c for c in clash if c not in found)
        if home is None:
            versions.append([statement])
        else:
            home.append(statement)
    if len(versions) > 1:
        claim.label = "disputed"
        claim.versions = versions
        claim.conflicts = found
    else:
        claim.versions = []
        claim.conflicts = []
        claim.label = "corroborated" if claim.independent_sources > 1 else "single-source"
    return claim


def settled(claim: Claim) -> list[Claim]:
    """A claim the alignment called disputed, kept disputed only over a fact: numbers, dates, names or places.

    Two different quotes of one speaker, or a conflict on a value both versions state, are no dispute: the
    versions become claims of their own.
    """
    if claim.label != "disputed":
        return [claim]
    texts = [" ".join(s.text for s in version) for version in claim.versions]
    real = []
    for conflict in claim.conflicts:
        if conflict.kind not in ("number", "date", "name", "place"):
            continue
        holders = [i for i, t in enumerate(texts) if conflict.this.lower() in t.lower()]
        others = [i for i, t in enumerate(texts) if conflict.other.lower() in t.lower()]
        if holders and others and not set(holders) & set(others):
            real.append(conflict)
    if real:
        claim.conflicts = real
        return [claim]
    return [label_claim(Claim(list(version))) for version in claim.versions]
