"""What a reader sees with outlets muted: counts, coverage and briefs as if the muted outlets' articles were not in
the store. Nothing in the store changes, so unmuting brings everything back.

The store hides the stories muted outlets told alone, and those a muted word names (``StoryQuery.preferences``);
here a story some muted outlet covered is shown without it: its counts and times (``story_without``), its brief
(``brief_without``: a sentence whose every source is muted is left out, and the muted outlets leave its citations,
where sources differ, its timeline and its coverage) and its list of reports (``reports_without``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace

from newsloom.model import Brief, Coverage, Difference, Sentence, Story, independent_sources_of
from newsloom.store.base import Preferences, Report, Store, StoryEntry

UNKNOWN_OUTLET = "Unknown outlet"  # as reports and stories name an article that names no outlet


def reports_without(reports: Sequence[Report], muted: Collection[str]) -> list[Report]:
    """The reports no muted outlet published, each counted again as the source it is among those left."""
    kept = [r for r in reports if r.outlet not in muted]
    if len(kept) == len(reports):
        return list(reports)
    sources = independent_sources_of(
        (r.article_id, None if r.outlet == UNKNOWN_OUTLET else r.outlet, r.syndication_group, r.published) for r in kept
    )
    return [r._replace(source=sources[r.article_id]) for r in kept]


def story_without(story: Story, kept: Sequence[Report]) -> Story:
    """The story's counts and times over ``kept``, its reports that no muted outlet published."""
    dated = [r.published for r in kept if r.published is not None]
    return replace(
        story,
        articles=len(kept),
        outlets=sorted({r.outlet for r in kept}),
        independent_sources=len({r.source for r in kept}),
        first_published=min(dated) if dated else None,
        last_published=max(dated) if dated else None,
    )


def coverage_of(kept: Sequence[Report]) -> Coverage:
    """Who covered the story and when, from its reports in publication order."""
    dated = [r for r in kept if r.published is not None]
    return Coverage(
        articles=len(kept),
        outlets=sorted({r.outlet for r in kept}),
        independent_sources=len({r.source for r in kept}),
        first_report=dated[0].published if dated else None,
        first_outlet=dated[0].outlet if dated else None,
        last_update=dated[-1].published if dated else None,
    )


def brief_without(brief: Brief, muted: Collection[str], kept: Sequence[Report]) -> Brief:
    """The brief without the muted outlets: their citations leave every sentence, and a sentence left with none, or
    that the brief gives as a muted outlet's ("According to OUTLET, ..."), is not printed (a dek, a body sentence, a
    version of where sources differ, a timeline line); a difference left with one version is no difference. The
    coverage is worked out from ``kept``, the story's reports in publication order that no muted outlet published.
    Labels stay the writer's, who read every outlet.

    Muting an outlet leaves out what it published: another outlet's reprint of its wire copy stays, as that outlet
    chose to publish it, and counts as that outlet's."""
    if not muted:
        return brief

    def shown(sentence: Sentence) -> Sentence | None:
        sources = [c for c in sentence.sources if c.outlet not in muted]
        if not sources or sentence.attributed_to in muted:
            return None
        return sentence if len(sources) == len(sentence.sources) else replace(sentence, sources=sources)

    paragraphs, sections = [], []
    for index, paragraph in enumerate(brief.paragraphs):
        kept_sentences = [s for s in map(shown, paragraph) if s is not None]
        if kept_sentences:
            paragraphs.append(kept_sentences)
            if index < len(brief.sections):
                sections.append(brief.sections[index])
    differences = []
    for difference in brief.differences:
        versions = [v for v in map(shown, difference.versions) if v is not None]
        if len(versions) > 1:
            differences.append(Difference(difference.about, versions))
    timeline = []
    for entry in brief.timeline:
        added = shown(entry.added) if entry.outlet not in muted else None
        if added is not None:
            timeline.append(replace(entry, added=added))
    return replace(
        brief,
        dek=shown(brief.dek) if brief.dek else None,
        paragraphs=paragraphs,
        sections=sections,
        differences=differences,
        timeline=timeline,
        citations={k: c for k, c in brief.citations.items() if c.outlet not in muted},
        coverage=coverage_of(kept),
    )


def entries_shown(store: Store, entries: Sequence[StoryEntry], preferences: Preferences) -> list[StoryEntry]:
    """Stories as a list shows them to a reader with these preferences: a story some muted outlet covered with its
    counts, times and dek without that outlet (``muted_articles`` says how many of its articles are left out)."""
    muted = preferences.muted
    if not muted:
        return list(entries)
    shown = []
    for entry in entries:
        if muted.isdisjoint(entry.story.outlets):
            shown.append(entry)
            continue
        reports = store.story_reports(entry.story.id)
        kept = reports_without(reports, muted)
        dek = entry.dek  # shown unless only muted outlets state it, or it is given as a muted outlet's
        if muted.issuperset(entry.dek_outlets) or entry.dek_attributed_to in muted:
            dek = None
        story = story_without(entry.story, kept)
        shown.append(replace(entry, story=story, dek=dek, muted_articles=len(reports) - len(kept)))
    return shown
