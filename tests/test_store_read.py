"""The store's read side for the server: the river's filters and orders, full-text search, listings, migration.

The reads run on both stores: the newsroom is built once into a SQLite file and once into a PostgreSQL database.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsloom.model import Article
from newsloom.store import Store, open_store
from newsloom.store.base import MATCH_END, MATCH_START, ArticleQuery, StoryQuery
from newsloom.store.schema import SCHEMA_VERSION
from newsloom.store.sqlite import SQLiteStore, fts_query
from newsroom import build_newsroom, newsroom_copy


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return newsroom_copy(tmp_path_factory.mktemp("store-read"))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def newsroom_address(request: pytest.FixtureRequest, newsroom: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield str(newsroom)
        return
    server = request.getfixturevalue("postgres_server")
    url = build_newsroom(server.new_database())
    yield url
    server.drop_database(url)


@pytest.fixture
def reader(newsroom_address: str) -> Iterator[Store]:
    store = open_store(newsroom_address)
    try:
        yield store
    finally:
        store.close()


def test_river_is_newest_first_with_deks_and_pages_that_do_not_overlap(reader: Store) -> None:
    first = reader.find_stories(StoryQuery(limit=5))
    second = reader.find_stories(StoryQuery(limit=5, offset=5))
    assert len(first) == 5 and second
    assert not {e.story.id for e in first} & {e.story.id for e in second}
    moments = [e.story.last_published or e.story.updated_at for e in first + second]
    assert moments == sorted(moments, reverse=True)  # type: ignore[type-var]
    assert all(e.brief_version == 1 for e in first)
    deks = {e.story.id: e.dek for e in first}
    for story_id, dek in deks.items():
        brief = reader.brief(story_id)
        assert brief is not None and dek == (brief.dek.text if brief.dek else None)
    assert sum(1 for dek in deks.values() if dek) >= 3
    assert [e.story for e in reader.find_stories(StoryQuery(limit=10))] == reader.stories(limit=10)


def test_biggest_first_orders_by_independent_sources(reader: Store) -> None:
    entries = reader.find_stories(StoryQuery(order="biggest", limit=100))
    counts = [e.story.independent_sources for e in entries]
    assert counts == sorted(counts, reverse=True)
    assert entries[0].story.independent_sources >= 3


def test_filters_by_outlet_language_since_and_entity(reader: Store) -> None:
    ferry = reader.article("ferry-wire")
    assert ferry is not None and ferry.story_id
    by_outlet = reader.find_stories(StoryQuery(outlet="Northgate Post", limit=100))
    assert ferry.story_id in {e.story.id for e in by_outlet}
    assert all("Northgate Post" in e.story.outlets for e in by_outlet)
    assert reader.find_stories(StoryQuery(outlet="No Such Outlet")) == []
    assert reader.find_stories(StoryQuery(language="EN", limit=100))
    assert reader.find_stories(StoryQuery(language="fr")) == []
    since = datetime(2031, 5, 13, tzinfo=UTC)
    recent = reader.find_stories(StoryQuery(since=since, limit=100))
    assert recent and all((e.story.last_published or since) >= since for e in recent)
    assert ferry.story_id not in {e.story.id for e in recent}
    brief = reader.brief(ferry.story_id)
    assert brief is not None and brief.key_players
    player = brief.key_players[0]
    for name in [player.name, player.name.upper(), *player.aliases]:
        assert ferry.story_id in {e.story.id for e in reader.find_stories(StoryQuery(entity=name, limit=100))}
    assert reader.find_stories(StoryQuery(entity="Nobody Anywhere")) == []


def test_text_filter_finds_the_stories_whose_articles_say_it(reader: Store) -> None:
    found = reader.find_stories(StoryQuery(text="Maren Star"))
    ferry = reader.article("ferry-wire")
    assert ferry is not None
    assert [e.story.id for e in found] == [ferry.story_id]
    assert reader.find_stories(StoryQuery(text="   ")) == []


def test_unknown_order_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="newest, biggest"):
        StoryQuery(order="loudest")


def test_search_ranks_headline_matches_first_and_marks_the_words_found(reader: Store) -> None:
    hits = reader.search_articles("Brisk Sound")
    assert hits and all("Brisk" in h.article.text or "Brisk" in h.article.title for h in hits)
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    marked = next(h.snippet for h in hits if MATCH_START in h.snippet)
    assert f"{MATCH_START}Brisk{MATCH_END}" in marked
    assert reader.search_articles("brisk sound", limit=1, offset=1)[0].article.id == hits[1].article.id


def test_search_reads_operators_and_quotes_as_plain_words(reader: Store) -> None:
    assert reader.search_articles('"Maren') == reader.search_articles("Maren")
    assert reader.search_articles("Maren AND OR NOT (") == []  # every word must be there, "AND" included
    assert reader.search_articles("Maren NEAR(") == reader.search_articles("maren near")
    assert reader.search_articles("*") == []
    assert reader.search_articles("Skel*")  # a word's start


def test_fts_query_quotes_every_word() -> None:
    assert fts_query('fire" OR x') == '"fire" "OR" "x"'


def test_search_follows_new_articles_in_the_same_transaction(store: Store) -> None:
    from newsloom.model import StoryChanges

    article = Article(
        id="lantern", title="Lantern parade lights Vellmoor", text="The Vellmoor lantern parade drew crowds."
    )
    article.syndication_group, article.story_id = "g-lantern", "st-lantern"
    store.commit_batch([article], [], StoryChanges(0, None, {}, {}), [])
    assert [h.article.id for h in store.search_articles("vellmoor")] == ["lantern"]


def test_article_listing_filters_and_orders_newest_first(reader: Store) -> None:
    ferry = reader.article("ferry-wire")
    assert ferry is not None
    in_story = reader.find_articles(ArticleQuery(story_id=ferry.story_id))
    assert {a.id for a in in_story} == {"ferry-wire", "ferry-valley", "ferry-coastal", "ferry-northgate"}
    times = [a.published for a in in_story]
    assert times == sorted(times, reverse=True)  # type: ignore[type-var]
    assert [a.id for a in reader.find_articles(ArticleQuery(outlet="Northgate Post", story_id=ferry.story_id))] == [
        "ferry-northgate"
    ]
    assert len(reader.find_articles(ArticleQuery(limit=3))) == 3
    outlets = dict(reader.outlets())
    assert outlets["Meridian Wire"] >= 1 and list(outlets.values()) == sorted(outlets.values(), reverse=True)


def test_revision_changes_when_articles_or_briefs_do(newsroom: Path, tmp_path: Path) -> None:
    from newsloom.model import StoryChanges

    copy = tmp_path / "copy.db"
    with SQLiteStore(newsroom) as source:
        source._db.execute("VACUUM INTO ?", (str(copy),))
    with SQLiteStore(copy) as store:
        before = store.revision()
        assert store.revision() == before
        article = Article(id="late", title="Late report", text="A late report from Vellmoor.")
        article.syndication_group, article.story_id = "g-late", "st-late"
        store.commit_batch([article], [], StoryChanges(0, None, {}, {}), [])
        after_article = store.revision()
        assert after_article != before
        brief = store.brief(store.find_stories(StoryQuery(limit=1))[0].story.id)
        assert brief is not None
        brief.headline += " (updated)"
        store.save_brief(brief)
        assert store.revision() not in (before, after_article)


def test_a_version_1_store_gains_the_read_side_when_opened(tmp_path: Path, newsroom: Path) -> None:
    """A store written before the read side: its search index, deks and key players are filled on opening."""
    old = tmp_path / "old.db"
    with SQLiteStore(newsroom) as source:
        source._db.execute("VACUUM INTO ?", (str(old),))
    with sqlite3.connect(old) as db:
        for trigger in ("insert", "delete", "update"):
            db.execute(f"DROP TRIGGER articles_fts_{trigger}")
        db.execute("DROP TABLE articles_fts")
        db.execute("DROP TABLE story_entities")
        for index in ("stories_river", "stories_biggest", "articles_outlet", "articles_language", "articles_recent"):
            db.execute(f"DROP INDEX {index}")
        db.execute("ALTER TABLE stories DROP COLUMN dek")
        db.execute("ALTER TABLE stories DROP COLUMN brief_version")
        db.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    with SQLiteStore(old) as store:
        assert store.search_articles("Maren Star")
        entries = store.find_stories(StoryQuery(limit=100))
        for entry in entries:
            brief = store.brief(entry.story.id)
            assert brief is not None and entry.brief_version == brief.version
            assert entry.dek == (brief.dek.text if brief.dek else None)
        assert sum(1 for e in entries if e.dek) >= 10
        version = store._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
        assert json.loads(version) == SCHEMA_VERSION
        ferry = store.article("ferry-wire")
        ferry_brief = store.brief(ferry.story_id) if ferry and ferry.story_id else None
        assert ferry_brief is not None
        assert store.find_stories(StoryQuery(entity=ferry_brief.key_players[0].name))
