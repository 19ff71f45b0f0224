"""Independent sources are distinct outlets: a wire copy counts as the outlet it copies, an outlet's own several
reports count once (issue 22). The story is the project's fictional ferry story."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from factories import ferry_articles, prepared
from newsloom.model import independent_sources_of
from newsloom.write.extractive import write_brief

T0 = datetime(2031, 5, 12, 9, tzinfo=UTC)


def test_copies_count_as_the_outlet_they_copy_and_an_outlet_counts_once() -> None:
    rows = [
        ("wire-1", "Meridian Wire", "g1", T0),
        ("reprint", "Valley Herald", "g1", T0 + timedelta(hours=1)),  # the wire's story, reprinted
        ("wire-2", "Meridian Wire", "g2", T0 + timedelta(hours=2)),  # the wire's own second report
        ("own", "Valley Herald", "g3", T0 + timedelta(hours=3)),  # the paper's own report
        ("unknown-1", None, "g4", None),
        ("unknown-2", None, "g5", None),
    ]
    keys = independent_sources_of(rows)
    assert keys["wire-1"] == keys["reprint"] == keys["wire-2"] == "outlet:meridian wire"
    assert keys["own"] == "outlet:valley herald"
    assert keys["unknown-1"] != keys["unknown-2"]  # nothing says they are one source
    assert len(set(keys.values())) == 4


def test_ten_reports_of_two_outlets_are_two_independent_sources() -> None:
    base = prepared(ferry_articles())
    reports = []
    for n in range(10):
        outlet = ("Meridian Wire", "Coastal Times")[n % 2]
        reports.append(
            replace(base[n % len(base)], id=f"r{n}", outlet=outlet, published=T0 + timedelta(minutes=n), story_id=None)
        )
    brief = write_brief(prepared(reports))
    assert brief.coverage.articles == 10
    assert brief.coverage.independent_sources == 2
    assert all(s.independent_sources <= 2 for s in brief.sentences())
