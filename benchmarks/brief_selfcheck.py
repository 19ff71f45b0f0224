"""Briefs checked against their own story: every claim a brief makes should be supported by the story's articles.

For each story of a set in the shared data folder (``multinews_dev`` by default: ``clusters/<story>.jsonl`` holds the
articles of one story), the brief is written with the command line as a user writes it (``newsloom brief STORY.jsonl``
in Markdown, and ``--format json``), and shown as the HTML export (``newsloom export --format html``) and the reader's
story page show it; each file is then checked with ``newsloom check FILE --against STORY.jsonl``. Per format: the
claims the brief holds (dek and body sentences), the claims the checker read (none may be lost, none added), and the
share it labels supported. The target is 100%: a brief only prints sentences its sources wrote. Every sentence that
falls short is listed with the checker's reason.

The data is read where it lies (``--shared``, by default ``../shared/data`` next to the repository) and never copied
into the repository. Run ``python benchmarks/brief_selfcheck.py`` (``--limit N``: the first N stories);
``--write-docs`` records the figures in docs/benchmarks.md between the "brief-selfcheck" markers.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from newsloom.analyze.reading import brief_claims
from newsloom.cli import main as newsloom
from newsloom.drivers.pipeline import one_story
from newsloom.ingest import read_file
from newsloom.model import Article, Brief, Story
from newsloom.present.export import html_page
from newsloom.present.pages import page_templates, story_page
from newsloom.present.views import reports_of
from throughput import add_write_docs_option, environment, the_command

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SHARED = REPO.parent / "shared" / "data"
FORMATS = ("md", "json", "html", "page")
FORMAT_NAMES = {
    "md": "Markdown (`brief`)",
    "json": "JSON (`brief --format json`)",
    "html": "HTML export",
    "page": "reader's story page",
}


@dataclass
class Tally:
    """One format's figures over every story."""

    briefs: int = 0
    claims: int = 0  # the dek and body sentences the briefs hold
    checked: int = 0  # the sentences the checker read as claims
    supported: int = 0
    skipped: int = 0  # lines passed over as not claims
    failures: list[str] = field(default_factory=list)


def run_cli(*argv: str) -> tuple[int, str]:
    """``newsloom ARGV`` in this process: its exit status and what it printed."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = newsloom(list(argv))
    return code, out.getvalue()


def story_of(story_id: str, brief: Brief, articles: list[Article]) -> Story:
    groups = len({a.syndication_group or a.id for a in articles})
    return Story(story_id, brief.headline, len(articles), sorted({a.display_outlet for a in articles}), groups)


def written(path: Path, folder: Path) -> dict[str, Path]:
    """The story's brief in every format, as files: Markdown and JSON from the command, HTML from the export and
    the reader's templates."""
    story_id = path.stem
    code, markdown = run_cli("brief", str(path))
    code_json, data = run_cli("brief", str(path), "--format", "json")
    if code or code_json:
        raise RuntimeError(f"{path}: `newsloom brief` failed")
    brief = Brief.from_json(json.loads(data))
    articles, _ = one_story(read_file(path))
    story = story_of(story_id, brief, articles)
    export, _ = html_page([(story, brief, articles)])
    shown = story_page(page_templates(), story, brief, articles, reports_of(articles))
    files = {}
    for kind, text, suffix in (
        ("md", markdown, ".md"),
        ("json", data, ".json"),
        ("html", export, ".html"),
        ("page", shown, ".html"),
    ):
        files[kind] = folder / f"{story_id}-{kind}{suffix}"
        files[kind].write_text(text, encoding="utf-8")
    return files


def check_story(path: Path, folder: Path, tallies: dict[str, Tally]) -> None:
    files = written(path, folder)
    brief = Brief.from_json(json.loads(files["json"].read_text(encoding="utf-8")))
    claims = len(brief_claims(brief))
    for kind, file in files.items():
        _, out = run_cli("check", str(file), "--against", str(path), "--format", "json")
        report = json.loads(out)
        summary, tally = report["summary"], tallies[kind]
        tally.briefs += 1
        tally.claims += claims
        tally.checked += summary["sentences"]
        tally.supported += summary["supported"]
        tally.skipped += summary.get("skipped", 0)
        if summary["sentences"] != claims:
            tally.failures.append(f"{path.stem}: {summary['sentences']} sentences read for {claims} claims")
        for sentence in report["sentences"]:
            if sentence["label"] != "supported":
                tally.failures.append(f"{path.stem}: {sentence['label']}: {sentence['text']} ({sentence['reason']})")


def run(stories: list[Path], progress: Callable[[int], None]) -> tuple[dict[str, Tally], float]:
    tallies = {kind: Tally() for kind in FORMATS}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="newsloom-selfcheck-") as folder:
        for number, path in enumerate(stories, 1):
            check_story(path, Path(folder), tallies)
            progress(number)
    return tallies, time.perf_counter() - started


def table(tallies: dict[str, Tally], dataset: str, stories: int, seconds: float, command: str) -> str:
    lines = [
        f"Run on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        *environment(command),
        "",
        f"{dataset}: {stories} stories, each brief written by the extractive writer and checked against its own "
        "story's articles with `newsloom check FILE --against STORY.jsonl`.",
        "",
        "| format | briefs | claims in the briefs | claims read | supported | share supported | lines not claims |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, tally in tallies.items():
        share = tally.supported / tally.checked if tally.checked else 0.0
        lines.append(
            f"| {FORMAT_NAMES[kind]} | {tally.briefs} | {tally.claims:,} | {tally.checked:,} | {tally.supported:,} | "
            f"{share:.1%} | {tally.skipped:,} |"
        )
    failures = [f"{FORMAT_NAMES[kind]}: {failure}" for kind, tally in tallies.items() for failure in tally.failures]
    lines += ["", f"- {seconds:.0f} s in all (writing and checking the briefs)."]
    if failures:
        lines += ["", f"Sentences short of supported, and briefs whose claims were not all read ({len(failures)}):", ""]
        lines += [f"- {failure}" for failure in failures]
    else:
        lines.append("- Every claim of every brief was read, and every one is supported.")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--shared", type=Path, default=DEFAULT_SHARED, help=f"the data folder (default {DEFAULT_SHARED})"
    )
    parser.add_argument(
        "--dataset", default="multinews_dev", help="a set with clusters/*.jsonl (default multinews_dev)"
    )
    parser.add_argument("--limit", type=int, metavar="N", help="only the first N stories")
    add_write_docs_option(parser, "brief-selfcheck")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    folder = args.shared / args.dataset / "clusters"
    stories = sorted(folder.glob("*.jsonl"))[: args.limit]
    if not stories:
        raise SystemExit(f"no clusters/*.jsonl in {args.shared / args.dataset}: give the data folder with --shared")

    def progress(done: int) -> None:
        print(f"\r{done}/{len(stories)} stories", end="", file=sys.stderr, flush=True)

    tallies, seconds = run(stories, progress)
    print(file=sys.stderr)
    section = table(tallies, args.dataset, len(stories), seconds, the_command())
    print(section)
    if args.write_docs:
        from throughput import write_docs

        write_docs(args.write_docs, section, "brief-selfcheck", "Briefs checked against their own story")
        print(f"\nwrote {args.write_docs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
