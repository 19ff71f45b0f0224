"""The digest: the top stories of a period, each with its headline, dek, what changed in it and links, as Markdown,
as HTML, and as a multipart email (plain text and HTML).

What a digest holds is gathered elsewhere (``newsloom.drivers.digest``: the stories, their briefs, their changes
since the period began); this module only shows it. Every piece of article text is escaped: Markdown specials
and HTML markup are shown as written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from jinja2 import Environment

from newsloom.model import Brief, Citation, Story, WhatChanged, format_time
from newsloom.text.counts import plural
from newsloom.text.markdown import escape_markdown
from newsloom.text.urls import safe_link

DIGEST_FORMATS = ("md", "html")
MOST_FACTS = 5  # new facts listed per story; the rest are counted


@dataclass
class DigestStory:
    """One story of a digest: the story, its latest brief, and what changed in it during the period (None when the
    story began in the period: all of it is new). ``links``: the reports behind the news, newest first."""

    story: Story
    brief: Brief | None
    changes: WhatChanged | None
    links: list[Citation] = field(default_factory=list)
    url: str | None = None  # the story's page, when the digest knows the reader's address

    @property
    def headline(self) -> str:
        return (self.brief.headline if self.brief else "") or self.story.headline or self.story.id

    @property
    def dek(self) -> str | None:
        return self.brief.dek.text if self.brief and self.brief.dek else None

    @property
    def is_new(self) -> bool:
        return self.changes is None

    def news_line(self) -> str:
        """ "New story: 3 outlets" or "2 new facts, 1 new outlet", or that nothing changed in substance."""
        if self.changes is None:
            return f"New story: {plural(self.story.independent_sources, 'independent source')}"
        return self.changes.summary() or "No new facts: the same reports, told again"


@dataclass
class Digest:
    """The top stories reported from ``start`` to ``end`` (the period), best first."""

    start: datetime
    end: datetime
    stories: list[DigestStory]
    title: str = "newsloom digest"

    @property
    def subject(self) -> str:
        day = self.end.strftime("%Y-%m-%d")
        return f"{self.title}, {day}: {plural(len(self.stories), 'story')}"

    @property
    def period(self) -> str:
        return f"{format_time(self.start, human=True)} – {format_time(self.end, human=True)}"


def digest_markdown(digest: Digest) -> str:
    lines = [f"# {escape_markdown(digest.subject)}", "", f"_{escape_markdown(digest.period)}_", ""]
    if not digest.stories:
        lines.append("Nothing was reported in this period.")
    for number, entry in enumerate(digest.stories, 1):
        title = escape_markdown(entry.headline)
        lines.append(f"## {number}. [{title}]({entry.url})" if entry.url else f"## {number}. {title}")
        lines.append("")
        if entry.dek:
            lines += [f"*{escape_markdown(entry.dek)}*", ""]
        lines += [f"**{escape_markdown(entry.news_line())}**", ""]
        items = _news_items(entry)
        lines += [f"- {escape_markdown(item)}" for item in items] + ([""] if items else [])
        if entry.links:
            lines += ["Read: " + " · ".join(_markdown_link(c) for c in entry.links), ""]
    return "\n".join(lines).rstrip() + "\n"


def _markdown_link(citation: Citation) -> str:
    outlet = escape_markdown(citation.outlet)
    return f"[{outlet}]({citation.url})" if safe_link(citation.url) else outlet


def _news_items(entry: DigestStory) -> list[str]:
    """What changed, one line each, as plain text (each format escapes it its own way)."""
    changes = entry.changes
    if changes is None:
        return []
    items = [f"New: {fact.text} ({', '.join(fact.sources)})" for fact in changes.new_facts[:MOST_FACTS]]
    if len(changes.new_facts) > MOST_FACTS:
        items.append(f"and {plural(len(changes.new_facts) - MOST_FACTS, 'more new fact')}")
    if changes.new_outlets:
        items.append("Now also reported by " + ", ".join(changes.new_outlets))
    for figure in changes.changed:
        before = f"{figure.before.value} ({', '.join(figure.before.sources)})"
        now = f"{figure.now.value} ({', '.join(figure.now.sources)})"
        items.append(f"Changed {figure.kind}: {before} → {now}: {figure.now.text}")
    for dispute in changes.new_disputes:
        sides = "; ".join(f"{', '.join(v.sources)}: {v.text}" for v in dispute.versions)
        items.append(f"Sources now differ: {sides}")
    for dispute in changes.settled_disputes:
        items.append(f"Sources agree again: {dispute.text}")
    return items


def digest_html(digest: Digest, templates: Environment) -> str:
    """The digest as one HTML page, fit for an email: inline styles, no script."""
    entries = [(entry, _news_items(entry)) for entry in digest.stories]
    return templates.get_template("digest.html").render(digest=digest, entries=entries, link=safe_link)


def digest_email(digest: Digest, templates: Environment, sender: str, to: list[str]) -> EmailMessage:
    """The digest as a multipart/alternative email: the Markdown as plain text, then the HTML."""
    message = EmailMessage()
    message["Subject"] = digest.subject
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Date"] = format_datetime(digest.end)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(digest_markdown(digest))
    message.add_alternative(digest_html(digest, templates), subtype="html")
    return message
