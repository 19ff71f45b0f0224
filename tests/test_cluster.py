import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from factories import ferry_articles, make_stream, orchestra_article, write_jsonl
from newsloom.ingest.records import article_from_record
from newsloom.model import Article, StoryChanges
from newsloom.normalize import normalize
from newsloom.stories.clusterer import StoryClusterer
from newsloom.stories.terms import story_id_for


def normalized(articles: list[Article]) -> list[Article]:
    return [normalize(a) for a in articles]


def stream(events: int = 40, seed: int = 5) -> list[Article]:
    records, _ = make_stream(events, seed=seed)
    return normalized([article_from_record(r) for r in records])


def test_reports_of_one_event_join_one_story_and_an_unrelated_article_starts_another() -> None:
    clusterer = StoryClusterer()
    ferry = normalized(ferry_articles())
    stories = [clusterer.assign(a) for a in ferry]
    assert stories == [story_id_for("ferry-wire")] * 4
    assert clusterer.assign(normalize(orchestra_article())) == story_id_for("orchestra-1")
    assert all(a.story_id == story_id_for("ferry-wire") for a in ferry)


def test_synthetic_events_are_mostly_kept_apart() -> None:
    records, gold = make_stream(40, seed=5)
    clusterer = StoryClusterer()
    predicted = {a.id: clusterer.assign(a) for a in normalized([article_from_record(r) for r in records])}
    # Every event's articles end up in one story (recall), and stories do not swallow many events (precision).
    for label in set(gold.values()):
        assert len({predicted[i] for i, g in gold.items() if g == label}) == 1, label
    assert len(set(predicted.values())) >= 30


def test_story_ids_are_stable_across_runs() -> None:
    articles = stream()
    one, two = StoryClusterer(), StoryClusterer()
    ids_one = [one.assign(replace(a)) for a in articles]
    ids_two = [two.assign(replace(a)) for a in articles]
    assert ids_one == ids_two
    assert ids_one[0] == story_id_for(articles[0].id)
    assert len(set(ids_one)) > 20
    # Every story is named after its first article.
    first_of: dict[str, str] = {}
    for article, story in zip(articles, ids_one, strict=True):
        first_of.setdefault(story, article.id)
    assert all(story == story_id_for(first) for story, first in first_of.items())


def test_follow_forces_the_story() -> None:
    clusterer = StoryClusterer()
    ferry = clusterer.assign(normalize(ferry_articles()[0]))
    orchestra = normalize(orchestra_article())
    assert clusterer.assign(orchestra, follow=ferry) == ferry
    # Following a story the clusterer does not know creates it under that id.
    other = normalize(replace(orchestra_article(), id="orchestra-2"))
    assert clusterer.assign(other, follow="st-given") == "st-given"
    assert "st-given" in clusterer.stories


def test_time_decay_lowers_the_score_of_a_late_article() -> None:
    clusterer = StoryClusterer()
    wire = normalize(ferry_articles()[0])
    story = clusterer.assign(wire)
    assert wire.published is not None
    next_day = replace(wire, id="again-1", published=wire.published + timedelta(days=1))
    two_months = replace(wire, id="again-60", published=wire.published + timedelta(days=60))
    undated = replace(wire, id="undated", published=None)
    near, far, unknown = (clusterer.score(a, story) for a in (next_day, two_months, undated))
    assert near > 0.9
    assert far < near
    assert abs(far - near * clusterer.settings.decay_floor) < 1e-9
    assert unknown == near


def test_an_unrelated_article_scores_below_the_threshold() -> None:
    clusterer = StoryClusterer()
    story = clusterer.assign(normalize(ferry_articles()[0]))
    assert clusterer.score(normalize(orchestra_article()), story) < clusterer.settings.threshold


def accumulate(total: dict[str, Any], changes: StoryChanges) -> None:
    """What a store does with each ``changes()``: overwrite the counters and upsert the rows."""
    total["documents"] = changes.documents
    total["latest"] = changes.latest
    total["document_frequency"].update(changes.document_frequency)
    total["stories"].update(changes.stories)
    for merged, survivor in changes.merged.items():
        total["stories"].pop(merged, None)
        total.setdefault("redirects", {})[merged] = survivor
    total["review"] = changes.review


def test_changes_and_restore_pick_up_exactly_where_the_original_left_off() -> None:
    articles = stream(60, seed=9)
    head, tail = articles[:100], articles[100:]
    original = StoryClusterer()
    saved: dict[str, Any] = {"documents": 0, "latest": None, "document_frequency": {}, "stories": {}}
    for start in range(0, len(head), 25):
        for article in head[start : start + 25]:
            original.assign(article)
        accumulate(saved, original.changes())
    assert saved["documents"] == len(head)
    assert set(saved["document_frequency"]) == set(original.document_frequency)

    restored = StoryClusterer()
    restored.restore(
        saved["documents"],
        saved["latest"],
        saved["document_frequency"],
        saved["stories"].items(),
        redirects=saved.get("redirects"),
        review=saved.get("review"),
    )
    assert set(restored.stories) == set(original.stories)
    for article in tail:
        expected = original.assign(replace(article))
        assert restored.assign(article) == expected, article.id
    assert restored.document_frequency == original.document_frequency


def test_changes_report_only_what_changed_since_the_last_call() -> None:
    clusterer = StoryClusterer()
    ferry = normalized(ferry_articles())
    for article in ferry:
        clusterer.assign(article)
    first = clusterer.changes()
    assert first.documents == 4
    assert list(first.stories) == [story_id_for("ferry-wire")]
    assert first.stories[story_id_for("ferry-wire")]["articles"] == 4
    clusterer.assign(normalize(orchestra_article()))
    second = clusterer.changes()
    assert second.documents == 5
    assert list(second.stories) == [story_id_for("orchestra-1")]
    assert second.document_frequency["corvell"] == 1
    assert second.document_frequency["@anouk raszek"] == 1
    assert first.document_frequency["lorran"] == 4
    assert "lorran" not in second.document_frequency  # reported by the first call, unchanged since
    assert clusterer.changes().stories == {}


def test_stories_quiet_for_longer_than_hot_days_leave_the_index() -> None:
    clusterer = StoryClusterer()
    old = normalize(ferry_articles()[0])
    story = clusterer.assign(old)
    later = normalize(orchestra_article(published=datetime(2031, 8, 1, tzinfo=UTC)))
    clusterer.assign(later)
    clusterer.changes()
    assert story not in clusterer.stories
    # The same text again now starts a new story: the old one is cold.
    again = replace(old, id="ferry-again", published=datetime(2031, 8, 2, tzinfo=UTC))
    assert clusterer.assign(again) == story_id_for("ferry-again")


def test_the_same_stream_gives_the_same_stories_whatever_the_hash_seed(tmp_path: Path) -> None:
    # Two unrelated stories, then an article that matches both exactly as well.
    # Both stories are listed under the name they share: only the tie-break decides which one "c" joins.
    orchards = "Kelvara orchards harvest apples early, pickers fill crates, cider presses run, farmers sell pears."
    shipyards = "Kelvara shipyards launch ferries late, welders finish hulls, cranes lift engines, sailors test radios."
    lines = [
        {"id": "a", "title": "Kelvara orchards harvest apples", "text": orchards},
        {"id": "b", "title": "Kelvara shipyards launch ferries", "text": shipyards},
        {"id": "c", "title": "Kelvara", "text": "Kelvara Kelvara Kelvara."},
    ]
    source = write_jsonl(tmp_path / "tie.jsonl", lines)
    outputs = set()
    for seed in ("0", "1", "2", "3", "4", "5", "6", "7"):  # before the fix, seed 6 sent "c" to the other story
        result = subprocess.run(
            [sys.executable, "-m", "newsloom", "cluster", str(source)],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        )
        outputs.add(result.stdout)
    assert len(outputs) == 1
    assert len(next(iter(outputs)).splitlines()) == 3
