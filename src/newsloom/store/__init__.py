"""Stores: the single source of truth for articles, groups, stories, briefs and quarantined input."""

from __future__ import annotations

from pathlib import Path

from newsloom.model import StoryState
from newsloom.store.base import QuarantinedInput, Store, StoreError
from newsloom.store.sqlite import SQLiteStore

__all__ = ["QuarantinedInput", "SQLiteStore", "Store", "StoreError", "StoryState", "open_store"]


def open_store(location: str | Path) -> Store:
    """Open the store a ``--db`` value names: a file path, ``sqlite:///path`` or ``postgresql://user@host/dbname``."""
    text = str(location)
    if text.startswith(("postgresql://", "postgres://")):
        try:
            from newsloom.store.postgres import PostgresStore
        except ImportError as error:
            if error.name not in ("psycopg", "psycopg_binary"):
                raise
            raise StoreError(
                "a PostgreSQL store needs psycopg: pip install 'newsloom[postgres]' (or pip install 'psycopg[binary]')"
            ) from error
        return PostgresStore(text)
    if text.startswith("sqlite:///"):
        text = text[len("sqlite:///") :]
    elif "://" in text:
        raise StoreError(
            f"unknown store address '{text}': give a file path (--db ./news.db) or a PostgreSQL URL "
            "(--db postgresql://user@host/dbname)"
        )
    return SQLiteStore(Path(text).expanduser() if text != ":memory:" else text)
