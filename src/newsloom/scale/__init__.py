"""Scale-out: an archive replayed by the local engine or on Ray, with the same stories under the same ids.

``backfill(paths, settings, store, engine=...)`` runs either; the Ray engine lives in ``newsloom.scale.ray_engine``
and is imported only when asked for.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from newsloom.config import Settings
from newsloom.drivers.backfill import BackfillReport, EngineUnavailable, Progress, backfill_local
from newsloom.ingest.archives import find_archive_files
from newsloom.store.base import Store

ENGINES = ("local", "ray")

__all__ = ["ENGINES", "BackfillReport", "EngineUnavailable", "backfill"]


def backfill(
    paths: Sequence[str | Path],
    settings: Settings,
    store: Store,
    engine: str = "local",
    *,
    address: str | None = None,
    workers: int | None = None,
    window_days: float = 7.0,
    lead_days: float | None = None,
    write_briefs: bool = True,
    progress: Progress | None = None,
) -> BackfillReport:
    """Replay the archive under ``paths`` into the store with the chosen engine ("local" or "ray").

    For the ray engine, ``window_days`` is the length of the time windows whose wire copies are matched in parallel
    and ``lead_days`` how many days before each window it reads first (default: the syndication window, 7 days).
    """
    if engine not in ENGINES:
        raise EngineUnavailable(f"no engine named {engine!r}; choose one of {', '.join(ENGINES)}")
    started = time.perf_counter()
    files, refused = find_archive_files(paths)
    if engine == "local":
        report = backfill_local(files, refused, settings, store, write_briefs, progress)
    else:
        from newsloom.scale.ray_engine import WindowedRun, start_ray

        start_ray(address, workers)
        run = WindowedRun(
            settings,
            window_days=window_days,
            store=store,
            workers=workers,
            lead_days=lead_days,
            progress=progress,
        )
        report = run.backfill(files, refused, write_briefs=write_briefs)
    report.files = len(files)
    report.seconds = time.perf_counter() - started
    return report
