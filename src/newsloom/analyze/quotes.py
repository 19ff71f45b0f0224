"""Who said what: direct quotes and reported speech, attributed to a story's resolved entities, grouped across outlets.

By rule, sentence by sentence: "…," said X / X said "…" / X said (that) … / according to X, … / X told reporters …
and the other speech verbs of ``newsloom.text.speech`` (added, warned, announced, …). The speaker is a mention of an
entity from ``resolve_entities`` when there is one right by the verb; otherwise the words as written ("the ministry",
"a spokesperson"). "He said" goes to the person last named, when only one person was named there.
``group_quotes`` then puts together the same speaker saying the same thing in several outlets.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from newsloom.analyze.entities import Entity, article_sentences
from newsloom.model import Article
from newsloom.text.speech import ACCORDING_TO, SPEECH_VERBS, VERBS, alternation
from newsloom.text.terms import content_terms, fold

QuoteKind = Literal["direct", "reported"]

# Two quotes of one speaker say the same thing when this share of the shorter one's content words is in both,
# and this share of all their content words (so that a long clause naming the same people does not swallow a
# short one).
SAME_QUOTE = 0.5
SAME_QUOTE_ALL = 0.25

_VERB = re.compile(r"\b(" + alternation(SPEECH_VERBS) + r")\b", re.IGNORECASE)
_ACCORDING = re.compile(r"\b" + re.escape(ACCORDING_TO) + r"\s+", re.IGNORECASE)
_TELL = frozenset(VERBS["tell"].forms)
# Words between a speaker and the verb that leave the speaker the speaker ("Peskov later told", "he has said").
_BETWEEN = frozenset(
    "also later then again earlier separately previously has have had reportedly publicly once".split()
)
_PRONOUN = re.compile(r"(?:^|[\s,])(he|she)$", re.IGNORECASE)
_GROUPS = (
    "officials|police|authorities|witnesses|residents|analysts|diplomats|sources|experts|investigators|prosecutors|"
    "lawmakers|ministers|activists|organizers|organisers|rescuers|doctors|protesters|critics|observers|aides"
)
_NOUN_PHRASE = re.compile(
    r"(?:^|(?<=[\s,]))((?:(?:[Tt]he|[Aa]n?|[Oo]ne|[Tt]wo|[Tt]hree|[Ss]everal|[Ss]ome|[Mm]any)\s+)(?:[\w'’.-]+\s+){0,4}"
    r"[\w'’.-]+|(?:[A-Z][\w.-]*\s+)?(?:" + _GROUPS + r"))$"
)
_NOT_IN_SPEAKER = frozenset(
    "and or but who which that when while if because is was were are be been has had have it this".split()
) | {VERBS["say"].present, VERBS["say"].past}
# An object of "told" that is not part of what was said ("told reporters", "told the BBC", "told Reuters").
_TOLD_OBJECT = re.compile(
    r"^\s*(?:(?:reporters|journalists|the press|lawmakers|parliament|legislators|us|him|her|them|me|supporters|"
    r"delegates|a news conference|a press conference|the [A-Z][\w.-]*(?:\s+[A-Z][\w.-]*)*|[A-Z][\w.-]*"
    r"(?:\s+[A-Z][\w.-]*)*)\b)"
)
_LEAD_IN = re.compile(
    r"^\s*,?\s*(?:(?:late |early )?on \w+day|in a statement|in an interview|in a post|at a news conference|"
    r"at a press conference|on social media|on television|in parliament)?\s*,?\s*(?:that\b)?\s*[:,]?\s*",
    re.IGNORECASE,
)
_OPEN, _CLOSE = "\u201c\u2018", "\u201d\u2019"


@dataclass
class Quote:
    """One thing one speaker said, as one article reports it."""

    speaker: str | None  # the entity id, or None when the speaker is not a resolved entity
    speaker_name: str  # the canonical name, or the speaker's words as written ("the ministry")
    text: str  # the quoted words (direct), or the reported clause (reported)
    kind: QuoteKind
    article_id: str
    sentence: str
    sentence_index: int

    def to_json(self) -> dict[str, Any]:
        return {
            "speaker": self.speaker,
            "speaker_name": self.speaker_name,
            "text": self.text,
            "kind": self.kind,
            "article_id": self.article_id,
            "sentence": self.sentence,
            "sentence_index": self.sentence_index,
        }


@dataclass
class QuoteGroup:
    """One speaker saying one thing, as every outlet that reports it quotes it."""

    speaker: str | None
    speaker_name: str
    text: str  # the wording most of the group shares
    kind: QuoteKind  # direct when any outlet quotes the words
    quotes: list[Quote] = field(default_factory=list)
    article_ids: list[str] = field(default_factory=list)
    independent_sources: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "speaker": self.speaker,
            "speaker_name": self.speaker_name,
            "text": self.text,
            "kind": self.kind,
            "article_ids": self.article_ids,
            "independent_sources": self.independent_sources,
            "quotes": [q.to_json() for q in self.quotes],
        }


@dataclass(frozen=True)
class _Speaker:
    entity: Entity | None
    words: str  # as written
    start: int
    end: int
    pronoun: bool = False


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    entity: Entity


def find_quotes(articles: Iterable[Article], entities: Iterable[Entity]) -> list[Quote]:
    """Every direct quote and piece of reported speech in the articles, with its speaker, in reading order."""
    spans: dict[tuple[str, int], list[_Span]] = {}
    for named in entities:
        for mention in named.mentions:
            spans.setdefault((mention.article_id, mention.sentence_index), []).append(
                _Span(mention.start, mention.end, named)
            )
    found: list[Quote] = []
    for article in articles:
        if not isinstance(article, Article):
            raise TypeError(f"find_quotes() reads newsloom Article objects, not {type(article).__name__}")
        sentences = article_sentences(article)
        pending = ""  # the start of a quote opened in an earlier sentence and not yet closed
        for index, sentence in enumerate(sentences):
            here = sorted(spans.get((article.id, index), []), key=lambda s: s.start)
            quoted, pending = _quoted_spans(sentence, pending)
            quote = _attributed(sentence, here, quoted)
            if quote is None:
                continue
            speaker, text, kind = quote
            entity: Entity | None = speaker.entity
            if speaker.pronoun:
                entity = _last_person(article.id, index, speaker.start, spans)
                if entity is None:
                    continue  # "he said" with no single person it could be
            found.append(
                Quote(
                    speaker=entity.id if entity else None,
                    speaker_name=entity.canonical if entity else speaker.words,
                    text=text,
                    kind=kind,
                    article_id=article.id,
                    sentence=sentence,
                    sentence_index=index,
                )
            )
    return found


def _quoted_spans(sentence: str, pending: str) -> tuple[list[tuple[int, int, str]], str]:
    """(open mark, close mark, words) of each quote in a sentence, and the words of a quote still open at its end.

    A quote closed here but opened in an earlier sentence (``pending`` holds its words so far) starts at -1 and
    carries the earlier words; straight quotes pair up in order.
    """
    found: list[tuple[int, int, str]] = []
    open_at: int | None = None
    for position, char in enumerate(sentence):
        closing = open_at is not None or bool(pending)
        if char == '"':
            is_open, is_close = not closing, closing
        else:
            is_open = char in _OPEN and _opens_single_quote(sentence, position) and open_at is None
            is_close = char in _CLOSE and _closes_single_quote(sentence, position)
        if is_open:
            open_at = position
        elif is_close and open_at is not None:
            found.append((open_at, position, sentence[open_at + 1 : position]))
            open_at = None
        elif is_close and (pending or char != "\u2019"):  # a lone apostrophe closes only an open quote
            found.append((-1, position, (pending + " " + sentence[:position]).strip()))
            pending = ""
    if open_at is not None:
        return found, sentence[open_at + 1 :]
    if pending and len(pending) < 600:
        return found, pending + " " + sentence  # the quote runs on through this sentence
    return found, ""


def _opens_single_quote(sentence: str, position: int) -> bool:
    return position == 0 or not sentence[position - 1].isalnum()


def _closes_single_quote(sentence: str, position: int) -> bool:
    # An apostrophe inside a word ("Kremlin’s") is not a closing quote.
    after = sentence[position + 1 : position + 2]
    return not (after.isalpha() and sentence[position - 1 : position].isalpha())


def _attributed(
    sentence: str, spans: list[_Span], quoted: list[tuple[int, int, str]]
) -> tuple[_Speaker, str, QuoteKind] | None:
    for verb in _VERB.finditer(sentence):
        if any(start < verb.start() < end for start, end, _ in quoted):
            continue  # a speech verb inside the quoted words
        speaker = _speaker_before(sentence, verb.start(), spans)
        inverted = False
        if speaker is None:
            head = sentence[: verb.start()].rstrip()
            if head.endswith((",", '"', *_CLOSE)):
                speaker = _speaker_after(sentence, verb.end(), spans)
                inverted = speaker is not None
        if speaker is None:
            continue
        direct = _adjacent_quote(sentence, speaker, verb, quoted, inverted)
        if direct:
            return speaker, direct, "direct"
        clause = _reported_clause(sentence, speaker, verb, inverted)
        if clause:
            return speaker, clause, "reported"
    return _according_to(sentence, spans)


def _speaker_before(sentence: str, verb_start: int, spans: list[_Span]) -> _Speaker | None:
    head = sentence[:verb_start].rstrip()
    while True:  # "Peskov later told", "he has said"
        last = head.rsplit(None, 1)
        if len(last) == 2 and last[1].lower() in _BETWEEN:
            head = last[0].rstrip()
        else:
            break
    ends = [len(head)]
    appositive = re.search(r",[^,\"\u201c\u201d]{1,80},$", head)  # "Peskov, the Kremlin spokesman, said"
    if appositive:
        ends.append(appositive.start())
    for end in ends:
        for span in spans:
            if span.end == end:
                return _Speaker(span.entity, sentence[span.start : span.end], span.start, span.end)
        before = head[:end]
        pronoun = _PRONOUN.search(before)
        if pronoun:
            return _Speaker(None, pronoun.group(1), pronoun.start(1), end, pronoun=True)
        phrase = _NOUN_PHRASE.search(before)
        if phrase and not (set(phrase.group(1).lower().split()[1:]) & _NOT_IN_SPEAKER):
            return _Speaker(None, phrase.group(1), phrase.start(1), end)
    return None


def _speaker_after(sentence: str, verb_end: int, spans: list[_Span]) -> _Speaker | None:
    """The speaker of an inverted attribution: '"…," said Kremlin spokesman Dmitry Peskov.'"""
    for span in spans:
        between = sentence[verb_end : span.start]
        if span.start >= verb_end and len(between) <= 40 and re.fullmatch(r"(?:\s+[\w.'’-]+)*\s+", between):
            first = between.split()[0].lower() if between.split() else ""
            if first not in ("in", "at", "on", "to", "during", "after", "before", "from", "with", "by", "for"):
                return _Speaker(span.entity, sentence[span.start : span.end], span.start, span.end)
    phrase = re.match(r"\s+((?:the|a|an)\s+(?:[\w'’-]+\s+){0,3}?[\w'’-]+)\s*[.,;!?]*$", sentence[verb_end:])
    if phrase:
        start = verb_end + phrase.start(1)
        return _Speaker(None, phrase.group(1), start, verb_end + phrase.end(1))
    return None


def _adjacent_quote(
    sentence: str, speaker: _Speaker, verb: re.Match[str], quoted: list[tuple[int, int, str]], inverted: bool
) -> str | None:
    attribution_start = verb.start() if inverted else speaker.start
    attribution_end = speaker.end if inverted else verb.end()
    for open_at, close_at, words in quoted:
        gap_before = sentence[close_at + 1 : attribution_start]
        if close_at < attribution_start and re.fullmatch(r"[\s,.!?\u2014-]*", gap_before):
            return _tidy_quote(words)
        gap_after = sentence[attribution_end:open_at] if open_at > attribution_end else None
        if (
            gap_after is not None
            and len(gap_after) <= 40
            and not re.search(r"[\"\u201c\u201d]", gap_after)
            and (re.search(r"[:,]\s*$|that\s*$", gap_after) or not gap_after.strip())
        ):
            return _tidy_quote(words)
    return None


def _tidy_quote(words: str) -> str:
    return words.strip().rstrip(",.;:").strip()


def _reported_clause(sentence: str, speaker: _Speaker, verb: re.Match[str], inverted: bool) -> str | None:
    if inverted:
        clause = sentence[: verb.start()]
    else:
        rest = sentence[verb.end() :]
        if verb.group(1).lower() in _TELL:
            told = _TOLD_OBJECT.match(rest)
            if told:
                rest = rest[told.end() :]
        rest = rest[_LEAD_IN.match(rest).end() :] if _LEAD_IN.match(rest) else rest  # type: ignore[union-attr]
        clause = rest
        if len(content_terms(clause)) < 2:  # "…, Peskov said." says its clause first
            clause = sentence[: speaker.start]
            title = clause.rfind(",")
            if title >= 0 and len(clause[title + 1 :].split()) <= 5:  # "…, Kremlin spokesman Dmitry Peskov said."
                clause = clause[:title]
    clause = clause.strip().strip(",;:\u2014-").strip()
    clause = re.sub(r"[.!?]+[\"\u201d\u2019]?$", "", clause).strip()
    if len(content_terms(clause)) < 2:
        return None
    return clause


def _according_to(sentence: str, spans: list[_Span]) -> tuple[_Speaker, str, QuoteKind] | None:
    match = _ACCORDING.search(sentence)
    if not match:
        return None
    speaker: _Speaker | None = None
    for span in spans:
        between = sentence[match.end() : span.start]
        if span.start >= match.end() and len(between) <= 40 and "," not in between:
            speaker = _Speaker(span.entity, sentence[span.start : span.end], span.start, span.end)
            break
    if speaker is None:
        phrase = re.match(r"((?:the|a|an)?\s*(?:[\w'’.-]+\s+){0,3}?[\w'’.-]+)(?=\s*[,.;]|$)", sentence[match.end() :])
        if not phrase:
            return None
        speaker = _Speaker(None, phrase.group(1).strip(), match.end(), match.end() + phrase.end(1))
    # "According to X, …" or "…, according to X."
    clause = sentence[: match.start()] if sentence[: match.start()].strip() else sentence[speaker.end :]
    clause = re.sub(r"[.!?]+$", "", clause.strip().strip(",;:").strip()).strip()
    if len(content_terms(clause)) < 2:
        return None
    return speaker, clause, "reported"


def _last_person(article_id: str, index: int, before: int, spans: dict[tuple[str, int], list[_Span]]) -> Entity | None:
    """The one person a pronoun can stand for: named earlier in its sentence, else in the nearest sentence before."""
    here = {s.entity.id: s.entity for s in spans.get((article_id, index), []) if s.end <= before}
    people = {i: e for i, e in here.items() if e.kind == "person"}
    for back in range(index - 1, max(-1, index - 4), -1):
        if people:
            break
        people = {s.entity.id: s.entity for s in spans.get((article_id, back), []) if s.entity.kind == "person"}
    return next(iter(people.values())) if len(people) == 1 else None


def group_quotes(quotes: Iterable[Quote], articles: Iterable[Article]) -> list[QuoteGroup]:
    """The same speaker saying the same thing across outlets, one group each; most independent sources first."""
    by_id = {a.id: a for a in articles}
    groups: list[tuple[QuoteGroup, list[set[str]]]] = []
    for quote in quotes:
        terms = set(content_terms(quote.text))
        if not terms:
            continue
        speaker = quote.speaker or "name:" + fold(quote.speaker_name)
        best: tuple[float, int] | None = None
        for position, (group, group_terms) in enumerate(groups):
            if (group.speaker or "name:" + fold(group.speaker_name)) != speaker:
                continue
            overlap = max(
                len(terms & t) / min(len(terms), len(t)) if len(terms & t) / len(terms | t) >= SAME_QUOTE_ALL else 0.0
                for t in group_terms
            )
            if overlap >= SAME_QUOTE and (best is None or overlap > best[0]):
                best = (overlap, position)
        if best is None:
            groups.append((QuoteGroup(quote.speaker, quote.speaker_name, quote.text, quote.kind), [terms]))
            position = len(groups) - 1
        else:
            position = best[1]
            groups[position][1].append(terms)
        groups[position][0].quotes.append(quote)
    out = []
    for group, group_terms in groups:
        ids = sorted({q.article_id for q in group.quotes})
        group.article_ids = ids
        group.independent_sources = len({_source(by_id, i) for i in ids})
        group.kind = "direct" if any(q.kind == "direct" for q in group.quotes) else "reported"
        group.text = _shared_wording(group.quotes, group_terms)
        out.append(group)
    return sorted(out, key=lambda g: (-g.independent_sources, -len(g.quotes), g.speaker_name, g.text))


def _source(articles: dict[str, Article], article_id: str) -> str:
    article = articles.get(article_id)
    return (article.syndication_group if article else None) or article_id


def _shared_wording(quotes: list[Quote], terms: list[set[str]]) -> str:
    """The quote whose words the others share most; direct quotes before reported ones, then the shorter."""

    def shared(i: int) -> float:
        return sum(len(terms[i] & t) / max(1, len(terms[i] | t)) for j, t in enumerate(terms) if j != i)

    best = max(range(len(quotes)), key=lambda i: (shared(i), quotes[i].kind == "direct", -len(quotes[i].text)))
    return quotes[best].text
