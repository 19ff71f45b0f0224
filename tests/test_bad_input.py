"""One bad line never costs the rest: each hole an adversarial probe found in the readers, closed.

Everything runs for real: files on disk, the readers, the pipeline into a SQLite store, the command line in
process, a WARC written with warcio.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import random
import re
import sqlite3
import tracemalloc
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from httpserver import LocalServer
from newsloom.cli import main
from newsloom.config import Settings
from newsloom.drivers.pipeline import Pipeline, normalize_all
from newsloom.ingest import read_file
from newsloom.ingest.archives import read_warc
from newsloom.ingest.feeds import FeedError, parse_feed
from newsloom.ingest.files import MAX_CSV_ROW_LINES, MAX_LINE_BYTES
from newsloom.model import Article, Rejected
from newsloom.normalize import normalize
from newsloom.store import open_store
from newsloom.text.checks import JSONTooDeep, json_deeper_than, load_json

ENGLISH = (
    "The harbour authority closed the old bridge on Tuesday after engineers found a long crack in one of its "
    "steel girders, and ferries will carry commuters across the estuary until repairs are finished next month."
)


def good(number: int, **fields: object) -> dict[str, object]:
    return {"id": f"good-{number}", "title": f"Bridge closes for repairs, report {number}", "text": ENGLISH, **fields}


def jsonl(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def ingest(db: Path, path: Path) -> tuple[set[str], dict[str, str]]:
    """The ids stored and the quarantine (origin -> reason) after ingesting one file through the pipeline."""
    store = open_store(db)
    try:
        Pipeline(Settings(db=str(db)), store).ingest(read_file(path), write_briefs=False)
        quarantine = {q.origin: q.reason for q in store.quarantined(limit=10_000)}
    finally:
        store.close()
    return stored_ids(db), quarantine


def stored_ids(db: Path) -> set[str]:
    with closing(sqlite3.connect(db)) as connection:
        return {row[0] for row in connection.execute("SELECT id FROM articles")}


def items_of(path: Path) -> tuple[list[Article], list[Rejected]]:
    items = list(read_file(path))
    return [i for i in items if isinstance(i, Article)], [i for i in items if isinstance(i, Rejected)]


# -- JSON too deep to parse ----------------------------------------------------------------------------------------
def test_a_line_nested_2000_deep_is_quarantined_and_the_folder_goes_on(
    tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "wire"
    folder.mkdir()
    jsonl(
        folder / "a.jsonl",
        [json.dumps(good(1)), "[" * 2000 + "]" * 2000, '{"a":' * 2000 + "1" + "}" * 2000, json.dumps(good(2))],
    )
    jsonl(folder / "b.jsonl", [json.dumps(good(3))])
    code = main(["--db", str(db_path), "ingest", str(folder)])
    assert code == 0
    assert "3 new articles" in capsys.readouterr().out
    _, quarantine = ingest(db_path, folder / "a.jsonl")
    assert stored_ids(db_path) == {"good-1", "good-2", "good-3"}
    for line in (2, 3):
        assert "nested more than 64 levels" in quarantine[f"{folder / 'a.jsonl'}:{line}"]


def test_depth_is_judged_without_recursion_and_brackets_in_strings_do_not_count() -> None:
    assert not json_deeper_than("[" * 64 + "]" * 64)
    assert json_deeper_than("[" * 65 + "]" * 65)
    assert json_deeper_than("[" * 100_000)  # left open: a parser would still descend through every one
    assert not json_deeper_than(json.dumps({"title": "[" * 5000, "text": '{"' * 5000 + '\\"[' * 100}))
    with pytest.raises(JSONTooDeep):
        load_json('{"items": ' + "[" * 5000 + "]" * 5000 + "}")
    rng = random.Random(20310)
    for _ in range(300):
        value: Any = "leaf"
        depth = rng.randint(0, 90)
        for _ in range(depth):
            value = [value, '"[{\\'] if rng.random() < 0.5 else {'k"[': value}
        assert json_deeper_than(json.dumps(value)) == (depth > 64)


def test_a_json_file_nested_too_deep_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{"articles": ' + "[" * 3000 + "]" * 3000 + "}", encoding="utf-8")
    [rejected] = list(read_file(path))
    assert isinstance(rejected, Rejected) and rejected.origin == str(path)
    assert "nested more than 64 levels" in rejected.reason


def test_a_json_feed_nested_too_deep_is_a_feed_error() -> None:
    body = '{"version": "https://jsonfeed.org/version/1.1", "title": "T", "items": ' + "[" * 3000 + "]" * 3000 + "}"
    with pytest.raises(FeedError, match="nested more than 64 levels"):
        parse_feed(body.encode(), "https://wire.example/feed.json")


def test_a_number_too_long_to_read_is_a_rejected_line_and_a_huge_timestamp_keeps_the_article(
    tmp_path: Path,
) -> None:
    path = jsonl(
        tmp_path / "numbers.jsonl",
        ['{"id": "n1", "title": "T", "text": ' + "9" * 5000 + "}", json.dumps(good(1, published=10**400))],
    )
    articles, [rejected] = items_of(path)
    assert rejected.origin == f"{path}:1" and "invalid JSON" in rejected.reason
    assert [a.id for a in articles] == ["good-1"] and articles[0].published is None


# -- text that is not valid Unicode --------------------------------------------------------------------------------
def test_a_lone_surrogate_is_replaced_the_article_kept_and_the_repair_logged(
    tmp_path: Path, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = jsonl(
        tmp_path / "wire.jsonl",
        [
            json.dumps(good(1)),
            json.dumps(good(2, title="Bridge \ud800 closes", source="Wire \udc00")),
            json.dumps(good(3)),
        ],
    )
    with caplog.at_level(logging.WARNING, logger="newsloom"):
        ids, quarantine = ingest(db_path, path)
    assert ids == {"good-1", "good-2", "good-3"} and quarantine == {}
    store = open_store(db_path)
    try:
        article = store.article("good-2")
    finally:
        store.close()
    assert article is not None
    assert article.title == "Bridge \ufffd closes" and article.outlet == "Wire \ufffd"
    assert any(f"{path}:2: 2 lone surrogates" in r.getMessage() and "U+FFFD" in r.getMessage() for r in caplog.records)


def test_a_lone_surrogate_in_a_json_list_and_its_rejection_excerpt_can_be_stored(tmp_path: Path, db_path: Path) -> None:
    path = tmp_path / "list.json"
    path.write_text(json.dumps([good(1), {"id": "bad\ud800", "title": {"nested": "\ud800"}}]), encoding="utf-8")
    ids, quarantine = ingest(db_path, path)
    assert ids == {"good-1"}
    assert "title" in quarantine[f"{path}[1]"]


# -- lines read in bounded memory ----------------------------------------------------------------------------------
def test_a_line_over_the_limit_is_skipped_to_its_newline_and_reported_with_its_number(tmp_path: Path) -> None:
    path = tmp_path / "long.jsonl"
    with path.open("wb") as handle:
        handle.write(json.dumps(good(1)).encode() + b"\n")
        handle.write(b'{"id": "huge", "text": "' + b"x" * (MAX_LINE_BYTES + 10) + b'"}\n')
        handle.write(json.dumps(good(2)).encode() + b"\n")
        handle.write(b"z" * (MAX_LINE_BYTES + 1))  # the last line, with no newline at all
    articles, rejected = items_of(path)
    assert [a.id for a in articles] == ["good-1", "good-2"]
    assert [r.origin for r in rejected] == [f"{path}:2", f"{path}:4"]
    assert f"line is {MAX_LINE_BYTES + 36:,} bytes, over the {MAX_LINE_BYTES:,}-byte limit" in rejected[0].reason
    assert rejected[0].raw.startswith('{"id": "huge"') and len(rejected[0].raw) <= 2000
    assert f"line is {MAX_LINE_BYTES + 1:,} bytes" in rejected[1].reason


def test_a_line_exactly_at_the_limit_is_read(tmp_path: Path) -> None:
    head = b'{"id": "full", "title": "Full line", "text": "'
    tail = b'"}'
    path = tmp_path / "full.jsonl"
    path.write_bytes(head + b"a" * (MAX_LINE_BYTES - len(head) - len(tail)) + tail + b"\r\n")
    [article] = list(read_file(path))
    assert isinstance(article, Article) and article.id == "full"


# -- CSV -----------------------------------------------------------------------------------------------------------
def test_a_csv_quote_left_open_is_quarantined_with_its_line_and_the_rows_after_it_are_read(tmp_path: Path) -> None:
    path = tmp_path / "wire.csv"
    path.write_text(
        "id,title,text\n"
        "c1,Fine,Body one.\n"
        'c2,"Quote never closed,body two\n'
        "c3,Title three,body three\n"
        'c4,"Spans\ntwo lines",body four\n'
        'c5,"Closed" then text,body five\n'
        "c6,Title six,body six\n",
        encoding="utf-8",
    )
    articles, rejected = items_of(path)
    assert [(a.id, a.origin) for a in articles] == [
        ("c1", f"{path}:2"),
        ("c3", f"{path}:4"),
        ("c4", f"{path}:5"),
        ("c6", f"{path}:8"),
    ]
    assert articles[2].title == "Spans\ntwo lines"  # a quoted field may span lines
    assert [r.origin for r in rejected] == [f"{path}:3", f"{path}:7"]
    assert "quote in this row is left open" in rejected[0].reason
    assert rejected[0].raw == 'c2,"Quote never closed,body two\n'
    assert "text follows a closing quote" in rejected[1].reason


def test_a_csv_quote_left_open_at_the_end_does_not_swallow_the_file(tmp_path: Path) -> None:
    path = tmp_path / "tail.csv"
    rows = "".join(f"r{n},Title {n},Body {n}\n" for n in range(MAX_CSV_ROW_LINES + 5))
    path.write_text(f'id,title,text\nr-open,"Left open,body\n{rows}', encoding="utf-8")
    articles, [rejected] = items_of(path)
    assert rejected.origin == f"{path}:2" and "quote left open" in rejected.reason
    assert len(articles) == MAX_CSV_ROW_LINES + 5 and articles[0].id == "r0" and articles[0].origin == f"{path}:3"


# -- binary files --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".txt", ".csv", ".json", ".jsonl"])
def test_binary_files_are_refused_as_text(tmp_path: Path, suffix: str) -> None:
    rng = random.Random(7)
    with_nul = tmp_path / f"image{suffix}"
    with_nul.write_bytes(bytes(rng.randrange(256) for _ in range(5000)))
    no_nul = tmp_path / f"noise{suffix}"
    no_nul.write_bytes(bytes(rng.choice([*range(1, 9), *range(14, 32), 0x41, 0x42]) for _ in range(5000)))
    for path in (with_nul, no_nul):
        [rejected] = list(read_file(path))
        assert isinstance(rejected, Rejected) and rejected.origin == str(path)
        assert "binary file" in rejected.reason


def test_text_with_a_stray_control_character_is_still_text(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_bytes(b"Bridge closes\n\n" + ENGLISH.encode() + b"\x07 The end.\n")
    [article] = list(read_file(path))
    assert isinstance(article, Article) and article.title == "Bridge closes"


# -- ids and languages ---------------------------------------------------------------------------------------------
def test_ids_too_long_or_with_control_characters_are_rejected(tmp_path: Path) -> None:
    path = jsonl(
        tmp_path / "ids.jsonl",
        [
            json.dumps(good(1, id="x" * 100_000)),
            json.dumps(good(2, id="line\nbreak")),
            json.dumps(good(3, id="nul\u0000")),
            json.dumps(good(4, id="y" * 512)),
            json.dumps(good(5, id="half \ud800")),  # repaired, it would be one key with "half \udc00"
        ],
    )
    articles, rejected = items_of(path)
    assert [a.id for a in articles] == ["y" * 512]
    assert [r.origin for r in rejected] == [f"{path}:1", f"{path}:2", f"{path}:3", f"{path}:5"]
    assert "100,000 characters, over the 512-character limit" in rejected[0].reason
    assert "control character U+000A" in rejected[1].reason
    assert "control character U+0000" in rejected[2].reason
    assert "lone surrogate (U+D800, not valid Unicode) at position 6" in rejected[3].reason


def test_an_article_made_in_python_with_a_bad_id_is_rejected_by_normalize() -> None:
    articles, rejected = normalize_all(
        [
            Article(id="a\tb", title="T", text=ENGLISH, origin="script"),
            Article(id="a\udc00", title="T", text=ENGLISH, origin="script:2"),
        ]
    )
    assert articles == [] and [r.origin for r in rejected] == ["script", "script:2"]
    assert "U+0009" in rejected[0].reason and "lone surrogate (U+DC00" in rejected[1].reason


def test_a_language_that_is_no_tag_is_dropped_for_the_detected_one(
    tmp_path: Path, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = jsonl(
        tmp_path / "languages.jsonl",
        [
            json.dumps(good(1, language='"><scrip')),
            json.dumps(good(2, language="pt-BR")),
            json.dumps(good(3, language="en_GB")),
            json.dumps(good(4, language="x" * 40)),
            json.dumps(good(5, language="EN")),
            json.dumps(good(6, language="zh-Hant-TW")),
        ],
    )
    with caplog.at_level(logging.WARNING, logger="newsloom"):
        ingest(db_path, path)
    store = open_store(db_path)
    try:
        languages = {f"good-{n}": getattr(store.article(f"good-{n}"), "language", "missing") for n in range(1, 7)}
    finally:
        store.close()
    assert languages == {
        "good-1": "en",
        "good-2": "pt-br",
        "good-3": "en-gb",
        "good-4": "en",
        "good-5": "en",
        "good-6": "zh-hant-tw",
    }
    warned = [r.getMessage() for r in caplog.records if "no language tag" in r.getMessage()]
    assert len(warned) == 2 and warned[0].startswith(f"{path}:1: language")


# -- news-please ---------------------------------------------------------------------------------------------------
def _news_please(number: int, **fields: object) -> dict[str, object]:
    """An article as news-please writes it, every field it writes present."""
    return {
        "authors": ["Ann Reed"],
        "date_download": "2031-01-05 08:00:00",
        "date_modify": None,
        "date_publish": "2031-01-05 07:15:00",
        "description": "A crack in a girder.",
        "filename": f"{number}.json",
        "image_url": None,
        "language": "en",
        "localpath": None,
        "maintext": ENGLISH,
        "source_domain": "courier.example",
        "text": None,
        "title": f"Bridge report {number}",
        "title_page": None,
        "title_rss": None,
        "url": f"https://courier.example/{number}",
        **fields,
    }


def test_a_news_please_folder_with_broken_files_is_backfilled_file_by_file(
    tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = tmp_path / "news-please" / "courier.example"
    site.mkdir(parents=True)
    files: dict[str, object] = {
        "01": _news_please(1),
        "02": _news_please(2, date_publish="None"),  # kept, undated
        "03": _news_please(3, title="Bridge \ud800 report 3", language='"><scrip'),  # kept, repaired, detected
        "04": _news_please(4, title=None, maintext=None, description=None),
        "05": json.dumps(_news_please(5))[:120],
        "06": '{"title": ' + "[" * 5000 + "]" * 5000 + "}",
        "07": bytes(range(256)) * 20,
        "08": "",
        "09": [1, None, _news_please(9)],
        "10": _news_please(10, id=["a", "b"]),
        "11": _news_please(11, id="x" * 100_000),
    }
    for name, content in files.items():
        path = site / f"{name}.json"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    assert main(["--db", str(db_path), "backfill", str(tmp_path / "news-please"), "--no-briefs"]) == 0
    capsys.readouterr()
    store = open_store(db_path)
    try:
        quarantine = {q.origin: q.reason for q in store.quarantined(limit=100)}
    finally:
        store.close()
    with closing(sqlite3.connect(db_path)) as connection:
        stored = {
            row[0]: row[1:] for row in connection.execute("SELECT origin, title, language, published FROM articles")
        }
    where = f"{site}/"
    assert stored == {
        f"{where}01.json": ("Bridge report 1", "en", "2031-01-05T07:15:00Z"),
        f"{where}02.json": ("Bridge report 2", "en", None),
        f"{where}03.json": ("Bridge \ufffd report 3", "en", "2031-01-05T07:15:00Z"),
        f"{where}09.json[2]": ("Bridge report 9", "en", "2031-01-05T07:15:00Z"),
    }
    assert set(quarantine) == {
        f"{where}04.json",
        f"{where}05.json:1",
        f"{where}06.json",
        f"{where}07.json",
        f"{where}08.json:1",
        f"{where}09.json[0]",
        f"{where}09.json[1]",
        f"{where}10.json",
        f"{where}11.json",
    }
    assert "nested more than 64 levels" in quarantine[f"{where}06.json"]
    assert "binary file" in quarantine[f"{where}07.json"]
    assert quarantine[f"{where}10.json"] == "field 'id' should be text, got list"
    assert "over the 512-character limit" in quarantine[f"{where}11.json"]


# -- feeds ---------------------------------------------------------------------------------------------------------
FAST_FETCHING = {
    "NEWSLOOM_FETCH_HOST_DELAY": "0",
    "NEWSLOOM_FETCH_BACKOFF_SECONDS": "0.01",
    "NEWSLOOM_FETCH_TOTAL_SECONDS": "3",
    "NEWSLOOM_FETCH_READ_TIMEOUT": "2",
}


def test_feeds_with_text_that_is_not_valid_unicode_are_followed_and_their_entries_stored_repaired(
    db_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in FAST_FETCHING.items():
        monkeypatch.setenv(key, value)
    with LocalServer() as server:
        rss = (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>Harbour &#xD800; Wire</title>'
            f"<link>{server.url('/')}</link>"
            f"<item><title>Bridge &#xDC00; closes</title><link>{server.url('/rss/1')}</link>"
            f"<description>{ENGLISH} &#55296; &#x110000; &#x{'0' * 30}41;</description></item>"
            f"<item><title>Ferries run</title><link>{server.url('/rss/2')}</link><description>{ENGLISH}</description>"
            "</item></channel></rss>"
        )
        items = [
            {"id": "j1", "url": server.url("/json/1"), "title": "Crane \ud800 falls", "content_text": ENGLISH},
            {"id": "x" * 100_000, "url": server.url("/json/2"), "title": "Long id", "content_text": ENGLISH},
            {"id": "j3", "url": server.url("/json/3"), "title": {"not": "text"}, "content_text": ENGLISH},
        ]
        feed = {"version": "https://jsonfeed.org/version/1.1", "title": "Quay \udc00 Post", "items": items}
        server.static("/feed.xml", rss.encode(), headers={"Content-Type": "application/rss+xml"})
        server.static("/feed.json", json.dumps(feed).encode(), headers={"Content-Type": "application/feed+json"})
        urls = [server.url("/feed.xml"), server.url("/feed.json")]
        assert main(["--db", str(db_path), "feeds", "add", *urls, "--allow-private"]) == 0
        assert main(["--db", str(db_path), "watch", "--once", "--allow-private", "--interval", "0s"]) == 0
    capsys.readouterr()
    with closing(sqlite3.connect(db_path)) as connection:
        feeds = dict(connection.execute("SELECT url, title FROM feeds").fetchall())
        titles = sorted(row[0] for row in connection.execute("SELECT title FROM articles"))
    assert feeds == {urls[0]: "Harbour \ufffd Wire", urls[1]: "Quay \ufffd Post"}
    assert titles == ["", "Bridge \ufffd closes", "Crane \ufffd falls", "Ferries run", "Long id"]


# -- the last lines of defence -------------------------------------------------------------------------------------
def test_normalize_all_quarantines_whatever_normalize_cannot_take(caplog: pytest.LogCaptureFixture) -> None:
    broken = Article(id="odd", title=123, text=ENGLISH, origin="script:1")  # type: ignore[arg-type]
    bad_port = Article(id="port", title="Bridge", text=ENGLISH, url="https://wire.example:99999/a", origin="s:2")
    with caplog.at_level(logging.ERROR, logger="newsloom"):
        articles, rejected = normalize_all([broken, bad_port, Article(id="fine", title="Fine", text=ENGLISH)])
    assert [a.id for a in articles] == ["port", "fine"] and articles[0].canonical_url is None
    [odd] = rejected
    assert odd.origin == "script:1" and odd.reason.startswith("unexpected error while normalizing")
    assert any("script:1" in r.getMessage() for r in caplog.records)


def test_a_source_that_breaks_ends_the_run_with_a_rejection_and_keeps_what_came_before(db_path: Path) -> None:
    def source() -> Iterator[Article | Rejected]:
        yield Article(id="first", title="First", text=ENGLISH, origin="feed:1")
        raise OSError("the disk went away")

    store = open_store(db_path)
    try:
        report = Pipeline(Settings(db=str(db_path)), store).ingest(source(), write_briefs=False)
        assert report.added == 1
        [stopped] = report.rejections
        assert stopped.origin == "feed:1" and "OSError: the disk went away" in stopped.reason
    finally:
        store.close()


def test_urls_with_control_characters_or_no_end_are_dropped_and_the_article_kept() -> None:
    kept = normalize(Article(id="u", title="T", text=ENGLISH, url="https://wire.example/a\x00b"))
    assert kept.url is None and kept.canonical_url is None
    long = normalize(Article(id="v", title="T", text=ENGLISH, url="https://wire.example/" + "a" * 10_000))
    assert long.url is None


# -- WARC crawls ---------------------------------------------------------------------------------------------------
def _warc_records(pages: int, paragraphs: int = 1) -> list[bytes]:
    """A crawl of ``pages`` HTML responses, each record on its own (uncompressed, with the blank lines after it)."""
    records = []
    for number in range(1, pages + 1):
        body = f"<html><head><title>Bridge report {number}</title></head><body><article><p>{ENGLISH} {ENGLISH}</p>"
        body += f"<p>{ENGLISH}</p>" * paragraphs + "</article></body></html>"
        out = io.BytesIO()
        writer = WARCWriter(out, gzip=False)
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        record = writer.create_warc_record(
            f"https://wire.example/{number}", "response", payload=io.BytesIO(body.encode()), http_headers=headers
        )
        writer.write_record(record)
        records.append(out.getvalue())
    return records


def _crawl(path: Path, records: list[bytes]) -> Path:
    """The records as a .warc, or as a .warc.gz with one gzip member per record (as crawlers write them)."""
    gzipped = path.name.endswith(".gz")
    path.write_bytes(b"".join(gzip.compress(record) if gzipped else record for record in records))
    return path


def _with_length(record: bytes, length: str) -> bytes:
    return re.sub(rb"Content-Length: \d+", f"Content-Length: {length}".encode(), record, count=1)


def _declared(record: bytes) -> int:
    found = re.search(rb"Content-Length: (\d+)", record)
    assert found
    return int(found.group(1))


BROKEN_RECORDS = {
    "a mangled first line": lambda record: b"GARBAGE!" + record[8:],
    "a length that is no number": lambda record: _with_length(record, "many"),
    "no length": lambda record: re.sub(rb"Content-Length: \d+\r\n", b"", record, count=1),
    "a length too short": lambda record: _with_length(record, str(_declared(record) // 2)),
    "a length a little too long": lambda record: _with_length(record, str(_declared(record) + 50)),
    "a length past the end of the file": lambda record: _with_length(record, "99999999999"),
    "an unknown type": lambda record: record.replace(b"WARC-Type: response", b"WARC-Type: rumour", 1),
}


@pytest.mark.parametrize("suffix", [".warc", ".warc.gz"])
@pytest.mark.parametrize("damage", list(BROKEN_RECORDS))
def test_a_broken_warc_record_costs_only_itself(tmp_path: Path, suffix: str, damage: str) -> None:
    records = _warc_records(5)
    records[1] = BROKEN_RECORDS[damage](records[1])
    path = _crawl(tmp_path / f"crawl{suffix}", records)
    items = list(read_warc(path))
    assert [(type(i).__name__, i.origin) for i in items] == [
        ("Article", f"{path}#1"),
        ("Rejected", f"{path}#2"),
        ("Article", f"{path}#3"),
        ("Article", f"{path}#4"),
        ("Article", f"{path}#5"),
    ]
    assert [i.title for i in items if isinstance(i, Article)] == [f"Bridge report {n}" for n in (1, 3, 4, 5)]
    rejected = items[1]
    assert isinstance(rejected, Rejected)
    if damage == "an unknown type":
        assert "unknown type 'rumour'" in rejected.reason
    else:
        assert rejected.reason.startswith("unreadable WARC records from byte ")
        assert "where reading resumed" in rejected.reason


def test_a_corrupt_gzip_member_costs_only_its_record(tmp_path: Path) -> None:
    path = tmp_path / "crawl.warc.gz"
    members = [gzip.compress(record) for record in _warc_records(4)]
    second = bytearray(members[1])
    second[20:60] = bytes(40)
    path.write_bytes(b"".join([members[0], bytes(second), *members[2:]]))
    items = list(read_warc(path))
    assert [(type(i).__name__, i.origin) for i in items] == [
        ("Article", f"{path}#1"),
        ("Rejected", f"{path}#2"),
        ("Article", f"{path}#3"),
        ("Article", f"{path}#4"),
    ]
    start = len(members[0])
    assert f"from byte {start:,} to byte {start + len(members[1]):,}" in items[1].reason


@pytest.mark.parametrize("suffix", [".warc", ".warc.gz"])
def test_a_crawl_cut_off_midway_keeps_the_pages_before_the_cut_and_says_where(tmp_path: Path, suffix: str) -> None:
    records = _warc_records(3)
    whole = _crawl(tmp_path / f"whole{suffix}", records).read_bytes()
    last = len(_crawl(tmp_path / f"two{suffix}", records[:2]).read_bytes())
    for cut in (last + 10, last + 200, len(whole) - 40):
        path = tmp_path / f"cut-{cut}{suffix}"
        path.write_bytes(whole[:cut])
        items = list(read_warc(path))
        assert [(type(i).__name__, i.origin) for i in items] == [
            ("Article", f"{path}#1"),
            ("Article", f"{path}#2"),
            ("Rejected", f"{path}#3"),
        ], cut
        assert f"from byte {last:,} to the end of the file ({cut:,} bytes)" in items[2].reason


def test_a_crawl_with_garbage_after_the_cut_keeps_the_pages_before_it(tmp_path: Path) -> None:
    whole = _crawl(tmp_path / "whole.warc.gz", _warc_records(3)).read_bytes()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(whole[: len(whole) * 2 // 3 + 30] + b"\x00garbage" * 50)
    items = list(read_warc(cut))
    assert [(type(i).__name__, i.origin) for i in items] == [
        ("Article", f"{cut}#1"),
        ("Article", f"{cut}#2"),
        ("Rejected", f"{cut}#3"),
    ]


def test_a_warc_header_line_without_end_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    records = _warc_records(3)
    endless = b"X-Endless: " + b"a" * (32 * 1024 * 1024)  # warcio alone reads it whole, copying it at every 16 KiB
    records[1] = records[1].replace(b"WARC-Type: response\r\n", b"WARC-Type: response\r\n" + endless, 1)
    path = _crawl(tmp_path / "crawl.warc", records)
    tracemalloc.start()
    try:
        items = list(read_warc(path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [(type(i).__name__, i.origin) for i in items] == [
        ("Article", f"{path}#1"),
        ("Rejected", f"{path}#2"),
        ("Article", f"{path}#3"),
    ]
    assert "headers running on past 1,048,576 bytes" in items[1].reason
    assert peak < 8 * 1024 * 1024


@pytest.mark.parametrize("damage", ["no length", "a length past the end of the file"])
def test_records_without_an_end_are_passed_over_without_reading_the_crawl_again_for_each(
    tmp_path: Path, damage: str
) -> None:
    records = [BROKEN_RECORDS[damage](record) for record in _warc_records(100, paragraphs=200)]  # 40 KiB each
    path = _crawl(tmp_path / "crawl.warc", [_warc_records(1)[0], *records])
    before = _bytes_read()
    items = list(read_warc(path))
    read = _bytes_read() - before
    assert [type(i).__name__ for i in items] == ["Article", "Rejected"]  # 100 broken in a row: one stretch
    assert read < 3 * path.stat().st_size  # read once (and scanned once for the next record), not 100 times


def _bytes_read() -> int:
    """The bytes this process has read so far (Linux)."""
    try:
        status = Path("/proc/self/io").read_text()
    except OSError:
        pytest.skip("no /proc/self/io here")
    found = re.search(r"rchar:\s+(\d+)", status)
    assert found
    return int(found.group(1))


def test_a_broken_crawl_is_backfilled_with_its_rejection_in_the_quarantine(
    tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = _warc_records(3)
    records[1] = _with_length(records[1], "99999999999")
    folder = tmp_path / "archive"
    folder.mkdir()
    crawl = _crawl(folder / "crawl.warc.gz", records)
    assert main(["--db", str(db_path), "backfill", str(folder), "--no-briefs"]) == 0
    capsys.readouterr()
    store = open_store(db_path)
    try:
        [quarantined] = store.quarantined(limit=10)
    finally:
        store.close()
    assert quarantined.origin == f"{crawl}#2" and "a record cut short" in quarantined.reason
    with closing(sqlite3.connect(db_path)) as connection:
        titles = sorted(row[0] for row in connection.execute("SELECT title FROM articles"))
    assert titles == ["Bridge report 1", "Bridge report 3"]
