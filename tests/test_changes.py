"""What changed in a story since an earlier point (analyze/changes.py): new facts, new outlets, changed figures, new
and settled disputes, read from the story's claims. Every outlet, person and event here is made up."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from factories import ferry_articles, prepared
from newsloom.analyze.changes import ChangeSettings, what_changed
from newsloom.model import Article, WhatChanged, news_summary
from newsloom.write.extractive import write_brief

NEW_FACT = "The Brisk Sound Ferry Company has faced complaints from island councillors about the age of its fleet"
COUNT_14 = "Harbour officials said 14 passengers were taken to Lorran General Hospital with smoke inhalation."
COUNT_19 = COUNT_14.replace("14", "19")


def later(article_id: str, outlet: str, text: str, hour: int = 18) -> Article:
    return Article(
        id=article_id,
        title="Maren Star fire",
        text=text,
        url=f"https://{outlet.lower().replace(' ', '')}.example/{article_id}",
        outlet=outlet,
        published=datetime(2031, 5, 12, hour, 0, tzinfo=UTC),
        language="en",
    )


@pytest.fixture(scope="module")
def ferry() -> list[Article]:
    """The wire, its reprint and Coastal Times (14 hurt), then Northgate Post (19 hurt, and the fleet's age)."""
    return prepared(ferry_articles())


def test_a_second_round_brings_one_fact_one_outlet_and_one_changed_figure(ferry: list[Article]) -> None:
    brief = write_brief(ferry, story_id="st-ferry")
    changes = what_changed(ferry[:3], ferry, story_id="st-ferry", since_version=1, version=2, brief=brief)

    assert [f.text[: len(NEW_FACT)] for f in changes.new_facts] == [NEW_FACT]
    assert changes.new_facts[0].sources == ["Northgate Post"]
    assert changes.new_facts[0].label == "single-source"
    assert changes.new_outlets == ["Northgate Post"]
    [figure] = changes.changed
    assert (figure.kind, figure.before.value, figure.now.value) == ("number", "14", "19")
    assert figure.before.sources == ["Meridian Wire", "Coastal Times"]  # the reprint counts as the wire it copies
    assert figure.now.sources == ["Northgate Post"] and figure.now.text == COUNT_19
    assert changes.new_disputes == [] and changes.settled_disputes == []
    assert changes.counts() == {"new_facts": 1, "new_outlets": 1, "changed": 1}
    assert changes.summary() == "1 new fact, 1 new outlet, 1 changed figure"
    assert (changes.articles_before, changes.new_articles) == (3, 1)

    # Each is marked where the brief prints it: the new fact attributed to its one outlet, the figure's new side.
    printed = {s.text for s in brief.all_sentences()}
    assert changes.new_facts[0].in_brief in printed and NEW_FACT[4:] in (changes.new_facts[0].in_brief or "")
    assert figure.in_brief == COUNT_19 and COUNT_19 in printed

    data = changes.to_json()
    assert set(data) >= {"story", "since", "new_facts", "new_outlets", "changed", "new_disputes", "settled_disputes"}
    assert data["since"] == {"version": 1, "time": None} and data["story"] == "st-ferry"
    assert set(data["new_facts"][0]) >= {"text", "sources"}
    before = {"text": COUNT_14, "sources": ["Meridian Wire", "Coastal Times"], "value": "14"}
    assert data["changed"][0]["before"] == before


def test_the_same_reports_change_nothing_whatever_the_brief_says(ferry: list[Article]) -> None:
    changes = what_changed(ferry, list(reversed(ferry)), brief=write_brief(ferry, max_words=60))
    assert not changes.substantive and changes.counts() == {} and changes.summary() == ""
    assert changes.new_articles == 0 and changes.articles_before == 4


def test_a_restated_fact_and_a_wire_reprint_bring_nothing_new(ferry: list[Article]) -> None:
    # A new outlet reprints the wire word for word: a copy counts as the outlet it copies, and states no new fact.
    reprint = later("ferry-pinecrest", "Pinecrest Gazette", ferry[0].text)
    # Another outlet of the earlier ones restates the count the wire gave.
    restated = later(
        "ferry-coastal-2", "Coastal Times", f"{COUNT_14}\n\nNone of the injuries was thought to be serious."
    )
    now = prepared([*ferry_articles()[:3], reprint, restated])
    changes = what_changed(now[:3], now)
    assert changes.new_articles == 2
    assert changes.new_outlets == [] and changes.new_facts == [] and changes.changed == []
    assert not changes.substantive


def test_an_outlet_taking_a_side_in_a_dispute_changes_no_figure(ferry: list[Article]) -> None:
    siding = later("ferry-eastbrook", "Eastbrook Tribune", COUNT_19)
    now = prepared([*ferry_articles(), siding])
    changes = what_changed(now[:4], now)
    assert changes.changed == [] and changes.new_disputes == [] and changes.settled_disputes == []
    assert changes.new_outlets == ["Eastbrook Tribune"]


def test_an_outlet_correcting_its_figure_settles_the_dispute(ferry: list[Article]) -> None:
    correction = later("ferry-northgate-2", "Northgate Post", COUNT_14)
    now = prepared([*ferry_articles(), correction])
    changes = what_changed(now[:4], now)
    [settled] = changes.settled_disputes
    assert [v.value for v in settled.versions] == [None, None]
    assert [v.sources for v in settled.versions] == [["Meridian Wire", "Coastal Times"], ["Northgate Post"]]
    assert [(c.kind, {c.this, c.other}) for c in settled.conflicts] == [("number", {"14", "19"})]
    assert changes.counts() == {"settled_disputes": 1}
    # An outlet that gives a number no earlier report gave changes the figure it had given.
    revised = later("ferry-northgate-3", "Northgate Post", COUNT_14.replace("14", "23"))
    now = prepared([*ferry_articles(), revised])
    [figure] = what_changed(now[:4], now).changed
    assert (figure.before.value, figure.now.value) == ("19", "23")
    assert figure.before.sources == ["Northgate Post"] and figure.now.sources == ["Northgate Post"]


def test_a_report_naming_someone_else_opens_a_new_dispute() -> None:
    said = "Harbour master Ilse Brandvik said everyone was off the ship within forty minutes of docking."
    first = later("pier-1", "Meridian Wire", said + "\n\nThe ferry Maren Star docked at the Lorran quay at noon.", 9)
    own = "Coastal Times spoke to passengers in the terminal hall, where volunteers served tea until the evening."
    second = later("pier-2", "Coastal Times", own + "\n\n" + said.replace("Ilse Brandvik", "Tove Marden"), 12)
    now = prepared([first, second])
    changes = what_changed(now[:1], now)
    [dispute] = changes.new_disputes
    assert [(c.kind, {c.this, c.other}) for c in dispute.conflicts] == [("name", {"Ilse Brandvik", "Tove Marden"})]
    assert [v.sources for v in dispute.versions] == [["Meridian Wire"], ["Coastal Times"]]
    assert changes.changed == [] and changes.new_outlets == ["Coastal Times"]
    assert [f.text for f in changes.new_facts] == [own]


def test_from_nothing_every_fact_is_new(ferry: list[Article]) -> None:
    changes = what_changed([], ferry)
    assert changes.new_outlets == ["Meridian Wire", "Coastal Times", "Northgate Post"]
    assert len(changes.new_facts) == 14
    # The facts most outlets state come first: 14 or 19 hurt, a fact new with its dispute.
    assert changes.new_facts[0].label == "disputed" and changes.new_facts[0].text == COUNT_14
    assert changes.new_facts[0].sources == ["Meridian Wire", "Coastal Times", "Northgate Post"]
    assert [f.label for f in changes.new_facts].count("single-source") == 12


def test_a_big_story_is_read_within_bounds(ferry: list[Article]) -> None:
    with pytest.raises(ValueError, match="most_articles"):
        ChangeSettings(most_articles=1)
    # Read two at most: the new report and the latest earlier one (Coastal Times, which says 14 too).
    changes = what_changed(ferry[:3], ferry, settings=ChangeSettings(most_articles=2))
    assert {tuple(f.sources) for f in changes.new_facts} == {("Northgate Post",)}
    assert [(c.before.sources, c.now.sources) for c in changes.changed] == [(["Coastal Times"], ["Northgate Post"])]
    assert changes.new_outlets == ["Northgate Post"]  # outlets are counted over every report


def test_news_in_words() -> None:
    assert news_summary({"new_outlets": 2, "new_facts": 1, "settled_disputes": 1}) == (
        "1 new fact, 2 new outlets, 1 settled dispute"
    )
    assert news_summary({"new_story": 1}) == "1 new story"
    empty = WhatChanged("st-x", None, datetime(2031, 5, 12, tzinfo=UTC), 3, 4, 0)
    assert empty.to_json()["since"] == {"version": None, "time": "2031-05-12T00:00:00Z"}
    assert empty.to_json()["summary"] == ""
