"""What an adversarial probe of the server found, each against uvicorn on 127.0.0.1 over a real SQLite store.

A forged Host header poisoned the cached feeds for every later reader; a made-up query made the server render a
page per request; a brief version too large for the store was a 500; an article id holding a slash gave dead
citation links; and every store change made every page be rendered again, though most stories had not changed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from newsloom.config import Settings
from newsloom.present.pages import brief_parts
from newsloom.serve import ServeSettings, create_app
from newsloom.serve import server as server_module
from newsloom.serve.server import Server
from newsroom import newsroom_copy
from served import served

TOKEN = "correct-horse-battery-staple"
FEED = "/feeds/briefs.{kind}?outlet=Coastal%20Times"


@dataclass
class Site:
    client: httpx.Client  # sends requests to the server on 127.0.0.1, as any client would
    server: Server  # the server's own parts, to count what its page cache holds
    host: str  # 127.0.0.1:PORT


@contextmanager
def open_site(db: Path, **serve: object) -> Iterator[Site]:
    settings = Settings(db=str(db))
    settings.cluster = replace(settings.cluster, embedding="none")
    settings.serve = ServeSettings(**serve)  # type: ignore[arg-type]
    app = create_app(str(db), settings)
    with served(app) as address, httpx.Client(base_url=address, timeout=60) as client:
        yield Site(client, app.state.server, address.removeprefix("http://"))


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return newsroom_copy(tmp_path_factory.mktemp("serve-hardening"))


@pytest.fixture(scope="module")
def site(newsroom: Path) -> Iterator[Site]:
    """The server with its default settings over the shared newsroom (reading only)."""
    with open_site(newsroom) as opened:
        yield opened


@pytest.fixture
def writable(tmp_path: Path) -> Iterator[Site]:
    """The server over a private copy of the newsroom, with a write token."""
    with open_site(newsroom_copy(tmp_path / "writable"), token=TOKEN) as opened:
        yield opened


def auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKEN}"}


def ferry_story(client: httpx.Client) -> str:
    story: str = client.get("/api/articles/ferry-wire").json()["story"]
    return story


def feed_links(body: str) -> set[str]:
    """The hosts a feed's links to this site (its stories, articles and feeds) point to."""
    return set(re.findall(r"https?://([^/\"<\s]+)/(?:stories|articles|feeds)/", body))


# -- the Host header ---------------------------------------------------------------------------------------------


def ferry_follow_up(client: Any) -> dict[str, str]:
    """A later report of the ferry fire by another outlet (the wire's text), which joins the ferry's story."""
    return {
        "id": "ferry-follow-up",
        "title": "Maren Star ferry fire: engine-room blaze under investigation",
        "text": client.get("/api/articles/ferry-wire").json()["text"],
        "source": "Harbour Ledger",
        "published": "2031-05-12T15:00:00Z",
    }


def test_a_forged_host_never_reaches_a_feed_nor_a_later_reader(site: Site) -> None:
    for kind in ("atom", "rss", "json"):
        path = FEED.format(kind=kind)
        forged = site.client.get(path, headers={"Host": "attacker.example"})
        honest = site.client.get(path)
        assert honest.status_code == 200 and feed_links(honest.text) == {site.host}, kind
        assert "attacker.example" not in honest.text, kind
        assert forged.status_code == 400 and "allowed_hosts" in forged.json()["error"], kind
    page = site.client.get("/", headers={"Host": "attacker.example"})
    assert page.status_code == 400 and "allowed_hosts" in page.text
    for malformed in ("127.0.0.1 attacker.example", "attacker.example@127.0.0.1", "127.0.0.1/x", "[::1"):
        assert site.client.get("/", headers={"Host": malformed}).status_code == 400, malformed
    # The names the server answers to by default each get links to themselves, from caches of their own.
    port = site.host.rsplit(":", 1)[1]
    for host in (f"localhost:{port}", f"[::1]:{port}", f"LOCALHOST:{port}", site.host):
        links = feed_links(site.client.get(FEED.format(kind="atom"), headers={"Host": host}).text)
        assert links == {host.lower()}, host


def test_feeds_are_kept_per_host_when_the_operator_allows_any(newsroom: Path) -> None:
    with open_site(newsroom, allowed_hosts="*") as anyone:
        path = FEED.format(kind="rss")
        theirs = anyone.client.get(path, headers={"Host": "attacker.example"})
        assert feed_links(theirs.text) == {"attacker.example"}  # what they asked for, in their own copy
        assert feed_links(anyone.client.get(path).text) == {anyone.host}


def test_with_a_base_url_every_link_goes_there_whatever_the_host(newsroom: Path) -> None:
    with open_site(newsroom, allowed_hosts="news.example, reader.example", base_url="https://pub.example") as named:
        path = FEED.format(kind="json")
        assert named.client.get(path).status_code == 400  # 127.0.0.1 is no longer one of its names
        for host in ("news.example", "reader.example:8000", "pub.example:443"):
            answer = named.client.get(path, headers={"Host": host})
            assert answer.status_code == 200 and feed_links(answer.text) == {"pub.example"}, host


# -- the page cache ----------------------------------------------------------------------------------------------
def test_junk_query_parameters_do_not_make_a_page_again(site: Site) -> None:
    ferry = ferry_story(site.client)
    site.server.cache.clear()
    page = site.client.get(f"/stories/{ferry}")
    tag = page.headers["etag"]
    for n in range(20):
        again = site.client.get(f"/stories/{ferry}?x={n}", headers={"If-None-Match": tag})
        assert again.status_code == 304, n
    for junk in ("?utm_source=a&x=3", "?order=biggest", "?offset=7"):  # not parameters of a story page
        assert site.client.get(f"/stories/{ferry}{junk}", headers={"If-None-Match": tag}).status_code == 304
    assert len(site.server.cache) == 1  # rendered once, not once per made-up query

    same = [
        ("/?order=biggest&outlet=Coastal+Times", "/?outlet=Coastal%20Times&order=biggest&x=9"),
        ("/?offset=0", "/"),
        ("/search?q=Brandvik&offset=20", "/search?offset=020&q=Brandvik&q=Brandvik&page=2"),
        ("/api/stories?limit=2", "/api/stories?limit=02&limit=2&order=newest&junk=1"),
        ("/api/stories?since=2031-05-12T00:00:00Z", "/api/stories?since=2031-05-12T02:00:00%2B02:00"),
        ("/feeds/briefs.json?outlet=Coastal+Times", "/feeds/briefs.json?x=1&outlet=Coastal+Times"),
    ]
    for first, second in same:
        one, other = site.client.get(first), site.client.get(second)
        assert one.status_code == other.status_code == 200, first
        assert one.headers["etag"] == other.headers["etag"], (first, second)
    assert site.client.get("/?order=biggest").headers["etag"] != site.client.get("/").headers["etag"]
    listed = site.client.get("/api/stories", params={"limit": 2, "x": "made-up"}).json()
    assert listed["next"] and "x=" not in listed["next"] and "made-up" not in listed["next"]


def test_a_story_page_is_not_made_again_when_the_store_changes_elsewhere(writable: Site) -> None:
    client = writable.client
    ferry = ferry_story(client)
    pages = [f"/stories/{ferry}", f"/api/stories/{ferry}"]
    tags = {path: client.get(path).headers["etag"] for path in pages}
    river = client.get("/").headers["etag"]
    lighthouse = {
        "id": "lighthouse-1",
        "title": "Lighthouse keeper rescues kayakers off Vellmoor Point",
        "text": "The keeper of the Vellmoor Point lighthouse rescued two kayakers on Thursday evening after their "
        "boat capsized in strong winds. Keeper Ansel Murrow said both were cold but unhurt.",
        "source": "Pinecrest Gazette",
        "published": "2031-06-01T19:00:00Z",
    }
    assert client.post("/api/articles", headers=auth(), json=lighthouse).status_code == 201
    assert client.get("/", headers={"If-None-Match": river}).status_code == 200  # the river did change
    for path in pages:  # the ferry's story did not: its page is served on as it was, not rendered again
        assert client.get(path, headers={"If-None-Match": tags[path]}).status_code == 304, path
    follow_up = ferry_follow_up(client)
    assert client.post("/api/articles", headers=auth(), json=follow_up).json()["stories"] == [ferry]
    for path in pages:  # now it did
        changed = client.get(path, headers={"If-None-Match": tags[path]})
        assert changed.status_code == 200 and "ferry-follow-up" in changed.text, path


def test_without_the_page_cache_a_story_page_renders_its_brief_once_per_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered: list[str] = []  # the headline of each brief rendered for a page

    def counted(templates: Any, view: Any) -> Any:
        rendered.append(view.headline)
        return brief_parts(templates, view)

    monkeypatch.setattr(server_module, "brief_parts", counted)
    with open_site(newsroom_copy(tmp_path / "uncached"), token=TOKEN, cached_pages=0) as uncached:
        client, server = uncached.client, uncached.server
        ferry = ferry_story(client)
        pages = [client.get(f"/stories/{ferry}").text for _ in range(3)]
        assert pages[0] == pages[1] == pages[2] and len(server.cache) == 0  # rendered each time, the same
        assert len(rendered) == 1 and len(server.briefs) == 1  # the brief once, kept for the others
        follow_up = ferry_follow_up(client)
        assert client.post("/api/articles", headers=auth(), json=follow_up).json()["stories"] == [ferry]
        version = client.get(f"/api/stories/{ferry}").json()["brief"]["version"]
        changed = client.get(f"/stories/{ferry}").text
        assert len(rendered) == 2  # the story's new brief version
        assert f"Brief version {version} ·" in changed and f"Brief version {version} ·" not in pages[0]
        assert "Harbour Ledger" in changed and "ferry-follow-up" in changed


# -- numbers -----------------------------------------------------------------------------------------------------
def test_numbers_out_of_range_are_refused_not_a_server_error(site: Site) -> None:
    ferry = ferry_story(site.client)
    huge = "99999999999999999999"
    missing = [f"/api/stories/{ferry}/briefs/{v}" for v in (huge, f"-{huge}", "-1", "0", "1000000001")]
    for path in missing:  # a version no brief can have is not found, as any other missing version
        answer = site.client.get(path)
        assert answer.status_code == 404 and "no brief version" in answer.json()["error"], path
    refused = [
        f"/api/stories/{ferry}/briefs/1.5",
        "/api/stories?since=9999-12-31T23:59:59-23:59",  # past year 9999 in UTC
        "/api/stories?since=0001-01-01T00:00:00%2B05:00",  # before year 1 in UTC
        f"/api/stories?since={huge}",
        "/api/articles?since=9999-12-31T23:59:59-23:59",
        f"/api/stories?limit={huge}",
        f"/api/stories?offset={huge}",
        f"/api/articles?offset=-{huge}",
        f"/api/search?q=ferry&offset={huge}",
        f"/api/search?q=ferry&limit={huge}",
        f"/?offset={huge}",
        f"/search?q=ferry&offset={huge}",
        f"/feeds/briefs.atom?outlet={'x' * 300}",
    ]
    for path in refused:  # a bad parameter, said so (the API's 422), never a 500
        answer = site.client.get(path)
        assert answer.status_code == 422, (path, answer.status_code)
    assert site.client.get(f"/api/stories/{ferry}/briefs/1").json()["version"] == 1


# -- article ids that need escaping ------------------------------------------------------------------------------
def test_article_ids_that_need_escaping_are_linked_and_found(writable: Site) -> None:
    client = writable.client
    ids = ["harbour/wire/1", "harbour?2#top", "harbour 100%/3"]
    texts = [
        "The Vellmoor harbour crane collapsed on Monday morning, the port authority said. Nobody was hurt.",
        "A crane collapsed at Vellmoor harbour on Monday morning, said the port authority. No one was injured.",
        "Vellmoor harbour's crane collapsed on Monday morning, according to the port authority. Nobody was hurt.",
    ]
    outlets = ["Meridian Wire", "Coastal Times", "Northgate Post"]
    records = [
        {
            "id": article_id,
            "title": "Crane collapses at Vellmoor harbour",
            "text": text,
            "source": outlet,
            "url": f"https://{outlet.lower().replace(' ', '')}.example/crane",
            "published": f"2031-06-0{n + 2}T09:00:00Z",
        }
        for n, (article_id, text, outlet) in enumerate(zip(ids, texts, outlets, strict=True))
    ]
    report = client.post("/api/articles", headers=auth(), json=records).json()
    assert report["added"] == 3 and len(report["stories"]) == 1
    story = report["stories"][0]
    page = client.get(f"/stories/{story}").text
    links = set(re.findall(r'href="(/articles/[^"#]*)', page))  # the citations, the sources, every article
    assert len(links) == 3, links  # one address per article
    for link in links:
        assert client.get(link).status_code == 200, link
        assert client.get("/api" + link).json()["id"] in ids, link
        assert "?" not in link and "/" not in link.removeprefix("/articles/"), link  # each id escaped whole
    assert client.get("/articles/harbour/wire/1").status_code == 200  # as written, where a URL can hold it
    assert client.get("/api/articles/harbour/wire/1").json()["id"] == "harbour/wire/1"
    feed = client.get("/feeds/briefs.atom").text
    cited = re.findall(r"http://127\.0\.0\.1:\d+(/articles/[^\"&#<]*)", feed)
    assert cited and all(client.get(link).status_code == 200 for link in cited), cited
    document = client.get(f"/api/stories/{story}").json()
    assert {a["id"] for a in document["articles"]} == set(ids)
