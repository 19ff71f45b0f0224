"""The store's tables, described once and rendered as SQLite's DDL and as PostgreSQL's.

Each column has a portable kind (``Kind``) that maps to one type per dialect. What only one dialect has is written
out beside the description, in ``TABLE_EXTRAS`` and ``EXTRAS``: SQLite's FTS5 index and its triggers, PostgreSQL's
tsvector column and GIN index, and the quarantine's key, which each dialect builds its own way.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Literal

# 1: the tables. 2: the server's read side (full-text index, story deks and key players, river indexes).
# 3: one schema for both stores. SQLite numbers briefs in a seq column, as PostgreSQL did, and drops stories_recent,
# which no query used once stories_river existed. PostgreSQL's version 1 already matched version 3.
# 4: briefs.news, what each brief version brought in substance (NULL in versions stored before: not known); the
# "top" order and the reader's outlets: each story's fresh sources, its top key (indexed), its headline's words and
# who states its dek; articles_stored, what came in over a period.
SCHEMA_VERSION = 4

Dialect = Literal["sqlite", "postgresql"]


class Kind(enum.Enum):
    """What a column holds, whichever database holds it."""

    TEXT = "text"
    INTEGER = "integer"
    BIG_INTEGER = "big integer"
    REAL = "real"
    BYTES = "bytes"
    JSON = "json"  # a JSON document, as text
    TIME = "time"  # a moment as UTC ISO 8601 text ending in Z (model.format_time): it sorts in time order


# PostgreSQL compares every text column byte by byte ("C"), as SQLite does, whatever the server's locale: ids,
# times and outlet names sort alike in both stores, and prefix lookups can use the indexes.
_PG_TEXT = 'TEXT COLLATE "C"'
TYPES: dict[Dialect, dict[Kind, str]] = {
    "sqlite": {
        Kind.TEXT: "TEXT",
        Kind.INTEGER: "INTEGER",
        Kind.BIG_INTEGER: "INTEGER",
        Kind.REAL: "REAL",
        Kind.BYTES: "BLOB",
        Kind.JSON: "TEXT",
        Kind.TIME: "TEXT",
    },
    "postgresql": {
        Kind.TEXT: _PG_TEXT,
        Kind.INTEGER: "INTEGER",
        Kind.BIG_INTEGER: "BIGINT",
        Kind.REAL: "DOUBLE PRECISION",
        Kind.BYTES: "BYTEA",
        Kind.JSON: _PG_TEXT,
        Kind.TIME: _PG_TEXT,
    },
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    not_null: bool = False
    default: str | None = None  # an SQL literal
    unique: bool = False
    # Numbered by the database, in the order rows are inserted (a BIG_INTEGER, unique). SQLite has no such column
    # outside the primary key: there ``_numbering`` keeps one with a trigger and an index.
    serial: bool = False
    # Compared with case ignored: SQLite collates it NOCASE; PostgreSQL compares lower() (story_entities_name).
    ignore_case: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    without_rowid: bool = False  # SQLite keeps the rows in the primary key's b-tree; PostgreSQL has no such choice


@dataclass(frozen=True)
class Index:
    name: str
    table: str
    terms: tuple[str, ...]  # columns or expressions, each followed by " DESC" when it sorts down
    where: str | None = None
    unique: bool = False


def _text(name: str, not_null: bool = False, default: str | None = None, unique: bool = False) -> Column:
    return Column(name, Kind.TEXT, not_null, default, unique)


def _time(name: str, not_null: bool = False) -> Column:
    return Column(name, Kind.TIME, not_null)


def _integer(name: str, default: str | None = None, not_null: bool = True) -> Column:
    """An integer column, NOT NULL unless told otherwise (as all but one are)."""
    return Column(name, Kind.INTEGER, not_null, default)


def _serial(name: str) -> Column:
    return Column(name, Kind.BIG_INTEGER, serial=True)


TABLES: tuple[Table, ...] = (
    Table("meta", (_text("key"), _text("value", not_null=True)), ("key",)),
    Table(
        "articles",
        (
            _serial("seq"),
            _text("id", not_null=True, unique=True),
            _text("canonical_url"),
            _text("url"),
            _text("title", not_null=True),
            _text("dek"),
            _text("text", not_null=True),
            _text("outlet"),
            _text("author"),
            _time("published"),
            _text("language"),
            _text("content_hash"),
            Column("sentences", Kind.JSON, not_null=True),
            _text("syndication_group", not_null=True),
            _text("story_id", not_null=True),
            _text("origin"),
            _time("ingested_at", not_null=True),
            _integer("shingles", "0"),
            Column("signature", Kind.BYTES),
            Column("proper_nouns", Kind.JSON, not_null=True, default="'[]'"),
        ),
        ("seq",),
    ),
    Table(
        "stories",
        (
            _text("id"),
            _text("headline", not_null=True, default="''"),
            _integer("articles", "0"),
            Column("outlets", Kind.JSON, not_null=True, default="'[]'"),
            _integer("independent_sources", "0"),
            _time("first_published"),
            _time("last_published"),
            _time("updated_at", not_null=True),
            _integer("brief_stale", "1"),
            _text("dek"),  # of the latest brief, for the river
            _integer("brief_version", not_null=False),
            # The "top" order (store.base.top_key): its independent sources that joined lately, and its key.
            _integer("fresh_sources", "0"),
            Column("top_key", Kind.REAL, not_null=True, default="0"),
            # The words of its headline and dek (store.base.words_of), which a reader's mute words are looked for in.
            _text("headline_words", not_null=True, default="''"),
            # Who states the dek: {"outlets": [the outlets it cites], "attributed_to": the outlet it is given as}.
            Column("dek_sources", Kind.JSON, not_null=True, default="'{}'"),
        ),
        ("id",),
    ),
    Table(
        "briefs",
        (
            _text("story_id", not_null=True),
            _integer("version"),
            _time("created_at", not_null=True),
            _text("writer", not_null=True),
            Column("body", Kind.JSON, not_null=True),
            _serial("seq"),  # the order briefs were stored in
            # What the version brought since the one before, as counts ({"new_facts": 2, "new_outlets": 1}; {} for a
            # rewrite that brought nothing in substance; NULL when not known, as in versions stored before 4).
            Column("news", Kind.JSON),
        ),
        ("story_id", "version"),
    ),
    Table(
        "quarantine",
        (
            _serial("id"),
            _text("origin", not_null=True),
            _text("reason", not_null=True),
            _text("raw", not_null=True),
            _time("first_seen", not_null=True),
            _time("last_seen", not_null=True),
            _integer("times", "1"),
        ),
        ("id",),
    ),
    Table(
        "feeds",
        (
            _text("url"),
            _text("title"),
            _text("site_url"),
            _text("category"),
            _time("added_at", not_null=True),
            _text("etag"),
            _text("last_modified"),  # as the feed's server wrote it, sent back as it was
            _time("last_polled"),
            _time("last_success"),
            _text("last_error"),
            _integer("errors", "0"),
            _integer("articles_seen", "0"),
            _time("next_poll", not_null=True),
            _text("retired"),
        ),
        ("url",),
    ),
    Table("clusterer_terms", (_text("term"), _integer("documents")), ("term",), without_rowid=True),
    Table(
        "clusterer_stories",
        (_text("id"), Column("state", Kind.JSON, not_null=True)),
        ("id",),
        without_rowid=True,
    ),
    Table(
        "story_redirects",
        (_text("id"), _text("survivor", not_null=True), _time("merged_at", not_null=True)),
        ("id",),
        without_rowid=True,
    ),
    Table(
        "story_entities",
        (Column("name", Kind.TEXT, not_null=True, ignore_case=True), _text("story_id", not_null=True)),
        ("name", "story_id"),
        without_rowid=True,
    ),
)

INDEXES: tuple[Index, ...] = (
    Index("articles_canonical_url", "articles", ("canonical_url",), "canonical_url IS NOT NULL", unique=True),
    Index("articles_story", "articles", ("story_id", "published")),
    Index("articles_outlet", "articles", ("outlet", "story_id")),
    Index("articles_language", "articles", ("language", "story_id")),
    Index("articles_recent", "articles", ("coalesce(published, '') DESC", "seq DESC")),
    Index("articles_stored", "articles", ("ingested_at", "story_id")),  # what came in over a period (digests)
    Index("stories_river", "stories", ("coalesce(last_published, updated_at) DESC", "id")),
    Index(
        "stories_biggest",
        "stories",
        ("independent_sources DESC", "articles DESC", "coalesce(last_published, updated_at) DESC", "id"),
    ),
    Index("stories_top", "stories", ("top_key DESC", "id")),
    Index("stories_stale", "stories", ("brief_stale",), "brief_stale = 1"),
    Index("story_redirects_survivor", "story_redirects", ("survivor",)),
    Index("story_entities_story", "story_entities", ("story_id",)),
)

# Definitions one dialect adds to a table's CREATE TABLE, after the described columns.
TABLE_EXTRAS: dict[Dialect, dict[str, tuple[str, ...]]] = {
    # A quarantined input's key: SQLite keeps it in the table, raw text and all.
    "sqlite": {"quarantine": ("UNIQUE (origin, reason, raw)",)},
    # The full-text index's document: headline weighs most (A), then the dek (B), then the text (D).
    "postgresql": {
        "articles": (
            "search TSVECTOR GENERATED ALWAYS AS ("
            "setweight(to_tsvector('simple', title), 'A') || setweight(to_tsvector('simple', coalesce(dek, '')), 'B')"
            " || setweight(to_tsvector('simple', text), 'D')) STORED",
        ),
    },
}

# Statements one dialect runs after the tables and indexes (statements one by one: triggers hold semicolons).
EXTRAS: dict[Dialect, tuple[str, ...]] = {
    "sqlite": (
        # A story's reports (Store.story_reports, for its page) read from the index alone: SQLite keeps an article's
        # columns in one record, and reaching those after its text means reading the text's overflow pages.
        # PostgreSQL keeps a long text apart from the row, and refuses index entries over 2.7 kB (a title may be).
        "CREATE INDEX IF NOT EXISTS articles_story_reports ON articles "
        "(story_id, published, outlet, syndication_group, id, title)",
        # The full-text index: an external-content FTS5 table over articles, kept in step by triggers inside each
        # batch's transaction.
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
    ),
    "postgresql": (
        "CREATE INDEX IF NOT EXISTS articles_search ON articles USING gin (search)",
        # The quarantine's key: an index entry holds at most ~2.7 kB, so the raw input is keyed by its digest.
        "CREATE UNIQUE INDEX IF NOT EXISTS quarantine_key ON quarantine (origin, reason, md5(raw))",
        # What SQLite's NOCASE collation gives story_entities' key: names found with case ignored.
        "CREATE INDEX IF NOT EXISTS story_entities_name ON story_entities (lower(name))",
    ),
}


def column_sql(column: Column, dialect: Dialect, primary_key: bool = False) -> str:
    """A column's definition, as CREATE TABLE and ALTER TABLE ... ADD COLUMN take it."""
    parts = [column.name, TYPES[dialect][column.kind]]
    if column.serial:
        if column.kind is not Kind.BIG_INTEGER:
            raise ValueError(f"serial column {column.name} must be a big integer")
        if dialect == "postgresql":
            parts.append("GENERATED BY DEFAULT AS IDENTITY")
            parts.append("PRIMARY KEY" if primary_key else "UNIQUE")
        elif primary_key:
            parts.append("PRIMARY KEY AUTOINCREMENT")
        return " ".join(parts)
    if primary_key:
        parts.append("PRIMARY KEY")
    if column.not_null:
        parts.append("NOT NULL")
    if column.ignore_case and dialect == "sqlite":
        parts.append("COLLATE NOCASE")
    if column.default is not None:
        parts.append(f"DEFAULT {column.default}")
    if column.unique:
        parts.append("UNIQUE")
    return " ".join(parts)


def create_table(described: Table, dialect: Dialect) -> str:
    single = described.primary_key[0] if len(described.primary_key) == 1 else None
    lines = [column_sql(c, dialect, primary_key=c.name == single) for c in described.columns]
    lines += TABLE_EXTRAS[dialect].get(described.name, ())
    if single is None:
        lines.append(f"PRIMARY KEY ({', '.join(described.primary_key)})")
    rowid = " WITHOUT ROWID" if described.without_rowid and dialect == "sqlite" else ""
    return f"CREATE TABLE IF NOT EXISTS {described.name} ({', '.join(lines)}){rowid}"


def create_index(index: Index, dialect: Dialect) -> str:
    terms = ", ".join(_index_term(term, dialect) for term in index.terms)
    unique = "UNIQUE " if index.unique else ""
    where = f" WHERE {index.where}" if index.where else ""
    return f"CREATE {unique}INDEX IF NOT EXISTS {index.name} ON {index.table} ({terms}){where}"


def _index_term(term: str, dialect: Dialect) -> str:
    expression, order = (term[: -len(" DESC")], " DESC") if term.endswith(" DESC") else (term, "")
    if dialect == "postgresql" and not expression.isidentifier():
        expression = f"({expression})"  # PostgreSQL takes an expression in an index only in parentheses
    return expression + order


def _numbering(described: Table, column: Column) -> tuple[str, ...]:
    """SQLite's serial column outside the primary key: numbered after each insert, one past the highest, unique."""
    name, column_name = described.name, column.name
    if described.without_rowid:
        raise ValueError(f"{name}.{column_name}: SQLite numbers a serial column by rowid, which {name} has not")
    return (
        f"CREATE UNIQUE INDEX IF NOT EXISTS {name}_{column_name}_key ON {name} ({column_name})",
        f"CREATE TRIGGER IF NOT EXISTS {name}_{column_name} AFTER INSERT ON {name} "
        f"WHEN new.{column_name} IS NULL BEGIN "
        f"UPDATE {name} SET {column_name} = (SELECT coalesce(max({column_name}), 0) + 1 FROM {name}) "
        f"WHERE rowid = new.rowid; END",
    )


def statements(dialect: Dialect) -> list[str]:
    """Every statement that makes the schema in an empty database; each is a no-op where its object exists."""
    made = [create_table(t, dialect) for t in TABLES]
    made += [create_index(i, dialect) for i in INDEXES]
    if dialect == "sqlite":
        for described in TABLES:
            for column in described.columns:
                if column.serial and described.primary_key != (column.name,):
                    made += _numbering(described, column)
    made += EXTRAS[dialect]
    return made
