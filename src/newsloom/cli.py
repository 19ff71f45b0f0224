"""The ``newsloom`` command."""

from __future__ import annotations

import argparse
import io
import json
import logging
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console
from rich.logging import RichHandler
from rich.markdown import Markdown
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from newsloom import __version__
from newsloom.config import ConfigError, Settings, default_db_path, load_settings
from newsloom.ingest.files import find_files, read_file
from newsloom.model import Article, Rejected, format_time
from newsloom.pipeline import Pipeline, assign_stories, brief_from_articles
from newsloom.store import Store, StoreError, open_store
from newsloom.write.render import brief_markdown, escape_markdown

log = logging.getLogger("newsloom")

DESCRIPTION = f"""\
newsloom turns news from many outlets into stories and writes, for each story, one neutral brief in which
every sentence cites its sources.

The store is a SQLite file: --db PATH, or the NEWSLOOM_DB environment variable, or by default
{default_db_path()}
"""

EPILOG = """\
examples:
  newsloom ingest examples/demo/articles.jsonl   read articles from files and folders
  newsloom stories                           list stories, newest first
  newsloom show st-1a2b3c                    print a story's brief
  newsloom cluster in.jsonl --output out.jsonl   stories for a stream, no database
  newsloom brief in.jsonl --format md        one brief for a file of articles, no database
"""


class UserError(Exception):
    """Something the user can fix; printed without a traceback."""


def _common_options() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        default=argparse.SUPPRESS,
        metavar="PATH",
        help=f"the store (default: $NEWSLOOM_DB or {default_db_path()})",
    )
    common.add_argument(
        "--config", default=argparse.SUPPRESS, metavar="PATH", help="a TOML settings file (default: $NEWSLOOM_CONFIG)"
    )
    common.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS, help="say more (-vv: debug)")
    common.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="errors only")
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _common_options()
    parser = argparse.ArgumentParser(
        prog="newsloom",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"newsloom {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    ingest = commands.add_parser(
        "ingest",
        parents=[common],
        help="read articles from files and folders into the store",
        description="Read articles from files and folders (recursively): .jsonl, .json (one article, a list, or "
        "news-please), .csv (a header naming the fields) and .txt (first line the title). Groups wire copies, "
        "assigns stories and writes their briefs. Bad files and lines are reported and kept in quarantine "
        "(see `newsloom quarantine`); ingesting the same input again changes nothing.",
    )
    ingest.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    ingest.add_argument("--no-briefs", action="store_true", help="do not write briefs now")

    stories = commands.add_parser("stories", parents=[common], help="list stories, most recently reported first")
    stories.add_argument("--limit", type=int, default=30, help="how many (default 30)")
    stories.add_argument("--offset", type=int, default=0, help="skip this many first")
    stories.add_argument("--json", action="store_true", help="one JSON object per line")

    show = commands.add_parser("show", parents=[common], help="print a story's brief")
    show.add_argument("story", help="a story id, or the start of one")
    show.add_argument("--format", choices=("md", "json"), default="md", help="md (default) or json")
    show.add_argument("--version", dest="brief_version", type=int, metavar="N", help="an earlier brief version")
    show.add_argument("--articles", action="store_true", help="also list the story's articles")

    cluster = commands.add_parser(
        "cluster",
        parents=[common],
        help="assign stories to a stream of articles (no database)",
        description="Treat the file's articles as a stream in file order and write one line per article: "
        '{"id": ..., "story": ...}. Needs no store.',
    )
    cluster.add_argument("input", help="articles (.jsonl, or any format `ingest` reads); - for standard input")
    cluster.add_argument("--output", "-o", default="-", help="where to write (default: standard output)")

    brief = commands.add_parser(
        "brief",
        parents=[common],
        help="write one brief for a file of articles about one story (no database)",
        description="Treat all articles in the file as one story and print its brief. Needs no store.",
    )
    brief.add_argument("input", help="articles (.jsonl, or any format `ingest` reads); - for standard input")
    brief.add_argument("--format", choices=("json", "md"), default="md", help="md (default) or json")
    brief.add_argument("--max-words", type=int, metavar="N", help="at most N words in dek and body together")

    quarantine = commands.add_parser("quarantine", parents=[common], help="list inputs that could not be read")
    quarantine.add_argument("--limit", type=int, default=50, help="how many (default 50)")

    commands.add_parser("status", parents=[common], help="what the store holds")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # Markup off: article text, paths and ids are printed as they are, never read as Rich markup.
    out = Console(highlight=False, markup=False, soft_wrap=True, width=None if sys.stdout.isatty() else 160)
    err = Console(stderr=True, highlight=False, markup=False, soft_wrap=True)
    _configure_logging(getattr(args, "verbose", 0) or 0, getattr(args, "quiet", False), err)
    if not args.command:
        parser.print_help()
        return 2
    try:
        settings = load_settings(getattr(args, "config", None), db=getattr(args, "db", None))
        handler = globals()[f"_cmd_{args.command}"]
        return int(handler(args, settings, out, err) or 0)
    except (UserError, ConfigError, StoreError, ValueError, OSError) as error:
        err.print(Text.assemble(("error: ", "bold red"), str(error)))
        return 1
    except KeyboardInterrupt:
        err.print("interrupted; everything acknowledged so far is stored")
        return 130


def _configure_logging(verbose: int, quiet: bool, console: Console) -> None:
    level = (
        logging.ERROR if quiet else logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    )
    root = logging.getLogger("newsloom")
    root.handlers = [RichHandler(console=console, show_path=False, show_time=False, markup=False)]
    root.setLevel(level)
    root.propagate = False


def _open(settings: Settings) -> Store:
    return open_store(settings.db)


# -- commands ---------------------------------------------------------------------------------------------
def _cmd_ingest(args: argparse.Namespace, settings: Settings, out: Console, err: Console) -> int:
    files, refused = find_files(args.paths)
    if not files and refused:
        raise UserError("; ".join(f"{r.origin}: {r.reason}" for r in refused))
    store = _open(settings)
    try:
        pipeline = Pipeline(settings, store)
        with _progress(err, quiet=getattr(args, "quiet", False)) as progress:
            reading = progress.add_task("reading", total=len(files))
            articles = progress.add_task("articles", total=None)

            def items() -> Iterator[Article | Rejected]:
                yield from refused
                for path in files:
                    progress.update(reading, description=f"reading {path.name}")
                    yield from read_file(path)
                    progress.advance(reading)
                progress.update(reading, description="read")

            report = pipeline.ingest(items(), progress=lambda n: progress.advance(articles, n), write_briefs=False)
            if not args.no_briefs:
                stale = store.stale_stories()
                briefing = progress.add_task("writing briefs", total=len(stale))
                report.briefs_written = pipeline.write_briefs(stale, progress=lambda n: progress.advance(briefing, n))
        counts = store.counts()
    finally:
        store.close()
    out.print(
        f"{report.added} new article{'s' if report.added != 1 else ''} "
        f"({report.already_known} already stored, {report.rejected} rejected) · "
        f"{len(report.stories_touched)} stories updated, {report.new_stories} new · "
        f"{report.briefs_written} briefs written"
    )
    out.print(
        f"store {settings.db}: {counts['articles']} articles, {counts['syndication_groups']} syndication groups, "
        f"{counts['stories']} stories"
    )
    _report_rejections(report.rejections, err)
    return 0


def _report_rejections(rejections: Sequence[Rejected], err: Console, show: int = 10) -> None:
    """One line per file and reason, with the lines it concerns: a bad file does not drown the screen."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for item in rejections:
        source, _, where = item.origin.rpartition(":") if _LINE.search(item.origin) else (item.origin, "", "")
        grouped.setdefault((source, item.reason), []).append(where)
    for (source, reason), places in list(grouped.items())[:show]:
        lines = [p for p in places if p]
        at = f" (line {_ranges(lines)})" if lines else ""
        count = f"{len(places)} records rejected: " if len(places) > 1 else "rejected: "
        err.print(Text.assemble((f"{source}{at}", "yellow"), f": {count}{reason}"))
    if len(grouped) > show:
        err.print(f"... and {len(grouped) - show} more kinds of rejection")
    if rejections:
        err.print("rejected input is kept in quarantine: `newsloom quarantine` lists it")


_LINE = re.compile(r":\d+$")


def _ranges(numbers: Sequence[str], show: int = 6) -> str:
    """'1-46' or '3, 7, 9-12'."""
    spans: list[list[int]] = []
    for value in sorted(int(n) for n in numbers):
        if spans and value == spans[-1][1] + 1:
            spans[-1][1] = value
        else:
            spans.append([value, value])
    text = [str(a) if a == b else f"{a}-{b}" for a, b in spans]
    more = f" and {len(text) - show} more" if len(text) > show else ""
    return ", ".join(text[:show]) + more


def _cmd_stories(args: argparse.Namespace, settings: Settings, out: Console, err: Console) -> int:
    store = _open(settings)
    try:
        stories = store.stories(limit=args.limit, offset=args.offset)
    finally:
        store.close()
    if args.json:
        for story in stories:
            print(json.dumps(story.to_json(), ensure_ascii=False))
        return 0
    if not stories:
        err.print(f"no stories in {settings.db} yet: add articles with `newsloom ingest PATH`")
        return 0
    table = Table(show_lines=False, expand=False, box=None, pad_edge=False)
    table.add_column("story", no_wrap=True, style="cyan")
    table.add_column("headline", overflow="fold")
    table.add_column("sources", justify="right", no_wrap=True)
    table.add_column("articles", justify="right", no_wrap=True)
    table.add_column("last report", no_wrap=True)
    for story in stories:
        table.add_row(
            Text(story.id),
            Text(story.headline),
            str(story.independent_sources),
            str(story.articles),
            format_time(story.last_published, human=True) or "-",
        )
    out.print(table)
    out.print("sources: independent sources (syndicated copies count once)", style="dim")
    return 0


def _cmd_show(args: argparse.Namespace, settings: Settings, out: Console, err: Console) -> int:
    store = _open(settings)
    try:
        story = store.story(args.story)
        if story is None:
            raise UserError(f"no story '{args.story}' in {settings.db}: `newsloom stories` lists them")
        brief = store.brief(story.id, args.brief_version)
        if args.brief_version is None and (brief is None or story.id in store.stale_stories()):
            Pipeline(settings, store).write_briefs([story.id])
            brief = store.brief(story.id)
        if brief is None:
            raise UserError(f"story {story.id} has no brief version {args.brief_version}")
        articles = store.story_articles(story.id) if args.articles else []
    finally:
        store.close()
    if args.format == "json":
        data: dict[str, Any] = brief.to_json()
        if args.articles:
            data["articles"] = [a.to_json() for a in articles]
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    text = brief_markdown(brief)
    if articles:
        text += "\n**Articles**\n\n" + "\n".join(
            f"- {format_time(a.published, human=True) or 'undated'} · {escape_markdown(a.display_outlet)} · "
            f"{escape_markdown(a.title)} (id {escape_markdown(a.id)}, group {a.syndication_group})"
            for a in articles
        )
    _print_markdown(text, out)
    return 0


def _print_markdown(text: str, out: Console) -> None:
    if out.is_terminal:
        out.print(Markdown(text, hyperlinks=False))
    else:
        sys.stdout.write(text)


def _read_input(path: str) -> Iterator[Article | Rejected]:
    if path == "-":
        import tempfile

        with tempfile.NamedTemporaryFile("wb", suffix=".jsonl", delete=False) as handle:
            handle.write(sys.stdin.buffer.read())
        try:
            yield from read_file(Path(handle.name))
        finally:
            Path(handle.name).unlink(missing_ok=True)
        return
    source = Path(path)
    if not source.is_file():
        raise UserError(f"no such file: {path}")
    yield from read_file(source)


def _cmd_cluster(args: argparse.Namespace, settings: Settings, out: Console, err: Console) -> int:
    target: TextIO = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8")  # noqa: SIM115
    written = rejected = 0
    try:
        for item in assign_stories(_read_input(args.input), settings):
            if isinstance(item, Rejected):
                rejected += 1
                err.print(Text.assemble(("skipped ", "yellow"), f"{item.origin}: {item.reason}"))
                continue
            target.write(json.dumps({"id": item.id, "story": item.story_id}, ensure_ascii=False) + "\n")
            written += 1
    finally:
        if target is not sys.stdout:
            target.close()
    if args.output != "-":
        err.print(f"{written} articles, {rejected} skipped -> {args.output}")
    return 0


def _cmd_brief(args: argparse.Namespace, settings: Settings, out: Console, err: Console) -> int:
    if args.max_words is not None and args.max_words < 1:
        raise UserError("--max-words must be a positive number")
    brief, rejected = brief_from_articles(_read_input(args.input), settings, max_words=args.max_words)
    for item in rejected:
        err.print(Text.assemble(("skipped ", "yellow"), f"{item.origin}: {item.reason}"))
    if args.format == "json":
        print(json.dumps(brief.to_json(), ensure_ascii=False, indent=2))
    else:
        _print_markdown(brief_markdown(brief), out)
    return 0


def _cmd_quarantine(args: argparse.Namespace, settings: Settings, out: Console, err: Console) -> int:
    store = _open(settings)
    try:
        items = store.quarantined(args.limit)
    finally:
        store.close()
    if not items:
        out.print("nothing in quarantine")
    for item in items:
        seen = f" (seen {item.times} times)" if item.times > 1 else ""
        out.print(Text.assemble((item.origin, "bold"), f": {item.reason}{seen}"))
    return 0


def _cmd_status(args: argparse.Namespace, settings: Settings, out: Console, err: Console) -> int:
    store = _open(settings)
    try:
        counts = store.counts()
    finally:
        store.close()
    out.print(f"store: {settings.db}")
    for key, value in counts.items():
        out.print(f"  {key.replace('_', ' ')}: {value}")
    return 0


class _PlainProgress:
    """Progress as plain lines, for logs and pipes where a live bar cannot be drawn."""

    def __init__(self, console: Console, silent: bool = False) -> None:
        self._console = Console(file=io.StringIO()) if silent else console
        self._tasks: dict[Any, list[Any]] = {}  # id -> [description, done, total]

    def __enter__(self) -> _PlainProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        for description, done, _total in self._tasks.values():
            if description == "articles" and done:
                self._console.print(f"processed {done} records")

    def add_task(self, description: str, total: float | None = None) -> Any:
        self._tasks[len(self._tasks)] = [description, 0, total]
        if total and description != "articles":
            self._console.print(f"{description}: {int(total)} to do")
        return len(self._tasks) - 1

    def update(self, task: Any, description: str | None = None) -> None:
        if description and description != self._tasks[task][0]:
            self._tasks[task][0] = description
            if description.startswith("reading "):
                self._console.print(description)

    def advance(self, task: Any, amount: float = 1) -> None:
        self._tasks[task][1] += amount


def _progress(console: Console, quiet: bool = False) -> Progress | _PlainProgress:
    if quiet or not console.is_terminal:
        return _PlainProgress(console, silent=quiet)
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


if __name__ == "__main__":
    sys.exit(main())
