"""The HTTP API and the reader's pages, against the real application over a real store (no mocks).

The application is driven in process through its ASGI interface (httpx's transport, as any client would see it);
the browser tests in test_reader_browser.py and the probes in test_serve_hardening.py run it behind uvicorn on
127.0.0.1.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from httpserver import LocalServer
from newsloom.config import Settings
from newsloom.serve import ServeSettings, create_app
from newsloom.serve.server import CONTENT_SECURITY_POLICY
from newsroom import HOSTILE_SENTENCES, newsroom_copy
from newsroom_site import mount_demo

TOKEN = "correct-horse-battery-staple"
SITE = "http://127.0.0.1"  # a name the server answers to by default (TestClient's own, testserver, is not one)


def settings_for(db: Path, **serve: object) -> Settings:
    settings = Settings(db=str(db))
    settings.cluster = replace(settings.cluster, embedding="none")
    settings.serve = ServeSettings(**serve)  # type: ignore[arg-type]
    return settings


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return newsroom_copy(tmp_path_factory.mktemp("serve-api"))


@pytest.fixture(scope="module")
def client(newsroom: Path) -> Iterator[TestClient]:
    """A reading client over the shared newsroom (no token configured: writes are off)."""
    with TestClient(create_app(str(newsroom), settings_for(newsroom)), base_url=SITE) as opened:
        yield opened


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[TestClient]:
    """A client over a private copy of the newsroom, on a server that has a write token."""
    db = newsroom_copy(tmp_path / "writable")
    with TestClient(create_app(str(db), settings_for(db, token=TOKEN)), base_url=SITE) as opened:
        yield opened


def auth(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def ferry_story(client: TestClient) -> str:
    story: str = client.get("/api/articles/ferry-wire").json()["story"]
    return story


# -- reading ---------------------------------------------------------------------------------------------------
def test_stories_come_newest_first_a_page_at_a_time(client: TestClient) -> None:
    first = client.get("/api/stories", params={"limit": 4}).json()
    assert len(first["stories"]) == 4 and first["next"]
    second = client.get(first["next"]).json()
    assert second["offset"] == 4
    assert not {s["id"] for s in first["stories"]} & {s["id"] for s in second["stories"]}
    times = [s["last_published"] for s in first["stories"] + second["stories"]]
    assert times == sorted(times, reverse=True)
    story = first["stories"][1]
    assert {"headline", "dek", "independent_sources", "outlets", "last_published", "url"} <= story.keys()
    assert story["url"] == f"/stories/{story['id']}"
    last = client.get("/api/stories", params={"limit": 200}).json()
    assert last["next"] is None


def test_stories_filter_and_order(client: TestClient) -> None:
    ferry = ferry_story(client)
    biggest = client.get("/api/stories", params={"order": "biggest", "limit": 100}).json()["stories"]
    counts = [s["independent_sources"] for s in biggest]
    assert counts == sorted(counts, reverse=True)
    by_outlet = client.get("/api/stories", params={"outlet": "Northgate Post", "limit": 100}).json()["stories"]
    assert ferry in {s["id"] for s in by_outlet}
    by_text = client.get("/api/stories", params={"q": "Maren Star"}).json()["stories"]
    assert [s["id"] for s in by_text] == [ferry]
    players = client.get(f"/api/stories/{ferry}").json()["entities"]
    by_entity = client.get("/api/stories", params={"entity": players[0]["name"].lower()}).json()["stories"]
    assert ferry in {s["id"] for s in by_entity}
    later = client.get("/api/stories", params={"since": "2031-05-13T00:00:00Z", "limit": 100}).json()["stories"]
    assert later and ferry not in {s["id"] for s in later}


def test_bad_parameters_get_a_clear_error(client: TestClient) -> None:
    response = client.get("/api/stories", params={"order": "loudest"})
    assert response.status_code == 422
    assert "order" in response.json()["error"]
    assert client.get("/api/stories", params={"limit": 0}).status_code == 422
    assert client.get("/api/stories", params={"since": "yesterday-ish"}).status_code == 422
    missing = client.get("/api/stories/st-nothing-like-it")
    assert missing.status_code == 404 and "no story" in missing.json()["error"]
    assert client.get("/api/nowhere").json() == {"error": "Not Found"}


def test_one_story_has_brief_articles_groups_coverage_disputes_and_entities(client: TestClient) -> None:
    ferry = ferry_story(client)
    document = client.get(f"/api/stories/{ferry[:8]}").json()  # a unique start of the id is enough
    assert document["story"]["id"] == ferry
    assert document["brief"]["headline"]
    assert {a["id"] for a in document["articles"]} == {"ferry-wire", "ferry-valley", "ferry-coastal", "ferry-northgate"}
    groups = {frozenset(g["articles"]) for g in document["syndication_groups"]}
    assert frozenset({"ferry-wire", "ferry-valley"}) in groups  # the wire and its reprint: one source
    assert len(groups) == 3
    per_outlet = {row["outlet"]: row["articles"] for row in document["coverage"]["per_outlet"]}
    assert per_outlet == {"Meridian Wire": 1, "The Valley Herald": 1, "Coastal Times": 1, "Northgate Post": 1}
    assert document["coverage"]["independent_sources"] == 3
    numbers = json.dumps(document["disputes"])
    assert "14" in numbers and "19" in numbers  # 14 hurt says the wire, 19 says Northgate Post
    assert document["entities"] and document["timeline"] is not None
    version = client.get(f"/api/stories/{ferry}/briefs/1").json()
    assert version["version"] == 1
    assert client.get(f"/api/stories/{ferry}/briefs/9").status_code == 404


def test_articles_list_and_one_article(client: TestClient) -> None:
    listed = client.get("/api/articles", params={"outlet": "Northgate Post"}).json()["articles"]
    assert "ferry-northgate" in {a["id"] for a in listed}
    assert all(a["source"] == "Northgate Post" for a in listed)
    article = client.get("/api/articles/ferry-northgate").json()
    assert "19 passengers" in article["text"] and article["sentences"]
    hostile = client.get("/api/articles/quay-wire").json()
    assert hostile.get("url") is None and hostile["unsafe_url"].startswith("javascript:")
    assert client.get("/api/articles/none-such").status_code == 404


def test_search_gives_snippets_with_the_words_found(client: TestClient) -> None:
    results = client.get("/api/search", params={"q": "Brandvik"}).json()["results"]
    assert results and results[0]["id"] in {"ferry-wire", "ferry-valley"}
    hit = results[0]
    start, end = hit["highlights"][0]
    assert hit["snippet"][start:end] == "Brandvik"
    assert client.get("/api/search", params={"q": "zzqx"}).json()["results"] == []
    assert client.get("/api/search").status_code == 422
    assert client.get("/api/search", params={"q": '" OR NEAR('}).status_code == 200


def test_health_says_the_server_is_up(client: TestClient) -> None:
    assert client.get("/api/health").json()["status"] == "ok"


def test_outlets_and_feeds_are_listed(client: TestClient) -> None:
    outlets = {o["name"]: o["articles"] for o in client.get("/api/outlets").json()["outlets"]}
    assert outlets["Coastal Times"] >= 2
    assert client.get("/api/feeds").json() == {"feeds": []}


def test_openapi_schema_describes_the_api(client: TestClient) -> None:
    schema = client.get("/api/openapi.json").json()
    paths = schema["paths"]
    for path in ("/api/stories", "/api/stories/{story_id}", "/api/articles", "/api/search", "/api/feeds"):
        assert path in paths
    assert "post" in paths["/api/articles"] and "requestBody" in paths["/api/articles"]["post"]
    assert {p["name"] for p in paths["/api/stories"]["get"]["parameters"]} >= {"order", "since", "outlet", "q"}
    assert "/stories/{story_id}" not in paths  # reader pages are not API


def test_unchanged_answers_are_not_sent_twice(writer: TestClient) -> None:
    first = writer.get("/api/stories")
    tag = first.headers["etag"]
    again = writer.get("/api/stories", headers={"If-None-Match": tag})
    assert again.status_code == 304 and not again.content
    added = writer.post("/api/articles", headers=auth(), json=_lighthouse())
    assert added.status_code == 201
    after = writer.get("/api/stories", headers={"If-None-Match": tag})
    assert after.status_code == 200 and after.headers["etag"] != tag
    assert after.json()["stories"][0]["headline"].startswith("Lighthouse")


# -- writing ---------------------------------------------------------------------------------------------------
def _lighthouse() -> dict[str, object]:
    return {
        "id": "lighthouse-1",
        "title": "Lighthouse keeper rescues kayakers off Vellmoor Point",
        "text": "The keeper of the Vellmoor Point lighthouse rescued two kayakers on Thursday evening after their "
        "boat capsized in strong winds. Keeper Ansel Murrow said both were cold but unhurt.",
        "source": "Pinecrest Gazette",
        "url": "https://pinecrest.example/2031/06/01/lighthouse",
        "published": "2031-06-01T19:00:00Z",
    }


def test_writes_are_refused_when_no_token_is_configured(client: TestClient) -> None:
    refused = client.post("/api/articles", json=_lighthouse(), headers=auth("anything"))
    assert refused.status_code == 403
    assert "NEWSLOOM_SERVE_TOKEN" in refused.json()["error"]
    assert client.post("/api/feeds", json={"url": "https://x.example/feed"}).status_code == 403
    assert client.delete("/api/feeds", params={"url": "https://x.example/feed"}).status_code == 403
    assert client.get("/api/articles/lighthouse-1").status_code == 404


def test_writes_need_the_right_token(writer: TestClient) -> None:
    for headers in ({}, auth("wrong"), {"Authorization": TOKEN}, {"Authorization": f"Basic {TOKEN}"}):
        response = writer.post("/api/feeds", json={"url": "https://x.example/feed"}, headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["www-authenticate"] == "Bearer"
    assert writer.get("/api/feeds").json() == {"feeds": []}


def test_feeds_can_be_added_and_removed_with_the_token(writer: TestClient) -> None:
    feed = {"url": "https://harbourlight.example/feed.xml", "title": "Harbour Light", "check": False}
    assert writer.post("/api/feeds", json=feed, headers=auth()).status_code == 201
    again = writer.post("/api/feeds", json=feed, headers=auth())
    assert again.status_code == 200 and again.json()["added"] is False
    listed = writer.get("/api/feeds").json()["feeds"]
    assert [(f["url"], f["title"], f["status"]) for f in listed] == [(feed["url"], "Harbour Light", "new")]
    bad = writer.post("/api/feeds", json={"url": "javascript:alert(1)"}, headers=auth())
    assert bad.status_code == 422
    assert writer.delete("/api/feeds", params={"url": feed["url"]}, headers=auth()).status_code == 204
    assert writer.delete("/api/feeds", params={"url": feed["url"]}, headers=auth()).status_code == 404


def test_feeds_added_through_the_api_are_vetted_as_the_command_line_vets_them(tmp_path: Path) -> None:
    db = newsroom_copy(tmp_path / "vetted")
    strict = settings_for(db, token=TOKEN)
    relaxed = settings_for(db, token=TOKEN)
    relaxed.fetch = replace(relaxed.fetch, allow_private_networks=True, host_delay=0)
    with LocalServer() as site, TestClient(create_app(str(db), strict), base_url=SITE) as writer:
        feed_url = next(iter(mount_demo(site)))
        for body in (
            {"url": "http://169.254.169.254/latest/"},
            {"url": "http://169.254.169.254/latest/", "check": False},
            {"url": "http://0x7f000001/feed", "check": False},
            {"url": feed_url},
            {"url": feed_url, "check": False},
        ):
            refused = writer.post("/api/feeds", json=body, headers=auth())
            assert refused.status_code == 422 and "refused" in refused.json()["error"], body
        assert writer.get("/api/feeds").json() == {"feeds": []}
        with TestClient(create_app(str(db), relaxed), base_url=SITE) as trusting:
            added = trusting.post("/api/feeds", json={"url": feed_url}, headers=auth())
            assert added.status_code == 201
            assert added.json()["feed"]["title"]  # read from the feed itself
            not_a_feed = trusting.post("/api/feeds", json={"url": site.url("/nothing-here")}, headers=auth())
            assert not_a_feed.status_code == 422
        assert [f["url"] for f in writer.get("/api/feeds").json()["feeds"]] == [feed_url]


def test_posted_articles_go_through_the_pipeline(writer: TestClient) -> None:
    second = {**_lighthouse(), "id": "lighthouse-2", "source": "Coastal Times", "url": "https://ct.example/lh"}
    second["text"] = (
        "Two kayakers were rescued by the Vellmoor Point lighthouse keeper on Thursday after capsizing in strong "
        "winds. Keeper Ansel Murrow said both were cold but unhurt, and praised the coastguard."
    )
    report = writer.post("/api/articles", headers=auth(), json={"articles": [_lighthouse(), second]}).json()
    assert report["added"] == 2 and report["briefs_written"] >= 1 and len(report["stories"]) == 1
    story = writer.get(f"/api/stories/{report['stories'][0]}").json()
    assert {a["id"] for a in story["articles"]} == {"lighthouse-1", "lighthouse-2"}
    assert story["brief"]["headline"]
    assert [r["id"] for r in writer.get("/api/search", params={"q": "Murrow"}).json()["results"]]
    repeat = writer.post("/api/articles", headers=auth(), json=_lighthouse())
    assert repeat.status_code == 200 and repeat.json()["already_known"] == 1


def test_bad_article_bodies_are_explained(writer: TestClient) -> None:
    not_json = writer.post("/api/articles", headers={**auth(), "Content-Type": "application/json"}, content=b"{oops")
    assert not_json.status_code == 400 and "not JSON" in not_json.json()["error"]
    empty = writer.post("/api/articles", headers=auth(), json=[])
    assert empty.status_code == 422
    report = writer.post("/api/articles", headers=auth(), json=[{"id": "blank"}, "not an article"]).json()
    assert report["added"] == 0 and len(report["rejected"]) == 2
    huge = writer.post("/api/articles", headers=auth(), content=b"[" + b" " * (6 * 1024 * 1024) + b"]")
    assert huge.status_code == 413


def test_bodies_that_cannot_be_read_answer_400_never_500(writer: TestClient) -> None:
    as_json = {**auth(), "Content-Type": "application/json"}
    deep = writer.post("/api/articles", headers=as_json, content=b"[" * 2000 + b"]" * 2000)
    assert deep.status_code == 400 and "nested more than 64 levels" in deep.json()["error"]
    deep_object = writer.post("/api/articles", headers=as_json, content=b'{"a":' * 2000 + b"1" + b"}" * 2000)
    assert deep_object.status_code == 400
    long_number = writer.post("/api/articles", headers=as_json, content=b'{"id": "n", "text": ' + b"9" * 5000 + b"}")
    assert long_number.status_code == 400 and "not JSON" in long_number.json()["error"]
    not_utf8 = writer.post("/api/articles", headers=as_json, content=b'{"id": "u", "title": "Caf\xe9"}')
    assert not_utf8.status_code == 400 and "not JSON" in not_utf8.json()["error"]
    long_id = writer.post("/api/articles", headers=auth(), json={**_lighthouse(), "id": "x" * 100_000})
    assert long_id.status_code == 400
    assert "no article in the body could be read" in long_id.json()["error"]
    assert "over the 512-character limit" in long_id.json()["rejected"][0]["reason"]
    control_id = writer.post("/api/articles", headers=auth(), json=[{**_lighthouse(), "id": "a\u0000b"}, "nothing"])
    assert control_id.status_code == 400 and len(control_id.json()["rejected"]) == 2
    assert writer.get("/api/articles/lighthouse-1").status_code == 404  # nothing refused was stored
    mixed = writer.post("/api/articles", headers=auth(), json=[{**_lighthouse(), "id": "x" * 100_000}, _lighthouse()])
    assert mixed.status_code == 201
    assert mixed.json()["added"] == 1 and "over the 512-character limit" in mixed.json()["rejected"][0]["reason"]


def test_posted_text_that_is_not_valid_unicode_is_repaired_and_reported(writer: TestClient) -> None:
    body = {**_lighthouse(), "title": "Lighthouse \ud800 keeper", "source": {"name": "Pinecrest \udc00"}}
    as_json = {**auth(), "Content-Type": "application/json"}
    posted = writer.post("/api/articles", headers=as_json, content=json.dumps({"articles": [body]}).encode())
    assert posted.status_code == 201
    assert posted.json()["repaired"] == [
        {
            "origin": "request item 1",
            "reason": "lone surrogates (text that is not valid Unicode) in source.name, title replaced with U+FFFD",
        }
    ]
    article = writer.get("/api/articles/lighthouse-1").json()
    assert article["title"] == "Lighthouse \ufffd keeper" and article["source"] == "Pinecrest \ufffd"


def test_a_posted_language_that_is_no_language_tag_is_dropped_for_the_detected_one(writer: TestClient) -> None:
    posted = writer.post("/api/articles", headers=auth(), json={**_lighthouse(), "language": '"><scrip'})
    assert posted.status_code == 201
    assert writer.get("/api/articles/lighthouse-1").json()["language"] == "en"


# -- safety ----------------------------------------------------------------------------------------------------
def test_every_answer_carries_the_security_headers(client: TestClient) -> None:
    for path in ("/", "/api/stories", "/feeds/briefs.atom", "/static/reader.css", "/nowhere"):
        response = client.get(path)
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY, path
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY and "unsafe-inline" not in CONTENT_SECURITY_POLICY


def test_cross_origin_requests_are_off_unless_configured(client: TestClient, newsroom: Path) -> None:
    plain = client.get("/api/stories", headers={"Origin": "https://elsewhere.example"})
    assert "access-control-allow-origin" not in plain.headers
    preflight = client.options(
        "/api/articles",
        headers={"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers
    app = create_app(str(newsroom), settings_for(newsroom, cors_origins="https://friend.example"))
    with TestClient(app, base_url=SITE) as friendly:
        allowed = friendly.get("/api/stories", headers={"Origin": "https://friend.example"})
        assert allowed.headers["access-control-allow-origin"] == "https://friend.example"
        other = friendly.get("/api/stories", headers={"Origin": "https://elsewhere.example"})
        assert "access-control-allow-origin" not in other.headers
        cached = friendly.get("/api/stories", headers={"Origin": "https://friend.example"})  # from the page cache
        assert cached.headers["access-control-allow-origin"] == "https://friend.example"
        assert cached.headers["etag"] == allowed.headers["etag"]


HOSTILE_MARKUP = re.compile(r"<script>alert|<img[^>]*onerror|<b onmouseover|href=\"javascript:", re.IGNORECASE)


def test_hostile_copy_is_shown_as_text_on_every_page(client: TestClient) -> None:
    hostile = client.get("/api/articles/quay-wire").json()["story"]
    pages = [
        "/",
        f"/stories/{hostile}",
        "/articles/quay-wire",
        "/articles/quay-herald",
        "/search?q=quayside",
        "/?outlet=" + "Quayside <img src=x onerror=\"alert('outlet')\"> Courier",
    ]
    for path in pages:
        page = client.get(path)
        assert page.status_code == 200, path
        assert not HOSTILE_MARKUP.search(page.text), path
        assert "&lt;script&gt;" in page.text or "&lt;img" in page.text or "&lt;b onmouseover" in page.text, path
        assert "javascript:" not in " ".join(re.findall(r'href="([^"]*)"', page.text)), path
    story = client.get(f"/stories/{hostile}").text
    assert "&lt;script&gt;alert(&#39;text&#39;)&lt;/script&gt;" in story
    assert HOSTILE_SENTENCES[0].split("<")[0].strip() in story


# -- the reader's pages ----------------------------------------------------------------------------------------
def test_reader_pages_render(client: TestClient) -> None:
    ferry = ferry_story(client)
    river = client.get("/")
    assert river.status_code == 200 and "Maren Star" in river.text
    assert 'role="search"' in river.text and "<main" in river.text and "<nav" in river.text
    story = client.get(f"/stories/{ferry}")
    assert "Where sources differ" in story.text and "Key players" in story.text and "<svg" in story.text
    assert 'class="cite"' in story.text and 'role="dialog"' in story.text
    moved = client.get(f"/stories/{ferry[:7]}", follow_redirects=False)
    assert moved.status_code == 301 and moved.headers["location"] == f"/stories/{ferry}"
    found = client.get("/search", params={"q": "Brandvik"})
    assert "<mark>Brandvik</mark>" in found.text
    feeds = client.get("/feeds")
    assert "/feeds/briefs.atom" in feeds.text and "No feeds followed yet" in feeds.text
    missing = client.get("/stories/st-never")
    assert missing.status_code == 404 and "text/html" in missing.headers["content-type"]
    assert client.get("/articles/never").status_code == 404
    biggest = client.get("/", params={"order": "biggest", "outlet": "Coastal Times"})
    assert biggest.status_code == 200 and "Remove the outlet filter" in biggest.text
