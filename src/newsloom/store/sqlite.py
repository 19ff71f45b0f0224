"""The embedded store: one SQLite file, WAL journal, every batch one transaction."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from newsloom.model import Brief
from newsloom.store.base import MATCH_END, MATCH_START, ArticleHit, StoreError
from newsloom.store.sql import ARTICLE_COLUMNS, Connection, SQLStore, read_article, search_terms


class SQLiteStore(SQLStore):
    """The embedded default store (see ``store.base.Store`` for what each method promises)."""

    _DIALECT = "sqlite"

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

    def _upgrade(self, stored: int) -> None:
        if stored < 2:  # the read side: fill the full-text index, and the deks and key players of the latest briefs
            self._db.execute("INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')")
            latest = self._db.execute(
                "SELECT b.body FROM briefs b JOIN (SELECT story_id, max(version) AS version FROM briefs "
                "GROUP BY story_id) l ON l.story_id = b.story_id AND l.version = b.version"
            )
            for (body,) in latest.fetchall():
                self._index_brief(Brief.from_json(json.loads(body)))
        if stored < 3:
            # Briefs were numbered by rowid, in the order they were stored: seq takes that number over.
            self._db.execute("UPDATE briefs SET seq = rowid WHERE seq IS NULL")
            # stories_river serves every query stories_recent could.
            self._db.execute("DROP INDEX IF EXISTS stories_recent")
        super()._upgrade(stored)

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
