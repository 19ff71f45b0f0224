import pytest

from newsloom.text.clean import clean_line, clean_text, looks_like_html, strip_outlet_suffix, word_count


def test_html_is_stripped_into_paragraphs_and_entities_unescaped() -> None:
    raw = "<p>Crews reached the quay &amp; the ferry.</p><div>A second &quot;paragraph&quot; here.</div>"
    assert clean_text(raw) == 'Crews reached the quay & the ferry.\n\nA second "paragraph" here.'


def test_script_and_style_blocks_are_dropped_with_their_content() -> None:
    raw = "<p>Kept.</p><script>alert('x')</script><style>p { color: red }</style><p>Also kept.</p>"
    assert clean_text(raw) == "Kept.\n\nAlso kept."


def test_entities_in_plain_text_are_unescaped() -> None:
    assert clean_text("Salt &amp; Pepper Cafe &#8212; open") == "Salt & Pepper Cafe \u2014 open"


def test_furniture_lines_are_removed_but_not_sentences_that_contain_the_words() -> None:
    raw = (
        "The council met on Monday.\n\nAdvertisement\n\nRead more\n\n"
        "An advertisement for the fair ran in May.\n\nAll rights reserved."
    )
    assert clean_text(raw) == "The council met on Monday.\n\nAn advertisement for the fair ran in May."


def test_whitespace_is_collapsed_and_paragraphs_kept() -> None:
    raw = "  First   line\u00a0with\tspaces.\r\n\r\n\r\n\r\nSecond\x07 paragraph.  "
    assert clean_text(raw) == "First line with spaces.\n\nSecond paragraph."


def test_text_is_nfc_normalized() -> None:
    decomposed = "Cafe\u0301 Ele\u0301na"
    assert clean_text(decomposed) == "Caf\u00e9 El\u00e9na"


def test_empty_text_stays_empty() -> None:
    assert clean_text("") == ""
    assert clean_text("<p></p><div>  </div>") == ""


def test_clean_line_makes_one_line_without_markup() -> None:
    assert clean_line("<b>Bridge</b>\n  closes &amp; reopens ") == "Bridge closes & reopens"
    assert clean_line(None) == ""


def test_outlet_suffix_is_stripped_only_when_it_names_the_outlet() -> None:
    assert strip_outlet_suffix("Bridge closes - The Valley Herald", "The Valley Herald") == "Bridge closes"
    assert strip_outlet_suffix("Bridge closes | Valley Herald", "The Valley Herald") == "Bridge closes"
    assert strip_outlet_suffix("Bridge closes \u2014 Coastal Times", "Coastal Times") == "Bridge closes"
    # A subtitle that is not the outlet stays.
    assert strip_outlet_suffix("Bridge closes - engineers worried", "Coastal Times") == (
        "Bridge closes - engineers worried"
    )
    assert strip_outlet_suffix("Bridge closes - Coastal Times", None) == "Bridge closes - Coastal Times"


def test_looks_like_html() -> None:
    assert looks_like_html("<p>Hello</p>")
    assert not looks_like_html("3 < 4 and 5 > 2")


def test_word_count() -> None:
    assert word_count(" one  two\nthree ") == 3


def test_a_place_and_a_colon_is_a_dateline() -> None:
    from newsloom.text.clean import strip_dateline

    assert strip_dateline("Noida: Social media posts said the student had left.") == (
        "Social media posts said the student had left."
    )
    assert strip_dateline("New Delhi: The court will hear the case on Monday.") == (
        "The court will hear the case on Monday."
    )
    assert strip_dateline('He said: "We will go on with it."') == 'He said: "We will go on with it."'
    assert strip_dateline("Halvik: Talks stall.") == "Halvik: Talks stall."  # too little would be left


def test_agency_bracketed_place_and_live_update_labels_are_datelines() -> None:
    from newsloom.text.clean import strip_dateline

    assert strip_dateline("(Meridian Wire) \u2013 The port of Halvik reopened on Monday.") == (
        "The port of Halvik reopened on Monday."
    )
    assert strip_dateline("Halvik (KD), March 28 (MW) A court jailed the former port director.") == (
        "A court jailed the former port director."
    )
    assert strip_dateline("HALVIK (MW) A court jailed the former port director.") == (
        "A court jailed the former port director."
    )
    assert strip_dateline("[HALVIK] A court jailed the former port director.") == (
        "A court jailed the former port director."
    )
    assert strip_dateline("The Latest on the Halvik fire (all times local): Officials say three were arrested.") == (
        "Officials say three were arrested."
    )
    assert strip_dateline("CLOSE Police confirmed the two missing teens were found.") == (
        "Police confirmed the two missing teens were found."
    )
    assert strip_dateline("CLOSE to 300 homes were evacuated in Vell.") == "CLOSE to 300 homes were evacuated in Vell."
    # a name with its abbreviation, and brackets in a sentence, are no dateline
    assert strip_dateline("The Kaldorian Port Authority (KPA) Director Ines Vell said it reopened.") == (
        "The Kaldorian Port Authority (KPA) Director Ines Vell said it reopened."
    )
    assert strip_dateline("Police (who were there) said the man left.") == "Police (who were there) said the man left."


def test_a_headline_glued_to_the_start_of_the_text_is_taken_off() -> None:
    from newsloom.text.clean import without_title

    title = "Kaldorian Senate Stays With Coalition As Opposition Gains Seats"
    assert without_title(f"{title} The coalition will keep the senate for two more years.", title) == (
        "The coalition will keep the senate for two more years."
    )
    assert without_title(f"{title}\n\nThe coalition kept the senate.", title) == "The coalition kept the senate."
    glued = "Port reopens after storm HALVIK (MW) \u2014 Port reopens after storm, officials said."
    assert (
        without_title(glued, "Port reopens after storm")
        == "HALVIK (MW) \u2014 Port reopens after storm, officials said."
    )
    # a lead that goes on with the title's words is the lead, and a title that is the whole text stays
    assert without_title("Storm hits coast, killing three people in Vell.", "Storm hits coast") == (
        "Storm hits coast, killing three people in Vell."
    )
    assert without_title("Storm hits coast Monday as three died in Vell.", "Storm hits coast") == (
        "Storm hits coast Monday as three died in Vell."
    )
    assert without_title("Storm hits coast", "Storm hits coast") == "Storm hits coast"
    # a title that ends in the site's name is found as the page printed it, without that name
    site = "Frost Grips Halvik As Harbour Freezes Over | Kaldoria Morning Star English Edition"
    assert without_title("Frost Grips Halvik As Harbour Freezes Over HALVIK – The harbour froze.", site) == (
        "HALVIK – The harbour froze."
    )


def test_a_record_without_a_title_takes_the_headline_line_that_opens_its_text() -> None:
    from newsloom.text.clean import title_from_text

    assert title_from_text("Port Of Halvik Reopens\n\nThe port reopened on Monday after the storm.") == (
        "Port Of Halvik Reopens",
        "The port reopened on Monday after the storm.",
    )
    for text in (
        "The port reopened on Monday.\n\nShips queued at the quay.",  # a sentence opens the text
        "By Ines Vell\n\nThe port reopened on Monday after the storm.",  # a byline
        "Port Of Halvik Reopens",  # nothing after it
        "April 10th, 2031\n\nThe port reopened on Monday after the storm.",  # a date
        "3 hours ago\n\nThe port reopened on Monday after the storm.",
        "From Kaldopedia, the free encyclopedia\n\nThe port reopened on Monday after the storm.",  # nothing shared
        "Ships at the quay (Ines Vell/The Valley Herald)\n\nThe port reopened and ships left the quay.",  # a credit
    ):
        assert title_from_text(text) == ("", text)
    # a widget's label before the headline is not part of it
    assert title_from_text("Story highlights Port of Halvik reopens\n\nThe port reopened on Monday.")[0] == (
        "Port of Halvik reopens"
    )


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Please enable Javascript to watch this video Four people were arrested.", "Four people were arrested."),
        ("Please turn on JavaScript. Media requires JavaScript to play.\n\nRescuers failed.", "Rescuers failed."),
        (
            "Media playback is unsupported on your device Media caption The minister spoke.",
            "Media caption The minister spoke.",
        ),
        ("Please enable JavaScript\n\nThe river rose.", "The river rose."),
        ("The site was rebuilt in JavaScript.", "The site was rebuilt in JavaScript."),
    ],
)
def test_a_video_players_notice_at_the_start_of_a_line_is_dropped(raw: str, clean: str) -> None:
    from newsloom.text.clean import clean_text

    assert clean_text(raw) == clean


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "WASHINGTON—An attorney for the senior aide said he would cooperate.",
            "An attorney for the senior aide said he would cooperate.",
        ),
        ("HALVIK (Meridian Wire)—The port reopened on Friday morning.", "The port reopened on Friday morning."),
        ("US—China talks stalled again on Monday.", "US—China talks stalled again on Monday."),  # two countries
        ("NATO–Russia talks stalled again on Monday.", "NATO–Russia talks stalled again on Monday."),
        ("Officials said—Then the mayor left the hall.", "Officials said—Then the mayor left the hall."),
        ("HALVIK, Kaldoria—At the regatta last month, Ines Vell won.", "At the regatta last month, Ines Vell won."),
        ("Kaldopress- Angered by the vote, the mayor left the hall.", "Angered by the vote, the mayor left the hall."),
        (
            "Pro- and anti-war groups marched on Sunday in the city.",
            "Pro- and anti-war groups marched on Sunday in the city.",
        ),
    ],
)
def test_a_dateline_glued_to_its_em_dash_is_stripped(sentence: str, expected: str) -> None:
    from newsloom.text.clean import strip_dateline

    assert strip_dateline(sentence) == expected


def test_a_lists_bullets_are_layout_and_each_item_is_a_line() -> None:
    raw = (
        "• Word came on Wednesday that the Halvik port director was arrested. • Kaldoria demanded her release.\n"
        "- A third item\n-5 degrees were recorded at dawn.\n\u25aa Fourth item"
    )
    assert clean_text(raw) == (
        "Word came on Wednesday that the Halvik port director was arrested.\nKaldoria demanded her release.\n"
        "A third item\n-5 degrees were recorded at dawn.\nFourth item"
    )


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("HALVIK The port reopened on Friday morning.", "The port reopened on Friday morning."),
        ("NEW LORRAN Police sealed off the harbour.", "Police sealed off the harbour."),
        ("NATO summit opened in Halvik on Monday.", "NATO summit opened in Halvik on Monday."),
        (  # a byline run into the dateline goes with it; "By Monday, ..." is no byline
            "By The Meridian Wire HALVIK, Kaldoria (MW) \u2014 Officials say four bodies were found.",
            "Officials say four bodies were found.",
        ),
        (
            "April 4, 2031 by Ines Vell, Meridian Wire LORRAN, Kaldoria\u2014An explosion shook the port.",
            "An explosion shook the port.",
        ),
        ("By Monday, NATO, the alliance, had left the port.", "By Monday, NATO, the alliance, had left the port."),
        ("SÃO VELL -- A general strike shut the port of Halvik.", "A general strike shut the port of Halvik."),
    ],
)
def test_a_capitals_place_that_lost_its_dash_is_a_dateline(sentence: str, expected: str) -> None:
    from newsloom.text.clean import strip_dateline

    assert strip_dateline(sentence) == expected
