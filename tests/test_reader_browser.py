"""The web reader in a real browser: Playwright drives Debian's Chromium against uvicorn on 127.0.0.1.

A reader walks river -> story -> citation -> source by mouse and by keyboard, on a desktop and on a 375 px phone,
in light and dark, and comes back to a story to see what changed since the last visit. The hostile story's markup
must never run: any dialog (alert) or page error fails the test.
Screenshots are kept in tests/artifacts/reader/ (ignored by git).

The setup installs Debian's chromium with apt-get when /usr/bin/chromium is missing (CI machines are fresh root
Debian machines); the tests are skipped, with the reason, only when it cannot be installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from newsloom.config import Settings
from newsloom.serve import create_app
from newsroom import ferry_rewritten, ferry_round_one, ferry_round_two, newsroom_copy
from served import served

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the dev extra: make setup")

ARTIFACTS = Path(__file__).resolve().parent / "artifacts" / "reader"
CHROMIUM = Path("/usr/bin/chromium")


def find_or_install_chromium() -> Path | None:
    """Debian's Chromium: there already, or installed now with apt-get (as root on Debian); else None."""
    if CHROMIUM.exists():
        return CHROMIUM
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        return None
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "timeout": 900}
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([apt, "update", "-qq"], env=env, check=False, **quiet)  # type: ignore[call-overload]
    subprocess.run([apt, "install", "-y", "-qq", "chromium"], env=env, check=False, **quiet)  # type: ignore[call-overload]
    return CHROMIUM if CHROMIUM.exists() else None


@pytest.fixture(scope="module")
def chromium() -> Path:
    found = find_or_install_chromium()
    if found is None:
        pytest.skip("Debian's chromium is not installed and apt-get could not install it (needs root and apt)")
    return found


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The reader over the newsroom store, served by uvicorn on a free port of 127.0.0.1."""
    db = newsroom_copy(tmp_path_factory.mktemp("reader-browser"))
    with served(create_app(str(db), Settings(db=str(db)))) as address:
        yield address


@dataclass
class Watch:
    """Everything a page did that it must not: dialogs opened, uncaught errors, policy violations."""

    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def clean(self) -> bool:
        return not (self.dialogs or self.errors)


@pytest.fixture(scope="module")
def browser(chromium: Path) -> Iterator[Any]:
    with playwright_api.sync_playwright() as driver:
        opened = driver.chromium.launch(executable_path=str(chromium), args=["--no-sandbox"])
        yield opened
        opened.close()


def open_page(browser: Any, watch: Watch, **context: Any) -> Any:
    page = browser.new_context(**context).new_page()
    page.on("dialog", lambda dialog: (watch.dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: watch.errors.append(str(error)))
    page.on("console", lambda m: watch.console_errors.append(m.text) if m.type == "error" else None)
    page.set_default_timeout(10_000)
    return page


def shot(page: Any, name: str, full: bool = False) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full)


def test_river_to_story_to_citation_to_source(browser: Any, site: str) -> None:
    watch = Watch()
    page = open_page(browser, watch, viewport={"width": 1200, "height": 900}, color_scheme="light")
    page.goto(site + "/")
    assert page.get_by_role("heading", level=1).inner_text() == "Top stories"
    shot(page, "river-desktop")
    page.get_by_role("link", name="Maren Star fire: ferry escorted back to port").click()
    page.wait_for_url("**/stories/st-*")
    assert "Maren Star" in page.get_by_role("heading", level=1).inner_text()
    assert page.locator(".differences").is_visible()  # where sources differ: 14 against 19 hurt
    assert page.locator(".chart .chart-dot").count() == 4
    shot(page, "story-desktop", full=True)

    mark = page.locator(".brief .cite").first
    popover = page.locator("#" + mark.get_attribute("data-popover"))
    assert popover.is_hidden()
    mark.click()
    assert popover.is_visible() and mark.get_attribute("aria-expanded") == "true"
    outlet = popover.locator(".popover-outlet strong").inner_text()
    quote = popover.locator(".popover-quote").inner_text()
    assert outlet in {"Meridian Wire", "The Valley Herald", "Coastal Times", "Northgate Post"} and quote
    shot(page, "citation-popover")
    page.keyboard.press("Escape")
    assert popover.is_hidden()
    assert page.evaluate("document.activeElement.classList.contains('cite')")

    page.keyboard.press("Enter")  # the mark has focus again: Enter opens it and moves into it
    assert popover.is_visible()
    assert page.evaluate("document.activeElement.classList.contains('popover-source')")
    page.keyboard.press("Enter")
    page.wait_for_url("**/articles/**")
    assert "#s-" in page.url
    highlighted = page.locator(".source-sentence:target")
    assert highlighted.count() == 1 and highlighted.inner_text().strip() == quote.strip()
    assert page.locator(".meta strong").first.inner_text() == outlet
    shot(page, "source-article")
    assert watch.clean(), watch


def test_hostile_copy_never_runs(browser: Any, site: str) -> None:
    watch = Watch()
    page = open_page(browser, watch, viewport={"width": 1200, "height": 900})
    page.goto(site + "/")
    quayside = page.locator(".river-item h2 a", has_text="Quayside market")
    assert "<b onmouseover" in quayside.inner_text()  # shown as the text it is
    quayside.hover()
    quayside.click()
    page.wait_for_url("**/stories/st-*")
    assert "<script>alert('text')</script>" in page.locator(".brief").inner_text()
    for index in range(page.locator(".cite").count()):
        mark = page.locator(".cite").nth(index)
        mark.hover()
        mark.click()
        page.keyboard.press("Escape")
    page.locator(".all-articles summary").click()
    shot(page, "hostile-story", full=True)
    page.goto(site + "/articles/quay-wire")
    assert page.locator("a[href^='javascript:']").count() == 0
    assert "<script>alert('title')</script>" in page.get_by_role("heading", level=1).inner_text()
    page.goto(site + "/search?q=quayside")
    assert page.locator(".hits mark").count() > 0
    shot(page, "hostile-search")
    # The security policy also stops markup that reaches the page some other way: an injected handler never runs.
    page.evaluate("""() => {
        const holder = document.createElement('div');
        holder.innerHTML = '<img src="data:," onerror="alert(\\'injected\\')">';
        document.body.appendChild(holder);
    }""")
    page.wait_for_timeout(300)
    assert watch.clean(), watch


def test_reader_on_a_phone_in_the_dark(browser: Any, site: str) -> None:
    watch = Watch()
    page = open_page(
        browser, watch, viewport={"width": 375, "height": 812}, color_scheme="dark", is_mobile=True, has_touch=True
    )
    page.goto(site + "/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background != "rgb(251, 250, 247)"  # the dark palette, not the light one
    shot(page, "river-phone-dark", full=True)
    page.locator(".river-item h2 a", has_text="Maren Star").tap()
    page.wait_for_url("**/stories/st-*")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    mark = page.locator(".brief .cite").first
    mark.tap()
    popover = page.locator("#" + mark.get_attribute("data-popover"))
    assert popover.is_visible()
    box = popover.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375
    shot(page, "story-phone-dark")
    page.locator("body").tap(position={"x": 5, "y": 5})
    assert popover.is_hidden()
    page.goto(site + "/settings")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shot(page, "settings-phone-dark")
    assert watch.clean(), watch


def test_search_and_feeds_pages_are_usable_by_keyboard(browser: Any, site: str) -> None:
    watch = Watch()
    page = open_page(browser, watch, viewport={"width": 1000, "height": 800})
    page.goto(site + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.get_by_label("Search articles").fill("Brandvik")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=Brandvik")
    assert page.locator(".hits mark", has_text="Brandvik").count() >= 1
    landmarks = page.evaluate(
        "['header', 'nav', 'main', 'footer', 'form[role=search]'].map(s => document.querySelectorAll(s).length)"
    )
    assert all(landmarks), landmarks
    unlabelled = page.evaluate(
        "[...document.querySelectorAll('input, select')].filter(e => e.type !== 'hidden' && !e.labels.length).length"
    )
    assert unlabelled == 0
    shot(page, "search")
    page.get_by_role("link", name="Feeds", exact=True).click()
    assert page.get_by_role("link", name="Atom").get_attribute("href") == "/feeds/briefs.atom"
    shot(page, "feeds")
    assert watch.clean(), watch


@pytest.fixture
def ferry_site(tmp_path: Path) -> Iterator[tuple[str, Path, str]]:
    """The reader over a store holding the ferry fire as first told (and the orchestra); the store, the story."""
    db = tmp_path / "ferry" / "newsloom.db"
    story = ferry_round_one(db)
    with served(create_app(str(db), Settings(db=str(db)))) as address:
        yield address, db, story


def test_a_returning_reader_sees_what_changed_since_the_last_visit(
    browser: Any, ferry_site: tuple[str, Path, str]
) -> None:
    site, db, story = ferry_site
    watch = Watch()
    page = open_page(browser, watch, viewport={"width": 1200, "height": 900})
    page.goto(f"{site}/stories/{story}")  # the first visit: version 1 is remembered, and there is nothing to say
    page.wait_for_load_state("networkidle")
    assert page.locator("#changes").is_hidden() and page.locator(".news").count() == 0
    assert page.evaluate("JSON.parse(localStorage.getItem('newsloom.seen'))")[story]["version"] == 1
    page.goto(site + "/")
    assert page.locator(".river-item .badge-news").count() == 0

    ferry_round_two(db)  # Northgate Post: one new fact, one new outlet, 19 hurt where the others said 14
    page.goto(site + "/")
    ferry = page.locator(f'.river-item[data-story="{story}"]')
    assert ferry.locator(".badge-news").text_content() == "News since your last visit"
    assert page.locator(".river-item.has-news").count() == 1  # the orchestra, never opened, is not marked
    shot(page, "river-news-since-last-visit")
    ferry.locator("h2 a").click()
    page.wait_for_url(f"**/stories/{story}")
    notice = page.locator("#changes")
    notice.wait_for(state="visible")
    assert notice.locator("h2").text_content() == "Since your last visit: 1 new fact, 1 new outlet, 1 changed figure"
    assert notice.locator(".change-outlets").text_content() == "New outlet: Northgate Post"
    figure = notice.locator(".change-figure").text_content() or ""
    assert figure == "Changed number: 14 (Meridian Wire, Coastal Times) → 19 (Northgate Post)"
    marked = page.locator(".story .sentence.news")
    kinds = [marked.nth(i).evaluate("s => s.nextElementSibling.textContent") for i in range(marked.count())]
    texts = [marked.nth(i).text_content() or "" for i in range(marked.count())]
    assert sorted(kinds) == ["changed figure", "new fact"]
    assert texts[kinds.index("changed figure")].startswith("Harbour officials said 19 passengers")
    assert "Brisk Sound Ferry Company has faced complaints" in texts[kinds.index("new fact")]
    shot(page, "story-since-last-visit", full=True)

    page.reload()  # seen now: nothing new since
    page.wait_for_load_state("networkidle")
    assert page.locator("#changes").is_hidden() and page.locator(".news").count() == 0

    assert ferry_rewritten(db, story) == 3  # only reworded: no news
    page.goto(site + "/")
    assert page.locator(".river-item.has-news").count() == 0
    page.goto(f"{site}/stories/{story}")
    page.wait_for_load_state("networkidle")
    assert page.locator("#changes").is_hidden() and page.locator(".news").count() == 0
    assert page.evaluate("JSON.parse(localStorage.getItem('newsloom.seen'))")[story]["version"] == 3
    assert watch.clean(), watch
    assert not [m for m in watch.console_errors if "Content Security Policy" in m], watch.console_errors


FERRY_HEADLINE = "Maren Star fire: ferry escorted back to port"


def ferry_meta(page: Any) -> str:
    """The counts under the ferry story in the river, as the reader reads them."""
    item = page.locator(".river-item", has=page.get_by_role("link", name=FERRY_HEADLINE))
    return " ".join(item.locator(".meta").first.inner_text().split())


def test_muting_outlets_changes_the_counts_and_unmuting_restores_them(browser: Any, site: str) -> None:
    watch = Watch()
    page = open_page(browser, watch, viewport={"width": 1200, "height": 900})
    page.goto(site + "/")
    before = ferry_meta(page)
    assert before.startswith("3 independent sources · 4 articles"), before

    page.get_by_role("link", name="Your outlets").click()
    page.wait_for_url("**/settings")
    page.get_by_label("Mute Meridian Wire").check()
    page.get_by_label("Mute Coastal Times").check()
    page.get_by_label("Prefer Northgate Post").check()
    shot(page, "settings", full=True)  # the hostile outlet's name is listed too, as text
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/settings?saved=true")
    assert page.get_by_role("status").inner_text().startswith("Saved.")
    assert page.get_by_label("Mute Meridian Wire").is_checked()

    page.get_by_role("link", name="Back to the stories").click()
    page.wait_for_url(site + "/")
    muted = ferry_meta(page)
    assert muted.startswith("2 independent sources · 2 articles · Northgate Post, The Valley Herald"), muted
    item = page.locator(".river-item", has=page.get_by_role("link", name=FERRY_HEADLINE))
    assert "2 articles from muted outlets left out" in item.locator(".meta.yours").inner_text()
    assert "From an outlet you prefer" in item.locator(".meta.yours").inner_text()
    assert "muting 2 outlets" in page.get_by_role("note").first.inner_text()
    shot(page, "river-muted")
    page.get_by_role("link", name=FERRY_HEADLINE).click()
    page.wait_for_url("**/stories/st-*")
    assert "2 articles from 2 outlets (2 independent sources)" in page.locator(".coverage figcaption").inner_text()
    assert "According to Meridian Wire" not in page.locator(".brief").inner_text()
    assert {page.locator(".popover").nth(i).get_attribute("aria-label").split(": ")[1]
            for i in range(page.locator(".popover").count())} <= {"The Valley Herald", "Northgate Post"}  # fmt: skip
    shot(page, "story-muted", full=True)

    page.goto(site + "/settings")
    page.get_by_label("Mute Meridian Wire").uncheck()
    page.get_by_label("Mute Coastal Times").uncheck()
    page.get_by_label("Prefer Northgate Post").uncheck()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/settings?saved=true")
    page.goto(site + "/")
    assert ferry_meta(page) == before
    assert page.locator(".meta.yours").count() == 0
    page.get_by_role("link", name=FERRY_HEADLINE).click()
    assert "4 articles from 4 outlets (3 independent sources)" in page.locator(".coverage figcaption").inner_text()
    assert watch.clean(), watch
