"""Fuzzing the readers: malformed input mixed with good, in real files, over real HTTP, through the real pipeline.

A seeded generator (the same seed, the same input) writes JSON lines, JSON (news-please among it), CSV, text and WARC
files in which each record is either good (it must be stored, repaired where it needs it: a lone surrogate, a
language that is no tag, a date no one can read, Windows-1252 bytes) or bad (it must be quarantined with its file and
line or record: JSON cut short or nested 3,000 deep, garbage bytes, ids too long, quotes left open, binary files, a
line over the size limit, WARC records of a wrong length or cut off...). The pipeline reads the folder into a SQLite
store as a backfill does; nothing may raise, the store must hold exactly the good records and its quarantine exactly
the bad ones, and the process's peak memory may grow by no more than ``FUZZ_BOUND``. Each test prints what it tried.

Bodies are posted to the API served on 127.0.0.1 (each answered 201 or 400, never 500, with every article counted),
and mangled feeds and pages must fail as a ``FeedError`` or ``PageError`` or be read, never otherwise. Two more
tests read a 64 MiB line and a 2 GiB file without a newline in a fresh process and measure the memory they took.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import logging
import os
import random
import re
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

import newsloom
from newsloom.config import Settings
from newsloom.drivers.pipeline import Pipeline
from newsloom.ingest.archives import find_archive_files, read_archive_file
from newsloom.ingest.feeds import FeedError, parse_feed
from newsloom.ingest.files import MAX_FILE_BYTES, MAX_LINE_BYTES
from newsloom.ingest.web import PageError, extract_article
from newsloom.model import Article, Rejected
from newsloom.serve.app import create_app
from newsloom.store import open_store
from served import served

SEED = 20310512
WORDS = (
    "harbour bridge council ferry storm crane engineers river tram budget vote strike depot crack girder pier "
    "mayor union drivers wages flood evacuated homes rain school court ruling hospital nurses port cargo"
).split()
OUTLETS = ["Meridian Wire", "Coastal Times", "Northgate Post", "Riverbend Daily"]
_LANGUAGE_TAG = re.compile(r"[a-z]{1,8}(?:-[a-z0-9]{1,8})*")
# What reading one hostile file may add to a process's peak memory: twice the line limit (the line being read and
# the text decoded from it), well under the 64 MiB line and the 2 GiB file the tests read.
MEMORY_BOUND = 2 * MAX_LINE_BYTES
# What the whole fuzz may add to the peak memory of the process that reads it: the models the pipeline loads on
# first use (language identification, page extraction), a line held to the limit, and the batches on their way.
FUZZ_BOUND = 256 * 1024 * 1024


def _with_length(record: bytes, length: Callable[[int], object]) -> bytes:
    declared = re.search(rb"Content-Length: (\d+)", record)
    assert declared
    return record.replace(declared.group(), f"Content-Length: {length(int(declared.group(1)))}".encode(), 1)


# Records whose framing is broken: where they end cannot be trusted, and the reader must find the next record.
FRAMING_DAMAGE: dict[str, Callable[[bytes], bytes]] = {
    "mangled first line": lambda record: b"GARBAGE!" + record[8:],
    "length no number": lambda record: _with_length(record, lambda _: "many"),
    "length too short": lambda record: _with_length(record, lambda n: n // 2),
    "length too long": lambda record: _with_length(record, lambda n: n + 50),
    "length past the end": lambda record: _with_length(record, lambda _: 99_999_999_999),
}


@dataclass
class Expected:
    """What a run must end with: the origin of every good record stored, of every bad one quarantined."""

    stored: set[str] = field(default_factory=set)
    quarantined: set[str] = field(default_factory=set)
    repaired_unicode: int = 0  # good records holding lone surrogates

    @property
    def tried(self) -> int:
        return len(self.stored) + len(self.quarantined)


class Newsroom:
    """The seeded generator: good records with unique ids and headlines, and bad ones of every kind."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.serial = 0

    def sentence(self) -> str:
        words = [self.rng.choice(WORDS) for _ in range(self.rng.randint(6, 14))]
        return " ".join(words).capitalize() + self.rng.choice([".", ".", ",", ";"]) * 1

    def body(self) -> str:
        return "\n\n".join(" ".join(self.sentence() for _ in range(3)) for _ in range(self.rng.randint(1, 3)))

    def good(self) -> dict[str, object]:
        self.serial += 1
        return {
            "id": f"fz-{self.serial}",
            "title": f"{self.sentence()} ({self.serial})",
            "text": self.body(),
            "source": self.rng.choice(OUTLETS),
            "published": f"2031-03-{self.rng.randint(1, 28):02d}T{self.rng.randint(0, 23):02d}:00:00Z",
            "language": "en",
            "url": f"https://wire.example/{self.serial}",
        }

    # -- JSON records (JSON lines and JSON files) ----------------------------------------------------------------
    def good_json(self) -> tuple[bytes, bool]:
        """A good record as JSON, some needing repair; and whether it holds a lone surrogate."""
        record = self.good()
        kind = self.rng.choice(
            ["plain", "plain", "surrogate", "language", "date", "port", "markup", "name", "int", "news-please"]
        )
        if kind == "surrogate":
            record["title"] = f"{record['title']} \ud800 {self.rng.choice(WORDS)}"
        elif kind == "language":
            record["language"] = self.rng.choice(['"><scrip', "x" * 40, "en us", "<b>", "12"])
        elif kind == "date":
            record["published"] = self.rng.choice(["sometime last spring", 10**400, -(10**30), "9999-99-99", ""])
        elif kind == "port":
            record["url"] = f"https://wire.example:99999/{self.serial}"
        elif kind == "markup":
            record["text"] = f"<p>{record['text']}</p><script>alert(1)</script> &amp; more"
        elif kind == "name":
            record["source"] = {"name": self.rng.choice(OUTLETS)}
        elif kind == "int":
            record["id"] = 10**9 + self.serial
        elif kind == "news-please":  # news-please's names, and every other field it writes, most of them empty
            published = str(record.pop("published")).replace("T", " ").rstrip("Z")
            record = {
                "authors": [self.rng.choice(WORDS).capitalize()],
                "date_download": published,
                "date_modify": None,
                "date_publish": self.rng.choice([published, None, "None"]),
                "description": None,
                "filename": f"{record['id']}.json",
                "image_url": None,
                "language": record["language"],
                "localpath": None,
                "maintext": record["text"],
                "source_domain": "courier.example",
                "text": None,
                "title": record["title"],
                "title_page": None,
                "title_rss": None,
                "url": record["url"],
            }
        data = json.dumps(record).encode()
        if kind == "plain" and self.rng.random() < 0.2:
            data = data.replace(b'"title": "', b'"title": "Caf\xe9 ', 1)  # Windows-1252, not UTF-8
        return data, kind == "surrogate"

    def bad_json(self) -> bytes:
        """A record that must be quarantined, as JSON text (one line)."""
        self.serial += 1
        kind = self.rng.choice(
            ["cut", "deep", "not object", "no text", "blank fields", "wrong type", "long id", "control id",
             "long number", "markup only"]
        )  # fmt: skip
        if kind == "cut":
            whole = json.dumps(self.good()).encode()
            return whole[: self.rng.randint(1, len(whole) - 1)]
        if kind == "deep":
            depth = self.rng.randint(65, 3000)
            opening = "".join(self.rng.choice(["[", '{"k":']) for _ in range(depth))
            closing = "".join("]" if o == "[" else "}" for o in reversed(re.findall(r"\[|\{", opening)))
            return (opening + "1" + closing).encode()
        if kind == "not object":
            return self.rng.choice([b"[1, 2]", b'"a headline"', b"42", b"null", b"true", b"[]"])
        record: dict[str, object] = {"id": f"bad-{self.serial}", "source": "Nobody"}
        if kind == "blank fields":
            record.update(title="   ", text="")
        elif kind == "wrong type":
            record.update(self.rng.choice([{"title": {"a": 1}}, {"text": [1, 2]}, {"title": "T", "id": {"x": 1}}]))
        elif kind == "long id":
            record.update(id="x" * self.rng.randint(513, 100_000), title="Long id")
        elif kind == "control id":
            record.update(id=f"bad\u0007{self.serial}", title="Control id")
        elif kind == "long number":
            return b'{"id": "n", "title": "T", "count": ' + b"9" * self.rng.randint(4301, 6000) + b"}"
        elif kind == "markup only":
            record.update(title="<p></p>", text="<div><br></div>")
        return json.dumps(record).encode()

    def garbage(self) -> bytes:
        """Random bytes on one line: no newline, and not blank."""
        return b"#" + bytes(self.rng.choice([*range(0, 10), *range(11, 13), *range(14, 256)]) for _ in range(80))

    # -- files -------------------------------------------------------------------------------------------------
    def jsonl_file(self, path: Path, records: int, expected: Expected, overlong: bool = False) -> None:
        lines: list[bytes] = []
        for _ in range(records):
            roll = self.rng.random()
            origin = f"{path}:{len(lines) + 1}"
            if roll < 0.55:
                data, surrogate = self.good_json()
                expected.stored.add(origin)
                expected.repaired_unicode += surrogate
            elif roll < 0.62:
                data = self.garbage()
                expected.quarantined.add(origin)
            elif roll < 0.67:
                data = self.rng.choice([b"", b"   ", b"\t"])  # blank: neither stored nor quarantined
            else:
                data = self.bad_json()
                expected.quarantined.add(origin)
            lines.append(data)
        if overlong:
            at = self.rng.randrange(len(lines))
            lines.insert(at, b'{"id": "huge", "text": "' + b"x" * MAX_LINE_BYTES + b'"}')
            shifted = {_shift(o, path, at) for o in expected.stored if o.startswith(f"{path}:")}
            expected.stored = {o for o in expected.stored if not o.startswith(f"{path}:")} | shifted
            moved = {_shift(o, path, at) for o in expected.quarantined if o.startswith(f"{path}:")}
            expected.quarantined = {o for o in expected.quarantined if not o.startswith(f"{path}:")} | moved
            expected.quarantined.add(f"{path}:{at + 1}")
        path.write_bytes(b"".join(line + self.rng.choice([b"\n", b"\r\n"]) for line in lines))

    def json_file(self, path: Path, expected: Expected) -> None:
        roll = self.rng.random()
        if roll < 0.6:
            items: list[bytes] = []
            for index in range(self.rng.randint(0, 12)):
                if self.rng.random() < 0.6:
                    data, surrogate = self.good_json()
                    if b"\xe9" in data:
                        data = data.replace(b"Caf\xe9 ", b"")  # one file is one encoding: keep this one UTF-8
                    expected.stored.add(f"{path}[{index}]")
                    expected.repaired_unicode += surrogate
                else:
                    data = self._bad_item()
                    expected.quarantined.add(f"{path}[{index}]")
                items.append(data)
            listed = b"[" + b", ".join(items) + b"]"
            path.write_bytes(b'{"articles": ' + listed + b"}" if self.rng.random() < 0.5 else listed)
            if not items:
                return  # an empty list: nothing to store, nothing wrong
        elif roll < 0.75:
            data, surrogate = self.good_json()
            path.write_bytes(data.replace(b"Caf\xe9 ", b""))
            expected.stored.add(str(path))
            expected.repaired_unicode += surrogate
        elif roll < 0.85:
            whole = json.dumps([self.good(), self.good()]).encode()
            path.write_bytes(whole[: self.rng.randint(0, len(whole) - 1)])
            expected.quarantined.add(f"{path}:1")  # the JSON cut short: one line, so line 1
        elif roll < 0.93:
            path.write_bytes(b'{"articles": ' + b"[" * 3000 + b"]" * 3000 + b"}")
            expected.quarantined.add(str(path))
        else:
            path.write_bytes(bytes(self.rng.randrange(256) for _ in range(3000)) + b"\x00")
            expected.quarantined.add(str(path))

    def _bad_item(self) -> bytes:
        while True:
            data = self.bad_json()
            if data.startswith(b"{") and data.endswith(b"}") and b"[[" not in data and not data[-2:-1].isdigit():
                return data  # a whole object, valid JSON, that is still no article
            if data in (b"[1, 2]", b'"a headline"', b"42", b"null", b"true", b"[]"):
                return data

    def csv_file(self, path: Path, rows: int, expected: Expected) -> None:
        out = io.StringIO()
        out.write("id,title,text,source,language,published\n")
        line = 2
        for _ in range(rows):
            roll = self.rng.random()
            origin = f"{path}:{line}"
            if roll < 0.6:
                record = self.good()
                text = str(record["text"])
                if self.rng.random() < 0.3:
                    text = f'{text}, "quoted", and more'
                values = [
                    record["id"],
                    record["title"],
                    text,
                    record["source"],
                    record["language"],
                    record["published"],
                ]
                rendered = io.StringIO()
                csv.writer(rendered, lineterminator="\n").writerow(values)
                row = rendered.getvalue()
                expected.stored.add(origin)
            else:
                self.serial += 1
                kind = self.rng.choice(["wide", "open quote", "no text", "long id", "control id", "markup only"])
                row = {
                    "wide": f"bad-{self.serial},a,b,c,d,e,f,g\n",
                    "open quote": f'bad-{self.serial},"Left open,{self.sentence()}\n',
                    "no text": f"bad-{self.serial},,,Nobody,en,\n",
                    "long id": f"{'y' * self.rng.randint(513, 5000)},Title,Text,Nobody,en,\n",
                    "control id": f"bad\x01{self.serial},Title,Text,Nobody,en,\n",
                    "markup only": f"bad-{self.serial},<p></p>,<br>,Nobody,en,\n",
                }[kind]
                expected.quarantined.add(origin)
            out.write(row)
            line += row.count("\n")
        path.write_text(out.getvalue(), encoding="utf-8")

    def txt_file(self, path: Path, expected: Expected) -> None:
        roll = self.rng.random()
        if roll < 0.6:
            record = self.good()
            dek = f"{self.sentence()}\n\n" if self.rng.random() < 0.5 else "\n"
            text = f"{record['title']}\n{dek}{record['text']}\n"
            encoding = "cp1252" if self.rng.random() < 0.2 else "utf-8"
            path.write_bytes(text.replace("(", "(caf\u00e9 ", 1).encode(encoding))
            expected.stored.add(str(path))
            return
        kind = self.rng.choice(["binary", "control", "empty", "blank", "markup only"])
        data = {
            "binary": bytes(self.rng.randrange(256) for _ in range(4000)),
            "control": bytes(self.rng.choice([*range(1, 9), *range(14, 27), 65, 66, 67]) for _ in range(4000)),
            "empty": b"",
            "blank": b"  \n\n\t\n",
            "markup only": b"<p></p>\n\n<div><br></div>\n",
        }[kind]
        path.write_bytes(data)
        expected.quarantined.add(str(path))

    # -- WARC crawls ---------------------------------------------------------------------------------------------
    def page(self) -> str:
        """A news page whose article the extraction finds: a headline and three paragraphs of 24 words or more."""
        self.serial += 1
        paragraphs = "".join(f"<p>{' '.join(self.sentence() for _ in range(4))}</p>" for _ in range(3))
        title = f"{self.sentence()} ({self.serial})"
        article = f"<article><h1>{title}</h1>{paragraphs}</article>"
        return f"<html><head><title>{title}</title></head><body>{article}</body></html>"

    def warc_record(self, kind: str = "response", status: str = "200 OK", content_type: str = "text/html") -> bytes:
        """One record, uncompressed, with the blank lines after it; a response holds a page, or no article."""
        self.serial += 1
        out = io.BytesIO()
        writer = WARCWriter(out, gzip=False)
        url = f"https://crawl.example/{self.serial}"
        if kind == "request":
            headers = StatusAndHeaders("GET / HTTP/1.1", [("Host", "crawl.example")], is_http_request=True)
            record = writer.create_warc_record(url, "request", payload=io.BytesIO(b""), http_headers=headers)
        else:
            page = self.page() if content_type == "text/html" else "%PDF-1.4 not a page"
            headers = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
            record = writer.create_warc_record(url, kind, payload=io.BytesIO(page.encode()), http_headers=headers)
        writer.write_record(record)
        return out.getvalue()

    def warc_file(self, path: Path, records: int, expected: Expected) -> None:
        """A crawl (gzip member per record for .warc.gz): pages, requests, records that hold no article, records
        whose framing is broken (never two in a row: a stretch passed over is one rejection), maybe cut off."""
        chunks: list[bytes] = []
        broken = True  # the first record is a page: a crawl that does not begin with one is no crawl
        for number in range(1, records + 1):
            origin = f"{path}#{number}"
            roll = self.rng.random()
            if roll < 0.55 or broken:
                chunks.append(self.warc_record())
                expected.stored.add(origin)
                broken = False
            elif roll < 0.65:
                chunks.append(self.warc_record("request"))  # no page: neither stored nor quarantined
            elif roll < 0.8:
                chunks.append(
                    self.rng.choice(
                        [
                            lambda: self.warc_record(content_type="application/pdf"),
                            lambda: self.warc_record(status="404 Not Found"),
                            lambda: self.warc_record(kind="rumour"),
                        ]
                    )()
                )
                expected.quarantined.add(origin)
            else:
                chunks.append(self.rng.choice(list(FRAMING_DAMAGE.values()))(self.warc_record()))
                expected.quarantined.add(origin)
                broken = True
        gzipped = path.name.endswith(".gz")
        data = [gzip.compress(chunk) if gzipped else chunk for chunk in chunks]
        if self.rng.random() < 0.3:  # cut off in the middle of one more page
            if broken:
                data.append(gzip.compress(self.warc_record()) if gzipped else self.warc_record())
                expected.stored.add(f"{path}#{records + 1}")
                records += 1
            last = gzip.compress(self.warc_record()) if gzipped else self.warc_record()
            data.append(last[: self.rng.randint(10, len(last) // 2)])
            expected.quarantined.add(f"{path}#{records + 1}")
        path.write_bytes(b"".join(data))

    # -- bodies for POST /api/articles ---------------------------------------------------------------------------
    def post_body(self) -> tuple[bytes, int, int]:
        """A request body, and how many good and bad articles it holds; (body, 0, 0) for a body that cannot be read
        at all."""
        if self.rng.random() < 0.15:
            whole = json.dumps([self.good(), self.good()]).encode()
            unreadable = [
                b"[" * 3000 + b"]" * 3000,
                b'{"a":' * 3000 + b"1" + b"}" * 3000,
                b"{oops",
                whole[: self.rng.randint(1, len(whole) - 1)],
                b'{"id": "c", "title": "Caf\xe9 closes"}',  # Windows-1252: a body is UTF-8 or nothing
                b'{"id": "n", "title": "T", "count": ' + b"9" * 5000 + b"}",
            ]
            return self.rng.choice(unreadable), 0, 0
        records: list[bytes] = []
        good = bad = 0
        for _ in range(self.rng.randint(1, 4)):
            if self.rng.random() < 0.6:
                records.append(self.good_json()[0].replace(b"Caf\xe9 ", b""))
                good += 1
            else:
                records.append(self._bad_item())
                bad += 1
        listed = b"[" + b", ".join(records) + b"]"
        if len(records) == 1 and records[0].startswith(b"{") and self.rng.random() < 0.5:
            return records[0], good, bad
        return (b'{"articles": ' + listed + b"}" if self.rng.random() < 0.5 else listed), good, bad


def _shift(origin: str, path: Path, at: int) -> str:
    """The origin of a line after a line was inserted at index ``at``."""
    number = int(origin.rsplit(":", 1)[1])
    return f"{path}:{number + 1}" if number > at else origin


def _kind(origin: str) -> str:
    """The format a record came in, from its origin (file:line, file[index], file#record or file)."""
    name = re.sub(r"(:\d+|\[\d+\]|#\d+)$", "", origin)
    if name.endswith(".jsonl"):
        return "JSON lines"
    return "WARC" if name.endswith((".warc", ".warc.gz")) else name.rsplit(".", 1)[-1].upper()


def _stored(db: Path) -> tuple[set[str], list[tuple[str, str, str | None]]]:
    with closing(sqlite3.connect(db)) as connection:
        rows = connection.execute("SELECT origin, title || text || coalesce(outlet, ''), language FROM articles")
        articles = list(rows)
    return {row[0] for row in articles}, articles


def test_malformed_records_are_quarantined_and_every_good_one_is_stored(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    started = time.perf_counter()
    newsroom = Newsroom(SEED)
    expected = Expected()
    folder = tmp_path / "inbox"
    (folder / "json").mkdir(parents=True)
    (folder / "txt").mkdir()
    for number in range(4):
        newsroom.jsonl_file(folder / f"wire-{number}.jsonl", 200, expected, overlong=number == 2)
    for number in range(25):
        newsroom.json_file(folder / "json" / f"item-{number}.json", expected)
    for number in range(3):
        newsroom.csv_file(folder / f"sheet-{number}.csv", 80, expected)
    for number in range(30):
        newsroom.txt_file(folder / "txt" / f"story-{number}.txt", expected)
    for number in range(4):
        newsroom.warc_file(folder / f"crawl-{number}.warc{'.gz' if number % 2 else ''}", 25, expected)
    files, refused = find_archive_files([folder])
    assert refused == []

    def items() -> Iterator[Article | Rejected]:
        for path in files:
            yield from read_archive_file(path)

    db = tmp_path / "store" / "newsloom.db"
    settings = Settings(db=str(db))
    settings.cluster = replace(settings.cluster, embedding="none")
    store = open_store(db)
    try:
        with caplog.at_level(logging.WARNING, logger="newsloom"):
            before = _peak_rss(reset=True)
            report = Pipeline(settings, store).ingest(items(), write_briefs=False)
            growth = None if before is None else (_peak_rss() or 0) - before
        quarantined = {q.origin for q in store.quarantined(limit=100_000)}
    finally:
        store.close()
    stored, articles = _stored(db)
    seconds = time.perf_counter() - started
    kinds = Counter(_kind(origin) for origin in expected.stored | expected.quarantined)
    print(
        f"\nfuzz: {expected.tried:,} records tried ({len(expected.stored):,} good, {len(expected.quarantined):,} bad, "
        f"{expected.repaired_unicode} with lone surrogates; "
        f"{', '.join(f'{count:,} {kind}' for kind, count in sorted(kinds.items()))}) in {seconds:.1f} s; "
        f"peak RSS grew {'(not measured here)' if growth is None else _mib(growth)}, the bound is {_mib(FUZZ_BOUND)}"
    )

    assert stored == expected.stored
    assert quarantined == expected.quarantined
    assert (report.added, report.rejected) == (len(expected.stored), len(expected.quarantined))
    assert all(not re.search("[\ud800-\udfff\x00]", text) for _, text, _ in articles)
    assert all(language is None or _LANGUAGE_TAG.fullmatch(language) for _, _, language in articles)
    repairs = [r for r in caplog.records if "lone surrogate" in r.getMessage()]
    assert len(repairs) == expected.repaired_unicode
    assert expected.tried > 1000
    assert growth is None or growth < FUZZ_BOUND
    assert seconds < 120  # a few seconds here: a reader gone quadratic or stuck would show


def _peak_rss(reset: bool = False) -> int | None:
    """The peak resident memory of this process in bytes (Linux), started again from the current first when
    ``reset``; None where /proc does not tell."""
    try:
        if reset:
            with open("/proc/self/clear_refs", "w") as refs:
                refs.write("5")
        with open("/proc/self/status") as status:
            found = re.search(r"VmHWM:\s+(\d+) kB", status.read())
    except OSError:
        return None
    return int(found.group(1)) * 1024 if found else None


MEASURE = """
import json, re, resource, sys, time, tracemalloc
from dataclasses import replace
from newsloom.config import Settings
from newsloom.drivers.pipeline import Pipeline
from newsloom.ingest import read_file
from newsloom.store import open_store

def peak_kib():
    try:
        with open("/proc/self/status") as status:
            return int(re.search(r"VmHWM:\\s+(\\d+)", status.read()).group(1))
    except (OSError, AttributeError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

def reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")  # Linux: the peak RSS starts again from the current RSS
        return True
    except OSError:
        return False

def bytes_read():
    try:
        with open("/proc/self/io") as io:
            return int(re.search(r"rchar:\\s+(\\d+)", io.read()).group(1))
    except (OSError, AttributeError):
        return None

warm_up, huge, db = sys.argv[1:4]
settings = Settings(db=db)
settings.cluster = replace(settings.cluster, embedding="none")
store = open_store(db)
pipeline = Pipeline(settings, store)
pipeline.ingest(read_file(warm_up), write_briefs=False)  # everything a first ingest loads, loaded
reset = reset_peak()
before, read_before, started = peak_kib(), bytes_read(), time.perf_counter()
tracemalloc.start()
report = pipeline.ingest(read_file(huge), write_briefs=False)
traced = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
seconds, after, read_after = time.perf_counter() - started, peak_kib(), bytes_read()
store.close()
print(json.dumps({"reset": reset, "rss_growth": (after - before) * 1024, "traced_peak": traced, "seconds": seconds,
                  "read": None if read_before is None else read_after - read_before,
                  "added": report.added, "rejections": [[r.origin, r.reason] for r in report.rejections]}))
"""


def _measure(tmp_path: Path, huge: Path) -> dict[str, Any]:
    """Ingest ``huge`` into a fresh store in a fresh process (warmed up on one good line first): what it added and
    rejected, the growth of its peak memory, the bytes it read and the seconds it took."""
    warm_up = tmp_path / "warm-up.jsonl"
    record = {**Newsroom(SEED + 2).good(), "id": "warm-up", "url": "https://wire.example/warm-up"}
    warm_up.write_text(json.dumps(record) + "\n", encoding="utf-8")
    source = str(Path(newsloom.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([source, os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, str(warm_up), str(huge), str(tmp_path / "measure.db")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    measured: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return measured


def _mib(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MiB"


def test_a_64_mib_line_is_refused_in_bounded_memory_and_the_line_after_it_read(tmp_path: Path) -> None:
    newsroom = Newsroom(SEED + 1)
    line_bytes = 64 * 1024 * 1024
    huge = tmp_path / "huge.jsonl"
    with huge.open("wb") as handle:
        handle.write(json.dumps(newsroom.good()).encode() + b"\n")
        handle.write(b'{"id": "huge", "text": "')
        chunk = b"x" * (1024 * 1024)
        for _ in range(64):
            handle.write(chunk)
        handle.write(b"\n" + json.dumps(newsroom.good()).encode())  # the line after, with no newline at the end
    measured = _measure(tmp_path, huge)
    print(
        f"\nmemory for a {_mib(line_bytes)} line: peak RSS grew {_mib(measured['rss_growth'])} "
        f"({'peak reset' if measured['reset'] else 'ru_maxrss, may understate'}), "
        f"traced Python peak {_mib(measured['traced_peak'])}; the bound is {_mib(MEMORY_BOUND)}"
    )
    assert measured["added"] == 2
    [[origin, reason]] = measured["rejections"]
    assert origin == f"{huge}:2" and f"line is {line_bytes + 24:,} bytes" in reason
    assert measured["traced_peak"] < MEMORY_BOUND
    assert measured["rss_growth"] < MEMORY_BOUND


def test_a_2_gib_file_without_a_newline_is_refused_quickly_in_bounded_memory(tmp_path: Path) -> None:
    size = 2 * 1024 * 1024 * 1024
    huge = tmp_path / "no-newline.jsonl"
    with huge.open("wb") as handle:
        handle.write(b'{"id": "endless", "title": "Endless", "text": "' + b"words " * 20_000)
        handle.truncate(size)  # the rest a hole: no disk is filled, and no byte of it is a newline
    measured = _measure(tmp_path, huge)
    print(
        f"\na {_mib(size)} file without a newline: refused in {measured['seconds']:.1f} s, "
        f"{_mib(measured['read'] or 0)} read, peak RSS grew {_mib(measured['rss_growth'])}, "
        f"traced Python peak {_mib(measured['traced_peak'])}; the bound is {_mib(MEMORY_BOUND)}"
    )
    [[origin, reason]] = measured["rejections"]
    assert origin == f"{huge}:1" and "runs on past 268,435,456 bytes without a newline" in reason
    assert measured["added"] == 0
    assert measured["read"] is None or measured["read"] < MAX_FILE_BYTES + 64 * 1024 * 1024
    assert measured["traced_peak"] < MEMORY_BOUND
    assert measured["rss_growth"] < MEMORY_BOUND
    assert measured["seconds"] < 60


def test_posted_bodies_are_answered_201_or_400_never_500(tmp_path: Path) -> None:
    newsroom = Newsroom(SEED + 3)
    db = tmp_path / "api.db"
    settings = Settings(db=str(db))
    settings.cluster = replace(settings.cluster, embedding="none")
    settings.serve = replace(settings.serve, token="fuzz-token")
    headers = {"Authorization": "Bearer fuzz-token", "Content-Type": "application/json"}
    bodies = good_total = bad_total = 0
    started = time.perf_counter()
    with served(create_app(str(db), settings)) as address, httpx.Client(base_url=address, timeout=60) as client:
        for _ in range(60):
            body, good, bad = newsroom.post_body()
            answer = client.post("/api/articles", content=body, headers=headers)
            bodies, good_total, bad_total = bodies + 1, good_total + good, bad_total + bad
            assert answer.status_code == (201 if good else 400), (body[:300], answer.text[:500])
            report = answer.json()
            if good or bad:
                assert (report["added"], len(report["rejected"])) == (good, bad), (body[:300], report)
            else:
                assert "not JSON" in report["error"] and "rejected" not in report
    with closing(sqlite3.connect(db)) as connection:
        [(stored,)] = connection.execute("SELECT count(*) FROM articles").fetchall()
    print(
        f"\nfuzz: {bodies} bodies posted to 127.0.0.1 ({good_total} good articles, {bad_total} bad, the rest "
        f"unreadable bodies) in {time.perf_counter() - started:.1f} s"
    )
    assert stored == good_total


HOSTILE_SNIPPETS = [
    b"&#xD800;",
    b"&#55296;",
    b"&#99999999999;",
    b"&#x110000;",
    b"\\ud800",
    b"\x00",
    b"\xff\xfe",
    b"<![CDATA[",
    b"]]>",
    b"<" * 200,
    b"[" * 3000,
    b"<div>" * 3000,
    b"<!DOCTYPE x [<!ENTITY a 'b'>]>",
    b'"' * 50,
    "\u2028\u0085\ufeff".encode(),
]


def _mangled(rng: random.Random, data: bytes) -> bytes:
    """The data with one to three random cuts, deletions, copies, insertions or hostile snippets."""
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(data) + 1)
        kind = rng.randrange(6)
        if kind == 0:
            data = data[:at]
        elif kind == 1:
            data = data[:at] + data[at + rng.randint(1, 200) :]
        elif kind == 2:
            data = data[:at] + data[at : at + rng.randint(1, 500)] * rng.randint(2, 4) + data[at:]
        elif kind == 3:
            data = data[:at] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 40))) + data[at:]
        else:
            data = data[:at] + rng.choice(HOSTILE_SNIPPETS) + data[at:]
    return data


def test_mangled_feeds_and_pages_fail_only_as_a_feed_or_page_error(tmp_path: Path) -> None:
    newsroom = Newsroom(SEED + 4)
    rng = random.Random(SEED + 5)
    entries = [newsroom.good() for _ in range(4)]
    rss = "".join(
        f"<item><title>{e['title']}</title><link>{e['url']}</link><guid>{e['id']}</guid>"
        f"<pubDate>Mon, 03 Mar 2031 09:00:00 GMT</pubDate><description>{e['text']}</description></item>"
        for e in entries
    )
    atom = "".join(
        f'<entry><title>{e["title"]}</title><link href="{e["url"]}"/><id>{e["id"]}</id>'
        f'<updated>2031-03-03T09:00:00Z</updated><content type="html">{e["text"]}</content></entry>'
        for e in entries
    )
    items = [{"id": e["id"], "url": e["url"], "title": e["title"], "content_text": e["text"]} for e in entries]
    feeds = [
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>{rss}</channel></rss>'.encode(),
        f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Wire</title>{atom}</feed>'.encode(),
        json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "Wire", "items": items}).encode(),
    ]
    pages = [newsroom.page().encode() for _ in range(3)]
    read: list[Article | Rejected] = []
    outcomes: Counter[str] = Counter()
    started = time.perf_counter()
    for number in range(300):
        url = f"https://wire.example/feed/{number}"
        try:
            parsed = parse_feed(_mangled(rng, rng.choice(feeds)), url)
        except FeedError:
            outcomes["feeds refused"] += 1
            continue
        outcomes["feeds read"] += 1
        read.extend([*parsed.rejected, *parsed.articles])
    for number in range(150):
        try:
            read.append(extract_article(_mangled(rng, rng.choice(pages)), f"https://wire.example/page/{number}"))
            outcomes["pages read"] += 1
        except PageError:
            outcomes["pages refused"] += 1
    db = tmp_path / "feeds.db"
    settings = Settings(db=str(db))
    settings.cluster = replace(settings.cluster, embedding="none")
    store = open_store(db)
    try:
        report = Pipeline(settings, store).ingest(read, write_briefs=False)
    finally:
        store.close()
    print(
        f"\nfuzz: 450 mangled feeds and pages tried ({', '.join(f'{n} {k}' for k, n in sorted(outcomes.items()))}; "
        f"{len(read)} entries and pages ingested: {report.added} added, {report.already_known} already known, "
        f"{report.rejected} rejected) in {time.perf_counter() - started:.1f} s"
    )
    assert report.added + report.already_known + report.rejected == len(read)
