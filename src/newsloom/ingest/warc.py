"""WARC crawls, read record by record with warcio: each HTML ``response`` an article, the rest of the crawl read on
past any record that is broken.

A crawl is someone else's file and may be cut off, corrupted or hostile. A record's headers are read no further than
``MAX_HEADER_BYTES`` (warcio alone reads a header line of any length whole, copying it again at every 16 KiB), a
page no further than the page limit. A record that cannot be parsed, or whose length does not match its content,
is passed over with the bytes after it up to the next record the file holds (the next line beginning ``WARC/`` of a
``.warc``, the next gzip member of a ``.warc.gz``); the stretch passed over is one rejection naming its bytes, and
the records after it are read as usual. A crawl cut off mid-record ends with such a rejection.

Needs warcio; ``newsloom.ingest.archives`` refuses WARC files, saying how to install it, when it is missing.
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import DecompressingBufferedReader

from newsloom.ingest.web import MAX_PAGE_BYTES, PageError, extract_article
from newsloom.model import Article, Rejected
from newsloom.text.dates import UnreadableDate, parse_date

log = logging.getLogger(__name__)

MAX_HEADER_BYTES = 1024 * 1024  # a record's WARC and HTTP headers together; a crawler writes a few KiB
RECORD_TYPES = frozenset(
    {"warcinfo", "response", "resource", "request", "metadata", "revisit", "conversion", "continuation"}
)
_PIECE = 1024 * 1024
_GZIP_MEMBER = b"\x1f\x8b\x08"
_RECORD_LINE = b"\nWARC/"

Item = Article | Rejected


class HeadersTooLong(ValueError):
    """Headers that run on past ``MAX_HEADER_BYTES``: a line without an end, or lines without end."""


class _BoundedReader(DecompressingBufferedReader):  # type: ignore[misc]
    """warcio's reader, giving header lines no further than ``MAX_HEADER_BYTES`` in all since content was last
    read (the content of a record is read with ``read``, its headers and the blank lines after it with
    ``readline``)."""

    header_bytes = 0

    def readline(self, length: int | None = None) -> bytes:
        room = MAX_HEADER_BYTES + 1 - self.header_bytes
        line: bytes = super().readline(room if length is None else min(length, room))
        self.header_bytes += len(line)
        if self.header_bytes > MAX_HEADER_BYTES:
            raise HeadersTooLong(f"headers running on past {MAX_HEADER_BYTES:,} bytes")
        return line

    def read(self, length: int | None = None) -> bytes:
        self.header_bytes = 0
        data: bytes = super().read(length)
        return data


class _Crawl(ArchiveIterator):  # type: ignore[misc]
    """warcio's iterator over the bounded reader, from where the file handle stands."""

    # warcio writes this warning (a record not followed by a blank line) to standard error itself; here the record
    # it concerns becomes a rejection instead.
    INC_RECORD = ""

    reader: _BoundedReader

    def __init__(self, handle: io.BufferedReader) -> None:
        super().__init__(handle)
        self.reader = _BoundedReader(self.fh)  # warcio's own, not yet read from, replaced


@dataclass
class _Break:
    """A stretch of the crawl passed over: the record number it counts as, where it begins, and the first problem."""

    number: int
    start: int
    problem: str

    def rejected(self, path: Path, end: int | None, size: int) -> Rejected:
        where = f"from byte {self.start:,} to the end of the file ({size:,} bytes)"
        if end is not None:
            where = f"from byte {self.start:,} to byte {end:,}, where reading resumed"
        return Rejected(f"{path}#{self.number}", f"unreadable WARC records {where}: {self.problem}")


def read_crawl(path: Path) -> Iterator[Item]:
    """Each HTML ``response`` record of a WARC file as an article, or a ``Rejected`` saying why it is none."""
    with path.open("rb") as handle:
        head = handle.read(5)
        gzipped = head.startswith(b"\x1f\x8b")
        if head != b"WARC/" and not gzipped:
            yield Rejected(str(path), "not a WARC file: it does not begin with a WARC/1.x record")
            return
        size = os.fstat(handle.fileno()).st_size
        number = 0  # records read, a stretch passed over counted as one
        broken: _Break | None = None
        start: int | None = 0
        while start is not None:
            handle.seek(start)
            crawl = _Crawl(handle)
            at = start  # where the record being read begins
            problem: str | None = None
            try:
                for record in crawl:
                    room = None if gzipped else size - at
                    item, problem = _record(record, crawl, f"{path}#{number + 1}", room)
                    if problem:
                        break
                    if broken:
                        yield broken.rejected(path, at, size)
                        broken = None
                    number += 1
                    if item is not None:
                        yield item
                    at = crawl.offset
                    crawl.reader.header_bytes = 0
                else:
                    if crawl.offset < size:  # bytes left that hold no whole record: a crawl cut off mid-record
                        at = crawl.offset
                        problem = f"{size - crawl.offset:,} bytes at the end hold no whole record (a crawl cut off?)"
            except OSError:
                raise
            except HeadersTooLong as error:
                problem = f"a record with {error}"
            except Exception as error:  # warcio's own failures, on records it cannot parse
                problem = (
                    f"a record that cannot be parsed ({type(error).__name__}: {' '.join(str(error).split())[:200]})"
                )
            start = None
            if problem:
                if broken is None:
                    number += 1
                    broken = _Break(number, at, problem)
                start = _next_record(handle, at + 1, gzipped)
        if broken:
            yield broken.rejected(path, None, size)


def _record(record: Any, crawl: _Crawl, origin: str, room: int | None) -> tuple[Item | None, str | None]:
    """What one record holds (an article, a rejection, or nothing for a record that is no page), and what is
    wrong with its framing, if anything (then what it holds cannot be trusted). ``room``: the bytes of the file
    from the record on, for an uncompressed crawl."""
    declared = record.rec_headers.get_header("Content-Length")
    if declared is None or not declared.strip().isdigit():
        # Read on, it would run to the end of the file: passed over to the next record at once instead.
        return None, f"a record whose Content-Length is {'missing' if declared is None else repr(declared[:40])}"
    length = int(declared)
    if room is not None and length > room:
        return None, f"a record cut short: the file ends before the {length:,} bytes it declares"
    inconsistent = crawl.err_count
    try:
        item = _item(record, origin)
    except Exception as error:  # a record no rule foresaw is quarantined; the records after it are still read
        log.exception("%s: unexpected error while reading the record", origin)
        item = Rejected(origin, f"unreadable WARC record ({type(error).__name__}: {str(error)[:200]})")
    crawl.read_to_end()
    if getattr(record.raw_stream, "limit", 0) > 0:
        return None, f"a record cut short: the file ends before the {length:,} bytes it declares"
    if crawl.err_count > inconsistent:
        return None, f"a record longer or shorter than the {length:,} bytes it declares"
    return item, None


def _item(record: Any, origin: str) -> Item | None:
    kind = record.rec_type
    if kind not in RECORD_TYPES:
        return Rejected(
            origin, f"a WARC record of unknown type {str(kind)[:40]!r}" if kind else "a WARC record of no type"
        )
    if kind != "response":
        return None  # the request, the crawler's own notes, a duplicate: no page
    return _page(record, origin)


def _page(record: Any, origin: str) -> Item:
    """One ``response`` record as an article, or a rejection saying why it holds none."""
    url = record.rec_headers.get_header("WARC-Target-URI") or ""
    content_type = (record.http_headers.get_header("Content-Type") or "") if record.http_headers else ""
    if "html" not in content_type.lower():
        return Rejected(origin, f"{url}: not an HTML page ({content_type or 'no content type'})")
    status = record.http_headers.get_statuscode() if record.http_headers else ""
    if status and not status.startswith("2"):
        return Rejected(origin, f"{url}: HTTP status {status}, not a page")
    body = record.content_stream().read(MAX_PAGE_BYTES + 1)
    if len(body) > MAX_PAGE_BYTES:
        return Rejected(origin, f"{url}: page over the {MAX_PAGE_BYTES:,}-byte limit")
    try:
        article = extract_article(body, url)
    except PageError as error:
        return Rejected(origin, f"{url}: {error}")
    if article.published is None:
        article.published = _record_date(record.rec_headers.get_header("WARC-Date"), origin)
    article.origin = origin
    return article


def _next_record(handle: io.BufferedReader, position: int, gzipped: bool) -> int | None:
    """Where the next record at or after ``position`` may begin (the next gzip member of a ``.warc.gz``, the next
    line beginning ``WARC/`` of a ``.warc``), or None when the file holds no more. Read into one buffer, a piece at
    a time, the pieces growing: the next record is most often near, and a long stretch of garbage is read once."""
    marker, skip = (_GZIP_MEMBER, 0) if gzipped else (_RECORD_LINE, 1)
    overlap = len(marker) - 1  # a marker may straddle two pieces: the end of one is searched again with the next
    buffer = bytearray(_PIECE)
    piece = 16 * 1024
    handle.seek(position)
    while read := handle.readinto(memoryview(buffer)[:piece]):
        found = buffer.find(marker, 0, read)
        if found >= 0:
            return position + found + skip
        if read <= overlap:
            return None
        position += read - overlap
        handle.seek(position)
        piece = min(piece * 2, _PIECE)
    return None


def _record_date(value: str | None, origin: str) -> datetime | None:
    """When the crawler fetched the page: a stand-in for a publication date the page does not give."""
    if not value:
        return None
    try:
        return parse_date(value)
    except UnreadableDate:
        log.warning("%s: unreadable WARC-Date %r", origin, value[:100])
        return None
