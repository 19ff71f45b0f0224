from datetime import UTC, datetime

import pytest

from factories import ferry_articles, prepared
from newsloom.model import Article, Brief, Sentence
from newsloom.text.terms import numbers
from newsloom.write.extractive import WriterSettings, coverage_of, strip_dateline, write_brief


def all_sentences(brief: Brief) -> list[Sentence]:
    return brief.all_sentences()


def words_in(brief: Brief) -> int:
    return sum(len(s.text.split()) for s in all_sentences(brief))


@pytest.fixture
def ferry() -> list[Article]:
    return prepared(ferry_articles())


def test_every_sentence_is_written_by_an_article_it_cites(ferry: list[Article]) -> None:
    brief = write_brief(ferry, story_id="st-ferry")
    by_id = {a.id: a for a in ferry}
    assert brief.dek is not None and len(brief.sentences()) >= 4
    for sentence in all_sentences(brief):
        assert sentence.sources, sentence.text
        words = sentence.claim.strip('"')  # the writer may put back the mark a split quotation lost
        assert any(words in by_id[c.article_id].text for c in sentence.sources), sentence.text


def test_every_cited_article_states_the_sentence_with_the_same_numbers(ferry: list[Article]) -> None:
    brief = write_brief(ferry)
    by_id = {a.id: a for a in ferry}
    for sentence in all_sentences(brief):
        for citation in sentence.sources:
            own = [numbers(strip_dateline(s)) for s in by_id[citation.article_id].sentences]
            assert any(numbers(sentence.claim) <= found for found in own), (sentence.text, citation.article_id)


def test_different_numbers_are_shown_as_a_difference_never_as_fact(ferry: list[Article]) -> None:
    brief = write_brief(ferry)
    assert not any("passengers" in s.text and numbers(s.text) & {"14", "19"} for s in brief.sentences())
    [difference] = [d for d in brief.differences if any("14 passengers" in v.text for v in d.versions)]
    says_14 = [v for v in difference.versions if "14 passengers" in v.text]
    says_19 = [v for v in difference.versions if "19 passengers" in v.text]
    assert len(says_14) == 1 and len(says_19) == 1
    assert {c.article_id for c in says_14[0].sources} == {"ferry-wire", "ferry-valley", "ferry-coastal"}
    assert {c.article_id for c in says_19[0].sources} == {"ferry-northgate"}
    assert all(v.label == "disputed" for v in difference.versions)
    assert "14" in difference.about and "19" in difference.about


def test_single_source_facts_are_attributed_and_still_cite_their_article(ferry: list[Article]) -> None:
    brief = write_brief(ferry, max_words=1000)
    attributed = [s for s in brief.all_sentences() if s.attributed_to]
    assert attributed
    for sentence in attributed:
        assert sentence.text.startswith(f"According to {sentence.attributed_to}, ")
        assert sentence.label == "single-source" and sentence.independent_sources == 1
        assert sentence.attributed_to in {c.outlet for c in sentence.sources}  # the first of syndicated copies
    corroborated = [s for s in brief.all_sentences() if s.independent_sources > 1]
    assert corroborated and not any(s.attributed_to for s in corroborated)


def test_headline_is_short_and_neutral(ferry: list[Article]) -> None:
    from newsloom.write.sections import neutral, shorten_headline

    brief = write_brief(ferry)
    assert 3 <= len(brief.headline.split()) <= 14 and neutral(brief.headline)
    assert not neutral("You won't believe what happened on the ferry!")
    assert not neutral("Is the ferry safe?")
    long = "Ferry fire: the passenger ferry Maren Star caught fire off the port of Lorran with 212 people on board"
    assert len(shorten_headline(long).split()) <= 14


@pytest.mark.parametrize("limit", [5, 12, 25, 40, 60, 90, 150, 400])
def test_max_words_limits_dek_and_body_together(ferry: list[Article], limit: int) -> None:
    brief = write_brief(ferry, max_words=limit)
    assert words_in(brief) <= limit
    if limit >= 40:
        assert brief.sentences(), "a useful budget gives a body"


def test_a_larger_budget_says_more(ferry: list[Article]) -> None:
    assert words_in(write_brief(ferry, max_words=400)) > words_in(write_brief(ferry, max_words=60)) > 0


def test_default_budget_and_sentence_limit_come_from_settings(ferry: list[Article]) -> None:
    small = write_brief(ferry, settings=WriterSettings(max_words=50))
    assert words_in(small) <= 50
    few = write_brief(ferry, settings=WriterSettings(max_sentences=3))
    assert len(few.sentences()) <= 3


LIBRARY_SHARED = "The Harlow Street library reopened on Saturday after an eighteen-month renovation by Brask Builders."
LIBRARY_TWO = "The renovated reading room on the top floor now holds twice as many books as before."
LIBRARY_TEXTS = {
    # The claim two outlets share comes late in their articles: support, not position, puts it first.
    "lib-eastbrook": [
        LIBRARY_SHARED,
        "Children queued at the entrance from early morning to see the new storytelling corner.",
        "Librarian Mette Quist thanked the volunteers who moved forty thousand books into storage.",
        LIBRARY_TWO,
    ],
    "lib-summit": [
        LIBRARY_SHARED,
        "The council paid for the work from its heritage fund, according to budget papers.",
        LIBRARY_TWO,
    ],
    "lib-pinecrest": [
        LIBRARY_SHARED,
        "A cafe run by a local bakery has opened beside the lending desk on the ground floor.",
        "Opening hours will be extended to nine in the evening during the spring exam season.",
    ],
}


def library() -> list[Article]:
    outlets = {"lib-eastbrook": "Eastbrook Tribune", "lib-summit": "The Summit Observer", "lib-pinecrest": "Pinecrest"}
    return prepared(
        [
            Article(
                id=aid,
                title=f"Harlow library reopens ({outlets[aid]})",
                text="\n\n".join(texts),
                outlet=outlets[aid],
                published=datetime(2031, 6, 7, 9 + i, 0, tzinfo=UTC),
                language="en",
            )
            for i, (aid, texts) in enumerate(LIBRARY_TEXTS.items())
        ]
    )


def test_better_supported_claims_come_first() -> None:
    articles = library()
    assert len({a.syndication_group for a in articles}) == 3  # three independent reports
    brief = write_brief(articles, max_words=400)
    assert brief.dek is not None
    assert brief.dek.text == LIBRARY_SHARED
    assert brief.dek.independent_sources == 3
    support = [s.independent_sources for s in brief.sentences()]
    assert support == sorted(support, reverse=True)
    assert brief.sentences()[0].text == LIBRARY_TWO
    assert support[0] == 2 and support[-1] == 1
    assert {c.article_id for c in brief.sentences()[0].sources} == {"lib-eastbrook", "lib-summit"}


def test_coverage_counts_articles_outlets_and_independent_sources(ferry: list[Article]) -> None:
    brief = write_brief(ferry)
    coverage = brief.coverage
    assert coverage.articles == 4
    assert coverage.outlets == ["Coastal Times", "Meridian Wire", "Northgate Post", "The Valley Herald"]
    assert coverage.independent_sources == 3
    assert coverage.first_report == datetime(2031, 5, 12, 9, 0, tzinfo=UTC)
    assert coverage.first_outlet == "Meridian Wire"
    assert coverage.last_update == datetime(2031, 5, 12, 15, 0, tzinfo=UTC)
    assert coverage.line().startswith("4 articles from 4 outlets (3 independent sources)")
    assert coverage_of(ferry[:1]).line().startswith("1 article from 1 outlet (1 independent source)")


def test_citations_cover_every_article_and_sentences_cite_known_articles(ferry: list[Article]) -> None:
    brief = write_brief(ferry, story_id="st-ferry")
    assert set(brief.citations) == {a.id for a in ferry}
    for sentence in all_sentences(brief):
        assert {c.article_id for c in sentence.sources} <= set(brief.citations)
    wire = brief.citations["ferry-wire"]
    assert (wire.outlet, wire.url) == ("Meridian Wire", "https://meridianwire.example/2031/05/12/ferry-fire")
    assert brief.story_id == "st-ferry"
    assert brief.headline in {a.title for a in ferry}
    assert brief.headline_source in {a.id for a in ferry}


def test_datelines_and_wire_boilerplate_are_left_out(ferry: list[Article]) -> None:
    brief = write_brief(ferry, max_words=1000)
    texts = [s.claim for s in all_sentences(brief)]
    assert not any("Meridian Wire" in t for t in texts)
    assert not any(t.startswith("LORRAN") for t in texts)
    assert strip_dateline("LORRAN, May 12 (Meridian Wire) — The ferry caught fire on Tuesday.") == (
        "The ferry caught fire on Tuesday."
    )
    assert strip_dateline("PORT ALDER (Meridian Wire) - Crews arrived at the bridge early.") == (
        "Crews arrived at the bridge early."
    )


def test_brief_json_round_trip(ferry: list[Article]) -> None:
    brief = write_brief(ferry, story_id="st-ferry")
    data = brief.to_json()
    assert Brief.from_json(data).to_json() == data
    assert brief.dek is not None
    assert data["dek"] == brief.dek.text
    assert data["dek_sources"] == [c.article_id for c in brief.dek.sources]


def test_one_article_without_usable_sentences_still_gets_a_headline() -> None:
    [article] = prepared([Article(id="t", title="Dam opens", text="Short.")])
    brief = write_brief([article])
    assert brief.headline == "Dam opens"
    assert brief.dek is None and brief.paragraphs == []
    assert brief.coverage.articles == 1


def test_no_articles_is_an_error() -> None:
    with pytest.raises(ValueError):
        write_brief([])
