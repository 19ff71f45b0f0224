"""The server store: PostgreSQL through psycopg, for several processes reading and writing one newsroom's store.

It speaks the SQLite store's SQL wherever the two dialects agree (the statements are written once, in sql.py,
with ``?`` placeholders; ``postgres_sql`` turns them into psycopg's), keeps the tables schema.py describes, and
has its own only where they differ: transactions, the quarantine's key, the full-text index and streaming reads.
Writers take one lock per database for the length of a transaction, so writes are serialised as SQLite serialises
them, and a batch is stored whole or not at all.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg

from newsloom.store.base import MATCH_END, MATCH_START, ArticleHit, StoreError
from newsloom.store.sql import ARTICLE_COLUMNS, SQLStore, read_article, search_terms

log = logging.getLogger(__name__)
_T = TypeVar("_T")

# The snippet of a search hit: about 24 words around the words found, marked as the Store protocol says.
_HEADLINE_OPTIONS = f"StartSel={MATCH_START}, StopSel={MATCH_END}, MaxWords=24, MinWords=12, ShortWord=0"

# Writers hold this transaction-scoped advisory lock (per database): one write transaction at a time.
_WRITE_LOCK = 0x6E65_7773_6C6F_6F6D  # "newsloom"


@functools.lru_cache(maxsize=512)
def postgres_sql(statement: str) -> str:
    """A statement written for SQLite (``?`` placeholders) as psycopg takes it (``%s``, a literal % doubled).

    The shared statements hold no ``?`` or ``%`` inside string literals: values always travel as parameters.
    """
    return statement.replace("%", "%%").replace("?", "%s")


def tsquery(text: str) -> str | None:
    """A reader's words as a tsquery that finds articles holding all of them; None when there are none.

    Each word is quoted, so operators and punctuation in the reader's text are plain words, never syntax; a
    trailing * keeps its meaning (any word starting so), as in the SQLite store.
    """
    terms = [f"'{word}':*" if prefix else f"'{word}'" for word, prefix in search_terms(text)]
    return " & ".join(terms) if terms else None


def _value(value: Any) -> Any:
    # PostgreSQL text cannot hold NUL, which quarantined input may carry; it is kept as U+FFFD.
    if isinstance(value, str) and "\x00" in value:
        return value.replace("\x00", "\ufffd")
    return value


def _values(parameters: Sequence[Any]) -> list[Any]:
    return [_value(v) for v in parameters]


class _Connection:
    """A psycopg connection that takes the shared statements (``?`` placeholders) as they are written, and opens a
    new one when the server dropped it (a restart, an idle timeout, a terminated backend).

    A statement that finds the connection gone between transactions is sent again on a new one: nothing of it had
    run. Inside a transaction the error goes up: the server has rolled the transaction back, nothing of it is kept,
    and the next statement starts on a new connection.
    """

    def __init__(self, url: str, location: str) -> None:
        self.url, self.location = url, location
        self.raw = self._connect()
        self.in_transaction = False  # between a BEGIN and its COMMIT or ROLLBACK

    def _connect(self) -> psycopg.Connection[tuple[Any, ...]]:
        try:
            return psycopg.connect(self.url, autocommit=True, connect_timeout=15, application_name="newsloom")
        except psycopg.Error as error:
            raise StoreError(
                f"cannot reach the PostgreSQL store at {self.location}: {str(error).strip()}. Is the server running, "
                "and do the user, host, port and database in --db (or NEWSLOOM_DB) exist?"
            ) from error

    def live(self) -> psycopg.Connection[tuple[Any, ...]]:
        """The connection, a new one if the server dropped the last (only between transactions)."""
        if self.raw.closed or self.raw.broken:
            if self.in_transaction:
                raise self.lost()
            log.warning("the PostgreSQL store at %s dropped the connection: connecting again", self.location)
            self.raw.close()
            self.raw = self._connect()
        return self.raw

    def _again(self, send: Callable[[psycopg.Connection[tuple[Any, ...]]], _T]) -> _T:
        idle = not self.in_transaction
        connection = self.live()
        try:
            return send(connection)
        except psycopg.OperationalError as error:
            if not connection.broken:
                raise
            if not idle:
                raise self.lost() from error
        return send(self.live())

    def lost(self) -> StoreError:
        return StoreError(
            f"the PostgreSQL store at {self.location} dropped the connection inside a transaction: the server rolled "
            "it back, and nothing of it was stored"
        )

    def execute(self, statement: str, parameters: Sequence[Any] | None = None) -> psycopg.Cursor[tuple[Any, ...]]:
        if parameters is None:  # sent as written (several statements may go at once)
            word = statement.lstrip()[:8].upper()
            if word.startswith(("COMMIT", "ROLLBACK")):
                self.in_transaction = False
            cursor = self._again(lambda connection: connection.execute(statement))
            if word.startswith("BEGIN"):
                self.in_transaction = True
            return cursor
        sql, values = postgres_sql(statement), _values(parameters)
        return self._again(lambda connection: connection.execute(sql, values))

    def executemany(self, statement: str, rows: Iterable[Sequence[Any]]) -> psycopg.Cursor[tuple[Any, ...]]:
        sql, values = postgres_sql(statement), [_values(row) for row in rows]

        def send(connection: psycopg.Connection[tuple[Any, ...]]) -> psycopg.Cursor[tuple[Any, ...]]:
            cursor = connection.cursor()
            cursor.executemany(sql, values)
            return cursor

        return self._again(send)

    def close(self) -> None:
        self.raw.close()


class PostgresStore(SQLStore):
    """The store on a PostgreSQL server (see ``store.base.Store`` for what each method promises).

    ``url`` is a libpq address, ``postgresql://user@host:5432/dbname``; a password is best kept out of it (in
    ``~/.pgpass`` or ``PGPASSWORD``). The database must exist; newsloom creates its tables on first use.
    """

    _DIALECT = "postgresql"
    _COLUMNS_OF = (
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = ? ORDER BY ordinal_position"
    )
    _QUARANTINE_KEY = "origin, reason, md5(raw)"
    _ENTITY_MATCH = "lower(name) = lower(?)"
    _SNAPSHOT = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"
    _db: _Connection

    def __init__(self, url: str) -> None:
        self.location = _without_password(url)
        self._db = _Connection(url, self.location)
        try:
            self._migrate()
        except psycopg.Error as error:
            self.close()
            raise StoreError(f"cannot set up the store at {self.location}: {str(error).strip()}") from error
        except BaseException:
            self.close()
            raise

    def _create(self, made: list[str]) -> None:
        self._db.execute(";\n".join(made))  # one round trip: sent as written, several statements at once

    def _transaction(self) -> _WriteTransaction:
        return _WriteTransaction(self._db)

    def _stream(self, statement: str) -> Iterator[Any]:
        # A server-side cursor: an archive's rows arrive a few thousand at a time, not all at once.
        connection = self._db.live()
        with connection.transaction(), connection.cursor(name="newsloom_stream") as cursor:
            cursor.itersize = 5000
            cursor.execute(statement)  # takes no parameters: sent as written
            yield from cursor

    def _text_condition(self, text: str) -> tuple[str, Any] | None:
        match = tsquery(text)
        if match is None:
            return None
        return "s.id IN (SELECT story_id FROM articles WHERE search @@ to_tsquery('simple', ?))", match

    def search_articles(self, text: str, limit: int = 20, offset: int = 0) -> list[ArticleHit]:
        match = tsquery(text)
        if match is None:
            return []
        columns = ", ".join(f"a.{c.strip()}" for c in ARTICLE_COLUMNS.split(","))
        # The headline weighs most, then the dek: text 1, dek 4, headline 8 (ts_rank's weights for D, C, B, A,
        # scaled), as the SQLite store's bm25 weighs them. The snippet comes from the article's text.
        rows = self._db.execute(
            f"SELECT {columns}, ts_headline('simple', a.text, q, ?), "
            "ts_rank('{0.125, 0.25, 0.5, 1.0}', a.search, q) AS score "
            "FROM articles a, to_tsquery('simple', ?) q WHERE a.search @@ q "
            "ORDER BY score DESC, a.seq LIMIT ? OFFSET ?",
            (_HEADLINE_OPTIONS, match, limit, offset),
        ).fetchall()
        return [ArticleHit(read_article(row[:15]), row[15] or "", float(row[16])) for row in rows]

    def close(self) -> None:
        self._db.close()


class _WriteTransaction:
    """BEGIN, the database's write lock, ... COMMIT, or ROLLBACK on any error (none is needed if the connection was
    lost: the server rolled the transaction back)."""

    def __init__(self, db: _Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN")
        try:
            self._db.execute("SELECT pg_advisory_xact_lock(?)", (_WRITE_LOCK,))
        except BaseException as error:
            self.__exit__(type(error), error, None)
            raise

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        self._db.in_transaction = False
        connection = self._db.raw  # never a new connection here: it would commit nothing and say it had
        try:
            if not connection.broken:
                connection.execute("ROLLBACK" if kind else "COMMIT")
                return
        except psycopg.OperationalError as lost:
            if not connection.broken:
                raise
            if kind:
                return  # the error that ended the transaction goes up
            raise StoreError(
                f"the PostgreSQL store at {self._db.location} dropped the connection as the transaction committed: "
                "it may or may not be stored (storing it again adds nothing twice)"
            ) from lost
        if not kind:
            raise self._db.lost()


def _without_password(url: str) -> str:
    """The address as shown in messages: any password (in the user part or a ``password=`` option) left out."""
    parts = urlsplit(url)
    if parts.password is not None:
        netloc = f"{parts.username or ''}@{parts.netloc.rsplit('@', 1)[1]}"
        parts = parts._replace(netloc=netloc)
    options = parse_qsl(parts.query, keep_blank_values=True)
    if any(key == "password" for key, _ in options):
        parts = parts._replace(query=urlencode([(k, v) for k, v in options if k != "password"]))
    return urlunsplit(parts)
