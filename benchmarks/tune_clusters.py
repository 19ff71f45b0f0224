"""How the story clusterer's thresholds were chosen: a grid search on the four development streams.

The procedure: for each path (the embedding path and the fast path with no model), every point of a small grid
runs the whole stream of each development set (giveme5w1h: full text; uci: headlines; mstream_newsT: short cleaned
texts; multinews_dev_mix: full text with neither headlines nor dates) through the stories stage, in order, and is
scored by B-cubed F1. The point chosen maximises the smallest
margin over the best peer on each set (``BEST_PEER``: the B-cubed F1 of the strongest peer of benchmarks/peers.py,
each tuned on that set's gold labels), with the mean F1 breaking ties: one setting for news in general, not one
per file, chosen so that no kind of stream (full text, headlines, short texts) is sacrificed to the others.
Then, as a guard against fitting the streams at hand, each stream is left out in turn: the point chosen on the
others is scored on it.
Embeddings are computed once per article and reused across grid points (they do not depend on the settings).

    python benchmarks/tune_clusters.py                 # both paths, the default grid
    python benchmarks/tune_clusters.py --path fast --datasets uci,mstream_newsT

The defaults in ``newsloom.stories.clusterer.ClusterSettings`` are the point this prints last; docs/benchmarks.md keeps
the table of the latest run.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from newsloom.config import Settings
from newsloom.embeddings import Encoder, load_encoder
from newsloom.evaluate.clusters import evaluate_stream, read_gold, read_stream
from newsloom.model import Article
from newsloom.stories.settings import ClusterSettings
from throughput import write_docs

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
DATASETS = ("giveme5w1h", "uci", "mstream_newsT", "multinews_dev_mix")

# The strongest peer's B-cubed F1 on each development set (benchmarks/peers.py, docs/benchmarks.md "peers").
BEST_PEER = {"giveme5w1h": 0.935, "uci": 0.768, "mstream_newsT": 0.732, "multinews_dev_mix": 0.834}

# The grid: a handful of values around the ones that made sense by hand, on both sides.
GRIDS: dict[str, dict[str, Sequence[float]]] = {
    "embedding": {
        "dense_threshold": (0.2, 0.25, 0.3),
        "dense_weight": (0.5, 0.7),
        "dense_merge_threshold": (0.35, 0.4, 0.45),
    },
    "fast": {
        "threshold": (0.12, 0.15, 0.18),
        "merge_threshold": (0.35, 0.45, 0.55),
    },
}


class MemoEncoder:
    """An encoder that embeds each distinct text once: grid points differ in settings, not in what they embed."""

    def __init__(self, inner: Encoder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimensions = inner.dimensions
        self._seen: dict[str, np.ndarray] = {}

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self._seen))
        if missing:
            for text, row in zip(missing, self.inner.encode(missing), strict=True):
                self._seen[text] = row
        return np.stack([self._seen[t] for t in texts]) if texts else np.zeros((0, self.dimensions), np.float32)


def run_point(
    articles: list[Article], gold: dict[str, str], cluster: ClusterSettings, encoder: Encoder | None
) -> tuple[float, float]:
    """B-cubed F1 and articles/s of one grid point on one stream."""
    fresh = [dataclasses.replace(a) for a in articles]  # the stages write into articles: give each run its own
    started = time.perf_counter()
    report = evaluate_stream(fresh, gold, Settings(cluster=cluster), encoder=encoder)
    return report.bcubed.f1, len(articles) / (time.perf_counter() - started)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--path", choices=("embedding", "fast", "both"), default="both")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument(
        "--grid",
        action="append",
        default=[],
        metavar="KEY=V1,V2",
        help="search these values of one setting instead of the path's default grid (repeatable)",
    )
    parser.add_argument("--write-docs", nargs="?", const="docs/benchmarks.md", metavar="PATH")
    args = parser.parse_args(argv)
    custom = _parse_grid(args.grid)
    names = [n.strip() for n in args.datasets.split(",") if n.strip()]
    streams = {}
    for name in names:
        articles, _ = read_stream(args.data / name / "articles.jsonl")
        streams[name] = (articles, read_gold(args.data / name / "gold.jsonl"))
    paths = ["embedding", "fast"] if args.path == "both" else [args.path]
    lines: list[str] = []
    for path in paths:
        encoder = MemoEncoder(load_encoder("minilm")) if path == "embedding" else None
        grid = custom or GRIDS[path]
        keys = list(grid)
        results = []
        header = f"| {path} path: " + ", ".join(keys) + " | " + " | ".join(names) + " | mean | worst margin |"
        print(header, flush=True)
        lines += [header, "|" + "---|" * (len(names) + 3)]
        for values in itertools.product(*(grid[k] for k in keys)):
            point = dict(zip(keys, values, strict=True))
            cluster = ClusterSettings(embedding="minilm" if path == "embedding" else "none", **point)  # type: ignore[arg-type]
            scores = [run_point(*streams[name], cluster, encoder)[0] for name in names]
            mean = sum(scores) / len(scores)
            worst = min(score - BEST_PEER.get(name, 0.0) for name, score in zip(names, scores, strict=True))
            results.append((worst, mean, point, scores))
            row = (
                f"| {', '.join(f'{v:g}' for v in values)} | "
                + " | ".join(f"{s:.3f}" for s in scores)
                + f" | {mean:.3f} | {worst:+.3f} |"
            )
            print(row, flush=True)
            lines.append(row)
        best = max(results, key=lambda r: (r[0], r[1]))
        chosen = (
            f"chosen for the {path} path: {best[2]} "
            f"(smallest margin over the best peer {best[0]:+.3f}, mean B-cubed F1 {best[1]:.3f})"
        )
        print(chosen, flush=True)
        lines += ["", chosen, ""]
        if len(names) > 2:  # the guard against fitting the streams at hand: choose on all streams but one
            for left, name in enumerate(names):
                others = [i for i in range(len(names)) if i != left]
                pick = max(
                    results,
                    key=lambda r: (
                        min(r[3][i] - BEST_PEER.get(names[i], 0.0) for i in others),
                        sum(r[3][i] for i in others),
                    ),
                )
                out = (
                    f"- {name} left out: chosen on the others {pick[2]}; on {name} it scores {pick[3][left]:.3f} "
                    f"({pick[3][left] - BEST_PEER.get(name, 0.0):+.3f} over its best peer)"
                )
                print(out, flush=True)
                lines.append(out)
            lines.append("")
    if args.write_docs:
        command = "python benchmarks/tune_clusters.py " + " ".join(argv if argv is not None else sys.argv[1:])
        body = "\n".join([f"Command: `{command.strip()}`", "", *lines]).rstrip()
        write_docs(Path(args.write_docs), body, "tuning", "Clusterer tuning")
    return 0


def _parse_grid(items: Sequence[str]) -> dict[str, Sequence[float]]:
    defaults = ClusterSettings()
    grid: dict[str, Sequence[float]] = {}
    for item in items:
        key, _, values = item.partition("=")
        if not hasattr(defaults, key) or not values:
            raise SystemExit(f"--grid {item!r}: give a ClusterSettings field and values, e.g. split_threshold=0,0.05")
        kind = type(getattr(defaults, key))  # an int setting stays an int
        grid[key] = tuple(kind(float(v)) for v in values.split(","))
    return grid


if __name__ == "__main__":
    raise SystemExit(main())
