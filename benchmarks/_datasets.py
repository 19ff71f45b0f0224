"""The labelled streams the benchmarks read from the shared data folder, and a cache of their embeddings.

The data is never copied into the repository: each stream is read from ``--shared`` (``articles.jsonl`` in stream
order, ``gold.jsonl`` with ``{"id", "label"}``). Embeddings are cached under ``~/.cache/newsloom-bench``, keyed by
dataset, encoder and the hash of the articles file, with the seconds the encoding took, so reruns are quick and
still report what the encoding cost.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from newsloom import Article, read_file
from newsloom.drivers.pipeline import normalize_all

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SHARED = REPO.parent / "shared" / "data"
DEFAULT_CACHE = Path.home() / ".cache" / "newsloom-bench"
DATASETS = ("giveme5w1h", "uci", "mstream_newsT", "multinews_dev_mix")


@dataclass(frozen=True)
class Dataset:
    """One labelled stream: where its articles and gold labels are."""

    name: str
    articles_path: Path
    gold_path: Path

    def file_hash(self) -> str:
        digest = hashlib.sha256()
        with self.articles_path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()[:16]

    def gold(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for line in self.gold_path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                entry = json.loads(line)
                out[str(entry["id"])] = str(entry["label"])
        return out

    def articles(self) -> list[Article]:
        """The stream in file order, normalized as the pipeline does."""
        articles, _ = normalize_all(read_file(self.articles_path))
        return articles


def find_dataset(name: str, shared: Path) -> Dataset:
    """The named stream under the shared folder; a clear error when it is not there."""
    folder = shared / name
    articles, gold = folder / "articles.jsonl", folder / "gold.jsonl"
    if not articles.is_file() or not gold.is_file():
        raise FileNotFoundError(
            f"{name}: no articles.jsonl and gold.jsonl in {folder} (give the data folder with --shared)"
        )
    return Dataset(name, articles, gold)


def parse_names(text: str, known: Sequence[str], what: str) -> list[str]:
    """A comma-separated choice checked against the known names."""
    chosen = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [part for part in chosen if part not in known]
    if unknown or not chosen:
        raise ValueError(f"unknown {what} {', '.join(unknown) or '(none given)'}; choose from {', '.join(known)}")
    return chosen


def cached_embeddings(
    dataset: Dataset,
    model: str,
    texts: Sequence[str],
    encode: Callable[[Sequence[str]], npt.NDArray[np.float32]],
    cache: Path = DEFAULT_CACHE,
) -> tuple[npt.NDArray[np.float32], float, bool]:
    """The embeddings of the texts, the seconds their encoding took, and whether they came from the cache."""
    texts_hash = hashlib.sha256("\x1e".join(texts).encode("utf-8")).hexdigest()[:12]
    path = cache / f"{dataset.name}-{model}-{dataset.file_hash()}-{texts_hash}.npz"
    if path.is_file():
        with np.load(path) as stored:
            return stored["embeddings"].astype(np.float32), float(stored["seconds"]), True
    started = time.perf_counter()
    embeddings = encode(texts)
    seconds = time.perf_counter() - started
    cache.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial.npz")
    np.savez(partial, embeddings=embeddings, seconds=np.float64(seconds))
    partial.replace(path)
    return embeddings, seconds, False
