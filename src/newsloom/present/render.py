"""A brief as Markdown: each sentence followed by numbered citations that resolve to outlet, title and link; and what
changed in a story since an earlier point (``changes_markdown``).

After the body: where sources differ (each version with its outlets), key players with their other spellings, the
timeline of reports, the coverage line and the numbered sources. Article text is escaped: shown as written, never
read as Markdown or HTML.
"""

from __future__ import annotations

from newsloom.model import Brief, Sentence, WhatChanged, format_time
from newsloom.text.markdown import escape_markdown
from newsloom.text.urls import safe_link


def brief_markdown(brief: Brief) -> str:
    numbers: dict[str, int] = {}

    def marks(sentence: Sentence) -> str:
        return "".join(f"[{numbers.setdefault(c.article_id, len(numbers) + 1)}]" for c in sentence.sources)

    def cite(sentence: Sentence) -> str:
        return escape_markdown(sentence.text) + " " + marks(sentence)

    lines = [f"# {escape_markdown(brief.headline)}", ""]
    if brief.dek:
        lines += [f"*{cite(brief.dek)}*", ""]
    for paragraph in brief.paragraphs:
        lines += [" ".join(cite(s) for s in paragraph), ""]
    if brief.differences:
        lines += ["## Where sources differ", ""]
        for difference in brief.differences:
            for version in difference.versions:
                outlets = escape_markdown(", ".join(version.outlets))
                lines.append(f"- {outlets}: {cite(version)}")
            lines.append("")
    if brief.key_players:
        lines += ["## Key players", ""]
        for player in brief.key_players:
            also = f" (also {escape_markdown(', '.join(player.aliases))})" if player.aliases else ""
            lines.append(f"- {escape_markdown(player.name)}{also}, {player.kind}")
        lines.append("")
    if brief.timeline:
        lines += ["## Timeline", ""]
        for entry in brief.timeline:
            when = format_time(entry.published, human=True) or "undated"
            lines.append(f"- {when} · {escape_markdown(entry.outlet)}: {cite(entry.added)}")
        lines.append("")
    lines += [f"**Coverage:** {escape_markdown(brief.coverage.line())}", ""]
    lines += ["**Sources**", ""]
    for article_id, number in numbers.items():
        citation = brief.citations.get(article_id)
        outlet = escape_markdown(citation.outlet) if citation else "Unknown outlet"
        title = f" — {escape_markdown(citation.title)}" if citation and citation.title else ""
        link = f" <{citation.url}>" if citation and safe_link(citation.url) else ""
        lines.append(f"{number}. {outlet}{title} (id {escape_markdown(article_id)}){link}")
    uncited = [c for aid, c in brief.citations.items() if aid not in numbers]
    if uncited:
        lines += ["", "Also covered by: " + ", ".join(sorted({escape_markdown(c.outlet) for c in uncited}))]
    writer = f"{brief.writer} writer" + (f" ({brief.model})" if brief.model and brief.writer != "extractive" else "")
    footer = f"story {brief.story_id} · brief v{brief.version} · {writer}" if brief.story_id else ""
    if brief.created_at:
        footer += f" · {format_time(brief.created_at, human=True)}"
    if footer:
        lines += ["", f"_{escape_markdown(footer.strip(' ·'))}_"]
    if brief.verification is not None:
        lines += ["", f"_{escape_markdown(verification_line(brief))}_"]
    return "\n".join(lines).rstrip() + "\n"


def verification_line(brief: Brief) -> str:
    """What became of the model's sentences: how many were checked, kept, replaced and dropped; or why it fell back."""
    verification = brief.verification
    if verification is None:
        return ""
    model = f" ({verification.model})" if verification.model else ""
    if verification.fallback:
        return f"{verification.writer} writer{model} fell back to the extractive brief: {verification.fallback}"
    summary = verification.summary()
    return (
        f"{summary['proposed']} generated sentences checked against their sources: "
        f"{summary['kept'] + summary['attributed']} printed, {summary['replaced']} replaced by the source sentence, "
        f"{summary['dropped']} dropped"
    )


def changes_markdown(changes: WhatChanged, headline: str = "") -> str:
    """What changed in a story as Markdown: the count in a line, then each new fact, new outlet, changed figure, new
    and settled dispute with the outlets behind it. Article text is escaped."""

    def outlets(names: list[str]) -> str:
        return escape_markdown(", ".join(names)) or "no outlet"

    if changes.since_version == 0:
        since = "before its first brief"
    elif changes.since_version is not None:
        when = format_time(changes.since_time, human=True)
        since = f"brief version {changes.since_version}" + (f" ({when})" if when else "")
    else:
        since = format_time(changes.since_time, human=True) or "the start"
    title = f"What changed: {escape_markdown(headline)}" if headline else "What changed"
    lines = [f"# {title}", ""]
    summary = changes.summary()
    reports = f"{changes.new_articles} new article{'' if changes.new_articles == 1 else 's'}"
    story = escape_markdown(changes.story_id or "the story")
    if summary:
        lines += [f"Since {since}, {story} has {summary} ({reports}).", ""]
    else:
        lines += [f"Nothing changed in substance in {story} since {since} ({reports}).", ""]
    if changes.new_facts:
        lines += ["## New facts", ""]
        for fact in changes.new_facts:
            label = " *(disputed)*" if fact.label == "disputed" else ""
            lines.append(f"- {escape_markdown(fact.text)} — {outlets(fact.sources)}{label}")
        lines.append("")
    if changes.new_outlets:
        lines += ["## New outlets", "", outlets(changes.new_outlets), ""]
    if changes.changed:
        lines += ["## Changed figures", ""]
        for figure in changes.changed:
            before, now = figure.before, figure.now
            lines.append(
                f"- {figure.kind}: {escape_markdown(before.value or '')} → {escape_markdown(now.value or '')}. "
                f"Before: {escape_markdown(before.text)} — {outlets(before.sources)}. "
                f"Now: {escape_markdown(now.text)} — {outlets(now.sources)}."
            )
        lines.append("")
    for heading, disputes in (("New disputes", changes.new_disputes), ("Settled disputes", changes.settled_disputes)):
        if disputes:
            lines += [f"## {heading}", ""]
            for dispute in disputes:
                lines.append(f"- {escape_markdown(dispute.text)}")
                lines += [f"  - {outlets(v.sources)}: {escape_markdown(v.text)}" for v in dispute.versions]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
