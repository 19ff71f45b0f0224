"""A writer process commits batches (the watch loop) while this process reads and writes briefs (the server).

On both stores: every snapshot the reader takes adds up (story rows against their articles, counts against
stories), counts only grow, the server's briefs and the loop's never collide, and the end state is whole.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from factories import make_stream, write_jsonl
from newsloom.store import Store, open_store
from newsloom.write.extractive import write_brief

WATCH_LOOP = """
import json, sys
from dataclasses import replace
from newsloom.config import Settings
from newsloom.ingest.records import article_from_record
from newsloom.drivers.pipeline import Pipeline
from newsloom.store import open_store

address, path, batch = sys.argv[1], sys.argv[2], int(sys.argv[3])
records = [json.loads(line) for line in open(path, encoding="utf-8")]
settings = Settings(db=address, batch_size=batch)
settings.cluster = replace(settings.cluster, embedding="none")
store = open_store(address)
pipeline = Pipeline(settings, store)
for start in range(0, len(records), batch):  # one round of the watch loop: a batch, then its stories' briefs
    pipeline.ingest([article_from_record(r) for r in records[start : start + batch]])
store.close()
"""


def check_snapshot(store: Store) -> int:
    """Everything read inside one snapshot agrees; the number of articles it saw."""
    with store.snapshot():
        counts = store.counts()
        stories = store.stories(limit=100_000)
        assert len(stories) == counts["stories"]
        assert sum(s.articles for s in stories) == counts["articles"]
        for story in stories[:12]:  # the newest: where the writer is busy
            articles = store.story_articles(story.id)
            assert len(articles) == story.articles, story.id
            assert len({a.syndication_group for a in articles}) == story.independent_sources, story.id
            assert sorted({a.display_outlet for a in articles}) == story.outlets, story.id
            brief = store.brief(story.id)
            if brief is not None:
                cited = {c.article_id for s in brief.all_sentences() for c in s.sources}
                assert all(store.article(article_id) is not None for article_id in cited)
                assert brief.coverage.articles <= story.articles
        return counts["articles"]


def brief_some_stale_stories(store: Store) -> int:
    """What a server does when a reader opens a story whose brief is out of date: write its next version."""
    written = 0
    for story_id in store.stale_stories()[:2]:
        articles = store.story_articles(story_id)
        if articles:
            store.save_brief(write_brief(articles, story_id=story_id))
            written += 1
    return written


def test_the_watch_loop_and_the_server_at_once_stay_consistent(store_address: str, tmp_path: Path) -> None:
    records, _ = make_stream(45, seed=13, max_articles=4)
    source = write_jsonl(tmp_path / "stream.jsonl", records)
    open_store(store_address).close()  # the schema exists before both sides start
    writer = subprocess.Popen(
        [sys.executable, "-c", WATCH_LOOP, store_address, str(source), "6"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    store = open_store(store_address)
    seen: list[int] = []
    written = 0
    try:
        deadline = time.monotonic() + 600
        while writer.poll() is None and time.monotonic() < deadline:
            before = store.counts()["articles"]
            seen.append(check_snapshot(store))
            assert seen[-1] >= before  # counts only grow
            written += brief_some_stale_stories(store)
        _, errors = writer.communicate(timeout=60)
        assert writer.returncode == 0, errors

        # The reader saw the store part-way, several times: the two really ran at once.
        assert len({n for n in seen if 0 < n < len(records)}) >= 3, seen
        assert seen == sorted(seen)
        assert written > 0

        final = check_snapshot(store)
        assert final == len(records)
        for story in store.stories(limit=100_000):
            assert len(store.story_articles(story.id)) == story.articles
        versions: dict[str, list[int]] = {}
        for story in store.stories(limit=100_000):
            version = 1
            while store.brief(story.id, version) is not None:
                versions.setdefault(story.id, []).append(version)
                version += 1
            latest = store.brief(story.id)
            assert latest is None or latest.version == len(versions.get(story.id, []))
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
        store.close()
