"""What changed in a story, everywhere it shows: the ``changes`` command, the API, the story page and the feeds out.

The ferry fire is ingested in two rounds into a real SQLite store: first the wire, its reprint and Coastal Times (14
hurt), then Northgate Post, which brings one new fact (the fleet's age), one new outlet and a conflicting figure (19
hurt). Then the brief is written again on the same reports, shorter: a new version that brings nothing, and that
the feeds and the river pass by. (The reader in a browser: test_reader_browser.py.)
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from newsloom.cli import main
from newsloom.config import Settings
from newsloom.serve import create_app
from newsloom.store import open_store
from newsroom import ferry_rewritten, ferry_round_one, ferry_round_two, newsroom_copy

FLEET = "The Brisk Sound Ferry Company has faced complaints from island councillors about the age of its fleet"
SITE = "http://127.0.0.1"  # a name the server answers to by default (TestClient's own, testserver, is not one)
COUNT_19 = "Harbour officials said 19 passengers were taken to Lorran General Hospital with smoke inhalation."


@pytest.fixture(scope="module")
def told_twice(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    db = tmp_path_factory.mktemp("story-changes") / "newsloom.db"
    story = ferry_round_one(db)
    ferry_round_two(db)
    return db, story


@pytest.fixture(scope="module")
def client(told_twice: tuple[Path, str]) -> Iterator[TestClient]:
    db, _ = told_twice
    with TestClient(create_app(str(db), Settings(db=str(db))), base_url=SITE) as opened:
        yield opened


def command(capsys: pytest.CaptureFixture[str], db: Path, *argv: str) -> tuple[int, str, str]:
    code = main(["--db", str(db), *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_second_round(data: dict[str, Any], story: str) -> None:
    """Exactly what Northgate Post's report brought: one fact, one outlet, one changed figure, nothing else."""
    assert data["story"] == story and data["since"]["version"] == 1 and data["version"] == 2
    assert [f["text"][: len(FLEET)] for f in data["new_facts"]] == [FLEET]
    assert data["new_facts"][0]["sources"] == ["Northgate Post"]
    assert data["new_outlets"] == ["Northgate Post"]
    [figure] = data["changed"]
    assert (figure["kind"], figure["before"]["value"], figure["now"]["value"]) == ("number", "14", "19")
    assert figure["before"]["sources"] == ["Meridian Wire", "Coastal Times"]
    assert figure["now"]["sources"] == ["Northgate Post"]
    assert data["new_disputes"] == [] and data["settled_disputes"] == []
    assert data["summary"] == "1 new fact, 1 new outlet, 1 changed figure"
    assert (data["articles_before"], data["new_articles"]) == (3, 1)


def test_each_brief_version_is_stored_with_what_it_brought(told_twice: tuple[Path, str]) -> None:
    db, story = told_twice
    with open_store(db) as store:
        news = store.latest_news([story])
        assert news[story].version == 2
        assert news[story].news == {"new_facts": 1, "new_outlets": 1, "changed": 1}


def test_the_changes_command_says_what_the_second_round_brought(
    told_twice: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    db, story = told_twice
    code, out, _ = command(capsys, db, "changes", story[:8], "--format", "json")  # a unique start of the id
    assert code == 0
    assert_second_round(json.loads(out), story)
    assert json.loads(command(capsys, db, "changes", story, "--since", "1", "--format", "json")[1]) == json.loads(out)

    code, markdown, _ = command(capsys, db, "changes", story)
    assert code == 0
    assert "1 new fact, 1 new outlet, 1 changed figure (1 new article)" in markdown
    assert "## New facts" in markdown and FLEET in markdown and "## New outlets" in markdown
    assert "number: 14 → 19" in markdown and "## New disputes" not in markdown

    nothing = json.loads(command(capsys, db, "changes", story, "--since", "2", "--format", "json")[1])
    assert nothing["summary"] == "" and nothing["new_articles"] == 0 and nothing["new_facts"] == []
    # Since a while ago (before the first round was stored): every fact is new, from every outlet.
    everything = json.loads(command(capsys, db, "changes", story, "--since", "2d", "--format", "json")[1])
    assert everything["since"]["version"] is None and everything["since"]["time"]
    assert everything["new_outlets"] == ["Meridian Wire", "Coastal Times", "Northgate Post"]
    assert len(everything["new_facts"]) == 14 and everything["new_articles"] == 4
    # ... and since the first time it was stored, nothing has changed that the store did not hold by then.
    later = json.loads(command(capsys, db, "changes", story, "--since", "2099-01-01", "--format", "json")[1])
    assert later["summary"] == "" and later["since"]["time"] == "2099-01-01T00:00:00Z"

    code, _, err = command(capsys, db, "changes", story, "--since", "7")
    assert code == 1 and f"story {story} has no brief version 7" in err
    code, _, err = command(capsys, db, "changes", story, "--since", "last tuesday")
    assert code == 1 and "not a brief version or a time" in err
    code, _, err = command(capsys, db, "changes", "st-nothing")
    assert code == 1 and "no story 'st-nothing'" in err


def test_the_api_gives_the_same_changes(
    told_twice: tuple[Path, str], client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    db, story = told_twice
    answer = client.get(f"/api/stories/{story}/changes")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    assert_second_round(answer.json(), story)
    assert answer.json() == json.loads(command(capsys, db, "changes", story, "--format", "json")[1])
    assert client.get(f"/api/stories/{story}/changes", params={"since": "1"}).json() == answer.json()
    again = client.get(f"/api/stories/{story}/changes", headers={"If-None-Match": answer.headers["etag"]})
    assert again.status_code == 304

    since_time = client.get(f"/api/stories/{story}/changes", params={"since": "2031-05-12T09:00:00+02:00"}).json()
    assert since_time["since"] == {"version": None, "time": "2031-05-12T07:00:00Z"}
    for since, status, words in (
        ("7", 404, "no brief version 7"),
        ("99999999999", 404, "no brief version"),
        ("yesterday", 422, "not a brief version or a time"),
        ("24h", 422, "not a brief version or a time"),  # a while ago is the command's: an answer is cached
    ):
        refused = client.get(f"/api/stories/{story}/changes", params={"since": since})
        assert refused.status_code == status and words in refused.json()["error"], since
    assert client.get("/api/stories/st-nothing/changes").status_code == 404

    schema = client.get("/api/openapi.json").json()
    route = schema["paths"]["/api/stories/{story_id}/changes"]["get"]
    assert {p["name"] for p in route["parameters"]} == {"story_id", "since"}
    described = schema["components"]["schemas"]["ChangesOut"]["properties"]
    assert set(described) >= {"story", "since", "new_facts", "new_outlets", "changed", "new_disputes"}
    assert "settled_disputes" in described


def test_the_story_page_shows_the_changes_it_is_asked_for(told_twice: tuple[Path, str], client: TestClient) -> None:
    _, story = told_twice
    plain = client.get(f"/stories/{story}").text
    assert 'class="changes-notice" id="changes" aria-live="polite" hidden' in plain
    assert f'data-story="{story}" data-version="2"' in plain and "badge-news" not in plain

    page = client.get(f"/stories/{story}", params={"since": "1"}).text
    notice = page[page.index('<section class="changes-notice"') : page.index('<section class="brief"')]
    assert "Since brief version 1: 1 new fact, 1 new outlet, 1 changed figure" in notice
    assert "New outlet: Northgate Post" in notice and "Changed number: 14" in notice
    marked = re.findall(
        r'<span class="sentence[^"]* news">([^<]*)</span> <span class="badge badge-news">([^<]*)<', page
    )
    assert sorted(kind for _, kind in marked) == ["changed figure", "new fact"]
    assert {text for text, kind in marked if kind == "changed figure"} == {COUNT_19}
    assert all(FLEET[4:] in text for text, kind in marked if kind == "new fact")
    # The marked page is made for that one request: the page without ?since= is as it was.
    assert client.get(f"/stories/{story}").text == plain
    assert (
        client.get(f"/stories/{story[:8]}", params={"since": "1"}, follow_redirects=False).headers["location"]
        == f"/stories/{story}?since=1"
    )
    assert client.get(f"/stories/{story}", params={"since": "tomorrow"}).status_code == 422


def test_the_river_marks_news_by_the_version_that_brought_it(told_twice: tuple[Path, str], client: TestClient) -> None:
    _, story = told_twice
    river = client.get("/").text
    assert f'<li class="river-item" data-story="{story}" data-news-version="2">' in river


def test_text_in_the_changes_is_escaped(tmp_path: Path) -> None:
    db = newsroom_copy(tmp_path / "hostile")
    with TestClient(create_app(str(db), Settings(db=str(db))), base_url=SITE) as opened:
        quayside = next(
            s["id"]
            for s in opened.get("/api/stories", params={"limit": 200}).json()["stories"]
            if "Quayside" in s["headline"]
        )
        page = opened.get(f"/stories/{quayside}", params={"since": "0"}).text  # since before its first brief
    notice = page[page.index('<section class="changes-notice"') : page.index('<section class="brief"')]
    assert "Since the first brief: " in notice and "new fact" in notice
    assert "badge-news" in page  # the brief's sentences marked, as text
    assert "<script>alert" not in page and "<img src=x onerror" not in page
    assert "&lt;img src=x onerror=" in page


def test_a_rewrite_with_no_new_fact_publishes_no_feed_entry(
    told_twice: tuple[Path, str], client: TestClient, tmp_path: Path
) -> None:
    db, story = told_twice

    def entry() -> dict[str, Any]:
        items = client.get("/feeds/briefs.json").json()["items"]
        return next(item for item in items if item["_newsloom"]["story"] == story)

    def atom_entry() -> str:
        atom = client.get("/feeds/briefs.atom").text
        return next(e for e in atom.split("<entry>") if f"/stories/{story}</id>" in e)

    before, before_atom = entry(), atom_entry()
    assert before["_newsloom"]["brief_version"] == 2
    assert before["_newsloom"]["news"] == {"new_facts": 1, "new_outlets": 1, "changed": 1}

    assert ferry_rewritten(db, story) == 3  # a new version, shorter, on the same reports
    with open_store(db) as store:
        latest = store.brief(story)
        assert latest is not None and latest.version == 3
        assert latest.to_json()["paragraphs"] != (store.brief(story, 2) or latest).to_json()["paragraphs"]
        assert store.latest_news([story])[story].version == 2
    assert client.get(f"/api/stories/{story}").json()["brief"]["version"] == 3  # the reader shows the new wording
    assert entry() == before and atom_entry() == before_atom  # the feeds publish nothing
    assert f'data-story="{story}" data-news-version="2"' in client.get("/").text  # nor does the river mark it
    assert client.get(f"/api/stories/{story}/changes", params={"since": "2"}).json()["summary"] == ""
