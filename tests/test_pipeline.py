import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from factories import ferry_articles, make_stream, orchestra_article, records, write_jsonl
from newsloom.config import Settings
from newsloom.drivers.pipeline import Pipeline, assign_stories, brief_from_articles
from newsloom.ingest import read_file
from newsloom.ingest.records import article_from_record
from newsloom.model import Article, Rejected
from newsloom.store import Store, open_store
from newsloom.stories.settings import ClusterSettings
from newsloom.stories.terms import story_id_for


@contextmanager
def opened(address: str | Path) -> Iterator[Store]:
    """The store at a SQLite path or a PostgreSQL URL, closed afterwards (a process's handle on it)."""
    store = open_store(address)
    try:
        yield store
    finally:
        store.close()


def assignments(db: str | Path) -> dict[str, tuple[str, str]]:
    """Article id -> (story, syndication group), as stored."""
    with opened(db) as store:
        return {
            article.id: (article.story_id or "", article.syndication_group or "")
            for story in store.stories(limit=10_000)
            for article in store.story_articles(story.id)
        }


def ingest(db: str | Path, items: list[Article | Rejected], batch_size: int = 256) -> tuple[int, int, int]:
    with opened(db) as store:
        report = Pipeline(Settings(db=str(db), batch_size=batch_size), store).ingest(items)
        return report.added, report.already_known, report.briefs_written


def test_ingest_places_stores_and_briefs(db_path: Path) -> None:
    with opened(db_path) as store:
        report = Pipeline(Settings(db=str(db_path)), store).ingest([*ferry_articles(), orchestra_article()])
        assert (report.read, report.added, report.already_known, report.rejected) == (5, 5, 0, 0)
        assert report.stories_touched == {story_id_for("ferry-wire"), story_id_for("orchestra-1")}
        assert report.new_stories == 2
        assert report.briefs_written == 2
        assert store.counts() == {"articles": 5, "syndication_groups": 4, "stories": 2, "briefs": 2, "quarantined": 0}
        assert store.stale_stories() == []
        brief = store.brief(story_id_for("ferry-wire"))
        assert brief is not None and brief.coverage.independent_sources == 3


def test_ingest_is_idempotent(store_address: str, demo_articles: Path) -> None:
    db_path = store_address
    first = ingest(db_path, list(read_file(demo_articles)))
    with opened(db_path) as store:
        counts = store.counts()
        versions = {s.id: store.brief(s.id).version for s in store.stories(limit=100)}  # type: ignore[union-attr]
    before = assignments(db_path)
    second = ingest(db_path, list(read_file(demo_articles)))
    assert first == (46, 0, counts["stories"])
    assert second == (0, 46, 0)
    with opened(db_path) as store:
        assert store.counts() == counts
        assert {s.id: store.brief(s.id).version for s in store.stories(limit=100)} == versions  # type: ignore[union-attr]
    assert assignments(db_path) == before


def test_the_same_article_twice_in_one_batch_or_under_another_url_spelling_is_stored_once(db_path: Path) -> None:
    wire = ferry_articles()[0]
    same_page = Article(
        id="wire-again", title=wire.title, text=wire.text, url="http://www.meridianwire.example/2031/05/12/ferry-fire/"
    )
    added, known, _ = ingest(db_path, [wire, wire, same_page])
    assert (added, known) == (1, 2)
    with opened(db_path) as store:
        assert store.counts()["articles"] == 1
        assert store.article("wire-again") is None


# PostgreSQL with the small batches only: the embeddings make this test slow, and the store's part is the same.
@pytest.mark.parametrize(
    ("store_address", "batch_size"), [("sqlite", 256), ("sqlite", 7), ("postgresql", 7)], indirect=["store_address"]
)
def test_a_restart_continues_the_stream_as_one_process_would(
    new_store_address: Callable[[str], str], demo_records: list[dict[str, object]], batch_size: int
) -> None:
    synthetic, _ = make_stream(40, seed=21)
    records = demo_records + synthetic
    whole = new_store_address("whole")
    ingest(whole, [article_from_record(r) for r in records], batch_size)

    split = new_store_address("split")
    half = len(records) // 2
    ingest(split, [article_from_record(r) for r in records[:half]], batch_size)
    # A new process: a new store handle and a new pipeline restored from it.
    ingest(split, [article_from_record(r) for r in records[half:]], batch_size)

    expected = assignments(whole)
    assert len(expected) == len(records)
    assert assignments(split) == expected


def test_a_wire_copy_after_a_restart_joins_its_group_story(store_address: str) -> None:
    db_path = store_address
    # With a threshold no similarity can reach, only the syndication group can bring the copy to the wire's story.
    settings = Settings(
        db=str(db_path),
        cluster=ClusterSettings(threshold=2.0, dense_threshold=2.0, merge_threshold=2.0, dense_merge_threshold=2.0),
    )
    wire, reprint, independent = ferry_articles()[:3]
    with opened(db_path) as store:
        Pipeline(settings, store).ingest([wire])
    with opened(db_path) as store:
        Pipeline(settings, store).ingest([reprint, independent])
        stored = {a: store.article(a) for a in ("ferry-wire", "ferry-valley", "ferry-coastal")}
    story = {a: s.story_id for a, s in stored.items() if s is not None}
    assert story["ferry-valley"] == story["ferry-wire"] == story_id_for("ferry-wire")
    assert story["ferry-coastal"] == story_id_for("ferry-coastal")


def test_a_restart_with_an_overlapping_stream_adds_only_the_new_articles(tmp_path: Path) -> None:
    records, _ = make_stream(30, seed=4)
    whole, split = tmp_path / "whole.db", tmp_path / "split.db"
    ingest(whole, [article_from_record(r) for r in records])
    ingest(split, [article_from_record(r) for r in records[:50]])
    added, known, _ = ingest(split, [article_from_record(r) for r in records[30:]])
    assert (added, known) == (len(records) - 50, 20)
    assert assignments(split) == assignments(whole)


def test_bad_lines_are_quarantined_and_the_rest_goes_on(tmp_path: Path, store_address: str) -> None:
    db_path = store_address
    path = tmp_path / "mixed.jsonl"
    good = [a for a in (json.dumps(r) for r in records(ferry_articles()))]
    path.write_text(
        "\n".join([good[0], "{not json", good[1], '{"id": "empty"}', good[2], good[3], "<p></p>"]) + "\n",
        encoding="utf-8",
    )
    with opened(db_path) as store:
        report = Pipeline(Settings(db=str(db_path), batch_size=3), store).ingest(read_file(path))
        assert (report.added, report.rejected) == (4, 3)
        assert {r.origin for r in report.rejections} == {f"{path}:2", f"{path}:4", f"{path}:7"}
        assert store.counts()["articles"] == 4
        assert sorted(q.origin for q in store.quarantined()) == [f"{path}:2", f"{path}:4", f"{path}:7"]
    # Ingesting the same file again quarantines nothing new, but counts the repeats.
    with opened(db_path) as store:
        Pipeline(Settings(db=str(db_path)), store).ingest(read_file(path))
        assert sorted(q.times for q in store.quarantined()) == [2, 2, 2]
        assert store.counts()["articles"] == 4


def test_an_article_with_only_markup_is_rejected_not_stored(db_path: Path) -> None:
    with opened(db_path) as store:
        report = Pipeline(Settings(db=str(db_path)), store).ingest(
            [Article(id="markup", title="<b></b>", text="<p> </p>", origin="feed.jsonl:9"), orchestra_article()]
        )
        assert (report.added, report.rejected) == (1, 1)
        [quarantined] = store.quarantined()
        assert quarantined.origin == "feed.jsonl:9"
        assert "no title or text" in quarantined.reason


def test_a_pipeline_without_a_store_says_how_to_get_one() -> None:
    with pytest.raises(RuntimeError, match="open_store"):
        Pipeline().ingest([orchestra_article()])


def test_assign_stories_streams_in_order_and_passes_rejections_through() -> None:
    ferry = ferry_articles()
    items: list[Article | Rejected] = [ferry[0], Rejected("x:2", "bad"), ferry[1], ferry[0], orchestra_article()]
    out = list(assign_stories(items))
    assert [i.id if isinstance(i, Article) else i.origin for i in out] == [
        "ferry-wire",
        "x:2",
        "ferry-valley",
        "ferry-wire",
        "orchestra-1",
    ]
    stories = [i.story_id for i in out if isinstance(i, Article)]
    assert stories == [story_id_for("ferry-wire")] * 3 + [story_id_for("orchestra-1")]


def test_brief_from_articles_treats_the_input_as_one_story(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "story.jsonl", records([*ferry_articles(), ferry_articles()[0]]))
    brief, rejected = brief_from_articles(read_file(path), max_words=80)
    assert rejected == []
    assert brief.story_id is None
    assert brief.coverage.articles == 4  # the repeated article counts once
    assert brief.coverage.independent_sources == 3
    assert brief.body_words() + (len(brief.dek.text.split()) if brief.dek else 0) <= 80
    with pytest.raises(ValueError, match="no readable article"):
        brief_from_articles([Rejected("x", "bad")])
