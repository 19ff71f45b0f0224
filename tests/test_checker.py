"""The checker: every sentence of a text labelled supported, unsupported or contradicted, with its evidence."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from factories import prepared
from newsloom.analyze.checker import (
    check_brief,
    check_text,
    render_report,
    without_attribution,
)
from newsloom.analyze.reading import brief_claims, read_text, strip_citations, text_kind, text_sentences
from newsloom.model import Article, Brief, Sentence, Story
from newsloom.present.export import html_page
from newsloom.present.pages import page_templates, story_page
from newsloom.present.render import brief_markdown
from newsloom.present.views import reports_of
from newsloom.write.extractive import write_brief


def story() -> list[Article]:
    when = datetime(2031, 8, 14, 7, tzinfo=UTC)
    return prepared(
        [
            Article(
                id="sorrel-wire",
                title="Landslide closes coast road near Sorrel",
                outlet="Meridian Wire",
                published=when,
                text=(
                    "SORREL, Aug 14 (Meridian Wire) — A landslide closed the coast road between Sorrel and Tarvel "
                    "on Wednesday night after two days of heavy rain. No one was hurt, the regional roads agency "
                    "said. About 3,000 tonnes of earth and rock cover the road for 200 metres. "
                    "Agency engineer Clara Fenn said the road would stay closed for at least ten days."
                ),
            ),
            Article(
                id="sorrel-coastal",
                title="Sorrel cut off from Tarvel by landslide",
                outlet="Coastal Times",
                published=when,
                text=(
                    "Residents of Sorrel face a 40-minute detour through the hills after a landslide blocked the "
                    "coast road to Tarvel. Buses to Tarvel will run on the hill route until the road reopens. "
                    'Mayor Ruth Hollis said the village was "shaken but safe."'
                ),
            ),
            Article(
                id="sorrel-northgate",
                title="Rain-soaked slope gave way above coast road",
                outlet="Northgate Post",
                published=when,
                text=(
                    "The slope above the coast road had been monitored since a smaller slip in 2029. "
                    "Engineer Clara Fenn said drainage works planned for the autumn would now start early."
                ),
            ),
        ]
    )


SYNTHESIS = """# Landslide cuts the coast road between Sorrel and Tarvel

A landslide closed the coast road between Sorrel and Tarvel on Wednesday night after two days of heavy rain. [1]
Nobody was injured, according to the regional roads agency [1].
Some 3,000 tonnes of earth and rock now cover 200 metres of the road (Meridian Wire).
Engineer Clara Fenn said the road would remain closed for at least 14 days.
The landslide destroyed two holiday homes above the road.
Buses to Tarvel will use the hill route until the road reopens [2].
Residents face a 40-minute detour through the hills, and Mayor Ruth Hollis called the village "shaken but safe." [2, 3]
The regional government has promised 4 million crowns for repairs.
Drainage works planned for the autumn will now start early, Fenn said. (id sorrel-northgate)
"""


def test_a_synthesis_with_two_added_facts_and_one_changed_number_gets_exactly_those_three_flagged() -> None:
    report = check_text(SYNTHESIS, story())
    labels = {s.text: s.label for s in report.sentences}
    assert len(report.sentences) == 10  # the headline is checked too
    flagged = {s.text: s.label for s in report.flagged()}
    assert flagged == {
        "Engineer Clara Fenn said the road would remain closed for at least 14 days.": "contradicted",
        "The landslide destroyed two holiday homes above the road.": "unsupported",
        "The regional government has promised 4 million crowns for repairs.": "unsupported",
    }
    assert sum(label == "supported" for label in labels.values()) == 7
    changed = next(s for s in report.sentences if s.label == "contradicted")
    assert changed.evidence[0].article_id == "sorrel-wire"
    assert "at least ten days" in changed.evidence[0].sentence
    assert "14" in changed.reason and "ten" in changed.reason and "Meridian Wire" in changed.reason
    assert report.summary == {
        "sentences": 10,
        "supported": 7,
        "unsupported": 2,
        "contradicted": 1,
        "share_supported": 0.7,
    }


def test_supported_sentences_name_their_best_evidence() -> None:
    report = check_text(SYNTHESIS, story())
    reworded = next(s for s in report.sentences if s.text.startswith("Nobody was injured"))
    assert reworded.label == "supported"
    assert reworded.evidence[0].article_id == "sorrel-wire"
    assert "No one was hurt" in reworded.evidence[0].sentence
    merged = next(s for s in report.sentences if s.text.startswith("Residents face"))
    assert merged.label == "supported" and merged.evidence[0].outlet == "Coastal Times"


@pytest.mark.parametrize(
    ("sentence", "label", "kind_of_reason"),
    [
        ("A landslide closed the coast road between Sorrel and Tarvel on Monday night.", "contradicted", "Monday"),
        ("A landslide closed the coast road between Sorrel and Halvik on Wednesday night.", "contradicted", "Halvik"),
        ("Several people were hurt, the regional roads agency said.", "contradicted", "negated"),
        ('Mayor Ruth Hollis said the village was "frightened and cut off."', "contradicted", "shaken"),
        ("Agency engineer Petra Novak said the road would stay closed for at least ten days.", "contradicted", "Novak"),
        ("The slope had been monitored since a smaller slip in 2029.", "supported", "Northgate Post"),
        ("Police closed the beach at Sorrel for the weekend.", "unsupported", "no source"),
    ],
)
def test_each_kind_of_change_is_caught(sentence: str, label: str, kind_of_reason: str) -> None:
    checked = check_text(sentence, story()).sentences[0]
    assert checked.label == label, checked.reason
    assert kind_of_reason in checked.reason


def test_json_has_the_contract_shape() -> None:
    data = json.loads(json.dumps(check_text(SYNTHESIS, story()).to_json()))
    assert set(data) == {"sentences", "summary"}
    first = data["sentences"][1]
    assert {"text", "label", "evidence"} <= set(first)
    assert first["label"] in ("supported", "unsupported", "contradicted")
    assert {"id", "sentence"} <= set(first["evidence"][0])
    assert data["summary"]["sentences"] == 10


def test_citation_markers_and_markdown_are_removed_before_checking() -> None:
    marks = {"meridian wire", "coastal times", "a1"}
    assert strip_citations("The road is closed [1].") == "The road is closed."
    assert strip_citations("The road is closed. [1, 3][4]") == "The road is closed."
    assert strip_citations("The road is closed (id a1).") == "The road is closed."
    assert strip_citations("The road is closed (Meridian Wire, Coastal Times).", marks) == "The road is closed."
    assert strip_citations("The road is closed (for ten days).", marks) == "The road is closed (for ten days)."
    assert text_sentences("## A *headline* here\n\n- First point [1].\n---\n") == ["A headline here", "First point."]


def test_a_brief_written_from_the_story_is_all_supported() -> None:
    articles = story()
    report = check_brief(write_brief(articles), articles)
    assert report.sentences and all(s.label == "supported" for s in report.sentences), render_report(report)


def test_render_shows_label_reason_evidence_and_summary() -> None:
    report = check_text(SYNTHESIS, story())
    text = render_report(report)
    assert "**CONTRADICTED** Engineer Clara Fenn said" in text
    assert "Meridian Wire: " in text and "(id sorrel-wire)" in text
    assert text.rstrip().endswith("10 sentences: 7 supported, 2 unsupported, 1 contradicted (70% supported)")
    plain = render_report(report, markdown=False)
    assert "CONTRADICTED Engineer" in plain and "**" not in plain
    escaped = render_report(check_text("The *slope* gave way [1].", story()))
    assert "\\*" not in escaped or "slope" in escaped


def test_bad_input_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match="at least one source article"):
        check_text("A landslide closed the road.", [])
    with pytest.raises(ValueError, match="empty"):
        check_text("  \n", story())


def test_an_attribution_to_a_source_outlet_is_no_added_fact() -> None:
    report = check_text(
        'According to Coastal Times, Mayor Ruth Hollis said the village was "shaken but safe."\n'
        "About 3,000 tonnes of earth and rock cover the road, Meridian Wire reported.\n"
        "According to Northgate Post, no one was hurt.",
        story(),
    )
    assert [s.label for s in report.sentences] == ["supported", "supported", "supported"]
    assert report.sentences[0].text.startswith("According to Coastal Times")
    assert report.sentences[0].evidence[0].outlet == "Coastal Times"
    assert "not Northgate Post" in report.sentences[2].reason  # stated, but by another outlet


@pytest.mark.parametrize(
    "sentence",
    [
        "According to Meridian Wire, the road is closed.",
        "As reported by Meridian Wire, the road is closed.",
        "The road is closed, according to Meridian Wire.",
        "The road is closed, Meridian Wire reported.",
        "The road is closed, Meridian Wire said.",
        "The road is closed, Meridian Wire wrote.",  # any verb of the speech vocabulary credits the outlet
    ],
)
def test_every_way_of_crediting_an_outlet_is_taken_off_the_claim(sentence: str) -> None:
    claim, outlet = without_attribution(sentence, {"meridian wire": "Meridian Wire"})
    assert (claim.rstrip("."), outlet) == ("The road is closed", "Meridian Wire")
    assert without_attribution("The road is closed, the engineer wrote.", {"meridian wire": "Meridian Wire"}) == (
        "The road is closed, the engineer wrote.",
        None,
    )


# -- what the checker reads of a text ---------------------------------------------------------------------------
def test_citation_marks_after_a_full_stop_belong_to_the_sentence_before() -> None:
    assert text_sentences("The river rose. [1][2] Then it fell. [3]") == ["The river rose.", "Then it fell."]
    assert text_sentences("The river rose.[1] Then it fell.[2, 3] It rose again [4].") == [
        "The river rose.",
        "Then it fell.",
        "It rose again.",
    ]
    report = check_text("No one was hurt. [1][2] About 3,000 tonnes of earth and rock cover the road. [1]", story())
    assert [s.label for s in report.sentences] == ["supported", "supported"], render_report(report)


def brief_as(brief: Brief, articles: list[Article]) -> dict[str, str]:
    """The brief as newsloom prints it: Markdown, JSON, the HTML export and the reader's story page."""
    story = Story("st-sorrel", brief.headline, len(articles), sorted({a.display_outlet for a in articles}), 3)
    shown = story_page(page_templates(), story, brief, articles, reports_of(articles))
    return {
        "brief.md": brief_markdown(brief),
        "brief.json": json.dumps(brief.to_json()),
        "export.html": html_page([(story, brief, articles)])[0],
        "story.html": shown,
    }


READ_AS = {"brief.md": "markdown brief", "brief.json": "json brief", "export.html": "html", "story.html": "html"}


@pytest.mark.parametrize("name", list(READ_AS))
def test_a_brief_is_read_as_its_dek_and_body_in_every_format(name: str) -> None:
    articles = story()
    brief = write_brief(articles)
    text = brief_as(brief, articles)[name]
    assert text_kind(text, name) == text_kind(text) == READ_AS[name]  # by the suffix, or by the content alone
    report = check_text(text, articles, name=name)
    claims = [s.text for s in brief_claims(brief)]
    assert [s.text for s in report.sentences] == claims
    assert all(s.label == "supported" for s in report.sentences), render_report(report)
    kinds = {item.kind for item in report.skipped}
    assert "heading" in kinds and report.summary["skipped"] == len(report.skipped)
    assert not any(item.text in claims for item in report.skipped)
    data = report.to_json()
    assert data["read_as"] == READ_AS[name] and data["skipped"][0]["kind"]
    assert render_report(report).rstrip().endswith(report.skipped_line())


def test_a_brief_with_a_made_up_or_changed_sentence_is_still_flagged_in_every_format() -> None:
    articles = story()
    brief = write_brief(articles)
    wire = brief.citations["sorrel-wire"]
    brief.paragraphs[0] += [
        Sentence("About 5,000 tonnes of earth and rock cover the road for 200 metres.", [wire]),  # changed
        Sentence("The landslide destroyed two holiday homes above the road.", []),  # made up, no citation mark
        Sentence("The regional government has promised 4 million crowns for repairs.", [wire]),  # made up
    ]
    for name, text in brief_as(brief, articles).items():
        labels = {s.text: s.label for s in check_text(text, articles, name=name).sentences}
        assert len(labels) == len(brief_claims(brief)), name
        assert labels["About 5,000 tonnes of earth and rock cover the road for 200 metres."] == "contradicted", name
        assert labels["The landslide destroyed two holiday homes above the road."] == "unsupported", name
        assert labels["The regional government has promised 4 million crowns for repairs."] == "unsupported", name
        assert sum(label == "supported" for label in labels.values()) == len(labels) - 3, name


def test_json_briefs_are_read_from_every_shape_newsloom_writes() -> None:
    articles = story()
    brief = write_brief(articles).to_json()
    claims = len(brief_claims(Brief.from_json(brief)))
    exported = "\n".join(json.dumps({"story": {"id": f"st-{n}"}, "brief": brief}) for n in range(2))  # export jsonl
    for text, count in ((json.dumps(brief), claims), (exported, 2 * claims), (json.dumps([brief]), claims)):
        reading = read_text(text, "briefs.jsonl")
        assert reading.read_as == "json brief" and len(reading.claims) == count
    with pytest.raises(ValueError, match="no newsloom brief"):
        read_text(json.dumps({"sentences": []}), "report.json")
    with pytest.raises(ValueError, match="line 2: not JSON"):
        read_text('{"brief": {}}\n{broken', "briefs.jsonl")


def test_html_is_read_as_a_reader_sees_it() -> None:
    page = (
        "<!doctype html><html><head><title>Landslide</title><script>var mark = '[4]';</script></head><body>"
        "<h1>Landslide closes the road</h1>"
        '<p>No one was hurt. <a href="#a">[1]</a> <strong>(disputed)</strong> Buses run on the hill route.'
        ' <span title="Coastal Times">[2]</span></p>'
        "<p><strong>Coverage:</strong> 3 articles</p><ul><li>Clara Fenn, person</li></ul>"
        '<div class="popover" hidden><blockquote>A hidden source sentence.</blockquote></div>'
        '<p>Fish &amp; chips &lt;b&gt; cost 3 crowns. <a class="cite" href="#c">3</a></p></body></html>'
    )
    reading = read_text(page)
    assert reading.read_as == "html"
    assert reading.claims == ["No one was hurt.", "Buses run on the hill route.", "Fish & chips <b> cost 3 crowns."]
    assert [(s.kind, s.text) for s in reading.skipped] == [
        ("heading", "Landslide closes the road"),
        ("no citation mark", "Coverage: 3 articles"),
        ("list", "Clara Fenn, person"),
    ]
    # A page without a single citation mark is read as text, every block of it.
    assert read_text("<p>The road is closed.</p><h2>Two days of rain</h2>").claims == [
        "The road is closed.",
        "Two days of rain",
    ]


def test_plain_text_and_other_markdown_are_read_as_before() -> None:
    assert text_kind(SYNTHESIS, "draft.md") == text_kind(SYNTHESIS) == "text"
    report = check_text(SYNTHESIS, story(), name="draft.md")
    assert report.read_as == "text" and not report.skipped and set(report.to_json()) == {"sentences", "summary"}
    assert report.sentences[0].text == "Landslide cuts the coast road between Sorrel and Tarvel"  # headings count


def test_a_text_to_check_is_split_by_the_rules_of_its_language() -> None:
    from newsloom.analyze.reading import text_sentences

    text = "Die Sitzung des Hafenrates fand am 3. Oktober in Halvik statt. Danach ging die Bürgermeisterin nach Hause."
    assert text_sentences(text) == [
        "Die Sitzung des Hafenrates fand am 3. Oktober in Halvik statt.",
        "Danach ging die Bürgermeisterin nach Hause.",
    ]
