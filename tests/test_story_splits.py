"""The second look splits a story that drifts: reports that no longer tell its event leave as a story of their own."""

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from factories import Event, _sentences
from newsloom.model import Article
from newsloom.normalize import normalize
from newsloom.store.sqlite import SQLiteStore
from newsloom.stories.clusterer import StoryClusterer
from newsloom.stories.settings import ClusterSettings
from newsloom.stories.terms import story_id_for

START = datetime(2031, 3, 2, 8, 0, tzinfo=UTC)
# Small core and tail so that a handful of reports shows the mechanism; no second look until the test asks.
# In so short a stream IDF cannot yet discount the template words the two events share: a higher split threshold.
DRIFT = ClusterSettings(embedding="none", split_core=4, split_segment=4, split_threshold=0.15, review_every=10_000)

FLOOD = Event(
    "flood",
    "flood",
    "Tarvelmouth",
    "Irena Quillsey",
    "Dunmore Street",
    "Tarvel River Authority",
    (240, 6, 40, 310),
    START,
)
FINAL = Event(
    "final", "match", "Osterbay", "Colm Hevaring", "Pellow Road", "Osterbay Cup Committee", (31, 4, 57, 820), START
)


def reports(event: Event, prefix: str, count: int, offset: int = 0) -> list[Article]:
    rng = random.Random(prefix)
    return [
        normalize(
            Article(
                id=f"{prefix}-{number}",
                title=f"{event.place} {event.kind}: {event.group} on {event.street}",
                text="\n\n".join(_sentences(event, rng, 5)),
                outlet=f"Outlet {number % 3}",
                published=START + timedelta(hours=offset + number),
                language="en",
            )
        )
        for number in range(count)
    ]


def told_with_drift(clusterer: StoryClusterer, second: Event) -> tuple[str, list[Article], list[Article]]:
    """Four flood reports make a story; four reports of ``second`` are made to join it (as wire copies would)."""
    core = reports(FLOOD, "flood", 4)
    story = clusterer.assign(core[0])
    for article in core[1:]:
        assert clusterer.assign(article) == story
    tail = reports(second, "later", 4, offset=6)
    for article in tail:
        assert clusterer.assign(article, follow=story) == story
    return story, core, tail


def test_reports_of_another_event_split_off_and_the_story_keeps_its_id() -> None:
    clusterer = StoryClusterer(DRIFT)
    story, core, tail = told_with_drift(clusterer, FINAL)
    clusterer.review()
    split = story_id_for(tail[0].id)
    assert {clusterer.story_of(a.id, story) for a in core} == {story}
    assert {clusterer.story_of(a.id, story) for a in tail} == {split}
    assert clusterer.stories[story].articles == 4 and clusterer.stories[split].articles == 4
    assert clusterer.changes().moved == {a.id: split for a in tail}
    # A later report of the final now finds the new story on its own.
    (later,) = reports(FINAL, "final-later", 1, offset=12)
    assert clusterer.assign(later) == split


def test_later_reports_of_the_same_event_settle_in() -> None:
    clusterer = StoryClusterer(DRIFT)
    story, _, _ = told_with_drift(clusterer, FLOOD)
    clusterer.review()
    assert not clusterer.moved and set(clusterer.stories) == {story}
    assert clusterer.stories[story].tail.count == 0 and clusterer.stories[story].articles == 8
    assert not clusterer.changes().moved


def test_a_split_decided_after_a_restart_is_the_same() -> None:
    clusterer = StoryClusterer(DRIFT)
    _, _, tail = told_with_drift(clusterer, FINAL)
    state = clusterer.changes()
    restored = StoryClusterer(DRIFT)
    restored.restore(
        state.documents, state.latest, state.document_frequency, state.stories.items(), review=state.review
    )
    restored.review()
    assert restored.changes().moved == {a.id: story_id_for(tail[0].id) for a in tail}


def test_the_store_moves_the_split_reports_to_the_new_story(tmp_path: Path) -> None:
    clusterer = StoryClusterer(DRIFT)
    with SQLiteStore(tmp_path / "news.db") as store:
        story, core, tail = told_with_drift(clusterer, FINAL)
        for article in core + tail:
            article.syndication_group = article.id  # no wire copies among them
        store.commit_batch(core + tail, [], clusterer.changes(), [])
        assert [s.articles for s in store.stories(limit=10)] == [8]
        clusterer.review()
        store.commit_batch([], [], clusterer.changes(), [])
        split = story_id_for(tail[0].id)
        assert sorted((s.id, s.articles) for s in store.stories(limit=10)) == sorted([(story, 4), (split, 4)])
        assert {a.id for a in store.story_articles(split)} == {a.id for a in tail}
        assert set(store.stale_stories()) == {story, split}
