"""Stores: the single source of truth for articles, groups, stories, briefs and quarantined input."""

from __future__ import annotations

from pathlib import Path

from newsloom.store.base import ClustererState, QuarantinedInput, Store, StoreError
from newsloom.store.sqlite import SQLiteStore

__all__ = ["ClustererState", "QuarantinedInput", "SQLiteStore", "Store", "StoreError", "open_store"]


def open_store(location: str | Path) -> Store:
    """Open the store a ``--db`` value names: a file path or ``sqlite:///path`` (PostgreSQL comes later)."""
    text = str(location)
    if text.startswith(("postgresql://", "postgres://")):
        raise StoreError("PostgreSQL stores are not available yet in this version; use a SQLite file path")
    if text.startswith("sqlite:///"):
        text = text[len("sqlite:///") :]
    elif "://" in text:
        raise StoreError(f"unknown store address '{text}': give a file path, e.g. --db ./news.db")
    return SQLiteStore(Path(text).expanduser() if text != ":memory:" else text)
