"""Archives for a backfill: WARC crawls (each HTML response extracted as an article), plus every format ``files`` reads.

A WARC file (``.warc``, ``.warc.gz``) holds the pages a crawler fetched; each ``response`` record with an HTML body
becomes an article through the same extraction as a fetched page (trafilatura), dated by the page's own markup or,
failing that, by the record's ``WARC-Date``. A record that holds no article (an index page, an error page, a PDF)
becomes a ``Rejected`` naming the file, the record and the reason, and so does a stretch of broken records, passed
over to the next record the file holds (``newsloom.ingest.warc``); the rest of the crawl goes on. news-please output
(one ``.json`` per article, in folders) and JSON lines are read by ``newsloom.ingest.files``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

from newsloom.ingest.files import SUPPORTED_SUFFIXES, find_files, read_file
from newsloom.model import Article, Rejected

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
    """Each HTML ``response`` record of a WARC file as an article (or a ``Rejected`` saying why it is none), the
    crawl read on past any broken record (``newsloom.ingest.warc``)."""
    try:
        from newsloom.ingest.warc import read_crawl
    except ImportError as error:
        if not (error.name or "").startswith("warcio"):
            raise
        yield Rejected(str(path), f"reading WARC files needs warcio: {WARC_INSTALL}")
        return
    try:
        yield from read_crawl(path)
    except OSError as error:
        yield Rejected(str(path), f"cannot read file: {error.strerror or error}")
    except Exception as error:
        # The last line of defence: the reader turns broken records into rejections; this keeps its own failure
        # from stopping the files after this one.
        log.exception("%s: unexpected error while reading the crawl", path)
        yield Rejected(str(path), f"reading stopped by an unexpected error ({type(error).__name__}: {error})")
