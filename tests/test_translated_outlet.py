"""One event, two outlets: a wire report and a machine-translated one that spells the names otherwise ("Wittmore" /
"Vitmor", "Leavell" / "Levell", "Sarkany" / "Szarkany") and states four of the same facts in other words ("talks
have stalled" / "negotiations stagnated"), each adding one fact of its own.

The brief shows the four as corroborated by both outlets; the checker supports the translated outlet's paraphrases,
says "not stated" for each outlet's own fact read against the other, and catches a changed number, date, place,
speaker and a negation. A third outlet reports the talks in French: its sentences support English ones. The story
is fictional, written for these tests (tests/fixtures/stories/).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from factories import prepared
from newsloom.analyze.checker import check_sentences, check_text
from newsloom.analyze.claims import align_claims
from newsloom.ingest.files import read_file
from newsloom.model import Article, Sentence
from newsloom.text.sentences import split_sentences
from newsloom.write.extractive import write_brief

STORY = Path(__file__).parent / "fixtures" / "stories" / "translated_talks.jsonl"

# What both outlets report, each in its own words: a fragment of the wire's sentence and of the translation's.
SHARED = [
    ("talks between Kaldoria and Vostrania have stalled", "between Kaldoria and Vostrania stagnated"),
    ("met Vostranian Foreign Minister Oleg Sarkany for three hours", "held a three-hour meeting"),
    ("agree to exchange 40 prisoners of war", "agreed on an exchange of 40 prisoners"),
    ("next round of talks would take place in March", "next round of negotiations will be held in March"),
]
WIRE_ONLY = "the first face-to-face meeting of the two delegations since the border clashes in October"
TRANSLATION_ONLY = "arrived in Halvik by a special train from Tarvel"


@pytest.fixture(scope="module")
def story() -> list[Article]:
    """The wire and the translated outlet, both in English."""
    return prepared([item for item in read_file(STORY) if isinstance(item, Article) and item.language == "en"])


@pytest.fixture(scope="module")
def french() -> list[Article]:
    """A third outlet's report of the same talks, in French."""
    return prepared([item for item in read_file(STORY) if isinstance(item, Article) and item.language == "fr"])


def sentences_of(article: Article) -> list[str]:
    return article.sentences or split_sentences(article.text)


def outlet(story: list[Article], name: str) -> Article:
    return next(a for a in story if a.outlet == name)


def test_the_four_shared_facts_are_claims_of_both_outlets(story: list[Article]) -> None:
    claims = align_claims(story)
    for wire, translated in SHARED:
        claim = next(c for c in claims if any(wire in s.text for s in c.statements))
        assert any(translated in s.text for s in claim.statements), (wire, [s.text for s in claim.statements])
        assert claim.label == "corroborated" and claim.independent_sources == 2
    for own in (WIRE_ONLY, TRANSLATION_ONLY):
        claim = next(c for c in claims if any(own in s.text for s in c.statements))
        assert claim.label == "single-source"


def test_the_brief_cites_both_outlets_for_what_both_report(story: list[Article]) -> None:
    brief = write_brief(story)
    printed: list[Sentence] = [s for paragraph in brief.paragraphs for s in paragraph]
    if brief.dek is not None:
        printed.append(brief.dek)
    shared = [s for s in printed if any(wire in s.text or translated in s.text for wire, translated in SHARED)]
    assert len(shared) >= 3, [s.text for s in printed]
    for sentence in shared:
        assert {c.outlet for c in sentence.sources} == {"Meridian Wire", "Vostrania Courier"}, sentence.text
        assert sentence.label == "corroborated" and sentence.attributed_to is None, sentence.text
    for sentence in printed:
        if WIRE_ONLY in sentence.text or TRANSLATION_ONLY in sentence.text:
            # Cited to its one outlet, and introduced "According to ..." unless it reads on from the sentence before.
            assert len(sentence.sources) == 1 and sentence.label == "single-source", sentence.text


def test_the_translation_is_supported_by_the_wire_in_other_words(story: list[Article]) -> None:
    wire, translated = outlet(story, "Meridian Wire"), outlet(story, "Vostrania Courier")
    report = check_sentences(sentences_of(translated), [wire])
    by_text = {s.text: s for s in report.sentences}
    for _, fragment in SHARED:
        checked = next(s for text, s in by_text.items() if fragment in text)
        assert checked.label == "supported", (checked.text, checked.reason)
        assert checked.evidence and checked.evidence[0].outlet == "Meridian Wire"
    own = next(s for text, s in by_text.items() if TRANSLATION_ONLY in text)
    assert own.label == "unsupported" and "Tarvel" in own.reason


def test_each_outlets_own_fact_is_not_stated_by_the_other(story: list[Article]) -> None:
    wire, translated = outlet(story, "Meridian Wire"), outlet(story, "Vostrania Courier")
    report = check_text(f"It was {WIRE_ONLY}.", [translated])
    assert [s.label for s in report.sentences] == ["unsupported"]
    report = check_text(f"The Vostranian delegation {TRANSLATION_ONLY}.", [wire])
    assert [s.label for s in report.sentences] == ["unsupported"]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("The two sides agreed to exchange 60 prisoners of war next week.", "'60'"),
        (
            "Peace talks between Kaldoria and Vostrania have stalled, envoy Daniel Wittmore said on Wednesday.",
            "'Wednesday'",
        ),
        ("Talks between Kaldoria and Vostrania have stalled, Wittmore said after a meeting in Tarvel.", "'Tarvel'"),
        ("Oleg Sarkany said on Tuesday that peace talks between Kaldoria and Vostrania have stalled.", "'Sarkany'"),
        ("The two sides did not agree to exchange prisoners of war.", "negated"),
        ("The next round of talks will take place in April.", "'April'"),
    ],
)
def test_a_changed_fact_is_caught(story: list[Article], text: str, kind: str) -> None:
    report = check_text(text, story)
    [checked] = report.sentences
    assert checked.label == "contradicted", checked.reason
    assert checked.reason.startswith(kind), checked.reason


def test_the_reason_spells_names_as_the_evidence_does(story: list[Article]) -> None:
    """The matcher reads "Vitmor" as "Wittmore", but the reader is told what each outlet wrote."""
    report = check_text(
        "Oleg Sarkany said on Tuesday that peace talks between Kaldoria and Vostrania have stalled.",
        [outlet(story, "Meridian Wire")],
    )
    assert "Wittmore" in report.sentences[0].reason and "Vitmor" not in report.sentences[0].reason


def test_a_french_report_supports_and_contradicts_english_sentences(french: list[Article]) -> None:
    """Read with the multilingual encoder, days and small numbers read in French: what the French report states
    supports the English sentence; another number or day contradicts it; what it does not state stays unstated."""
    checked = check_text(
        "Peace talks between Kaldoria and Vostrania have stalled, envoy Daniel Wittmore said on Tuesday. "
        "The two sides agreed to exchange 40 prisoners of war next week. "
        "The two sides agreed to exchange 60 prisoners of war next week. "
        "Peace talks between Kaldoria and Vostrania have stalled, envoy Daniel Wittmore said on Wednesday. "
        "The delegation arrived by special train from Tarvel.",
        french,
    ).sentences
    assert [s.label for s in checked] == ["supported", "supported", "contradicted", "contradicted", "unsupported"]
    assert "stated in fr by Le Courrier de Halvik" in checked[0].reason
    assert checked[2].reason.startswith("'60' in the text, '40'")
    assert checked[3].reason.startswith("'Wednesday' in the text, 'Tuesday'")


def test_the_brief_of_three_outlets_in_two_languages_is_in_english_and_cites_the_french_report(
    story: list[Article], french: list[Article]
) -> None:
    """The multilingual encoder joins the French report's sentences to the English claims they state: the brief is
    written in the story's language, and the French outlet stands behind what it also reports."""
    brief = write_brief(prepared([*story, *french]))
    printed = ([brief.dek] if brief.dek else []) + brief.sentences()
    assert not any("négociations" in s.text or " les " in s.text for s in printed), [s.text for s in printed]
    talks = next(s for s in printed if "have stalled" in s.text)
    assert {c.outlet for c in talks.sources} == {"Meridian Wire", "Vostrania Courier", "Le Courrier de Halvik"}
