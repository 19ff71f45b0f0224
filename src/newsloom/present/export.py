"""Briefs out of the store, for archives and other tools: Markdown, one HTML page, or JSON lines.

``newsloom export --format md|html|jsonl`` writes every story's latest brief (or those of the stories asked for),
newest story first. Article text is escaped in every format: Markdown specials and HTML markup are shown as written.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from markupsafe import Markup

from newsloom.model import Article, Brief, Story, format_time
from newsloom.present.render import brief_markdown
from newsloom.store import Store
from newsloom.store.base import StoryQuery

EXPORT_FORMATS = ("md", "html", "jsonl")
_PAGE = 500


def briefs_to_export(
    store: Store, query: StoryQuery | None = None, story_ids: list[str] | None = None
) -> Iterator[tuple[Story, Brief]]:
    """Each story with its latest brief: the stories named, else every story the query finds (all by default)."""
    if story_ids:
        for story_id in story_ids:
            story = store.story(story_id)
            if story is None:
                raise ValueError(f"no story '{story_id}' in the store")
            brief = store.brief(story.id)
            if brief is not None:
                yield story, brief
        return
    base = query or StoryQuery()
    wanted = base.limit if query is not None else None
    offset, given = base.offset, 0
    while True:
        size = _PAGE if wanted is None else min(_PAGE, wanted - given)
        if size <= 0:
            return
        page = store.find_stories(StoryQuery(**{**base.__dict__, "limit": size, "offset": offset}))
        for entry in page:
            brief = store.brief(entry.story.id)
            if brief is not None:
                yield entry.story, brief
        given += len(page)
        offset += len(page)
        if len(page) < size:
            return


def export_briefs(
    store: Store,
    kind: str,
    out: TextIO,
    query: StoryQuery | None = None,
    story_ids: list[str] | None = None,
    title: str = "newsloom briefs",
) -> int:
    """Write the briefs in ``kind`` (md, html or jsonl) to ``out``; the number of briefs written."""
    if kind not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format '{kind}': use one of {', '.join(EXPORT_FORMATS)}")
    items = briefs_to_export(store, query, story_ids)
    written = 0
    if kind == "jsonl":
        for story, brief in items:
            out.write(json.dumps({"story": story.to_json(), "brief": brief.to_json()}, ensure_ascii=False) + "\n")
            written += 1
    elif kind == "md":
        for _story, brief in items:
            if written:
                out.write("\n---\n\n")
            out.write(brief_markdown(brief))
            written += 1
    else:
        page, written = html_page(((story, brief, store.story_articles(story.id)) for story, brief in items), title)
        out.write(page)
    return written


def html_page(entries: Iterable[tuple[Story, Brief, list[Article]]], title: str = "newsloom briefs") -> tuple[str, int]:
    """One HTML page that needs nothing else, with each story's brief (citations link to the originals); and how
    many briefs it holds."""
    from newsloom.present.pages import page_templates
    from newsloom.present.views import brief_view

    templates = page_templates()
    entry = templates.get_template("feed_entry.html")
    rendered = []
    for story, brief, articles in entries:
        rendered.append((story, Markup(entry.render(brief=brief_view(brief, articles), base_url=None))))
    exported = format_time(datetime.now(UTC), human=True)
    page = templates.get_template("export.html").render(title=title, stories=rendered, exported=exported)
    return page, len(rendered)


def export_to_path(
    store: Store, kind: str, path: Path, query: StoryQuery | None = None, story_ids: list[str] | None = None
) -> int:
    """Export into a file (written whole, then moved into place, so a failed export leaves no half file)."""
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8") as out:
            written = export_briefs(store, kind, out, query, story_ids)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return written
