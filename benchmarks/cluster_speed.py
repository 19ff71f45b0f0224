"""Speed of ``newsloom cluster`` on full text, side by side with the bare encoder, in one run.

For each stream (by default the two full-text development streams, giveme5w1h and multinews_dev_mix), in turns:

- **the command's work**: what ``newsloom cluster FILE`` does after its start-up: read the file, normalize,
  syndication groups, embeddings, stories (``assign_stories`` over ``read_file``, with one ``Pipeline`` of the
  default settings whose encoder is loaded before the clock, as a long-running process has it). Articles per
  second over the whole stream. Inside it, the time of the embedding step (``Desk.embed``, timed around the real
  method) is kept apart;
- **the bare encoder**: the same encoder's ``encode`` on the same texts (``article_text`` of each normalized
  article, cut as the stage cuts them), in the same batches, nothing else.

Each is run ``--rounds`` times, alternating, and the fastest of each counts, so the machine's load falls on both
alike. Targets (issue 23): the command at least 40 articles/s on 2 cores, and the embedding step within ×1.3 of
the bare encoder's time.

Run ``python benchmarks/cluster_speed.py --help``; ``--write-docs`` records the figures in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _datasets import DEFAULT_SHARED, find_dataset, parse_names
from newsloom.config import Settings
from newsloom.drivers.pipeline import Pipeline, assign_stories, normalize_all
from newsloom.embeddings import Encoder, article_text
from newsloom.ingest.files import read_file
from newsloom.model import Article
from throughput import environment, the_command, write_docs

DEFAULT_DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
FULL_TEXT = ("giveme5w1h", "multinews_dev_mix")
STREAMS = ("giveme5w1h", "multinews_dev_mix", "uci", "mstream_newsT")
TARGET_RATE = 40.0
TARGET_RATIO = 1.3


class TimedEmbedding:
    """The desk's own ``embed``, with the seconds spent in it added up."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.seconds = 0.0
        self._embed = pipeline.desk.embed
        pipeline.desk.embed = self  # type: ignore[method-assign]

    def __call__(self, articles: Sequence[Article]) -> list:  # type: ignore[type-arg]
        started = time.perf_counter()
        try:
            return self._embed(articles)
        finally:
            self.seconds += time.perf_counter() - started


def command_round(path: Path, settings: Settings, encoder: Encoder) -> tuple[float, float, int]:
    """(seconds for the whole stream, seconds in the embedding step, articles placed)."""
    pipeline = Pipeline(settings, encoder=encoder)
    timed = TimedEmbedding(pipeline)
    started = time.perf_counter()
    placed = sum(1 for item in assign_stories(read_file(path), pipeline=pipeline) if isinstance(item, Article))
    return time.perf_counter() - started, timed.seconds, placed


def bare_round(texts: Sequence[str], encoder: Encoder, batch: int) -> float:
    started = time.perf_counter()
    for start in range(0, len(texts), batch):
        encoder.encode(list(texts[start : start + batch]))
    return time.perf_counter() - started


def measure(name: str, shared: Path, rounds: int) -> dict[str, float]:
    dataset = find_dataset(name, shared)
    settings = Settings()
    pipeline = Pipeline(settings)
    articles, _ = normalize_all(read_file(dataset.articles_path))
    encoder = pipeline.desk.choose_encoder(articles[: settings.batch_size])
    if encoder is None:
        raise SystemExit("the default settings chose no encoder: nothing to compare")
    words = settings.cluster.embedding_words
    texts = [article_text(a, max_words=words) for a in articles]
    encoder.encode(texts[:8])  # the model loaded and warm before any clock
    best_command = best_embed = best_bare = float("inf")
    placed = 0
    for turn in range(rounds):
        seconds, embedding, placed = command_round(dataset.articles_path, settings, encoder)
        bare = bare_round(texts, encoder, settings.batch_size)
        print(
            f"{name} round {turn + 1}: command {seconds:.1f} s ({placed / seconds:.1f}/s), embedding step "
            f"{embedding:.1f} s, bare encoder {bare:.1f} s",
            flush=True,
        )
        best_command, best_embed, best_bare = (
            min(best_command, seconds),
            min(best_embed, embedding),
            min(best_bare, bare),
        )
    return {
        "articles": float(placed),
        "encoder": encoder.name,  # type: ignore[dict-item]
        "command": best_command,
        "embedding": best_embed,
        "bare": best_bare,
    }


def report(results: dict[str, dict[str, float]], rounds: int) -> str:
    lines = [
        f"`newsloom cluster`'s work (read, normalize, syndication, embeddings, stories) against the bare encoder on "
        f"the same texts and batches; fastest of {rounds} alternating rounds each.",
        "",
        "| stream | articles | encoder | command s | command articles/s | embedding step s | bare encoder s "
        "| step ÷ bare | bare articles/s |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in results.items():
        n = r["articles"]
        lines.append(
            f"| {name} | {n:,.0f} | {r['encoder']} | {r['command']:.1f} | **{n / r['command']:.1f}** "
            f"| {r['embedding']:.1f} | {r['bare']:.1f} | ×{r['embedding'] / r['bare']:.2f} | {n / r['bare']:.1f} |"
        )
    lines.append("")
    for name, r in results.items():
        rate, ratio = r["articles"] / r["command"], r["embedding"] / r["bare"]
        lines.append(
            f"- {name}: {rate:.1f} articles/s (target ≥ {TARGET_RATE:.0f}: "
            f"{'met' if rate >= TARGET_RATE else 'not met'}); "
            f"embedding step ×{ratio:.2f} of the bare encoder (target ≤ ×{TARGET_RATIO}: "
            f"{'met' if ratio <= TARGET_RATIO else 'not met'})."
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the shared data folder")
    parser.add_argument("--streams", default=",".join(FULL_TEXT), help=f"comma-separated, of {', '.join(STREAMS)}")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of each (default 3)")
    parser.add_argument("--write-docs", nargs="?", const=DEFAULT_DOCS, type=Path, help="record in docs/benchmarks.md")
    args = parser.parse_args(argv)
    started = time.time()
    results = {name: measure(name, args.shared, args.rounds) for name in parse_names(args.streams, STREAMS, "stream")}
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    when = datetime.fromtimestamp(started, UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = "\n".join(
        [
            f"Run on {when}.",
            "",
            *environment(the_command()),
            "",
            report(results, args.rounds),
            f"- Cores: {os.cpu_count()}; load average of the machine at the end: {load}.",
        ]
    )
    print(text)
    if args.write_docs:
        write_docs(args.write_docs, text, "cluster-speed", "Speed of newsloom cluster on full text")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
