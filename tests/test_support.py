"""The statement's support: the shipped head, the signs it weighs, and what it changes in the checker's labels."""

from __future__ import annotations

import pytest

from newsloom.analyze.checker import CheckSettings, check_text
from newsloom.analyze.support import FEATURES, HEAD_PATH, SupportHead, load_head
from newsloom.model import Article
from newsloom.normalize import normalize
from newsloom.text.sentences import split_sentences


@pytest.fixture(scope="module")
def harbour() -> list[Article]:
    return [
        normalize(
            Article(
                id="harbour-1",
                title="Library opens",
                outlet="Harbour Post",
                text="Mayor Elena Varga opened the new Halvik library on Monday morning. Later that day, police "
                "arrested a man for theft near the harbour. The Kremlin denied that Chinese fighters are in "
                "Ukraine. The council, which did not meet last week, approved the budget on Tuesday.",
            )
        )
    ]


def test_the_shipped_head_loads_and_says_what_it_was_trained_on() -> None:
    head = load_head()
    assert len(head.weights) == len(FEATURES) and 0 < head.threshold < 1
    assert "faith_dev" in head.trained_on and "train_support_head.py" in head.trained_on
    assert SupportHead.from_json(head.to_json()) == head
    assert HEAD_PATH.is_file()


def test_words_taken_from_two_facts_are_no_fact(harbour: list[Article]) -> None:
    """Every word is in the story, but the mayor opened a library; a man was arrested."""
    swapped = "Mayor Elena Varga was arrested for theft near the harbour."
    rules = check_text(swapped, harbour, settings=CheckSettings(head=False)).sentences[0]
    weighed = check_text(swapped, harbour).sentences[0]
    assert rules.label == "supported"  # the words alone
    assert weighed.label == "unsupported" and weighed.support is not None and weighed.support < 0.5
    assert "not state it as one fact" in weighed.reason


def test_facts_stated_stay_supported(harbour: list[Article]) -> None:
    for sentence in (
        "Mayor Elena Varga opened the new library on Monday.",
        "Police arrested a man for theft near the harbour.",
        "The council approved the budget on Tuesday.",  # a "not" elsewhere in the source sentence is no denial
    ):
        checked = check_text(sentence, harbour).sentences[0]
        assert checked.label == "supported", (sentence, checked.reason)


def test_a_denial_contradicts_a_confirmation(harbour: list[Article]) -> None:
    checked = check_text("The Kremlin confirmed that Chinese fighters are in Ukraine.", harbour).sentences[0]
    assert checked.label == "contradicted" and "negated" in checked.reason


def test_lower_cased_copy_is_still_split_into_sentences() -> None:
    text = "looking after parents is hard. but this man takes his mother to work. mr. lu said so. it was 5.8 metres."
    assert split_sentences(text) == [
        "looking after parents is hard.",
        "but this man takes his mother to work.",
        "mr. lu said so.",
        "it was 5.8 metres.",
    ]
    assert split_sentences("Mr. Lu said so. it was fine.") == ["Mr. Lu said so. it was fine."]
