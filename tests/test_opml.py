import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from newsloom.ingest.opml import FeedSubscription, OPMLError, parse_opml, write_opml

FIXTURES = Path(__file__).parent / "fixtures"
SUBSCRIPTIONS = FIXTURES / "feeds" / "subscriptions.opml"


def opml(outlines: str, head: str = "<head><title>t</title></head>") -> bytes:
    return f'<?xml version="1.0" encoding="utf-8"?><opml version="2.0">{head}<body>{outlines}</body></opml>'.encode()


def test_fixture_is_flattened_in_document_order() -> None:
    assert parse_opml(SUBSCRIPTIONS.read_bytes()) == [
        FeedSubscription(
            url="https://www.valley-herald.example/feeds/rss2.xml",
            title="The Valley Herald",
            site_url="https://www.valley-herald.example/",
            category="Port Alder",
        ),
        FeedSubscription(
            url="https://northshore-courier.example/feed.xml",
            title="Northshore Courier & Gazette",  # &amp; in the file
            site_url="https://northshore-courier.example/",
            category="Port Alder",
        ),
        FeedSubscription(
            url="https://harbor-dispatch.example/rss.rdf",
            title="Harbor Dispatch",
            site_url="https://harbor-dispatch.example/",
            category="Regional/Harbor",
        ),
        FeedSubscription(
            url="https://meridian-wire.example/feeds/atom.xml",
            title="Meridian Wire",
            site_url="https://meridian-wire.example/",
            category=None,
        ),
    ]


def test_duplicates_keep_the_first_and_outlines_without_feed_are_skipped() -> None:
    subscriptions = parse_opml(SUBSCRIPTIONS.read_bytes())
    urls = [s.url for s in subscriptions]
    assert urls.count("https://www.valley-herald.example/feeds/rss2.xml") == 1
    assert all("council" not in url for url in urls)


def test_same_feed_with_other_capitals_in_scheme_and_host_is_a_duplicate() -> None:
    body = opml(
        '<outline text="A" xmlUrl="https://Quay.Example/feed.xml"/>'
        '<outline text="B" xmlUrl="HTTPS://quay.example/feed.xml"/>'
        '<outline text="C" xmlUrl="https://quay.example/Feed.xml"/>'
    )
    assert [s.title for s in parse_opml(body)] == ["A", "C"]  # paths are case-sensitive


def test_attribute_names_in_any_case_and_title_when_text_is_missing() -> None:
    body = opml('<outline title="Tides" xmlurl="https://tides.example/rss" htmlurl="https://tides.example/"/>')
    assert parse_opml(body) == [FeedSubscription("https://tides.example/rss", "Tides", "https://tides.example/")]


def test_top_level_feed_takes_its_category_attribute() -> None:
    body = opml('<outline text="Ferries" xmlUrl="https://f.example/rss" category="/Harbor/Ferries,/Transport"/>')
    assert parse_opml(body)[0].category == "Harbor/Ferries"


def test_feeds_that_are_not_http_are_skipped() -> None:
    body = opml('<outline text="Local" xmlUrl="file:///etc/passwd"/><outline text="Web" xmlUrl="https://w.example/f"/>')
    assert [s.title for s in parse_opml(body)] == ["Web"]


def test_empty_body_lists_nothing() -> None:
    assert parse_opml(opml("")) == []


def test_deep_nesting_needs_no_recursion() -> None:
    depth = 1500
    body = opml(
        '<outline text="f">' * depth + '<outline text="deep" xmlUrl="https://d.example/f"/>' + "</outline>" * depth
    )
    [deep] = parse_opml(body)
    assert deep.category is not None and deep.category.count("/") == depth - 1


# -- writing ----------------------------------------------------------------------------------------------------
def test_write_round_trips_the_fixture() -> None:
    subscriptions = parse_opml(SUBSCRIPTIONS.read_bytes())
    assert parse_opml(write_opml(subscriptions).encode("utf-8")) == subscriptions


def test_write_round_trips_awkward_text_and_interleaved_categories() -> None:
    subscriptions = [
        FeedSubscription("https://a.example/rss?x=1&y=2", 'Quay "Notes" <daily> & more', category="Harbor/Ferries"),
        FeedSubscription("https://b.example/feed", None, "https://b.example/?a=1&b=2"),
        FeedSubscription("https://c.example/atom", "Gazette du Port — édition française", category="Harbor/Ferries"),
        FeedSubscription("https://d.example/feed", "D'Arcy's Dispatch", category="Harbor"),
        FeedSubscription("https://e.example/feed", "Wires", category="Wire services"),
    ]
    written = write_opml(subscriptions)
    assert parse_opml(written.encode("utf-8")) == subscriptions


def test_write_is_opml_2_with_an_escaped_title_and_nested_folders() -> None:
    written = write_opml(
        [
            FeedSubscription("https://a.example/rss", "A", category="Regional/Harbor"),
            FeedSubscription("https://b.example/rss", "B", category="Regional/Harbor"),
        ],
        title="Desk <feeds> & more",
    )
    assert written.startswith('<?xml version="1.0" encoding="utf-8"?>')
    root = ET.fromstring(written)
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.findtext("head/title") == "Desk <feeds> & more"
    [regional] = root.findall("body/outline")
    [harbor] = regional.findall("outline")
    assert (regional.get("text"), harbor.get("text")) == ("Regional", "Harbor")
    assert [o.get("xmlUrl") for o in harbor.findall("outline")] == ["https://a.example/rss", "https://b.example/rss"]
    assert {o.get("type") for o in harbor.findall("outline")} == {"rss"}


def test_write_drops_duplicates_and_characters_xml_cannot_carry() -> None:
    written = write_opml(
        [
            FeedSubscription("https://a.example/rss", "Bell\x07 Tower"),
            FeedSubscription("https://A.example/rss", "again"),
        ]
    )
    assert parse_opml(written.encode()) == [FeedSubscription("https://a.example/rss", "Bell Tower")]


# -- errors -----------------------------------------------------------------------------------------------------
def test_html_page_is_not_opml() -> None:
    with pytest.raises(OPMLError) as raised:
        parse_opml((FIXTURES / "pages" / "login.html").read_bytes())
    assert str(raised.value).startswith("not an OPML document: the root element is <html>")


def test_well_formed_xhtml_is_not_opml() -> None:
    with pytest.raises(OPMLError, match=r"^not an OPML document: the root element is <html>$"):
        parse_opml(b'<html xmlns="http://www.w3.org/1999/xhtml"><body><p>Hi</p></body></html>')


def test_a_feed_is_not_opml_and_the_message_says_so() -> None:
    with pytest.raises(OPMLError, match=r"root element is <rss>; this looks like a feed"):
        parse_opml((FIXTURES / "feeds" / "rss2.xml").read_bytes())


def test_malformed_opml_names_the_position() -> None:
    with pytest.raises(OPMLError, match=r"not well-formed XML \(.*line 1, column \d+"):
        parse_opml(b'<opml version="2.0"><body><outline text="a"></body></opml>')


def test_opml_entity_bomb_is_refused_quickly() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa">'
        + b"".join(b'<!ENTITY %s "%s">' % (b"a" * (i + 1), (b"&" + b"a" * i + b";") * 10) for i in range(1, 9))
        + b']><opml version="2.0"><body><outline text="&aaaaaaaaa;" xmlUrl="https://x.example/f"/></body></opml>'
    )
    started = time.perf_counter()
    with pytest.raises(OPMLError, match=r"declares XML entities; newsloom refuses them"):
        parse_opml(bomb)
    assert time.perf_counter() - started < 0.5


def test_opml_without_body_is_refused() -> None:
    with pytest.raises(OPMLError, match="no <body>"):
        parse_opml(b'<opml version="2.0"><head><title>t</title></head></opml>')


@pytest.mark.parametrize("body", [b"", b"   "])
def test_empty_file_is_refused(body: bytes) -> None:
    with pytest.raises(OPMLError, match="empty"):
        parse_opml(body)
