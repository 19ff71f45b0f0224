"""The checker: is each sentence of a text (a brief, or copy written elsewhere, perhaps by a machine) in the sources?

Every sentence gets one label:

- ``supported``: a source sentence (or a few aligned ones together) states its content: its names, numbers and
  dates, and most of its content terms, with no conflict; a reworded but faithful sentence is supported;
- ``contradicted``: the source sentences that state the same claim give another number, date, place or name, the
  opposite (a negation on one side only), or other words inside the quotation marks;
- ``unsupported``: no source states it (an added fact, however plausible).

Embedding similarity alone cannot tell a right place from a wrong one: the deterministic checks of
``newsloom.analyze.compare`` decide conflicts, the similarity only decides which source sentences are aligned.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from newsloom.analyze.compare import (
    Facts,
    Relation,
    SentenceMatcher,
    date_conflicts,
    facts_of,
    missing_facts,
    name_stated,
    quantity_conflicts,
    sentence_encoder,
)
from newsloom.analyze.entities import article_texts, respell, spelling_variants
from newsloom.analyze.reading import Skipped, read_text
from newsloom.analyze.support import StoryText, SupportHead, load_head, support_signs
from newsloom.model import Article, Brief, CheckLabel, Conflict
from newsloom.text.clean import strip_dateline
from newsloom.text.language import detect_language
from newsloom.text.markdown import escape_markdown
from newsloom.text.sentences import split_sentences
from newsloom.text.speech import ACCORDING_TO, AS_REPORTED_BY, CREDIT_VERBS, alternation, quote_marks
from newsloom.text.terms import fold

LABELS: tuple[CheckLabel, ...] = ("supported", "unsupported", "contradicted")


@dataclass(frozen=True)
class CheckSettings:
    candidates: int = 8  # source sentences looked at per sentence
    aligned: float = 0.3  # similarity from which a source sentence speaks of the same thing
    aligned_cover: float = 0.5  # ... or share of the sentence's content it states
    support_cover: float = 0.7  # share of the sentence's content the evidence must state
    support_similarity: float = 0.62  # ... or similarity, when its numbers, dates and names are all stated
    contradiction: float = 0.4  # similarity from which an aligned source sentence's conflict contradicts
    merge: int = 3  # aligned source sentences whose content may be pooled to support one sentence
    head: bool = True  # weigh the support signs with the trained head (analyze/support.py); False: the rules alone
    # The sentence encoder that recognises a statement in other words ("minilm", "multilingual", or "auto": by the
    # sources' languages); "" for words alone. See ``_in_other_words``.
    meaning: str = "auto"
    paraphrase: float = 0.7  # embedding cosine from which a sentence the head finds stated is one in other words,
    paraphrase_support: float = 0.6  # ... when the head's support reaches this (above its threshold: words it lacks)
    across: float = 0.7  # multilingual cosine from which a source sentence in another language states a sentence
    across_contradiction: float = 0.6  # ... and from which its other number or date contradicts (a changed figure
    # lowers the cosine: "60 prisoners" / "40 prisonniers" 0.68, "40" / "40" 0.81)
    across_sources: int = 400  # source sentences in other languages read at most


@dataclass
class Evidence:
    """A source sentence standing behind (or against) a checked sentence."""

    article_id: str
    outlet: str
    sentence: str
    similarity: float

    def to_json(self) -> dict[str, Any]:
        return {"id": self.article_id, "sentence": self.sentence, "outlet": self.outlet, "similarity": self.similarity}


@dataclass
class CheckedSentence:
    text: str
    label: CheckLabel
    evidence: list[Evidence] = field(default_factory=list)  # best first
    reason: str = ""
    support: float | None = None  # the head's probability that people would call it consistent with the sources
    signs: dict[str, float] = field(default_factory=dict)  # what the head weighed (analyze/support.py)

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "label": self.label,
            "evidence": [e.to_json() for e in self.evidence],
            "reason": self.reason,
            **({"support": round(self.support, 4)} if self.support is not None else {}),
        }


@dataclass
class CheckReport:
    """The checked sentences; for a brief, also what it was read as and the lines passed over as not claims."""

    sentences: list[CheckedSentence]
    read_as: str = "text"
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def summary(self) -> dict[str, Any]:
        counts: dict[str, int] = {label: sum(s.label == label for s in self.sentences) for label in LABELS}
        total = len(self.sentences)
        out = {
            "sentences": total,
            **counts,
            "share_supported": round(counts["supported"] / total, 4) if total else 0.0,
        }
        if self.read_as != "text":
            out["skipped"] = len(self.skipped)
        return out

    def flagged(self) -> list[CheckedSentence]:
        """The sentences a reader should not trust: unsupported or contradicted."""
        return [s for s in self.sentences if s.label != "supported"]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"sentences": [s.to_json() for s in self.sentences], "summary": self.summary}
        if self.read_as != "text":
            out["read_as"] = self.read_as
            out["skipped"] = [item.to_json() for item in self.skipped]
        return out

    def skipped_line(self) -> str:
        """How many lines were passed over as not claims, by kind: "14 lines not checked, as not claims: ..."."""
        kinds: dict[str, int] = {}
        for item in self.skipped:
            kinds[item.kind] = kinds.get(item.kind, 0) + 1
        count = len(self.skipped)
        what = ", ".join(f"{kind} {n}" for kind, n in kinds.items())
        return f"read as {self.read_as}: {count} line{'s' if count != 1 else ''} not checked, as not claims" + (
            f" ({what})" if what else ""
        )


@dataclass(frozen=True)
class _Source:
    article: Article
    text: str  # as matched: every name spelt the way most outlets spell it
    joined: bool = False  # two adjacent sentences of the article read as one
    shown: str = ""  # as the article writes it, when that differs
    parts: tuple[str, ...] = ()  # the two sentences, as matched, when joined

    @property
    def said(self) -> str:
        return self.shown or self.text


def with_marks_back(text: str) -> str | None:
    """A piece of a quotation split across sentences, with the marks it lost put back; None when it lost none.

    The sentence splitter leaves a long quotation's opening mark in one sentence and its closing mark in another:
    a text that quotes the piece with its marks states what the source states, in the same words.
    """
    marks = quote_marks(text)
    if marks.paired:
        return None
    opening, closing = ("\u201c", "\u201d") if marks.curly else ('"', '"')
    mended = opening + text if marks.lost_opening is not None else text
    if marks.lost_closing is not None:
        end = len(mended.rstrip())
        mended = mended[:end] + closing + mended[end:]
    return mended


def _source_sentences(articles: Sequence[Article], variants: dict[str, str]) -> list[_Source]:
    out: list[_Source] = []
    seen: set[tuple[str, str]] = set()

    def add(article: Article, text: str, *parts: str) -> None:
        matched = respell(text, variants)
        halves = tuple(respell(part, variants) for part in parts)
        out.append(_Source(article, matched, bool(parts), text if matched != text else "", halves))

    for article in articles:
        sentences = article.sentences or split_sentences(article.text, article.language)
        texts = ([article.title] if article.title else []) + [strip_dateline(s.strip()) for s in sentences]
        texts += [mended for mended in map(with_marks_back, texts) if mended]
        for text in texts:
            if text and (article.id, text) not in seen:
                seen.add((article.id, text))
                add(article, text)
        # A text may join two adjacent sentences of one article into one.
        for first, second in itertools.pairwise(sentences):
            first, second = strip_dateline(first.strip()), second.strip()
            add(article, f"{first} {second}", first, second)
    return out


def _known_marks(articles: Sequence[Article]) -> set[str]:
    marks = set()
    for article in articles:
        marks.add(article.id.lower())
        marks.add(f"id {article.id}".lower())
        if article.outlet:
            marks.add(article.outlet.lower())
    return marks


def check_sentences(
    sentences: Sequence[str],
    articles: Sequence[Article],
    matcher: SentenceMatcher | None = None,
    settings: CheckSettings | None = None,
) -> CheckReport:
    """Label sentences already split and cleaned as supported, unsupported or contradicted by the articles."""
    settings = settings or CheckSettings()
    if not articles:
        raise ValueError("the checker needs at least one source article to check against")
    # A name spelt otherwise by one outlet, or by the text, is the same name ("Vitmor" / "Wittmore").
    variants = spelling_variants([article_texts(article) for article in articles] + [list(sentences)])
    sources = _source_sentences(articles, variants)
    if not sources:
        raise ValueError("the source articles have no text to check against")
    pool = [s.text for s in sources]
    matcher = matcher or SentenceMatcher()
    if not matcher.idf:
        matcher.fit([*pool, *sentences])
    story_facts = [facts_of(text) for text in pool]
    story = StoryText(
        tuple(f for f, s in zip(story_facts, sources, strict=True) if not s.joined),
        tuple(s.article.id for s in sources if not s.joined),
    )
    head = load_head() if settings.head else None
    outlets = {a.display_outlet.lower(): a.display_outlet for a in articles}
    claims = [without_attribution(respell(sentence, variants), outlets) for sentence in sentences]
    matches = matcher.best_matches([claim for claim, _ in claims], pool, k=settings.candidates)
    out: list[CheckedSentence] = []
    founds = []
    for (claim, outlet), found in zip(claims, matches, strict=True):
        if outlet:  # "According to Coastal Times, ...": that outlet's sentences first
            found = sorted(found, key=lambda match: sources[match[0]].article.display_outlet != outlet)
        checked = _judge(claim, found, sources, story_facts, matcher, settings)
        checked.signs = _signs(claim, found, sources, story, matcher, settings)
        if head is not None:
            _weigh(checked, head, found, sources)
        out.append(checked)
        founds.append(found)
    if head is not None and settings.meaning:
        _in_other_words(out, [claim for claim, _ in claims], founds, sources, head, settings, articles)
    if settings.meaning:
        _in_other_languages(out, [claim for claim, _ in claims], sources, settings)
    for checked, sentence, (_, outlet) in zip(out, sentences, claims, strict=True):
        checked.text = sentence
        if variants and checked.evidence:  # the reason names people as the text and the evidence spell them
            checked.reason = _as_written(
                _as_written(checked.reason, checked.evidence[0].sentence, variants), sentence, variants
            )
        if outlet and checked.label == "supported" and all(e.outlet != outlet for e in checked.evidence):
            checked.reason += f" (not {outlet}, to which the text attributes it)"
    return CheckReport(out)


def _in_other_words(
    checked: list[CheckedSentence],
    claims: list[str],
    founds: list[list[tuple[int, Relation]]],
    sources: list[_Source],
    head: SupportHead,
    settings: CheckSettings,
    articles: Sequence[Article],
) -> None:
    """Sentences the head finds stated but whose words are too much their own for the words alone (a translated
    outlet's "negotiations stagnated" for "talks have stalled"): supported when a sentence encoder puts them close
    to a source sentence that does not conflict with them, and every name, number and date is in the story."""
    doubtful = [
        n
        for n, item in enumerate(checked)
        if item.label == "unsupported"
        and item.support is not None
        and item.support >= max(head.threshold, settings.paraphrase_support)
        and item.signs["names_absent"] == 0
        and item.signs["numbers_absent"] == 0
    ]
    if not doubtful:
        return
    encoder = sentence_encoder(settings.meaning or "", [a.language for a in articles])
    if encoder is None:
        return
    behind = {n: [(i, r) for i, r in founds[n] if not r.conflicts and r.similarity > 0][:3] for n in doubtful}
    rows = sorted({i for pairs in behind.values() for i, _ in pairs})
    if not rows:
        return
    vectors = encoder.encode([claims[n] for n in doubtful] + [sources[i].text for i in rows])
    claim_vectors, source_vectors = vectors[: len(doubtful)], vectors[len(doubtful) :]
    row_of = {i: k for k, i in enumerate(rows)}
    for k, n in enumerate(doubtful):
        if not behind[n]:
            continue
        meaning = max(float(claim_vectors[k] @ source_vectors[row_of[i]]) for i, _ in behind[n])
        if meaning < settings.paraphrase:
            continue
        item = checked[n]
        item.label = "supported"
        item.evidence = [_evidence(sources[i], r) for i, r in behind[n]]
        outlets = ", ".join(sorted({sources[i].article.display_outlet for i, _ in behind[n]}))
        item.reason = f"stated in other words by {outlets} (support {item.support:.2f}, meaning {meaning:.2f})"


_ACCORDING = re.escape(ACCORDING_TO)
_ATTRIBUTION_FIRST = re.compile(
    r"^" + alternation([ACCORDING_TO, AS_REPORTED_BY]) + r"\s+([^,]{2,80}),\s*", re.IGNORECASE
)
_ATTRIBUTION_LAST = re.compile(
    r",\s*(?:" + _ACCORDING + r"\s+([^,]{2,80}?)|([^,]{2,80}?)\s+" + alternation(CREDIT_VERBS) + r")(?=[.!?]?$)",
    re.IGNORECASE,
)


def without_attribution(sentence: str, outlets: dict[str, str]) -> tuple[str, str | None]:
    """The claim without "According to OUTLET," (or ", OUTLET reported."), and the outlet, when it is a source's."""
    match = _ATTRIBUTION_FIRST.match(sentence)
    if match and match.group(1).strip().lower() in outlets:
        rest = sentence[match.end() :]
        return rest[:1].upper() + rest[1:], outlets[match.group(1).strip().lower()]
    match = _ATTRIBUTION_LAST.search(sentence)
    if match:
        outlet = (match.group(1) or match.group(2) or "").strip().lower()
        if outlet in outlets:
            return sentence[: match.start()] + sentence[match.end() :], outlets[outlet]
    return sentence, None


def _split_negation(claim: Facts, source: _Source, relation: Relation) -> Relation:
    """For two joined sentences, a negation the claim and the pair share may sit in the sentence that says
    something else: "did not agree to swap prisoners" against "could not agree on a line. They did agree to swap
    prisoners" is a contradiction, found by reading each sentence of the pair on its own."""
    if not source.parts or not claim.negated or any(c.kind == "negation" for c in relation.conflicts):
        return relation
    shared = [(len(claim.denied & facts.terms), facts.negated) for facts in map(facts_of, source.parts)]
    closest, negated = max(shared)
    if closest >= 2 and not negated and all(count < closest for count, other in shared if other):
        return replace(relation, conflicts=(*relation.conflicts, Conflict("negation", "negated", "affirmed")))
    return relation


def _in_other_languages(
    checked: list[CheckedSentence], claims: list[str], sources: list[_Source], settings: CheckSettings
) -> None:
    """Sentences no source in their own language states, read against the sources in other languages with the
    multilingual encoder: "The two sides agreed to exchange 40 prisoners" and "Les deux parties ont convenu
    d'échanger 40 prisonniers". Supported when the closest such sentence is within ``across`` and states every name,
    number and date of it (days, months and small numbers read in French, Spanish and German too); contradicted
    when one within ``across_contradiction`` gives another number or date. A negated sentence is left alone: the
    words of negation are English."""
    waiting = [n for n, item in enumerate(checked) if item.label == "unsupported"]
    if not waiting:
        return
    language = detect_language(" ".join(claims)) or "en"
    abroad = [i for i, s in enumerate(sources) if not s.joined and s.article.language not in (None, language)]
    if not abroad:
        return
    encoder = sentence_encoder("multilingual", [])
    if encoder is None:
        return
    abroad = abroad[: settings.across_sources]
    vectors = encoder.encode([claims[n] for n in waiting] + [sources[i].text for i in abroad])
    claim_vectors, source_vectors = vectors[: len(waiting)], vectors[len(waiting) :]
    for k, n in enumerate(waiting):
        cosines = source_vectors @ claim_vectors[k]
        best = int(cosines.argmax())
        meaning = float(cosines[best])
        claim, source = facts_of(claims[n]), sources[abroad[best]]
        if meaning < settings.across_contradiction or claim.negated:
            continue
        stated = facts_of(source.text)
        conflicts = quantity_conflicts(claim, stated, same_statement=True) + date_conflicts(claim, stated)
        relation = Relation(similarity=round(meaning, 4), conflicts=tuple(conflicts), covers=0.0, missing=())
        item = checked[n]
        outlet = source.article.display_outlet
        if conflicts:
            item.label = "contradicted"
            item.evidence = [_evidence(source, relation)]
            item.reason = conflicts[0].describe(f"{outlet}'s report") + f" (in {source.article.language})"
            continue
        if (
            meaning < settings.across
            or any(not name_stated(n, stated) for n in claim.names)
            or missing_facts(claim, stated)
        ):
            continue
        item.label = "supported"
        item.evidence = [_evidence(source, relation)]
        item.reason = f"stated in {source.article.language} by {outlet} (meaning {meaning:.2f})"


def _as_written(reason: str, text: str, variants: dict[str, str]) -> str:
    """The reason with each canonical spelling that ``text`` spells otherwise written as ``text`` writes it."""
    written = {fold(word): word for word in re.findall(r"[^\W\d_]+", text)}
    for variant, canonical in variants.items():
        if variant in written and fold(canonical) not in written:
            reason = re.sub(rf"\b{re.escape(canonical)}\b", written[variant], reason)
    return reason


def _evidence(source: _Source, relation: Relation) -> Evidence:
    return Evidence(source.article.id, source.article.display_outlet, source.said, round(relation.similarity, 4))


def _judge(
    sentence: str,
    found: list[tuple[int, Relation]],
    sources: list[_Source],
    story_facts: list[Facts],
    matcher: SentenceMatcher,
    settings: CheckSettings,
) -> CheckedSentence:
    claim = facts_of(sentence)
    found = [(i, _split_negation(claim, sources[i], r)) for i, r in found]
    aligned = [
        (i, r)
        for i, r in found
        if r.similarity >= settings.aligned
        or r.covers >= settings.aligned_cover
        or any(c.kind == "quote" for c in r.conflicts)  # the same quote in other words is the same claim
    ]

    def unresolved(relation: Relation) -> list[str]:
        """What the sentence states that this source sentence does not: numbers and dates (names: the story)."""
        return [m for m in relation.missing if not _name_in_story(m, story_facts)]

    # One source sentence states it all.
    for i, relation in aligned:
        if relation.conflicts or unresolved(relation):
            continue
        if relation.covers >= settings.support_cover or relation.similarity >= settings.support_similarity:
            return CheckedSentence(
                sentence,
                "supported",
                [_evidence(sources[i], relation), *[_evidence(sources[j], r) for j, r in aligned if j != i][:2]],
                f"stated by {sources[i].article.display_outlet}",
            )
    # The aligned source sentences that say otherwise. A negation in the second of two joined sentences says
    # nothing about the first, so joined sentences contradict only on numbers, dates, names and quotes.
    against = []
    for i, relation in aligned:
        conflicts = [c for c in relation.conflicts if not (sources[i].joined and c.kind == "negation")]
        quoted = any(c.kind == "quote" for c in conflicts)
        if conflicts and (relation.similarity >= settings.contradiction or quoted):
            against.append((sources[i].joined, i, relation, conflicts))

    def contradicted() -> CheckedSentence:
        _, i, relation, conflicts = min(against, key=lambda item: item[0])  # a single sentence first
        source = sources[i]
        return CheckedSentence(
            sentence,
            "contradicted",
            [_evidence(source, relation), *[_evidence(sources[j], r) for j, r in aligned if j != i][:2]],
            conflicts[0].describe(f"{source.article.display_outlet}'s report"),
        )

    # A few aligned source sentences state it together, unless the one closest to it says otherwise: pieces of
    # other sentences do not outweigh the sentence that states the same fact with another name or number.
    agreeing = _complementary([(i, r) for i, r in aligned if not r.conflicts], sentence, sources, matcher, settings)
    closest_against = max((r.similarity for _, i, r, _ in against if not sources[i].joined), default=0.0)
    if len(agreeing) > 1 and closest_against <= max(r.similarity for _, r in agreeing):
        pooled = " ".join(sources[i].text for i, _ in agreeing)
        relation = matcher.relate(sentence, pooled, dense=1.0)
        if (
            not [m for m in relation.missing if not _name_in_story(m, story_facts)]
            and relation.covers >= settings.support_cover
        ):
            outlets = sorted({sources[i].article.display_outlet for i, _ in agreeing})
            return CheckedSentence(
                sentence,
                "supported",
                [_evidence(sources[i], r) for i, r in agreeing],
                "stated across " + ", ".join(outlets),
            )
    if against:
        return contradicted()
    best = found[0] if found else None
    if best is None:
        return CheckedSentence(sentence, "unsupported", [], "no source sentence shares its content")
    i, relation = best
    absent = unresolved(relation)
    if absent:
        reason = "no source states " + ", ".join(absent[:4])
    else:
        reason = f"no source states it (closest states {relation.covers:.0%} of its content)"
    evidence = [_evidence(sources[i], relation)] if relation.similarity > 0 else []
    return CheckedSentence(sentence, "unsupported", evidence, reason)


def _signs(
    sentence: str,
    found: list[tuple[int, Relation]],
    sources: list[_Source],
    story: StoryText,
    matcher: SentenceMatcher,
    settings: CheckSettings,
) -> dict[str, float]:
    """The support signs of a sentence (see ``newsloom.analyze.support``)."""
    agreeing = [(i, r) for i, r in found if not r.conflicts]
    pooled = _complementary(agreeing, sentence, sources, matcher, settings)
    if len(pooled) > 1:
        pooled_cover = matcher.relate(sentence, " ".join(sources[i].text for i, _ in pooled), dense=1.0).covers
    else:
        pooled_cover = pooled[0][1].covers if pooled else 0.0
    against = [r for _, r in found if r.conflicts and r.similarity >= settings.contradiction]
    return support_signs(
        facts_of(sentence), [(r, sources[i].joined) for i, r in found], pooled_cover, against, story, matcher
    )


def _weigh(
    checked: CheckedSentence, head: SupportHead, found: list[tuple[int, Relation]], sources: list[_Source]
) -> None:
    """Let the head decide between supported and unsupported where the rules leave room for doubt: a contradiction
    found by the rules stands, and so does a sentence one source sentence states almost word for word."""
    checked.support = head.probability(checked.signs)
    if checked.label == "contradicted":
        return
    stated_whole = checked.signs["cover"] >= _STATED_WHOLE
    if checked.label == "supported" and checked.support < head.threshold and not stated_whole:
        checked.label = "unsupported"
        checked.reason = (
            f"the sources use its words but do not state it as one fact (support {checked.support:.2f}; "
            f"the words alone: {checked.reason})"
        )
    elif checked.label == "unsupported" and checked.support >= head.threshold and _nothing_new(checked.signs):
        behind = [(i, r) for i, r in found if not r.conflicts and r.similarity > 0][:3]
        if not behind:
            return
        checked.label = "supported"
        checked.evidence = [_evidence(sources[i], r) for i, r in behind]
        outlets = ", ".join(sorted({sources[i].article.display_outlet for i, _ in behind}))
        checked.reason = f"stated in other words by {outlets} (support {checked.support:.2f})"


def _nothing_new(signs: dict[str, float]) -> bool:
    """No name, number or date the story lacks, and little content it never mentions: the head may call it stated
    in other words. A sentence that brings its own facts stays unsupported whatever the head says."""
    return signs["names_absent"] == 0 and signs["numbers_absent"] == 0 and signs["novel"] <= _NOVEL_AT_MOST


_NOVEL_AT_MOST = 0.25  # share of a sentence's content (IDF-weighted) the story may never mention, when it is promoted
_STATED_WHOLE = 0.9  # share of a sentence's content one source sentence states, from which the head cannot demote it


def _complementary(
    agreeing: list[tuple[int, Relation]],
    sentence: str,
    sources: list[_Source],
    matcher: SentenceMatcher,
    settings: CheckSettings,
) -> list[tuple[int, Relation]]:
    """Up to ``settings.merge`` agreeing source sentences that together state most of the sentence: the closest
    first, then each time the one that adds most of what the chosen ones leave unsaid."""
    if len(agreeing) <= 1:
        return agreeing
    chosen = [agreeing[0]]
    rest = agreeing[1:]
    while rest and len(chosen) < settings.merge:
        pooled = " ".join(sources[i].text for i, _ in chosen)
        before = matcher.relate(sentence, pooled, dense=1.0)
        gains = []
        for candidate in rest:
            after = matcher.relate(sentence, pooled + " " + sources[candidate[0]].text, dense=1.0)
            gains.append((after.covers - before.covers + len(before.missing) - len(after.missing), candidate))
        gain, best = max(gains, key=lambda item: item[0])
        if gain <= 0:
            break
        chosen.append(best)
        rest.remove(best)
    return chosen


def _name_in_story(item: str, story_facts: list[Facts]) -> bool:
    """A name is known when any source sentence states it: the fact is in its combination with the rest."""
    if any(ch.isdigit() for ch in item) or item.lower() in _DATE_WORDS:
        return False
    name = item.lower()
    return any(name_stated(name, facts) for facts in story_facts)


_DATE_WORDS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may june july august "
    "september october november december".split()
)


def check_text(
    text: str,
    articles: Sequence[Article],
    matcher: SentenceMatcher | None = None,
    settings: CheckSettings | None = None,
    name: str | None = None,
) -> CheckReport:
    """Check every claim of a text against source articles: each sentence of plain text or Markdown (headings and
    citation marks allowed), or the dek and body of a brief newsloom wrote as Markdown, JSON or HTML.

    ``name`` is the text's file name: its suffix (.json, .jsonl, .html) says what the text is; without one, the
    content does (see ``newsloom.analyze.reading``).
    """
    if not text.strip():
        raise ValueError("the text to check is empty")
    reading = read_text(text, name, _known_marks(articles))
    if not reading.claims:
        raise ValueError("the text to check has no sentence")
    report = check_sentences(reading.claims, articles, matcher, settings)
    report.read_as, report.skipped = reading.read_as, reading.skipped
    return report


def check_brief(
    brief: Brief,
    articles: Sequence[Article],
    matcher: SentenceMatcher | None = None,
    settings: CheckSettings | None = None,
) -> CheckReport:
    """Check every sentence a brief prints against the story's articles.

    Each sentence is checked in its source's words (``Sentence.claim``): "According to OUTLET, ..." is provenance,
    not a fact to find in the sources. The report keeps the brief's reading order (dek, body, differences, timeline).
    """
    sentences = [s.claim for s in brief.all_sentences()]
    if not sentences:
        raise ValueError("the brief has no sentence to check")
    return check_sentences(sentences, articles, matcher, settings)


_MARK = {"supported": "SUPPORTED", "unsupported": "UNSUPPORTED", "contradicted": "CONTRADICTED"}


def render_report(report: CheckReport, markdown: bool = True) -> str:
    """One line per sentence (label, sentence, reason, best evidence as outlet: sentence), then the summary."""
    show = escape_markdown if markdown else (lambda value: value)
    lines = []
    for number, checked in enumerate(report.sentences, 1):
        label = f"**{_MARK[checked.label]}**" if markdown else _MARK[checked.label]
        line = f"{number}. {label} {show(checked.text)}"
        if checked.reason:
            line += f" ({show(checked.reason)})"
        if checked.evidence:
            best = checked.evidence[0]
            quote = "> " if markdown else ""
            line += f"\n   {quote}{show(best.outlet)}: {show(best.sentence)} (id {show(best.article_id)})"
        lines.append(line)
    summary = report.summary
    lines.append("")
    lines.append(
        f"{summary['sentences']} sentences: {summary['supported']} supported, {summary['unsupported']} unsupported, "
        f"{summary['contradicted']} contradicted ({summary['share_supported']:.0%} supported)"
    )
    if report.read_as != "text":
        lines.append(show(report.skipped_line()))
    return "\n".join(lines) + "\n"
