"""The embedded store: one SQLite file, WAL journal, every batch one transaction."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from newsloom.model import Brief
from newsloom.store.base import MATCH_END, MATCH_START, ArticleHit, StoreError
from newsloom.store.sql import ARTICLE_COLUMNS, Connection, SQLStore, read_article, search_terms

# 2: the read side of the server (full-text index over articles, story deks and key players, river indexes).
SCHEMA_VERSION = 2

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    canonical_url TEXT,
    url TEXT,
    title TEXT NOT NULL,
    dek TEXT,
    text TEXT NOT NULL,
    outlet TEXT,
    author TEXT,
    published TEXT,
    language TEXT,
    content_hash TEXT,
    sentences TEXT NOT NULL,
    syndication_group TEXT NOT NULL,
    story_id TEXT NOT NULL,
    origin TEXT,
    ingested_at TEXT NOT NULL,
    shingles INTEGER NOT NULL DEFAULT 0,
    signature BLOB,
    proper_nouns TEXT NOT NULL DEFAULT '[]'
);
CREATE UNIQUE INDEX IF NOT EXISTS articles_canonical_url ON articles (canonical_url) WHERE canonical_url IS NOT NULL;
CREATE INDEX IF NOT EXISTS articles_story ON articles (story_id, published);
CREATE TABLE IF NOT EXISTS stories (
    id TEXT PRIMARY KEY,
    headline TEXT NOT NULL DEFAULT '',
    articles INTEGER NOT NULL DEFAULT 0,
    outlets TEXT NOT NULL DEFAULT '[]',
    independent_sources INTEGER NOT NULL DEFAULT 0,
    first_published TEXT,
    last_published TEXT,
    updated_at TEXT NOT NULL,
    brief_stale INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS stories_recent ON stories (last_published DESC, updated_at DESC);
CREATE INDEX IF NOT EXISTS stories_stale ON stories (brief_stale) WHERE brief_stale = 1;
CREATE TABLE IF NOT EXISTS briefs (
    story_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    writer TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (story_id, version)
);
CREATE TABLE IF NOT EXISTS quarantine (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    origin TEXT NOT NULL,
    reason TEXT NOT NULL,
    raw TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    times INTEGER NOT NULL DEFAULT 1,
    UNIQUE (origin, reason, raw)
);
CREATE TABLE IF NOT EXISTS feeds (
    url TEXT PRIMARY KEY,
    title TEXT,
    site_url TEXT,
    category TEXT,
    added_at TEXT NOT NULL,
    etag TEXT,
    last_modified TEXT,
    last_polled TEXT,
    last_success TEXT,
    last_error TEXT,
    errors INTEGER NOT NULL DEFAULT 0,
    articles_seen INTEGER NOT NULL DEFAULT 0,
    next_poll TEXT NOT NULL,
    retired TEXT
);
CREATE TABLE IF NOT EXISTS clusterer_terms (term TEXT PRIMARY KEY, documents INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS clusterer_stories (id TEXT PRIMARY KEY, state TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS story_redirects (id TEXT PRIMARY KEY, survivor TEXT NOT NULL, merged_at TEXT NOT NULL)
    WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS story_redirects_survivor ON story_redirects (survivor);
"""

# The read side, made by version 2 (statements one by one: triggers hold semicolons). The full-text index is an
# external-content FTS5 table over articles, kept in step by triggers inside each batch's transaction.
READ_SIDE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5(title, dek, text, content='articles', "
    "content_rowid='seq', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS articles_fts_insert AFTER INSERT ON articles BEGIN "
    "INSERT INTO articles_fts (rowid, title, dek, text) VALUES (new.seq, new.title, new.dek, new.text); END",
    "CREATE TRIGGER IF NOT EXISTS articles_fts_delete AFTER DELETE ON articles BEGIN "
    "INSERT INTO articles_fts (articles_fts, rowid, title, dek, text) "
    "VALUES ('delete', old.seq, old.title, old.dek, old.text); END",
    "CREATE TRIGGER IF NOT EXISTS articles_fts_update AFTER UPDATE OF title, dek, text ON articles BEGIN "
    "INSERT INTO articles_fts (articles_fts, rowid, title, dek, text) "
    "VALUES ('delete', old.seq, old.title, old.dek, old.text); "
    "INSERT INTO articles_fts (rowid, title, dek, text) VALUES (new.seq, new.title, new.dek, new.text); END",
    "CREATE TABLE IF NOT EXISTS story_entities (name TEXT NOT NULL COLLATE NOCASE, story_id TEXT NOT NULL, "
    "PRIMARY KEY (name, story_id)) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS story_entities_story ON story_entities (story_id)",
    "CREATE INDEX IF NOT EXISTS stories_river ON stories (coalesce(last_published, updated_at) DESC, id)",
    "CREATE INDEX IF NOT EXISTS stories_biggest ON stories "
    "(independent_sources DESC, articles DESC, coalesce(last_published, updated_at) DESC, id)",
    "CREATE INDEX IF NOT EXISTS articles_outlet ON articles (outlet, story_id)",
    "CREATE INDEX IF NOT EXISTS articles_language ON articles (language, story_id)",
    "CREATE INDEX IF NOT EXISTS articles_recent ON articles (coalesce(published, '') DESC, seq DESC)",
]


class SQLiteStore(SQLStore):
    """The embedded default store (see ``store.base.Store`` for what each method promises)."""

    def __init__(self, path: str | Path) -> None:
        self.location = str(path)
        if self.location != ":memory:":
            Path(self.location).expanduser().parent.mkdir(parents=True, exist_ok=True)
        try:
            # One thread at a time uses a store, but not always the thread that opened it (the server's pool).
            self._db = sqlite3.connect(self.location, timeout=30.0, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.DatabaseError as error:
            raise StoreError(
                f"cannot open the store at {self.location}: {error}. "
                "Is it a newsloom database? Choose another file with --db or NEWSLOOM_DB."
            ) from error

    def _migrate(self) -> None:
        with self._transaction():
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    self._db.execute(statement)
            row = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            if row is not None and int(row[0]) > SCHEMA_VERSION:
                raise StoreError(
                    f"the store at {self.location} was written by a newer newsloom (schema {row[0]}); upgrade newsloom"
                )
            if row is None or int(row[0]) < 2:
                self._add_read_side()
            else:
                for statement in READ_SIDE:
                    self._db.execute(statement)
            self._db.execute(
                "INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (str(SCHEMA_VERSION),),
            )

    def _add_read_side(self) -> None:
        """Version 2: story deks and key players, the full-text index, filled from what the store already holds."""
        columns = {r[1] for r in self._db.execute("PRAGMA table_info(stories)")}
        if "dek" not in columns:
            self._db.execute("ALTER TABLE stories ADD COLUMN dek TEXT")
        if "brief_version" not in columns:
            self._db.execute("ALTER TABLE stories ADD COLUMN brief_version INTEGER")
        for statement in READ_SIDE:
            self._db.execute(statement)
        self._db.execute("INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')")
        latest = self._db.execute(
            "SELECT b.body FROM briefs b JOIN (SELECT story_id, max(version) AS version FROM briefs GROUP BY story_id) "
            "l ON l.story_id = b.story_id AND l.version = b.version"
        )
        for (body,) in latest.fetchall():
            self._index_brief(Brief.from_json(json.loads(body)))

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)

    def _text_condition(self, text: str) -> tuple[str, Any] | None:
        match = fts_query(text)
        if match is None:
            return None
        return (
            "s.id IN (SELECT a.story_id FROM articles_fts f JOIN articles a ON a.seq = f.rowid "
            "WHERE articles_fts MATCH ?)",
            match,
        )

    def search_articles(self, text: str, limit: int = 20, offset: int = 0) -> list[ArticleHit]:
        match = fts_query(text)
        if match is None:
            return []
        columns = ", ".join(f"a.{c.strip()}" for c in ARTICLE_COLUMNS.split(","))
        # The headline weighs most, then the dek; the snippet comes from the article's text.
        rows = self._db.execute(
            f"SELECT {columns}, snippet(articles_fts, 2, ?, ?, '…', 24), bm25(articles_fts, 8.0, 4.0, 1.0) AS rank "
            "FROM articles_fts JOIN articles a ON a.seq = articles_fts.rowid WHERE articles_fts MATCH ? "
            "ORDER BY rank LIMIT ? OFFSET ?",
            (MATCH_START, MATCH_END, match, limit, offset),
        ).fetchall()
        return [ArticleHit(read_article(row[:15]), row[15] or "", -float(row[16])) for row in rows]


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any error: a batch is stored whole or not at all."""

    def __init__(self, db: Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        self._db.execute("ROLLBACK" if kind else "COMMIT")


def fts_query(text: str) -> str | None:
    """A reader's words as an FTS5 query that finds articles holding all of them; None when there are none.

    Each word is quoted, so FTS5 operators and punctuation in the reader's text are plain words, never syntax;
    a trailing * keeps its meaning (any word starting so).
    """
    terms = [f'"{word}"*' if prefix else f'"{word}"' for word, prefix in search_terms(text)]
    return " ".join(terms) if terms else None
