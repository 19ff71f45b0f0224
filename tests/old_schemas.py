"""The schemas newsloom made before schema.py described one for both stores, frozen as they were written.

SQLite at version 2, PostgreSQL at version 1: ``OLD_SCHEMAS`` holds each dialect's version and the statements that
made a new store, in order. A store they made must open under the current code.
"""

from __future__ import annotations

import re

# SQLite, version 2: the tables, then the read side (statements one by one: triggers hold semicolons).
_SQLITE_TABLES = """
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

_SQLITE_READ_SIDE = [
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

# A new file took the stories' dek and brief version as a version 1 store did when upgraded: added to the table.
_SQLITE_STORY_COLUMNS = [
    "ALTER TABLE stories ADD COLUMN dek TEXT",
    "ALTER TABLE stories ADD COLUMN brief_version INTEGER",
]
SQLITE_V2 = [s for s in _SQLITE_TABLES.split(";") if s.strip()] + _SQLITE_STORY_COLUMNS + _SQLITE_READ_SIDE

# PostgreSQL, version 1: every text column compared byte by byte ("C").
_POSTGRES_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    seq BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
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
    signature BYTEA,
    proper_nouns TEXT NOT NULL DEFAULT '[]',
    search TSVECTOR GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', title), 'A') || setweight(to_tsvector('simple', coalesce(dek, '')), 'B')
        || setweight(to_tsvector('simple', text), 'D')
    ) STORED
);
CREATE UNIQUE INDEX IF NOT EXISTS articles_canonical_url ON articles (canonical_url) WHERE canonical_url IS NOT NULL;
CREATE INDEX IF NOT EXISTS articles_story ON articles (story_id, published);
CREATE INDEX IF NOT EXISTS articles_outlet ON articles (outlet, story_id);
CREATE INDEX IF NOT EXISTS articles_language ON articles (language, story_id);
CREATE INDEX IF NOT EXISTS articles_recent ON articles ((coalesce(published, '')) DESC, seq DESC);
CREATE INDEX IF NOT EXISTS articles_search ON articles USING gin (search);
CREATE TABLE IF NOT EXISTS stories (
    id TEXT PRIMARY KEY,
    headline TEXT NOT NULL DEFAULT '',
    articles INTEGER NOT NULL DEFAULT 0,
    outlets TEXT NOT NULL DEFAULT '[]',
    independent_sources INTEGER NOT NULL DEFAULT 0,
    first_published TEXT,
    last_published TEXT,
    updated_at TEXT NOT NULL,
    brief_stale INTEGER NOT NULL DEFAULT 1,
    dek TEXT,
    brief_version INTEGER
);
CREATE INDEX IF NOT EXISTS stories_river ON stories ((coalesce(last_published, updated_at)) DESC, id);
CREATE INDEX IF NOT EXISTS stories_biggest ON stories
    (independent_sources DESC, articles DESC, (coalesce(last_published, updated_at)) DESC, id);
CREATE INDEX IF NOT EXISTS stories_stale ON stories (brief_stale) WHERE brief_stale = 1;
CREATE TABLE IF NOT EXISTS briefs (
    story_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    writer TEXT NOT NULL,
    body TEXT NOT NULL,
    seq BIGINT GENERATED BY DEFAULT AS IDENTITY UNIQUE,  -- the order briefs were stored in (SQLite's rowid)
    PRIMARY KEY (story_id, version)
);
CREATE TABLE IF NOT EXISTS quarantine (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    origin TEXT NOT NULL,
    reason TEXT NOT NULL,
    raw TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    times INTEGER NOT NULL DEFAULT 1
);
-- An index entry holds at most ~2.7 kB: the raw input is keyed by its digest.
CREATE UNIQUE INDEX IF NOT EXISTS quarantine_key ON quarantine (origin, reason, md5(raw));
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
CREATE TABLE IF NOT EXISTS clusterer_terms (term TEXT PRIMARY KEY, documents INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS clusterer_stories (id TEXT PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS story_redirects (id TEXT PRIMARY KEY, survivor TEXT NOT NULL, merged_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS story_redirects_survivor ON story_redirects (survivor);
CREATE TABLE IF NOT EXISTS story_entities (name TEXT NOT NULL, story_id TEXT NOT NULL, PRIMARY KEY (name, story_id));
CREATE INDEX IF NOT EXISTS story_entities_name ON story_entities (lower(name));
CREATE INDEX IF NOT EXISTS story_entities_story ON story_entities (story_id);
"""

POSTGRES_V1 = [re.sub(r"\bTEXT\b", 'TEXT COLLATE "C"', _POSTGRES_SCHEMA)]

OLD_SCHEMAS = {"sqlite": (2, SQLITE_V2), "postgresql": (1, POSTGRES_V1)}
