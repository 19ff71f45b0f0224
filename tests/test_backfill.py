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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from factories import ferry_articles, make_stream, orchestra_article, prepared, write_jsonl
from newsloom.backfill import (
    EngineUnavailable,
    Window,
    WindowedRun,
    assign_stories_by_window,
    backfill,
    replay_order,
    start_ray,
    window_of,
)
from newsloom.cli import main
from newsloom.cluster import ClusterSettings
from newsloom.config import Settings
from newsloom.evaluate.metrics import bcubed
from newsloom.ingest.archives import find_archive_files, read_warc
from newsloom.ingest.files import read_file
from newsloom.model import Article, Rejected
from newsloom.pipeline import Pipeline, assign_stories, normalize_all
from newsloom.store import open_store

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
    agreement = bcubed(ray_stories, local_stories)
    assert agreement.f1 >= 0.99, agreement
    assert bcubed(ray_stories, gold).f1 >= bcubed(local_stories, gold).f1 - 0.01


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
    ray_stories = {line["id"]: line["story"] for line in ray_lines}
    local_stories = {line["id"]: line["story"] for line in local_lines}
    assert bcubed(ray_stories, local_stories).f1 >= 0.99


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


def test_replayed_windows_converge_to_the_local_engine(
    ray_cluster: None, smoke_stream: tuple[Path, dict[str, str]]
) -> None:
    """Each pass replays every window from the state the pass before left at its start: a window whose start was
    right is placed exactly as in one process, so on this stream three passes give the local engine's stories,
    under the same ids, and every pass agrees at least as well as the one before."""
    path, _ = smoke_stream
    pipeline = Pipeline(FAST)
    local = {
        item.id: pipeline.story_of(item) or ""
        for item in assign_stories(read_file(path), pipeline=pipeline)
        if isinstance(item, Article)
    }
    agreement = []
    for passes in (1, 2, 3):
        placed, rejected = assign_stories_by_window([path], FAST, window_days=2.0, passes=passes)
        assert not rejected
        agreement.append(bcubed(dict(placed), local).f1)
        if passes == 3:
            assert dict(placed) == local
    assert agreement == sorted(agreement) and agreement[-1] == 1.0, agreement


class _RecordedStarts(WindowedRun):
    """A windowed run that keeps the start it hands each window for the next pass (``WindowStart``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.handed: list[Any] = []

    def _start(self) -> Any:
        start = super()._start()
        self.handed.append(start)
        return start


def test_the_first_pass_hands_each_small_window_the_second_looks_progress_of_one_process(
    ray_cluster: None, tmp_path: Path
) -> None:
    """Windows of a few articles each, fewer than the second look waits for: the first pass hands each window the
    stories the next look will see, those of every article since the last look, across windows, as one process
    holds them (it once handed over only the last window's)."""
    records, _ = make_stream(16, seed=41, max_articles=2)  # an event every 3 hours: two events a window
    path = write_jsonl(tmp_path / "sparse.jsonl", records)
    run = _RecordedStarts(FAST, window_days=0.25, passes=2)
    stories, rejected, _ = run.assign(find_archive_files([path])[0])
    assert not rejected
    pipeline = Pipeline(FAST)
    articles, _ = normalize_all(a for a in replay_order(read_file(path)) if isinstance(a, Article))
    looks: list[dict[str, Any]] = []
    windows: set[int] = set()
    for article in articles:  # fewer than a batch: one process places them one by one
        assert article.published is not None
        part = window_of(article.published.timestamp(), 0.25)
        if part not in windows:
            windows.add(part)
            looks.append(pipeline.clusterer.review_state())
        pipeline.place(article)
    assert stories == {a.id: pipeline.story_of(a) for a in articles}
    assert len(looks) >= 6 and max(look["since"] for look in looks) < FAST.cluster.review_every
    assert [start.review for start in run.handed] == looks


def _driver_after(placed: Pipeline, seeded: set[str]) -> WindowedRun:
    """A windowed run's driver in its last pass, holding the stories of ``placed`` as the window before left them."""
    run = WindowedRun(FAST, passes=2)
    clusterer = placed.clusterer
    run._reset(run._driver_state())
    run.carried = {story_id: story.to_state() for story_id, story in clusterer.stories.items()}
    run.alias = {story_id: story_id for story_id in run.carried}
    run.documents, run.frequencies = clusterer.documents, Counter(clusterer.document_frequency)
    run._window_frequencies, run._before, run._seed_names = {}, {}, {1: seeded}
    return run


def _replayed(
    article: Article, story: str, redirects: dict[str, str], stories: dict[str, Any], part: int = 1
) -> Window:
    """A window of one article, replayed from the pass before's state, which merged ``redirects``."""
    outcome = {
        "stories": stories,
        "alias": {story_id: story_id for story_id in stories},
        "redirects": redirects,
        "moved": {},
        "latest": None,
        "review": {"since": 1, "stories": [story]},
    }
    return Window(part, [article], [story], [], [None], [None], {}, outcome=outcome)


def test_a_replayed_windows_merge_of_stories_this_pass_calls_unrelated_is_not_made() -> None:
    """A window replayed from the pass before's state can merge two stories under names that stand for other
    reports in this pass: the driver, holding both stories, scores them itself. The merge of the ferry fire into an
    orchestra's new director is not made (the fire's earlier reports stay in their story, the window's own article
    stays where the window put it, and the fire stays held, so that the next window's merge of it is judged too);
    the merge of two profiles of the fire is."""
    pipeline = Pipeline(FAST)
    ferry, orchestra = prepared(ferry_articles()), prepared([orchestra_article()])[0]
    for article in [*ferry, orchestra]:
        pipeline.place(article)
    fire, director = pipeline.story_of(ferry[0]) or "", pipeline.story_of(orchestra) or ""
    assert fire != director and all(pipeline.story_of(a) == fire for a in ferry)
    later = prepared([orchestra_article(datetime(2031, 5, 13, 9, 0, tzinfo=UTC))])[0]

    run = _driver_after(pipeline, {fire, director})
    states = {director: run.carried[director]}
    labels, changes = run._advance(_replayed(later, director, {fire: director}, states))
    assert labels == [director]
    assert run._resolve(fire) == fire and not changes.merged
    assert run.carried[fire] == pipeline.clusterer.stories[fire].to_state() and run.alias[fire] == fire
    run._seed_names[2] = {fire, director}
    labels, changes = run._advance(_replayed(later, director, {fire: director}, states, part=2))
    assert run._resolve(fire) == fire and not changes.merged and fire in run.carried

    twin = "st-fire-twin"  # the fire, told twice: the same reports under a second name
    pipeline.clusterer.stories[twin] = dataclasses.replace(pipeline.clusterer.stories[fire], id=twin)
    run = _driver_after(pipeline, {fire, director, twin})
    labels, changes = run._advance(_replayed(ferry[-1], fire, {twin: fire}, {fire: run.carried[fire]}))
    assert run._resolve(twin) == fire and changes.merged == {twin: fire}


def test_a_windowed_run_refuses_a_window_of_no_days_or_no_pass() -> None:
    with pytest.raises(ValueError, match="window_days"):
        WindowedRun(FAST, window_days=0)
    with pytest.raises(ValueError, match="passes"):
        WindowedRun(FAST, passes=0)


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
