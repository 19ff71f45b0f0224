"""Feeds out (Atom, RSS 2.0, JSON Feed) checked against what their specs require, and the export command."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from xml.etree import ElementTree

import feedparser
import pytest
from fastapi.testclient import TestClient

from newsloom.cli import main
from newsloom.config import Settings
from newsloom.serve import ServeSettings, create_app
from newsloom.store.sqlite import SQLiteStore
from newsroom import newsroom_copy

ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
HOSTILE = re.compile(r"<script|onerror=|onmouseover=|javascript:", re.IGNORECASE)


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return newsroom_copy(tmp_path_factory.mktemp("feeds-out"))


@pytest.fixture(scope="module")
def client(newsroom: Path) -> Iterator[TestClient]:
    settings = Settings(db=str(newsroom))
    settings.serve = ServeSettings(base_url="https://news.example")
    with TestClient(create_app(str(newsroom), settings), base_url="https://news.example") as opened:
        yield opened


def stories_with_briefs(client: TestClient) -> int:
    return len(client.get("/api/stories", params={"limit": 200}).json()["stories"])


def test_atom_feed_has_what_rfc_4287_requires(client: TestClient) -> None:
    response = client.get("/feeds/briefs.atom")
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{required}") is not None, required
    assert RFC3339.match(feed.findtext(f"{ATOM}updated") or "")
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert links["self"] == "https://news.example/feeds/briefs.atom"
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == stories_with_briefs(client)
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(set(ids)) == len(ids)
    for entry in entries:
        assert (entry.findtext(f"{ATOM}id") or "").startswith("https://news.example/stories/")
        assert entry.findtext(f"{ATOM}title")
        assert RFC3339.match(entry.findtext(f"{ATOM}updated") or "")
        content = entry.find(f"{ATOM}content")
        assert content is not None and content.get("type") == "html" and content.text
        alternate = entry.find(f"{ATOM}link")
        assert alternate is not None and alternate.get("href") == entry.findtext(f"{ATOM}id")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"


def test_rss_feed_has_what_rss_2_requires(client: TestClient) -> None:
    response = client.get("/feeds/briefs.rss")
    assert response.headers["content-type"].startswith("application/rss+xml")
    rss = ElementTree.fromstring(response.content)
    assert rss.tag == "rss" and rss.get("version") == "2.0"
    channel = rss.find("channel")
    assert channel is not None
    for required in ("title", "link", "description"):
        assert channel.findtext(required), required
    parsedate_to_datetime(channel.findtext("lastBuildDate") or "")
    items = channel.findall("item")
    assert len(items) == stories_with_briefs(client)
    for item in items:
        assert item.findtext("title") and item.findtext("description")
        guid = item.find("guid")
        assert guid is not None and guid.get("isPermaLink") == "true" and guid.text == item.findtext("link")
        assert parsedate_to_datetime(item.findtext("pubDate") or "").tzinfo is not None
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    assert parsed.feed.links[0]["href"]


def test_json_feed_has_what_version_1_1_requires(client: TestClient) -> None:
    response = client.get("/feeds/briefs.json")
    assert response.headers["content-type"].startswith("application/feed+json")
    feed = response.json()
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"] and feed["feed_url"] == "https://news.example/feeds/briefs.json"
    assert len(feed["items"]) == stories_with_briefs(client)
    for item in feed["items"]:
        assert isinstance(item["id"], str) and item["id"]
        assert item["content_html"] or item["content_text"]
        datetime.fromisoformat(item["date_modified"].replace("Z", "+00:00"))
    # feedparser 6.0 reads no JSON Feed: the spec's required and typed members are checked here instead.
    assert isinstance(feed["authors"], list) and all(isinstance(a["name"], str) for a in feed["authors"])
    assert all(isinstance(item.get("tags", []), list) for item in feed["items"])
    assert all(item["url"].startswith("https://news.example/stories/") for item in feed["items"])


def test_feeds_filter_by_outlet_and_entity(client: TestClient) -> None:
    every = feedparser.parse(client.get("/feeds/briefs.atom").content)
    northgate = feedparser.parse(client.get("/feeds/briefs.atom", params={"outlet": "Northgate Post"}).content)
    assert 0 < len(northgate.entries) < len(every.entries)
    assert all("Northgate Post" in {t["term"] for t in e.tags} for e in northgate.entries)
    assert northgate.feed.title.endswith("(outlet Northgate Post)")
    ferry = next(e for e in every.entries if "Maren Star" in e.title)
    player = client.get("/api/stories/" + ferry.link.rsplit("/", 1)[1]).json()["entities"][0]["name"]
    about = feedparser.parse(client.get("/feeds/briefs.rss", params={"entity": player}).content)
    assert [e.link for e in about.entries] == [ferry.link]
    nothing = client.get("/feeds/briefs.json", params={"outlet": "No Such Outlet"}).json()
    assert nothing["items"] == []


def test_a_brief_in_a_feed_cites_its_sources(client: TestClient) -> None:
    feed = client.get("/feeds/briefs.json").json()
    ferry = next(i for i in feed["items"] if "Maren Star" in i["title"])
    html = ferry["content_html"]
    assert 'href="https://meridianwire.example/2031/05/12/ferry-fire"' in html
    assert "[1]" in html and "Where sources differ" in html
    assert ferry["_newsloom"]["independent_sources"] == 3


def test_hostile_copy_stays_text_in_every_feed(client: TestClient) -> None:
    atom = ElementTree.fromstring(client.get("/feeds/briefs.atom").content)
    rss = ElementTree.fromstring(client.get("/feeds/briefs.rss").content)
    json_feed = client.get("/feeds/briefs.json").json()
    html_bodies = [e.findtext(f"{ATOM}content") or "" for e in atom.findall(f"{ATOM}entry")]
    html_bodies += [i.findtext("description") or "" for i in rss.iter("item")]
    html_bodies += [i["content_html"] for i in json_feed["items"]]
    quayside = [body for body in html_bodies if "Quayside" in body]
    assert len(quayside) == 3
    for body in html_bodies:  # the HTML a feed reader will render: markup only of our making
        assert not HOSTILE.search(body.replace("&lt;", "").replace("&#39;", "'")) or "&lt;script&gt;" in body
        assert "<script" not in body and "onerror=" not in body.replace("&lt;img src=x onerror=", "")
        assert 'href="javascript:' not in body
    assert any("&lt;script&gt;alert(&#39;text&#39;)&lt;/script&gt;" in body for body in quayside)


def test_unchanged_feeds_answer_304(client: TestClient) -> None:
    first = client.get("/feeds/briefs.atom")
    again = client.get("/feeds/briefs.atom", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304


# -- export ----------------------------------------------------------------------------------------------------
def stored_stories(db: Path) -> int:
    with SQLiteStore(db) as store:
        return store.counts()["stories"]


def test_export_jsonl_has_one_story_and_brief_per_line(newsroom: Path, tmp_path: Path) -> None:
    out = tmp_path / "briefs.jsonl"
    assert main(["--db", str(newsroom), "export", "--format", "jsonl", "--output", str(out)]) == 0
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == stored_stories(newsroom)
    assert all(line["brief"]["story"] == line["story"]["id"] for line in lines)
    times = [line["story"]["last_published"] for line in lines]
    assert times == sorted(times, reverse=True)


def test_export_markdown_escapes_and_filters(newsroom: Path, tmp_path: Path) -> None:
    out = tmp_path / "briefs.md"
    assert main(["--db", str(newsroom), "export", "--outlet", "Northgate Post", "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "Maren Star" in text and "---" in text
    hostile = tmp_path / "hostile.md"
    assert main(["--db", str(newsroom), "export", "--story", "quay", "-o", str(hostile), "--format", "md"]) == 1
    main(["--db", str(newsroom), "export", "--format", "jsonl", "--limit", "1", "-o", str(tmp_path / "one.jsonl")])
    first = json.loads((tmp_path / "one.jsonl").read_text(encoding="utf-8"))
    assert first["story"]["headline"].startswith("Quayside")
    assert main(["--db", str(newsroom), "export", "--story", first["story"]["id"], "-o", str(hostile)]) == 0
    markdown = hostile.read_text(encoding="utf-8")
    assert "\\<script\\>" in markdown and "<script>" not in markdown


def test_export_html_is_one_page_with_nothing_that_runs(newsroom: Path, tmp_path: Path) -> None:
    out = tmp_path / "briefs.html"
    assert main(["--db", str(newsroom), "export", "--format", "html", "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and page.count("<article") == stored_stories(newsroom)
    assert "<script" not in page and "onerror=" not in page.replace("&lt;img src=x onerror=", "")
    assert "Content-Security-Policy" in page
    assert 'href="https://meridianwire.example/2031/05/12/ferry-fire"' in page
    assert not list(tmp_path.glob("*.partial"))
