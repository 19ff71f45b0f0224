"""One schema for both stores: a SQLite store and a PostgreSQL store hold the same tables, columns and version, and a
store made before schema.py (SQLite at version 2, PostgreSQL at 1) opens at this version with everything it held."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg

from newsloom.model import Feed, Rejected
from newsloom.store import Store, open_store
from newsloom.store.base import ArticleQuery, Preferences, StoryQuery
from newsloom.store.schema import INDEXES, SCHEMA_VERSION, TABLES, Kind
from newsroom import build_newsroom, newsroom_copy
from old_schemas import OLD_SCHEMAS
from store_tables import StoredColumn, raw_query, stored_indexes, stored_tables

# What a store's catalog shows beyond the description, on purpose (schema.TABLE_EXTRAS and schema.EXTRAS).
SQLITE_TABLES = {"articles_fts", "articles_fts_config", "articles_fts_data", "articles_fts_docsize", "articles_fts_idx"}
POSTGRES_COLUMNS = {("articles", "search")}
SQLITE_INDEXES = {"briefs_seq_key", "articles_story_reports"}
# The indexes of articles.id's and briefs.seq's UNIQUE (SQLite's own for articles.id goes unlisted), the full-text
# index, the quarantine's key and the entity names' index.
POSTGRES_INDEXES = {"articles_id_key", "briefs_seq_key", "articles_search", "quarantine_key", "story_entities_name"}
# SQLite numbers briefs.seq with a trigger after the row is in, so the column cannot refuse NULL there.
NUMBERED_AFTER_INSERT = {("briefs", "seq")}

KINDS = {  # a database's type -> what the column holds
    "TEXT": "text",
    "INTEGER": "integer",
    "REAL": "real",
    "BLOB": "bytes",
    "text": "text",
    "integer": "integer",
    "bigint": "integer",
    "double precision": "real",
    "bytea": "bytes",
}
DESCRIBED_KINDS = {
    Kind.TEXT: "text",
    Kind.JSON: "text",
    Kind.TIME: "text",
    Kind.INTEGER: "integer",
    Kind.BIG_INTEGER: "integer",
    Kind.REAL: "real",
    Kind.BYTES: "bytes",
}

Shape = dict[str, list[tuple[str, str, bool, str | None, int]]]


def shape(tables: dict[str, list[StoredColumn]], sqlite: bool) -> Shape:
    """Each table's columns as (name, kind, not null, default, place in the primary key), dialect extras left out."""
    found: Shape = {}
    for table, columns in tables.items():
        if table in SQLITE_TABLES and sqlite:
            continue
        found[table] = [
            (
                c.name,
                KINDS[c.type],
                # SQLite lets a rowid table's text key hold NULL (a quirk kept for old files); PostgreSQL never does.
                c.not_null or c.key > 0 or (sqlite and (table, c.name) in NUMBERED_AFTER_INSERT),
                c.default,
                c.key,
            )
            for c in columns
            if sqlite or (table, c.name) not in POSTGRES_COLUMNS
        ]
    return found


def described_shape() -> Shape:
    return {
        t.name: [
            (
                c.name,
                DESCRIBED_KINDS[c.kind],
                c.not_null or c.serial or c.name in t.primary_key,
                c.default,
                t.primary_key.index(c.name) + 1 if c.name in t.primary_key else 0,
            )
            for c in t.columns
        ]
        for t in TABLES
    }


def schema_version(address: str | Path) -> str:
    return str(raw_query(address, "SELECT value FROM meta WHERE key = 'schema_version'")[0][0])


def test_sqlite_and_postgresql_stores_have_the_same_tables_columns_and_version(
    db_path: Path, postgres_url: str
) -> None:
    for address in (db_path, postgres_url):
        open_store(address).close()
    sqlite = shape(stored_tables(db_path), sqlite=True)
    postgresql = shape(stored_tables(postgres_url), sqlite=False)
    assert sorted(sqlite) == sorted(postgresql) == sorted(t.name for t in TABLES)
    for table in sqlite:
        assert sqlite[table] == postgresql[table], table
    assert sqlite == described_shape()
    # PostgreSQL compares text byte by byte, as SQLite does: both sort ids, times and names alike.
    texts = [c for columns in stored_tables(postgres_url).values() for c in columns if c.type == "text"]
    assert texts and {c.collation for c in texts} == {"C"}
    assert schema_version(db_path) == schema_version(postgres_url) == str(SCHEMA_VERSION)


def test_both_stores_have_the_described_indexes_and_only_their_own_extras(db_path: Path, postgres_url: str) -> None:
    for address in (db_path, postgres_url):
        open_store(address).close()
    described = {index.name: index.table for index in INDEXES}
    for address, extras in ((db_path, SQLITE_INDEXES), (postgres_url, POSTGRES_INDEXES)):
        found = stored_indexes(address)
        assert {name: found.get(name) for name in described} == described
        assert set(found) - set(described) == extras


# A reader's outlets and words, read over the store before and after an upgrade.
YOURS = Preferences(mute_outlets=("Meridian Wire",), prefer_outlets=("Coastal Times",), mute_words=("fire",))


def everything(store: Store) -> dict[str, Any]:
    """What the store gives back through every read: the same before and after an upgrade."""
    stories = store.stories(limit=1000)
    state = store.clusterer_state()
    found: dict[str, Any] = {
        "counts": store.counts(),
        "revision": store.revision(),
        "stories": stories,
        "river": store.find_stories(StoryQuery(limit=1000)),
        "biggest": store.find_stories(StoryQuery(order="biggest", limit=1000)),
        "top": store.find_stories(StoryQuery(order="top", limit=1000)),
        "yours": store.find_stories(StoryQuery(order="top", limit=1000, preferences=YOURS)),
        "text": store.find_stories(StoryQuery(text="ferry fire", limit=1000)),
        "language": store.find_stories(StoryQuery(language="en", limit=1000)),
        "search": store.search_articles("Maren Star", limit=100),
        "prefix": store.search_articles("Brisk*", limit=100),
        "listing": store.find_articles(ArticleQuery(limit=1000)),
        "outlets": store.outlets(),
        "quarantined": store.quarantined(),
        "stale": store.stale_stories(),
        "state": replace(state, stories=sorted(state.stories)),  # read in no order
        "fingerprints": list(store.fingerprints()),
        "feeds": store.feeds(),
    }
    for story in stories:
        found[f"articles {story.id}"] = store.story_articles(story.id)
        brief = store.brief(story.id)
        found[f"brief {story.id}"] = brief.to_json() if brief else None
        first = store.brief(story.id, 1)
        found[f"first brief {story.id}"] = first.to_json() if first else None
        if brief and brief.key_players:
            entity = StoryQuery(entity=brief.key_players[0].name.upper(), limit=1000)
            found[f"entity {story.id}"] = store.find_stories(entity)
    return found


def make_old_store(address: str, source: str) -> int:
    """A store as the schema before schema.py made it, holding every row of ``source``; its version."""
    postgresql = address.startswith("postgresql://")
    version, statements = OLD_SCHEMAS["postgresql" if postgresql else "sqlite"]
    if not postgresql:
        Path(address).parent.mkdir(parents=True, exist_ok=True)
    for statement in statements:
        raw_query(address, statement)
    held = stored_tables(source)
    connection: Any = psycopg.connect(address) if postgresql else closing(sqlite3.connect(address))
    mark = "%s" if postgresql else "?"
    with connection as db:
        for table in TABLES:
            present = [c.name for c in held[table.name]]
            # PostgreSQL's search column is computed; SQLite's full-text index is filled by its triggers.
            columns = [c.name for c in stored_tables(address)[table.name] if c.name in present and c.name != "search"]
            order = "seq" if "seq" in present else present[0]  # so that SQLite numbers briefs as they were stored
            rows = raw_query(source, f"SELECT {', '.join(columns)} FROM {table.name} ORDER BY {order}")
            if rows:
                insert = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"
                db.cursor().executemany(insert, rows)
            for column in table.columns:
                if postgresql and column.serial:  # the identity goes on from the rows copied in, as it would have
                    db.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), max({column.name})) "
                        f"FROM {table.name}"
                    )
        db.execute(f"UPDATE meta SET value = '{version}' WHERE key = 'schema_version'")
        if not postgresql:
            db.commit()
    return version


def test_a_store_made_before_the_one_schema_opens_at_this_version_with_all_it_held(
    store_address: str, new_store_address: Callable[[str], str], tmp_path: Path
) -> None:
    if store_address.startswith("postgresql://"):
        source = build_newsroom(store_address)
    else:
        source = str(newsroom_copy(tmp_path / "source"))
    with open_store(source) as store:
        store.quarantine([Rejected("big.jsonl:1", "too long", "x" * 5000), Rejected("a.jsonl:2", "bad", "{")])
        store.quarantine([Rejected("big.jsonl:1", "too long", "x" * 5000)])
        store.add_feed(Feed(url="https://eastbrook.example/feed.xml", title="Eastbrook Tribune"))
        story_id = store.stories(limit=1)[0].id
        brief = store.brief(story_id)
        assert brief is not None
        brief.headline += " (updated)"
        assert store.save_brief(brief) == 2
        before = everything(store)
    old = new_store_address("old")
    assert make_old_store(old, source) < SCHEMA_VERSION

    with open_store(old) as store:
        assert everything(store) == before
        # What its brief versions brought was never recorded: each counts as news, as every version did then.
        assert store.latest_news([story_id])[story_id][::2] == (2, None)
    assert schema_version(old) == str(SCHEMA_VERSION)
    fresh = new_store_address("fresh")
    open_store(fresh).close()
    assert stored_tables(old) == stored_tables(fresh)
    assert stored_indexes(old) == stored_indexes(fresh)

    # It goes on as a new store would: a brief stored now is numbered after every brief the store held.
    with open_store(old) as store:
        [(last,)] = raw_query(old, "SELECT max(seq) FROM briefs")
        brief.headline += " again"
        assert store.save_brief(brief) == 3
        assert store.revision() != before["revision"]
    assert raw_query(old, f"SELECT seq FROM briefs WHERE story_id = '{story_id}' AND version = 3") == [(last + 1,)]
    assert raw_query(old, "SELECT count(*) FROM briefs WHERE seq IS NULL") == [(0,)]
