"""Backfill: an archive of articles (JSON lines, news-please folders, WARC crawls) replayed through every stage.

An archive is replayed as if its articles had arrived live, in publication order (ties, and articles without a
date, which come last, in the order they were read). Two engines run it:

- ``local``: today's pipeline in one process (``Pipeline.ingest``), batch by batch into the store.
- ``ray``: Ray Data reads the files in parallel and runs the stateless stages (normalize, the embedding model,
  loaded once per worker) with ``map_batches``. The story stage is cut into time windows (``window_days``, 7 by
  default) that are clustered in parallel, each by the same ``Pipeline`` (syndication index and story clusterer)
  seeded with the document frequencies of everything before it, so each article is scored with the same term
  weights as in one process. Then the windows are stitched in time order: each window's stories meet the hot
  stories carried over from the windows before, in a clusterer restored with both, and its own second look
  (``review``: the clusterer's story-to-story rule and thresholds) merges a window's story into the story it
  continues. The story keeps the id it had before the window edge, so ids are the same run after run. Wire copies
  across a window edge meet because each window's syndication index first reads the ``lead_days`` before it.
  The driver commits each window's articles through the store in batches, then briefs are written for the
  stories that changed.

``backfill(paths, settings, store, engine=...)`` runs either; ``assign_stories_by_window`` is the ray engine
without a store, for ``newsloom cluster --engine ray``.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import pickle
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from newsloom.cluster import ClustererChanges, StoryClusterer, describe
from newsloom.config import Settings
from newsloom.dedup import Fingerprint
from newsloom.embed import Encoder, article_text, encoder_for, load_encoder
from newsloom.ingest.archives import find_archive_files, read_archive_file
from newsloom.model import Article, Rejected
from newsloom.pipeline import Pipeline, normalize_all
from newsloom.store.base import Store

log = logging.getLogger(__name__)

ENGINES = ("local", "ray")
RAY_INSTALL = "pip install 'newsloom[ray]'  (Ray Data and warcio)"
DAY = 86400.0
# Windows start on a Monday at 00:00 UTC, counted from the first Monday of 1970: the same article always falls in
# the same window, whatever else the archive holds.
WINDOW_ORIGIN = datetime(1970, 1, 5, tzinfo=UTC).timestamp()
UNDATED = 2**62  # the window of articles without a publication date: after every dated one

Progress = Callable[[int], None]


class EngineUnavailable(RuntimeError):
    """An engine that cannot run here; the message says what to install or which engines exist."""


@dataclass
class BackfillReport:
    """What one backfill did."""

    engine: str
    files: int = 0
    read: int = 0
    added: int = 0
    already_known: int = 0
    rejected: int = 0
    stories: int = 0  # stories the archive's articles were placed in
    merged_stories: int = 0
    windows: int = 0  # time windows clustered (ray engine)
    briefs_written: int = 0
    seconds: float = 0.0
    rejections: list[Rejected] = field(default_factory=list)

    @property
    def articles_per_second(self) -> float:
        return self.read / self.seconds if self.seconds else 0.0


def backfill(
    paths: Sequence[str | Path],
    settings: Settings,
    store: Store,
    engine: str = "local",
    *,
    address: str | None = None,
    workers: int | None = None,
    window_days: float = 7.0,
    write_briefs: bool = True,
    progress: Progress | None = None,
) -> BackfillReport:
    """Replay the archive under ``paths`` into the store with the chosen engine ("local" or "ray")."""
    if engine not in ENGINES:
        raise EngineUnavailable(f"no engine named {engine!r}; choose one of {', '.join(ENGINES)}")
    started = time.perf_counter()
    files, refused = find_archive_files(paths)
    if engine == "local":
        report = _backfill_local(files, refused, settings, store, write_briefs, progress)
    else:
        start_ray(address, workers)
        run = WindowedRun(settings, window_days=window_days, store=store, workers=workers, progress=progress)
        report = run.backfill(files, refused, write_briefs=write_briefs)
    report.files = len(files)
    report.seconds = time.perf_counter() - started
    return report


# -- the local engine ------------------------------------------------------------------------------------------------
def replay_order(items: Iterable[Article | Rejected]) -> list[Article | Rejected]:
    """Items in publication order (stable: ties and undated articles, last, keep the order they were read in).

    Rejections come first: they are quarantined with the first batch.
    """
    listed = list(items)
    return sorted(listed, key=lambda item: _order_key(item.published) if isinstance(item, Article) else (-1, 0.0))


def _order_key(moment: datetime | None) -> tuple[int, float]:
    return (1, 0.0) if moment is None else (0, _seconds(moment))


def _backfill_local(
    files: list[Path],
    refused: list[Rejected],
    settings: Settings,
    store: Store,
    write_briefs: bool,
    progress: Progress | None,
) -> BackfillReport:
    def items() -> Iterator[Article | Rejected]:
        yield from refused
        for path in files:
            yield from read_archive_file(path)

    pipeline = Pipeline(settings, store)
    ingested = pipeline.ingest(replay_order(items()), progress=progress, write_briefs=write_briefs)
    report = BackfillReport("local")
    report.read = ingested.read
    report.added = ingested.added
    report.already_known = ingested.already_known
    report.rejected = ingested.rejected
    report.rejections = ingested.rejections
    report.stories = len(ingested.stories_touched)
    report.merged_stories = ingested.merged_stories
    report.briefs_written = ingested.briefs_written
    return report


# -- Ray ---------------------------------------------------------------------------------------------------------------
def start_ray(address: str | None = None, workers: int | None = None, object_store_mb: int | None = None) -> None:
    """Connect to the Ray cluster at ``address``, or start one on this machine with ``workers`` CPUs (default all).

    A Ray already started in this process (by the caller, or an earlier call) is used as it is.
    """
    try:
        import ray
        from ray.data import DataContext
    except ImportError as error:
        raise EngineUnavailable(f"the ray engine needs Ray Data: {RAY_INSTALL}") from error
    context = DataContext.get_current()
    context.enable_progress_bars = False
    context.execution_options.preserve_order = True  # windows come back in time order, rows in stream order
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    if ray.is_initialized():
        return
    options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.WARNING}
    if address:
        ray.init(address=address, **options)
    else:
        if object_store_mb:
            options["object_store_memory"] = object_store_mb * 2**20
        ray.init(num_cpus=workers, **options)


def _ray_workers(workers: int | None) -> int:
    import ray

    cpus = ray.cluster_resources().get("CPU", 1)  # type: ignore[no-untyped-call]
    return max(1, workers or int(cpus))


# Rows as they travel between Ray stages: the article's fields, plain types only.
_ARTICLE_FIELDS = ("id", "title", "text", "url", "outlet", "language", "dek", "author", "origin")
_NORMALIZED_FIELDS = ("canonical_url", "content_hash")


def _schema() -> Any:
    import pyarrow as pa

    text = pa.string()
    return pa.schema(
        [
            *((name, text) for name in _ARTICLE_FIELDS + _NORMALIZED_FIELDS),
            ("published", pa.float64()),
            ("sentences", pa.list_(text)),
            ("embedding", pa.binary()),
            ("file_no", pa.int64()),
            ("record_no", pa.int64()),
            ("part", pa.int64()),  # the time window
            ("lead", pa.bool_()),  # read by the window after this one too, before its own articles
            ("rejected", text),  # why the record is no article (the other fields then are empty)
            ("raw", text),
        ]
    )


def _row(article: Article, file_no: int, record_no: int) -> dict[str, Any]:
    row: dict[str, Any] = {name: getattr(article, name) for name in _ARTICLE_FIELDS + _NORMALIZED_FIELDS}
    row.update(
        published=_seconds(article.published) if article.published else None,
        sentences=list(article.sentences),
        embedding=None,
        file_no=file_no,
        record_no=record_no,
        part=0,
        lead=False,
        rejected=None,
        raw=None,
    )
    return row


def _rejected_row(item: Rejected, file_no: int, record_no: int) -> dict[str, Any]:
    row = dict.fromkeys(_schema().names)
    row.update(origin=item.origin, rejected=item.reason, raw=item.raw, file_no=file_no, record_no=record_no)
    row.update(sentences=[], part=0, lead=False)
    return row


def _article(row: dict[str, Any]) -> Article:
    article = Article(**{name: row[name] for name in _ARTICLE_FIELDS + _NORMALIZED_FIELDS})
    article.id = article.id or ""
    article.title = article.title or ""
    article.text = article.text or ""
    if row["published"] is not None:
        article.published = datetime.fromtimestamp(row["published"], UTC)
    article.sentences = list(row["sentences"] or [])
    return article


def _embedding(row: dict[str, Any]) -> np.ndarray | None:
    data = row.get("embedding")
    return None if data is None else np.frombuffer(data, dtype=np.float32)


def _read_rows(task: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """One file of the archive as rows (the first Ray stage: files are read in parallel)."""
    file_no = int(task["file_no"])
    for record_no, item in enumerate(read_archive_file(Path(task["path"]))):
        if isinstance(item, Rejected):
            yield _rejected_row(item, file_no, record_no)
        else:
            yield _row(item, file_no, record_no)


def window_of(published: float | None, window_days: float) -> int:
    """The time window of a publication time (seconds since the epoch); undated articles come last."""
    if published is None:
        return UNDATED
    return math.floor((published - WINDOW_ORIGIN) / (window_days * DAY))


class ArticlePreparer:
    """The stateless stages on a Ray worker: normalize, the story embedding (the model loaded once), the window."""

    def __init__(self, settings: Settings, window_days: float, threads: int = 1) -> None:
        self.settings = settings
        self.window_days = window_days
        name = settings.cluster.embedding.strip().lower()
        self.encoder: Encoder | None = None
        if name not in ("", "none"):
            options = {"threads": threads} if name in ("minilm", "multilingual") else {}
            self.encoder = load_encoder(name, **options)

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa

        rows = batch.to_pylist()
        out: list[dict[str, Any]] = []
        ready: list[tuple[Article, dict[str, Any]]] = []
        for row in rows:
            if row["rejected"] is not None:
                out.append(row)
                continue
            articles, rejected = normalize_all([_article(row)])
            if rejected:
                out.append(_rejected_row(rejected[0], row["file_no"], row["record_no"]))
                continue
            prepared = _row(articles[0], row["file_no"], row["record_no"])
            prepared["part"] = window_of(prepared["published"], self.window_days)
            out.append(prepared)
            ready.append((articles[0], prepared))
        if self.encoder is not None and ready:
            words = self.settings.cluster.embedding_words
            vectors = self.encoder.encode([article_text(a, max_words=words) for a, _ in ready])
            for (_, prepared), vector in zip(ready, vectors, strict=True):
                prepared["embedding"] = np.asarray(vector, dtype=np.float32).tobytes()
        return pa.Table.from_pylist(out, schema=_schema())


def _frequencies(batch: Any, settings: Settings) -> Any:
    """Document frequencies of the clusterer's terms, per window, for this batch of articles."""
    import pyarrow as pa

    counts: defaultdict[int, Counter[str]] = defaultdict(Counter)
    documents: Counter[int] = Counter()
    for row in batch.to_pylist():
        counts[row["part"]].update(describe(_article(row), settings.cluster).keys())
        documents[row["part"]] += 1
    return pa.table(
        {
            "part": pa.array(list(documents), pa.int64()),
            "documents": pa.array(list(documents.values()), pa.int64()),
            "frequencies": pa.array([pickle.dumps(dict(counts[p])) for p in documents], pa.binary()),
        }
    )


def _with_lead_in(batch: Any, window_days: float, lead_days: float) -> Any:
    """Each article once for its own window, and once more as lead-in for the next when it is near the edge."""
    import pyarrow as pa

    rows = batch.to_pylist()
    out = list(rows)
    for row in rows:
        published = row["published"]
        if published is None or lead_days <= 0:
            continue
        next_start = WINDOW_ORIGIN + (row["part"] + 1) * window_days * DAY
        if next_start - published <= lead_days * DAY:
            out.append({**row, "part": row["part"] + 1, "lead": True})
    return pa.Table.from_pylist(out, schema=_schema())


def _window_schema() -> Any:
    import pyarrow as pa

    return (
        _schema()
        .append(pa.field("group", pa.string()))
        .append(pa.field("story", pa.string()))
        .append(
            pa.field("via", pa.string())  # the lead-in article whose syndication group this article joined
        )
        .append(pa.field("fingerprint", pa.binary()))
        .append(pa.field("window_state", pa.binary()))
    )


def cluster_window(batch: Any, settings: Settings, prefixes: dict[int, Any]) -> Any:
    """One time window through a fresh ``Pipeline``, seeded with the document frequencies of the windows before it."""
    import pyarrow as pa
    import ray

    rows = sorted(batch.to_pylist(), key=_replay_key)
    if not rows:
        return pa.Table.from_pylist([], schema=_window_schema())
    part = rows[0]["part"]  # lead-in rows carry the window they are read for
    documents, frequencies = ray.get(prefixes[part]) if part in prefixes else (0, {})
    pipeline = Pipeline(settings)
    pipeline.clusterer.restore(documents, None, frequencies, [])
    lead_groups: dict[str, str] = {}
    placed: list[tuple[Article, dict[str, Any]]] = []
    states: dict[str, dict[str, Any]] = {}

    def collect(changes: ClustererChanges) -> None:
        states.update(changes.stories)
        for merged in changes.merged:
            states.pop(merged, None)

    for row in rows:
        article = _article(row)
        if row["lead"]:
            lead_groups.setdefault(pipeline.syndication.assign(article), article.id)
            continue
        pipeline.place(article, _embedding(row))
        placed.append((article, row))
        if len(placed) % settings.batch_size == 0:
            collect(pipeline.clusterer.changes())
    collect(pipeline.clusterer.changes())
    states = {story_id: state for story_id, state in states.items() if story_id in pipeline.clusterer.stories}
    out: list[dict[str, Any]] = []
    for article, row in placed:
        group = article.syndication_group or ""
        out.append(
            {
                **row,
                "group": group,
                "story": pipeline.story_of(article),
                "via": lead_groups.get(group),
                "fingerprint": pickle.dumps(pipeline.syndication.fingerprint_of(article)),
                "window_state": None,
            }
        )
    if out:
        out[0]["window_state"] = pickle.dumps({"stories": states, "part": part})
    return pa.Table.from_pylist(out, schema=_window_schema())


@dataclass
class Window:
    """A clustered window, back on the driver: its articles in replay order, with their window-local stories."""

    part: int
    articles: list[Article]
    stories: list[str]  # each article's story, as the window named it
    fingerprints: list[Fingerprint]
    via: list[str | None]
    states: dict[str, dict[str, Any]]  # the window's stories, as its clusterer left them


class WindowedRun:
    """The ray engine: read, prepare and cluster by window on Ray; stitch, commit and brief on the driver."""

    def __init__(
        self,
        settings: Settings,
        window_days: float = 7.0,
        store: Store | None = None,
        workers: int | None = None,
        lead_days: float | None = None,
        progress: Progress | None = None,
    ) -> None:
        if window_days <= 0:
            raise ValueError(f"window_days must be positive, not {window_days}")
        self.settings = settings
        self.window_days = window_days
        # Wire copies are at most the syndication window apart: that much of the previous window is read first.
        self.lead_days = min(window_days, settings.syndication.window_days) if lead_days is None else lead_days
        self.store = store
        self.workers = workers
        self.progress = progress
        self.carried: dict[str, dict[str, Any]] = {}  # hot stories after the windows stitched so far, by final id
        self.redirects: dict[str, str] = {}  # story ids merged away at a window edge -> the story they joined
        self.documents = 0
        self.frequencies: Counter[str] = Counter()
        self.recent_groups: dict[str, tuple[str, float]] = {}  # article id -> (final group, published), lead-in only
        self.stories_seen: set[str] = set()
        self.windows = 0

    # -- the whole run -------------------------------------------------------------------------------------------
    def backfill(self, files: list[Path], refused: list[Rejected], write_briefs: bool = True) -> BackfillReport:
        store = self.store
        assert store is not None, "a backfill needs a store"
        report = BackfillReport("ray", rejections=[Rejected(r.origin, r.reason) for r in refused])
        state = store.clusterer_state()
        if state.documents:  # the archive goes on from what the store holds
            self.documents, self.frequencies = state.documents, Counter(state.document_frequency)
            self.carried = dict(state.stories)
        prepared, rejected, keep, known = self._prepare(files, store=store)
        store.quarantine([*refused, *rejected])
        report.rejected = len(refused) + len(rejected)
        report.rejections += [Rejected(r.origin, r.reason) for r in rejected]
        report.read = len(keep) + known
        report.already_known = known
        merged = 0
        for window in self._windows(prepared, keep):
            labels, changes = self._stitch(window)
            merged += len(changes.merged)
            self._commit(window, labels, changes, store)
            report.added += len(window.articles)
        report.windows = self.windows
        report.stories = len(self.stories_seen)
        report.merged_stories = merged
        if write_briefs:
            report.briefs_written = Pipeline(self.settings, store).write_briefs()
        return report

    def assign(self, files: list[Path]) -> tuple[dict[str, str], list[Rejected], list[tuple[int, int, str]]]:
        """Without a store: each article id's story (after every merge), rejections, and (file, record, id) order."""
        prepared, rejected, keep, _ = self._prepare(files, store=None)
        stories: dict[str, str] = {}
        for window in self._windows(prepared, keep):
            labels, _ = self._stitch(window)
            for article, local in zip(window.articles, labels, strict=True):
                stories[article.id] = local
        resolved = {article_id: self._resolve(story) for article_id, story in stories.items()}
        return resolved, rejected, self._order

    # -- Ray stages ----------------------------------------------------------------------------------------------
    def _prepare(self, files: list[Path], store: Store | None) -> tuple[Any, list[Rejected], set[tuple[int, int]], int]:
        """Read and prepare on Ray; on the driver, the rejections and which records to keep (first copy, not known)."""
        import ray.data

        workers = _ray_workers(self.workers)
        tasks = [{"file_no": i, "path": str(p)} for i, p in enumerate(files)]
        if not tasks:
            return None, [], set(), 0
        # Read first, then prepare: the model workers hold a CPU each for the whole stage, and reading needs some.
        records = ray.data.from_items(tasks, override_num_blocks=len(tasks)).flat_map(_read_rows).materialize()
        if self.settings.cluster.embedding.strip().lower() == "auto":
            self.settings = self._choose_encoder(records)
        count = records.count()
        blocks = max(2 * workers, min(256, math.ceil(count / self.settings.batch_size)))
        records = records.repartition(blocks).materialize()
        prepared = records.map_batches(
            ArticlePreparer,
            fn_constructor_kwargs={"settings": self.settings, "window_days": self.window_days},
            compute=ray.data.ActorPoolStrategy(size=workers),
            batch_size=self.settings.batch_size,
            batch_format="pyarrow",
        ).materialize()
        columns = ["id", "canonical_url", "published", "file_no", "record_no", "rejected", "origin", "raw"]
        rejected: list[Rejected] = []
        rows: list[tuple[tuple[int, float, int, int], str, str | None]] = []
        for batch in prepared.select_columns(columns).iter_batches(batch_format="pyarrow", batch_size=65536):
            for row in batch.to_pylist():
                if row["rejected"] is not None:
                    rejected.append(Rejected(row["origin"] or "input", row["rejected"], row["raw"] or ""))
                    continue
                key = (*_order_key(None if row["published"] is None else _datetime(row["published"])),
                       row["file_no"], row["record_no"])  # fmt: skip
                rows.append((key, row["id"], row["canonical_url"]))
        rows.sort()
        self._order = [(key[2], key[3], article_id) for key, article_id, _ in rows]
        known: set[str] = set()
        if store is not None:
            for start in range(0, len(rows), 4096):
                chunk = [Article(id=i, canonical_url=u) for _, i, u in rows[start : start + 4096]]
                known |= store.known(chunk)
        keep: set[tuple[int, int]] = set()
        seen: set[str] = set()
        dropped_known = 0
        for key, article_id, url in rows:
            keys = {article_id} | ({url} if url and store is not None else set())
            if article_id in known:
                dropped_known += 1
                continue
            if keys & seen:
                continue
            seen |= keys
            keep.add((key[2], key[3]))
        return prepared, rejected, keep, dropped_known

    def _choose_encoder(self, records: Any) -> Settings:
        """For ``embedding = "auto"``: the encoder the archive's first batch asks for, as the local engine picks it."""
        first = sorted(
            (r for r in records.take(10 * self.settings.batch_size) if r["rejected"] is None), key=_replay_key
        )
        articles, _ = normalize_all(_article(r) for r in first[: self.settings.batch_size])
        chosen = encoder_for("auto", [a.language for a in articles])
        return dataclasses.replace(self.settings, cluster=dataclasses.replace(self.settings.cluster, embedding=chosen))

    def _windows(self, prepared: Any, keep: set[tuple[int, int]]) -> Iterator[Window]:
        """The windows, clustered in parallel on Ray, handed back in time order."""
        import ray
        import ray.data

        if prepared is None or not keep:
            return
        articles = prepared.filter(lambda row: row["rejected"] is None)
        total = articles.count()
        if len(keep) < total:
            keep_ref = ray.put(keep)
            articles = articles.filter(lambda row: (row["file_no"], row["record_no"]) in ray.get(keep_ref))
        articles = articles.materialize()
        settings = self.settings
        partials = articles.map_batches(_frequencies, fn_kwargs={"settings": settings}, batch_format="pyarrow")
        by_part: defaultdict[int, Counter[str]] = defaultdict(Counter)
        documents: Counter[int] = Counter()
        for row in partials.iter_rows():
            by_part[row["part"]].update(pickle.loads(row["frequencies"]))
            documents[row["part"]] += row["documents"]
        # Each window starts from the document frequencies of every article before it (and of the store).
        prefixes: dict[int, Any] = {}
        running_documents, running = self.documents, Counter(self.frequencies)
        self._window_frequencies: dict[int, tuple[int, Counter[str]]] = {}
        for part in sorted(by_part):
            prefixes[part] = ray.put((running_documents, dict(running)))
            running_documents += documents[part]
            running.update(by_part[part])
            self._window_frequencies[part] = (documents[part], by_part[part])
        lead_in = articles.map_batches(
            _with_lead_in,
            fn_kwargs={"window_days": self.window_days, "lead_days": self.lead_days},
            batch_format="pyarrow",
        )
        clustered = lead_in.groupby("part").map_groups(
            cluster_window,
            fn_kwargs={"settings": settings, "prefixes": prefixes},
            batch_format="pyarrow",
        )
        current: list[dict[str, Any]] = []
        for batch in clustered.iter_batches(batch_format="pyarrow", batch_size=None):
            for row in batch.to_pylist():
                if current and row["part"] != current[0]["part"]:
                    yield self._window(current)
                    current = []
                current.append(row)
        if current:
            yield self._window(current)

    def _window(self, rows: list[dict[str, Any]]) -> Window:
        rows.sort(key=_replay_key)
        state: dict[str, Any] = {}
        for row in rows:
            if row["window_state"] is not None:
                state = pickle.loads(row["window_state"])
        self.windows += 1
        return Window(
            part=rows[0]["part"],
            articles=[_article(row) for row in rows],
            stories=[row["story"] for row in rows],
            fingerprints=[pickle.loads(row["fingerprint"]) for row in rows],
            via=[row["via"] for row in rows],
            states=state.get("stories", {}),
        )

    # -- the driver: stitch, commit ------------------------------------------------------------------------------
    def _stitch(self, window: Window) -> tuple[list[str], ClustererChanges]:
        """Final story ids for a window's articles, and the clusterer changes to store (carried state updated).

        The window's stories and the carried hot stories meet in a clusterer restored with both; its second look
        merges each window story into a carried story that tells the same event. A group that holds a carried
        story keeps the carried id (the story began before the window edge); else the clusterer's survivor.
        """
        own_documents, own_frequencies = self._window_frequencies.get(window.part, (0, Counter()))
        self.documents += own_documents
        self.frequencies.update(own_frequencies)
        moments = [a.published for a in window.articles if a.published is not None]
        start = _seconds(min(moments)) if moments else None
        clusterer = StoryClusterer(self.settings.cluster)
        clusterer.restore(
            self.documents,
            start,
            dict(self.frequencies),
            [*self.carried.items(), *window.states.items()],
            review={"since": 0, "stories": sorted(window.states)},
        )
        clusterer.review()
        carried_ids = set(self.carried)
        members: defaultdict[str, list[str]] = defaultdict(list)
        for story_id in [*self.carried, *window.states]:
            members[clusterer.resolve(story_id)].append(story_id)

        def first_seen(story_id: str) -> tuple[float, str]:
            seen = self.carried[story_id].get("first_seen")
            return (seen if seen is not None else math.inf, story_id)

        label: dict[str, str] = {}
        merged: dict[str, str] = {}
        for root, group in members.items():
            old = [s for s in group if s in carried_ids]
            chosen = root if root in carried_ids or not old else min(old, key=first_seen)
            label[root] = chosen
            for story_id in old:
                if story_id != chosen:
                    merged[story_id] = chosen
        for story_id in list(clusterer.stories):  # stories the second look split off
            label.setdefault(story_id, story_id)

        def final(story_id: str) -> str:
            root = clusterer.resolve(story_id)
            return label.get(root, root)

        labels = [
            final(clusterer.story_of(article.id, story))
            for article, story in zip(window.articles, window.stories, strict=True)
        ]
        own = {article.id for article in window.articles}
        moved = {a: final(s) for a, s in clusterer.moved.items() if a not in own}
        self.carried = {final(story_id): profile.to_state() for story_id, profile in clusterer.stories.items()}
        self.redirects.update(merged)
        self.stories_seen.update(labels)
        changes = ClustererChanges(
            documents=self.documents,
            latest=_seconds(max(moments)) if moments else None,
            document_frequency={term: self.frequencies[term] for term in own_frequencies},
            stories=dict(self.carried),
            merged=merged,
            moved=moved,
            review={"since": 0, "stories": []},
        )
        return labels, changes

    def _resolve(self, story_id: str) -> str:
        for _ in range(1000):
            if story_id not in self.redirects:
                break
            story_id = self.redirects[story_id]
        return story_id

    def _commit(self, window: Window, labels: list[str], changes: ClustererChanges, store: Store) -> None:
        """The window's articles with their final groups and stories, in batches; the clusterer state with the last."""
        fingerprints: list[Fingerprint] = []
        for article, story, fingerprint, via in zip(
            window.articles, labels, window.fingerprints, window.via, strict=True
        ):
            group = fingerprint.group
            if via is not None and via in self.recent_groups:  # a copy of an article of the window before
                group = self.recent_groups[via][0]
            article.syndication_group = group
            article.story_id = story
            fingerprints.append(dataclasses.replace(fingerprint, group=group))
        self._remember_groups(window.articles)
        size = max(1, self.settings.batch_size)
        empty = ClustererChanges(changes.documents, changes.latest, {}, {}, review=changes.review)
        for start in range(0, len(window.articles), size):
            last = start + size >= len(window.articles)
            batch = window.articles[start : start + size]
            store.commit_batch(batch, fingerprints[start : start + size], changes if last else empty, [])
            if self.progress:
                self.progress(len(batch))

    def _remember_groups(self, articles: list[Article]) -> None:
        """The final groups of the articles the next window reads as lead-in (only those near its edge)."""
        dated = [a for a in articles if a.published is not None]
        if not dated:
            return
        latest = max(_seconds(a.published) for a in dated if a.published)
        horizon = latest - self.lead_days * DAY
        for article in dated:
            moment = _seconds(article.published) if article.published else 0.0
            if moment >= horizon:
                self.recent_groups[article.id] = (article.syndication_group or "", moment)
        self.recent_groups = {k: v for k, v in self.recent_groups.items() if v[1] >= horizon}


def assign_stories_by_window(
    paths: Sequence[str | Path], settings: Settings, window_days: float = 7.0, workers: int | None = None
) -> tuple[list[tuple[str, str]], list[Rejected]]:
    """The ray engine without a store: ``(article id, story)`` for each article, in file order, and rejections.

    The articles are clustered by time window and stitched, as ``backfill`` does; an id that appears twice is one
    article. Ray must be started (``start_ray``).
    """
    files, refused = find_archive_files(paths)
    run = WindowedRun(settings, window_days=window_days, workers=workers)
    stories, rejected, order = run.assign(files)
    ordered = sorted(order)
    return [(article_id, stories[article_id]) for _, _, article_id in ordered if article_id in stories], [
        *refused,
        *rejected,
    ]


def _replay_key(row: dict[str, Any]) -> tuple[bool, float, int, int]:
    return (row["published"] is None, row["published"] or 0.0, row["file_no"], row["record_no"])


def _seconds(moment: datetime) -> float:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _datetime(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
