"""The demo corpus served as live news: one RSS feed per outlet, summary-only entries, full article pages.

Tests mount it on a ``LocalServer``; the watch loop then has to fetch every page to get the full text.
"""

from __future__ import annotations

import html
import json
import re
from collections import defaultdict
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from httpserver import LocalServer

DEMO = Path(__file__).resolve().parent.parent / "examples" / "demo" / "articles.jsonl"


def demo_articles() -> list[dict[str, Any]]:
    return [json.loads(line) for line in DEMO.read_text(encoding="utf-8").splitlines() if line.strip()]


def outlet_slug(outlet: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", outlet.lower()).strip("-")


def page_html(article: dict[str, Any], canonical: str) -> bytes:
    paragraphs = "\n".join(f"<p>{html.escape(p)}</p>" for p in article["text"].split("\n\n"))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{html.escape(article["title"])} | {html.escape(article["source"])}</title>
<link rel="canonical" href="{html.escape(canonical)}?utm_source=rss">
<meta property="article:published_time" content="{article["published"]}">
<meta property="og:site_name" content="{html.escape(article["source"])}">
</head><body>
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
<article><h1>{html.escape(article["title"])}</h1>
<p class="byline">By Staff Reporter</p>
{paragraphs}
</article>
<footer>Copyright {html.escape(article["source"])}. All rights reserved. Subscribe to our newsletter.</footer>
</body></html>""".encode()


def rss(outlet: str, entries: list[tuple[dict[str, Any], str]], site: str) -> bytes:
    items = []
    for article, link in entries:
        summary = article["text"].split("\n\n")[0].split(". ")[0] + "."
        published = format_datetime(datetime.fromisoformat(article["published"].replace("Z", "+00:00")))
        items.append(
            f"<item><title>{html.escape(article['title'])}</title><link>{html.escape(link)}</link>"
            f"<guid>{html.escape(link)}</guid><pubDate>{published}</pubDate>"
            f"<description>{html.escape(summary)}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{html.escape(outlet)}</title><link>{html.escape(site)}</link>"
        f"<description>News from {html.escape(outlet)}</description>{''.join(items)}</channel></rss>"
    ).encode()


def mount_demo(server: LocalServer, conditional: bool = False) -> dict[str, str]:
    """Serve every demo article as a page and every outlet as a feed; returns feed URL -> outlet."""
    by_outlet: dict[str, list[tuple[dict[str, Any], str]]] = defaultdict(list)
    for article in demo_articles():
        slug = outlet_slug(article["source"])
        path = f"/{slug}/{article['id']}.html"
        link = server.url(path)
        server.static(path, page_html(article, link), headers={"Content-Type": "text/html; charset=utf-8"})
        by_outlet[article["source"]].append((article, link))
    feeds = {}
    for outlet, entries in by_outlet.items():
        path = f"/{outlet_slug(outlet)}/feed.xml"
        body = rss(outlet, entries, server.url("/"))
        if conditional:
            server.conditional(path, body, etag=f'"{outlet_slug(outlet)}-v1"')
        else:
            server.static(path, body, headers={"Content-Type": "application/rss+xml; charset=utf-8"})
        feeds[server.url(path)] = outlet
    return feeds


def opml(feeds: dict[str, str]) -> str:
    outlines = "".join(
        f'<outline type="rss" text="{html.escape(t)}" title="{html.escape(t)}" xmlUrl="{html.escape(u)}"/>'
        for u, t in feeds.items()
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<opml version="2.0"><head><title>demo</title></head>'
        f'<body><outline text="News">{outlines}</outline></body></opml>'
    )
