"""The commands that read the store: stories, show, changes, quarantine, status."""

from __future__ import annotations

import argparse
import json
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from newsloom.cli.common import (
    UserError,
    load_writer,
    print_markdown,
    report_fallback,
    writer_options,
    writer_settings,
)
from newsloom.config import Settings
from newsloom.model import Brief, format_time
from newsloom.present.muting import entries_shown
from newsloom.present.render import brief_markdown, changes_markdown
from newsloom.store import Store, open_store
from newsloom.store.base import STORY_ORDERS, Preferences, StoryQuery
from newsloom.text.markdown import escape_markdown


def stories_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sort",
        "--order",
        dest="order",
        choices=STORY_ORDERS,
        default="newest",
        help="top (highest score: independent sources, how fast they grow, how recent: see docs/cli.md), "
        "newest (the default) or biggest (most independent sources)",
    )
    parser.add_argument(
        "--mute-outlet",
        action="append",
        default=[],
        metavar="OUTLET",
        help="leave this outlet out: its articles leave the counts, and a story it alone told is hidden (repeat "
        "for several; case ignored)",
    )
    parser.add_argument(
        "--prefer-outlet",
        action="append",
        default=[],
        metavar="OUTLET",
        help="list the stories this outlet covered first, in the order asked for (repeat for several)",
    )
    parser.add_argument(
        "--mute-word",
        action="append",
        default=[],
        metavar="WORD",
        help="hide the stories whose headline or dek holds this word or phrase (case ignored, whole words; repeat)",
    )
    parser.add_argument("--limit", type=int, default=30, help="how many (default 30)")
    parser.add_argument("--offset", type=int, default=0, help="skip this many first")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")


def run_stories(args: argparse.Namespace, settings: Settings, out: Console, err: Console) -> int:
    if args.limit < 0 or args.offset < 0:
        raise UserError("--limit and --offset must not be negative")
    store = open_store(settings.db)
    try:
        chosen = Preferences(
            tuple(_outlet_names(store, args.mute_outlet, err)),
            tuple(_outlet_names(store, args.prefer_outlet, err)),
            tuple(args.mute_word),
        )
        query = StoryQuery(order=args.order, limit=args.limit, offset=args.offset, preferences=chosen)
        entries = entries_shown(store, store.find_stories(query), chosen)
    finally:
        store.close()
    if args.json:
        for entry in entries:
            row = {
                **entry.story.to_json(),
                "fresh_sources": entry.fresh_sources,
                "top_score": round(entry.top_score, 4),
                "preferred": entry.preferred,
                "muted_articles": entry.muted_articles,
            }
            print(json.dumps(row, ensure_ascii=False))
        return 0
    if not entries:
        if chosen:
            err.print("no stories left once these outlets and words are muted")
        else:
            err.print(f"no stories in {settings.db} yet: add articles with `newsloom ingest PATH`")
        return 0
    table = Table(show_lines=False, expand=False, box=None, pad_edge=False)
    table.add_column("story", no_wrap=True, style="cyan")
    table.add_column("headline", overflow="fold")
    table.add_column("sources", justify="right", no_wrap=True)
    table.add_column("articles", justify="right", no_wrap=True)
    table.add_column("last report", no_wrap=True)
    if args.order == "top":
        table.add_column("score", justify="right", no_wrap=True)
    for entry in entries:
        story = entry.story
        mark = "* " if entry.preferred else ""
        cells: list[Text | str] = [
            Text(story.id),
            Text(mark + story.headline),
            str(story.independent_sources),
            str(story.articles),
            format_time(story.last_published, human=True) or "-",
        ]
        if args.order == "top":
            cells.append(f"{entry.top_score:.2f}")
        table.add_row(*cells)
    out.print(table)
    out.print("sources: independent sources (syndicated copies count once)", style="dim")
    if args.order == "top":
        out.print(
            "score: sources, more for those that joined lately, halved every 12 hours after the last report",
            style="dim",
        )
    if chosen.prefer_outlets:
        out.print("*: covered by an outlet you prefer", style="dim")
    if chosen.mute_outlets:
        out.print(f"counts leave out {', '.join(chosen.mute_outlets)}", style="dim")
    return 0


def _outlet_names(store: Store, asked: list[str], err: Console) -> list[str]:
    """The outlets asked for, spelled as the store spells them (case ignored); one it does not know is said so."""
    known = [name for name, _ in store.outlets()]
    names = []
    for name in asked:
        found = [k for k in known if k == name] or [k for k in known if k.casefold() == name.strip().casefold()]
        if not found:
            some = ", ".join(known[:10]) + (", ..." if len(known) > 10 else "")
            err.print(Text(f"no outlet named '{name}' in {store.location} (its outlets, most articles first: {some})"))
        names.extend(found or [name])
    return names


def show_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("story", help="a story id, or the start of one")
    parser.add_argument("--format", choices=("md", "json"), default="md", help="md (default) or json")
    parser.add_argument("--version", dest="brief_version", type=int, metavar="N", help="an earlier brief version")
    parser.add_argument("--articles", action="store_true", help="also list the story's articles")
    writer_options(parser)


def run_show(args: argparse.Namespace, settings: Settings, out: Console, err: Console) -> int:
    asked = writer_settings(settings, args)
    store = open_store(settings.db)
    try:
        story = store.story(args.story)
        if story is None:
            raise UserError(f"no story '{args.story}' in {settings.db}: `newsloom stories` lists them")
        brief = store.brief(story.id, args.brief_version)
        stale = brief is None or story.id in store.stale_stories()
        # A writer asked for on the command line rewrites the brief unless the latest is already its own.
        other_writer = asked is not settings and brief is not None and not _written_by(brief, asked)
        if args.brief_version is None and (stale or other_writer):
            from newsloom.drivers.pipeline import Pipeline

            Pipeline(asked, store, writer=load_writer(asked)).write_briefs([story.id])
            brief = store.brief(story.id)
            if brief is not None:
                report_fallback(brief, err)
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
    print_markdown(text, out)
    return 0


def changes_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "What changed in a story since an earlier point: new facts (claims first stated since), new outlets, changed "
        "figures (a number, date or place given otherwise, with both values and their outlets), new disputes and "
        "settled ones."
    )
    parser.add_argument("story", help="a story id, or the start of one")
    parser.add_argument(
        "--since",
        metavar="VERSION|TIME",
        help="a brief version (3), a time (2031-05-12T09:00:00Z) or a while ago (24h, 3d); "
        "default: the brief version before the latest",
    )
    parser.add_argument("--format", choices=("md", "json"), default="md", help="md (default) or json")


def run_changes(args: argparse.Namespace, settings: Settings, out: Console, err: Console) -> int:
    from newsloom.drivers.changes import NoSuchVersion, changes_since, parse_since

    since = parse_since(args.since) if args.since else None
    store = open_store(settings.db)
    try:
        story = store.story(args.story)
        if story is None:
            raise UserError(f"no story '{args.story}' in {settings.db}: `newsloom stories` lists them")
        try:
            changes = changes_since(store, story.id, since)
        except NoSuchVersion as error:
            raise UserError(f"{error}: `newsloom show {story.id}` gives the latest version") from None
    finally:
        store.close()
    if args.format == "json":
        print(json.dumps(changes.to_json(), ensure_ascii=False, indent=2))
        return 0
    print_markdown(changes_markdown(changes, story.headline), out)
    return 0


def _written_by(brief: Brief, settings: Settings) -> bool:
    # The writers (numpy, the claim aligner) load only when a writer option asks for this comparison.
    from newsloom.write.writer import written_by

    return written_by(brief, settings.writer)


def quarantine_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--limit", type=int, default=50, help="how many (default 50)")


def run_quarantine(args: argparse.Namespace, settings: Settings, out: Console, err: Console) -> int:
    store = open_store(settings.db)
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


def status_arguments(parser: argparse.ArgumentParser) -> None:
    """The status command takes only the common options."""


def run_status(args: argparse.Namespace, settings: Settings, out: Console, err: Console) -> int:
    store = open_store(settings.db)
    try:
        counts = store.counts()
    finally:
        store.close()
    out.print(f"store: {settings.db}")
    for key, value in counts.items():
        out.print(f"  {key.replace('_', ' ')}: {value}")
    return 0
