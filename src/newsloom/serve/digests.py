"""The digests feed: one Atom entry a day (UTC), each the day's top stories with what changed in each that day.

``/feeds/digest.atom`` holds the last ``days`` days, today's entry growing through the day; an entry's id is its
day's, so a feed reader shows each day once and updates today's. What each entry holds is ``newsloom digest``'s
(``drivers/digest.py``) over that day, from the briefs as stored.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated
from xml.etree.ElementTree import Element, SubElement

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from newsloom.drivers.digest import gather_digest
from newsloom.model import format_time
from newsloom.present.digest import digest_html
from newsloom.serve.feeds_out import ATOM, xml_document
from newsloom.serve.server import absolute_links, server_of
from newsloom.store import Store
from newsloom.version import __version__

router = APIRouter(prefix="/feeds", tags=["feeds"])

Days = Annotated[int, Query(ge=1, le=31, description="how many days, today's included (default 7)")]
Top = Annotated[int, Query(ge=1, le=30, description="stories per day (default 10)")]


@router.get("/digest.atom", summary="A daily digest of the top stories, with what changed in each, as an Atom feed")
@absolute_links
def digest_feed(request: Request, days: Days = 7, top: Top = 10) -> Response:
    server = server_of(request)

    def render(store: Store) -> tuple[bytes, str]:
        base = server.base_url(request)
        now = datetime.now(UTC)
        today = now.replace(hour=0, minute=0, second=0, microsecond=0)
        feed = Element("feed", {"xmlns": ATOM})
        title = f"{server.serve.site_title}: daily digest"
        SubElement(feed, "title").text = title
        SubElement(feed, "subtitle").text = "Each day's top stories, with what changed in each that day"
        self_url = f"{base}/feeds/digest.atom"
        SubElement(feed, "id").text = self_url
        SubElement(feed, "updated").text = format_time(now)
        SubElement(feed, "link", {"rel": "self", "type": "application/atom+xml", "href": self_url})
        SubElement(feed, "link", {"rel": "alternate", "type": "text/html", "href": base + "/"})
        SubElement(SubElement(feed, "author"), "name").text = "newsloom"
        SubElement(feed, "generator", {"version": __version__}).text = "newsloom"
        for back in range(days):
            start = today - timedelta(days=back)
            end = min(now, start + timedelta(days=1))
            digest = gather_digest(store, start, end, top=top, base_url=base, title=title)
            if not digest.stories:
                continue
            entry = SubElement(feed, "entry")
            SubElement(entry, "title").text = digest.subject
            SubElement(entry, "id").text = f"{self_url}#{start:%Y-%m-%d}"
            SubElement(entry, "updated").text = format_time(end)
            SubElement(entry, "published").text = format_time(start)
            SubElement(entry, "summary", {"type": "text"}).text = " · ".join(s.headline for s in digest.stories)
            SubElement(entry, "content", {"type": "html"}).text = digest_html(digest, server.templates)
        return xml_document(feed), "application/atom+xml; charset=utf-8"

    return server.cached(request, render)
