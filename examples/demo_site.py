"""A local news site for trying ``newsloom watch``: the demo corpus served as live news on 127.0.0.1.

Each outlet of ``examples/demo/articles.jsonl`` gets an RSS feed whose entries carry only a one-sentence summary
and link to a full article page (with navigation, byline and footer around the text, and a canonical link), so
the watch loop has to fetch and extract every page. Feeds answer ``304 Not Modified`` to a matching ETag.

    python examples/demo_site.py --port 8765 --opml feeds.opml     # serve, and write the feed list as OPML
    newsloom feeds add --allow-private feeds.opml                  # 127.0.0.1 is refused unless allowed
    newsloom watch --once --allow-private                          # 127.0.0.1 is refused unless allowed

``make live-demo`` does all of this. Stop the site with Ctrl-C.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import re
import sys
from collections import defaultdict
from datetime import datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

DEMO = Path(__file__).resolve().parent / "demo" / "articles.jsonl"

Routes = dict[str, tuple[str, bytes]]  # path -> (content type, body)


def demo_articles() -> list[dict[str, Any]]:
    return [json.loads(line) for line in DEMO.read_text(encoding="utf-8").splitlines() if line.strip()]


def outlet_slug(outlet: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", outlet.lower()).strip("-")


def article_path(article: dict[str, Any]) -> str:
    return f"/{outlet_slug(article['source'])}/{article['id']}.html"


def page_html(article: dict[str, Any], canonical: str) -> bytes:
    paragraphs = "\n".join(f"<p>{html.escape(p)}</p>" for p in article["text"].split("\n\n"))
    title, outlet = html.escape(article["title"]), html.escape(article["source"])
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{title} | {outlet}</title>
<link rel="canonical" href="{html.escape(canonical)}?utm_source=rss">
<meta property="article:published_time" content="{article["published"]}">
<meta property="og:site_name" content="{outlet}">
</head><body>
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
<article><h1>{title}</h1>
<p class="byline">By Staff Reporter</p>
{paragraphs}
</article>
<footer>Copyright {outlet}. All rights reserved. Subscribe to our newsletter.</footer>
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


def build_site(origin: str) -> tuple[Routes, dict[str, str]]:
    """Every demo article as a page and every outlet as a feed, for a site at ``origin`` (no trailing slash);
    returns the routes and feed URL -> outlet."""
    routes: Routes = {}
    by_outlet: dict[str, list[tuple[dict[str, Any], str]]] = defaultdict(list)
    for article in demo_articles():
        link = origin + article_path(article)
        routes[article_path(article)] = ("text/html; charset=utf-8", page_html(article, link))
        by_outlet[article["source"]].append((article, link))
    feeds = {}
    for outlet, entries in by_outlet.items():
        path = f"/{outlet_slug(outlet)}/feed.xml"
        routes[path] = ("application/rss+xml; charset=utf-8", rss(outlet, entries, origin + "/"))
        feeds[origin + path] = outlet
    return routes, feeds


def opml(feeds: dict[str, str]) -> str:
    outlines = "".join(
        f'<outline type="rss" text="{html.escape(t)}" title="{html.escape(t)}" xmlUrl="{html.escape(u)}"/>'
        for u, t in feeds.items()
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<opml version="2.0"><head><title>newsloom demo feeds</title></head>'
        f'<body><outline text="Demo news">{outlines}</outline></body></opml>\n'
    )


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest()[:16] + '"'


def serve(routes: Routes, host: str = "127.0.0.1", port: int = 8765) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = routes.get(self.path.split("?", 1)[0])
            if found is None:
                self.send_error(404)
                return
            content_type, body = found
            tag = etag_of(body)
            if self.headers.get("If-None-Match") == tag:
                self.send_response(304)
                self.send_header("ETag", tag)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", tag)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return ThreadingHTTPServer((host, port), Handler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (default 8765; 0 picks a free one)")
    parser.add_argument("--opml", type=Path, help="write the feed list here as OPML")
    args = parser.parse_args(argv)
    routes: Routes = {}
    server = serve(routes, port=args.port)  # bound first: with --port 0 the origin is known only now
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    site, feeds = build_site(origin)
    routes.update(site)
    if args.opml:
        args.opml.write_text(opml(feeds), encoding="utf-8")
    print(f"serving {len(feeds)} feeds and {len(routes) - len(feeds)} pages at {origin}", flush=True)
    if args.opml:
        print(f"feed list: {args.opml}  (newsloom feeds add --allow-private {args.opml})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
