import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsloom.ingest.web import PageError, canonical_link, discover_feeds, extract_article

PAGES = Path(__file__).parent / "fixtures" / "pages"
SITE = "http://127.0.0.1:8123"

# Words that belong to the page around the article, never to it.
FURNITURE = (
    "Advertisement",
    "Sign in",
    "All rights reserved",
    "©",
    "Read more",
    "Share this article",
    "Subscribe now",
    "cookies",
    "Most read",
    "newsletter",
    "Follow us",
    "winter tyres",
)


def page(name: str) -> bytes:
    return (PAGES / name).read_bytes()


def article_page(title: str, paragraphs: list[str], head: str = "") -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!DOCTYPE html><html><head><title>{title}</title>{head}</head>"
        f"<body><nav><a href='/'>Home</a></nav><article><h1>{title}</h1>{body}</article></body></html>"
    )


LONG = (
    "The harbor council met on Thursday evening to approve the timetable for rebuilding the old quay wall, "
    "which has been closed to visitors since a storm damaged it in the spring, and officials said the work "
    "would begin in January and take about eight months."
)


# -- extract_article --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "title", "author", "published", "url", "dek_start"),
    [
        (
            "harbor-bridge.html",
            "Harbor Bridge to reopen to cars on Monday after girder repair",
            "Marta Ilves",
            datetime(2026, 11, 16, 7, 45, tzinfo=UTC),  # 08:45+01:00
            "https://www.valley-herald.example/news/2026/11/16/harbor-bridge-reopens"
            "?utm_source=homepage&utm_medium=web&ref=topstories",
            "Engineers say the repaired girder passed a 48-hour load test",
        ),
        (
            "ferry-strike.html",
            "Port Alder ferry crews vote to strike over night-shift rota",
            "Jonas Petrak",
            datetime(2026, 11, 17, 14, 10, tzinfo=UTC),
            "https://www.valley-herald.example/news/2026/11/17/ferry-crews-strike-vote?utm_campaign=rss&fbclid=IwAR0example",
            "Crews on the Old Quay and Northshore routes will walk out",
        ),
        (
            "library-fire.html",
            "Fire damages Port Alder central library; rare harbor maps saved",
            "Ada Korhonen",
            datetime(2026, 11, 18, 11, 30, tzinfo=UTC),  # 06:30-05:00
            f"{SITE}/news/2026/11/18/library-fire?utm_source=twitter&page=1",  # a relative canonical
            "Firefighters kept the blaze to the roof and reading room",
        ),
    ],
)
def test_article_pages(name: str, title: str, author: str, published: datetime, url: str, dek_start: str) -> None:
    served_at = f"{SITE}/pages/{name}"
    article = extract_article(page(name), served_at)
    assert article.id == ""
    assert article.title == title
    assert article.author == author
    assert article.published == published
    assert article.url == url
    assert article.outlet == "The Valley Herald"
    assert article.language == "en"
    assert article.dek is not None and article.dek.startswith(dek_start)
    assert article.origin == served_at
    assert article.text.startswith("PORT ALDER — ")
    assert len(article.text.split()) >= 150
    paragraphs = article.text.split("\n\n")
    assert len(paragraphs) >= 6
    assert all(p.strip() == p and "\n" not in p for p in paragraphs)
    assert paragraphs[0] != title  # the headline is not repeated as the first paragraph
    for furniture in FURNITURE:
        assert furniture not in article.text, furniture


def test_closing_paragraph_is_kept() -> None:
    article = extract_article(page("library-fire.html"), f"{SITE}/pages/library-fire.html")
    assert article.text.endswith("Its mobile library van will visit the northern districts from next week.")


def test_text_and_bytes_give_the_same_article() -> None:
    raw = page("ferry-strike.html")
    url = f"{SITE}/pages/ferry-strike.html"
    assert extract_article(raw.decode("utf-8"), url) == extract_article(raw, url)


@pytest.mark.parametrize("name", ["login.html", "home.html"])
def test_pages_without_an_article_are_refused(name: str) -> None:
    with pytest.raises(PageError) as raised:
        extract_article(page(name), f"{SITE}/pages/{name}")
    assert str(raised.value) == "no article text found on the page"


def test_short_text_is_no_article() -> None:
    html = article_page("Quay closed", ["The quay is closed today because of high winds, the harbor master said."])
    with pytest.raises(PageError, match="no article text found on the page"):
        extract_article(html, "https://quay.example/closed")


def test_page_over_ten_mebibytes_is_refused_without_parsing() -> None:
    huge = b"<html><body>" + b"<p>word </p>" * (1024 * 1024) + b"</body></html>"
    started = time.perf_counter()
    with pytest.raises(PageError, match=r"over the 10,485,760-byte limit"):
        extract_article(huge, "https://quay.example/huge")
    assert time.perf_counter() - started < 0.5


def test_description_that_repeats_the_lead_is_no_dek() -> None:
    html = article_page(
        "Quay wall", [LONG, LONG.replace("Thursday", "Friday")], f'<meta name="description" content="{LONG}">'
    )
    assert extract_article(html, "https://quay.example/wall").dek is None


def test_date_from_the_page_markup_when_there_is_no_published_time_meta() -> None:
    html = article_page("Quay wall", [LONG, "Work starts in January."], '<meta name="date" content="2026-11-12">')
    assert extract_article(html, "https://quay.example/wall").published == datetime(2026, 11, 12, tzinfo=UTC)


def test_no_date_guessed_from_a_copyright_line() -> None:
    html = article_page("Quay wall", [LONG, "Work starts in January.", "© 2025 Quay News"])
    assert extract_article(html, "https://quay.example/wall").published is None


def test_page_in_a_declared_legacy_charset() -> None:
    html = article_page("Señora Café opens on the quay", [LONG + " The café serves crêpes.", LONG])
    raw = html.replace("<head>", '<head><meta charset="iso-8859-1">').encode("latin-1")
    article = extract_article(raw, "https://quay.example/cafe")
    assert article.title == "Señora Café opens on the quay"
    assert "The café serves crêpes." in article.text


def test_language_from_og_locale_when_html_has_no_lang() -> None:
    html = article_page("Quay wall", [LONG, LONG], '<meta property="og:locale" content="en_GB">')
    assert extract_article(html, "https://quay.example/wall").language == "en"


def test_page_without_canonical_keeps_the_url_it_was_fetched_from() -> None:
    html = article_page("Quay wall", [LONG, LONG])
    assert extract_article(html, "https://quay.example/wall?id=7").url == "https://quay.example/wall?id=7"


# -- discover_feeds ---------------------------------------------------------------------------------------------
def test_discover_feeds_on_the_home_page() -> None:
    # Relative hrefs resolve through <base href="/">; the oEmbed, hreflang, WordPress API and javascript: links
    # are not feeds, and the RSS feed announced twice is listed once.
    assert discover_feeds(page("home.html"), f"{SITE}/pages/home.html") == [
        f"{SITE}/feeds/rss2.xml",
        f"{SITE}/feeds/jsonfeed.json",
    ]


def test_discover_feeds_on_article_pages() -> None:
    assert discover_feeds(page("harbor-bridge.html"), f"{SITE}/pages/harbor-bridge.html") == [f"{SITE}/feeds/rss2.xml"]
    assert discover_feeds(page("library-fire.html"), f"{SITE}/pages/library-fire.html") == [
        f"{SITE}/feeds/jsonfeed.json"
    ]
    assert discover_feeds(page("login.html"), f"{SITE}/login") == []


def test_discover_feeds_in_page_order_with_an_absolute_base() -> None:
    html = (
        '<html><head><base href="https://cdn.quay.example/news/">'
        '<link rel="alternate" type="application/atom+xml" href="feeds/all.atom">'
        '<link rel="alternate" type="APPLICATION/RSS+XML" href="/rss">'
        '<link rel="alternate" type="application/json" href="feed.json">'
        '<link rel="stylesheet" type="text/css" href="s.css">'
        "</head><body></body></html>"
    )
    assert discover_feeds(html, "https://quay.example/") == [
        "https://cdn.quay.example/news/feeds/all.atom",
        "https://cdn.quay.example/rss",
        "https://cdn.quay.example/news/feed.json",
    ]


# -- canonical_link ---------------------------------------------------------------------------------------------
def test_canonical_link_is_absolute_with_its_query_unescaped() -> None:
    assert canonical_link(page("harbor-bridge.html"), f"{SITE}/pages/harbor-bridge.html") == (
        "https://www.valley-herald.example/news/2026/11/16/harbor-bridge-reopens"
        "?utm_source=homepage&utm_medium=web&ref=topstories"
    )
    assert canonical_link(page("library-fire.html"), f"{SITE}/pages/library-fire.html") == (
        f"{SITE}/news/2026/11/18/library-fire?utm_source=twitter&page=1"
    )


@pytest.mark.parametrize(
    "html",
    [
        "<html><head><title>No canonical</title></head><body></body></html>",
        '<html><head><link rel="canonical" href="ftp://files.quay.example/story"></head></html>',
        '<html><head><link rel="canonical"></head></html>',
        # Search engines ignore a canonical in the body, and so does newsloom.
        '<html><head></head><body><link rel="canonical" href="https://quay.example/x"></body></html>',
    ],
)
def test_no_usable_canonical_link(html: str) -> None:
    assert canonical_link(html, "https://quay.example/story") is None


def test_canonical_link_in_a_page_without_explicit_head() -> None:
    html = '<!DOCTYPE html><link rel="canonical" href="/story/7"><title>T</title><p>Text</p>'
    assert canonical_link(html.encode(), "https://quay.example/story/7?from=rss") == "https://quay.example/story/7"


def test_a_page_of_headlines_is_no_article_however_many_words() -> None:
    headlines = [
        "Harbor Bridge to reopen to cars on Monday after girder repair",
        "Port Alder ferry crews vote to strike over night-shift rota",
        "Fire damages Port Alder central library; rare harbor maps saved",
        "Quay Street shops count the cost of the long bridge closure",
        "Regatta moved to spring while the Old Quay landing stage is repaired",
        "Gales expected along the harbor front on Friday afternoon",
    ]
    html = article_page("Latest news", headlines)
    with pytest.raises(PageError, match="no article text found on the page"):
        extract_article(html, "https://quay.example/latest")


@pytest.mark.parametrize("html", [b"", "   ", b"<html><head><title>Blank</title></head><body></body></html>"])
def test_empty_pages_are_no_article(html: bytes | str) -> None:
    with pytest.raises(PageError, match="no article text found on the page"):
        extract_article(html, "https://quay.example/blank")
