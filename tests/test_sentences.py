import pytest

from newsloom.text.sentences import split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Mr. Varga met Gen. Holt on Jan. 5 in the capital. They talked for an hour.",
            ["Mr. Varga met Gen. Holt on Jan. 5 in the capital.", "They talked for an hour."],
        ),
        ("The U.S. Army arrived. Officials were pleased.", ["The U.S. Army arrived.", "Officials were pleased."]),
        ("Dr. Amari and Prof. Lind spoke. Nobody else did.", ["Dr. Amari and Prof. Lind spoke.", "Nobody else did."]),
        ("J. R. Tolkmar wrote it. Then he rested.", ["J. R. Tolkmar wrote it.", "Then he rested."]),
        (
            "Prices rose 3.5 percent in March. Analysts were surprised.",
            ["Prices rose 3.5 percent in March.", "Analysts were surprised."],
        ),
        (
            "It cost 1.2 million crowns. The city paid.",
            ["It cost 1.2 million crowns.", "The city paid."],
        ),
    ],
)
def test_abbreviations_initials_and_decimals_do_not_end_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_closing_quotes_stay_with_their_sentence() -> None:
    text = '"We will rebuild," she said. "Nobody was hurt." The mayor left.'
    assert split_sentences(text) == ['"We will rebuild," she said.', '"Nobody was hurt."', "The mayor left."]


def test_question_and_exclamation_marks_end_sentences() -> None:
    text = 'He asked: "Is it safe?" The engineer said no! Work stopped.'
    assert split_sentences(text) == ['He asked: "Is it safe?"', "The engineer said no!", "Work stopped."]


def test_curly_quotes_end_sentences() -> None:
    text = "\u201cIt is over,\u201d said Renn. \u201cWe go home.\u201d Crowds cheered."
    assert split_sentences(text) == ["\u201cIt is over,\u201d said Renn.", "\u201cWe go home.\u201d", "Crowds cheered."]


def test_paragraph_breaks_always_end_a_sentence() -> None:
    text = "A headline-like line without a stop\n\nThe next paragraph. And its second sentence."
    assert split_sentences(text) == [
        "A headline-like line without a stop",
        "The next paragraph.",
        "And its second sentence.",
    ]


def test_lowercase_after_a_stop_does_not_split() -> None:
    assert split_sentences("The vote was 9 vs. 4 in favour. It passed.") == [
        "The vote was 9 vs. 4 in favour.",
        "It passed.",
    ]


def test_empty_text_has_no_sentences() -> None:
    assert split_sentences("") == []
    assert split_sentences("\n\n  \n") == []


def test_a_word_ending_in_an_accented_letter_is_no_initial() -> None:
    assert split_sentences("He thanked his fiancée. Premier Ines Vell spoke next.") == [
        "He thanked his fiancée.",
        "Premier Ines Vell spoke next.",
    ]


def test_a_stop_glued_to_the_next_sentence_ends_it() -> None:
    text = "Waves were possible near Halvik.The warning center said so (as before).On Tuesday, it ended. Mr.Vell left."
    assert split_sentences(text) == [
        "Waves were possible near Halvik.",
        "The warning center said so (as before).",
        "On Tuesday, it ended.",
        "Mr.Vell left.",
    ]


def test_a_day_or_zone_after_a_clock_time_stays_with_it() -> None:
    text = "They were last seen at 5:30 p.m. Monday near the bridge. The search ended at 9 a.m. Police left."
    assert split_sentences(text) == [
        "They were last seen at 5:30 p.m. Monday near the bridge.",
        "The search ended at 9 a.m.",
        "Police left.",
    ]


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("पुल फिर खुला। यह मार्च से बंद था।", "hi", ["पुल फिर खुला।", "यह मार्च से बंद था।"]),
        ("هل ستصمد الهدنة؟ المحللون منقسمون.", "ar", ["هل ستصمد الهدنة؟", "المحللون منقسمون."]),
        ("大桥周五重新开放。此前一直关闭。", "zh", ["大桥周五重新开放。", "此前一直关闭。"]),
        ("橋は再開された。3月から閉鎖されていた。", "ja", ["橋は再開された。", "3月から閉鎖されていた。"]),
        (
            "市長は「離れない。」と述べた。住民は拍手した。",
            "ja",
            ["市長は「離れない。」と述べた。", "住民は拍手した。"],
        ),
        ("Ποιος θα πληρώσει\u037e Κανείς δεν απάντησε.", "el", ["Ποιος θα πληρώσει\u037e", "Κανείς δεν απάντησε."]),
        (
            "« C'est notre ville. » Les habitants ont applaudi.",
            "fr",
            ["« C'est notre ville. »", "Les habitants ont applaudi."],
        ),
        (
            "Elle succède à M. Bastide. Le rapport de J.-P. Marchal suit.",
            "fr",
            ["Elle succède à M. Bastide.", "Le rapport de J.-P. Marchal suit."],
        ),
        (
            "Die Wahl findet am 3. Oktober statt. Die Listen sind da.",
            "de",
            ["Die Wahl findet am 3. Oktober statt.", "Die Listen sind da."],
        ),
        (
            "Volby se konají 3. října. Úřady zavřely školy, nemocnice atd. Lidé čekají.",
            "cs",
            ["Volby se konají 3. října.", "Úřady zavřely školy, nemocnice atd.", "Lidé čekají."],
        ),
        (
            "Takım 2. Lig'e düştü. Taraftarlar tepki gösterdi.",
            "tr",
            ["Takım 2. Lig'e düştü.", "Taraftarlar tepki gösterdi."],
        ),
        (
            "¡Basta ya! gritaba la multitud. Nadie respondió.",
            "es",
            ["¡Basta ya! gritaba la multitud.", "Nadie respondió."],
        ),
        ("Завод им. Карпова закрыт. Рабочие ушли.", "ru", ["Завод им. Карпова закрыт.", "Рабочие ушли."]),
    ],
)
def test_the_stops_and_abbreviations_of_each_language(text: str, language: str, expected: list[str]) -> None:
    assert split_sentences(text, language) == expected


def test_a_country_abbreviation_can_end_a_sentence() -> None:
    text = "The deal would send more gas to the U.S. This exchange could take years. The U.S. Navy agreed."
    assert split_sentences(text) == [
        "The deal would send more gas to the U.S.",
        "This exchange could take years.",
        "The U.S. Navy agreed.",
    ]


def test_quote_marks_alone_are_no_sentence() -> None:
    text = 'It ended, the campaign said in a statement. "Following this, we trust the government.'
    assert split_sentences(text) == [
        "It ended, the campaign said in a statement.",
        '"Following this, we trust the government.',
    ]


def test_a_language_tag_picks_the_language() -> None:
    assert split_sentences("Elle succède à M. Bastide. Fin.", "fr-CA") == ["Elle succède à M. Bastide.", "Fin."]
    assert split_sentences("Hello there. Bye.", "not a tag!") == ["Hello there.", "Bye."]


def test_a_quotation_glued_to_the_stop_before_it_opens_the_next_sentence() -> None:
    """A scraper lost the space after the stop: the mark opens the next sentence when the marks before it are
    paired, and closes the last one when a quotation is open."""
    text = 'His lawyer told Kaldopress on Monday."He is being treated in Halvik. He has no plans."The talks went on.'
    assert split_sentences(text) == [
        "His lawyer told Kaldopress on Monday.",
        '"He is being treated in Halvik.',
        'He has no plans."',
        "The talks went on.",
    ]
    glued = 'The envoy was hurt, the ministry said on Tuesday."(The ministry) condemns the attack," it said.'
    assert split_sentences(glued) == [
        "The envoy was hurt, the ministry said on Tuesday.",
        '"(The ministry) condemns the attack," it said.',
    ]


def test_an_acronym_in_capitals_ends_a_sentence_before_a_capital() -> None:
    text = "He left the port authority, the KPA. Trade unions objected. The office is in Halvik, Va. Tuesday's vote."
    assert split_sentences(text)[:2] == ["He left the port authority, the KPA.", "Trade unions objected."]
    assert split_sentences("Gen. Vell met the NATO envoy.") == ["Gen. Vell met the NATO envoy."]


def test_the_rest_of_an_abbreviation_in_brackets_starts_no_sentence() -> None:
    text = "Sen. Ines Vell (R-S.C.) also defended the port deal. Then she left."
    assert split_sentences(text) == ["Sen. Ines Vell (R-S.C.) also defended the port deal.", "Then she left."]
