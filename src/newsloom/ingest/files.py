"""Articles from files and folders: .jsonl, .json (one article, a list, or news-please), .csv and .txt.

A file or line that cannot be read becomes a ``Rejected`` naming the file, the line and the reason; the rest of
the input goes on.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from newsloom.ingest.records import BadRecord, article_from_record
from newsloom.model import Article, Rejected

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".jsonl", ".ndjson", ".json", ".csv", ".txt")
MAX_FILE_BYTES = 256 * 1024 * 1024  # a whole-file format (.json, .csv, .txt) larger than this is refused
MAX_LINE_BYTES = 16 * 1024 * 1024
_EXCERPT = 2000

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
    """The articles in one file, by its suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix in (".jsonl", ".ndjson"):
            yield from _read_jsonl(path)
            return
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            yield Rejected(str(path), f"file is {size:,} bytes, over the {MAX_FILE_BYTES:,}-byte limit for {suffix}")
            return
        text = _decode(path.read_bytes(), str(path))
        if suffix == ".json":
            yield from _read_json(text, path)
        elif suffix == ".csv":
            yield from _read_csv(text, path)
        elif suffix == ".txt":
            yield from _read_txt(text, path)
        else:
            yield Rejected(str(path), f"unsupported file type '{suffix}'")
    except OSError as error:
        yield Rejected(str(path), f"cannot read file: {error.strerror or error}")


def _decode(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        log.warning("%s is not valid UTF-8 (byte %d); read as Windows-1252", where, error.start)
        return data.decode("cp1252", errors="replace")


def _record(record: object, origin: str, raw: str) -> Item:
    try:
        return article_from_record(record, origin)
    except BadRecord as error:
        return Rejected(origin, str(error), raw[:_EXCERPT])


def _read_jsonl(path: Path) -> Iterator[Item]:
    with path.open("rb") as handle:
        for number, raw_line in enumerate(handle, start=1):
            origin = f"{path}:{number}"
            if len(raw_line) > MAX_LINE_BYTES:
                yield Rejected(origin, f"line is {len(raw_line):,} bytes, over the {MAX_LINE_BYTES:,}-byte limit")
                continue
            line = _decode(raw_line, origin).strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                yield Rejected(origin, f"invalid JSON at column {error.colno}: {error.msg}", line[:_EXCERPT])
                continue
            yield _record(record, origin, line)


def _read_json(text: str, path: Path) -> Iterator[Item]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        yield Rejected(f"{path}:{error.lineno}", f"invalid JSON at column {error.colno}: {error.msg}", text[:_EXCERPT])
        return
    if isinstance(data, dict) and isinstance(data.get("articles"), list):
        data = data["articles"]  # {"articles": [...]}, as NewsAPI and many exports write
    if isinstance(data, list):
        for index, record in enumerate(data):
            yield _record(record, f"{path}[{index}]", json.dumps(record, ensure_ascii=False)[:_EXCERPT])
    else:
        yield _record(data, str(path), text[:_EXCERPT])


def _read_csv(text: str, path: Path) -> Iterator[Item]:
    csv.field_size_limit(MAX_LINE_BYTES)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames:
        yield Rejected(str(path), "empty CSV file: the first line must name the fields (e.g. id,title,text,...)")
        return
    try:
        for row in reader:
            origin = f"{path}:{reader.line_num}"
            if None in row:
                yield Rejected(origin, f"row has more values than the {len(reader.fieldnames)} named in the header")
                continue
            yield _record({k: v for k, v in row.items() if k}, origin, json.dumps(row, ensure_ascii=False))
    except csv.Error as error:
        yield Rejected(f"{path}:{reader.line_num}", f"malformed CSV: {error}")


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
    yield _record({"title": title, "text": body, "dek": dek}, str(path), text[:_EXCERPT])
