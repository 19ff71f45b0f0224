"""newsloom's stories side by side with its peers, on the same labelled streams, in the same run: one table.

Systems (newsloom first):

- newsloom: the stories stage as ``newsloom cluster`` runs it (normalize, syndication groups, the online story
  clusterer), in stream order, with its default settings.
- TF-IDF single-pass, the classic TDT baseline (Allan et al., 1998), written here: TF-IDF vectors (sublinear counts,
  English stop words) whose IDF is fitted on the *whole* stream beforehand, which a streaming system cannot do and
  which favours the peer; each article joins the most similar story centroid (cosine) at or above a threshold, else
  starts a story; optionally only stories reported within a time window compete. The threshold (and, on dated
  streams, the window) is tuned per stream on a grid against the gold labels: the peer is shown at its best.
- HDBSCAN (scikit-learn) over MiniLM embeddings of headline + lead, in one batch over the stream;
  ``min_cluster_size`` (2..10), ``min_samples`` and cosine or euclidean distance tuned per stream; noise points
  are stories of their own.
- BERTopic over the same MiniLM embeddings (precomputed; no torch): UMAP (5 dimensions, cosine, random_state 42;
  5 or 15 neighbours) is fitted once per setting and handed to BERTopic with an identity reduction, which is what
  BERTopic would compute itself; the neighbours and its HDBSCAN ``min_cluster_size`` and ``min_samples`` are tuned;
  outliers are stories of their own.

Tuning on the gold labels is an advantage newsloom does not get: it runs with its defaults. Speeds include what each
system needs (the encoding for the embedding peers, the vectorizing for TF-IDF) and are also given as a cost against
a baseline measured in the same process: reading and normalizing the same stream.

Run ``python benchmarks/peers.py --help``; ``--write-docs`` records the table in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _datasets import DATASETS, DEFAULT_CACHE, DEFAULT_SHARED, Dataset, cached_embeddings, find_dataset, parse_names
from newsloom import Article
from newsloom.embeddings import MiniLMEncoder, article_text
from newsloom.evaluate.clusters import ClusterReport, evaluate_stream, read_stream, score_stories
from throughput import add_write_docs_option, environment, the_command, write_docs

SYSTEMS = ("newsloom", "tfidf", "hdbscan", "bertopic")
TITLES = {
    "newsloom": "newsloom",
    "tfidf": "TF-IDF single-pass",
    "hdbscan": "HDBSCAN (MiniLM)",
    "bertopic": "BERTopic (MiniLM)",
}
DAY = 86400.0
THRESHOLDS = (0.03, 0.05, 0.075, *(round(0.05 * step, 2) for step in range(2, 18)))  # 0.03 .. 0.85
WINDOWS_DAYS = (None, 3.0, 7.0, 30.0)
TEXT_WORDS = 400  # words of a report the TF-IDF peer reads, as many as newsloom's clusterer reads


@dataclass
class Outcome:
    """One system on one stream: its figures at its best settings, or why it did not run."""

    system: str
    dataset: str
    report: ClusterReport | None = None
    seconds: float = 0.0  # everything the system needed for the stream, at its best settings
    settings: str = ""
    note: str = ""
    tried: int = 1
    extra: dict[str, Any] = field(default_factory=dict)


# -- the peers ------------------------------------------------------------------------------------------------------
def tfidf_text(article: Article) -> str:
    """Headline and the top of the body; a headline-only feed gives its headline once."""
    body = article.text
    if body.strip() == article.title.strip():
        return article.title
    return f"{article.title}\n{' '.join(body.split()[:TEXT_WORDS])}"


def single_pass(
    rows: Any,
    times: Sequence[float | None],
    threshold: float,
    window_days: float | None,
    shared_terms: npt.NDArray[Any],
) -> list[int]:
    """Classic single-pass clustering: each row joins its most similar centroid at or above the threshold.

    ``rows`` is an L2-normalised CSR matrix in stream order. A centroid is the sum of its members; the cosine with
    it is the dot product over the norm of the sum. Only terms found in two or more rows are kept in the centroid
    table (a term of one row adds nothing to any other's dot product); the norms count every term.
    """
    column = np.full(rows.shape[1], -1, dtype=np.int64)
    column[shared_terms] = np.arange(len(shared_terms))
    capacity = 64
    table = np.zeros((len(shared_terms), capacity), dtype=np.float32)  # term x story: centroid sums
    squared_norms = np.zeros(capacity, dtype=np.float64)
    last_seen = np.full(capacity, -np.inf)
    stories = 0
    window = window_days * DAY if window_days is not None else None
    out: list[int] = []
    for i in range(rows.shape[0]):
        start, end = rows.indptr[i], rows.indptr[i + 1]
        terms = column[rows.indices[start:end]]
        weights = rows.data[start:end]
        keep = terms >= 0
        terms, weights = terms[keep], weights[keep]
        moment = times[i]
        best, best_score, best_dot = -1, threshold, 0.0
        if stories and len(terms):
            dots = weights @ table[terms, :stories]
            cosines = dots / np.sqrt(squared_norms[:stories])
            if window is not None and moment is not None:
                cosines[moment - last_seen[:stories] > window] = -1.0
            candidate = int(np.argmax(cosines))
            if cosines[candidate] >= best_score:
                best, best_score, best_dot = candidate, float(cosines[candidate]), float(dots[candidate])
        if best < 0:
            if stories == capacity:
                capacity *= 2
                table = np.concatenate([table, np.zeros_like(table)], axis=1)
                squared_norms = np.concatenate([squared_norms, np.zeros_like(squared_norms)])
                last_seen = np.concatenate([last_seen, np.full(len(last_seen), -np.inf)])
            best, best_dot = stories, 0.0
            stories += 1
        table[terms, best] += weights
        squared_norms[best] += 2.0 * best_dot + 1.0  # |s + d|² = |s|² + 2 s·d + |d|², with |d| = 1
        if moment is not None:
            last_seen[best] = max(last_seen[best], moment)
        out.append(best)
    return out


def run_tfidf(articles: list[Article], gold: Mapping[str, str]) -> Outcome:
    from sklearn.feature_extraction.text import TfidfVectorizer

    started = time.perf_counter()
    vectors = TfidfVectorizer(sublinear_tf=True, stop_words="english", dtype=np.float32).fit_transform(
        [tfidf_text(a) for a in articles]
    )
    vectors = vectors.tocsr()
    shared_terms = np.flatnonzero(np.bincount(vectors.indices, minlength=vectors.shape[1]) >= 2)
    vectorizing = time.perf_counter() - started
    times = [a.published.timestamp() if a.published else None for a in articles]
    dated = any(t is not None for t in times)
    ids = [a.id for a in articles]
    best: Outcome | None = None
    tried = 0
    for window in WINDOWS_DAYS if dated else (None,):
        for threshold in THRESHOLDS:
            started = time.perf_counter()
            labels = single_pass(vectors, times, threshold, window, shared_terms)
            seconds = vectorizing + time.perf_counter() - started
            report = score_stories({i: f"s{label}" for i, label in zip(ids, labels, strict=True)}, gold, seconds)
            tried += 1
            if best is None or best.report is None or report.bcubed.f1 > best.report.bcubed.f1:
                shown = f"{window:g}-day window" if window is not None else "no window"
                best = Outcome("tfidf", "", report, seconds, f"threshold {threshold:.2f}, {shown}")
    assert best is not None
    best.tried = tried
    best.note = "IDF fitted on the whole stream beforehand (favours the peer)"
    return best


def singletons_for_noise(ids: Sequence[str], labels: Sequence[int]) -> dict[str, str]:
    """Stories from cluster labels, where -1 (noise, outlier) makes an article a story of its own."""
    return {i: (f"s{label}" if label >= 0 else f"alone-{i}") for i, label in zip(ids, labels, strict=True)}


def run_hdbscan(
    ids: Sequence[str], embeddings: npt.NDArray[np.float32], encoding: float, gold: Mapping[str, str]
) -> Outcome:
    from sklearn.cluster import HDBSCAN

    started = time.perf_counter()
    # Cosine distances between unit rows, computed once for the whole grid: in 384 dimensions the trees HDBSCAN
    # would build are no faster than the full matrix.
    distances = np.clip(1.0 - embeddings.astype(np.float64) @ embeddings.T.astype(np.float64), 0.0, 2.0)
    np.fill_diagonal(distances, 0.0)
    preparing = time.perf_counter() - started
    # Euclidean distance between unit rows is sqrt(2 x cosine distance): the same order of neighbours, other
    # density levels, so HDBSCAN's choice of clusters differs; the peer gets the better of the two.
    by_metric = {"cosine": distances, "euclidean": np.sqrt(2.0 * distances)}
    best: Outcome | None = None
    tried = 0
    for metric, matrix in by_metric.items():
        for min_cluster_size in (2, 3, 5, 10):
            for min_samples in sorted({1, min_cluster_size}):
                started = time.perf_counter()
                clusterer = HDBSCAN(
                    min_cluster_size=min_cluster_size, min_samples=min_samples, metric="precomputed", copy=True
                )
                labels = clusterer.fit_predict(matrix)
                seconds = encoding + preparing + time.perf_counter() - started
                report = score_stories(singletons_for_noise(ids, labels), gold, seconds)
                tried += 1
                if best is None or best.report is None or report.bcubed.f1 > best.report.bcubed.f1:
                    best = Outcome(
                        "hdbscan",
                        "",
                        report,
                        seconds,
                        f"{metric}, min_cluster_size {min_cluster_size}, min_samples {min_samples}",
                    )
    assert best is not None
    best.tried = tried
    return best


def run_bertopic(
    ids: Sequence[str],
    texts: Sequence[str],
    embeddings: npt.NDArray[np.float32],
    encoding: float,
    gold: Mapping[str, str],
) -> Outcome:
    try:
        from bertopic import BERTopic
        from bertopic.dimensionality import BaseDimensionalityReduction
        from hdbscan import HDBSCAN
        from umap import UMAP
    except ImportError as error:
        return Outcome("bertopic", "", note=f"not run: {error.name} is not installed (see the module docstring)")
    best: Outcome | None = None
    tried = 0
    for neighbours in (5, 15):
        started = time.perf_counter()
        reducer = UMAP(n_neighbors=neighbours, n_components=5, min_dist=0.0, metric="cosine", random_state=42)
        reduced = reducer.fit_transform(embeddings)
        reducing = time.perf_counter() - started
        for min_cluster_size in (2, 3, 5, 10, 20):
            for min_samples in sorted({1, min_cluster_size}):
                started = time.perf_counter()
                model = BERTopic(
                    umap_model=BaseDimensionalityReduction(),
                    hdbscan_model=HDBSCAN(
                        min_cluster_size=min_cluster_size,
                        min_samples=min_samples,
                        metric="euclidean",
                        prediction_data=True,
                    ),
                    calculate_probabilities=False,
                )
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    topics, _ = model.fit_transform(list(texts), embeddings=reduced)
                seconds = encoding + reducing + time.perf_counter() - started
                report = score_stories(singletons_for_noise(ids, [int(t) for t in topics]), gold, seconds)
                tried += 1
                if best is None or best.report is None or report.bcubed.f1 > best.report.bcubed.f1:
                    best = Outcome(
                        "bertopic",
                        "",
                        report,
                        seconds,
                        f"UMAP {neighbours} neighbours, min_cluster_size {min_cluster_size}, min_samples {min_samples}",
                    )
    assert best is not None
    best.tried = tried
    return best


def run_newsloom(dataset: Dataset, gold: Mapping[str, str]) -> Outcome:
    articles, _ = read_stream(dataset.articles_path)
    started = time.perf_counter()
    report = evaluate_stream(articles, gold)
    return Outcome(
        "newsloom", "", report, time.perf_counter() - started, "defaults", "normalize + syndication + stories"
    )


# -- the run ----------------------------------------------------------------------------------------------------------
def measure(
    dataset: Dataset, systems: Sequence[str], cache: Path, say: Callable[[str], None]
) -> tuple[list[Outcome], float, int]:
    gold = dataset.gold()
    started = time.perf_counter()
    articles = dataset.articles()
    baseline = time.perf_counter() - started
    say(f"{dataset.name}: {len(articles):,} articles read and normalized in {baseline:.2f} s (the baseline)")
    ids = [a.id for a in articles]
    outcomes: list[Outcome] = []
    embeddings: tuple[npt.NDArray[np.float32], float, bool] | None = None
    texts = [article_text(a) for a in articles]
    for system in systems:
        say(f"{dataset.name}: {TITLES[system]} ...")
        if system == "newsloom":
            outcome = run_newsloom(dataset, gold)
        elif system == "tfidf":
            outcome = run_tfidf(articles, gold)
        else:
            if embeddings is None:
                encoder = MiniLMEncoder()
                embeddings = cached_embeddings(dataset, "minilm-int8-128", texts, encoder.encode, cache)
            matrix, encoding, cached = embeddings
            if system == "hdbscan":
                outcome = run_hdbscan(ids, matrix, encoding, gold)
            else:
                outcome = run_bertopic(ids, texts, matrix, encoding, gold)
            if cached:
                outcome.extra["encoding_cached"] = True
            outcome.extra["encoding"] = encoding
        outcome.dataset = dataset.name
        outcomes.append(outcome)
        if outcome.report:
            say(
                f"{dataset.name}: {TITLES[system]}: B-cubed F1 {outcome.report.bcubed.f1:.3f} "
                f"({outcome.settings}; {outcome.seconds:.1f} s)"
            )
        else:
            say(f"{dataset.name}: {TITLES[system]}: {outcome.note}")
    return outcomes, baseline, len(articles)


def table(results: list[tuple[Dataset, list[Outcome], float, int]]) -> str:
    lines = [
        "| stream | system | B³ P | B³ R | B³ F1 | pair F1 | NMI | ARI | stories (gold) | articles/s | cost × baseline "
        "| tuned on gold |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for dataset, outcomes, baseline, count in results:
        for o in outcomes:
            name = TITLES[o.system]
            if o.report is None:
                lines.append(f"| {dataset.name} | {name} | – | – | – | – | – | – | – | – | – | {o.note} |")
                continue
            r = o.report
            cached = "†" if o.extra.get("encoding_cached") else ""
            tuned = f"{o.settings} (best of {o.tried})" if o.tried > 1 else o.settings
            lines.append(
                f"| {dataset.name} | {name} | {r.bcubed.precision:.3f} | {r.bcubed.recall:.3f} | **{r.bcubed.f1:.3f}** "
                f"| {r.pairwise.f1:.3f} | {r.nmi:.3f} | {r.ari:.3f} | {r.stories:,} ({r.gold_stories:,}) "
                f"| {count / o.seconds:,.0f}{cached} | ×{o.seconds / baseline:.1f}{cached} | {tuned} |"
            )
    return "\n".join(lines)


def verdicts(results: list[tuple[Dataset, list[Outcome], float, int]]) -> list[str]:
    out = []
    for dataset, outcomes, _, _ in results:
        ours = next((o for o in outcomes if o.system == "newsloom" and o.report), None)
        peers = [o for o in outcomes if o.system != "newsloom" and o.report]
        if ours is None or ours.report is None or not peers:
            continue
        f1 = ours.report.bcubed.f1
        beaten_by = [o for o in peers if o.report and o.report.bcubed.f1 >= f1]
        if beaten_by:
            others = ", ".join(f"{TITLES[o.system]} {o.report.bcubed.f1:.3f}" for o in beaten_by if o.report)
            out.append(f"- {dataset.name}: newsloom ({f1:.3f}) does **not** beat {others} on B-cubed F1.")
        else:
            best = max(peers, key=lambda o: o.report.bcubed.f1 if o.report else 0.0)
            assert best.report is not None
            out.append(
                f"- {dataset.name}: newsloom ({f1:.3f}) beats every peer on B-cubed F1; the best peer is "
                f"{TITLES[best.system]} ({best.report.bcubed.f1:.3f})."
            )
    return out


def report(results: list[tuple[Dataset, list[Outcome], float, int]], command: str) -> str:
    notes = {o.note for _, outcomes, _, _ in results for o in outcomes if o.note and o.report}
    return "\n".join(
        [
            f"Run on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
            "",
            *environment(command),
            f"- Cores: {os.cpu_count()}; onnxruntime and BLAS use all of them, newsloom one.",
            "",
            table(results),
            "",
            "- B³: B-cubed precision, recall, F1 (the headline figure); pair F1: pairwise F1; NMI: normalized mutual "
            "information (arithmetic mean); ARI: adjusted Rand index. Noise and outliers count as stories of one.",
            "- The peers are tuned on the gold labels of each stream (the settings shown won); newsloom runs with its "
            "defaults. Embedding peers embed the headline and the lead (≤100 words, ≤128 MiniLM tokens).",
            "- articles/s counts everything a system needs: reading is not included; the embedding peers include "
            "the MiniLM encoding, TF-IDF the vectorizing. Cost × baseline: the system's time over the time to read "
            "and normalize the same stream in this process. † the encoding time is that of the run that filled the "
            "embedding cache (~/.cache/newsloom-bench), not of this run.",
            *[f"- TF-IDF single-pass: {note}." for note in sorted(notes) if "IDF" in note],
            "",
            *verdicts(results),
        ]
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--datasets", default=",".join(DATASETS), help=f"comma-separated (default {','.join(DATASETS)})"
    )
    parser.add_argument("--systems", default=",".join(SYSTEMS), help=f"comma-separated (default {','.join(SYSTEMS)})")
    parser.add_argument(
        "--shared", type=Path, default=DEFAULT_SHARED, help=f"the data folder (default {DEFAULT_SHARED})"
    )
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help=f"embedding cache (default {DEFAULT_CACHE})")
    add_write_docs_option(parser, "peers")
    args = parser.parse_args(argv)
    try:
        args.datasets = parse_names(args.datasets, DATASETS, "dataset")
        chosen = parse_names(args.systems, SYSTEMS, "system")
    except ValueError as error:
        parser.error(str(error))
    args.systems = [s for s in SYSTEMS if s in chosen]  # newsloom first, whatever the order given
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = the_command()

    def say(message: str) -> None:
        print(message, flush=True)

    results = []
    for name in args.datasets:
        try:
            dataset = find_dataset(name, args.shared)
        except FileNotFoundError as error:
            print(error, file=sys.stderr)
            return 2
        outcomes, baseline, count = measure(dataset, args.systems, args.cache, say)
        results.append((dataset, outcomes, baseline, count))
    section = report(results, command)
    print()
    print(section)
    if args.write_docs:
        write_docs(args.write_docs, section, name="peers", heading="Story clustering against peers")
        print(f"written to {args.write_docs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
