"""Articles from files and folders: .jsonl, .json (one article, a list, or news-please), .csv and .txt.

A file, line or row that cannot be read becomes a ``Rejected`` naming the file, the line and the reason; the rest
of the input goes on. Nothing in a file can stop the reading of the others: JSON is refused past a depth before
it is parsed, a JSON line is read in pieces and one over the limit skipped without ever being held whole (a line
that runs on past ``MAX_FILE_BYTES`` ends the file: no file of records holds one), a CSV row with a quote left open
is set aside and reading resumes on the line after it, and a binary file is refused (a file of rows only when most
of its first rows are binary: a few broken rows cost only themselves).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import NamedTuple

from newsloom.ingest.records import BadRecord, article_from_record
from newsloom.model import Article, Rejected
from newsloom.text.checks import JSONTooDeep, load_json

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".jsonl", ".ndjson", ".json", ".csv", ".txt")
MAX_FILE_BYTES = 256 * 1024 * 1024  # a whole-file format (.json, .csv, .txt) larger than this is refused
MAX_LINE_BYTES = 16 * 1024 * 1024
MAX_CSV_ROW_LINES = 10_000  # a quoted field may span lines; one spanning more is a quote left open
MAX_CSV_BAD_ROWS = 1_000  # past this many broken rows a file is no CSV, and re-reading after each would be slow
_EXCERPT = 2000
_PIECE = 1024 * 1024  # a line is read this much at a time
_SNIFF = 64 * 1024
# Bytes no text file holds (beyond tab, line feed, form feed, carriage return and escape); a few stray ones are
# forgiven, more than 1% of the first 64 KiB make a binary file.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x1B), *range(0x1C, 0x20), 0x7F])
_MAX_CONTROL_SHARE = 0.01
_LINE_END = re.compile(r"\r\n|\r|\n")

Item = Article | Rejected


def find_files(
    paths: Iterable[str | Path], suffixes: Sequence[str] = SUPPORTED_SUFFIXES
) -> tuple[list[Path], list[Rejected]]:
    """The readable files (names ending in one of ``suffixes``) under the given files and folders (recursively,
    sorted), and the paths refused."""
    found: list[Path] = []
    refused: list[Rejected] = []

    def readable(path: Path) -> bool:
        return path.name.lower().endswith(tuple(suffixes))

    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                hidden = any(part.startswith(".") for part in child.relative_to(path).parts)
                if child.is_file() and not hidden and readable(child):
                    found.append(child)
        elif path.is_file():
            if readable(path):
                found.append(path)
            else:
                refused.append(
                    Rejected(
                        str(path),
                        f"unsupported file type '{path.suffix or '(none)'}': newsloom reads {', '.join(suffixes)}",
                    )
                )
        else:
            refused.append(Rejected(str(path), "no such file or folder"))
    return found, refused


def read_paths(paths: Iterable[str | Path]) -> Iterator[Item]:
    """Every article (or rejection) in the given files and folders, file by file, in order."""
    files, refused = find_files(paths)
    yield from refused
    for path in files:
        yield from read_file(path)


def read_file(path: str | Path) -> Iterator[Item]:
    """The articles in one file, by its suffix; whatever goes wrong becomes a rejection, never an exception."""
    path = Path(path)
    try:
        yield from _read_by_suffix(path)
    except OSError as error:
        yield Rejected(str(path), f"cannot read file: {error.strerror or error}")
    except Exception as error:
        # The last line of defence: the readers turn bad input into rejections; this keeps a reader's own failure
        # from stopping the files after this one.
        log.exception("%s: unexpected error while reading", path)
        yield Rejected(str(path), f"reading stopped by an unexpected error ({type(error).__name__}: {error})")


def _read_by_suffix(path: Path) -> Iterator[Item]:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        yield from _read_jsonl(path)
        return
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        yield Rejected(str(path), f"file is {size:,} bytes, over the {MAX_FILE_BYTES:,}-byte limit for {suffix}")
        return
    data = path.read_bytes()
    refusal = binary_refusal(data)
    if refusal and (suffix != ".csv" or _mostly_binary(data[:_SNIFF])):
        yield Rejected(str(path), refusal)
        return
    text = _decode(data, str(path))
    if suffix == ".json":
        yield from _read_json(text, path)
    elif suffix == ".csv":
        yield from _read_csv(text, path)
    elif suffix == ".txt":
        yield from _read_txt(text, path)
    else:
        yield Rejected(str(path), f"unsupported file type '{suffix}'")


def binary_refusal(data: bytes) -> str | None:
    """Why the bytes are no text file (NUL bytes, or too many control bytes), or None when they may be text."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "the file is UTF-16 text: save it as UTF-8"
    if b"\x00" in data:
        return "a binary file (it holds NUL bytes), not text: newsloom reads UTF-8 text"
    sample = data[:_SNIFF]
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if controls > len(sample) * _MAX_CONTROL_SHARE:
        share = controls / len(sample)
        return f"a binary file ({share:.0%} of its first bytes are control characters), not text"
    return None


def _mostly_binary(sample: bytes) -> bool:
    """Whether most lines of the sample hold NUL or control bytes: a file of rows (CSV, JSON lines) is refused as
    binary only then, so that a few broken rows cost only themselves."""
    lines = [line for line in sample.split(b"\n") if line.strip()]
    dirty = sum(1 for line in lines if len(line.translate(None, _CONTROL_BYTES)) != len(line))
    return dirty * 2 > len(lines)


def _decode(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        log.warning("%s is not valid UTF-8 (byte %d); read as Windows-1252", where, error.start)
        return data.decode("cp1252", errors="replace")


def _record(record: object, origin: str, raw: str | Callable[[], str]) -> Item:
    """The record as an article, or a rejection with an excerpt of the raw input (made only when needed)."""
    try:
        return article_from_record(record, origin)
    except BadRecord as error:
        return Rejected(origin, str(error), _excerpt(raw))
    except Exception as error:
        log.exception("%s: unexpected error while reading the record", origin)
        return Rejected(origin, f"unreadable record ({type(error).__name__}: {error})", _excerpt(raw))


def _excerpt(raw: str | Callable[[], str]) -> str:
    try:
        return (raw if isinstance(raw, str) else raw())[:_EXCERPT]
    except Exception:  # an excerpt is a courtesy; a record that cannot give one is still quarantined
        return ""


def _json_problem(error: ValueError) -> str:
    if isinstance(error, json.JSONDecodeError):
        return f"invalid JSON at column {error.colno}: {error.msg}"
    return str(error)


# -- .jsonl ------------------------------------------------------------------------------------------------------
class _Line(NamedTuple):
    """One line of a file: its bytes (None when over the limit, never held whole), its size, its start, and the
    bytes of the file left unread when the line ran on past ``MAX_FILE_BYTES`` without ending."""

    number: int
    data: bytes | None
    size: int
    head: bytes
    unread: int = 0


def _lines(handle: io.BufferedReader, limit: int) -> Iterator[_Line]:
    """The lines of a file. A line over ``limit`` bytes is held no further than the limit and the rest of it passed
    over in pieces, read into one buffer, to its end; a line that runs on past ``MAX_FILE_BYTES`` is no line of
    records, and the lines end there (a 2 GiB file without a newline costs 256 MiB of reading, not 2 GiB)."""
    number = 0
    buffer = bytearray(_PIECE)
    while True:
        pieces = [handle.readline(_PIECE)]
        if not pieces[0]:
            return
        size = len(pieces[0])
        while not pieces[-1].endswith(b"\n") and size <= limit + 1:  # the limit, and its \r\n ending
            piece = handle.readline(min(_PIECE, limit + 2 - size))
            if not piece:
                break
            pieces.append(piece)
            size += len(piece)
        number += 1
        tail = ((pieces[-2][-1:] if len(pieces) > 1 else b"") + pieces[-1][-2:])[-2:]
        ending = 2 if tail == b"\r\n" else 1 if tail.endswith(b"\n") else 0
        if size - ending <= limit:
            data = pieces[0] if len(pieces) == 1 else b"".join(pieces)
            yield _Line(number, data, size - ending, data[:_EXCERPT])
            continue
        head, last = pieces[0][:_EXCERPT], tail[-1:]
        del pieces
        while not ending:
            if size > MAX_FILE_BYTES:
                unread = os.fstat(handle.fileno()).st_size - handle.tell()
                if unread > 0:
                    yield _Line(number, None, size, head, unread)
                    return
            read = handle.readinto(buffer)
            if not read:
                break
            found = buffer.find(b"\n", 0, read)
            if found < 0:
                size, last = size + read, bytes(buffer[read - 1 : read])
                continue
            handle.seek(found + 1 - read, io.SEEK_CUR)  # back to the start of the next line
            size += found + 1
            ending = 2 if (buffer[found - 1 : found] if found else last) == b"\r" else 1
        yield _Line(number, None, size - ending, head)


def _read_jsonl(path: Path, max_line_bytes: int = MAX_LINE_BYTES) -> Iterator[Item]:
    with path.open("rb") as handle:
        sniff = handle.read(_SNIFF)
        refusal = binary_refusal(sniff)
        if refusal and _mostly_binary(sniff):
            yield Rejected(str(path), refusal)
            return
        handle.seek(0)
        for line in _lines(handle, max_line_bytes):
            origin = f"{path}:{line.number}"
            if line.unread:
                reason = (
                    f"line runs on past {MAX_FILE_BYTES:,} bytes without a newline: this is no file of JSON lines, "
                    f"and the rest of it ({line.unread:,} bytes) is not read"
                )
                yield Rejected(origin, reason, line.head.decode("utf-8", "replace"))
                return
            if line.data is None:
                reason = f"line is {line.size:,} bytes, over the {max_line_bytes:,}-byte limit; skipped to its end"
                yield Rejected(origin, reason, line.head.decode("utf-8", "replace"))
                continue
            text = _decode(line.data, origin).strip()
            if not text:
                continue
            try:
                record = load_json(text)
            except (JSONTooDeep, json.JSONDecodeError) as error:
                yield Rejected(origin, _json_problem(error), text[:_EXCERPT])
                continue
            yield _record(record, origin, text)


# -- .json -------------------------------------------------------------------------------------------------------
def _read_json(text: str, path: Path) -> Iterator[Item]:
    try:
        data = load_json(text)
    except json.JSONDecodeError as error:
        yield Rejected(f"{path}:{error.lineno}", _json_problem(error), text[:_EXCERPT])
        return
    except JSONTooDeep as error:
        yield Rejected(str(path), str(error), text[:_EXCERPT])
        return
    if isinstance(data, dict) and isinstance(data.get("articles"), list):
        data = data["articles"]  # {"articles": [...]}, as NewsAPI and many exports write
    if isinstance(data, list):
        for index, record in enumerate(data):
            yield _record(record, f"{path}[{index}]", partial(json.dumps, record, ensure_ascii=False))
    else:
        yield _record(data, str(path), text)


# -- .csv --------------------------------------------------------------------------------------------------------
class _RowTooLong(Exception):
    """A CSV row that has run over ``MAX_CSV_ROW_LINES`` lines: a quote left open is eating the rows after it."""


class _CSVLines:
    """The lines of a CSV text for the csv module, counted, remembering where the row being read began so that
    reading can resume on the line after it when the row turns out broken."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.position = 0
        self.number = 0
        self.row_start = 1  # the line the row being read began on
        self._row_lines = 0
        self._row_start_position = 0
        self._after_row_start = 0  # where the line after the row's first begins

    def __iter__(self) -> _CSVLines:
        return self

    def __next__(self) -> str:
        if self.position >= len(self.text):
            raise StopIteration
        end = _LINE_END.search(self.text, self.position)
        stop = end.end() if end else len(self.text)
        line = self.text[self.position : stop]
        self.number += 1
        self._row_lines += 1
        if self._row_lines == 1:
            self.row_start = self.number
            self._row_start_position = self.position
            self._after_row_start = stop
        elif self._row_lines > MAX_CSV_ROW_LINES:
            raise _RowTooLong(f"a quoted field runs over {MAX_CSV_ROW_LINES:,} lines: a quote left open?")
        self.position = stop
        return line

    def next_row(self) -> None:
        self._row_lines = 0

    def first_line(self) -> str:
        """The first line of the row being read (for the quarantine)."""
        return self.text[self._row_start_position : self._after_row_start][:_EXCERPT]

    def resume_after_row_start(self) -> None:
        """Read on from the line after the row's first: the rows a broken row swallowed are read again."""
        self.position = self._after_row_start
        self.number = self.row_start
        self._row_lines = 0


def _read_csv(text: str, path: Path) -> Iterator[Item]:
    csv.field_size_limit(MAX_LINE_BYTES)
    lines = _CSVLines(text)
    # strict: a quote left open at the end of the file, or text after a closing quote, is an error, not a field
    # that silently swallows the rows after it.
    reader = csv.reader(lines, strict=True)
    try:
        header = next(reader, None)
    except (csv.Error, _RowTooLong) as error:
        yield Rejected(f"{path}:1", f"malformed CSV header: {error}", lines.first_line())
        return
    if not header or not any(name.strip() for name in header):
        yield Rejected(str(path), "empty CSV file: the first line must name the fields (e.g. id,title,text,...)")
        return
    broken = 0
    while True:
        lines.next_row()
        try:
            row = next(reader, None)
        except (csv.Error, _RowTooLong) as error:
            broken += 1
            origin = f"{path}:{lines.row_start}"
            yield Rejected(origin, _csv_problem(error), lines.first_line())
            if broken >= MAX_CSV_BAD_ROWS:
                yield Rejected(
                    origin, f"over {MAX_CSV_BAD_ROWS:,} malformed rows: the rest of the file is not read as CSV"
                )
                return
            lines.resume_after_row_start()
            reader = csv.reader(lines, strict=True)  # a fresh reader: the broken one is inside the open quote
            continue
        if row is None:
            return
        if not row:
            continue  # a blank line
        origin = f"{path}:{lines.row_start}"
        if len(row) > len(header):
            reason = f"row has more values than the {len(header)} named in the header"
            yield Rejected(origin, reason, lines.first_line())
            continue
        record = {name: value for name, value in zip(header, row, strict=False) if name}
        yield _record(record, origin, partial(json.dumps, record, ensure_ascii=False))


def _csv_problem(error: Exception) -> str:
    detail = str(error)
    if detail == "unexpected end of data":
        detail = "a quote opened in this row is never closed"
    elif detail.endswith("expected after '\"'"):
        detail = f"a quote in this row is left open, or text follows a closing quote ({detail})"
    return f"malformed CSV row: {detail}; reading resumes on the next line"


# -- .txt --------------------------------------------------------------------------------------------------------
def _read_txt(text: str, path: Path) -> Iterator[Item]:
    """First non-empty line: the title. A line right under it (no blank line between), short, then a blank line:
    the dek. The rest: the body."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        yield Rejected(str(path), "empty text file: the first line should be the title, the rest the body")
        return
    title = lines[0].strip()
    rest = lines[1:]
    dek = None
    if (
        len(rest) >= 2
        and rest[0].strip()
        and not rest[1].strip()
        and len(rest[0].split()) <= 40
        and any(line.strip() for line in rest[2:])
    ):
        dek = rest[0].strip()
        rest = rest[2:]
    body = "\n".join(rest).strip()
    yield _record({"title": title, "text": body, "dek": dek}, str(path), text)
