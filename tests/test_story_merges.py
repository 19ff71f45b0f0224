"""The second look: stories that turn out to tell one event merge, and the old id leads to the survivor."""

import numpy as np

from factories import ferry_articles
from newsloom.config import Settings
from newsloom.drivers.pipeline import Pipeline
from newsloom.normalize import normalize
from newsloom.store import open_store
from newsloom.stories.clusterer import StoryClusterer
from newsloom.stories.profile import DenseIndex
from newsloom.stories.settings import ClusterSettings
from newsloom.stories.terms import story_id_for

# Articles must not join a story on arrival (threshold out of reach), so each starts its own; only the second look,
# story against story, can bring them together.
APART = ClusterSettings(embedding="none", threshold=2.0, dense_threshold=2.0, merge_threshold=0.3, review_every=2)


def test_two_stories_of_one_event_merge_and_the_old_id_redirects_to_the_survivor() -> None:
    clusterer = StoryClusterer(APART)
    wire, reprint, *_ = [normalize(a) for a in ferry_articles()]
    first = clusterer.assign(wire)
    second = clusterer.assign(reprint)  # the second article triggers the second look (review_every=2)
    assert first == story_id_for(wire.id) and second == story_id_for(reprint.id)
    assert len(clusterer.stories) == 1
    survivor = next(iter(clusterer.stories))
    assert {clusterer.resolve(first), clusterer.resolve(second)} == {survivor}
    assert clusterer.stories[survivor].articles == 2
    changes = clusterer.changes()
    assert changes.merged == {({first, second} - {survivor}).pop(): survivor}


def test_unrelated_stories_do_not_merge() -> None:
    from factories import orchestra_article

    clusterer = StoryClusterer(APART)
    clusterer.assign(normalize(ferry_articles()[0]))
    clusterer.assign(normalize(orchestra_article()))
    assert len(clusterer.stories) == 2 and not clusterer.redirects


def test_a_merge_moves_stored_articles_and_the_merged_id_leads_to_the_survivor(store_address: str) -> None:
    settings = Settings(db=store_address, cluster=APART)
    wire, _, independent, *_ = ferry_articles()
    first = open_store(store_address)
    Pipeline(settings, first).ingest([wire], write_briefs=False)
    first.close()
    store = open_store(store_address)  # a restart between the two reports
    try:
        report = Pipeline(settings, store).ingest([independent], write_briefs=False)
        stories = store.stories(limit=10)
        assert report.merged_stories == 1
        assert len(stories) == 1 and stories[0].articles == 2
        survivor = stories[0].id
        assert {store.article(a.id).story_id for a in (wire, independent)} == {survivor}  # type: ignore[union-attr]
        merged = ({story_id_for(wire.id), story_id_for(independent.id)} - {survivor}).pop()
        found = store.story(merged)
        assert found is not None and found.id == survivor
        assert Pipeline(settings, store).current_story(merged) == survivor
    finally:
        store.close()


def test_the_dense_index_finds_the_nearest_stories_and_forgets_removed_ones() -> None:
    index = DenseIndex()
    directions = np.eye(4, dtype=np.float32)
    for number in range(4):
        index.put(f"st-{number}", directions[number])
    query = np.array([0.1, 0.9, 0.3, 0.0], dtype=np.float32)
    assert [s for s, _ in index.nearest(query, 2)] == ["st-1", "st-2"]
    index.remove("st-1")
    assert [s for s, _ in index.nearest(query, 2)] == ["st-2", "st-0"]
    assert len(index) == 3
