"""The extractive writer: a brief made only of sentences the sources wrote, each citing every article stating it.

Sentences of different articles that state the same fact are aligned into claims (``newsloom.analyze.claims``):
corroborated, single-source or disputed. The brief an editor would sign is then put together:

- a neutral headline of at most 14 words, from the most representative title;
- a dek: the best-supported opening statement of what happened, cut at a clause break when it runs over the budget
  or when the outlets dispute a figure in it (the event is told up to the figure);
- body paragraphs: what happened, details, who said what, context; claims ranked by support, position, the
  article's centrality and the story's common vocabulary (``newsloom.write.select``), each adding something new;
  a single-source sentence is introduced with "According to OUTLET, ..." (its citation still points at the article);
- where sources differ: each version of a disputed claim in its source's words, with the outlets behind it; the
  body never states one version as fact;
- key players with their other spellings, a timeline of the independent reports (when, who, what each added), and
  the coverage.

The word budget covers every sentence printed (dek, body, versions, timeline lines); when it binds, the least
supported content goes first: claims are taken best first until the budget is spent (the last words take the next
claim cut at a clause break, when one leaves a whole statement), the timeline takes what is left.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace

from newsloom.analyze.claims import ClaimSettings, align_claims, settled
from newsloom.analyze.compare import NUMBER_WORDS, Meanings, SentenceMatcher, sentence_encoder
from newsloom.analyze.entities import article_texts, spelling_variants
from newsloom.model import Article, Brief, Claim, Coverage, Sentence, Statement, TimelineEntry, counted_by_outlet
from newsloom.text.clean import strip_dateline
from newsloom.text.speech import PLAIN_SPEECH, alternation
from newsloom.text.terms import content_terms, numbers
from newsloom.write.sections import (
    _citation,
    attributed,
    choose_headline,
    citations_of,
    clipped,
    cut_at_word,
    difference_of,
    key_players,
    needs_attribution,
    shortened,
    story_entities,
)
from newsloom.write.select import (
    CONNECTIVE,
    Candidate,
    adds_something,
    caption,
    jaccard,
    mended_quote,
    merge_disputes,
    names_someone,
    needs_a_person,
    own_voice,
    paired_marks,
    rank_claims,
    stands_alone,
    tightened,
    unfinished,
)
from newsloom.write.settings import Weights, WriterSettings

__all__ = ["WriterSettings", "align_claims", "coverage_of", "strip_dateline", "write_brief"]

# A sentence of "who said what": it quotes, or it reports speech in words a bare search can trust.
_SPEECH = re.compile(r"[\"\u201c\u201d]|\b" + alternation(PLAIN_SPEECH) + r"\b", re.IGNORECASE)
_CONTEXT = re.compile(
    r"\b(last (year|month|week|spring|summer|autumn|fall|winter)|in (19|20)\d\d|earlier this|previously|"
    r"was the (first|last|latest)|the latest|comes after|came after|follows|amid|"
    r"since (19|20)\d\d|for years|for decades|history|historically|in recent (years|months|weeks))\b",
    re.IGNORECASE,
)
SECTIONS = ("what happened", "details", "who said what", "context")


def _article_order(articles: Sequence[Article]) -> list[Article]:
    """Articles read in order of how central they are to the story: shared terms first, then as given."""
    term_counts: Counter[str] = Counter()
    per_article = {a.id: set(content_terms(f"{a.title} {' '.join(a.sentences[:8])}")) for a in articles}
    for terms in per_article.values():
        term_counts.update(terms)

    def centrality(article: Article) -> float:
        terms = per_article[article.id]
        return sum(term_counts[t] - 1 for t in terms) / (len(terms) + 5)

    return sorted(articles, key=lambda a: -centrality(a))


def coverage_of(articles: Sequence[Article]) -> Coverage:
    dated = sorted((a for a in articles if a.published), key=lambda a: a.published)  # type: ignore[arg-type,return-value]
    return Coverage(
        articles=len(articles),
        outlets=sorted({a.display_outlet for a in articles}),
        independent_sources=len({a.source_key for a in counted_by_outlet(articles)}),
        first_report=dated[0].published if dated else None,
        first_outlet=dated[0].display_outlet if dated else None,
        last_update=dated[-1].published if dated else None,
    )


def _sentence(claim: Claim, story_sources: int, follows: bool = False, story_text: str = "") -> Sentence:
    """A claim as a sentence of the brief: its source's words, its label, and its attribution when single-source.

    A sentence that follows the one before it in its article (``follows``) goes on in that sentence's voice.
    """
    outlet = None if follows else needs_attribution(claim, story_sources)
    words = paired_marks(claim.text) if follows else mended_quote(claim.text) or claim.text
    text = attributed(words, outlet, story_text or claim.representative.article.text) if outlet else words
    return Sentence(text, citations_of(claim.statements), label=claim.label, attributed_to=outlet)


def _next_best(
    rest: list[Candidate], taken: Sequence[Candidate], weights: Weights, printed_at: dict[tuple[str, int], Candidate]
) -> Candidate:
    """The remaining claim worth most now (removed from rest).

    A claim that repeats part of a chosen one spends the reader's words on what they have read: its worth falls with
    its largest term overlap with a chosen claim. A claim whose article wrote it right after a chosen sentence reads
    on from it, as the reporter told the story: its worth rises. (This decides what the brief says; the body is still
    read best-supported first, see ``_paragraphs``.)
    """
    if not (weights.novelty or weights.reads_on) or not taken:
        return rest.pop(0)
    look = rest[: weights.novelty_window]

    def now(candidate: Candidate) -> float:
        worth = candidate.worth
        if weights.novelty:
            worth *= 1 - weights.novelty * max(jaccard(candidate.terms, c.terms) for c in taken)
        if weights.reads_on and any((s.article.id, s.position - 1) in printed_at for s in candidate.claim.statements):
            worth *= 1 + weights.reads_on
        return worth

    return rest.pop(max(range(len(look)), key=lambda i: now(look[i])))


def _difference_words(candidate: Candidate) -> int:
    return sum(len(min(v, key=lambda s: s.position).text.split()) for v in candidate.claim.versions)


def _dek(
    candidates: Sequence[Candidate],
    settings: WriterSettings,
    budget: int,
    reported: Callable[[Sequence[Candidate]], list[float]] | None = None,
) -> tuple[Candidate | None, Candidate | None]:
    """The story's most central statement of what happened: the best opening sentence that stands alone, cut at a
    clause break when it runs over the budget (with a tight budget the event's own sentence is often the long one).

    An opening sentence whose figure the outlets dispute ("killing 18 people" / "19 dead") still tells the event: the
    dek says it up to the disputed figure ("A fire tore through a karaoke lounge on Tuesday."), citing every outlet
    that says as much, and the figures are shown where sources differ. Returned with the candidate it was cut from."""
    limit = min(settings.max_dek_words, budget)
    # A report's first sentence tells its news; of the reports' first sentences, the dek is the one the other
    # reports say most of (``reported``), the best-supported first among equals. A second sentence is a detail
    # ("The alarm was raised at 11:40 p.m.") unless no report opens with a usable one. (Where the printed words
    # stand in their article: a claim's other statements may open theirs.)
    pool: list[tuple[Candidate, Candidate]] = []
    for deepest in (0, 1, None):
        for candidate in candidates:
            position = candidate.claim.representative.position
            if deepest is None or position <= deepest:
                part = _dek_option(candidate, settings, limit)
                if part is not None:
                    pool.append((part, candidate))
        if pool:
            break
    if not pool:
        # Every sentence runs over the budget with no clause break to end it at: rather than a brief of nothing,
        # the best opening sentence's first words, marked as cut ("...").
        for candidate in sorted(candidates, key=lambda c: c.claim.representative.position):
            if candidate.words() > limit and _dek_option(candidate, settings, candidate.words()) is not None:
                return _clipped_candidate(candidate, cut_at_word(candidate.text, limit)), candidate
        return None, None
    if reported is None or len(pool) == 1:
        return pool[0]
    scores = reported([original for _, original in pool])
    return pool[max(range(len(pool)), key=lambda i: (round(scores[i], 6), -i))]


def _dek_option(candidate: Candidate, settings: WriterSettings, limit: int) -> Candidate | None:
    """The candidate as a dek within ``limit`` words (cut, or told up to a disputed figure), or None: no dek leans on
    another sentence, opens on a quotation or a connective ("But"), speaks as the outlet, is a line with no stop, or
    is too short."""
    if (
        not stands_alone(candidate.text)
        or candidate.text[:1] in "\"\u201c\u201e\u00ab'\u2018"  # a quotation is what someone said, not the event
        or CONNECTIVE.match(candidate.text)  # "But it turns out ..." goes on from a sentence the reader was not given
        or candidate.words() < settings.min_sentence_words
        or own_voice(candidate.text)
        or unfinished(candidate.text)
    ):
        return None
    if candidate.claim.label == "disputed":
        part = _undisputed_part(candidate, limit)
    elif candidate.words() > limit:
        shorter = shortened(candidate.text, limit)
        part = _clipped_candidate(candidate, shorter) if shorter is not None else None
    else:
        part = candidate
    return part if part is not None and part.words() >= settings.min_sentence_words else None


def _reported_by_others(
    articles: Sequence[Article], matcher: SentenceMatcher, depth: int
) -> Callable[[Sequence[Candidate]], list[float]]:
    """How many of the story's outlets report each candidate, softly: one for each outlet stating it, and for every
    other outlet the similarity of its closest sentence (among its first ``depth``). Words alone, as the matcher
    reads them."""

    def reported(candidates: Sequence[Candidate]) -> list[float]:
        pool = [(a.source_key, sentence) for a in articles for sentence in a.sentences[:depth]]
        if not pool:
            return [0.0] * len(candidates)
        similarity = matcher.similarity_matrix([c.text for c in candidates], [text for _, text in pool])
        scores = []
        for row, candidate in enumerate(candidates):
            own = {s.source_key for s in candidate.claim.statements}
            best: dict[str, float] = {}
            for column, (source, _) in enumerate(pool):
                if source not in own:
                    best[source] = max(best.get(source, 0.0), float(similarity[row, column]))
            scores.append(len(own) + sum(best.values()))  # its own outlets state it whole
        return scores

    return reported


def _undisputed_part(candidate: Candidate, limit: int) -> Candidate | None:
    """A disputed claim's sentence up to the clause break before its first disputed value, citing every statement
    that says as much; None when no break comes before it. The printed sentence is tried first, then each other
    outlet's (one may name the event before its figure: "A helicopter crashed onto a golf course on Monday, killing
    one" where the first says "An Army base says one of its helicopters ...")."""
    values = {value for conflict in candidate.claim.conflicts for value in (conflict.this, conflict.other) if value}
    values |= {word for word, value in NUMBER_WORDS.items() if value in values}  # "3" is written "three"
    lead = candidate.claim.representative
    others = sorted((s for s in candidate.claim.statements if s is not lead), key=lambda s: s.position)
    for statement in (lead, *others):
        part = _told_before(candidate, statement, values, limit)
        if part is not None:
            return part
    return None


def _told_before(candidate: Candidate, lead: Statement, values: set[str], limit: int) -> Candidate | None:
    found = [m.start() for v in values for m in re.finditer(rf"(?<!\w){re.escape(v)}(?!\w)", lead.text, re.IGNORECASE)]
    if not found:
        return None
    shorter = clipped(lead.text, min(limit, len(lead.text[: min(found)].split()) - 1))
    if shorter is None:
        return None
    # Every outlet whose sentence holds all of the part's words states it, whichever figure it gives after.
    wanted = set(content_terms(shorter))
    short = Statement(lead.article, lead.position, shorter)
    statements = [
        short if s is lead else s
        for s in candidate.claim.statements
        if s is lead or wanted <= set(content_terms(s.text))
    ]
    several = len({s.source_key for s in statements}) > 1
    claim = Claim(statements=statements, label="corroborated" if several else "single-source", lead=short)
    return replace(candidate, claim=claim, _numbers=None)


def _stated_also_by(candidate: Candidate, articles: Sequence[Article], depth: int) -> Candidate:
    """A shortened candidate citing every other outlet that states what is left of it: a sentence holding all its
    content words and its numbers ("Hallam conceded late on Saturday." left of "Hallam, who had led the province
    since 2018, conceded late on Saturday." is also the Tribune's "Governor Viktor Hallam conceded defeat late on
    Saturday after ..."), so the brief says no "According to X" of a fact another outlet gives too."""
    wanted = set(content_terms(candidate.text))
    figures = numbers(candidate.text)
    if len(wanted) < 3 or candidate.text.endswith("\u2026") or candidate.claim.label == "disputed":
        return candidate
    own = {s.source_key for s in candidate.claim.statements}
    found = []
    for article in articles:
        if article.source_key in own:
            continue
        for position, sentence in enumerate(article.sentences[:depth]):
            if wanted <= set(content_terms(sentence)) and figures <= numbers(sentence):
                found.append(Statement(article, position, strip_dateline(sentence)))
                own.add(article.source_key)
                break
    if not found:
        return candidate
    claim = replace(candidate.claim, statements=[*candidate.claim.statements, *found], label="corroborated")
    return replace(candidate, claim=claim, _numbers=None)


def _longer(
    pool: Sequence[Candidate],
    others: Sequence[Candidate],
    room: int,
    enough: int,
    dek_from: Candidate | None,
    reading: Sequence[Article],
    settings: WriterSettings,
    meaning: Meanings,
    sources: int,
    story_text: str,
) -> tuple[Candidate, Sentence] | None:
    """Of ``pool``, the best sentence printing at least ``enough`` words and at most ``room`` (cut at a clause break
    if need be) that stands alone and adds something to ``others``; None when none does."""
    for candidate in pool[: settings.weights.novelty_window]:
        if candidate is dek_from or candidate.claim.label == "disputed" or not stands_alone(candidate.text):
            continue
        if not adds_something(candidate, others, settings.weights, meaning):
            continue
        candidate, sentence = _fitted(candidate, room, False, reading, settings, sources, story_text)
        if enough <= sentence.words() <= room:
            return candidate, sentence
    return None


def _fitted(
    candidate: Candidate,
    room: int,
    leaning: bool,
    reading: Sequence[Article],
    settings: WriterSettings,
    sources: int,
    story_text: str,
) -> tuple[Candidate, Sentence]:
    """The candidate and its printed sentence, shortened by leaving words out when it runs over ``room`` words and
    can be (a sentence that leans on the one before it is printed whole), citing every outlet that states what is
    left. The caller sees whether it fits."""
    sentence = _sentence(candidate.claim, sources, leaning, story_text)
    if sentence.words() > room and not leaning:
        extra = sentence.words() - candidate.words()  # the attribution's words
        shorter = shortened(candidate.text, room - extra, settings.min_sentence_words)
        if shorter is not None and shorter != candidate.text:
            candidate = _stated_also_by(_clipped_candidate(candidate, shorter), reading, settings.sentences_per_article)
            sentence = _sentence(candidate.claim, sources, leaning, story_text)
    return candidate, sentence


def _clipped_candidate(candidate: Candidate, text: str) -> Candidate:
    """The candidate printed in fewer words: its representative statement cut to ``text``, every source kept."""
    lead = candidate.claim.representative
    short = Statement(lead.article, lead.position, text)
    statements = [short if s is lead else s for s in candidate.claim.statements]
    claim = replace(candidate.claim, statements=statements, lead=short)
    return replace(candidate, claim=claim, _numbers=None)


def _speech(candidate: Candidate, quoted: set[tuple[str, int]] | None) -> bool:
    """Whether a sentence tells what someone said: it quotes someone, or the quote finder read a person's speech in it.

    A fact credited to its source ("the bacteria showed up in samples, the water board said") is not speech. Without
    the entity model (``quoted`` None), reported speech is read by its verbs, not counting an instruction given to
    people ("residents were told to boil water").
    """
    if _QUOTATION.search(candidate.text):
        return True
    if quoted is not None:
        return any((s.article.id, s.position) in quoted for s in candidate.claim.statements)
    return _SPEECH.search(_PASSIVE_SPEECH.sub(" ", candidate.text)) is not None


_QUOTATION = re.compile(r"[\"\u201c][^\"\u201c\u201d]{12,}[\"\u201d]|^[\"\u201c]")
_PASSIVE_SPEECH = re.compile(r"\b(?:been|were|was|are|is|being|be|get|got)\s+(?:\w+ly\s+)?told\b", re.IGNORECASE)


def _section(run: Sequence[Candidate], quoted: set[tuple[str, int]] | None) -> str:
    """What a run of sentences tells, named by its first sentence: who said what when it opens with speech, context
    when it opens with background, else details."""
    if _speech(run[0], quoted):
        return "who said what"
    if _CONTEXT.search(run[0].text):
        return "context"
    return "details"


def _paragraphs(
    chosen: Sequence[Candidate],
    sentences: dict[int, Sentence],
    quoted: set[tuple[str, int]] | None,
    follows: dict[int, Candidate],
) -> tuple[list[list[Sentence]], list[str]]:
    """Body paragraphs by what they tell: what happened (the best-supported facts), details, who said what, context.

    A sentence that leans on the one before it stays right after it, in its paragraph. A section too long for one
    paragraph goes on in the next under the same name (shown once); at most seven paragraphs, joined within a section.
    """
    runs: list[list[Candidate]] = []
    run_of: dict[int, list[Candidate]] = {}
    # Claims that stand alone are read by worth, best first; a sentence leaning on another goes right after it.
    alone = sorted((c for c in chosen if id(c) not in follows), key=lambda c: -c.worth)
    for candidate in [*alone, *(c for c in chosen if id(c) in follows)]:
        leaned_on = follows.get(id(candidate))
        if leaned_on is not None and id(leaned_on) in run_of:
            run = run_of[id(leaned_on)]
            run.insert(run.index(leaned_on) + 1, candidate)
        else:
            run = [candidate]
            runs.append(run)
        run_of[id(candidate)] = run
    by_section: dict[str, list[list[Candidate]]] = {name: [] for name in SECTIONS}
    facts = 0
    for run in runs:
        section = _section(run, quoted)
        if section == "details" and facts < 2:  # the two best-supported runs of facts tell what happened
            section = "what happened"
            facts += 1
        by_section[section].append(run)
    size = 2 if len(chosen) < 10 else 3
    paragraphs: list[list[Sentence]] = []
    names: list[str] = []
    for name in SECTIONS:
        paragraph: list[Sentence] = []
        for run in by_section[name]:
            if paragraph and len(paragraph) + len(run) > size:
                paragraphs.append(paragraph)
                names.append(name)
                paragraph = []
            paragraph.extend(sentences[id(c)] for c in run)
        if paragraph:
            paragraphs.append(paragraph)
            names.append(name)
    while len(paragraphs) > 7:  # at most seven paragraphs: the shortest joins the one before it, in its section if any
        joinable = [i for i in range(1, len(paragraphs)) if names[i] == names[i - 1]] or range(1, len(paragraphs))
        shortest = min(joinable, key=lambda i: len(paragraphs[i]))
        paragraphs[shortest - 1].extend(paragraphs.pop(shortest))
        names.pop(shortest)
    return paragraphs, names


def _timeline(
    articles: Sequence[Article],
    candidates: Sequence[Candidate],
    printed: set[int],
    budget: int,
    limit: int,
) -> list[TimelineEntry]:
    """The independent reports in publication order, each with the best claim it was first to state."""
    first_copies: dict[str, Article] = {}
    for article in sorted((a for a in articles if a.published), key=lambda a: a.published):  # type: ignore[arg-type,return-value]
        first_copies.setdefault(article.syndication_group or article.id, article)
    reports = list(first_copies.values())
    if len(reports) < 2 or not limit:
        return []
    stated: set[int] = set()
    entries: list[TimelineEntry] = []
    used = 0
    for report in reports:
        group = report.syndication_group or report.id
        own = [
            c
            for c in candidates
            if any((s.article.syndication_group or s.article.id) == group for s in c.claim.statements)
        ]
        fresh = [c for c in own if id(c) not in stated and id(c) not in printed and c.claim.label != "disputed"]
        stated.update(id(c) for c in own)
        for candidate in fresh:
            if not stands_alone(candidate.text) or used + candidate.words() > budget:
                continue
            statements = [s for s in candidate.claim.statements if s.article.id == report.id] or [
                s for s in candidate.claim.statements if (s.article.syndication_group or s.article.id) == group
            ]
            written = min(statements, key=lambda s: s.position)  # in this report's own words, or its copy's
            text = written.text
            if not stands_alone(text) or used + len(text.split()) > budget:
                continue
            added = Sentence(mended_quote(text) or text, citations_of(statements), label=candidate.claim.label)
            # The entry names the outlet whose words it prints: a copy's words are its outlet's, not the report's.
            entries.append(
                TimelineEntry(written.article.published or report.published, written.article.display_outlet, added)
            )
            used += added.words()
            break
        if len(entries) >= limit:
            break
    return entries


def story_language(articles: Sequence[Article]) -> str | None:
    """The language most of a story's reports are in (None when none says)."""
    counts = Counter(a.language for a in articles if a.language)
    return counts.most_common(1)[0][0] if counts else None


def meaning_encoder(setting: str, languages: Sequence[str | None]) -> str:
    """The sentence encoder a brief compares meanings with ("" for words alone). "auto" uses one only for a story
    told in several languages, where words cannot meet: on one-language news, words (with names read across
    spellings) align claims as well and five times faster (docs/benchmarks.md, "Statement matcher")."""
    if setting != "auto":
        return setting
    return "multilingual" if len({language for language in languages if language}) > 1 else ""


def write_brief(
    articles: Sequence[Article],
    story_id: str | None = None,
    max_words: int | None = None,
    settings: WriterSettings | None = None,
) -> Brief:
    """The extractive brief of a story from its articles (normalized, with syndication groups)."""
    settings = settings or WriterSettings()
    if not articles:
        raise ValueError("a brief needs at least one article")
    if max_words is not None and max_words < 1:
        raise ValueError(f"max_words must be at least 1, got {max_words}")
    articles = counted_by_outlet(articles)  # distinct outlets are the independent sources, not copies
    budget = max_words if max_words is not None else settings.max_words
    sentence_limit = settings.max_sentences if max_words is None else 10_000
    ordered = _article_order(articles)
    rank = {a.id: i for i, a in enumerate(ordered)}
    reading = ordered[: settings.articles_per_brief]
    coverage = coverage_of(articles)
    encoder = meaning_encoder(settings.meaning, [a.language for a in reading])
    claim_settings = ClaimSettings(
        sentences_per_article=settings.sentences_per_article,
        min_words=settings.min_sentence_words,
        max_words=settings.max_sentence_words,
        meaning=encoder,
        meaning_budget=settings.meaning_budget,
    )
    weights = settings.weights
    claims = []
    reported_by: dict[int, int] = {}
    meaning = Meanings(sentence_encoder(encoder, [a.language for a in reading]) if encoder else None)
    # One matcher for the story: its spellings and term weights serve the alignment and the choice of words.
    matcher = SentenceMatcher(spellings=spelling_variants(article_texts(a) for a in reading))
    aligned_claims = align_claims(reading, matcher=matcher, settings=claim_settings, meaning=meaning)
    language = story_language(reading)
    for aligned in aligned_claims:
        for claim in settled(aligned):
            for narrowed in tightened(claim, matcher, meaning, language):
                reported_by[id(narrowed)] = claim.independent_sources
                claims.append(narrowed)
    ranked = rank_claims(claims, rank, weights, reported_by)
    # A picture's caption describes a picture the brief does not show, and a line with no stop is a headline or a
    # subhead inside the text ("Man charged with murder in officer's death"): no dek, body, difference or timeline
    # prints them (but for a story told only in such lines, a gallery's standfirst, whose brief would say nothing).
    ranked = [c for c in ranked if not caption(c.text)]
    ranked = [c for c in ranked if not unfinished(c.text)] or ranked
    candidates = rank_claims(merge_disputes(ranked), rank, weights, reported_by)
    # The brief is written in the story's language: a fact only another language's reports state is cited where
    # it joins a claim, not printed in words the reader may not read.
    candidates = [c for c in candidates if c.claim.representative.article.language in (None, language)] or candidates
    sources = coverage.independent_sources
    story_text = "\n".join(a.text for a in articles)  # how the story writes its words: names keep their capital
    sentences: dict[int, Sentence] = {}

    reported = _reported_by_others(reading, matcher, settings.sentences_per_article)
    dek, dek_from = _dek(candidates, settings, budget, reported)
    if dek is not None and dek_from is not None and dek.text != dek_from.text:
        dek = _stated_also_by(dek, reading, settings.sentences_per_article)
    used = 0
    taken: list[Candidate] = []
    if dek is not None:
        sentences[id(dek)] = _sentence(dek.claim, sources, story_text=story_text)
        if sentences[id(dek)].words() > budget:  # the attribution made it too long
            sentences[id(dek)] = Sentence(
                mended_quote(dek.text) or dek.text, citations_of(dek.claim.statements), label=dek.claim.label
            )
        used += sentences[id(dek)].words()
        taken.append(dek)
    body: list[Candidate] = []
    disputed: list[Candidate] = []
    follows: dict[int, Candidate] = {}  # id(candidate) -> the chosen sentence it leans on, printed right before it
    printed_at: dict[tuple[str, int], Candidate] = {}  # (article id, sentence index) -> the chosen claim stating it
    waiting: dict[tuple[str, int], list[Candidate]] = {}  # sentences that lean on one not chosen (yet)
    if dek is not None:
        printed_at.update(((s.article.id, s.position), dek) for s in dek.claim.statements)
    queue: list[Candidate] = []  # sentences that leaned on one just chosen: they come next
    rest = list(candidates)
    while queue or rest:
        candidate = queue.pop() if queue else _next_best(rest, taken, weights, printed_at)
        if candidate is dek or (candidate is dek_from and candidate.claim.label != "disputed"):
            continue  # said in the dek (a disputed claim's figures are still shown where sources differ)
        if candidate is not dek_from and not adds_something(candidate, taken, weights, meaning):
            continue
        leaning = not stands_alone(candidate.text)
        before = candidate.claim.representative
        if leaning:
            # A sentence opening "He said" or a quotation's piece without its speaker is printed only after the
            # sentence its article wrote before it, so the reader knows who is meant.
            key = (before.article.id, before.position - 1)
            if needs_a_person(candidate.text) and not (
                0 <= key[1] < len(before.article.sentences) and names_someone(before.article.sentences[key[1]])
            ):
                continue  # "he said" after a sentence naming no one: who is meant was told further back
            if key not in printed_at or printed_at[key] is dek or printed_at[key].claim.label == "disputed":
                waiting.setdefault(key, []).append(candidate)
                continue
            if needs_a_person(candidate.text) and not names_someone(printed_at[key].text):
                continue  # the sentence before it is printed in words naming no one
            follows[id(candidate)] = printed_at[key]
        if candidate.claim.label == "disputed":
            words = _difference_words(candidate)
            if leaning or len(disputed) >= settings.differences or used + words > budget:
                continue
            disputed.append(candidate)
        else:
            if len(body) >= sentence_limit:
                continue
            # The words left take the sentence up to a clause break: what it says first, whole.
            candidate, sentence = _fitted(candidate, budget - used, leaning, reading, settings, sources, story_text)
            words = sentence.words()
            if used + words > budget:
                follows.pop(id(candidate), None)
                continue
            sentences[id(candidate)] = sentence
            body.append(candidate)
            for statement in candidate.claim.statements:
                key = (statement.article.id, statement.position)
                printed_at.setdefault(key, candidate)
                queue.extend(reversed(waiting.pop(key, [])))  # what leaned on it was worth more: it comes next
        taken.append(candidate)
        used += words

    # A set budget is filled: when the last sentence leaves more than 5% of it unused, the best sentence (at least
    # half as worthy) that fills it to 95% or more takes its place.
    last = body[-1] if body else None
    if (
        max_words is not None
        and last is not None
        and last is not dek
        and budget - used > budget * 0.05
        and id(last) not in follows
        and all(before is not last for before in follows.values())
    ):
        have = sentences[id(last)].words()
        others = [c for c in taken if c is not last]
        chosen_ids = {id(c) for c in taken}
        pool = [c for c in candidates if c.worth >= last.worth / 2 and id(c) not in chosen_ids]
        room, enough = budget - used + have, math.ceil(budget * 0.95) - (used - have)
        longer = _longer(pool, others, room, enough, dek_from, reading, settings, meaning, sources, story_text)
        if longer is not None:
            chosen, sentence = longer
            body[-1] = chosen
            taken[taken.index(last)] = chosen
            sentences[id(chosen)] = sentence
            used += sentence.words() - have

    quoted: set[tuple[str, int]] | None = None  # sentences where a person speaks (None: not read)
    players = []
    if settings.key_players:
        # Entities are read only in the sentences the brief prints, as every outlet wrote them: the spellings that
        # matter to a reader, at a fraction of the cost of reading whole articles in the watch loop.
        wanted: dict[str, set[int]] = {}
        for candidate in taken:
            for statement in candidate.claim.statements:
                wanted.setdefault(statement.article.id, set()).add(statement.position)
        focused = [_focused(article, wanted[article.id]) for article in reading if article.id in wanted]
        entities, quotes = story_entities(focused, settings.entity_model, settings.sentences_per_article)
        players = key_players(entities, settings.key_players)
        people = {e.id for e in entities if e.kind == "person"}
        quoted = (
            {(q.article_id, q.sentence_index) for q in quotes if q.kind == "direct" or q.speaker in people}
            if entities
            else None
        )

    if dek is not None and not body:  # a brief of one claim says it in the body, not in a dek over nothing
        body.append(dek)
        dek = None
    paragraphs, sections = _paragraphs(body, sentences, quoted, follows)
    timeline = _timeline(reading, candidates, {id(c) for c in taken}, budget - used, settings.timeline_entries)
    dek_sentence = sentences[id(dek)] if dek is not None else None
    headline, headline_source = choose_headline(ordered, dek.text if dek is not None else None)
    return Brief(
        story_id=story_id,
        headline=headline,
        headline_source=headline_source,
        dek=dek_sentence,
        paragraphs=paragraphs,
        sections=sections,
        differences=[difference_of(c.claim) for c in disputed],
        key_players=players,
        timeline=timeline,
        coverage=coverage,
        citations={a.id: _citation(a) for a in ordered},
    )


def _focused(article: Article, positions: set[int]) -> Article:
    """The article with only the given sentences left (the others blank), so sentence indexes stay valid."""
    last = max(positions)
    return replace(
        article, sentences=[s if i in positions else "" for i, s in enumerate(article.sentences[: last + 1])]
    )
