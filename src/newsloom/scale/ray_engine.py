"""The Ray engine: an archive replayed on Ray Data, with the same stories under the same ids as the local engine.

Ray Data reads the files in parallel and runs the stateless work with ``map_batches``: normalize, the
embedding model (loaded once per worker) and each article's syndication fingerprint (shingles, MinHash, names).
Syndication is then cut into time windows (``window_days``, 7 by default) matched in parallel, each window
first reading the fingerprints of the ``lead_days`` before it (by default the syndication window, 7 days: every
article a copy could copy), and each article comes back with the article it copies, if any, and its story
terms (``describe``). The driver stitches the windows in time order: an article that copies another joins that
article's final group (across the edge too), so the groups are those of one process. The story decisions, which
depend on every story before them, are made on the driver, one article at a time in the local engine's order and
batches, by the same ``Desk`` (the terms, embeddings and groups come from the workers), so both engines give the
same stories under the same ids. The driver commits each batch through the store, then briefs are written for the
stories that changed.

``WindowedRun`` runs it into a store; ``assign_stories_by_window`` is the engine without a store, for
``newsloom cluster --engine ray``. Ray must be started first (``start_ray``).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import pickle
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from newsloom.config import Settings
from newsloom.desk import Desk, Prepared
from newsloom.drivers.backfill import BackfillReport, EngineUnavailable, Progress, order_key
from newsloom.drivers.pipeline import Pipeline, normalize_all, storable
from newsloom.embeddings import Encoder, article_text, encoder_for, load_encoder
from newsloom.ingest.archives import find_archive_files, read_archive_file
from newsloom.model import Article, Fingerprint, Rejected
from newsloom.normalize import valid_unicode
from newsloom.store.base import Store
from newsloom.stories.terms import describe
from newsloom.syndication import SyndicationIndex, group_id_for
from newsloom.text.dates import epoch_seconds

log = logging.getLogger(__name__)

RAY_INSTALL = "pip install 'newsloom[ray]'  (Ray Data and warcio)"
DAY = 86400.0
# Windows start on a Monday at 00:00 UTC, counted from the first Monday of 1970: the same article always falls in
# the same window, whatever else the archive holds.
WINDOW_ORIGIN = datetime(1970, 1, 5, tzinfo=UTC).timestamp()
UNDATED = 2**62  # the window of articles without a publication date: after every dated one


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
    context.enable_progress_bars = False  # the engine reports its own progress (``Progress``)
    context.execution_options.preserve_order = True  # windows come back in time order, rows in stream order
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    # Ray Data says so once per process that the progress bars are off, which we asked for.
    logging.getLogger("ray.data._internal.progress").setLevel(logging.ERROR)
    _drop_warning("ray.data.dataset", _NO_FREE_CPU)
    # A Ray started here keeps Ray's default, token authentication, and need not warn that it is on.
    _drop_warning("ray._private.authentication.authentication_token_setup", "Token authentication is enabled")
    if ray.is_initialized():
        return
    options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.WARNING}
    if address:
        ray.init(address=address, **options)
    else:
        if object_store_mb:
            options["object_store_memory"] = object_store_mb * 2**20
        ray.init(num_cpus=workers, **options)


# Ray Data warns that a job "will hang" when it starts while no CPU is free. Between two of the engine's stages the
# actors of the one before still hold the CPUs for a moment (and reading a materialized dataset needs none): in
# every run so far the warning was a false alarm, and a real hang shows as a stalled progress count.
_NO_FREE_CPU = "Warning: The Ray cluster currently does not have any available CPUs"


def _drop_warning(logger_name: str, prefix: str) -> None:
    """Drop one known, misleading warning (its message starts with ``prefix``) from a library's logger."""
    logger = logging.getLogger(logger_name)
    if not any(getattr(f, "prefix", None) == prefix for f in logger.filters):
        logger.addFilter(_DropMessage(prefix))


class _DropMessage(logging.Filter):
    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.prefix)


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
            ("description", pa.binary()),  # its story terms (``cluster.describe``), pickled
            ("fingerprint", pa.binary()),  # its syndication fingerprint, group not yet known, pickled
            ("file_no", pa.int64()),
            ("record_no", pa.int64()),
            ("part", pa.int64()),  # the time window
            ("lead", pa.bool_()),  # a copy of the row read first by a later window (its lead-in)
            ("copied", text),  # the earlier article it copies, as its window found (None: it begins a group)
            ("rejected", text),  # why the record is no article (the other fields then are empty)
            ("rejected_at", text),  # "read" or "normalize": where it was rejected
            ("raw", text),
        ]
    )


def _row(article: Article, file_no: int, record_no: int) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(_schema().names)
    row.update({name: getattr(article, name) for name in _ARTICLE_FIELDS + _NORMALIZED_FIELDS})
    row.update(
        published=epoch_seconds(article.published),
        sentences=list(article.sentences),
        file_no=file_no,
        record_no=record_no,
        part=0,
        lead=False,
    )
    return row


def _rejected_row(
    item: Rejected, file_no: int, record_no: int, at: str = "read", published: float | None = None
) -> dict[str, Any]:
    item = storable(item)  # Arrow, like the stores, takes only valid Unicode
    row = dict.fromkeys(_schema().names)
    row.update(origin=item.origin, rejected=item.reason, rejected_at=at, raw=item.raw, file_no=file_no)
    row.update(record_no=record_no, published=published, sentences=[], part=0, lead=False)
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
            yield _row(valid_unicode(item), file_no, record_no)  # repaired (and said so) before Arrow refuses it


def window_of(published: float | None, window_days: float) -> int:
    """The time window of a publication time (seconds since the epoch); undated articles come last."""
    if published is None:
        return UNDATED
    return math.floor((published - WINDOW_ORIGIN) / (window_days * DAY))


class ArticlePreparer:
    """The stateless work on a Ray worker: normalize, the story embedding (the model loaded once), the article's
    syndication fingerprint, its window."""

    def __init__(self, settings: Settings, window_days: float, threads: int = 1) -> None:
        self.settings = settings
        self.window_days = window_days
        self.syndication = SyndicationIndex(settings.syndication)  # for its fingerprints only
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
            if rejected:  # at its place in the replay, as in the local engine: keep when it was published
                out.append(_rejected_row(rejected[0], row["file_no"], row["record_no"], "normalize", row["published"]))
                continue
            article = articles[0]
            prepared = _row(article, row["file_no"], row["record_no"])
            prepared["part"] = window_of(prepared["published"], self.window_days)
            prepared["fingerprint"] = pickle.dumps(self.syndication.fingerprint_for(article))
            out.append(prepared)
            ready.append((article, prepared))
        if self.encoder is not None and ready:
            words = self.settings.cluster.embedding_words
            vectors = self.encoder.encode([article_text(a, max_words=words) for a, _ in ready])
            for (_, prepared), vector in zip(ready, vectors, strict=True):
                prepared["embedding"] = np.asarray(vector, dtype=np.float32).tobytes()
        return pa.Table.from_pylist(out, schema=_schema())


@dataclass(frozen=True)
class _Kept:
    """The archive's articles that go on to the story stage, as the driver will place them.

    ``positions``: where each falls in the local engine's stream of items (rejections and repeats count there
    too), in the order the driver places them: its batches end at the same articles. ``windows``: how many
    articles of its own each window has.
    """

    articles: int
    drop: set[tuple[int, int]]  # (file, record) of the records left out: repeats, and articles the store holds
    positions: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    windows: dict[int, int] = field(default_factory=dict)


def _kept_articles(batch: Any, drop: set[tuple[int, int]]) -> Any:
    """The batch without its rejections and the records left out (by file and record number)."""
    import pyarrow as pa

    keep = [
        reason is None and (file_no, record_no) not in drop
        for reason, file_no, record_no in zip(
            batch["rejected"].to_pylist(), batch["file_no"].to_pylist(), batch["record_no"].to_pylist(), strict=True
        )
    ]
    return batch.filter(pa.array(keep, pa.bool_()))


def _lead_parts(published: float | None, part: int, window_days: float, lead_days: float) -> range:
    """The later windows that read an article first, as lead-in: those that start within ``lead_days`` of it."""
    if published is None or lead_days <= 0 or part == UNDATED:
        return range(0)
    return range(part + 1, window_of(published + lead_days * DAY, window_days) + 1)


# What a window needs of an article in its lead-in: the fingerprint, and the fields that order and name it.
_LEAD_FIELDS = ("id", "content_hash", "published", "file_no", "record_no", "fingerprint")


def _with_lead_in(batch: Any, window_days: float, lead_days: float) -> Any:
    """Each article once for its own window, and once more, slimmed to its fingerprint, for each later window
    whose lead-in it is in."""
    import pyarrow as pa

    rows = batch.to_pylist()
    out = list(rows)
    for row in rows:
        parts = _lead_parts(row["published"], row["part"], window_days, lead_days)
        if not parts:
            continue
        slim = dict.fromkeys(row) | {name: row[name] for name in _LEAD_FIELDS} | {"sentences": [], "lead": True}
        out.extend({**slim, "part": part} for part in parts)
    return pa.Table.from_pylist(out, schema=_schema())


def syndicate_window(batch: Any, settings: Settings) -> Any:
    """One time window's wire copies: a fresh syndication index reads the lead-in (the articles a copy in the
    window could copy), then matches the window's own articles in replay order. Each of its own articles comes
    back with the article it copies (``copied``), if any (the driver knows that article's final group), and its
    story terms (``cluster.describe``, computed here to keep them out of the prepared archive)."""
    import pyarrow as pa

    index = SyndicationIndex(settings.syndication)
    out: list[dict[str, Any]] = []
    for number, row in enumerate(sorted(batch.to_pylist(), key=_replay_key), start=1):
        fingerprint = pickle.loads(row["fingerprint"])
        if row["lead"]:
            index.remember(fingerprint)
        else:
            article = _article(row)
            description = pickle.dumps(describe(article, settings.cluster))
            _, copied = index.join(article, fingerprint)
            out.append({**row, "copied": copied, "description": description})
        if number % settings.batch_size == 0:
            index.cool_down()
    return pa.Table.from_pylist(out, schema=_schema())


@dataclass
class Window:
    """A window back on the driver: its articles in replay order, with what the workers found for each."""

    part: int
    articles: list[Article]
    copied: list[str | None]  # the earlier article each copies (None: it begins a group)
    fingerprints: list[Fingerprint]  # their group not yet known
    embeddings: list[np.ndarray | None]
    descriptions: list[dict[str, float]]
    keys: list[tuple[int, int]]  # (file, record) of each

    def prepared(self, index: int, group: str) -> Prepared:
        """What the workers computed for the window's ``index``-th article, in the syndication group ``group``."""
        return Prepared(group, self.fingerprints[index], self.embeddings[index], self.descriptions[index])


class WindowedRun:
    """The ray engine: read, prepare and match wire copies by window on Ray; stitch the groups, place the stories,
    commit and brief on the driver."""

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
        if lead_days is not None and lead_days < 0:
            raise ValueError(f"lead_days must not be negative, not {lead_days}")
        self.settings = settings
        self.window_days = window_days
        # A copy is matched with articles published up to ``[syndication] window_days`` before it: a lead-in that
        # long gives each window every article one process would compare its copies with. Less is faster and
        # misses copies across the edge.
        self.lead_days = settings.syndication.window_days if lead_days is None else lead_days
        self.store = store
        self.workers = workers
        self.progress = progress
        self.windows = 0
        self._groups: dict[str, tuple[str, float | None]] = {}  # article id -> (final group, published), recent

    # -- the whole run -------------------------------------------------------------------------------------------
    def backfill(self, files: list[Path], refused: list[Rejected], write_briefs: bool = True) -> BackfillReport:
        """The archive into the store: the articles are placed in the local engine's replay order and batches."""
        store = self.store
        assert store is not None, "a backfill needs a store"
        report = BackfillReport("ray", rejections=[Rejected(r.origin, r.reason) for r in refused])
        pipeline = Pipeline(self.settings, store)  # restored from the store: the archive goes on from there
        started = time.perf_counter()
        prepared, rejected, keep = self._prepare(files, store=store, ahead=len(refused))
        log.info("read and prepared on Ray: %.1f s", time.perf_counter() - started)
        store.quarantine([*refused, *rejected])
        report.rejected = len(refused) + len(rejected)
        report.rejections += [Rejected(r.origin, r.reason) for r in rejected]
        report.read = keep.articles + len(keep.drop)
        report.already_known = len(keep.drop)  # held by the store, or a repeat of an article earlier in the archive
        desk = pipeline.desk
        stories: set[str] = set()

        def commit() -> None:
            placement = desk.commit(store)
            stories.update(desk.story_of(article) or "" for article in placement.articles)
            report.merged_stories += len(placement.changes.merged)
            report.added += len(placement.articles)
            if self.progress:
                self.progress(len(placement.articles))

        starts = self._batch_starts(keep)
        store_latest = desk.latest_held
        started = time.perf_counter()
        driver = 0.0  # seconds the driver spent placing and committing (the rest it waited for the windows)
        for window in self._windows(prepared, keep):
            placing = time.perf_counter()
            for index in range(len(window.articles)):
                if next(starts) and desk.open_articles:  # the local engine's batch ends before this article
                    commit()
                self._stitch(desk, window, index, store_latest)
            self._forget(desk)
            driver += time.perf_counter() - placing
        placing = time.perf_counter()
        if desk.open_articles:
            commit()
        driver += time.perf_counter() - placing
        log.info(
            "%d windows in %.1f s; the driver placed and committed %d articles in %.1f s (%.0f/s)",
            self.windows,
            time.perf_counter() - started,
            report.added,
            driver,
            report.added / driver if driver else 0.0,
        )
        report.windows = self.windows
        report.stories = len({desk.current_story(story) for story in stories if story})
        if write_briefs:
            report.briefs_written = pipeline.write_briefs()
        return report

    def assign(self, files: list[Path]) -> tuple[dict[str, str], list[Rejected], list[tuple[int, int, str]]]:
        """Without a store: each article id's story, rejections, and (file, record, id) order. The articles are
        placed in file order and in ``assign_stories``'s batches, as ``newsloom cluster`` places them."""
        prepared, rejected, keep = self._prepare(files, store=None, in_file_order=True)
        desk = Desk(self.settings.cluster, self.settings.syndication)
        gathered: dict[tuple[int, int], tuple[Window, int]] = {}
        for window in self._windows(prepared, keep):
            for index, article in enumerate(window.articles):
                article.syndication_group = self._final_group(article, window.copied[index])
                gathered[window.keys[index]] = (window, index)
        starts = self._batch_starts(keep)
        placed: list[Article] = []
        for key in sorted(gathered):
            window, index = gathered.pop(key)
            if next(starts):
                desk.close()  # as ``assign_stories`` does after each batch: quiet stories cool down
            article = window.articles[index]
            desk.place([article], [window.prepared(index, article.syndication_group or "")])
            placed.append(article)
        stories = {article.id: desk.story_of(article) or "" for article in placed}
        return stories, rejected, self._order

    # -- Ray stages ----------------------------------------------------------------------------------------------
    def _prepare(
        self, files: list[Path], store: Store | None, ahead: int = 0, in_file_order: bool = False
    ) -> tuple[Any, list[Rejected], _Kept]:
        """Read and prepare on Ray; on the driver, the rejections and which records to keep (first copy, not
        known), with where each falls in the local engine's stream: ``ahead`` rejections before the archive's,
        then (by default) the read rejections and the articles in replay order, or (``in_file_order``) every
        record in the order read."""
        import ray.data

        workers = _ray_workers(self.workers)
        tasks = [{"file_no": i, "path": str(p)} for i, p in enumerate(files)]
        if not tasks:
            self._order = []
            return None, [], _Kept(0, set())
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
        columns = ["id", "canonical_url", "published", "file_no", "record_no", "rejected", "rejected_at", "origin"]
        rejected: list[Rejected] = []
        # (order in the local engine's stream, published, file, record, id or None when rejected, url)
        rows: list[tuple[tuple[int, float], int, int, str | None, str | None]] = []
        for batch in prepared.select_columns([*columns, "raw"]).iter_batches(batch_format="pyarrow", batch_size=65536):
            for row in batch.to_pylist():
                if row["rejected"] is not None:
                    rejected.append(Rejected(row["origin"] or "input", row["rejected"], row["raw"] or ""))
                    if row["rejected_at"] == "read" and not in_file_order:
                        ahead += 1  # the local engine's replay puts what cannot be read first
                        continue
                    article_id = None
                else:
                    article_id = row["id"]
                moment = None if row["published"] is None else _datetime(row["published"])
                rows.append((order_key(moment), row["file_no"], row["record_no"], article_id, row["canonical_url"]))
        rows.sort(key=(lambda r: (r[1], r[2])) if in_file_order else (lambda r: (r[0], r[1], r[2])))
        self._order = sorted((file_no, record_no, i) for _, file_no, record_no, i, _ in rows if i is not None)
        known: set[str] = set()
        if store is not None:
            listed = [(i, url) for *_, i, url in rows if i is not None]
            for start in range(0, len(listed), 4096):
                known |= store.known([Article(id=i, canonical_url=u) for i, u in listed[start : start + 4096]])
        drop: set[tuple[int, int]] = set()
        seen: set[str] = set()
        positions: list[int] = []
        windows: Counter[int] = Counter()
        for position, (order, file_no, record_no, article_id, url) in enumerate(rows, start=ahead):
            if article_id is None:
                continue
            keys = {article_id} | ({url} if url and store is not None else set())
            if article_id in known or keys & seen:
                drop.add((file_no, record_no))
                continue
            seen |= keys
            positions.append(position)
            windows[window_of(None if order[0] else order[1], self.window_days)] += 1
        return prepared, rejected, _Kept(len(positions), drop, np.asarray(positions, dtype=np.int64), dict(windows))

    def _choose_encoder(self, records: Any) -> Settings:
        """For ``embedding = "auto"``: the encoder the archive's first batch asks for, as the local engine picks it."""
        first = sorted(
            (r for r in records.take(10 * self.settings.batch_size) if r["rejected"] is None), key=_replay_key
        )
        articles, _ = normalize_all(_article(r) for r in first[: self.settings.batch_size])
        chosen = encoder_for("auto", [a.language for a in articles])
        return dataclasses.replace(self.settings, cluster=dataclasses.replace(self.settings.cluster, embedding=chosen))

    def _windows(self, prepared: Any, keep: _Kept) -> Iterator[Window]:
        """The windows, their wire copies matched in parallel on Ray (each with its lead-in), in time order."""
        if prepared is None or not keep.articles:
            return
        articles = prepared.map_batches(_kept_articles, fn_kwargs={"drop": keep.drop}, batch_format="pyarrow")
        lead_in = articles.map_batches(
            _with_lead_in,
            fn_kwargs={"window_days": self.window_days, "lead_days": self.lead_days},
            batch_format="pyarrow",
        )
        matched = lead_in.groupby("part").map_groups(
            syndicate_window, fn_kwargs={"settings": self.settings}, batch_format="pyarrow"
        )
        # Ray hands the windows back in any order: each is held until it is whole (one row per article of its own)
        # and every window before it has gone.
        expected = sorted(keep.windows)
        pending: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
        done = 0
        for batch in matched.iter_batches(batch_format="pyarrow", batch_size=None):
            for row in batch.to_pylist():
                pending[row["part"]].append(row)
            while done < len(expected) and len(pending[expected[done]]) >= keep.windows[expected[done]]:
                yield self._window(pending.pop(expected[done]))
                done += 1
        if done < len(expected):
            raise RuntimeError(f"Ray returned {done} of {len(expected)} windows whole")

    def _window(self, rows: list[dict[str, Any]]) -> Window:
        rows.sort(key=_replay_key)
        self.windows += 1
        return Window(
            part=rows[0]["part"],
            articles=[_article(row) for row in rows],
            copied=[row["copied"] for row in rows],
            fingerprints=[pickle.loads(row["fingerprint"]) for row in rows],
            embeddings=[_embedding(row) for row in rows],
            descriptions=[pickle.loads(row["description"]) for row in rows],
            keys=[(row["file_no"], row["record_no"]) for row in rows],
        )

    # -- the driver: stitch the groups, place the stories ------------------------------------------------------
    def _batch_starts(self, keep: _Kept) -> Iterator[bool]:
        """For each article in the order placed: whether the local engine begins a new batch at or before it."""
        size = max(1, self.settings.batch_size)
        current: int | None = None
        for position in keep.positions.tolist():
            batch = position // size
            yield current is not None and batch != current
            current = batch

    def _stitch(self, desk: Desk, window: Window, index: int, store_latest: float | None) -> None:
        """Place one article of the window: its final group, then its story."""
        article = window.articles[index]
        moment = epoch_seconds(article.published)
        if store_latest is not None and (
            moment is None or moment <= store_latest + self.settings.syndication.window_days * DAY
        ):
            # Its copies could be in the store, which the windows did not read: matched here, as in one process.
            desk.place([article], [Prepared(embedding=window.embeddings[index])])
            self._groups[article.id] = (article.syndication_group or "", moment)
            return
        group = self._final_group(article, window.copied[index])
        desk.place([article], [window.prepared(index, group)])

    def _final_group(self, article: Article, copied: str | None) -> str:
        """An article's syndication group: the final group of the article it copies, or one of its own."""
        group = group_id_for(article.id)
        if copied is not None:
            known = self._groups.get(copied)
            if known is None:  # further back than the lead-in: only when ``lead_days`` is short
                log.debug("%s copies %s, which is no longer held: a group of its own", article.id, copied)
            else:
                group = known[0]
        self._groups[article.id] = (group, epoch_seconds(article.published))
        return group

    def _forget(self, desk: Desk) -> None:
        """After a window: forget the groups of articles no later copy can reach (as one process forgets them)."""
        dated = [moment for _, moment in self._groups.values() if moment is not None]
        if not dated:
            return
        reach = max(self.lead_days, 2 * self.settings.syndication.window_days) * DAY
        horizon = max(dated) - reach
        self._groups = {a: (g, m) for a, (g, m) in self._groups.items() if m is None or m >= horizon}
        desk.keep_groups({group for group, _ in self._groups.values()})


def assign_stories_by_window(
    paths: Sequence[str | Path],
    settings: Settings,
    window_days: float = 7.0,
    workers: int | None = None,
    lead_days: float | None = None,
) -> tuple[list[tuple[str, str]], list[Rejected]]:
    """The ray engine without a store: ``(article id, story)`` for each article, in file order, and rejections.

    The wire copies are matched by time window on Ray and the stories placed on the driver, as ``backfill`` does;
    an id that appears twice is one article. Ray must be started (``start_ray``).
    """
    files, refused = find_archive_files(paths)
    run = WindowedRun(settings, window_days=window_days, workers=workers, lead_days=lead_days)
    stories, rejected, order = run.assign(files)
    ordered = sorted(order)
    return [(article_id, stories[article_id]) for _, _, article_id in ordered if article_id in stories], [
        *refused,
        *rejected,
    ]


def _replay_key(row: dict[str, Any]) -> tuple[bool, float, int, int]:
    return (row["published"] is None, row["published"] or 0.0, row["file_no"], row["record_no"])


def _datetime(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
