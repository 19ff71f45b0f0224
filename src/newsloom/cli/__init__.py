"""The ``newsloom`` command: the table of commands, the parser built from it, and ``main``.

The command modules import at their top only what every command needs (the settings, the store, rich); each
command imports its models, pipeline and readers when it runs, so ``--help``, ``stories`` and ``show`` start
in a fraction of a second (tests/test_startup.py keeps the heavy modules out).
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.console import Console

from newsloom.cli import articles, feeds, serving, stories
from newsloom.cli.common import UserError, common_options, configure_logging, consoles, print_error
from newsloom.config import ConfigError, Settings, load_settings
from newsloom.folders import default_db_path
from newsloom.store.base import StoreError
from newsloom.version import __version__
from newsloom.write.llm_backends import LLMError

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
  newsloom stories --sort top --mute-outlet X   the top stories, without outlet X
  newsloom show st-1a2b3c                    print a story's brief
  newsloom changes st-1a2b3c --since 24h     what changed in a story: new facts, outlets, figures, disputes
  newsloom cluster in.jsonl --output out.jsonl   stories for a stream, no database
  newsloom brief in.jsonl --format md        one brief for a file of articles, no database
  newsloom check draft.md --against in.jsonl   label each sentence supported / unsupported / contradicted
  newsloom evaluate clusters in.jsonl gold.jsonl   score the stories found against gold labels
  newsloom feeds add https://site.example/   follow a site's feed (or a feed URL, or an OPML file)
  newsloom watch                             poll the feeds and keep stories and briefs up to date
  newsloom serve                             the web reader, JSON API and feeds on http://127.0.0.1:8000/
  newsloom export --format html -o briefs.html   every story's latest brief as one page (or md, jsonl)
  newsloom digest --since 24h --top 10       the day's top stories and what changed in each
"""


@dataclass(frozen=True)
class Command:
    """One command: its name, its line in ``--help``, what fills in its parser, and what runs it."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]  # the command's description and arguments
    run: Callable[[argparse.Namespace, Settings, Console, Console], int]  # its exit status


# Every command, in the order --help lists them.
COMMANDS: tuple[Command, ...] = (
    Command(
        "ingest",
        "read articles from files and folders into the store",
        articles.ingest_arguments,
        articles.run_ingest,
    ),
    Command(
        "backfill",
        "replay an archive (JSON lines, news-please folders, WARC crawls) into the store",
        articles.backfill_arguments,
        articles.run_backfill,
    ),
    Command(
        "feeds",
        "the feeds newsloom follows: add, list, remove, export",
        feeds.feeds_arguments,
        feeds.run_feeds,
    ),
    Command(
        "watch",
        "poll the feeds when due and bring new articles through the whole pipeline",
        feeds.watch_arguments,
        feeds.run_watch,
    ),
    Command(
        "stories",
        "list stories, newest, top or most covered first, muting or preferring outlets",
        stories.stories_arguments,
        stories.run_stories,
    ),
    Command(
        "show",
        "print a story's brief",
        stories.show_arguments,
        stories.run_show,
    ),
    Command(
        "changes",
        "what changed in a story since a brief version or a time: new facts, outlets, figures, disputes",
        stories.changes_arguments,
        stories.run_changes,
    ),
    Command(
        "cluster",
        "assign stories to a stream of articles (no database)",
        articles.cluster_arguments,
        articles.run_cluster,
    ),
    Command(
        "brief",
        "write one brief for a file of articles about one story (no database)",
        articles.brief_arguments,
        articles.run_brief,
    ),
    Command(
        "check",
        "check a text sentence by sentence against the sources",
        articles.check_arguments,
        articles.run_check,
    ),
    Command(
        "evaluate",
        "measure newsloom against gold labels",
        articles.evaluate_arguments,
        articles.run_evaluate,
    ),
    Command(
        "serve",
        "serve the web reader, the JSON API (/api/) and feeds of briefs (/feeds/)",
        serving.serve_arguments,
        serving.run_serve,
    ),
    Command(
        "export",
        "write the stories' latest briefs as Markdown, one HTML page, or JSON lines",
        serving.export_arguments,
        serving.run_export,
    ),
    Command(
        "digest",
        "the top stories of a period with what changed in each: Markdown, HTML, or an email",
        serving.digest_arguments,
        serving.run_digest,
    ),
    Command(
        "quarantine",
        "list inputs that could not be read",
        stories.quarantine_arguments,
        stories.run_quarantine,
    ),
    Command(
        "status",
        "what the store holds",
        stories.status_arguments,
        stories.run_status,
    ),
)


def build_parser() -> argparse.ArgumentParser:
    common = common_options()
    parser = argparse.ArgumentParser(
        prog="newsloom",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"newsloom {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.add_arguments(subparsers.add_parser(command.name, parents=[common], help=command.help))
    return parser


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
    out, err = consoles()
    configure_logging(getattr(args, "verbose", 0) or 0, getattr(args, "quiet", False), err)
    if not args.command:
        parser.print_help()
        return 2
    try:
        settings = load_settings(getattr(args, "config", None), db=getattr(args, "db", None))
        run = next(command.run for command in COMMANDS if command.name == args.command)
        return int(run(args, settings, out, err) or 0)
    except (UserError, ConfigError, StoreError, ValueError, OSError, LLMError) as error:
        print_error(str(error), err)
        return 1
    except KeyboardInterrupt:
        err.print("interrupted; everything acknowledged so far is stored")
        return 130
