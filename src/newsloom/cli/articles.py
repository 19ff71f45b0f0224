"""The commands that read articles: ingest, backfill, cluster, brief, check, evaluate.

Each imports the pipeline, the models and the readers it needs when it runs.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.table import Table

from newsloom.cli.common import (
    UserError,
    common_options,
    fetcher_for,
    load_writer,
    print_markdown,
    print_skipped,
    progress,
    report_fallback,
    report_rejections,
    writer_options,
    writer_settings,
)
from newsloom.config import Settings
from newsloom.model import Article, Rejected
from newsloom.store import open_store
from newsloom.text.counts import plural


# -- ingest -------------------------------------------------------------------------------------------------------
def ingest_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Read articles from files and folders (recursively): .jsonl, .json (one article, a list, or "
        "news-please), .csv (a header naming the fields) and .txt (first line the title). Groups wire copies, "
        "assigns stories and writes their briefs. Bad files and lines are reported and kept in quarantine "
        "(see `newsloom quarantine`); ingesting the same input again changes nothing."
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files, folders, or http(s) URLs of article pages")
    parser.add_argument("--no-briefs", action="store_true", help="do not write briefs now")
    parser.add_argument("--allow-private", action="store_true", help="let URLs reach private and loopback addresses")


def run_ingest(args: argparse.Namespace, settings: Settings, out: Console, err: Console) -> int:
    from newsloom.drivers.pipeline import Pipeline
    from newsloom.ingest.discover import is_web_address
    from newsloom.ingest.files import find_files, read_file

    urls = [p for p in args.paths if is_web_address(p)]
    files, refused = find_files([p for p in args.paths if p not in urls])
    pages: list[Article] = []
    for item in _read_urls(urls, settings, args):
        if isinstance(item, Rejected):
            refused.append(item)
        else:
            pages.append(item)
    if not files and not pages and refused:
        raise UserError("; ".join(f"{r.origin}: {r.reason}" for r in refused))
    store = open_store(settings.db)
    try:
        pipeline = Pipeline(settings, store)
        with progress(err, quiet=getattr(args, "quiet", False)) as shown:
            reading = shown.add_task("reading", total=len(files))
            articles = shown.add_task("articles", total=None)

            def items() -> Iterator[Article | Rejected]:
                yield from refused
                yield from pages
                for path in files:
                    shown.update(reading, description=f"reading {path.name}")
                    yield from read_file(path)
                    shown.advance(reading)
                shown.update(reading, description="read")

            report = pipeline.ingest(items(), progress=lambda n: shown.advance(articles, n), write_briefs=False)
            if not args.no_briefs:
                stale = store.stale_stories()
                briefing = shown.add_task("writing briefs", total=len(stale))
                report.briefs_written = pipeline.write_briefs(stale, progress=lambda n: shown.advance(briefing, n))
        counts = store.counts()
    finally:
        store.close()
    out.print(
        f"{report.added} new article{'s' if report.added != 1 else ''} "
        f"({report.already_known} already stored, {report.rejected} rejected) · "
        f"{plural(len(report.stories_touched), 'story')} updated, {report.new_stories} new · "
        f"{report.briefs_written} briefs written"
    )
    out.print(
        f"store {settings.db}: {plural(counts['articles'], 'article')}, "
        f"{plural(counts['syndication_groups'], 'syndication group')}, {plural(counts['stories'], 'story')}"
    )
    report_rejections(report.rejections, err)
    return 0


def _read_urls(urls: list[str], settings: Settings, args: argparse.Namespace) -> list[Article | Rejected]:
    """The articles at the URLs given (no fetcher is made when there are none)."""
    if not urls:
        return []
    from newsloom.ingest.discover import read_urls

    with fetcher_for(settings, args) as fetcher:
        return read_urls(urls, fetcher)


# -- backfill -----------------------------------------------------------------------------------------------------
def backfill_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Replay an archive into the store in publication order, as if its articles had arrived live: "
        "JSON lines, news-please JSON folders, WARC crawls (each HTML page extracted) and every format `ingest` "
        "reads. --engine local runs today's pipeline in one process; --engine ray reads and prepares the articles "
        "on a Ray cluster (the embedding model loaded once per worker), matches wire copies in time windows in "
        "parallel and places the stories on the driver, in the local engine's order: both engines give the same "
        "stories. Articles the store holds already are skipped."
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files and folders of the archive")
    parser.add_argument("--no-briefs", action="store_true", help="do not write briefs now")
    _engine_options(parser)


def run_backfill(args: argparse.Namespace, settings: Settings, out: Console, err: Console) -> int:
    from newsloom.ingest.archives import find_archive_files
    from newsloom.scale import EngineUnavailable, backfill

    _check_engine_options(args)
    files, refused = find_archive_files(args.paths)
    if not files:
        raise UserError("; ".join(f"{r.origin}: {r.reason}" for r in refused) or "nothing to read")
    store = open_store(settings.db)
    try:
        with progress(err, quiet=getattr(args, "quiet", False)) as shown:
            task = shown.add_task("articles", total=None)
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
                    progress=lambda n: shown.advance(task, n),
                )
            except EngineUnavailable as error:
                raise UserError(str(error)) from None
    finally:
        store.close()
    report_rejections(report.rejections, err)
    windows = f" in {report.windows} time windows" if report.engine == "ray" else ""
    out.print(
        f"{report.engine}: {plural(report.files, 'file')}, {plural(report.read, 'article')} read, "
        f"{report.added} added, {report.already_known} already known, {report.rejected} rejected; "
        f"{plural(report.stories, 'story')}{windows}, {plural(report.briefs_written, 'brief')}; "
        f"{report.seconds:.1f} s ({report.articles_per_second:.0f} articles/s)"
    )
    return 0


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


def _check_engine_options(args: argparse.Namespace) -> None:
    if args.engine != "ray" and (args.address or args.workers):
        raise UserError("--address and --workers are for --engine ray")
    if args.window_days <= 0:
        raise UserError("--window-days must be a positive number of days")
    if args.lead_days is not None and args.lead_days < 0:
        raise UserError("--lead-days must not be negative")
    if args.workers is not None and args.workers < 1:
        raise UserError("--workers must be at least 1")


# -- cluster ------------------------------------------------------------------------------------------------------
def cluster_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Treat the file's articles as a stream in file order and write one line per article: "
        '{"id": ..., "story": ...}. Needs no store.'
    )
    parser.add_argument("input", help="articles (.jsonl, or any format `ingest` reads); - for standard input")
    parser.add_argument("--output", "-o", default="-", help="where to write (default: standard output)")
    _engine_options(parser)


def run_cluster(args: argparse.Namespace, settings: Settings, out: Console, err: Console) -> int:
    _check_engine_options(args)
    if args.engine == "ray":
        return _cluster_by_window(args, settings, err)
    from newsloom.drivers.pipeline import Pipeline, assign_stories

    pipeline = Pipeline(settings)
    placed: list[tuple[str, str]] = []
    rejected = 0
    for item in assign_stories(_read_input(args.input), pipeline=pipeline):
        if isinstance(item, Rejected):
            rejected += 1
            print_skipped([item], err)
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
        err.print(f"{plural(len(placed), 'article')}, {rejected} skipped -> {args.output}")
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
            with source.open("wb") as handle:
                shutil.copyfileobj(sys.stdin.buffer, handle)  # a piece at a time: standard input may be any size
        elif not source.is_file():
            raise UserError(f"no such file: {args.input}")
        placed, rejected = assign_stories_by_window(
            [source], settings, args.window_days, args.workers, lead_days=args.lead_days
        )
    print_skipped(rejected, err)
    target: TextIO = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8")  # noqa: SIM115
    try:
        for article_id, story_id in placed:
            target.write(json.dumps({"id": article_id, "story": story_id}, ensure_ascii=False) + "\n")
    finally:
        if target is not sys.stdout:
            target.close()
    if args.output != "-":
        err.print(f"{plural(len(placed), 'article')}, {len(rejected)} skipped -> {args.output}")
    return 0


def _read_input(path: str) -> Iterator[Article | Rejected]:
    from newsloom.ingest.files import read_file

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


# -- brief --------------------------------------------------------------------------------------------------------
def brief_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = "Treat all articles in the file as one story and print its brief. Needs no store."
    parser.add_argument("input", help="articles (.jsonl, or any format `ingest` reads); - for standard input")
    parser.add_argument("--format", choices=("json", "md"), default="md", help="md (default) or json")
    parser.add_argument("--max-words", type=int, metavar="N", help="at most N words in dek and body together")
    writer_options(parser)


def run_brief(args: argparse.Namespace, settings: Settings, out: Console, err: Console) -> int:
    from newsloom.drivers.pipeline import brief_from_articles
    from newsloom.present.render import brief_markdown

    if args.max_words is not None and args.max_words < 1:
        raise UserError("--max-words must be a positive number")
    settings = writer_settings(settings, args)
    brief, rejected = brief_from_articles(
        _read_input(args.input), settings, max_words=args.max_words, writer=load_writer(settings)
    )
    print_skipped(rejected, err)
    report_fallback(brief, err)
    if args.format == "json":
        print(json.dumps(brief.to_json(), ensure_ascii=False, indent=2))
    else:
        print_markdown(brief_markdown(brief), out)
    return 0


# -- check --------------------------------------------------------------------------------------------------------
def check_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Label each sentence of a text (a brief, or an article written elsewhere, perhaps by an AI) "
        "as supported, unsupported or contradicted by the sources, with the best evidence sentence and its "
        "outlet, then a summary. The sources are a file of articles (--against FILE) or a stored story "
        "(--against STORY_ID). Names, numbers, dates, places, quotes and negation are checked exactly; wording may "
        "differ. A brief newsloom wrote (Markdown, JSON or HTML, known by its file suffix or its content) is read as "
        "its dek and body sentences; its other lines are counted, not checked. Exit status 0 when every sentence is "
        "supported, 3 when some are not."
    )
    parser.add_argument(
        "text",
        help="the text to check (plain text, Markdown, or a brief as Markdown, JSON or HTML); - for standard input",
    )
    parser.add_argument("--against", required=True, metavar="FILE|STORY", help="articles file, or a stored story id")
    parser.add_argument(
        "--format", choices=("md", "json", "text"), default="md", help="the report: md (default), json or text"
    )


def run_check(args: argparse.Namespace, settings: Settings, out: Console, err: Console) -> int:
    from newsloom.analyze.checker import check_text, render_report
    from newsloom.drivers.pipeline import one_story

    text = sys.stdin.read() if args.text == "-" else _read_text(args.text)
    if Path(args.against).is_file():
        articles, rejected = one_story(_read_input(args.against), settings)
        print_skipped(rejected[:10], err)
    else:
        store = open_store(settings.db)
        try:
            story = store.story(args.against)
            if story is None:
                raise UserError(f"--against {args.against}: neither a file nor a stored story")
            articles = store.story_articles(story.id)
        finally:
            store.close()
    if not articles:
        raise UserError(f"--against {args.against}: no readable article")
    report = check_text(text, articles, name=None if args.text == "-" else args.text)
    if args.format == "json":
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    elif args.format == "text":
        out.print(render_report(report, markdown=False), end="")
    else:
        print_markdown(render_report(report), out)
    return 0 if report.summary["supported"] == report.summary["sentences"] else 3


def _read_text(path: str) -> str:
    source = Path(path)
    if not source.is_file():
        raise UserError(f"no such file: {path}")
    try:
        return source.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise UserError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None


# -- evaluate -----------------------------------------------------------------------------------------------------
def evaluate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = "Measure a stage of newsloom against gold labels."
    common = common_options()
    stages = parser.add_subparsers(dest="evaluate_command", metavar="WHAT", required=True)
    clusters = stages.add_parser(
        "clusters",
        parents=[common],
        help="run a stream through the story clusterer and score its stories against gold labels",
        description="Treat INPUT's articles as a stream in file order, assign stories as `newsloom cluster` does, "
        'and compare them with GOLD ({"id", "label"} per line): B-cubed and pairwise precision/recall/F1, NMI, '
        "ARI, stories found against gold, and articles per second. Needs no store.",
    )
    clusters.add_argument("input", help="articles (.jsonl, or any format `ingest` reads)")
    clusters.add_argument("gold", help='gold labels: one {"id", "label"} per line')
    clusters.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or json")
    clusters.add_argument("--output", "-o", metavar="PATH", help="also write the stories found, as `cluster`")


def run_evaluate(args: argparse.Namespace, settings: Settings, out: Console, err: Console) -> int:
    from newsloom.evaluate.clusters import GoldError, evaluate_stream, read_gold, read_stream

    for path in (args.input, args.gold):
        if not Path(path).is_file():
            raise UserError(f"no such file: {path}")
    try:
        gold = read_gold(args.gold)
    except GoldError as error:
        raise UserError(str(error)) from None
    articles, rejected = read_stream(args.input)
    print_skipped(rejected[:10], err)
    with progress(err, quiet=args.format == "json" or getattr(args, "quiet", False)) as shown:
        task = shown.add_task("stories", total=len(articles))
        try:
            report = evaluate_stream(articles, gold, settings, progress=lambda n: shown.advance(task, n))
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
    out.print(
        f"{plural(report.articles, 'article')}{unlabelled} in {report.seconds:.1f} s: "
        f"{report.articles_per_second:.0f}/s"
    )
    return 0
