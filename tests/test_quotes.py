"""Who said what: quotes and reported speech found by rule, attributed to resolved entities, grouped across outlets."""

from __future__ import annotations

import pytest

from newsloom.analyze.entities import Entity, EntityRecognizer, resolve_entities
from newsloom.analyze.quotes import Quote, find_quotes, group_quotes
from newsloom.model import Article

WIRE = (
    "US special envoy Steve Witkoff met President Vladimir Putin in Moscow on Friday, Kremlin spokesman Dmitry "
    "Peskov said. \u201cWe are closer than ever to a deal,\u201d Witkoff told reporters. He added that a ceasefire "
    "could begin within weeks."
)


def story() -> list[Article]:
    return [
        Article("a1", outlet="Meridian Wire", syndication_group="g1", text=WIRE),
        Article("a2", outlet="Harbor Daily", syndication_group="g1", text=WIRE),
        Article(
            "a3",
            outlet="Translated Post",
            text="American envoy Steve Vitkov held talks with Putin in the Kremlin. Vitkov told journalists that "
            "the sides were closer than ever to a deal. According to the Ukrainian foreign ministry, no date for "
            "new talks has been set. The talks were constructive, according to Peskov.",
        ),
        Article(
            "a4",
            outlet="Northgate Times",
            text='Peskov told reporters on Friday that Putin and Witkoff discussed a ceasefire. "We are not giving '
            'up. We will fight for every village," Volodymyr Zelensky said in Kyiv. Zelensky met Karoline Leavitt. '
            "She said the president was hopeful. A spokesperson for the ministry said the convoy had arrived.",
        ),
        Article(
            "a5",
            outlet="Lakeshore Courier",
            text='"We are closer than ever," said special envoy Steve Witkoff. Zelensky said: "We will fight for '
            'every village." The plan is dead, the ministry said.',
        ),
    ]


@pytest.fixture(scope="module")
def articles() -> list[Article]:
    return story()


@pytest.fixture(scope="module")
def entities(articles: list[Article]) -> list[Entity]:
    recognizer = EntityRecognizer()
    return resolve_entities(recognizer.mentions(articles), articles)


@pytest.fixture(scope="module")
def quotes(articles: list[Article], entities: list[Entity]) -> list[Quote]:
    return find_quotes(articles, entities)


def said(quotes: list[Quote], article_id: str, sentence_index: int) -> Quote:
    found = [q for q in quotes if q.article_id == article_id and q.sentence_index == sentence_index]
    assert len(found) == 1, f"{len(found)} quotes in {article_id} sentence {sentence_index}: {quotes}"
    return found[0]


def entity_named(entities: list[Entity], spelling: str) -> Entity:
    return next(e for e in entities if spelling in e.aliases)


def test_direct_quote_before_the_speaker(quotes: list[Quote], entities: list[Entity]) -> None:
    quote = said(quotes, "a1", 1)
    assert quote.kind == "direct"
    assert quote.text == "We are closer than ever to a deal"
    assert quote.speaker == entity_named(entities, "Witkoff").id
    assert quote.speaker_name == entity_named(entities, "Witkoff").canonical


def test_inverted_and_colon_quotes(quotes: list[Quote], entities: list[Entity]) -> None:
    inverted = said(quotes, "a5", 0)
    assert (inverted.kind, inverted.text) == ("direct", "We are closer than ever")
    assert inverted.speaker == entity_named(entities, "Steve Witkoff").id
    colon = said(quotes, "a5", 1)
    assert (colon.kind, colon.text) == ("direct", "We will fight for every village")
    assert colon.speaker == entity_named(entities, "Zelensky").id


def test_quote_across_two_sentences(quotes: list[Quote], entities: list[Entity]) -> None:
    quote = said(quotes, "a4", 2)
    assert quote.text == "We are not giving up. We will fight for every village"
    assert quote.speaker == entity_named(entities, "Volodymyr Zelensky").id


def test_reported_speech(quotes: list[Quote], entities: list[Entity]) -> None:
    told = said(quotes, "a3", 1)
    assert (told.kind, told.text) == ("reported", "the sides were closer than ever to a deal")
    assert told.speaker == entity_named(entities, "Vitkov").id
    trailing = said(quotes, "a1", 0)
    assert trailing.text == "US special envoy Steve Witkoff met President Vladimir Putin in Moscow on Friday"
    assert trailing.speaker == entity_named(entities, "Peskov").id
    on_friday = said(quotes, "a4", 0)
    assert on_friday.text == "Putin and Witkoff discussed a ceasefire"


def test_according_to(quotes: list[Quote], entities: list[Entity]) -> None:
    leading = said(quotes, "a3", 2)
    assert (leading.kind, leading.speaker, leading.speaker_name) == ("reported", None, "the Ukrainian foreign ministry")
    assert leading.text == "no date for new talks has been set"
    trailing = said(quotes, "a3", 3)
    assert trailing.text == "The talks were constructive"
    assert trailing.speaker == entity_named(entities, "Peskov").id


def test_unresolved_speakers_keep_their_words(quotes: list[Quote]) -> None:
    assert said(quotes, "a4", 5).speaker_name == "A spokesperson for the ministry"
    ministry = said(quotes, "a5", 2)
    assert (ministry.speaker, ministry.speaker_name, ministry.text) == (None, "the ministry", "The plan is dead")


def test_pronouns_go_to_the_one_person_named_before(quotes: list[Quote], entities: list[Entity]) -> None:
    added = said(quotes, "a1", 2)
    assert added.text == "a ceasefire could begin within weeks"
    assert added.speaker == entity_named(entities, "Witkoff").id
    # "Zelensky met Karoline Leavitt. She said ...": two people, so nobody is credited.
    assert not [q for q in quotes if q.article_id == "a4" and q.sentence_index == 4]


def test_groups_the_same_words_across_outlets(quotes: list[Quote], articles: list[Article]) -> None:
    groups = group_quotes(quotes, articles)
    top = groups[0]
    assert top.speaker_name.endswith(("Witkoff", "Vitkov"))
    assert top.article_ids == ["a1", "a2", "a3", "a5"]
    assert top.independent_sources == 3  # a1 and a2 are one syndicated story
    assert top.kind == "direct"
    zelensky = next(g for g in groups if "village" in g.text)
    assert zelensky.article_ids == ["a4", "a5"] and zelensky.independent_sources == 2
    assert zelensky.text == "We will fight for every village"
    # Peskov's two different statements stay two groups even though both name Putin and Witkoff.
    peskov = [g for g in groups if g.speaker_name.endswith("Peskov")]
    assert len(peskov) == 3
    assert [g.independent_sources for g in groups] == sorted((g.independent_sources for g in groups), reverse=True)
    assert top.to_json()["quotes"][0]["article_id"] in top.article_ids


def test_the_same_words_by_two_speakers_are_two_groups(articles: list[Article]) -> None:
    quotes = [
        Quote("en-1", "Ana Ferris", "The bridge will reopen in May", "direct", "a1", "s", 0),
        Quote("en-2", "Hugo Falk", "The bridge will reopen in May", "direct", "a3", "s", 0),
        Quote("en-1", "Ana Ferris", "the bridge will reopen in May, on schedule", "reported", "a4", "s", 0),
    ]
    groups = group_quotes(quotes, articles)
    assert [(g.speaker, g.article_ids) for g in groups] == [("en-1", ["a1", "a4"]), ("en-2", ["a3"])]
    assert groups[0].kind == "direct"


def test_find_quotes_refuses_records() -> None:
    with pytest.raises(TypeError, match="Article objects"):
        find_quotes([{"id": "a"}], [])  # type: ignore[list-item]


def test_only_verbs_that_report_speech_on_their_own_make_a_quote() -> None:
    text = (
        "The search for the missing hikers continued across the northern valleys. The ministry posted a video of "
        "the rescue teams. The ministry warned that the northern valleys would flood again."
    )
    found = find_quotes([Article("v1", outlet="Valley Herald", text=text)], [])
    assert [(q.sentence_index, q.speaker_name, q.text) for q in found] == [
        (2, "The ministry", "the northern valleys would flood again")
    ]


def test_the_views_of_the_speech_vocabulary() -> None:
    from newsloom.text.speech import (
        ACCORDING_TO,
        CREDIT_VERBS,
        EVERY_FORM,
        OTHER_SENSES,
        PLAIN_SPEECH,
        REPORTING,
        SPEAKER_VERBS,
        SPEECH_VERBS,
        VERBS,
    )

    assert {"said", "says", "say", "told", "tells", "warned", "warns"} <= SPEECH_VERBS
    assert not {"tell", "claim", "state", "note", "continued", "posted", "reported"} & SPEECH_VERBS
    assert SPEECH_VERBS - {"say"} < SPEAKER_VERBS and {"continued", "asked", ACCORDING_TO} <= SPEAKER_VERBS
    assert "say" not in SPEAKER_VERBS  # it turns up inside quoted words too ("I have to say"), naming nobody
    assert SPEECH_VERBS < CREDIT_VERBS and {"reported", "reports"} <= CREDIT_VERBS
    # Alone in a sentence, only past forms (and "says") read as speech: "claims" and "states" are nouns too.
    assert {"said", "says", "noted", ACCORDING_TO} <= PLAIN_SPEECH
    assert not {"claims", "states", "notes", "continued"} & PLAIN_SPEECH
    assert not {VERBS[base].past for base in OTHER_SENSES} & PLAIN_SPEECH  # "admitted to hospital"
    assert PLAIN_SPEECH - {ACCORDING_TO, "says"} <= {verb.past for verb in REPORTING}
    assert not (SPEAKER_VERBS | CREDIT_VERBS) - EVERY_FORM - {ACCORDING_TO}
