"""Backfill: archives (JSON lines, news-please folders, WARC crawls) replayed by the local and the ray engine.

The Ray tests start one small Ray on this machine for the whole session (2 CPUs, no dashboard, a small object
store) and run the fast path (no embedding model), so they fit the CI's time on 2 cores.
"""

from __future__ import annotations

import dataclasses
import io
import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from factories import ferry_articles, make_stream, orchestra_article, write_jsonl
from newsloom.cli import main
from newsloom.config import Settings
from newsloom.drivers.backfill import EngineUnavailable, replay_order
from newsloom.drivers.pipeline import Pipeline, assign_stories
from newsloom.ingest.archives import find_archive_files, read_warc
from newsloom.ingest.files import read_file
from newsloom.model import Article, Rejected
from newsloom.scale import backfill
from newsloom.scale.ray_engine import WindowedRun, assign_stories_by_window, start_ray, window_of
from newsloom.store import open_store
from newsloom.stories.settings import ClusterSettings

FAST = Settings(cluster=ClusterSettings(embedding="none"))

# A fictional crawl: two pages about one invented event, a page with no article on it, and an image.
_PARAGRAPHS = [
    "Crews from the Tolvenmark Harbour Authority closed the Quellin Street ferry landing on Sunday after a crane "
    "toppled onto the loading ramp during a storm that brought winds of more than ninety kilometres an hour.",
    "Harbour master Idris Falloway said no one was hurt but that the landing would stay shut for at least eleven "
    "days while engineers from the authority inspect the ramp, the pilings and the damaged crane.",
    "Passengers for the island service were told to use the temporary pier at Brannock Point, where two extra "
    "sailings a day will run until the Quellin Street landing reopens, the authority said in a statement.",
]


def _page(title: str, paragraphs: list[str], published: str | None) -> bytes:
    meta = f'<meta property="article:published_time" content="{published}">' if published else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<html><head><title>{title}</title>{meta}</head><body><article><h1>{title}</h1>{body}</article></body></html>"
    ).encode()


def write_warc(path: Path) -> Path:
    pages: list[tuple[str, bytes, str]] = [
        (
            "https://tolvenmark-courier.example/ferry-landing-closed",
            _page("Crane topples onto Quellin Street ferry ramp", _PARAGRAPHS, "2031-01-05T08:00:00Z"),
            "text/html; charset=utf-8",
        ),
        (
            "https://brannock-bulletin.example/harbour/landing",
            _page("Quellin Street ferry landing shut for eleven days", _PARAGRAPHS[::-1], None),
            "text/html",
        ),
        ("https://brannock-bulletin.example/", b"<html><body><a href='/a'>Home</a></body></html>", "text/html"),
        ("https://brannock-bulletin.example/crane.png", b"\x89PNG\r\n", "image/png"),
    ]
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for url, body, content_type in pages:
            headers = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
            record = writer.create_warc_record(
                url,
                "response",
                payload=io.BytesIO(body),
                http_headers=headers,
                warc_headers_dict={"WARC-Date": "2031-01-06T09:30:00Z"},
            )
            writer.write_record(record)
    return path


def write_news_please(folder: Path) -> Path:
    """news-please's output: one JSON file per article, in a folder per site."""
    site = folder / "tolvenmark-courier.example"
    site.mkdir(parents=True)
    for number, (title, day) in enumerate([("Storm closes Tolvenmark harbour", 5), ("Harbour reopens", 17)]):
        record = {
            "title": title,
            "maintext": " ".join(_PARAGRAPHS[number:]),
            "date_publish": f"2031-01-{day:02d} 07:15:00",
            "source_domain": "tolvenmark-courier.example",
            "url": f"https://tolvenmark-courier.example/harbour/{number}",
            "language": "en",
        }
        (site / f"{number}.json").write_text(json.dumps(record), encoding="utf-8")
    return folder


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """A mixed archive: JSON lines (with one bad line), a news-please folder and a WARC crawl."""
    folder = tmp_path / "archive"
    folder.mkdir()
    records, _ = make_stream(12, seed=11)
    lines = [json.dumps(r) for r in records]
    lines.insert(3, "{not json")
    (folder / "wire.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    write_news_please(folder / "news-please")
    write_warc(folder / "crawl.warc.gz")
    return folder


def test_warc_pages_become_articles_and_the_rest_is_rejected_with_reasons(tmp_path: Path) -> None:
    items = list(read_warc(write_warc(tmp_path / "crawl.warc.gz")))
    articles = [i for i in items if isinstance(i, Article)]
    rejected = [i for i in items if isinstance(i, Rejected)]
    assert [a.title for a in articles] == [
        "Crane topples onto Quellin Street ferry ramp",
        "Quellin Street ferry landing shut for eleven days",
    ]
    assert articles[0].published == datetime(2031, 1, 5, 8, 0, tzinfo=UTC)  # the page's own date
    assert articles[1].published == datetime(2031, 1, 6, 9, 30, tzinfo=UTC)  # else when it was crawled
    assert articles[0].origin and articles[0].origin.endswith("crawl.warc.gz#1")
    assert "Idris Falloway" in articles[0].text
    reasons = sorted(r.reason for r in rejected)
    assert any("not an HTML page (image/png)" in r for r in reasons)
    assert any("no article text" in r for r in reasons)


def test_a_file_that_is_no_warc_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "broken.warc"
    bad.write_bytes(b"this is not a crawl\n")
    items = list(read_warc(bad))
    assert len(items) == 1 and isinstance(items[0], Rejected)
    assert "WARC" in items[0].reason


def test_archive_files_include_warc_and_refuse_other_types(archive: Path, tmp_path: Path) -> None:
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    files, refused = find_archive_files([archive, tmp_path / "notes.pdf", tmp_path / "missing"])
    assert [f.name for f in files] == ["crawl.warc.gz", "0.json", "1.json", "wire.jsonl"]
    assert [r.reason.split(":")[0] for r in refused] == ["unsupported file type '.pdf'", "no such file or folder"]


def test_replay_order_is_publication_order_with_undated_last() -> None:
    late = Article("late", "b", published=datetime(2031, 2, 1, tzinfo=UTC))
    early = Article("early", "a", published=datetime(2031, 1, 1, tzinfo=UTC))
    undated = Article("undated", "c")
    bad = Rejected("x:1", "bad")
    assert [getattr(i, "id", "rejected") for i in replay_order([undated, late, bad, early])] == [
        "rejected",
        "early",
        "late",
        "undated",
    ]


def test_windows_start_on_mondays_and_undated_articles_come_last() -> None:
    monday = datetime(2031, 1, 6, tzinfo=UTC).timestamp()  # a Monday
    assert window_of(monday, 7) == window_of(monday + 6.9 * 86400, 7) == window_of(monday - 1, 7) + 1
    assert window_of(None, 7) > window_of(monday * 10, 7)


def test_local_backfill_reads_every_kind_of_archive_and_twice_adds_nothing(archive: Path, tmp_path: Path) -> None:
    with open_store(str(tmp_path / "local.db")) as store:
        report = backfill([archive], FAST, store, engine="local")
        assert report.read == report.added  # a fresh store: every readable article is added
        assert report.added >= 12 + 2 + 2
        assert report.rejected == 3  # the bad JSON line, the page with no article, the image
        assert report.briefs_written == report.stories > 0
        origins = {q.origin.rsplit("#", 1)[0].rsplit(":", 1)[0] for q in store.quarantined()}
        assert {Path(o).name for o in origins} == {"wire.jsonl", "crawl.warc.gz"}
        harbour = store.article(next(a.id for a in _stored(store) if a.title == "Storm closes Tolvenmark harbour"))
        assert harbour is not None and harbour.outlet == "tolvenmark-courier.example"
        again = backfill([archive], FAST, store, engine="local")
        assert again.added == 0 and again.already_known == report.added


def _stored(store: Any) -> Iterator[Article]:
    for story in store.stories(limit=1000):
        yield from store.story_articles(story.id)


def test_an_unknown_engine_is_refused(archive: Path, tmp_path: Path) -> None:
    with open_store(str(tmp_path / "x.db")) as store, pytest.raises(EngineUnavailable, match="local, ray"):
        backfill([archive], FAST, store, engine="spark")


def test_cluster_refuses_ray_options_without_ray(demo_articles: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cluster", str(demo_articles), "--address", "127.0.0.1:6379"]) == 1
    assert "--engine ray" in capsys.readouterr().err


# -- the ray engine -----------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[None]:
    """One small Ray on this machine for the whole session (its start takes several seconds on 2 cores)."""
    import ray

    start_ray(workers=2, object_store_mb=150)
    yield
    ray.shutdown()


@pytest.fixture(scope="session")
def smoke_stream(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """About 500 articles of invented events, three hours apart: three weeks, cut into 2-day windows below."""
    records, gold = make_stream(170, seed=29, max_articles=5)
    folder = tmp_path_factory.mktemp("smoke")
    return write_jsonl(folder / "stream.jsonl", records), gold


def test_ray_backfill_agrees_with_the_local_engine(
    ray_cluster: None, smoke_stream: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    path, gold = smoke_stream
    assert 450 <= len(gold) <= 600
    with open_store(str(tmp_path / "local.db")) as local_store:
        local = backfill([path], FAST, local_store, engine="local", write_briefs=False)
        local_stories = {a.id: a.story_id or "" for a in _stored(local_store)}
    with open_store(str(tmp_path / "ray.db")) as ray_store:
        report = backfill([path], FAST, ray_store, engine="ray", window_days=2.0, write_briefs=False)
        ray_stories = {a.id: a.story_id or "" for a in _stored(ray_store)}
        assert report.windows >= 8  # the stitching was exercised, not one window
        assert report.added == local.added == len(gold)
        counts = ray_store.counts()
        assert counts["articles"] == len(gold)
        # The store can go on from where the backfill left it: a live ingest restores its state.
        assert ray_store.clusterer_state().documents == len(gold)
        again = backfill([path], FAST, ray_store, engine="ray", write_briefs=False)
        assert again.added == 0 and again.already_known == len(gold)
    assert set(ray_stories) == set(local_stories) == set(gold)
    assert ray_stories == local_stories  # the same stories under the same ids: B-cubed F1 1.0


def test_both_engines_backfill_into_postgresql_as_into_sqlite(
    ray_cluster: None, smoke_stream: tuple[Path, dict[str, str]], tmp_path: Path, postgres_url: str
) -> None:
    """The same archive into a SQLite file and into a real PostgreSQL database (``--db postgresql://...``), by the
    ray engine into each: the two stores hold the same articles in the same stories; then the local engine goes on
    in the PostgreSQL store, which adds nothing twice."""
    path, gold = smoke_stream
    stories = {}
    for address in (str(tmp_path / "ray.db"), postgres_url):
        with open_store(address) as store:
            report = backfill([path], FAST, store, engine="ray", window_days=2.0, write_briefs=False)
            assert report.added == len(gold)
            stories[address] = {a.id: a.story_id for a in _stored(store)}
    assert stories[postgres_url] == stories[str(tmp_path / "ray.db")]
    with open_store(postgres_url) as store:
        again = backfill([path], FAST, store, engine="local", write_briefs=False)
        assert again.added == 0 and again.already_known == len(gold)
        assert store.counts()["articles"] == len(gold)


def test_cluster_command_with_the_ray_engine(
    ray_cluster: None, smoke_stream: tuple[Path, dict[str, str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, gold = smoke_stream
    stream = tmp_path / "with-bad-line.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    stream.write_text("\n".join([lines[0], "[1, 2]", *lines[1:], lines[5]]) + "\n", encoding="utf-8")
    env = ["--config", str(_fast_config(tmp_path))]
    ray_command = ["cluster", str(stream), "--output", str(tmp_path / "ray.jsonl"), "--engine", "ray"]
    assert main([*env, *ray_command, "--window-days", "2"]) == 0
    assert "skipped" in capsys.readouterr().err
    assert main([*env, "cluster", str(stream), "--output", str(tmp_path / "local.jsonl")]) == 0
    ray_lines = [json.loads(line) for line in (tmp_path / "ray.jsonl").read_text().splitlines()]
    local_lines = [json.loads(line) for line in (tmp_path / "local.jsonl").read_text().splitlines()]
    assert [line["id"] for line in ray_lines] == [line["id"] for line in local_lines]  # file order, the repeat too
    assert len(ray_lines) == len(gold) + 1
    assert ray_lines == local_lines


def test_the_ray_engine_stores_text_that_is_not_valid_unicode_repaired(ray_cluster: None, tmp_path: Path) -> None:
    """Lone surrogates (JSON escapes like \\ud800) in articles and in rejected records: Arrow, like the stores, takes
    only valid Unicode, so they are replaced before the rows are made."""
    text = " ".join(_PARAGRAPHS)
    lines = [
        {"id": "s1", "title": "Crane \ud800 topples", "text": text, "published": "2031-01-05T07:00:00Z"},
        {
            "id": "s2",
            "title": "Landing shut",
            "text": text,
            "source": "Wire \udc00",
            "published": "2031-01-05T08:00:00Z",
        },
    ]
    path = tmp_path / "archive" / "wire.jsonl"
    path.parent.mkdir()
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")  # the escapes kept
    (path.parent / "list.json").write_text(json.dumps([{"id": "bad", "title": {"x": "\ud800"}}]), encoding="utf-8")
    files, _ = find_archive_files([path.parent])
    with open_store(str(tmp_path / "ray.db")) as store:
        report = backfill(files, FAST, store, engine="ray", write_briefs=False)
        titles = sorted(a.title for a in _stored(store))
        [quarantined] = store.quarantined()
    assert report.added == 2 and report.rejected == 1
    assert titles == ["Crane \ufffd topples", "Landing shut"]
    assert quarantined.origin == f"{path.parent / 'list.json'}[0]" and "\ufffd" in quarantined.raw


def _fast_config(folder: Path) -> Path:
    config = folder / "fast.toml"
    config.write_text('[cluster]\nembedding = "none"\n', encoding="utf-8")
    return config


def test_one_window_gives_the_local_engine_stories_exactly(ray_cluster: None, demo_articles: Path) -> None:
    placed, rejected = assign_stories_by_window([demo_articles], FAST, window_days=28.0)
    local: dict[str, str] = {}
    pipeline = Pipeline(FAST)
    for item in assign_stories(read_file(demo_articles), pipeline=pipeline):
        if isinstance(item, Article):
            local[item.id] = pipeline.story_of(item) or ""
    assert not rejected
    assert dict(placed) == local  # the same ids, not only the same stories


def _local_stories(path: Path) -> dict[str, str]:
    pipeline = Pipeline(FAST)
    return {
        item.id: pipeline.story_of(item) or ""
        for item in assign_stories(read_file(path), pipeline=pipeline)
        if isinstance(item, Article)
    }


@pytest.mark.parametrize("window_days", [0.25, 2.0, 30.0])
def test_windows_of_any_length_give_the_local_engines_stories_under_the_same_ids(
    ray_cluster: None, smoke_stream: tuple[Path, dict[str, str]], window_days: float
) -> None:
    """Wire copies are matched window by window, each window reading the week before it (across many windows when
    they are short), and the stories are placed on the driver in the local engine's order and batches: whatever
    the window length, every article is in the story the local engine puts it in, under the same id."""
    path, _ = smoke_stream
    placed, rejected = assign_stories_by_window([path], FAST, window_days=window_days)
    assert not rejected
    assert dict(placed) == _local_stories(path)


def _record(article: Article) -> dict[str, Any]:
    assert article.published is not None
    return {
        "id": article.id,
        "title": article.title,
        "text": article.text,
        "url": article.url,
        "source": article.outlet,
        "published": article.published.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "language": "en",
    }


def test_a_copy_across_the_edge_joins_the_group_of_the_article_it_copies(ray_cluster: None, tmp_path: Path) -> None:
    """A wire report, its reprint with small edits a day later in the next one-day window, and the reprint word for
    word four days later, two windows on: both copies join the wire's group, as in one process (not a group of
    their own at the window edge, nor the reprint's), and follow its story; an unrelated report has its own."""
    wire, reprint = ferry_articles()[:2]
    assert wire.published is not None
    reprint.published = wire.published + timedelta(days=1)
    late = dataclasses.replace(reprint, id="ferry-late", outlet="Quay Post", url="https://quay-post.example/ferry")
    late.published = wire.published + timedelta(days=4)
    other = orchestra_article(wire.published + timedelta(days=1, hours=2))
    path = write_jsonl(tmp_path / "copies.jsonl", [_record(a) for a in (wire, reprint, other, late)])
    with open_store(str(tmp_path / "ray.db")) as store:
        report = backfill([path], FAST, store, engine="ray", window_days=1.0, write_briefs=False)
        assert report.windows == 3
        ray = {a.id: (a.syndication_group, a.story_id) for a in _stored(store)}
    assert ray[reprint.id] == ray[late.id] == ray[wire.id] and ray[other.id][0] != ray[wire.id][0]
    with open_store(str(tmp_path / "local.db")) as store:
        backfill([path], FAST, store, engine="local", write_briefs=False)
        assert {a.id: (a.syndication_group, a.story_id) for a in _stored(store)} == ray


def test_an_archive_that_goes_on_from_a_store_is_placed_as_by_the_local_engine(
    ray_cluster: None, smoke_stream: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    """The first half of the stream in the store, then the second half backfilled on top by each engine: the copies
    of articles in the store join their groups (the windows do not read the store; the driver matches those
    itself), and both stores end with the same groups and stories."""
    path, _ = smoke_stream
    lines = path.read_text(encoding="utf-8").splitlines()
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_text("\n".join(lines[: len(lines) // 2]) + "\n", encoding="utf-8")
    second.write_text("\n".join(lines[len(lines) // 2 :]) + "\n", encoding="utf-8")
    placed = {}
    for engine in ("local", "ray"):
        with open_store(str(tmp_path / f"{engine}.db")) as store:
            backfill([first], FAST, store, engine="local", write_briefs=False)
            report = backfill([second], FAST, store, engine=engine, window_days=2.0, write_briefs=False)
            assert report.added == len(lines) - len(lines) // 2
            placed[engine] = {a.id: (a.syndication_group, a.story_id) for a in _stored(store)}
    assert placed["ray"] == placed["local"]
    groups = Counter(group for group, _ in placed["ray"].values())
    assert max(groups.values()) > 1  # the stream has wire copies


def test_a_windowed_run_refuses_a_window_of_no_days_or_a_negative_lead_in() -> None:
    with pytest.raises(ValueError, match="window_days"):
        WindowedRun(FAST, window_days=0)
    with pytest.raises(ValueError, match="lead_days"):
        WindowedRun(FAST, lead_days=-1)


def test_backfill_command_runs_the_local_engine_and_refuses_a_missing_archive(
    archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "cli.db")
    env = ["--db", db, "--config", str(_fast_config(tmp_path))]
    assert main([*env, "backfill", str(archive), "--no-briefs"]) == 0
    out = capsys.readouterr().out
    assert "local: 4 files" in out and "3 rejected" in out
    assert main([*env, "backfill", str(tmp_path / "missing")]) == 1
    assert "no such file or folder" in capsys.readouterr().err
