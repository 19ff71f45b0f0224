"""A store's tables read (or changed) directly, as another tool would: a SQLite file or a PostgreSQL database."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
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


@dataclass(frozen=True)
class StoredColumn:
    """A column as the database's catalog describes it."""

    name: str
    type: str  # as the database names it: "TEXT", "BLOB" in SQLite; "text", "bytea" in PostgreSQL
    not_null: bool
    default: str | None  # the SQL literal, without PostgreSQL's cast ("'[]'", not "'[]'::text")
    key: int  # its place in the primary key from 1; 0 when it is not in it
    collation: str | None = None  # PostgreSQL's (SQLite's catalog does not say)


def _is_postgresql(address: str | Path) -> bool:
    return str(address).startswith(("postgresql://", "postgres://"))


def stored_tables(address: str | Path) -> dict[str, list[StoredColumn]]:
    """Every table of a store with its columns in order, read from the database's catalog."""
    if _is_postgresql(address):
        rows = raw_query(
            address,
            "SELECT c.table_name, c.column_name, c.data_type, c.is_nullable = 'NO', c.column_default, "
            "coalesce(k.ordinal_position, 0), c.collation_name FROM information_schema.columns c "
            "LEFT JOIN information_schema.table_constraints t ON t.table_schema = c.table_schema "
            "AND t.table_name = c.table_name AND t.constraint_type = 'PRIMARY KEY' "
            "LEFT JOIN information_schema.key_column_usage k ON k.constraint_name = t.constraint_name "
            "AND k.table_schema = c.table_schema AND k.table_name = c.table_name AND k.column_name = c.column_name "
            "WHERE c.table_schema = current_schema() ORDER BY c.table_name, c.ordinal_position",
        )
        found: dict[str, list[StoredColumn]] = {}
        for table, name, kind, not_null, default, key, collation in rows:
            default = re.sub(r"::[a-z ]+$", "", default) if default is not None else None
            found.setdefault(table, []).append(StoredColumn(name, kind, not_null, default, key, collation))
        return found
    names = raw_query(address, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return {
        name: [
            StoredColumn(column, kind, bool(not_null), default, key)
            for _, column, kind, not_null, default, key in raw_query(address, f"PRAGMA table_info({name})")
        ]
        for (name,) in names
    }


def stored_indexes(address: str | Path) -> dict[str, str]:
    """Every index a store's schema names, with its table: primary keys' and SQLite's automatic ones left out."""
    if _is_postgresql(address):
        sql = (
            "SELECT c.relname, t.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
            "WHERE n.nspname = current_schema() AND NOT i.indisprimary"
        )
    else:
        sql = "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    return {str(name): str(table) for name, table in raw_query(address, sql)}
