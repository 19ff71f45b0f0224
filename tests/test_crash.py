"""Kill -9 in the middle of an ingest, run it again: nothing lost, nothing twice, every count consistent.

On both stores: a SQLite file, and a PostgreSQL database whose server sees its client vanish mid-transaction.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from factories import make_stream
from newsloom.model import independent_sources_of, parse_stored_time
from store_tables import raw_query, stored_articles

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")


def write_big_input(path: Path) -> int:
    """A few thousand varied articles, some lines repeated and a few bad; the number of distinct articles."""
    records, _ = make_stream(700, seed=42)
    rng = random.Random(42)
    lines = [json.dumps(r) for r in records]
    for _ in range(40):  # the same article again, later in the file
        lines.insert(rng.randint(len(lines) // 2, len(lines)), rng.choice(lines[: len(lines) // 2]))
    for bad in ("{not json", '{"id": "no-title-or-text"}', "[]"):
        lines.insert(rng.randint(0, len(lines)), bad)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len({r["id"] for r in records})


def test_ingest_survives_sigkill_and_a_rerun_completes(tmp_path: Path, store_address: str) -> None:
    source = tmp_path / "big.jsonl"
    distinct = write_big_input(source)
    assert distinct >= 2000
    db = store_address
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLOOM_")}
    env.update(HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data"), NEWSLOOM_BATCH_SIZE="50")
    # The fast path (no model): this test is about what a kill loses, and 2,000 articles through MiniLM on a busy
    # 2-core machine would take minutes without testing anything more.
    env["NEWSLOOM_CLUSTER_EMBEDDING"] = "none"
    command = [sys.executable, "-m", "newsloom", "--db", db, "ingest", str(source)]

    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while stored_articles(db) < 150 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.01)
        assert process.poll() is None, "the ingest finished before it could be interrupted"
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    at_kill = stored_articles(db)
    assert 150 <= at_kill < distinct

    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert rerun.returncode == 0, rerun.stderr
    summary = re.search(r"(\d+) new articles? \((\d+) already stored, (\d+) rejected\)", rerun.stdout)
    assert summary is not None, rerun.stdout
    assert tuple(map(int, summary.groups())) == (distinct - at_kill, at_kill + 40, 3)

    def query(sql: str) -> list[tuple[object, ...]]:
        return raw_query(db, sql)

    assert query("SELECT count(*), count(DISTINCT id) FROM articles")[0] == (distinct, distinct)
    assert query("SELECT count(*) FROM articles WHERE story_id NOT IN (SELECT id FROM stories)")[0] == (0,)
    per_story = query(
        "SELECT s.id, s.articles, s.independent_sources, count(a.id) "
        "FROM stories s LEFT JOIN articles a ON a.story_id = s.id GROUP BY s.id"
    )
    assert per_story
    reports: dict[object, list[tuple[str, str | None, str | None, datetime | None]]] = {}
    for article_id, story, outlet, group, published in query(
        "SELECT id, story_id, outlet, syndication_group, published FROM articles"
    ):
        when = parse_stored_time(str(published)) if published else None
        row = (str(article_id), str(outlet) if outlet else None, str(group) if group else None, when)
        reports.setdefault(story, []).append(row)
    for story_id, articles, independent, counted in per_story:
        outlets = len(set(independent_sources_of(reports.get(story_id, [])).values()))
        assert (articles, independent) == (counted, outlets), story_id
        assert counted > 0, story_id
    assert sum(row[1] for row in per_story) == distinct
    # Every story got its brief, and the clusterer state matches what was stored.
    assert query("SELECT count(*) FROM stories WHERE brief_stale = 1")[0] == (0,)
    assert query("SELECT count(DISTINCT story_id) FROM briefs")[0] == (len(per_story),)
    assert query("SELECT value FROM meta WHERE key = 'clusterer_documents'")[0] == (str(distinct),)
    assert query("SELECT count(*) FROM quarantine")[0] == (3,)
