"""The SQL both stores speak: every read and write, written once with ``?`` placeholders.

``SQLStore`` holds the statements and makes or upgrades the schema that ``schema.py`` describes; a store built on it
(``SQLiteStore``, ``PostgresStore``) brings a connection that takes them, its dialect, its transactions, its own
upgrade steps, and the few phrases where the two dialects differ (the class attributes below, ``_text_condition``
for the full-text filter, ``_stream`` for long reads).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from typing import Any, Protocol, Self

from newsloom.model import (
    Article,
    Brief,
    Feed,
    Fingerprint,
    Rejected,
    Story,
    StoryChanges,
    StoryState,
    format_time,
    independent_sources_of,
    parse_stored_time,
)
from newsloom.store.base import (
    ArticleQuery,
    BriefNews,
    QuarantinedInput,
    Report,
    StoreError,
    StoryEntry,
    StoryQuery,
    fresh_sources,
    top_key,
    top_score,
    words_of,
)
from newsloom.store.schema import SCHEMA_VERSION, TABLES, Dialect, column_sql, statements


class Rows(Protocol):
    """What a statement gives back: rows to fetch or iterate, and how many rows it changed."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """A database connection that takes statements with ``?`` placeholders (sqlite3's, or psycopg's adapted)."""

    def execute(self, statement: str, parameters: Any = ..., /) -> Rows: ...

    def executemany(self, statement: str, rows: Iterable[Any], /) -> Rows: ...

    def close(self) -> None: ...


STORY_COLUMNS = "id, headline, articles, outlets, independent_sources, first_published, last_published, updated_at"
RIVER_ORDER = {
    "top": "s.top_key DESC, s.id",
    "newest": "coalesce(s.last_published, s.updated_at) DESC, s.id",
    "biggest": "s.independent_sources DESC, s.articles DESC, coalesce(s.last_published, s.updated_at) DESC, s.id",
}

ARTICLE_COLUMNS = (
    "id, canonical_url, url, title, dek, text, outlet, author, published, language, content_hash, sentences, "
    "syndication_group, story_id, origin"
)


# The independent sources of one story (``model.independent_sources_of``, the rule, written in SQL): each report's
# outlet, but a copy in a syndication group of several of the story's reports counts as the outlet of the group's
# first (the earliest published, then the least id) when that one has an outlet; a report with no outlet counts
# as its group (or itself). One row per distinct (outlet, fallback): a handful, whatever the story's size; the
# caller folds the outlets' case as the rule does.
_SOURCES_OF_STORY = (
    "WITH reports AS (SELECT id, outlet, syndication_group AS grp, published, "
    "count(*) OVER (PARTITION BY syndication_group) AS copies, "
    "first_value(outlet) OVER (PARTITION BY syndication_group ORDER BY published IS NULL, published, id) "
    "AS first_outlet FROM articles WHERE story_id = ?), "
    "counted AS (SELECT id, grp, published, "
    "CASE WHEN grp <> '' AND copies > 1 AND first_outlet <> '' THEN first_outlet ELSE outlet END AS outlet "
    "FROM reports) "
    "SELECT CASE WHEN outlet <> '' THEN outlet END AS named, "
    "CASE WHEN outlet IS NULL OR outlet = '' THEN coalesce(nullif(grp, ''), id) END AS unnamed, min(published) "
    "FROM counted GROUP BY named, unnamed"
)


def stored_now() -> str:
    """The time now as stored: UTC, ISO 8601 with a Z."""
    return format_time(datetime.now(UTC)) or ""


class SQLStore:
    """A store over SQL (see ``store.base.Store`` for what each method promises); subclasses open the connection."""

    location: str
    _db: Connection
    _DIALECT: Dialect
    # The columns of a table, by name (none when it does not exist).
    _COLUMNS_OF = "SELECT name FROM pragma_table_info(?)"
    # The unique key of a quarantined input, as ON CONFLICT names it.
    _QUARANTINE_KEY = "origin, reason, raw"
    # Which key players' names match a reader's name (case ignored).
    _ENTITY_MATCH = "name = ?"
    # How a snapshot starts: a read-only transaction that sees one moment of the store.
    _SNAPSHOT = "BEGIN"

    def _transaction(self) -> AbstractContextManager[None]:
        """One write transaction: all its statements are stored together or not at all."""
        raise NotImplementedError

    # -- schema ---------------------------------------------------------------------------------------------
    def _migrate(self) -> None:
        """Make the schema in a new store, bring an older store's up to ``SCHEMA_VERSION``, refuse a newer one."""
        with self._transaction():
            stored = self._stored_version()
            if stored > SCHEMA_VERSION:
                raise StoreError(
                    f"the store at {self.location} was written by a newer newsloom (schema {stored}); upgrade newsloom"
                )
            if stored < SCHEMA_VERSION:
                self._add_columns()
            self._create(statements(self._DIALECT))
            if stored < SCHEMA_VERSION:
                self._upgrade(stored)
            self._db.execute(
                "INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (str(SCHEMA_VERSION),),
            )

    def _stored_version(self) -> int:
        """The schema version the store was written with; a new store (no tables yet) is made at this version."""
        if not self._columns("meta"):
            return SCHEMA_VERSION
        row = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row is not None else 1  # every version wrote it: a store without it is the oldest

    def _columns(self, table: str) -> list[str]:
        return [str(row[0]) for row in self._db.execute(self._COLUMNS_OF, (table,)).fetchall()]

    def _add_columns(self) -> None:
        """Add the columns a later version added to a table the store already has (new tables come whole)."""
        for table in TABLES:
            present = self._columns(table.name)
            if not present:
                continue
            for column in table.columns:
                if column.name not in present:
                    self._db.execute(f"ALTER TABLE {table.name} ADD COLUMN {column_sql(column, self._DIALECT)}")

    def _create(self, made: list[str]) -> None:
        """Run the schema's statements (each leaves alone what exists)."""
        for statement in made:
            self._db.execute(statement)

    def _upgrade(self, stored: int) -> None:
        """What is done beyond adding tables, columns and indexes to bring a store up from ``stored`` (a dialect's
        own steps first, then these)."""
        if stored < 4:
            self._rank_every_story()

    def _rank_every_story(self) -> None:
        """Each story's fresh sources, top key and headline words, worked out from its articles as a batch does."""
        stories = {
            row[0]: row[1:]
            for row in self._db.execute("SELECT id, last_published, updated_at, headline, dek FROM stories").fetchall()
        }
        ranked: list[tuple[Any, ...]] = []
        for story_id, (last, updated, headline, dek) in stories.items():
            _, fresh, key = ranked_sources(self._first_reports(story_id), last, updated)
            ranked.append((fresh, key, words_of(f"{headline} {dek or ''}"), story_id))
        self._db.executemany(
            "UPDATE stories SET fresh_sources = ?, top_key = ?, headline_words = ? WHERE id = ?", ranked
        )
        # Who states each latest brief's dek, read from the brief as stored.
        deks = []
        for story_id, body in self._stream(
            "SELECT b.story_id, b.body FROM briefs b JOIN (SELECT story_id, max(version) AS version FROM briefs "
            "GROUP BY story_id) l ON l.story_id = b.story_id AND l.version = b.version"
        ):
            stored = json.loads(body)
            citations = stored.get("citations", {})
            outlets = [
                (citations.get(i) or {}).get("outlet") or "Unknown outlet" for i in stored.get("dek_sources", [])
            ]
            deks.append((_dek_sources(outlets, stored.get("dek_attributed_to")), story_id))
        self._db.executemany("UPDATE stories SET dek_sources = ? WHERE id = ?", deks)

    def _text_condition(self, text: str) -> tuple[str, Any] | None:
        """A condition on stories ``s`` that some article holds every word of ``text``, and its parameter."""
        raise NotImplementedError

    def _stream(self, statement: str) -> Iterable[Any]:
        """The rows of a long read, as they come."""
        return self._db.execute(statement)

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Reads inside see the store as it was at one moment, whatever other processes commit meanwhile.

        For a page that reads a story, its articles and its brief in several calls. Only reads belong inside.
        """
        self._db.execute(self._SNAPSHOT)
        try:
            yield
        finally:
            self._db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- ingest ---------------------------------------------------------------------------------------------
    def known(self, articles: Sequence[Article]) -> set[str]:
        found: set[str] = set()
        for chunk in _chunks(list(articles), 400):
            ids = [a.id for a in chunk]
            rows = self._db.execute(f"SELECT id FROM articles WHERE id IN ({','.join('?' * len(ids))})", ids).fetchall()
            found.update(r[0] for r in rows)
            urls = {a.canonical_url: a.id for a in chunk if a.canonical_url}
            if urls:
                rows = self._db.execute(
                    f"SELECT canonical_url FROM articles WHERE canonical_url IN ({','.join('?' * len(urls))})",
                    list(urls),
                ).fetchall()
                found.update(urls[r[0]] for r in rows)
        return found

    def commit_batch(
        self,
        articles: Sequence[Article],
        fingerprints: Sequence[Fingerprint],
        clusterer: StoryChanges,
        rejected: Sequence[Rejected],
        feed: str | None = None,
    ) -> None:
        now = stored_now()
        signatures = {fp.article_id: fp for fp in fingerprints}
        with self._transaction():
            for article in articles:
                fp = signatures.get(article.id)
                self._db.execute(
                    f"INSERT INTO articles ({ARTICLE_COLUMNS}, ingested_at, shingles, signature, proper_nouns) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        article.id,
                        article.canonical_url,
                        article.url,
                        article.title,
                        article.dek,
                        article.text,
                        article.outlet,
                        article.author,
                        format_time(article.published),
                        article.language,
                        article.content_hash,
                        json.dumps(article.sentences, ensure_ascii=False),
                        article.syndication_group,
                        article.story_id,
                        article.origin,
                        now,
                        fp.shingles if fp else 0,
                        fp.signature if fp else None,
                        json.dumps(sorted(fp.proper_nouns) if fp else [], ensure_ascii=False),
                    ),
                )
            touched = {a.story_id for a in articles if a.story_id}
            for merged, survivor in clusterer.merged.items():
                self._merge_story(merged, survivor, now)
                touched.discard(merged)
                touched.add(survivor)
            touched |= self._move_articles(clusterer.moved)
            for story_id in sorted(touched):
                self._refresh_story(story_id, now)
            self._db.executemany(
                "INSERT INTO clusterer_terms VALUES (?, ?) "
                "ON CONFLICT (term) DO UPDATE SET documents = excluded.documents",
                clusterer.document_frequency.items(),
            )
            self._db.executemany(
                "INSERT INTO clusterer_stories VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state",
                ((sid, json.dumps(state, ensure_ascii=False)) for sid, state in clusterer.stories.items()),
            )
            self._db.executemany(
                "INSERT INTO meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [
                    ("clusterer_documents", str(clusterer.documents)),
                    ("clusterer_latest", json.dumps(clusterer.latest)),
                    ("clusterer_review", json.dumps(clusterer.review)),
                ],
            )
            self._quarantine(rejected, now)
            if feed is not None and articles:
                self._db.execute(
                    "UPDATE feeds SET articles_seen = articles_seen + ? WHERE url = ?", (len(articles), feed)
                )

    def _merge_story(self, merged: str, survivor: str, now: str) -> None:
        """Two stories turned out to be one: the articles move to the survivor and the old id redirects to it."""
        self._db.execute("UPDATE articles SET story_id = ? WHERE story_id = ?", (survivor, merged))
        self._db.execute("UPDATE story_redirects SET survivor = ? WHERE survivor = ?", (survivor, merged))
        self._db.execute(
            "INSERT INTO story_redirects VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET survivor = excluded.survivor",
            (merged, survivor, now),
        )
        self._db.execute("DELETE FROM stories WHERE id = ?", (merged,))
        self._db.execute("DELETE FROM story_entities WHERE story_id = ?", (merged,))
        self._db.execute("DELETE FROM clusterer_stories WHERE id = ?", (merged,))

    def _move_articles(self, moved: dict[str, str]) -> set[str]:
        """A story split: its drifted reports move to the new story (after this batch's merges, so through them)."""
        touched: set[str] = set()
        for article_id, story_id in moved.items():
            target = self._survivor(story_id)
            row = self._db.execute("SELECT story_id FROM articles WHERE id = ?", (article_id,)).fetchone()
            if row is None or row[0] == target:
                continue
            self._db.execute("UPDATE articles SET story_id = ? WHERE id = ?", (target, article_id))
            touched.update((row[0], target))
        return {story_id for story_id in touched if story_id}

    def _survivor(self, story_id: str) -> str:
        row = self._db.execute("SELECT survivor FROM story_redirects WHERE id = ?", (story_id,)).fetchone()
        return str(row[0]) if row else story_id

    def _first_reports(self, story_id: str) -> dict[str, datetime | None]:
        """Each independent source of the story with its first report (an outlet's name with case ignored, as the
        rule reads it; None when all its reports are undated)."""
        earliest: dict[str, datetime | None] = {}
        for outlet, fallback, stored in self._db.execute(_SOURCES_OF_STORY, (story_id,)):
            source = f"outlet:{outlet.strip().casefold()}" if outlet else fallback
            moment, known = parse_stored_time(stored), earliest.get(source)
            if source not in earliest or (moment is not None and (known is None or moment < known)):
                earliest[source] = moment
        return earliest

    def _refresh_story(self, story_id: str, now: str) -> None:
        """A touched story's row again from its articles: every figure is aggregated inside the database, so a big
        story costs an index scan in C per batch, not a row per article in Python."""
        articles, first, last = self._db.execute(
            "SELECT count(*), min(published), max(published) FROM articles WHERE story_id = ?",
            (story_id,),
        ).fetchone()
        groups, fresh, key = ranked_sources(self._first_reports(story_id), last, now)
        outlets = [
            r[0]
            for r in self._db.execute(
                "SELECT DISTINCT coalesce(outlet, 'Unknown outlet') FROM articles WHERE story_id = ? ORDER BY 1",
                (story_id,),
            )
        ]
        # A story keeps its headline (the first report's title, then its latest brief's) once it has one.
        stored = self._db.execute("SELECT headline, dek FROM stories WHERE id = ?", (story_id,)).fetchone()
        headline, dek = (stored[0], stored[1]) if stored is not None else ("", None)
        if not headline:
            title = self._db.execute(
                "SELECT title FROM articles WHERE story_id = ? AND title != '' ORDER BY seq LIMIT 1", (story_id,)
            ).fetchone()
            headline = title[0] if title else ""
        self._db.execute(
            "INSERT INTO stories (id, headline, articles, outlets, independent_sources, first_published, "
            "last_published, updated_at, brief_stale, fresh_sources, top_key, headline_words) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET articles = excluded.articles, outlets = excluded.outlets, "
            "independent_sources = excluded.independent_sources, first_published = excluded.first_published, "
            "last_published = excluded.last_published, updated_at = excluded.updated_at, brief_stale = 1, "
            "fresh_sources = excluded.fresh_sources, top_key = excluded.top_key, headline = excluded.headline, "
            "headline_words = excluded.headline_words",
            (
                story_id,
                headline,
                articles,
                json.dumps(outlets),
                groups,
                first,
                last,
                now,
                fresh,
                key,
                words_of(f"{headline} {dek or ''}"),
            ),
        )

    def _index_words(self, story_id: str) -> None:
        """The words of the story's headline and dek as stored now, which mute words are looked for in."""
        row = self._db.execute("SELECT headline, dek FROM stories WHERE id = ?", (story_id,)).fetchone()
        if row is not None:
            words = words_of(f"{row[0]} {row[1] or ''}")
            self._db.execute("UPDATE stories SET headline_words = ? WHERE id = ?", (words, story_id))

    def quarantine(self, rejected: Iterable[Rejected]) -> None:
        with self._transaction():
            self._quarantine(list(rejected), stored_now())

    def _quarantine(self, rejected: Sequence[Rejected], now: str) -> None:
        self._db.executemany(
            "INSERT INTO quarantine (origin, reason, raw, first_seen, last_seen) VALUES (?, ?, ?, ?, ?) "
            f"ON CONFLICT ({self._QUARANTINE_KEY}) DO UPDATE "
            "SET last_seen = excluded.last_seen, times = quarantine.times + 1",
            [(r.origin, r.reason, r.raw, now, now) for r in rejected],
        )

    def fingerprints(self) -> Iterator[tuple[Fingerprint, str]]:
        rows = self._stream(
            "SELECT id, syndication_group, coalesce(content_hash, ''), shingles, signature, published, proper_nouns, "
            "story_id FROM articles ORDER BY seq"
        )
        for article_id, group, digest, shingles, signature, published, nouns, story_id in rows:
            moment = parse_stored_time(published)
            yield (
                Fingerprint(
                    article_id,
                    group,
                    digest,
                    shingles,
                    signature,
                    moment.timestamp() if moment else None,
                    frozenset(json.loads(nouns)),
                ),
                story_id,
            )

    def clusterer_state(self) -> StoryState:
        meta = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        return StoryState(
            documents=int(meta.get("clusterer_documents", "0")),
            latest=json.loads(meta.get("clusterer_latest", "null")),
            document_frequency=dict(self._db.execute("SELECT term, documents FROM clusterer_terms").fetchall()),
            stories=[
                (sid, json.loads(state)) for sid, state in self._db.execute("SELECT id, state FROM clusterer_stories")
            ],
            redirects=dict(self._db.execute("SELECT id, survivor FROM story_redirects").fetchall()),
            review=json.loads(meta.get("clusterer_review", "{}")),
        )

    # -- read -----------------------------------------------------------------------------------------------
    def stories(self, limit: int = 50, offset: int = 0) -> list[Story]:
        rows = self._db.execute(
            "SELECT id, headline, articles, outlets, independent_sources, first_published, last_published, "
            "updated_at FROM stories ORDER BY coalesce(last_published, updated_at) DESC, id LIMIT ? OFFSET ?",
            (limit, offset),
        ).fetchall()
        return [read_story(row) for row in rows]

    def story(self, story_id: str) -> Story | None:
        exact = self._db.execute(
            "SELECT id, headline, articles, outlets, independent_sources, first_published, last_published, "
            "updated_at FROM stories WHERE id = ?",
            (story_id,),
        ).fetchone()
        if exact is not None:  # the common case, by the primary key: the prefix search below scans every story
            return read_story(exact)
        rows = self._db.execute(
            "SELECT id, headline, articles, outlets, independent_sources, first_published, last_published, "
            "updated_at FROM stories WHERE id = ? OR id LIKE ? ESCAPE '\\' LIMIT 2",
            (story_id, _like_prefix(story_id)),
        ).fetchall()
        exact = [r for r in rows if r[0] == story_id]
        if exact:
            return read_story(exact[0])
        survivor = self._db.execute("SELECT survivor FROM story_redirects WHERE id = ?", (story_id,)).fetchone()
        if survivor:  # a story merged into another: its id leads to the survivor
            return self.story(survivor[0])
        if len(rows) > 1:
            raise StoreError(f"'{story_id}' is the start of several story ids; give more of the id")
        return read_story(rows[0]) if rows else None

    def story_articles(self, story_id: str) -> list[Article]:
        rows = self._db.execute(
            f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE story_id = ? ORDER BY coalesce(published, ''), seq",
            (story_id,),
        ).fetchall()
        return [read_article(row) for row in rows]

    def story_reports(self, story_id: str) -> list[Report]:
        rows = self._db.execute(
            "SELECT id, title, outlet, published, syndication_group "
            "FROM articles WHERE story_id = ? ORDER BY coalesce(published, ''), seq",
            (story_id,),
        ).fetchall()
        sources = independent_sources_of(
            (aid, outlet, group, parse_stored_time(when)) for aid, _, outlet, when, group in rows
        )
        return [
            Report(aid, title, outlet or "Unknown outlet", parse_stored_time(when), sources[aid], group)
            for aid, title, outlet, when, group in rows
        ]

    def article(self, article_id: str) -> Article | None:
        row = self._db.execute(f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE id = ?", (article_id,)).fetchone()
        return read_article(row) if row else None

    def articles(self, article_ids: Sequence[str]) -> list[Article]:
        wanted = list(dict.fromkeys(article_ids))
        found: dict[str, Article] = {}
        for start in range(0, len(wanted), 400):
            chunk = wanted[start : start + 400]
            rows = self._db.execute(
                f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE id IN ({','.join('?' * len(chunk))})", chunk
            ).fetchall()
            found.update((row[0], read_article(row)) for row in rows)
        return [found[i] for i in wanted if i in found]

    def quarantined(self, limit: int = 100) -> list[QuarantinedInput]:
        rows = self._db.execute(
            "SELECT origin, reason, raw, first_seen, times FROM quarantine ORDER BY last_seen DESC, id DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [QuarantinedInput(*row) for row in rows]

    def counts(self) -> dict[str, int]:
        def count(sql: str) -> int:
            return int(self._db.execute(sql).fetchone()[0])

        return {
            "articles": count("SELECT count(*) FROM articles"),
            "syndication_groups": count("SELECT count(DISTINCT syndication_group) FROM articles"),
            "stories": count("SELECT count(*) FROM stories"),
            "briefs": count("SELECT count(*) FROM briefs"),
            "quarantined": count("SELECT count(*) FROM quarantine"),
        }

    # -- read side of the server ----------------------------------------------------------------------------
    def find_stories(self, query: StoryQuery) -> list[StoryEntry]:
        found = self._story_conditions(query)
        if found is None:
            return []
        conditions, values = found
        prefer = query.preferences.prefer_outlets
        if not prefer:
            return self._story_page(conditions, values, query, query.limit, query.offset)
        # The stories a preferred outlet covered first, then the others, each part in the order asked for.
        preferred = (
            "EXISTS (SELECT 1 FROM articles a WHERE a.story_id = s.id "
            f"AND a.outlet IN ({', '.join('?' * len(prefer))}))"
        )
        first = self._story_page([*conditions, preferred], [*values, *prefer], query, query.limit, query.offset, True)
        if len(first) >= query.limit:
            return first
        skip = 0  # the page holds the last preferred stories: the others from their start
        if not first:  # the page is past the preferred stories: how many there are says where the others start
            where = " AND ".join([*conditions, preferred])
            count = self._db.execute(f"SELECT count(*) FROM stories s WHERE {where}", [*values, *prefer]).fetchone()
            skip = query.offset - int(count[0])
        rest = self._story_page(
            [*conditions, f"NOT {preferred}"], [*values, *prefer], query, query.limit - len(first), skip
        )
        return first + rest

    def _story_page(
        self,
        conditions: list[str],
        values: list[Any],
        query: StoryQuery,
        limit: int,
        offset: int,
        preferred: bool = False,
    ) -> list[StoryEntry]:
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        columns = ", ".join(f"s.{c.strip()}" for c in STORY_COLUMNS.split(","))
        rows = self._db.execute(
            f"SELECT {columns}, s.dek, s.brief_version, s.fresh_sources, s.dek_sources FROM stories s {where} "
            f"ORDER BY {RIVER_ORDER[query.order]} LIMIT ? OFFSET ?",
            [*values, limit, offset],
        ).fetchall()
        if not rows:
            return []
        now = query.now or self._latest_report()
        entries = []
        for row in rows:
            story = read_story(row[:8])
            moment = story.last_published or story.updated_at
            score = top_score(story.independent_sources, row[10], moment, now) if moment and now else 0.0
            said = json.loads(row[11])
            dek_outlets = tuple(said.get("outlets", ()))
            entries.append(
                StoryEntry(story, row[8], row[9], row[10], score, preferred, 0, dek_outlets, said.get("attributed_to"))
            )
        return entries

    def _latest_report(self) -> datetime | None:
        """The time of the latest report the store holds (or of the latest story change, for undated stories)."""
        row = self._db.execute("SELECT max(coalesce(last_published, updated_at)) FROM stories").fetchone()
        return parse_stored_time(row[0]) if row else None

    def _story_conditions(self, query: StoryQuery) -> tuple[list[str], list[Any]] | None:
        """The query's filters as conditions on stories ``s`` with their values; None when nothing can match."""
        conditions: list[str] = []
        values: list[Any] = []
        if query.since is not None:
            conditions.append("coalesce(s.last_published, s.updated_at) >= ?")
            values.append(format_time(query.since))
        if query.outlet:
            conditions.append("s.id IN (SELECT story_id FROM articles WHERE outlet = ?)")
            values.append(query.outlet)
        if query.language:
            conditions.append("s.id IN (SELECT story_id FROM articles WHERE language = ?)")
            values.append(query.language.lower())
        if query.entity:
            conditions.append(f"s.id IN (SELECT story_id FROM story_entities WHERE {self._ENTITY_MATCH})")
            values.append(query.entity.strip())
        if query.text is not None:
            found = self._text_condition(query.text)
            if found is None:
                return None
            conditions.append(found[0])
            values.append(found[1])
        muted = query.preferences.mute_outlets
        if muted:  # a story some article of which no muted outlet published
            conditions.append(
                "EXISTS (SELECT 1 FROM articles a WHERE a.story_id = s.id "
                f"AND coalesce(a.outlet, 'Unknown outlet') NOT IN ({', '.join('?' * len(muted))}))"
            )
            values.extend(muted)
        for word in query.preferences.mute_words:
            conditions.append("s.headline_words NOT LIKE ? ESCAPE '\\'")
            values.append("%" + _like_prefix(words_of(word)))
        return conditions, values

    def find_articles(self, query: ArticleQuery) -> list[Article]:
        conditions: list[str] = []
        values: list[Any] = []
        if query.story_id:
            conditions.append("story_id = ?")
            values.append(query.story_id)
        if query.outlet:
            conditions.append("outlet = ?")
            values.append(query.outlet)
        if query.language:
            conditions.append("language = ?")
            values.append(query.language.lower())
        if query.since is not None:
            conditions.append("published >= ?")
            values.append(format_time(query.since))
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        rows = self._db.execute(
            f"SELECT {ARTICLE_COLUMNS} FROM articles {where} ORDER BY coalesce(published, '') DESC, seq DESC "
            "LIMIT ? OFFSET ?",
            [*values, query.limit, query.offset],
        ).fetchall()
        return [read_article(row) for row in rows]

    def outlets(self) -> list[tuple[str, int]]:
        rows = self._db.execute(
            "SELECT outlet, count(*) FROM articles WHERE outlet IS NOT NULL GROUP BY outlet ORDER BY 2 DESC, 1"
        ).fetchall()
        return [(str(name), int(n)) for name, n in rows]

    def revision(self) -> str:
        articles, briefs, redirects = self._db.execute(
            "SELECT (SELECT coalesce(max(seq), 0) FROM articles), "
            "(SELECT coalesce(max(seq), 0) FROM briefs), "
            "(SELECT count(*) FROM story_redirects)"
        ).fetchone()
        return f"{articles}.{briefs}.{redirects}"

    def story_revision(self, story_id: str) -> str | None:
        # The story's row says when it was last touched (to the second); its articles' count and the sum of their
        # seq say which articles it holds, should a split take one and a batch bring another within that second.
        row = self._db.execute(
            f"SELECT {STORY_COLUMNS}, brief_version, "
            "(SELECT count(*) FROM articles WHERE story_id = ?), (SELECT sum(seq) FROM articles WHERE story_id = ?) "
            "FROM stories WHERE id = ?",
            (story_id, story_id, story_id),
        ).fetchone()
        return json.dumps([str(value) for value in row]) if row else None

    # -- briefs ---------------------------------------------------------------------------------------------
    def stale_stories(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT id FROM stories WHERE brief_stale = 1 ORDER BY id")]

    def save_brief(self, brief: Brief, news: Mapping[str, int] | None = None) -> int:
        if brief.story_id is None:
            raise StoreError("a brief must name its story to be stored")
        with self._transaction():
            last = self._db.execute(
                "SELECT version, body FROM briefs WHERE story_id = ? ORDER BY version DESC LIMIT 1", (brief.story_id,)
            ).fetchone()
            version = 1
            if last is not None:
                previous = json.loads(last[1])
                if _same_brief(previous, brief.to_json()):
                    self._db.execute("UPDATE stories SET brief_stale = 0 WHERE id = ?", (brief.story_id,))
                    brief.version = last[0]
                    self._index_brief(brief)
                    return int(last[0])
                version = last[0] + 1
            brief.version = version
            brief.created_at = brief.created_at or datetime.now(UTC).replace(microsecond=0)
            self._db.execute(
                "INSERT INTO briefs (story_id, version, created_at, writer, body, news) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    brief.story_id,
                    version,
                    format_time(brief.created_at),
                    brief.writer,
                    json.dumps(brief.to_json(), ensure_ascii=False),
                    json.dumps({k: int(v) for k, v in news.items() if v}, sort_keys=True) if news is not None else None,
                ),
            )
            self._db.execute(
                "UPDATE stories SET brief_stale = 0, headline = ? WHERE id = ?", (brief.headline, brief.story_id)
            )
            self._index_brief(brief)
            return version

    def _index_brief(self, brief: Brief) -> None:
        """What the river and its filters read from a story's latest brief: its dek (and its words) and key players."""
        dek = brief.dek
        said = _dek_sources([c.outlet for c in dek.sources], dek.attributed_to) if dek else "{}"
        self._db.execute(
            "UPDATE stories SET dek = ?, brief_version = ?, dek_sources = ? WHERE id = ?",
            (dek.text if dek else None, brief.version, said, brief.story_id),
        )
        if brief.story_id is not None:
            self._index_words(brief.story_id)
        self._db.execute("DELETE FROM story_entities WHERE story_id = ?", (brief.story_id,))
        names = {name.strip() for p in brief.key_players for name in [p.name, *p.aliases] if name.strip()}
        self._db.executemany(
            "INSERT INTO story_entities VALUES (?, ?) ON CONFLICT DO NOTHING",
            [(name, brief.story_id) for name in sorted(names)],
        )

    def brief(self, story_id: str, version: int | None = None) -> Brief | None:
        if version is None:
            row = self._db.execute(
                "SELECT body FROM briefs WHERE story_id = ? ORDER BY version DESC LIMIT 1", (story_id,)
            ).fetchone()
        else:
            row = self._db.execute(
                "SELECT body FROM briefs WHERE story_id = ? AND version = ?", (story_id, version)
            ).fetchone()
        return Brief.from_json(json.loads(row[0])) if row else None

    def latest_news(self, story_ids: Sequence[str]) -> dict[str, BriefNews]:
        found: dict[str, BriefNews] = {}
        wanted = list(dict.fromkeys(story_ids))
        for start in range(0, len(wanted), 400):
            chunk = wanted[start : start + 400]
            rows = self._db.execute(
                "SELECT b.story_id, b.version, b.created_at, b.news FROM briefs b JOIN ("
                "SELECT story_id, max(version) AS version FROM briefs "
                f"WHERE story_id IN ({','.join('?' * len(chunk))}) AND (news IS NULL OR news <> '{{}}') "
                "GROUP BY story_id) n ON n.story_id = b.story_id AND n.version = b.version",
                chunk,
            ).fetchall()
            for story_id, version, created, news in rows:
                found[story_id] = BriefNews(
                    int(version), parse_stored_time(created), json.loads(news) if news else None
                )
        return found

    def story_arrivals(self, story_id: str) -> dict[str, datetime]:
        rows = self._db.execute("SELECT id, ingested_at FROM articles WHERE story_id = ?", (story_id,)).fetchall()
        return {aid: moment for aid, stored in rows if (moment := parse_stored_time(stored)) is not None}

    def stories_stored(self, start: datetime, end: datetime) -> dict[str, int]:
        rows = self._db.execute(
            "SELECT story_id, count(*) FROM articles WHERE ingested_at >= ? AND ingested_at < ? GROUP BY story_id",
            (format_time(start), format_time(end)),
        ).fetchall()
        return {str(story_id): int(count) for story_id, count in rows}

    def brief_stamp(self, story_id: str) -> str | None:
        row = self._db.execute(
            "SELECT version, seq FROM briefs WHERE story_id = ? ORDER BY version DESC LIMIT 1", (story_id,)
        ).fetchone()
        return f"{row[0]}.{row[1]}" if row else None

    # -- feeds ----------------------------------------------------------------------------------------------
    _FEED_COLUMNS = (
        "url, title, site_url, category, added_at, etag, last_modified, last_polled, last_success, last_error, "
        "errors, articles_seen, next_poll, retired"
    )

    def add_feed(self, feed: Feed) -> bool:
        now = stored_now()
        with self._transaction():
            cursor = self._db.execute(
                "INSERT INTO feeds (url, title, site_url, category, added_at, next_poll) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (url) DO NOTHING",
                (feed.url, feed.title, feed.site_url, feed.category, now, format_time(feed.next_poll) or now),
            )
            return cursor.rowcount == 1

    def remove_feed(self, url: str) -> bool:
        with self._transaction():
            return self._db.execute("DELETE FROM feeds WHERE url = ?", (url,)).rowcount == 1

    def feeds(self) -> list[Feed]:
        rows = self._db.execute(f"SELECT {self._FEED_COLUMNS} FROM feeds ORDER BY added_at, url").fetchall()
        return [read_feed(row) for row in rows]

    def feed(self, url: str) -> Feed | None:
        row = self._db.execute(f"SELECT {self._FEED_COLUMNS} FROM feeds WHERE url = ?", (url,)).fetchone()
        return read_feed(row) if row else None

    def due_feeds(self, now: datetime) -> list[Feed]:
        rows = self._db.execute(
            f"SELECT {self._FEED_COLUMNS} FROM feeds WHERE retired IS NULL AND next_poll <= ? ORDER BY next_poll, url",
            (format_time(now),),
        ).fetchall()
        return [read_feed(row) for row in rows]

    def record_poll(self, feed: Feed) -> None:
        with self._transaction():
            self._db.execute(
                "UPDATE feeds SET title = ?, site_url = ?, etag = ?, last_modified = ?, last_polled = ?, "
                "last_success = ?, last_error = ?, errors = ?, next_poll = ?, retired = ? "
                "WHERE url = ?",
                (
                    feed.title,
                    feed.site_url,
                    feed.etag,
                    feed.last_modified,
                    format_time(feed.last_polled),
                    format_time(feed.last_success),
                    feed.last_error,
                    feed.errors,
                    format_time(feed.next_poll),
                    feed.retired,
                    feed.url,
                ),
            )


_SEARCH_WORD = re.compile(r"\w+\*?")


def search_terms(text: str) -> list[tuple[str, bool]]:
    """The words of a reader's search, each with whether it ends in * (any word starting so)."""
    terms = []
    for word in _SEARCH_WORD.findall(text):
        stem = word.rstrip("*")
        if stem:
            terms.append((stem, word.endswith("*")))
    return terms


def _same_brief(previous: dict[str, Any], current: dict[str, Any]) -> bool:
    ignore = ("version", "created_at")
    return {k: v for k, v in previous.items() if k not in ignore} == {
        k: v for k, v in current.items() if k not in ignore
    }


def _chunks(items: list[Article], size: int) -> Iterator[list[Article]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _like_prefix(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _dek_sources(outlets: Sequence[str], attributed_to: str | None) -> str:
    """Who states a dek, as the stories table keeps it."""
    return json.dumps({"outlets": sorted(set(outlets)), "attributed_to": attributed_to}, ensure_ascii=False)


def ranked_sources(first: dict[str, datetime | None], last: str | None, updated: str) -> tuple[int, int, float]:
    """A story's independent sources, fresh sources and top key, from each source's first report (as a time) and the
    story's latest report (else the time it was updated), as stored."""
    latest = parse_stored_time(last)
    fresh = fresh_sources(first.values(), latest)
    moment = latest or parse_stored_time(updated) or datetime.now(UTC)
    return len(first), fresh, top_key(len(first), fresh, moment)


def read_story(row: tuple[Any, ...]) -> Story:
    sid, headline, articles, outlets, groups, first, last, updated = row
    return Story(
        id=sid,
        headline=headline,
        articles=articles,
        outlets=json.loads(outlets),
        independent_sources=groups,
        first_published=parse_stored_time(first),
        last_published=parse_stored_time(last),
        updated_at=parse_stored_time(updated),
    )


def read_feed(row: tuple[Any, ...]) -> Feed:
    (url, title, site, category, added, etag, modified, polled, success, error, errors, seen, next_poll,
     retired) = row  # fmt: skip
    return Feed(
        url=url,
        title=title,
        site_url=site,
        category=category,
        added_at=parse_stored_time(added),
        etag=etag,
        last_modified=modified,
        last_polled=parse_stored_time(polled),
        last_success=parse_stored_time(success),
        last_error=error,
        errors=errors,
        articles_seen=seen,
        next_poll=parse_stored_time(next_poll),
        retired=retired,
    )


def read_article(row: tuple[Any, ...]) -> Article:
    (
        aid,
        canonical,
        url,
        title,
        dek,
        text,
        outlet,
        author,
        published,
        language,
        digest,
        sentences,
        group,
        story,
        origin,
    ) = row
    return Article(
        id=aid,
        title=title,
        text=text,
        url=url,
        outlet=outlet,
        published=parse_stored_time(published),
        language=language,
        dek=dek,
        author=author,
        canonical_url=canonical,
        content_hash=digest,
        sentences=json.loads(sentences),
        syndication_group=group,
        story_id=story,
        origin=origin,
    )
