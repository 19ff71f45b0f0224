"""Top stories and the reader's outlets in the store: the "top" order, muted and preferred outlets, muted words.

Over both stores (a SQLite file and a PostgreSQL database). The newsroom here is written for these tests: five
invented stories whose shapes set importance (independent sources), growth (sources that joined lately) and
recency against each other, committed as a batch of the desk would commit them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from newsloom.model import Article, Brief, Citation, Coverage, Sentence, StoryChanges
from newsloom.store import Store, open_store
from newsloom.store.base import (
    TOP_GROWTH_HOURS,
    TOP_GROWTH_WEIGHT,
    TOP_HALF_LIFE_HOURS,
    Preferences,
    StoryQuery,
    top_score,
    words_of,
)
from store_tables import raw_query

NOW = datetime(2030, 3, 10, 12, 0, tzinfo=UTC)  # the newsroom's latest report


def report(
    article_id: str, story: str, outlet: str, hours_ago: float, title: str = "", group: str | None = None
) -> Article:
    article = Article(
        id=article_id,
        title=title or f"Report {article_id}",
        text=f"Text of report {article_id}.",
        outlet=outlet,
        published=NOW - timedelta(hours=hours_ago),
        language="en",
    )
    article.syndication_group, article.story_id = group or f"g-{article_id}", story
    return article


# Each story: its reports as (outlet, hours before NOW), and (independent sources, fresh sources).
SHAPES: dict[str, tuple[list[tuple[str, float]], tuple[int, int]]] = {
    # Four outlets within two hours, the latest an hour ago: growing fast.
    "st-burst": (
        [("Ashgrove Ledger", 3), ("Bellmoor Bulletin", 2.5), ("Cinder Bay Echo", 2), ("Dunmere Daily", 1)],
        (4, 4),
    ),
    # The same four outlets over three days, the latest an hour ago: one joined lately.
    "st-slow": (
        [("Ashgrove Ledger", 72), ("Bellmoor Bulletin", 48), ("Cinder Bay Echo", 24), ("Dunmere Daily", 1)],
        (4, 1),
    ),
    # Six outlets in an hour, two days ago: the most sources, but old.
    "st-old": ([(f"Outlet {n}", 48 + n / 6) for n in range(6)], (6, 6)),
    # One outlet, now.
    "st-lone": ([("Fernhollow Crier", 0)], (1, 1)),
}
HEADLINES = {
    "st-burst": "Warehouse fire closes the Ashgrove ring road",
    "st-slow": "Bellmoor council votes on the Firefly festival budget",
    "st-old": "Cinder Bay harbour reopens after the storm",
    "st-lone": "Fernhollow school wins the regional chess cup",
}


def wire_story() -> list[Article]:
    """A wire report, two reprints of it and one outlet's own report: two independent sources, both lately."""
    return [
        report("wire-1", "st-wire", "Gullrock Wire", 2.5, "Gullrock ferry strike enters second day", "g-wire"),
        report("wire-2", "st-wire", "Dunmere Daily", 2.2, "Ferry strike enters second day", "g-wire"),
        report("wire-3", "st-wire", "Bellmoor Bulletin", 2.1, "Ferry strike goes on", "g-wire"),
        report("wire-4", "st-wire", "Cinder Bay Echo", 2.0, "Strike strands islanders"),
    ]


def newsroom() -> list[Article]:
    articles = []
    for story, (reports, _) in SHAPES.items():
        for number, (outlet, hours) in enumerate(reports):
            title = HEADLINES[story] if number == 0 else ""
            articles.append(report(f"{story}-{number}", story, outlet, hours, title))
    return articles + wire_story()


def commit(store: Store, articles: list[Article]) -> None:
    store.commit_batch(articles, [], StoryChanges(0, None, {}, {}), [])


@pytest.fixture
def filled(store: Store) -> Store:
    commit(store, newsroom())
    return store


def expected_score(story: str, now: datetime = NOW) -> float:
    """The documented formula, worked out here from the story's shape."""
    if story == "st-wire":
        sources, fresh, latest = 2, 2, NOW - timedelta(hours=2.0)
    else:
        reports, (sources, fresh) = SHAPES[story]
        latest = NOW - timedelta(hours=min(hours for _, hours in reports))
    weight = sources + TOP_GROWTH_WEIGHT * fresh
    age = (now - latest).total_seconds() / 3600
    return weight * 0.5 ** (age / TOP_HALF_LIFE_HOURS)


def ids(store: Store, **query: object) -> list[str]:
    return [e.story.id for e in store.find_stories(StoryQuery(limit=100, **query))]  # type: ignore[arg-type]


def test_top_ranks_by_sources_growth_and_recency_as_documented(filled: Store) -> None:
    entries = filled.find_stories(StoryQuery(order="top"))
    # Growth: the burst beats the slow story of the same four outlets and the same latest report. Importance: the
    # slow story's four sources beat the lone outlet of an hour later. Recency: six sources two days ago come last.
    assert [e.story.id for e in entries] == ["st-burst", "st-slow", "st-wire", "st-lone", "st-old"]
    for entry in entries:
        assert entry.top_score == pytest.approx(expected_score(entry.story.id), rel=1e-9), entry.story.id
    fresh = {e.story.id: (e.story.independent_sources, e.fresh_sources) for e in entries}
    assert fresh == {**{story: shape[1] for story, shape in SHAPES.items()}, "st-wire": (2, 2)}
    # Scores fall in the order they are listed.
    scores = [e.top_score for e in entries]
    assert scores == sorted(scores, reverse=True)
    assert TOP_GROWTH_HOURS == 6.0  # the shapes above are drawn for a six-hour window


def test_the_time_of_the_score_changes_the_scores_never_the_order(filled: Store) -> None:
    later = NOW + timedelta(hours=30)
    entries = filled.find_stories(StoryQuery(order="top", now=later))
    assert [e.story.id for e in entries] == ids(filled, order="top")
    for entry in entries:
        assert entry.top_score == pytest.approx(expected_score(entry.story.id, later), rel=1e-9)
    # A story reported after the time asked for scores its weight.
    early = filled.find_stories(StoryQuery(order="top", now=NOW - timedelta(hours=100)))
    assert early[0].top_score == pytest.approx(4 + TOP_GROWTH_WEIGHT * 4)
    assert top_score(1, 1, NOW, NOW) == 1 + TOP_GROWTH_WEIGHT


def test_new_reports_move_a_story_up_and_pages_do_not_overlap(filled: Store) -> None:
    before = ids(filled, order="top")
    # Two new outlets take up the old story now: it grows and is recent again.
    commit(filled, [report("old-new-1", "st-old", "Outlet 7", 0.5), report("old-new-2", "st-old", "Outlet 8", 0)])
    after = filled.find_stories(StoryQuery(order="top"))
    assert after[0].story.id == "st-old" and after[0].fresh_sources == 2 and after[0].story.independent_sources == 8
    assert [e.story.id for e in after][1:] == [s for s in before if s != "st-old"]
    pages = [
        e.story.id
        for offset in range(0, 5, 2)
        for e in filled.find_stories(StoryQuery(order="top", limit=2, offset=offset))
    ]
    assert pages == [e.story.id for e in after]


def test_muting_an_outlet_hides_the_stories_it_alone_told(filled: Store) -> None:
    muted = Preferences(mute_outlets=("Fernhollow Crier",))
    assert "st-lone" not in ids(filled, order="top", preferences=muted)
    assert ids(filled, order="top", preferences=muted) == [s for s in ids(filled, order="top") if s != "st-lone"]
    # Covered by others too: still listed, with the store's counts (the page takes the muted outlet out).
    assert "st-burst" in ids(filled, preferences=Preferences(mute_outlets=("Ashgrove Ledger",)))
    # Unmuting brings it back: nothing in the store changed.
    assert "st-lone" in ids(filled, order="top")


def test_muted_words_hide_stories_whose_headline_or_dek_holds_them(filled: Store) -> None:
    def hidden(*words: str) -> set[str]:
        return set(ids(filled)) - set(ids(filled, preferences=Preferences(mute_words=words)))

    assert hidden("fire") == {"st-burst"}  # whole words: "Firefly" is not "fire"
    assert hidden("FIRE.") == {"st-burst"}  # case and punctuation ignored
    assert hidden("firefly festival") == {"st-slow"}  # a phrase
    assert hidden("festival firefly") == set()
    assert hidden("fire", "chess") == {"st-burst", "st-lone"}
    assert hidden("100%_") == set()  # LIKE's wildcards are plain characters
    # The dek of the story's latest brief counts too, and a new brief's dek replaces the last one's.
    dek = Sentence("Ferry crews walked out over the new rota.", [])
    coverage = Coverage(articles=4, outlets=[], independent_sources=2)
    brief = Brief("st-wire", "Gullrock ferry strike enters second day", dek, [], coverage, {})
    filled.save_brief(brief)
    assert hidden("rota") == {"st-wire"}
    brief.dek = Sentence("Talks resume on Tuesday.", [])
    filled.save_brief(brief)
    assert hidden("rota") == set() and hidden("tuesday") == {"st-wire"}
    assert words_of("Don't stop: Café-bar") == " don t stop café bar "


def test_preferred_outlets_come_first_in_the_order_asked_for(filled: Store) -> None:
    prefer = Preferences(prefer_outlets=("Cinder Bay Echo",))
    for order in ("top", "newest", "biggest"):
        every = ids(filled, order=order)
        covered = {"st-burst", "st-slow", "st-wire"}  # the stories Cinder Bay Echo covered
        expected = [s for s in every if s in covered] + [s for s in every if s not in covered]
        entries = filled.find_stories(StoryQuery(order=order, limit=100, preferences=prefer))
        assert [e.story.id for e in entries] == expected, order
        assert [e.preferred for e in entries] == [s in covered for s in expected]
        # Page by page, across the turn from the preferred stories to the others, nothing is lost or repeated.
        for size in (1, 2, 3):
            pages = [
                e.story.id
                for offset in range(0, len(expected), size)
                for e in filled.find_stories(StoryQuery(order=order, limit=size, offset=offset, preferences=prefer))
            ]
            assert pages == expected, (order, size)
        assert filled.find_stories(StoryQuery(order=order, offset=len(expected), preferences=prefer)) == []
    # Muted wins over preferred; muted and preferred together.
    both = Preferences(mute_outlets=("Fernhollow Crier",), prefer_outlets=("Fernhollow Crier", "Outlet 3"))
    assert both.prefer_outlets == ("Outlet 3",)
    assert ids(filled, order="top", preferences=both) == ["st-old", "st-burst", "st-slow", "st-wire"]


def test_a_version_3_store_gains_the_top_order_and_the_headline_words(
    store_address: str, new_store_address: Callable[[str], str]
) -> None:
    with open_store(store_address) as store:
        commit(store, newsroom())
        cited = Citation("wire-1", "Gullrock Wire")
        dek = Sentence("Ferry crews walked out.", [cited], None, "Gullrock Wire")
        store.save_brief(Brief("st-wire", "Ferry strike", dek, [], Coverage(4, [], 2), {"wire-1": cited}))
        top = store.find_stories(StoryQuery(order="top", limit=100))
        assert top[2].dek_outlets == ("Gullrock Wire",) and top[2].dek_attributed_to == "Gullrock Wire"
        quiet = ids(store, preferences=Preferences(mute_words=("fire",)))
    raw_query(store_address, "DROP INDEX stories_top")
    for column in ("fresh_sources", "top_key", "headline_words", "dek_sources"):
        raw_query(store_address, f"ALTER TABLE stories DROP COLUMN {column}")
    raw_query(store_address, "UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    with open_store(store_address) as store:
        assert store.find_stories(StoryQuery(order="top", limit=100)) == top
        assert ids(store, preferences=Preferences(mute_words=("fire",))) == quiet
    assert raw_query(store_address, "SELECT value FROM meta WHERE key = 'schema_version'") == [("4",)]
