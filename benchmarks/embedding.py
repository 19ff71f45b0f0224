"""Speed of the sentence encoders on real articles: texts per second, and the cost of the path around the model.

For the MiniLM encoder, on giveme5w1h (headline + lead, cut at 128 tokens) and on uci headlines, for each number of
threads and batch size: texts/s of ``MiniLMEncoder.encode`` (tokenize, sort by length, batch, pool, normalise), and
the bare model's own speed on the same batches already tokenized (``session.run`` alone). Their ratio is the cost
of newsloom's path around the model. The multilingual and hashed encoders are timed once each for comparison.

Run ``python benchmarks/embedding.py --help``; ``--write-docs`` records the figures in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _datasets import DEFAULT_SHARED, find_dataset
from newsloom.embeddings import HashedEncoder, MiniLMEncoder, MultilingualEncoder, article_text
from throughput import environment, the_command, write_docs

DEFAULT_DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def best_of(runs: int, work: Callable[[], Any]) -> float:
    """The fastest of a few runs, in seconds: the least disturbed by the rest of the machine."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def interleaved(runs: int, first: Callable[[], Any], second: Callable[[], Any]) -> tuple[float, float]:
    """The fastest of a few runs of each, taken in turns so both see the same load from the rest of the machine."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for work, spent in ((first, times[0]), (second, times[1])):
            started = time.perf_counter()
            work()
            spent.append(time.perf_counter() - started)
    return min(times[0]), min(times[1])


def bare_model(encoder: MiniLMEncoder, texts: Sequence[str]) -> Callable[[], None]:
    """The model alone on the batches ``encode`` would run, tokenized beforehand: the speed newsloom can reach."""
    ids = encoder.tokenize(texts)
    ordered = sorted(ids, key=len)
    batches = [ordered[i : i + encoder.batch_size] for i in range(0, len(ordered), encoder.batch_size)]
    import numpy as np

    feeds = []
    for batch in batches:
        width = max(len(row) for row in batch)
        input_ids = np.zeros((len(batch), width), dtype=np.int64)
        mask = np.zeros_like(input_ids)
        for r, row in enumerate(batch):
            input_ids[r, : len(row)] = row
            mask[r, : len(row)] = 1
        feeds.append({"input_ids": input_ids, "attention_mask": mask, "token_type_ids": np.zeros_like(input_ids)})
    session = encoder._session

    def run() -> None:
        for feed in feeds:
            session.run(None, feed)

    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="folder holding giveme5w1h/ and uci/")
    parser.add_argument("--articles", type=int, default=160, help="giveme5w1h articles to time (default 160)")
    parser.add_argument("--headlines", type=int, default=1000, help="uci headlines to time (default 1000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure; the fastest counts (default 3)")
    parser.add_argument("--threads", default="1,2", help="onnxruntime threads to try (default 1,2)")
    parser.add_argument("--batches", default="16,32,64", help="batch sizes to try (default 16,32,64)")
    parser.add_argument("--write-docs", nargs="?", type=Path, const=DEFAULT_DOCS, metavar="PATH")
    args = parser.parse_args(argv)
    command = the_command()
    threads = [int(t) for t in args.threads.split(",")]
    batches = [int(b) for b in args.batches.split(",")]

    corpora = {
        "giveme5w1h (headline + lead, ≤128 tokens)": [
            article_text(a) for a in find_dataset("giveme5w1h", args.shared).articles()[: args.articles]
        ],
        "uci (headlines)": [a.title for a in find_dataset("uci", args.shared).articles()[: args.headlines]],
    }
    rows = []
    for corpus, texts in corpora.items():
        for thread_count in threads:
            for batch_size in batches:
                encoder = MiniLMEncoder(batch_size=batch_size, threads=thread_count)
                encoder.encode(texts[:64])  # warm up the session
                path, bare = interleaved(args.runs, lambda e=encoder, t=texts: e.encode(t), bare_model(encoder, texts))
                rows.append((corpus, thread_count, batch_size, len(texts) / path, len(texts) / bare, path / bare))
                print(
                    f"{corpus}: threads {thread_count} batch {batch_size}: {len(texts) / path:,.0f} texts/s "
                    f"(bare model {len(texts) / bare:,.0f}/s, path cost ×{path / bare:.2f})",
                    flush=True,
                )
    others = []
    for corpus, texts in corpora.items():
        sample = texts[:300]
        for encoder in (MultilingualEncoder(threads=max(threads)), HashedEncoder()):
            encoder.encode(sample[:8])
            seconds = best_of(1, lambda e=encoder, s=sample: e.encode(s))
            others.append((corpus, encoder.name, len(sample) / seconds))
            print(f"{corpus}: {encoder.name}: {len(sample) / seconds:,.0f} texts/s", flush=True)

    lines = [
        f"Run on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        *environment(command),
        "",
        "MiniLM (int8 ONNX): `MiniLMEncoder.encode` against the bare model (`session.run` on the same batches, "
        f"tokenized beforehand); best of {args.runs} runs.",
        "",
        "| texts | threads | batch | encode texts/s | bare model texts/s | encode ÷ bare time |",
        "|---|---:|---:|---:|---:|---:|",
        *[f"| {c} | {t} | {b} | {speed:,.0f} | {bare:,.0f} | ×{ratio:.2f} |" for c, t, b, speed, bare, ratio in rows],
        "",
        "Other encoders (up to 300 texts of each, one run):",
        "",
        "| texts | encoder | texts/s |",
        "|---|---|---:|",
        *[f"| {c} | {name} | {speed:,.0f} |" for c, name, speed in others],
        "",
        f"- Cores: {os.cpu_count()}.",
    ]
    section = "\n".join(lines)
    print(section)
    if args.write_docs:
        write_docs(args.write_docs, section, name="embedding", heading="Sentence embeddings")
        print(f"written to {args.write_docs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
