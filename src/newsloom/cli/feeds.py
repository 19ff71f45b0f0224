"""The commands that follow feeds: feeds (add, list, remove, export) and watch."""

from __future__ import annotations

import argparse
import dataclasses
import json
import signal
import threading
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table
from rich.text import Text

from newsloom.cli.common import UserError, common_options, fetcher_for, write_output
from newsloom.config import Settings
from newsloom.model import Feed, format_time
from newsloom.store import Store, open_store
from newsloom.text.counts import plural

if TYPE_CHECKING:
    from newsloom.drivers.watch import PollResult
    from newsloom.ingest.opml import FeedSubscription


def feeds_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = "Follow RSS, Atom and JSON feeds. `newsloom watch` polls them."
    common = common_options()
    actions = parser.add_subparsers(dest="feeds_command", metavar="ACTION", required=True)
    add = actions.add_parser(
        "add",
        parents=[common],
        help="follow feeds: feed URLs, site home pages (their feeds are discovered) or OPML files",
    )
    add.add_argument("sources", nargs="+", metavar="URL|FILE.opml")
    add.add_argument("--allow-private", action="store_true", help="let URLs reach private and loopback addresses")
    add.add_argument("--no-check", action="store_true", help="add feed URLs as given, without fetching them")
    listed = actions.add_parser("list", parents=[common], help="the feeds followed, with their health")
    listed.add_argument("--json", action="store_true", help="one JSON object per line")
    remove = actions.add_parser("remove", parents=[common], help="stop following feeds")
    remove.add_argument("urls", nargs="+", metavar="URL")
    export = actions.add_parser("export", parents=[common], help="the feeds followed, as OPML")
    export.add_argument("--output", "-o", default="-", help="where to write (default: standard output)")


def run_feeds(args: argparse.Namespace, settings: Settings, out: Console, err: Console) -> int:
    store = open_store(settings.db)
    try:
        action = args.feeds_command
        if action == "add":
            return _add(args, settings, store, out, err)
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
        from newsloom.ingest.opml import FeedSubscription, write_opml

        document = write_opml(FeedSubscription(f.url, f.title, f.site_url, f.category) for f in feeds)
        write_output(document, args.output, err, f"{len(feeds)} feeds")
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


def _add(args: argparse.Namespace, settings: Settings, store: Store, out: Console, err: Console) -> int:
    """Follow each source: an OPML file's feeds, a feed URL, or the feed a page announces."""
    from newsloom.ingest.discover import follow, is_web_address, read_opml_file, vet_address
    from newsloom.ingest.feeds import FeedError
    from newsloom.ingest.fetch import FetchError
    from newsloom.ingest.opml import OPMLError

    subscriptions: list[FeedSubscription] = []
    failed = 0

    def refused(error: Exception) -> None:
        nonlocal failed
        err.print(Text.assemble(("not added ", "red"), str(error)))
        failed += 1

    with fetcher_for(settings, args) as fetcher:
        for source in args.sources:
            if not is_web_address(source):
                try:
                    listed = read_opml_file(source)
                except OPMLError as error:
                    raise UserError(str(error)) from error
                for sub in listed:  # an OPML file's feeds are followed unread, so their addresses are vetted
                    try:
                        vet_address(sub.url, fetcher)
                        subscriptions.append(sub)
                    except FetchError as error:
                        refused(error)
                continue

            def passed_over(others: list[str], url: str = source) -> None:
                named = ", ".join(others)
                err.print(f"{url} announces {len(others) + 1} feeds; following the first ({named} not added)")

            try:
                subscriptions.append(follow(source, fetcher, check=not args.no_check, passed_over=passed_over))
            except (FetchError, FeedError) as error:
                refused(error)
    added = 0
    for sub in subscriptions:
        if store.add_feed(Feed(sub.url, sub.title, sub.site_url, sub.category)):
            added += 1
            out.print(Text.assemble(("following ", "green"), sub.title or "", " " if sub.title else "", sub.url))
        else:
            out.print(f"already following {sub.url}")
    out.print(f"{added} feed(s) added; `newsloom watch` polls them")
    return 1 if failed else 0


def watch_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Poll every followed feed when it is due, fetch full pages for entries that bring only a "
        "summary, and add new articles to stories and briefs. Runs until Ctrl-C (the round in progress ends "
        "cleanly; a second Ctrl-C stops at once, losing nothing stored). Killed at any instant and restarted, it "
        "loses no stored article and duplicates none."
    )
    parser.add_argument("--interval", default=None, help="how often each feed is polled, e.g. 10m (default: 10m)")
    parser.add_argument("--once", action="store_true", help="one round over the feeds that are due, then exit")
    parser.add_argument("--allow-private", action="store_true", help="let feeds reach private and loopback addresses")


def run_watch(args: argparse.Namespace, settings: Settings, out: Console, err: Console) -> int:
    from newsloom.drivers.pipeline import Pipeline
    from newsloom.drivers.watch import Watcher, seconds_from_text

    watch_settings = settings.watch
    if args.interval:
        watch_settings = dataclasses.replace(watch_settings, interval_seconds=seconds_from_text(args.interval))
    store = open_store(settings.db)
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
            f"{plural(counts['articles'], 'article')}, {plural(counts['stories'], 'story')}"
        )

    try:
        with fetcher_for(settings, args) as fetcher:
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
