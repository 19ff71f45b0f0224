"""Claims across sources: the same fact in other words is one claim; syndicated copies count once; disputes."""

from __future__ import annotations

from datetime import UTC, datetime

from factories import prepared
from newsloom.analyze.claims import align_claims, statements_of
from newsloom.model import Article, Claim

WIRE = (
    "KESTREL, May 12 (Meridian Wire) — A fire at the Kestrel grain terminal injured 14 workers on Tuesday. "
    "Fire chief Anja Ferris said the blaze began in a conveyor tunnel. "
    "The terminal handles a third of the region's grain exports. "
    "Port director Lidia Aranov said loading would resume on Friday."
)


def story() -> list[Article]:
    when = datetime(2031, 5, 12, 9, tzinfo=UTC)
    return prepared(
        [
            Article(
                id="wire", title="Fire at Kestrel grain terminal", text=WIRE, outlet="Meridian Wire", published=when
            ),
            Article(
                id="reprint",
                title="Grain terminal fire in Kestrel",
                text="This story was supplied by Meridian Wire.\n\n" + WIRE,
                outlet="The Valley Herald",
                published=when,
            ),
            Article(
                id="coastal",
                title="Workers hurt in Kestrel terminal blaze",
                text=(
                    "The Kestrel grain terminal fire on Tuesday injured 19 workers, the regional health service said. "
                    "According to fire chief Anja Ferris, the fire started in a conveyor tunnel. "
                    "Loading at the terminal will resume on Friday, port director Lidia Aranov said. "
                    "Reporting by Tomas Reiner."
                ),
                outlet="Coastal Times",
                published=when,
            ),
            Article(
                id="northgate",
                title="Kestrel terminal fire: union demands inquiry",
                text=(
                    "The dockworkers' union called for an independent inquiry into safety at the Kestrel terminal. "
                    "Union leader Hanna Petrik said conveyor tunnels had no sprinklers. "
                    "The terminal reopened its office building to staff on Wednesday."
                ),
                outlet="Northgate Post",
                published=when,
            ),
        ]
    )


def claim_with(claims: list[Claim], words: str) -> Claim:
    found = [c for c in claims if any(words in s.text for s in c.statements)]
    assert len(found) == 1, (words, [c.text for c in found])
    return found[0]


def test_syndicated_copies_are_one_source() -> None:
    articles = story()
    assert articles[0].syndication_group and articles[0].syndication_group == articles[1].syndication_group


def test_the_same_fact_in_other_words_is_one_corroborated_claim_and_copies_count_once() -> None:
    claims = align_claims(story())
    tunnel = claim_with(claims, "the blaze began in a conveyor tunnel")
    assert tunnel is claim_with(claims, "the fire started in a conveyor tunnel")
    assert tunnel.label == "corroborated"
    assert sorted(tunnel.article_ids()) == ["coastal", "reprint", "wire"]
    assert tunnel.independent_sources == 2  # the wire and its reprint are one source
    assert tunnel.outlets() == ["Coastal Times", "Meridian Wire", "The Valley Herald"]
    resume = claim_with(claims, "loading would resume on Friday")
    assert resume is claim_with(claims, "Loading at the terminal will resume on Friday")
    assert resume.label == "corroborated" and resume.independent_sources == 2


def test_a_fact_in_one_outlet_only_is_single_source() -> None:
    claims = align_claims(story())
    union = claim_with(claims, "called for an independent inquiry")
    assert union.label == "single-source" and union.article_ids() == ["northgate"]
    exports = claim_with(claims, "a third of the region's grain exports")
    assert exports.label == "single-source"  # told by the wire and its reprint: one source
    assert exports.independent_sources == 1 and len(exports.statements) == 2


def test_14_against_19_injured_is_one_disputed_claim_with_two_versions() -> None:
    claims = align_claims(story())
    injured = claim_with(claims, "injured 14 workers")
    assert injured is claim_with(claims, "injured 19 workers")
    assert injured.label == "disputed"
    assert len(injured.versions) == 2
    assert injured.version_outlets() == [["Meridian Wire", "The Valley Herald"], ["Coastal Times"]]
    assert [(c.kind, c.this, c.other) for c in injured.conflicts] == [("number", "19", "14")]
    assert sum(c.label == "disputed" for c in claims) == 1


def test_sentences_that_merely_share_the_topic_stay_apart() -> None:
    claims = align_claims(story())
    sprinklers = claim_with(claims, "conveyor tunnels had no sprinklers")
    assert sprinklers is not claim_with(claims, "the blaze began in a conveyor tunnel")
    office = claim_with(claims, "reopened its office building")
    assert office is not claim_with(claims, "loading would resume on Friday")
    for claim in claims:
        assert len(claim.article_ids()) == len(claim.statements)  # an article states a claim once


def test_bylines_and_supply_lines_are_no_claims() -> None:
    texts = [s.text for article in story() for s in statements_of(article)]
    assert not any("Reporting by" in t or "was supplied by" in t for t in texts)
    assert all(not t.startswith("KESTREL") for t in texts)  # the dateline is stripped


def test_no_articles_no_claims() -> None:
    assert align_claims([]) == []


def test_photo_captions_and_promotion_are_no_statements() -> None:
    from newsloom.analyze.claims import JUNK

    for furniture in (
        "In this May 24, 2031, file photo, Mayor Elena Varga speaks at the Tessel Bridge.",
        "Image copyright Meridian Wire Image caption The bridge was shut on Tuesday.",
        "For more on the Tessel Bridge, head over to our transport page.",
        "A: The bridge will stay shut until the engineers say it is safe.",
        "Ines Vell is a Meridian Wire reporter covering ports, shipping and the coast.",
        "Tomas Hale is a senior correspondent for the Coastal Times.",
        "Judge Ines Vell is shown in this June 27, 2031 file photo.",
        "Ines Vell (left) and Tomas Hale (Photo: Provided)",
        "The goal is to fix all broken links on the web.",
    ):
        assert JUNK.search(furniture), furniture
    for statement in (
        "In this case the photo was real, police said.",
        "The council met in this hall on Monday.",
        "A council of ten met on Monday.",
        "Ines Vell is a reporter's daughter who founded the Tessel Bridge trust.",
    ):
        assert not JUNK.search(statement), statement


def _labelled(*texts: str) -> str:
    from newsloom.analyze.claims import label_claim
    from newsloom.model import Article, Claim, Statement

    statements = [
        Statement(Article(id=f"a{i}", title="", text=text, outlet=f"Outlet {i}"), 0, text)
        for i, text in enumerate(texts)
    ]
    return label_claim(Claim(statements)).label


def test_a_negation_or_another_day_disputes_only_a_sentence_that_says_the_same_otherwise() -> None:
    # the same sentence, flipped or on another day: a dispute
    assert _labelled("The Tessel Bridge will not reopen on Monday.", "The Tessel Bridge will reopen on Monday.") == (
        "disputed"
    )
    assert _labelled(
        "Ines Vell is next due in the Halvik court on Oct. 18.", "Ines Vell is next due in the Halvik court on Oct. 6."
    ) == ("disputed")
    # worded apart: another remark, not a dispute
    assert _labelled(
        "It's not clear whether the repair of the Tessel Bridge was fully carried out.",
        "It is unclear whether the bridge repair plan was fully carried out, the newspaper noted.",
    ) == ("corroborated")
    assert _labelled(
        "Sergeant Ines Vell said on Wednesday the Halvik case is a double homicide investigation.",
        "Sergeant Ines Vell would not identify the bodies at a press conference on Tuesday in Halvik.",
    ) == ("corroborated")
