"""A small newsroom store for the server's tests: real stories and briefs, and one story of hostile copy.

Everything here is made up. The hostile story ("Quayside market") is wire copy whose headline, text, outlet name
and links carry script tags, event handlers and ``javascript:`` URLs. It is committed as written, past the
normalizer that would strip the tags, as a store filled by another tool or an older version could hold it: every
page, feed and export must show it as text and never run it.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from factories import ferry_articles, make_stream, orchestra_article
from newsloom.config import Settings
from newsloom.drivers.pipeline import Pipeline
from newsloom.ingest.records import article_from_record
from newsloom.model import Article
from newsloom.normalize import normalize
from newsloom.store import Store, open_store
from newsloom.stories.terms import story_id_for

# Each payload calls a function that exists on no page: if one ever runs, the browser test's dialog or error
# handler sees it.
SCRIPT_TITLE = "Quayside market <script>alert('title')</script> reopens after storm"
HANDLER_OUTLET = "Quayside <img src=x onerror=\"alert('outlet')\"> Courier"
HOSTILE_SENTENCES = [
    "The Quayside market reopened on Sunday <script>alert('text')</script> after the storm damaged forty stalls.",
    "Stallholder Brena Vask said <img src=x onerror=\"alert('handler')\"> the roof repairs cost 12 thousand.",
    "Harbour warden Olek Trand called the reopening <a href=\"javascript:alert('link')\">a relief</a> for traders.",
]
JAVASCRIPT_URL = "javascript:alert('url')"

Address = TypeVar("Address", str, Path)  # where a store lives: a SQLite file, or a PostgreSQL URL


def hostile_articles() -> list[Article]:
    """Three reports of the Quayside market story whose copy carries markup that must never run."""
    published = datetime(2031, 5, 14, 8, 0, tzinfo=UTC)
    base = [
        Article(
            id="quay-wire",
            title=SCRIPT_TITLE,
            text="\n\n".join(HOSTILE_SENTENCES),
            url=JAVASCRIPT_URL,
            outlet=HANDLER_OUTLET,
            published=published,
            language="en",
        ),
        Article(
            id="quay-herald",
            title="Quayside market <b onmouseover=\"alert('hover')\">back</b> in business",
            text="\n\n".join([HOSTILE_SENTENCES[0], HOSTILE_SENTENCES[2], "Traders said footfall was brisk."]),
            url="https://valleyherald.example/2031/05/14/quayside-market",
            outlet="The Valley Herald",
            published=published.replace(hour=10),
            language="en",
        ),
        Article(
            id="quay-coastal",
            title="Storm-hit Quayside market reopens",
            text="\n\n".join([HOSTILE_SENTENCES[0], HOSTILE_SENTENCES[1]]),
            url="https://coastaltimes.example/2031/05/14/quayside",
            outlet="Coastal Times",
            published=published.replace(hour=11),
            language="en",
        ),
    ]
    out = []
    for article in base:
        clean = normalize(article)
        # Back to the copy as written: the sentences keep their markup, as the text does.
        sentences = [s for s in article.text.split("\n\n") if s]
        out.append(replace(clean, title=article.title, text=article.text, sentences=sentences, url=article.url))
    return out


def build_newsroom(path: Address) -> Address:
    """A store (a SQLite file or a PostgreSQL URL) with the ferry fire, the orchestra, twelve invented events and
    the hostile story, all briefed."""
    settings = Settings(db=str(path))
    settings.cluster = replace(settings.cluster, embedding="none")
    records, _gold = make_stream(12, seed=11)
    store = open_store(path)
    try:
        pipeline = Pipeline(settings, store)
        # Two rounds in publication order, as a live stream brings them: January's invented events, then May's.
        pipeline.ingest(map(article_from_record, records), write_briefs=False)
        pipeline.ingest([*ferry_articles(), orchestra_article()], write_briefs=False)
        hostile = hostile_articles()
        pipeline.desk.place(hostile)  # placed and committed as they are, without the ingest loop's normalization
        pipeline.desk.commit(store)
        pipeline.write_briefs()
    finally:
        store.close()
    return path


_built: dict[str, Path] = {}


def newsroom_copy(folder: Path) -> Path:
    """A fresh copy of the newsroom store in ``folder`` (built once per test session)."""
    if "template" not in _built:
        template = Path(folder.parent / "newsroom-template" / "newsroom.db")
        if template.parent.exists():
            shutil.rmtree(template.parent)
        template.parent.mkdir(parents=True)
        _built["template"] = build_newsroom(template)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "newsroom.db"
    shutil.copyfile(_built["template"], target)
    return target


# -- a story told in two rounds -------------------------------------------------------------------------------------
def _ferry_pipeline(path: Address, **writer: object) -> tuple[Pipeline, Store]:
    settings = Settings(db=str(path))
    settings.cluster = replace(settings.cluster, embedding="none")
    if writer:
        settings.writer = replace(settings.writer, **writer)  # type: ignore[arg-type]
    store = open_store(path)
    return Pipeline(settings, store), store


def ferry_round_one(path: Address) -> str:
    """A store holding the ferry fire as first told (the wire, its reprint, Coastal Times: 14 hurt), briefed; the
    story's id. The orchestra story is there too, briefed, for a story the reader never opens."""
    pipeline, store = _ferry_pipeline(path)
    try:
        pipeline.ingest([*ferry_articles()[:3], orchestra_article()])
    finally:
        store.close()
    return story_id_for("ferry-wire")


def ferry_round_two(path: Address) -> None:
    """Northgate Post's report comes in and the brief is written again: one new fact (the fleet's age), one new
    outlet, one changed figure (19 hurt, where the others said 14)."""
    pipeline, store = _ferry_pipeline(path)
    try:
        pipeline.ingest(ferry_articles()[3:])
    finally:
        store.close()


def ferry_rewritten(path: Address, story: str, max_words: int = 90) -> int:
    """The ferry's brief written again on the same reports, shorter: a new version that brings nothing; its number."""
    pipeline, store = _ferry_pipeline(path, max_words=max_words)
    try:
        pipeline.write_briefs([story])
        brief = store.brief(story)
    finally:
        store.close()
    assert brief is not None
    return brief.version
