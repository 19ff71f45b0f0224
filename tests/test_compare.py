"""Comparing sentences: numbers, dates, names and places, negation, quotes, and the batched matcher."""

from __future__ import annotations

import pytest

from newsloom.analyze.compare import SentenceMatcher, conflicts_between, facts_of, same_name


def kinds(a: str, b: str, same_statement: bool = True) -> list[str]:
    return [c.kind for c in conflicts_between(facts_of(a), facts_of(b), same_statement)]


def test_numbers_written_as_words_digits_and_scales_compare_by_value() -> None:
    facts = facts_of("Nineteen workers, 1,200 tonnes, 1.2 million crowns and twenty-five boats were counted.")
    assert {q.value for q in facts.quantities} == {19.0, 1200.0, 1_200_000.0, 25.0}
    assert {q.noun for q in facts.quantities} >= {"worker", "tonn", "crown", "boat"}
    assert not kinds("Nineteen workers were hurt.", "19 workers were hurt.")
    assert not kinds("It cost 1.2 million crowns.", "It cost 1,200,000 crowns.")


def test_another_number_for_the_same_thing_conflicts() -> None:
    conflicts = conflicts_between(
        facts_of("Fourteen people were hurt in the blaze."), facts_of("Police said 19 people were injured."), False
    )
    assert [(c.kind, c.this, c.other) for c in conflicts] == [("number", "Fourteen", "19")]
    # Different things counted in unrelated sentences are no conflict.
    assert not kinds("Three fire crews attended.", "The mill employed 240 people.", same_statement=False)


def test_an_approximate_number_tolerates_a_close_exact_one() -> None:
    assert not kinds("About 200 passengers were aboard.", "The ferry had 212 passengers aboard.")
    assert kinds("About 200 passengers were aboard.", "The ferry had 900 passengers aboard.") == ["number"]


def test_dates_weekdays_and_years() -> None:
    facts = facts_of("The fire broke out on Monday, March 3, 2031, near the quay.")
    assert {"weekday:monday", "day:march 3", "month:march", "year:2031"} <= facts.dates
    assert not facts.quantities  # the day of the month and the year are dates, not counts
    assert kinds("The barge hit the bridge on Tuesday night.", "The barge hit the bridge on Monday night.") == ["date"]
    assert not kinds("The bridge reopens on Friday.", "The bridge reopens on Friday, the mayor said.")
    assert "may" not in " ".join(facts_of("The council may vote again.").dates)  # the verb is no month


def test_another_place_or_person_in_the_same_role_conflicts() -> None:
    moscow = "The envoy met Putin in Moscow on Tuesday."
    petersburg = "The envoy met Putin in St. Petersburg on Tuesday."
    conflicts = conflicts_between(facts_of(moscow), facts_of(petersburg), True)
    assert [(c.kind, c.this, c.other) for c in conflicts] == [("place", "Moscow", "Petersburg")]
    assert kinds(
        "Fire chief Rhea Coburn said the fire started in a store room.",
        "Fire chief Petra Novak said the fire started in a store room.",
    ) == ["name"]
    # A name the other sentence does not mention, in another role, is no conflict.
    assert not kinds("The barge Orla Teska hit the pier.", "Its captain, Jonas Feld, said the rudder broke.")


def test_spelling_variants_of_one_name_agree() -> None:
    assert same_name("witkoff", "vitkov")
    assert same_name("elena varga", "varga")
    assert not same_name("halvik", "tarvel")
    assert not kinds(
        "Envoy Steve Witkoff met the minister in Halvik.", "Envoy Steve Vitkov met the minister in Halvik."
    )


def test_negation_on_one_side_only() -> None:
    assert kinds("Police said there was no sign of arson.", "Police said there were signs of arson.") == ["negation"]
    assert kinds("The council rejected the plan.", "The council approved the plan.") == ["negation"]
    assert not kinds("No one was injured.", "Nobody was injured, officials said.")
    assert facts_of("The council turned down a proposal.").negated


def test_quotes_in_other_words_conflict_and_a_shortened_quote_does_not() -> None:
    said = 'Voss said: "Brennick is our home and we are staying."'
    assert facts_of(said).quotes == ("brennick is our home and we are staying",)
    assert kinds('"Brennick is our past and we are leaving," Voss said.', said, same_statement=False) == ["quote"]
    assert kinds('Velle said the talks were "tense and hostile."', 'Velle said the talks were "frank but friendly."')
    assert not kinds('Voss said "Brennick is our home."', said)


def test_rewording_scores_higher_than_a_sentence_on_the_same_topic() -> None:
    matcher = SentenceMatcher()
    source = "Fire chief Rhea Coburn said the fire started in a storage room on the ground floor."
    reworded = "The blaze began in a ground-floor storage room, according to fire chief Rhea Coburn."
    topic = "Coburn said the building could not be saved."
    matcher.fit([source, reworded, topic, "The mill employed 240 people.", "Police found no sign of arson."])
    close, far = matcher.relate(reworded, source), matcher.relate(topic, source)
    assert close.similarity > 0.5 > far.similarity
    assert close.covers > 0.8 and close.agrees


def test_best_matches_returns_the_k_best_pool_sentences_in_order() -> None:
    pool = [
        "The barge was carrying 1,800 tonnes of wheat.",
        "Schools on the south bank will open late on Thursday.",
        "The mayor said the bridge would stay closed until Friday.",
        "Engineers found a crack in the pier's concrete base.",
    ]
    texts = ["A crack was found in the concrete base of the pier.", "The bridge stays closed until Friday."]
    found = SentenceMatcher().best_matches(texts, pool, k=2)
    assert [len(row) for row in found] == [2, 2]
    assert found[0][0][0] == 3 and found[1][0][0] == 2
    assert found[0][0][1].similarity >= found[0][1][1].similarity
    assert SentenceMatcher().best_matches([], pool) == []
    assert SentenceMatcher().best_matches(texts, []) == [[], []]
    with pytest.raises(ValueError, match="k must be at least 1"):
        SentenceMatcher().best_matches(texts, pool, k=0)


def test_best_matches_scales_to_a_big_story() -> None:
    syllables = "ka lo mi ra ten vor sel dun bra qui mar fen tal os rin gol".split()

    def word(i: int) -> str:
        return syllables[i % 16] + syllables[(i // 16) % 16] + syllables[(i // 256) % 16]

    pool = [f"{word(i).title()} said the {word(i + 7)} near {word(i + 11)} was closed." for i in range(1500)]
    found = SentenceMatcher().best_matches(pool[:100], pool, k=5)
    assert all(row[0][0] == index for index, row in enumerate(found))
