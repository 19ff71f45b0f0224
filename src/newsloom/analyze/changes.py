"""What changed in a story since an earlier point: the facts, outlets, figures and disputes the articles since brought.

``what_changed(before, now)`` compares the articles known then (``before``: those a brief version was written from,
or those stored by a time) with the story's articles now. The facts are the story's claims (``claims.py``), aligned
once over both sets together, so a fact restated in other words by a later report joins the claim it restates and
is no new fact, and the comparison never depends on how two separate alignments happened to group sentences:

- a **new fact** is a claim none of whose statements was there before;
- a **new outlet** is an independent source (a syndicated copy counts as the outlet it copies) that had not
  reported the story before;
- a **changed figure** is a claim stated before and since whose number, date or place a later report gives
  otherwise, a value no earlier report gave: both values with the outlets behind each;
- a **new dispute** is a claim disputed now (over a number, date, name or place, as a brief shows disputes) that
  was not before, other than by a changed figure;
- a **settled dispute** is a claim that was disputed among the earlier reports and is not now.

A claim is listed once, under the first of these that fits. Whether a claim is disputed, then or now, is read from
each outlet's latest statement of it, so an outlet that corrects its figure settles the dispute it had opened.
A brief rewritten in other words, on the same reports, changes none of this.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from newsloom.analyze.claims import ClaimSettings, align_claims, claim_conflicts, label_claim, settled
from newsloom.model import (
    Article,
    Brief,
    ChangedFigure,
    Claim,
    ClaimLabel,
    Conflict,
    DisputeChange,
    NewFact,
    Stated,
    Statement,
    WhatChanged,
    counted_by_outlet,
)

Outlets = Callable[[Sequence[Statement]], list[str]]  # the independent sources behind statements, as named
FIGURES = frozenset({"number", "date", "place"})  # what a changed figure is about
_WORD = re.compile(r"\w+")
_EARLIEST = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class ChangeSettings:
    """How much of a big story is read: at most ``most_articles`` articles, the new ones first (the latest of them,
    up to half the reading unless fewer earlier ones are there), then the earlier ones, latest first. A river of
    hundreds of reports is compared on the reports a reader would meet last, in bounded time."""

    most_articles: int = 80
    claims: ClaimSettings = field(default_factory=ClaimSettings)

    def __post_init__(self) -> None:
        if self.most_articles < 2:
            raise ValueError(f"most_articles must be at least 2, got {self.most_articles}")


def what_changed(
    before: Sequence[Article],
    now: Sequence[Article],
    *,
    story_id: str | None = None,
    since_version: int | None = None,
    since_time: datetime | None = None,
    version: int | None = None,
    brief: Brief | None = None,
    settings: ChangeSettings | None = None,
) -> WhatChanged:
    """What the story's articles ``now`` bring beyond the articles known ``before`` (normalized articles, with their
    syndication groups, as the store holds them).

    ``brief``: the story's latest brief, to say which sentence of it states each new fact or changed figure
    (``in_brief``). ``story_id``, ``since_version``, ``since_time`` and ``version`` are carried into the answer.
    """
    settings = settings or ChangeSettings()
    before_ids = {a.id for a in before}
    now_ids = {a.id for a in now}
    new_ids = now_ids - before_ids
    everyone = counted_by_outlet([*now, *(a for a in before if a.id not in now_ids)])
    names = _outlet_names(everyone)
    arrival = {a.id: (a.id in new_ids, a.published or _EARLIEST, index) for index, a in enumerate(everyone)}

    def outlets(statements: Sequence[Statement]) -> list[str]:
        ordered = sorted(statements, key=lambda s: arrival[s.article.id])
        return list(dict.fromkeys(names[s.source_key] for s in ordered))

    known_sources = {a.source_key for a in everyone if a.id in before_ids}
    new_outlets = list(
        dict.fromkeys(
            names[a.source_key]
            for a in sorted(everyone, key=lambda a: arrival[a.id])
            if a.id in new_ids and a.source_key not in known_sources
        )
    )
    changes = WhatChanged(
        story_id=story_id,
        since_version=since_version,
        since_time=since_time,
        version=version,
        articles_before=len(before_ids),
        new_articles=len(new_ids),
        new_outlets=new_outlets,
    )
    if not new_ids and before_ids <= now_ids:
        return changes  # the same reports: nothing can have changed in substance
    reading = _reading(everyone, before_ids, new_ids, settings.most_articles)
    new_facts: list[tuple[tuple[int, int], NewFact]] = []
    for claim in align_claims(reading, settings=settings.claims):
        then = [s for s in claim.statements if s.article.id in before_ids]
        current = [s for s in claim.statements if s.article.id in now_ids]
        fresh = [s for s in current if s.article.id in new_ids]
        if not then:
            if fresh:
                fact = NewFact(claim.text, outlets(fresh), _label(fresh), _in_brief(brief, fresh))
                new_facts.append(((-claim.independent_sources, claim.lead_position), fact))
            continue
        if not fresh and len(current) == len(claim.statements):
            continue  # stated by the same reports then and now
        then_said = _latest_per_source(then, arrival)
        now_said = _latest_per_source(current, arrival)
        figure = _changed_figure(then_said, now_said, new_ids, outlets)
        if figure is not None:
            figure.in_brief = _in_brief(brief, [s for s in current if s.text == figure.now.text] + current)
            changes.changed.append(figure)
            continue
        disputed_then, disputed_now = _dispute(then_said), _dispute(now_said)
        if disputed_now is not None and disputed_then is None:
            changes.new_disputes.append(_dispute_change(disputed_now, outlets, _in_brief(brief, current)))
        elif disputed_then is not None and disputed_now is None:
            changes.settled_disputes.append(_dispute_change(disputed_then, outlets, _in_brief(brief, current)))
    changes.new_facts = [fact for _, fact in sorted(new_facts, key=lambda pair: pair[0])]
    return changes


def _outlet_names(articles: Sequence[Article]) -> dict[str, str]:
    """Each independent source's name as a brief shows it: the outlet it counts as (for a syndicated copy, the
    outlet whose report it copies)."""
    names: dict[str, str] = {}
    for article in articles:
        key = article.source_key
        if key.startswith("outlet:") and article.outlet and article.outlet.strip().casefold() == key[7:]:
            names[key] = article.outlet.strip()
    for article in articles:
        names.setdefault(article.source_key, article.display_outlet)
    return names


def _reading(articles: Sequence[Article], before_ids: set[str], new_ids: set[str], most: int) -> list[Article]:
    """The articles compared, at most ``most``, in the order given (see ``ChangeSettings``)."""
    if len(articles) <= most:
        return list(articles)

    def latest_first(chosen: list[Article]) -> list[Article]:
        return sorted(chosen, key=lambda a: a.published or _EARLIEST, reverse=True)

    new = latest_first([a for a in articles if a.id in new_ids])
    earlier = latest_first([a for a in articles if a.id in before_ids])
    take_new = min(len(new), max(most // 2, most - len(earlier)))
    kept = {a.id for a in new[:take_new]} | {a.id for a in earlier[: most - take_new]}
    return [a for a in articles if a.id in kept]


def _latest_per_source(
    statements: Sequence[Statement], arrival: dict[str, tuple[bool, datetime, int]]
) -> list[Statement]:
    """Each independent source's latest statement (the last to arrive; then the last published), in arrival order."""
    latest: dict[str, Statement] = {}
    for statement in sorted(statements, key=lambda s: arrival[s.article.id]):
        latest[statement.source_key] = statement
    return sorted(latest.values(), key=lambda s: arrival[s.article.id])


def _dispute(statements: Sequence[Statement]) -> Claim | None:
    """The statements as a disputed claim, when they conflict over a fact (a number, date, name or place, as a
    brief's "where sources differ" shows), else None."""
    if len(statements) < 2:
        return None
    claim = label_claim(Claim(list(statements)))
    if claim.label != "disputed":
        return None
    kept = settled(claim)
    return claim if len(kept) == 1 and kept[0] is claim else None


def _label(statements: Sequence[Statement]) -> ClaimLabel:
    if _dispute(statements) is not None:
        return "disputed"
    return "corroborated" if len({s.source_key for s in statements}) > 1 else "single-source"


def _stated(text: str, value: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(value)}(?!\w)", text, re.IGNORECASE) is not None


def _changed_figure(
    then: Sequence[Statement], now: Sequence[Statement], new_ids: set[str], outlets: Outlets
) -> ChangedFigure | None:
    """A later report giving a claim's number, date or place otherwise than an earlier one, with a value no earlier
    report gave (one taking a side in a dispute already there changes nothing)."""
    for statement in now:
        if statement.article.id not in new_ids:
            continue
        # What the same outlet said before first: an outlet revising its own figure changed that one.
        for earlier in sorted(then, key=lambda s: s.source_key != statement.source_key):
            clash = next((c for c in claim_conflicts(statement.text, earlier.text) if c.kind in FIGURES), None)
            if clash is None or any(_stated(s.text, clash.this) for s in then):
                continue
            backing_then = [s for s in then if not _figure_conflict(s, earlier)]
            backing_now = [s for s in now if not _figure_conflict(s, statement)]
            return ChangedFigure(
                text=statement.text,
                kind=clash.kind,
                before=Stated(earlier.text, outlets(backing_then), clash.other),
                now=Stated(statement.text, outlets(backing_now), clash.this),
            )
    return None


def _figure_conflict(a: Statement, b: Statement) -> bool:
    return a is not b and any(c.kind in FIGURES for c in claim_conflicts(a.text, b.text))


def _dispute_change(claim: Claim, outlets: Outlets, in_brief: str | None) -> DisputeChange:
    versions = [Stated(min(v, key=lambda s: s.position).text, outlets(v)) for v in claim.versions]
    conflicts: list[Conflict] = list(claim.conflicts)
    return DisputeChange(claim.text, versions, conflicts, in_brief)


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def _in_brief(brief: Brief | None, statements: Sequence[Statement]) -> str | None:
    """The sentence of the brief that states one of these statements (the first it can) and cites its article, if the
    brief prints it (an "According to OUTLET, ..." or a shortened sentence still states it)."""
    if brief is None:
        return None
    printed = [
        (sentence.text, _words(sentence.text), {c.article_id for c in sentence.sources})
        for sentence in brief.all_sentences()
    ]
    for statement in statements:
        stated = _words(statement.text)
        for text, words, cited in printed:
            if statement.article.id not in cited or not words or not stated:
                continue
            shared = len(words & stated)
            if shared >= 0.8 * min(len(words), len(stated)) and shared >= 0.5 * max(len(words), len(stated)):
                return text
    return None
