"""What a source names: a feed, a page that announces feeds, an article page, or an OPML file of subscriptions.

Adding feeds (``newsloom feeds add``, and any other door that follows feeds) and reading article URLs
(``newsloom ingest URL``) decide this the same way. Nothing here prints: what went wrong comes back as an
exception or a ``Rejected`` whose message names the source and why.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from newsloom.ingest.feeds import FEED_ACCEPT, FeedError, looks_like_feed, parse_feed
from newsloom.ingest.fetch import Fetcher, FetchError
from newsloom.ingest.opml import FeedSubscription, OPMLError, parse_opml
from newsloom.ingest.web import PageError, discover_feeds, extract_article
from newsloom.model import Article, Rejected


class NoFeedFound(FeedError):
    """A page that is no feed and announces none."""


def is_web_address(source: str) -> bool:
    """Whether a source is an http(s) URL; anything else is taken for a file."""
    return source.startswith(("http://", "https://"))


def find_feed(url: str, fetcher: Fetcher, passed_over: Callable[[list[str]], None] | None = None) -> FeedSubscription:
    """The feed at URL, or the first feed a page announces (``<link rel="alternate">``).

    ``passed_over`` hears of the page's other feeds before the first is fetched. Raises ``FetchError`` for a URL
    that cannot be fetched, ``NoFeedFound`` for a page that announces no feed, ``FeedError`` for a feed that cannot
    be read.
    """
    response = fetcher.fetch(url, accept=FEED_ACCEPT)
    content_type = response.headers.get("content-type")
    if looks_like_feed(response.body, content_type):
        parsed = parse_feed(response.body, response.final_url, content_type)
        return FeedSubscription(url, parsed.title, parsed.site_url)
    found = discover_feeds(response.body, response.final_url)
    if not found:
        raise NoFeedFound(f"{url}: no feed there, and the page announces none")
    if len(found) > 1 and passed_over is not None:
        passed_over(found[1:])
    feed = fetcher.fetch(found[0], accept=FEED_ACCEPT)
    parsed = parse_feed(feed.body, feed.final_url, feed.headers.get("content-type"))
    return FeedSubscription(found[0], parsed.title, parsed.site_url or url)


def vet_address(url: str, fetcher: Fetcher) -> None:
    """Refuse a feed address the fetcher would never poll (not http(s), or a private address unless allowed), before
    it is followed unread: from an OPML file, or with the check skipped. A host that does not resolve now passes;
    each poll checks again, and reports it."""
    try:
        fetcher.check_address(url)
    except FetchError as error:
        if not error.retryable:
            raise


def follow(
    url: str, fetcher: Fetcher, check: bool = True, passed_over: Callable[[list[str]], None] | None = None
) -> FeedSubscription:
    """The subscription a feed address stands for, however it is added: the feed read at URL (or the first a page
    announces, see ``find_feed``), or, with ``check`` off, the address alone once ``vet_address`` let it pass."""
    if not check:
        vet_address(url, fetcher)
        return FeedSubscription(url)
    return find_feed(url, fetcher, passed_over)


def read_opml_file(source: str) -> list[FeedSubscription]:
    """The subscriptions of a local OPML file; ``OPMLError`` names the file and what is wrong with it."""
    path = Path(source)
    if not path.is_file():
        raise OPMLError(f"{source}: neither an http(s) URL nor an OPML file")
    try:
        return parse_opml(path.read_bytes())
    except OPMLError as error:
        raise OPMLError(f"{source}: {error}") from error


def read_urls(urls: Sequence[str], fetcher: Fetcher) -> list[Article | Rejected]:
    """The article of each page URL (a feed URL gives its entries), or a rejection saying why not."""
    items: list[Article | Rejected] = []
    for url in urls:
        try:
            response = fetcher.fetch(url)
            content_type = response.headers.get("content-type")
            if looks_like_feed(response.body, content_type):
                parsed = parse_feed(response.body, response.final_url, content_type)
                items.extend([*parsed.rejected, *parsed.articles])
            else:
                items.append(extract_article(response.body, response.final_url))
        except (FetchError, FeedError, PageError) as error:
            items.append(Rejected(url, str(error)))
    return items
