import hashlib
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsloom.ingest.feeds import FeedError, ParsedFeed, looks_like_feed, parse_feed

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
PAGES = Path(__file__).parent / "fixtures" / "pages"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
FEED_URL = "http://127.0.0.1:8123/feeds/rss2.xml"


def fixture(name: str) -> bytes:
    return (FEEDS / name).read_bytes()


def parse(name: str, url: str = FEED_URL, content_type: str | None = None) -> ParsedFeed:
    return parse_feed(fixture(name), url, content_type, now=NOW)


def rss(items: str, channel: str = "<title>Port Alder Tides</title>") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>{channel}{items}</channel></rss>'
    ).encode()


def feed_id(url: str, key: str) -> str:
    return "f-" + hashlib.sha1((url + key).encode("utf-8")).hexdigest()[:16]


# -- RSS 2.0 ----------------------------------------------------------------------------------------------------
def test_rss2_feed_metadata_and_entries_in_feed_order() -> None:
    feed = parse("rss2.xml", content_type="application/rss+xml; charset=utf-8")
    assert feed.kind == "rss"
    assert feed.title == "The Valley Herald"
    assert feed.site_url == "https://www.valley-herald.example/"
    assert [a.title for a in feed.articles] == [
        "Harbor Bridge to reopen to cars on Monday after girder repair",
        "Port Alder ferry crews vote to strike over night-shift rota",
        "Fire damages Port Alder central library; rare harbor maps saved",
        "Live: Causeway queues ease as bridge reopening nears",
        "Harbor regatta moved to spring while the quay is repaired",
    ]
    assert [a.origin for a in feed.articles] == [f"{FEED_URL}#entry-{i}" for i in range(1, 6)]


def test_rss2_relative_links_resolve_against_the_feed_url() -> None:
    feed = parse("rss2.xml")
    assert [a.url for a in feed.articles[:3]] == [
        "http://127.0.0.1:8123/pages/harbor-bridge.html",
        "http://127.0.0.1:8123/pages/ferry-strike.html",
        "http://127.0.0.1:8123/pages/library-fire.html",
    ]
    # An absolute link is kept as written; normalize drops its tracking parameters later.
    assert feed.articles[4].url == (
        "https://www.valley-herald.example/sport/2026/11/15/regatta-moved?utm_source=rss&utm_medium=feed"
    )


def test_rss2_entries_with_links_leave_the_id_to_normalize() -> None:
    feed = parse("rss2.xml")
    assert [a.id for i, a in enumerate(feed.articles) if i != 3] == ["", "", "", ""]


def test_rss2_full_content_is_the_text_and_a_distinct_summary_the_dek() -> None:
    bridge = parse("rss2.xml").articles[0]
    assert "Heavy goods vehicles will stay on the Northshore Causeway diversion" in bridge.text
    assert bridge.text.startswith("<p>PORT ALDER")
    assert bridge.dek == (
        "Engineers say the repaired girder passed a 48-hour load test; buses return first, lorries in December."
    )


def test_rss2_summary_only_entry_uses_the_summary_as_text() -> None:
    ferry = parse("rss2.xml").articles[1]
    assert ferry.text.startswith("Crews on the Old Quay and Northshore routes will walk out")
    assert ferry.dek is None


def test_rss2_summary_that_repeats_the_lead_is_no_dek() -> None:
    regatta = parse("rss2.xml").articles[4]
    assert "Old Quay landing stage" in regatta.text
    assert regatta.dek is None


def test_rss2_entry_without_a_date_is_kept_without_one() -> None:
    feed = parse("rss2.xml")
    assert feed.articles[1].published is None
    assert not [p for p in feed.problems if p.startswith("entry 2:")]


def test_rss2_dates_are_utc() -> None:
    feed = parse("rss2.xml")
    assert feed.articles[0].published == datetime(2026, 11, 16, 7, 45, tzinfo=UTC)
    regatta = feed.articles[4].published  # written as +0100
    assert regatta == datetime(2026, 11, 15, 17, 20, tzinfo=UTC)
    assert regatta is not None and regatta.utcoffset() == timedelta(0)


def test_rss2_future_date_is_dropped_with_a_problem() -> None:
    feed = parse("rss2.xml")
    assert feed.articles[2].published is None
    assert "entry 3: date in the future (2031-11-18T11:30:00+00:00); kept without a date" in feed.problems


def test_future_dates_are_judged_against_now_with_a_day_of_slack() -> None:
    published = datetime(2031, 11, 18, 11, 30, tzinfo=UTC)
    body = fixture("rss2.xml")
    kept = parse_feed(body, FEED_URL, now=published - timedelta(hours=23))
    assert kept.articles[2].published == published
    assert not [p for p in kept.problems if "future" in p]
    dropped = parse_feed(body, FEED_URL, now=published - timedelta(hours=25))
    assert dropped.articles[2].published is None


def test_future_dates_default_to_the_current_time() -> None:
    feed = parse_feed(fixture("rss2.xml"), FEED_URL)
    assert feed.articles[2].published is None
    assert feed.articles[0].published == datetime(2026, 11, 16, 7, 45, tzinfo=UTC)


def test_rss2_entry_without_link_or_guid_gets_an_id_from_feed_url_and_title() -> None:
    feed = parse("rss2.xml")
    live = feed.articles[3]
    assert live.url is None
    assert live.id == feed_id(FEED_URL, "Live: Causeway queues ease as bridge reopening nears")
    assert "entry 4: no link or id; kept by its title" in feed.problems


def test_rss2_entry_source_names_the_outlet_else_the_feed_title() -> None:
    feed = parse("rss2.xml")
    assert [a.outlet for a in feed.articles] == ["The Valley Herald"] * 4 + ["Meridian Wire"]


def test_rss2_author_and_feed_language() -> None:
    feed = parse("rss2.xml")
    assert [a.author for a in feed.articles[:3]] == ["Marta Ilves", "Jonas Petrak", "Ada Korhonen"]
    assert {a.language for a in feed.articles} == {"en"}  # <language>en-gb</language>


def test_a_guid_is_the_link_only_when_it_is_a_web_address() -> None:
    url = "https://tides.example/feed.xml"
    feed = parse_feed(
        rss(
            "<item><title>High tide</title><guid>12345</guid></item>"
            "<item><title>Low tide</title><guid>https://tides.example/low</guid></item>"
            '<item><title>Neap tide</title><guid isPermaLink="false">https://tides.example/neap</guid></item>'
        ),
        url,
        now=NOW,
    )
    high, low, neap = feed.articles
    assert (high.url, high.id) == (None, feed_id(url, "12345"))
    assert (low.url, low.id) == ("https://tides.example/low", "")
    assert (neap.url, neap.id) == (None, feed_id(url, "https://tides.example/neap"))
    assert feed.problems == []  # entries with an id but no link are ordinary


def test_entry_with_nothing_to_identify_it_is_kept_by_its_content() -> None:
    feed = parse_feed(rss("<item><description>Fog closes the harbor mouth.</description></item>"), FEED_URL, now=NOW)
    [fog] = feed.articles
    assert fog.id == ""  # normalize derives it from the content
    assert fog.text == "Fog closes the harbor mouth."
    assert feed.problems == ["entry 1: no link or id; kept by its content"]


def test_a_link_that_is_no_web_address_is_left_out() -> None:
    feed = parse_feed(rss("<item><title>Odd</title><link>javascript:alert(1)</link></item>"), FEED_URL, now=NOW)
    assert feed.articles[0].url is None
    assert feed.problems[0] == "entry 1: link 'javascript:alert(1)' is not a web address; left out"


def test_an_unreadable_date_keeps_the_entry_without_one() -> None:
    feed = parse_feed(
        rss("<item><title>Odd</title><link>https://t.example/1</link><pubDate>next Tuesday</pubDate></item>"),
        FEED_URL,
        now=NOW,
    )
    assert feed.articles[0].published is None
    assert feed.problems == ["entry 1: unreadable date 'next Tuesday'; kept without a date"]


def test_updated_stands_in_for_a_missing_published_date() -> None:
    atom = parse("atom.xml").articles[1]
    assert atom.published == datetime(2026, 11, 17, 15, 30, tzinfo=UTC)


# -- Atom and RSS 1.0 -------------------------------------------------------------------------------------------
def test_atom_feed() -> None:
    url = "https://meridian-wire.example/feeds/atom.xml"
    feed = parse("atom.xml", url, "application/atom+xml")
    assert (feed.kind, feed.title, feed.site_url) == ("atom", "Meridian Wire", "https://meridian-wire.example/")
    bridge, ferry, library, correction = feed.articles
    assert bridge.url == "https://meridian-wire.example/2026/11/16/port-alder-bridge-reopens"  # not the edit link
    assert bridge.published == datetime(2026, 11, 16, 7, 10, tzinfo=UTC)  # published, not updated
    assert bridge.dek == "Repaired girder passed a 48-hour load test, the city engineer said."
    assert "The repair cost 3.8 million euros" in bridge.text
    assert bridge.author == "Lena Mbeki"
    assert ferry.author == "Lena Mbeki, Tomas Hale"
    assert ferry.text.startswith("PORT ALDER, Nov 17 (Meridian Wire)")
    assert ferry.dek is None  # feedparser's copy of the content as summary is not a dek
    assert library.url == "https://meridian-wire.example/2026/11/18/port-alder-library-fire"
    assert library.outlet == "Harbor Dispatch"
    assert {bridge.outlet, ferry.outlet, correction.outlet} == {"Meridian Wire"}
    assert {a.language for a in feed.articles} == {"en"}  # xml:lang="en-US"


def test_atom_entry_without_link_keeps_its_tag_id_as_id_not_as_link() -> None:
    url = "https://meridian-wire.example/feeds/atom.xml"
    feed = parse("atom.xml", url)
    correction = feed.articles[3]
    assert correction.url is None
    assert correction.id == feed_id(url, "tag:meridian-wire.example,2026:1004")
    assert correction.text.startswith("An earlier version of a story misstated the toll")
    assert feed.problems == []


def test_rss1_rdf_feed() -> None:
    feed = parse("rdf.xml", "https://harbor-dispatch.example/rss.rdf")
    assert (feed.kind, feed.title, feed.site_url) == ("rdf", "Harbor Dispatch", "https://harbor-dispatch.example/")
    first, second = feed.articles
    assert first.url == "https://harbor-dispatch.example/2026/11/16/bridge-reopens"
    assert first.published == datetime(2026, 11, 16, 9, 15, tzinfo=UTC)
    assert first.author == "Ines Falk"
    assert first.language == "en"
    assert first.text.startswith("Buses from 5 a.m., cars from 9 a.m.")
    assert second.title == "Central library reading room lost to overnight fire"
    assert feed.problems == []


# -- JSON Feed --------------------------------------------------------------------------------------------------
def test_json_feed_1_1() -> None:
    url = "http://127.0.0.1:8123/feeds/jsonfeed.json"
    feed = parse("jsonfeed.json", url, "application/feed+json")
    assert (feed.kind, feed.title, feed.site_url) == ("json", "The Valley Herald", "https://www.valley-herald.example/")
    bridge, ferry, weather = feed.articles
    assert bridge.id == ""
    assert bridge.url == ("https://www.valley-herald.example/news/2026/11/16/harbor-bridge-reopens?utm_source=jsonfeed")
    assert bridge.text.startswith("<p>PORT ALDER — The Alder Harbor Bridge will reopen")
    assert bridge.dek is not None and bridge.dek.startswith("Engineers say the repaired girder")
    assert bridge.published == datetime(2026, 11, 16, 7, 45, tzinfo=UTC)
    assert bridge.author == "Marta Ilves"
    assert bridge.language == "en"
    assert ferry.url == "http://127.0.0.1:8123/pages/ferry-strike.html"
    assert ferry.published == datetime(2026, 11, 17, 14, 10, tzinfo=UTC)
    assert ferry.author == "Jonas Petrak"  # JSON Feed 1.0 "author"
    assert ferry.text.startswith("PORT ALDER — Crews on Port Alder's two busiest ferry routes")
    assert weather.url is None
    assert weather.id == feed_id(url, "20261118")  # a numeric id is still an id
    assert weather.published is None
    assert weather.author == "The Valley Herald newsroom"  # the feed's authors
    assert {a.outlet for a in feed.articles} == {"The Valley Herald"}
    assert [a.origin for a in feed.articles] == [f"{url}#entry-{i}" for i in (1, 2, 3)]
    assert feed.problems == []


def test_json_feed_1_0_is_read_and_sniffed_without_a_content_type() -> None:
    body = (
        b'  {"version": "https://jsonfeed.org/version/1", "title": "Quay Notes",'
        b' "items": [{"id": "1", "url": "https://quay.example/1", "content_text": "Cranes idle at the quay.",'
        b' "date_published": "2026-11-19T08:00:00+02:00", "date_modified": "2026-11-19T09:00:00Z"}]}'
    )
    feed = parse_feed(body, "https://quay.example/feed.json", now=NOW)
    assert feed.kind == "json"
    [note] = feed.articles
    assert note.text == "Cranes idle at the quay."
    assert note.published == datetime(2026, 11, 19, 6, 0, tzinfo=UTC)


def test_json_feed_item_that_is_not_an_object_is_left_out() -> None:
    body = (
        b'{"version": "https://jsonfeed.org/version/1.1", "title": "Q", "items": ["oops", {"id": "2", "title": "T"}]}'
    )
    feed = parse_feed(body, "https://quay.example/feed.json", now=NOW)
    assert [a.title for a in feed.articles] == ["T"]
    assert feed.problems == ["entry 1: not a JSON object but str; left out"]


def test_json_that_is_not_a_json_feed_is_refused() -> None:
    with pytest.raises(FeedError, match=r"JSON but not a JSON Feed: its 'version' should be https://jsonfeed"):
        parse_feed(b'{"articles": []}', "https://quay.example/api", "application/json")


def test_invalid_json_feed_names_line_and_column() -> None:
    with pytest.raises(FeedError, match=r"not valid JSON \(line 2, column 1: "):
        parse_feed(b'{"version": "https://jsonfeed.org/version/1.1",\n}', "https://q.example/f", "application/json")


def test_json_feed_without_items_is_refused() -> None:
    with pytest.raises(FeedError, match="no 'items' list"):
        parse_feed(b'{"version": "https://jsonfeed.org/version/1.1"}', "https://q.example/f")


def test_the_body_decides_between_json_and_xml_over_the_content_type() -> None:
    assert parse_feed(fixture("rss2.xml"), FEED_URL, "application/json", now=NOW).kind == "rss"


# -- what is not quite a feed -----------------------------------------------------------------------------------
def test_empty_feed_is_not_an_error() -> None:
    feed = parse("empty.xml")
    assert feed == ParsedFeed(
        title="Port Alder Council Notices",
        site_url="https://council.port-alder.example/notices",
        kind="rss",
        articles=[],
        problems=[],
    )


def test_truncated_feed_keeps_the_complete_entries() -> None:
    feed = parse("malformed.xml")
    assert [a.title for a in feed.articles] == [
        "Northshore shops brace for ferry strike",
        "Causeway to stay open overnight during bridge works",
    ]
    assert feed.problems[0].startswith("feed is not well-formed XML (line ")
    assert feed.problems[0].endswith("); 2 entries recovered")
    assert "entry 3: cut off by the end of the feed; left out" in feed.problems


def test_malformed_feed_with_nothing_recovered_names_line_and_column() -> None:
    body = b'<?xml version="1.0"?>\n<rss version="2.0">\n<channel><title>Half</title>\n<item><title>Cut'
    with pytest.raises(FeedError, match=r"not well-formed XML \(line \d+, column \d+: .+\) and no entries"):
        parse_feed(body, FEED_URL, now=NOW)


def test_latin1_feed_declared_as_utf8_is_read_with_a_problem() -> None:
    feed = parse("wrong-charset.xml")
    assert feed.title == "La Gazette du Port"
    assert [a.title for a in feed.articles] == [
        "Le pont du port rouvre lundi après la réparation d'une poutre",
        "Grève des équipages de ferry : préavis de 48 heures déposé",
    ]
    assert feed.articles[0].language == "fr"
    assert len(feed.problems) == 1
    assert "character encoding is wrong" in feed.problems[0]
    assert "2 entries read" in feed.problems[0]


def test_charset_from_the_content_type_is_honoured() -> None:
    body = '<?xml version="1.0"?><rss version="2.0"><channel><title>Café Quay</title><item><title>Señora Año</title><link>https://q.example/1</link></item></channel></rss>'.encode(
        "latin-1"
    )
    feed = parse_feed(body, FEED_URL, "application/rss+xml; charset=iso-8859-1", now=NOW)
    assert (feed.title, feed.articles[0].title, feed.problems) == ("Café Quay", "Señora Año", [])


@pytest.mark.parametrize("content_type", [None, "text/html; charset=utf-8", "application/rss+xml"])
def test_html_page_served_as_a_feed_is_refused_with_advice(content_type: str | None) -> None:
    with pytest.raises(FeedError) as raised:
        parse_feed(fixture("html-not-feed.html"), FEED_URL, content_type, now=NOW)
    assert str(raised.value) == (
        "this is an HTML page, not a feed: try `newsloom feeds add` with the page URL to discover its feed"
    )


def test_entity_bomb_is_refused_before_it_is_parsed() -> None:
    started = time.perf_counter()
    with pytest.raises(FeedError) as raised:
        parse_feed(fixture("entity-bomb.xml"), FEED_URL, now=NOW)
    assert time.perf_counter() - started < 0.5
    assert str(raised.value) == "the feed declares XML entities; newsloom refuses them (entity expansion attacks)"


def test_entity_bomb_in_utf16_is_refused_too() -> None:
    body = fixture("entity-bomb.xml").decode("utf-8").replace('encoding="utf-8"', 'encoding="utf-16"')
    with pytest.raises(FeedError, match="declares XML entities"):
        parse_feed(body.encode("utf-16"), FEED_URL, now=NOW)


def test_doctype_without_entities_is_fine() -> None:
    body = rss("<item><title>T</title><link>https://t.example/1</link></item>").replace(
        b"<rss", b'<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "">\n<rss', 1
    )
    assert len(parse_feed(body, FEED_URL, now=NOW).articles) == 1


def test_thousands_of_entries_are_capped() -> None:
    items = "".join(
        f"<item><title>Tide table {i}</title><link>https://t.example/{i}</link></item>" for i in range(6000)
    )
    started = time.perf_counter()
    feed = parse_feed(rss(items), FEED_URL, now=NOW)
    assert time.perf_counter() - started < 5
    assert len(feed.articles) == 5000
    assert (feed.articles[0].title, feed.articles[-1].title) == ("Tide table 0", "Tide table 4999")
    assert feed.problems == ["1,000 entries over the 5,000-entry cap were left out"]


def test_entry_cap_is_a_parameter() -> None:
    feed = parse_feed(fixture("rss2.xml"), FEED_URL, max_entries=2, now=NOW)
    assert len(feed.articles) == 2
    # Entries past the cap are not looked at: no problems about entry 3's date or entry 4's link.
    assert feed.problems == ["3 entries over the 2-entry cap were left out"]


def test_body_over_the_byte_limit_is_refused() -> None:
    with pytest.raises(FeedError, match=r"is 1,0\d\d bytes, over the 1,000-byte limit"):
        parse_feed(fixture("rss2.xml")[:1050], FEED_URL, max_bytes=1000, now=NOW)


@pytest.mark.parametrize("body", [b"", b"  \n "])
def test_empty_response_is_refused(body: bytes) -> None:
    with pytest.raises(FeedError, match="empty"):
        parse_feed(body, FEED_URL, now=NOW)


def test_xml_that_is_no_feed_is_refused() -> None:
    sitemap = b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url/></urlset>'
    with pytest.raises(FeedError, match=r"not a feed \(the document starts with <urlset>\)"):
        parse_feed(sitemap, FEED_URL, now=NOW)


def test_opml_given_as_a_feed_says_what_it_is() -> None:
    with pytest.raises(FeedError, match="OPML list of feeds, not a feed"):
        parse_feed(fixture("subscriptions.opml"), FEED_URL, now=NOW)


def test_a_body_that_names_a_url_or_a_file_is_never_fetched_or_opened() -> None:
    with pytest.raises(FeedError):
        parse_feed(b"http://127.0.0.1:9/feed.xml", FEED_URL, now=NOW)
    with pytest.raises(FeedError):
        parse_feed(str(FEEDS / "rss2.xml").encode(), FEED_URL, now=NOW)


# -- sniffing ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name", ["rss2.xml", "atom.xml", "rdf.xml", "jsonfeed.json", "empty.xml", "malformed.xml", "wrong-charset.xml"]
)
def test_looks_like_feed_for_feeds(name: str) -> None:
    assert looks_like_feed(fixture(name))


@pytest.mark.parametrize("path", [FEEDS / "html-not-feed.html", FEEDS / "subscriptions.opml", PAGES / "home.html"])
def test_looks_like_feed_not_for_pages_or_lists(path: Path) -> None:
    assert not looks_like_feed(path.read_bytes())
    assert not looks_like_feed(path.read_bytes(), "application/rss+xml")  # the body beats the label


def test_looks_like_feed_sees_past_the_prolog_and_falls_back_on_the_content_type() -> None:
    prolog = b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- generated <b>by</b> hand -->\n<?xml-stylesheet href="s.xsl"?>\n'
    assert looks_like_feed(prolog + b'<feed xmlns="http://www.w3.org/2005/Atom"></feed>')
    assert looks_like_feed(prolog + b"<rdf:RDF></rdf:RDF>")
    assert not looks_like_feed(b'{"articles": []}', "application/json")
    assert looks_like_feed(b'{"items": [], "version": "https://jsonfeed.org/version/1.1"}')
    assert looks_like_feed(b"\x00\x01 binary", "application/atom+xml")
    assert not looks_like_feed(b"\x00\x01 binary", "application/octet-stream")
    assert not looks_like_feed(b"", "application/rss+xml")


def test_a_blog_excerpt_cut_off_with_an_ellipsis_is_no_dek() -> None:
    content = "<p>The Old Quay landing stage reopens on Monday.</p><p>Repairs took six weeks and cost 80,000 euros.</p>"
    excerpt = "The Old Quay landing stage reopens on Monday. Repairs took six weeks and [&#8230;]"
    body = rss(
        "<item><title>Landing stage reopens</title><link>https://q.example/1</link>"
        f'<description>{excerpt}</description><content:encoded xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f"<![CDATA[{content}]]></content:encoded></item>"
    )
    [article] = parse_feed(body, FEED_URL, now=NOW).articles
    assert article.text == content
    assert article.dek is None


def test_a_naive_now_is_taken_as_utc() -> None:
    feed = parse_feed(fixture("rss2.xml"), FEED_URL, now=datetime(2031, 11, 18, 11, 0))
    assert feed.articles[2].published == datetime(2031, 11, 18, 11, 30, tzinfo=UTC)
