"""Backfill of a synthetic archive with each engine: articles/s, peak memory, and how time grows with the archive.

The archive is the stream of ``benchmarks/scaling.py`` (perturbed real articles from the shared data folder, 5,000
a day, written to a temporary JSON lines file, never into the repository). Each point (10k, 100k, 1M articles)
runs ``newsloom.scale.backfill`` once per engine, each in a fresh child process so its peak memory is its own,
into a fresh SQLite store, on the fast path (``[cluster] embedding = "none"``) and without briefs. The ray engine
starts a Ray on this machine with ``--workers`` CPUs; its memory is the peak of the driver plus every process of the
Ray it started (resident memory summed, so pages shared with the object store count once per process).
Speed is reported as articles per second and as a ratio to the local engine on the same archive in the same run.
Agreement is the B-cubed F1 of the ray engine's stories against the local engine's.

Run ``python benchmarks/backfill.py --help``; ``--write-docs`` records the figures in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _datasets import DEFAULT_SHARED
from newsloom.evaluate.metrics import bcubed
from scaling import SyntheticStream, load_seeds
from throughput import environment, the_command, write_docs

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DOCS = REPO / "docs" / "benchmarks.md"


def write_archive(path: Path, articles: int, shared: Path) -> None:
    seeds, groups, pool = load_seeds(shared)
    with path.open("w", encoding="utf-8") as handle:
        for article in SyntheticStream(seeds, groups, pool, articles):
            handle.write(json.dumps(article.to_json(), ensure_ascii=False) + "\n")


def _tree_rss_mb() -> float:
    """Resident memory of this process and every process under it (the Ray it started: GCS, raylet, workers), in MB;
    other Rays on the machine are not counted."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, grown = {os.getpid()}, True
    while grown:
        below = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= below
        grown = bool(below)
    total = 0
    for pid in tree:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def run_engine(archive: Path, engine: str, workers: int, window_days: float, out: Path) -> None:
    """One backfill in this (child) process; its figures and stories go to ``out`` as JSON."""
    from newsloom.config import Settings
    from newsloom.scale import backfill
    from newsloom.scale.ray_engine import start_ray
    from newsloom.store import open_store
    from newsloom.stories.settings import ClusterSettings

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("newsloom.scale.ray_engine").setLevel(logging.INFO)  # the ray engine's stage timings, on stderr
    settings = Settings(cluster=ClusterSettings(embedding="none"))
    peak = [0.0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.5):
            peak[0] = max(peak[0], _tree_rss_mb())

    if engine == "ray":
        start_ray(workers=workers, object_store_mb=2048)
        threading.Thread(target=sample, daemon=True).start()
    with tempfile.TemporaryDirectory() as folder, open_store(str(Path(folder) / "backfill.db")) as store:
        started = time.perf_counter()
        report = backfill([archive], settings, store, engine=engine, window_days=window_days, write_briefs=False)
        seconds = time.perf_counter() - started
        stop.set()
        stories = {}
        for story in store.stories(limit=10**9):
            for article in store.story_articles(story.id):
                stories[article.id] = story.id
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out.write_text(
        json.dumps(
            {
                "engine": engine,
                "articles": report.added,
                "seconds": seconds,
                "windows": report.windows,
                "peak_mb": max(own, peak[0]),
                "stories": stories,
            }
        ),
        encoding="utf-8",
    )


def measure(
    archive: Path,
    size: int,
    engine: str,
    workers: int,
    window_days: float,
    folder: Path,
    keep: Path | None,
) -> dict[str, Any]:
    """One engine's run on the archive (``size`` articles) in a child process; with ``keep``, a run kept there
    earlier (same size, engine and settings) is reused, and a new one is kept."""
    kept = keep / f"{size}-{engine}-{window_days:g}d-{workers}w.json" if keep else None
    if kept is not None and kept.is_file():
        print(f"{size:,} articles, {engine}: the run kept in {kept}", flush=True)
        kept_result: dict[str, Any] = json.loads(kept.read_text(encoding="utf-8"))
        return kept_result
    out = kept or folder / f"{engine}.json"
    command = [sys.executable, __file__, "--child", engine, "--archive", str(archive)]
    command += ["--workers", str(workers), "--window-days", str(window_days)]
    command += ["--out", str(out)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return result


AGREEMENT_STREAMS = (  # (stream, window days): the demo corpus and real streams from the shared data folder
    ("demo", 7.0),
    ("demo", 1.0),
    ("uci", 7.0),
    ("uci", 1.0),
    ("giveme5w1h", 7.0),
)


def engine_agreement(shared: Path, workers: int) -> list[str]:
    """B-cubed of the ray engine's stories against the local engine's on each stream, in this process (one Ray)."""
    from newsloom import Article, Pipeline, assign_stories, read_file
    from newsloom.config import Settings
    from newsloom.scale.ray_engine import assign_stories_by_window, start_ray
    from newsloom.stories.settings import ClusterSettings

    settings = Settings(cluster=ClusterSettings(embedding="none"))
    start_ray(workers=workers, object_store_mb=1024)
    lines = [
        "| stream | window days | articles | local stories | ray stories | precision | recall | F1 | same ids |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, days in AGREEMENT_STREAMS:
        path = REPO / "examples" / "demo" / "articles.jsonl" if name == "demo" else shared / name / "articles.jsonl"
        if not path.is_file():
            print(f"{name}: no {path}, skipped")
            continue
        pipeline = Pipeline(settings)
        placed = [i for i in assign_stories(read_file(path), pipeline=pipeline) if isinstance(i, Article)]
        local = {article.id: pipeline.story_of(article) or "" for article in placed}
        ray = dict(assign_stories_by_window([path], settings, window_days=days, workers=workers)[0])
        figures = bcubed(ray, local)
        same = sum(1 for article_id, story in local.items() if ray.get(article_id) == story)
        line = (
            f"| {name} | {days:g} | {len(local):,} | {len(set(local.values())):,} | {len(set(ray.values())):,} "
            f"| {figures.precision:.4f} | {figures.recall:.4f} | {figures.f1:.4f} | {same:,} |"
        )
        print(line, flush=True)
        lines.append(line)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--sizes", default="10000,100000", help="archive sizes, comma-separated (e.g. 10000,100000,1000000)"
    )
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the shared data folder")
    parser.add_argument("--workers", type=int, default=2, help="Ray CPUs (default 2)")
    parser.add_argument("--window-days", type=float, default=7.0, help="days per time window (default 7)")
    parser.add_argument(
        "--keep",
        type=Path,
        help="a folder that keeps each engine's run (figures and stories) and reuses it when asked again: the "
        "engines of a long run can then be measured one at a time",
    )
    parser.add_argument("--write-docs", action="store_true", help="record the figures in docs/benchmarks.md")
    parser.add_argument("--docs", type=Path, default=DEFAULT_DOCS)
    parser.add_argument("--agreement", action="store_true", help="only the engines' agreement on real streams")
    parser.add_argument("--child", choices=("local", "ray"), help=argparse.SUPPRESS)
    parser.add_argument("--archive", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_engine(args.archive, args.child, args.workers, args.window_days, args.out)
        return
    if args.agreement:
        lines = [
            *environment(the_command()),
            "- Settings: fast path, no store",
            "",
            *engine_agreement(args.shared, args.workers),
        ]
        if args.write_docs:
            write_docs(args.docs, "\n".join(lines), name="backfill-agreement", heading="Backfill: engine agreement")
        return
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    rows = []
    for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
        with tempfile.TemporaryDirectory() as folder:
            archive = Path(folder) / "archive.jsonl"
            write_archive(archive, size, args.shared)
            options = (args.workers, args.window_days, Path(folder), args.keep)
            local = measure(archive, size, "local", *options)
            ray = measure(archive, size, "ray", *options)
        agreement = bcubed(ray["stories"], local["stories"]).f1
        same = sum(1 for article_id, story in local["stories"].items() if ray["stories"].get(article_id) == story)
        row = (size, local, ray, agreement, same)
        rows.append(row)
        print(
            f"{size:>9,} articles: local {size / local['seconds']:,.0f}/s ({local['peak_mb']:,.0f} MB), "
            f"ray {size / ray['seconds']:,.0f}/s ({ray['peak_mb']:,.0f} MB, {ray['windows']} windows), "
            f"ray/local speed x{local['seconds'] / ray['seconds']:.2f}, agreement B-cubed F1 {agreement:.4f}, "
            f"{same:,} articles with the same story id",
            flush=True,
        )
    lines = [
        *environment(the_command()),
        f'- Settings: fast path (`[cluster] embedding = "none"`), no briefs, a fresh SQLite store per run; '
        f"ray engine: {args.workers} CPUs on this machine, {args.window_days:g}-day windows",
        "",
        "| articles | local articles/s | local peak memory | ray articles/s "
        "| ray peak memory (driver and the Ray it started) "
        "| ray / local speed | windows | agreement (B-cubed F1) | same story ids |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size, local, ray, agreement, same in rows:
        lines.append(
            f"| {size:,} | {size / local['seconds']:,.0f} | {local['peak_mb']:,.0f} MB | {size / ray['seconds']:,.0f} "
            f"| {ray['peak_mb']:,.0f} MB | x{local['seconds'] / ray['seconds']:.2f} | {ray['windows']} "
            f"| {agreement:.4f} | {same:,} |"
        )
    if len(rows) > 1:
        first = rows[0]
        lines.append("")
        for size, local, ray, *_ in rows[1:]:
            grow = size / first[0]
            lines.append(
                f"- {first[0]:,} -> {size:,} articles (x{grow:g}): local time "
                f"x{local['seconds'] / first[1]['seconds']:.1f}, ray time x{ray['seconds'] / first[2]['seconds']:.1f}"
            )
    section = "\n".join(lines)
    print(section)
    if args.write_docs:
        write_docs(args.docs, section, name="backfill", heading="Backfill: local and ray engines")


if __name__ == "__main__":
    main()
