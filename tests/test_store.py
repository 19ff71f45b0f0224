"""One suite for every store: each test runs on a SQLite file and on a PostgreSQL database of its own."""

import json
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import psycopg
import pytest

from factories import ferry_articles, orchestra_article
from newsloom.desk import Desk
from newsloom.model import Article, Feed, Rejected
from newsloom.normalize import normalize
from newsloom.store import Store, StoreError, open_store
from newsloom.store.sqlite import SQLiteStore
from newsloom.stories.settings import ClusterSettings
from newsloom.stories.terms import story_id_for
from newsloom.write.extractive import write_brief
from store_tables import raw_query

LIBRARY = Article(
    id="library-1",
    title="Harlow Street library reopens after renovation",
    text="The Harlow Street library reopened its doors on Saturday after an eighteen-month renovation. "
    "Librarian Mette Quist said the reading room now holds twice as many books.",
    outlet="Eastbrook Tribune",
    published=datetime(2031, 5, 10, 11, 0, tzinfo=UTC),
)


class Stages:
    """The real desk, committing to a store as the ingest loop does."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.desk = Desk(ClusterSettings(embedding="none"))

    def commit(
        self, articles: list[Article], rejected: list[Rejected] | None = None, feed: str | None = None
    ) -> list[Article]:
        placed = self.desk.place([normalize(a) for a in articles])
        self.desk.commit(self.store, rejected or [], feed)
        return placed


def test_committed_articles_are_known_by_id_and_by_canonical_url(store: Store) -> None:
    Stages(store).commit(ferry_articles())
    same_id = Article(id="ferry-wire", title="whatever")
    same_page = normalize(
        Article(id="other-id", title="Other", url="http://www.meridianwire.example/2031/05/12/ferry-fire/?utm_source=x")
    )
    new = normalize(Article(id="new", title="New", url="https://meridianwire.example/other"))
    assert store.known([same_id, same_page, new]) == {"ferry-wire", "other-id"}


def test_a_feed_counts_its_articles_in_the_batch_that_stores_them(store: Store) -> None:
    url = "https://meridianwire.example/feed.xml"
    store.add_feed(Feed(url, "Meridian Wire"))
    Stages(store).commit(ferry_articles(), feed=url)
    seen = store.feed(url)
    assert seen is not None and seen.articles_seen == len(ferry_articles())
    # A poll recorded afterwards with the count it read before the batch leaves the batch's count alone.
    store.record_poll(replace(seen, articles_seen=0, errors=0, last_error=None))
    assert (after := store.feed(url)) is not None and after.articles_seen == len(ferry_articles())


def test_articles_round_trip_with_groups_stories_and_sentences(store: Store) -> None:
    placed = Stages(store).commit(ferry_articles())
    stored = store.article("ferry-valley")
    assert stored is not None
    original = placed[1]
    assert (stored.title, stored.text, stored.outlet, stored.published) == (
        original.title,
        original.text,
        original.outlet,
        original.published,
    )
    assert stored.sentences == original.sentences
    assert stored.syndication_group == placed[0].syndication_group
    assert stored.story_id == story_id_for("ferry-wire")
    assert store.article("nope") is None
    assert [a.id for a in store.story_articles(story_id_for("ferry-wire"))] == [
        "ferry-wire",
        "ferry-valley",
        "ferry-coastal",
        "ferry-northgate",
    ]


def test_story_rows_count_articles_outlets_and_independent_sources(store: Store) -> None:
    Stages(store).commit(ferry_articles())
    story = store.story(story_id_for("ferry-wire"))
    assert story is not None
    assert story.articles == 4
    assert story.independent_sources == 3  # the reprint counts with the wire
    assert story.outlets == ["Coastal Times", "Meridian Wire", "Northgate Post", "The Valley Herald"]
    assert story.first_published == datetime(2031, 5, 12, 9, 0, tzinfo=UTC)
    assert story.last_published == datetime(2031, 5, 12, 15, 0, tzinfo=UTC)
    assert story.headline == "Ferry with 212 aboard turns back to Lorran after engine-room fire"
    assert store.counts() == {"articles": 4, "syndication_groups": 3, "stories": 1, "briefs": 0, "quarantined": 0}


def test_a_storys_independent_sources_follow_the_rule_in_every_corner(store: Store) -> None:
    """The store counts a story's independent sources in SQL; the count is the rule's (model.independent_sources_of)
    on the same reports, batch after batch: copies count as their group's first report's outlet (when it has one),
    outlets are compared with case and spaces ignored, a report without an outlet counts as its group."""
    from newsloom.model import StoryChanges, independent_sources_of

    t0 = datetime(2031, 6, 2, 8, tzinfo=UTC)
    hour = timedelta(hours=1)

    def report(aid: str, outlet: str | None, group: str, published: datetime | None) -> Article:
        article = Article(id=aid, title=f"Quarry road closes ({aid})", text="The quarry road at Denholm closed.")
        article.outlet, article.published = outlet, published
        article.syndication_group, article.story_id = group, "st-quarry"
        return article

    batches = [
        [
            report("wire", "Meridian Wire", "g-wire", t0),
            report("reprint", "The Valley Herald", "g-wire", t0 + hour),  # counts as the wire
            report("undated-copy", "Summit News", "g-wire", None),  # undated: the group's last, counts as the wire
            report("no-outlet-first", None, "g-bare", t0),  # its copies count as their own outlets
            report("bare-copy", "Coastal Times", "g-bare", t0 + hour),
            report("bare-copy-2", " coastal TIMES ", "g-bare", t0 + 2 * hour),  # the same outlet, other spelling
            report("harbor", "Harbor Daily", "g-harbor", t0),
            report("harbor-shout", "HARBOR DAILY", "g-harbor-2", t0 + hour),  # the same outlet again
            report("nobody", None, "g-nobody", None),  # no outlet, no copy: its group
            report("blank", "", "g-blank", t0),  # an empty outlet is no outlet
            report("tie-b", "Northgate Post", "g-tie", t0),
            report("tie-a", "Eastbank Gazette", "g-tie", t0),  # the same moment: the least id is the first
        ],
        [
            report("earlier-wire", "Global Desk", "g-wire", t0 - hour),  # now the wire's group counts as Global Desk
            report("nobody-copy", None, "g-nobody", t0),  # a group of two without outlets: still one source
        ],
    ]
    stored: list[Article] = []
    for batch in batches:
        store.commit_batch(batch, [], StoryChanges(0, None, {}, {}), [])
        stored += batch
        keys = independent_sources_of((a.id, a.outlet, a.syndication_group, a.published) for a in stored)
        story = store.story("st-quarry")
        assert story is not None and story.articles == len(stored)
        assert story.independent_sources == len(set(keys.values()))
    # Global Desk (the wire's group), g-bare (its first has no outlet), Coastal Times, Harbor Daily, g-nobody,
    # g-blank, Eastbank Gazette.
    assert story.independent_sources == 7
    assert story.outlets == sorted(
        {"Meridian Wire", "The Valley Herald", "Summit News", "Unknown outlet", "Coastal Times", " coastal TIMES ",
         "Harbor Daily", "HARBOR DAILY", "", "Northgate Post", "Eastbank Gazette", "Global Desk"}
    )  # fmt: skip
    assert story.first_published == t0 - hour and story.last_published == t0 + 2 * hour
    assert story.headline == "Quarry road closes (wire)"


def test_stories_are_listed_newest_first(store: Store) -> None:
    stages = Stages(store)
    stages.commit(ferry_articles())  # last report 2031-05-12 15:00
    stages.commit([orchestra_article(published=datetime(2031, 5, 14, tzinfo=UTC))])
    stages.commit([LIBRARY])  # 2031-05-10
    listed = [s.id for s in store.stories()]
    assert listed == [story_id_for("orchestra-1"), story_id_for("ferry-wire"), story_id_for("library-1")]
    assert [s.id for s in store.stories(limit=1, offset=1)] == [story_id_for("ferry-wire")]


def test_story_by_unique_prefix_and_ambiguous_prefix(store: Store) -> None:
    stages = Stages(store)
    stages.commit(ferry_articles())
    stages.commit([orchestra_article()])
    ferry = story_id_for("ferry-wire")
    orchestra = story_id_for("orchestra-1")
    assert ferry[:5] != orchestra[:5]
    found = store.story(ferry[:5])
    assert found is not None and found.id == ferry
    assert store.story(ferry) is not None
    with pytest.raises(StoreError, match="several"):
        store.story("st-")
    assert store.story("st-zzzz") is None
    assert store.story("%") is None  # LIKE wildcards are taken literally
    assert store.story("_") is None


def test_save_brief_versions_only_when_the_brief_changes(store: Store) -> None:
    stages = Stages(store)
    stages.commit(ferry_articles()[:3])
    story_id = story_id_for("ferry-wire")
    assert store.stale_stories() == [story_id]
    assert store.save_brief(write_brief(store.story_articles(story_id), story_id=story_id)) == 1
    assert store.stale_stories() == []
    assert store.save_brief(write_brief(store.story_articles(story_id), story_id=story_id)) == 1
    stages.commit(ferry_articles()[3:])
    assert store.stale_stories() == [story_id]
    assert store.save_brief(write_brief(store.story_articles(story_id), story_id=story_id)) == 2
    assert store.counts()["briefs"] == 2
    first, latest = store.brief(story_id, 1), store.brief(story_id)
    assert first is not None and latest is not None
    assert (first.version, latest.version) == (1, 2)
    assert first.coverage.articles == 3 and latest.coverage.articles == 4
    assert store.brief(story_id, 3) is None
    assert store.brief("st-none") is None


def test_a_stored_brief_reads_back_as_written(store: Store) -> None:
    Stages(store).commit(ferry_articles())
    story_id = story_id_for("ferry-wire")
    brief = write_brief(store.story_articles(story_id), story_id=story_id)
    store.save_brief(brief)
    again = store.brief(story_id)
    assert again is not None
    assert again.to_json() == brief.to_json()


def test_a_brief_without_a_story_cannot_be_stored(store: Store) -> None:
    brief = write_brief([normalize(a) for a in ferry_articles()])
    with pytest.raises(StoreError):
        store.save_brief(brief)


def test_quarantine_counts_repeats_of_the_same_rejection(store: Store) -> None:
    bad = Rejected("feed.jsonl:7", "invalid JSON at column 3: Expecting value", '{"id": ')
    store.quarantine([bad])
    store.quarantine([bad])
    store.quarantine([Rejected("feed.jsonl:8", "no 'title' or 'text'", "{}")])
    items = store.quarantined()
    assert [(q.origin, q.times) for q in items] == [("feed.jsonl:8", 1), ("feed.jsonl:7", 2)]
    assert items[1].raw == '{"id": '
    assert store.counts()["quarantined"] == 2


def test_rejections_in_a_batch_are_quarantined_with_it(store: Store) -> None:
    Stages(store).commit(ferry_articles()[:1], [Rejected("in.jsonl:2", "bad line", "x")])
    assert [(q.origin, q.reason) for q in store.quarantined()] == [("in.jsonl:2", "bad line")]


def test_a_failed_batch_leaves_nothing_behind(store: Store) -> None:
    stages = Stages(store)
    stages.commit(ferry_articles()[:1])
    duplicate = ferry_articles()[1:2] + ferry_articles()[:1]  # the second article is already stored
    with pytest.raises((sqlite3.IntegrityError, psycopg.IntegrityError)):
        stages.commit(duplicate)
    assert store.counts()["articles"] == 1
    assert store.article("ferry-valley") is None


def test_state_survives_reopening(store_address: str) -> None:
    first = open_store(store_address)
    stages = Stages(first)
    stages.commit(ferry_articles())
    frequencies = dict(stages.desk.clusterer.document_frequency)
    first.close()
    second = open_store(store_address)
    try:
        state = second.clusterer_state()
        assert state.documents == 4
        assert state.document_frequency == frequencies
        assert [sid for sid, _ in state.stories] == [story_id_for("ferry-wire")]
        assert state.latest == datetime(2031, 5, 12, 15, 0, tzinfo=UTC).timestamp()
        fingerprints = list(second.fingerprints())
        assert [fp.article_id for fp, _ in fingerprints] == [
            "ferry-wire",
            "ferry-valley",
            "ferry-coastal",
            "ferry-northgate",
        ]
        assert all(story == story_id_for("ferry-wire") for _, story in fingerprints)
        assert all(fp.signature is not None and len(fp.signature) == 128 * 4 for fp, _ in fingerprints)
        assert all(isinstance(fp.signature, bytes) for fp, _ in fingerprints)
    finally:
        second.close()


def test_a_file_that_is_not_sqlite_is_refused_with_advice(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n" * 200, encoding="utf-8")
    with pytest.raises(StoreError) as caught:
        SQLiteStore(path)
    message = str(caught.value)
    assert str(path) in message
    assert "--db" in message and "NEWSLOOM_DB" in message


def test_a_store_from_a_newer_version_is_refused(store_address: str) -> None:
    open_store(store_address).close()
    raw_query(store_address, "UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="newer newsloom"):
        open_store(store_address)


def test_open_store_addresses(tmp_path: Path) -> None:
    opened = open_store(f"sqlite:///{tmp_path / 'a.db'}")
    assert opened.counts()["articles"] == 0
    opened.close()
    assert (tmp_path / "a.db").is_file()
    nested = tmp_path / "new" / "folder" / "b.db"
    open_store(nested).close()
    assert nested.is_file()
    with pytest.raises(StoreError, match="unknown store address") as caught:
        open_store("redis://localhost")
    assert "postgresql://" in str(caught.value)


def test_an_unreachable_postgresql_server_is_reported_with_advice() -> None:
    with pytest.raises(StoreError) as caught:
        open_store("postgresql://newsloom:secret-word@127.0.0.1:1/news")  # nothing listens on port 1
    message = str(caught.value)
    assert "cannot reach the PostgreSQL store at postgresql://newsloom@127.0.0.1:1/news" in message
    assert "secret-word" not in message
    with pytest.raises(StoreError) as caught:
        open_store("postgresql://newsloom@127.0.0.1:1/news?password=secret-word&sslmode=disable")
    assert "postgresql://newsloom@127.0.0.1:1/news?sslmode=disable:" in str(caught.value)
    assert "secret-word" not in str(caught.value)
    assert "--db" in message


def test_stored_times_are_utc_iso(store: Store, store_address: str) -> None:
    moment = datetime(2031, 5, 12, 20, 0, tzinfo=timezone(timedelta(hours=2)))
    Stages(store).commit([replace(orchestra_article(), published=moment)])
    [(published,)] = raw_query(store_address, "SELECT published FROM articles")
    [(outlets,)] = raw_query(store_address, "SELECT outlets FROM stories")
    assert published == "2031-05-12T18:00:00Z"
    assert json.loads(outlets) == ["The Summit Observer"]


def test_the_command_line_runs_on_a_postgresql_store(
    postgres_url: str, demo_articles: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsloom.cli import main

    monkeypatch.setenv("NEWSLOOM_CLUSTER_EMBEDDING", "none")  # the store is what this test is about
    assert main(["--db", postgres_url, "ingest", str(demo_articles)]) == 0
    assert "46 new articles" in capsys.readouterr().out
    assert main(["--db", postgres_url, "stories", "--json", "--limit", "100"]) == 0
    stories = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(stories) >= 10 and sum(s["articles"] for s in stories) == 46
    biggest = max(stories, key=lambda s: s["independent_sources"])
    assert main(["--db", postgres_url, "show", biggest["id"][:8], "--format", "json"]) == 0
    brief = json.loads(capsys.readouterr().out)
    assert brief["story"] == biggest["id"] and brief["paragraphs"]
    monkeypatch.setenv("NEWSLOOM_DB", postgres_url)
    assert main(["status"]) == 0
    assert "46" in capsys.readouterr().out


def test_revision_changes_with_articles_and_briefs_only(store: Store) -> None:
    stages = Stages(store)
    stages.commit(ferry_articles())
    first = store.revision()
    assert store.revision() == first
    stages.commit([LIBRARY])
    second = store.revision()
    assert second != first
    story_id = story_id_for("ferry-wire")
    store.save_brief(write_brief(store.story_articles(story_id), story_id=story_id))
    third = store.revision()
    assert third not in (first, second)
    store.save_brief(write_brief(store.story_articles(story_id), story_id=story_id))  # says what the last one said
    assert store.revision() == third


def test_story_revision_changes_with_that_story_only(store: Store) -> None:
    stages = Stages(store)
    stages.commit(ferry_articles()[:2])
    ferry = story_id_for("ferry-wire")
    first = store.story_revision(ferry)
    assert first is not None and store.story_revision("st-nothing") is None
    assert store.story_revision(ferry[:6]) is None  # the exact id only: a prefix is not the story's page
    stages.commit([LIBRARY])
    assert store.story_revision(ferry) == first  # another story changed
    stages.commit(ferry_articles()[2:])
    second = store.story_revision(ferry)
    assert second not in (None, first)
    store.save_brief(write_brief(store.story_articles(ferry), story_id=ferry))
    third = store.story_revision(ferry)
    assert third not in (first, second)
    store.save_brief(write_brief(store.story_articles(ferry), story_id=ferry))  # says what the last one said
    assert store.story_revision(ferry) == third


def test_a_storys_reports_and_articles_by_id(store: Store) -> None:
    placed = Stages(store).commit(ferry_articles())
    ferry = story_id_for("ferry-wire")
    reports = store.story_reports(ferry)
    assert [r.article_id for r in reports] == [a.id for a in store.story_articles(ferry)]  # publication order
    first = next(a for a in placed if a.id == reports[0].article_id)
    source = f"outlet:{first.outlet.lower()}"
    assert reports[0] == (first.id, first.title, first.outlet, first.published, source, first.syndication_group)
    assert len({r.source for r in reports}) == 3  # the reprint counts as the wire's outlet
    assert store.story_reports("st-nothing") == []
    found = store.articles(["ferry-northgate", "nope", "ferry-wire", "ferry-northgate"])
    assert [a.id for a in found] == ["ferry-northgate", "ferry-wire"]  # as asked, each once, the unknown left out
    assert found[1].sentences == store.article("ferry-wire").sentences  # type: ignore[union-attr]
    assert store.articles([]) == []


def test_a_brief_stamp_changes_with_a_new_version_only(store: Store) -> None:
    Stages(store).commit(ferry_articles())
    ferry = story_id_for("ferry-wire")
    assert store.brief_stamp(ferry) is None
    store.save_brief(write_brief(store.story_articles(ferry), story_id=ferry))
    first = store.brief_stamp(ferry)
    assert first is not None
    store.save_brief(write_brief(store.story_articles(ferry), story_id=ferry))  # says what the last one said
    assert store.brief_stamp(ferry) == first
    brief = store.brief(ferry)
    assert brief is not None
    brief.headline += " (updated)"
    store.save_brief(brief)
    assert store.brief_stamp(ferry) not in (None, first)


def test_each_brief_version_keeps_what_it_brought_and_the_latest_news_is_one_query(
    store: Store, store_address: str
) -> None:
    stages = Stages(store)
    stages.commit([*ferry_articles()[:3], orchestra_article()])
    ferry, orchestra = story_id_for("ferry-wire"), story_id_for("orchestra-1")
    assert store.latest_news([ferry, orchestra, "st-none"]) == {}
    brief = write_brief(store.story_articles(ferry), story_id=ferry)
    assert store.save_brief(brief, news={"new_story": 1}) == 1
    assert store.save_brief(write_brief(store.story_articles(orchestra), story_id=orchestra)) == 1  # not known
    first = store.latest_news([ferry, orchestra])
    assert first[ferry] == (1, brief.created_at, {"new_story": 1})
    assert first[orchestra].version == 1 and first[orchestra].news is None  # not known: counted as news

    # A rewrite that brings nothing in substance is a version, but no news: the latest news stays at version 1.
    brief.headline += " (rewritten)"
    assert store.save_brief(brief, news={"new_facts": 0}) == 2
    assert store.latest_news([ferry])[ferry].version == 1
    stored = [row[0] for row in raw_query(store_address, "SELECT news FROM briefs ORDER BY seq")]
    assert stored == ['{"new_story": 1}', None, "{}"]
    stages.commit(ferry_articles()[3:])
    news = {"new_facts": 1, "new_outlets": 1, "changed": 1}
    assert store.save_brief(write_brief(store.story_articles(ferry), story_id=ferry), news=news) == 3
    latest = store.latest_news([ferry, ferry])
    assert latest[ferry].version == 3 and latest[ferry].news == news
    assert latest[ferry].created_at is not None


def test_a_storys_arrivals_say_when_each_article_was_stored(store: Store) -> None:
    stages = Stages(store)
    before = datetime.now(UTC).replace(microsecond=0)
    stages.commit(ferry_articles()[:3])
    ferry = story_id_for("ferry-wire")
    arrivals = store.story_arrivals(ferry)
    assert set(arrivals) == {"ferry-wire", "ferry-valley", "ferry-coastal"}
    assert all(before <= moment <= datetime.now(UTC) for moment in arrivals.values())
    assert store.story_arrivals("st-none") == {}


def _drop_connections(url: str) -> int:
    """End every newsloom session on the server, as a restart or an idle timeout would; how many there were."""
    with psycopg.connect(url, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'newsloom' AND pid <> pg_backend_pid()"
        ).fetchall()
    return len(rows)


def test_a_postgresql_store_connects_again_when_the_server_drops_it(postgres_url: str) -> None:
    with open_store(postgres_url) as store:
        stages = Stages(store)
        stages.commit(ferry_articles())
        assert _drop_connections(postgres_url) == 1
        assert store.known([Article(id="ferry-wire")]) == {"ferry-wire"}  # a read between transactions goes again
        assert _drop_connections(postgres_url) == 1
        stages.commit([LIBRARY])  # and so does a write transaction that had not begun
        assert store.known([LIBRARY]) == {"library-1"}
        # Dropped inside a transaction: a clear error, nothing of the transaction kept, and the store goes on.
        with pytest.raises(StoreError, match="dropped the connection inside a transaction"), store._transaction():
            store._db.execute("INSERT INTO meta VALUES ('half', 'written')")
            _drop_connections(postgres_url)
            store._db.execute("INSERT INTO meta VALUES ('other', 'half')")
        assert raw_query(postgres_url, "SELECT key FROM meta WHERE key IN ('half', 'other')") == []
        with pytest.raises(StoreError, match="inside a transaction"), store.snapshot():
            _drop_connections(postgres_url)
            store.stories()
        assert {s.id for s in store.stories()} == {story_id_for("ferry-wire"), story_id_for("library-1")}
