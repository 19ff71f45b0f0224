"""A store's tables read (or changed) directly, as another tool would: a SQLite file or a PostgreSQL database."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import psycopg


def raw_query(address: str | Path, sql: str) -> list[Any]:
    """The rows of one statement run behind the store's back (none for a statement that returns none)."""
    text = str(address)
    if text.startswith(("postgresql://", "postgres://")):
        with psycopg.connect(text, autocommit=True) as db:
            cursor = db.execute(sql)
            return [tuple(row) for row in cursor.fetchall()] if cursor.description else []
    with sqlite3.connect(text, timeout=5.0) as db:
        return db.execute(sql).fetchall()


def stored_articles(address: str | Path) -> int:
    """Articles committed so far, read while another process writes (0 before the schema exists)."""
    if not str(address).startswith(("postgresql://", "postgres://")) and not Path(address).exists():
        return 0
    try:
        return int(raw_query(address, "SELECT count(*) FROM articles")[0][0])
    except (sqlite3.OperationalError, psycopg.Error):
        return 0
