"""Archives for a backfill: WARC crawls (each HTML response extracted as an article), plus every format ``files`` reads.

A WARC file (``.warc``, ``.warc.gz``) holds the pages a crawler fetched; each ``response`` record with an HTML body
becomes an article through the same extraction as a fetched page (trafilatura), dated by the page's own markup or,
failing that, by the record's ``WARC-Date``. A record that holds no article (an index page, an error page, a PDF)
becomes a ``Rejected`` naming the file, the record and the reason; the rest of the crawl goes on. news-please output
(one ``.json`` per article, in folders) and JSON lines are read by ``newsloom.ingest.files``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from newsloom.ingest.files import MAX_FILE_BYTES, SUPPORTED_SUFFIXES, find_files, read_file
from newsloom.ingest.web import PageError, extract_article
from newsloom.model import Article, Rejected
from newsloom.text.dates import UnreadableDate, parse_date

log = logging.getLogger(__name__)

WARC_SUFFIXES = (".warc", ".warc.gz")
ARCHIVE_SUFFIXES = (*SUPPORTED_SUFFIXES, *WARC_SUFFIXES)
WARC_INSTALL = "pip install warcio (or: pip install 'newsloom[ray]')"

Item = Article | Rejected


def is_warc(path: Path) -> bool:
    return path.name.lower().endswith(WARC_SUFFIXES)


def find_archive_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[Rejected]]:
    """The readable files under the given files and folders (recursively, sorted), WARC files included."""
    return find_files(paths, ARCHIVE_SUFFIXES)


def read_archive_file(path: Path) -> Iterator[Item]:
    """The articles in one file of an archive: a WARC crawl, or any format ``newsloom ingest`` reads."""
    if is_warc(path):
        yield from read_warc(path)
    else:
        yield from read_file(path)


def read_warc(path: Path) -> Iterator[Item]:
    """Each HTML ``response`` record of a WARC file as an article (or a ``Rejected`` saying why it is none)."""
    try:
        from warcio.archiveiterator import ArchiveIterator
        from warcio.exceptions import ArchiveLoadFailed
    except ImportError:
        yield Rejected(str(path), f"reading WARC files needs warcio: {WARC_INSTALL}")
        return
    number = 0
    try:
        with path.open("rb") as handle:
            if handle.read(5) != b"WARC/" and not _gzipped(path):
                yield Rejected(str(path), "not a WARC file: it does not begin with a WARC/1.x record")
                return
            handle.seek(0)
            for number, record in enumerate(ArchiveIterator(handle), start=1):
                where = f"{path}#{number}"
                if record.rec_type != "response":
                    continue
                try:
                    item = _page(record, where)
                except Exception as error:
                    # A record no rule foresaw is quarantined; the records after it are still read.
                    log.exception("%s: unexpected error while reading the record", where)
                    item = Rejected(where, f"unreadable WARC record ({type(error).__name__}: {str(error)[:200]})")
                yield item
    except ArchiveLoadFailed as error:
        yield Rejected(_after(path, number), f"not a readable WARC file: {error}")
    except OSError as error:
        yield Rejected(_after(path, number), f"cannot read file: {error.strerror or error}")
    except Exception as error:
        # The crawl itself broke off (a corrupt gzip member, a mangled header): what came before it is kept.
        log.exception("%s: unexpected error while reading the crawl", path)
        reason = f"the rest of the crawl is unreadable ({type(error).__name__}: {str(error)[:200]})"
        yield Rejected(_after(path, number), reason)


def _after(path: Path, number: int) -> str:
    """Where a crawl broke off: the file, or the record after the last one read."""
    return f"{path}#{number + 1}" if number else str(path)


def _page(record: Any, origin: str) -> Item:
    """One ``response`` record of a crawl as an article, or a rejection saying why it holds none."""
    url = record.rec_headers.get_header("WARC-Target-URI") or ""
    content_type = (record.http_headers.get_header("Content-Type") or "") if record.http_headers else ""
    if "html" not in content_type.lower():
        return Rejected(origin, f"{url}: not an HTML page ({content_type or 'no content type'})")
    status = record.http_headers.get_statuscode() if record.http_headers else ""
    if status and not status.startswith("2"):
        return Rejected(origin, f"{url}: HTTP status {status}, not a page")
    body = record.content_stream().read(MAX_FILE_BYTES + 1)
    if len(body) > MAX_FILE_BYTES:
        return Rejected(origin, f"{url}: page over the {MAX_FILE_BYTES:,}-byte limit")
    try:
        article = extract_article(body, url)
    except PageError as error:
        return Rejected(origin, f"{url}: {error}")
    if article.published is None:
        article.published = _record_date(record.rec_headers.get_header("WARC-Date"), origin)
    article.origin = origin
    return article


def _gzipped(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(2) == b"\x1f\x8b"


def _record_date(value: str | None, origin: str) -> datetime | None:
    """When the crawler fetched the page: a stand-in for a publication date the page does not give."""
    if not value:
        return None
    try:
        return parse_date(value)
    except UnreadableDate:
        log.warning("%s: unreadable WARC-Date %r", origin, value)
        return None
