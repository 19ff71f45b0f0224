"""A story of the day, hundreds of reports from many outlets: its page stays the size of its brief.

The page writes the brief (every sentence, its citation marks, one popover per cited article and the sentence behind
each mark), the newest reports with how many more there are and a link to all of them, and a coverage chart of at
most one dot per outlet and stretch of time. What grows with the story is counted, not written out: these tests
count what the page holds, so a page that went back to writing every report would fail them whatever the machine.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from fastapi.testclient import TestClient

from factories import ferry_articles
from newsloom.config import Settings
from newsloom.model import Article, StoryChanges
from newsloom.normalize import normalize
from newsloom.present.views import LISTED_REPORTS
from newsloom.serve import create_app
from newsloom.serve.reader import ARTICLES_PER_PAGE
from newsloom.store import open_store
from newsloom.write.extractive import write_brief

SITE = "http://127.0.0.1"
STORY = "st-story-of-the-day"
REPORTS = 260
OUTLETS = [f"{name} {kind}" for kind in ("Courier", "Ledger", "Post") for name in ("Arlen", "Brisk", "Corran",
           "Dunmere", "Esk", "Farrow")]  # fmt: skip
MOST_ROWS = 12  # views.coverage_chart: outlets past these share the last row


def reports() -> list[Article]:
    """The ferry story retold REPORTS times by 18 outlets over four days, each report with a line of its own."""
    base = ferry_articles()
    start = datetime(2031, 5, 12, 9, 0, tzinfo=UTC)
    made = []
    for n in range(REPORTS):
        source = base[n % len(base)]
        outlet = OUTLETS[n % 4] if n % 2 else OUTLETS[(n // 2) % len(OUTLETS)]  # four outlets report most
        article = normalize(
            replace(
                source,
                id=f"day-{n:03d}",
                title=f"{source.title} ({outlet}, update {n})",
                text=f"{source.text}\n\n{outlet} spoke to passenger number {n} on the quay.",
                outlet=outlet,
                url=f"https://{outlet.lower().replace(' ', '')}.example/ferry/{n}",
                published=start + timedelta(minutes=22 * n),
            )
        )
        article.story_id = STORY
        article.syndication_group = f"g-{n // 2}"  # each report and the next: a wire copy and its reprint
        made.append(article)
    return made


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = tmp_path_factory.mktemp("story-page") / "day.db"
    with open_store(str(db)) as store:
        store.commit_batch(reports(), [], StoryChanges(0, None, {}, {}), [])
        store.save_brief(write_brief(store.story_articles(STORY), story_id=STORY))
    with TestClient(create_app(str(db), Settings(db=str(db))), base_url=SITE) as opened:
        yield opened


def listed(html: str) -> list[str]:
    """The article ids a page lists (the story page's list of reports, or a page of all of them)."""
    found = re.search(r'<(?:details|section) class="all-articles".*?</(?:details|section)>', html, re.S)
    assert found, "no list of articles"
    return re.findall(r'<li><a href="/articles/([^"]+)"', found.group(0))


def test_the_page_lists_the_newest_reports_and_says_how_many_more(client: TestClient) -> None:
    page = client.get(f"/stories/{STORY}").text
    newest = [f"day-{n:03d}" for n in range(REPORTS - 1, REPORTS - 1 - LISTED_REPORTS, -1)]
    assert listed(page) == newest
    # Each pair is a wire copy and its reprint: it counts as the outlet of its first report, an outlet once.
    originals = {OUTLETS[(n // 2) % len(OUTLETS)] for n in range(0, REPORTS, 2)}
    assert f"The latest {LISTED_REPORTS} of {REPORTS} articles ({len(originals)} independent sources)" in page
    more = re.search(r'And (\d+) more articles: <a href="([^"]+)">', page)
    assert more and int(more.group(1)) == REPORTS - LISTED_REPORTS
    # The link leads to every report, newest first, a page at a time, each once.
    every: list[str] = []
    address: str | None = more.group(2)
    while address:
        answer = client.get(address)
        assert answer.status_code == 200, address
        shown = listed(answer.text)
        assert 0 < len(shown) <= ARTICLES_PER_PAGE
        every += shown
        older = re.search(r'<a href="([^"]+)" rel="next">', answer.text)
        address = unescape(older.group(1)) if older else None
    assert every == [f"day-{n:03d}" for n in range(REPORTS - 1, -1, -1)]


def test_the_chart_draws_a_dot_per_outlet_and_stretch_of_time_and_counts_every_report(client: TestClient) -> None:
    page = client.get(f"/stories/{STORY}").text
    chart = re.search(r'<svg class="chart".*?</svg>', page, re.S)
    assert chart
    rows = re.findall(r'<text class="chart-label"[^>]*>([^<]*)</text>', chart.group(0))
    assert len(rows) == MOST_ROWS and rows[-1] == f"{len(OUTLETS) - MOST_ROWS + 1} other outlets"
    titles = re.findall(r'<circle class="chart-dot"[^>]*><title>([^<]*)</title>', chart.group(0))
    assert len(titles) <= MOST_ROWS * 20  # at most one dot per row and stretch (24 px of 474)
    counted = sum(int(m.group(1)) if (m := re.search(r": (\d+) articles, ", t)) else 1 for t in titles)
    assert counted == REPORTS  # every report in one dot, none twice
    summary = re.search(r'<title id="chart-summary">([^<]*)</title>', chart.group(0))
    assert summary and summary.group(1).startswith(f"{REPORTS} articles from {len(OUTLETS)} outlets between ")


def test_one_popover_per_cited_article_and_the_sentence_behind_every_mark(client: TestClient) -> None:
    page = client.get(f"/stories/{STORY}").text
    marks = re.findall(r'<a class="cite" href="([^"]+)" data-popover="([^"]+)"( data-quote="([^"]+)")?', page)
    popovers = re.findall(r'<div class="popover" id="([^"]+)"', page)
    sources = re.findall(r'<li value="(\d+)">', page)
    assert marks and len(popovers) == len(set(popovers)) == len(sources)
    assert {popover for _, popover, _, _ in marks} == set(popovers)  # each mark opens its article's popover
    quotes = dict(re.findall(r'<p class="cite-quote" id="([^"]+)" hidden>([^<]*)</p>', page))
    assert len(quotes) == sum(1 for *_, quote in marks if quote) > len(popovers)
    for path, _, _, quote in marks:
        assert path.startswith("/articles/day-")
        if quote:
            article = client.get(path.split("#")[0])  # the sentence behind the mark, where the mark links to
            anchor = path.split("#")[1]
            sentence = re.search(rf'<span id="{anchor}" class="source-sentence">([^<]*)</span>', article.text)
            assert sentence and sentence.group(1) == quotes[quote], path
