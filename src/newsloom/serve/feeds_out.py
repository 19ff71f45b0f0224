"""Feeds out: the latest briefs as Atom (RFC 4287), RSS 2.0 and JSON Feed 1.1, for all stories or one outlet or
key player, so any feed reader can follow them.

Each story is one entry, identified by its page's address; a new brief version updates the entry when it brings
something in substance (a new fact, outlet, figure or dispute: ``Store.latest_news``), so a brief rewritten in other
words on the same reports publishes nothing: the entry stays the version that last brought news. The entry's
HTML is the brief with its citations as links; every piece of article text in it is escaped, and the feed's XML
escapes that HTML again, so no article markup reaches a reader's screen as markup.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Annotated
from urllib.parse import urlencode
from xml.etree.ElementTree import Element, SubElement, tostring

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from jinja2 import Environment

from newsloom.model import Brief, Story, format_time
from newsloom.present.views import brief_view, cited_ids, story_path
from newsloom.serve.server import absolute_links, server_of
from newsloom.store import Store
from newsloom.store.base import StoryQuery
from newsloom.version import __version__

router = APIRouter(prefix="/feeds", tags=["feeds"])

ATOM = "http://www.w3.org/2005/Atom"
FEED_SIZE = 30


@dataclass
class FeedEntry:
    """One story's latest brief, ready for a feed."""

    story: Story
    brief: Brief
    url: str
    html: str
    text: str
    updated: datetime
    news: dict[str, int] | None = None  # what the brief version brought (None: not known)


@dataclass
class FeedHeader:
    title: str
    subtitle: str
    home: str  # the page a reader sees for the same stories
    self_url: str  # the feed's own address
    updated: datetime


def feed_entries(
    store: Store, templates: Environment, base_url: str, query: StoryQuery, size: int = FEED_SIZE
) -> list[FeedEntry]:
    """The newest stories matching the query that have a brief, each with the latest version of its brief that
    brought news, as HTML and as text."""
    entries = []
    template = templates.get_template("feed_entry.html")
    stories = store.find_stories(StoryQuery(**{**query.__dict__, "limit": size, "offset": 0}))
    news = store.latest_news([found.story.id for found in stories])
    for found in stories:
        newsworthy = news.get(found.story.id)
        brief = store.brief(found.story.id, newsworthy.version if newsworthy else None)
        if brief is None:
            continue
        view = brief_view(brief, store.articles(cited_ids(brief)))  # the articles it cites, not all the story's
        html = template.render(brief=view, base_url=base_url)
        updated = brief.created_at or found.story.updated_at or datetime.now(UTC)
        entries.append(
            FeedEntry(
                found.story,
                brief,
                base_url + story_path(found.story.id),
                html,
                brief_text(brief),
                updated,
                newsworthy.news if newsworthy else None,
            )
        )
    return entries


def brief_text(brief: Brief) -> str:
    """The brief as plain text: dek, then the body paragraphs."""
    parts = [brief.dek.text] if brief.dek else []
    parts += [" ".join(s.text for s in paragraph) for paragraph in brief.paragraphs]
    return "\n\n".join(parts)


def atom(header: FeedHeader, entries: list[FeedEntry]) -> bytes:
    feed = Element("feed", {"xmlns": ATOM})
    SubElement(feed, "title").text = header.title
    SubElement(feed, "subtitle").text = header.subtitle
    SubElement(feed, "id").text = header.self_url
    SubElement(feed, "updated").text = format_time(header.updated)
    SubElement(feed, "link", {"rel": "self", "type": "application/atom+xml", "href": header.self_url})
    SubElement(feed, "link", {"rel": "alternate", "type": "text/html", "href": header.home})
    SubElement(SubElement(feed, "author"), "name").text = "newsloom"
    SubElement(feed, "generator", {"version": __version__}).text = "newsloom"
    for entry in entries:
        item = SubElement(feed, "entry")
        SubElement(item, "title").text = entry.brief.headline or entry.story.headline or entry.story.id
        SubElement(item, "id").text = entry.url
        SubElement(item, "updated").text = format_time(entry.updated)
        if entry.story.first_published:
            SubElement(item, "published").text = format_time(entry.story.first_published)
        SubElement(item, "link", {"rel": "alternate", "type": "text/html", "href": entry.url})
        if entry.brief.dek:
            SubElement(item, "summary", {"type": "text"}).text = entry.brief.dek.text
        SubElement(item, "content", {"type": "html"}).text = entry.html
        for outlet in entry.story.outlets:
            SubElement(item, "category", {"term": outlet})
    return xml_document(feed)


def rss(header: FeedHeader, entries: list[FeedEntry]) -> bytes:
    root = Element("rss", {"version": "2.0", "xmlns:atom": ATOM})
    channel = SubElement(root, "channel")
    SubElement(channel, "title").text = header.title
    SubElement(channel, "link").text = header.home
    SubElement(channel, "description").text = header.subtitle
    SubElement(channel, "atom:link", {"href": header.self_url, "rel": "self", "type": "application/rss+xml"})
    SubElement(channel, "lastBuildDate").text = format_datetime(header.updated.astimezone(UTC))
    SubElement(channel, "generator").text = f"newsloom {__version__}"
    SubElement(channel, "docs").text = "https://www.rssboard.org/rss-specification"
    for entry in entries:
        item = SubElement(channel, "item")
        SubElement(item, "title").text = entry.brief.headline or entry.story.headline or entry.story.id
        SubElement(item, "link").text = entry.url
        SubElement(item, "guid", {"isPermaLink": "true"}).text = entry.url
        SubElement(item, "pubDate").text = format_datetime(entry.updated.astimezone(UTC))
        SubElement(item, "description").text = entry.html
        for outlet in entry.story.outlets:
            SubElement(item, "category").text = outlet
    return xml_document(root)


def xml_document(root: Element) -> bytes:
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + bytes(tostring(root, encoding="utf-8", xml_declaration=False))


def json_feed(header: FeedHeader, entries: list[FeedEntry]) -> bytes:
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": header.title,
        "description": header.subtitle,
        "home_page_url": header.home,
        "feed_url": header.self_url,
        "language": "en",
        "authors": [{"name": "newsloom"}],
        "items": [_json_item(entry) for entry in entries],
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def _json_item(entry: FeedEntry) -> dict[str, object]:
    item: dict[str, object] = {
        "id": entry.url,
        "url": entry.url,
        "title": entry.brief.headline or entry.story.headline or entry.story.id,
        "content_html": entry.html,
        "content_text": entry.text,
        "date_published": format_time(entry.story.first_published or entry.updated),
        "date_modified": format_time(entry.updated),
        "tags": list(entry.story.outlets),
        "_newsloom": {
            "story": entry.story.id,
            "brief_version": entry.brief.version,
            "independent_sources": entry.story.independent_sources,
            "news": entry.news,
        },
    }
    if entry.brief.dek:
        item["summary"] = entry.brief.dek.text
    return item


FORMATS = {
    "atom": (atom, "application/atom+xml; charset=utf-8"),
    "rss": (rss, "application/rss+xml; charset=utf-8"),
    "json": (json_feed, "application/feed+json; charset=utf-8"),
}


Outlet = Annotated[str | None, Query(max_length=200, description="only stories this outlet covered")]
Entity = Annotated[str | None, Query(max_length=200, description="only stories about this key player, any spelling")]
Language = Annotated[str | None, Query(max_length=16, description="only stories with articles in this language")]


@router.get("/briefs.atom", summary="The latest briefs as an Atom feed")
@absolute_links
def atom_feed(request: Request, outlet: Outlet = None, entity: Entity = None, language: Language = None) -> Response:
    return briefs_feed(request, "atom", outlet, entity, language)


@router.get("/briefs.rss", summary="The latest briefs as an RSS 2.0 feed")
@absolute_links
def rss_feed(request: Request, outlet: Outlet = None, entity: Entity = None, language: Language = None) -> Response:
    return briefs_feed(request, "rss", outlet, entity, language)


@router.get("/briefs.json", summary="The latest briefs as a JSON Feed 1.1")
@absolute_links
def json_feed_route(
    request: Request, outlet: Outlet = None, entity: Entity = None, language: Language = None
) -> Response:
    return briefs_feed(request, "json", outlet, entity, language)


def briefs_feed(request: Request, kind: str, outlet: str | None, entity: str | None, language: str | None) -> Response:
    server = server_of(request)
    write, media_type = FORMATS[kind]

    def render(store: Store) -> tuple[bytes, str]:
        base = server.base_url(request)
        query = StoryQuery(outlet=outlet, entity=entity, language=language)
        entries = feed_entries(store, server.templates, base, query)
        filters = {k: v for k, v in {"outlet": outlet, "entity": entity, "language": language}.items() if v}
        suffix = "?" + urlencode(filters) if filters else ""
        about = " · ".join(f"{k} {v}" for k, v in filters.items())
        header = FeedHeader(
            title=f"{server.serve.site_title}: briefs" + (f" ({about})" if about else ""),
            subtitle="Stories from many outlets, each with one neutral brief in which every sentence cites its sources",
            home=base + "/" + suffix,
            self_url=f"{base}/feeds/briefs.{kind}{suffix}",
            updated=max((e.updated for e in entries), default=datetime(2000, 1, 1, tzinfo=UTC)),
        )
        return write(header, entries), media_type

    return server.cached(request, render)
