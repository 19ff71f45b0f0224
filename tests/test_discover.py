"""What a source names, against a real HTTP server on 127.0.0.1: a feed, a page announcing feeds, an article page,
or an OPML file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from httpserver import LocalServer
from newsloom.ingest.discover import NoFeedFound, find_feed, is_web_address, read_opml_file, read_urls
from newsloom.ingest.feeds import FeedError
from newsloom.ingest.fetch import Fetcher, FetchError
from newsloom.ingest.opml import FeedSubscription, OPMLError
from newsloom.ingest.settings import FetchSettings
from newsloom.model import Article, Rejected

FIXTURES = Path(__file__).parent / "fixtures"
HTML = {"Content-Type": "text/html; charset=utf-8"}


@pytest.fixture
def site() -> Iterator[LocalServer]:
    """The Valley Herald: its home page announcing two feeds, the feeds, an article page and a page with no feed."""
    with LocalServer() as server:
        server.static("/", (FIXTURES / "pages" / "home.html").read_bytes(), headers=HTML)
        server.static("/login", (FIXTURES / "pages" / "login.html").read_bytes(), headers=HTML)
        server.static("/bridge", (FIXTURES / "pages" / "harbor-bridge.html").read_bytes(), headers=HTML)
        server.static(
            "/feeds/rss2.xml",
            (FIXTURES / "feeds" / "rss2.xml").read_bytes(),
            headers={"Content-Type": "application/rss+xml"},
        )
        server.static(
            "/feeds/jsonfeed.json",
            (FIXTURES / "feeds" / "jsonfeed.json").read_bytes(),
            headers={"Content-Type": "application/feed+json"},
        )
        server.static("/broken.xml", b"<rss><channel><title>cut", headers={"Content-Type": "application/rss+xml"})
        yield server


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(FetchSettings(allow_private_networks=True, host_delay=0.0, robots=False)) as running:
        yield running


def test_a_feed_url_is_followed_as_given(site: LocalServer, fetcher: Fetcher) -> None:
    url = site.url("/feeds/rss2.xml")
    assert find_feed(url, fetcher) == FeedSubscription(url, "The Valley Herald", "https://www.valley-herald.example/")
    assert "application/rss+xml" in site.received_at("/feeds/rss2.xml")[0].headers["accept"]


def test_a_home_page_gives_its_first_feed_and_names_the_others(site: LocalServer, fetcher: Fetcher) -> None:
    others: list[list[str]] = []
    found = find_feed(site.url("/"), fetcher, others.append)
    assert found.url == site.url("/feeds/rss2.xml") and found.title == "The Valley Herald"
    assert others == [[site.url("/feeds/jsonfeed.json")]]
    assert site.received_at("/feeds/jsonfeed.json") == []


def test_a_page_with_no_feed_and_a_broken_feed_are_errors(site: LocalServer, fetcher: Fetcher) -> None:
    with pytest.raises(NoFeedFound, match="no feed there, and the page announces none") as raised:
        find_feed(site.url("/login"), fetcher)
    assert isinstance(raised.value, FeedError) and str(raised.value).startswith(site.url("/login"))
    with pytest.raises(FeedError):
        find_feed(site.url("/broken.xml"), fetcher)
    with pytest.raises(FetchError, match="404"):
        find_feed(site.url("/gone.xml"), fetcher)


def test_read_urls_gives_a_feed_s_entries_a_page_s_article_and_a_rejection_for_the_rest(
    site: LocalServer, fetcher: Fetcher
) -> None:
    urls = [site.url("/feeds/rss2.xml"), site.url("/bridge"), site.url("/login"), site.url("/gone.html")]
    items = read_urls(urls, fetcher)
    articles = [item for item in items if isinstance(item, Article)]
    rejected = {item.origin: item.reason for item in items if isinstance(item, Rejected)}
    assert len(articles) == 5 + 1  # the feed's five entries, then the page
    assert "Harbor Bridge" in articles[-1].title
    assert set(rejected) == {site.url("/login"), site.url("/gone.html")}
    assert "404" in rejected[site.url("/gone.html")]


def test_opml_files_and_what_is_not_one(tmp_path: Path) -> None:
    assert len(read_opml_file(str(FIXTURES / "feeds" / "subscriptions.opml"))) == 4
    with pytest.raises(OPMLError, match="neither an http"):
        read_opml_file(str(tmp_path / "missing.opml"))
    broken = tmp_path / "broken.opml"
    broken.write_text("not xml", encoding="utf-8")
    with pytest.raises(OPMLError, match=f"^{broken}: "):
        read_opml_file(str(broken))


def test_web_addresses() -> None:
    assert is_web_address("https://site.example/") and is_web_address("http://site.example/feed")
    assert not is_web_address("feeds.opml") and not is_web_address("ftp://site.example/")
