import re
from datetime import UTC, datetime

from newsloom.model import Brief, Citation, Coverage, Sentence
from newsloom.present.render import brief_markdown
from newsloom.text.markdown import escape_markdown

WIRE = Citation("wire-1", "Meridian Wire", "https://meridianwire.example/a", "Dam opens *today*", "g-1")
HERALD = Citation("herald-2", "The Valley Herald", "javascript:alert(1)", "<script>alert(1)</script>", "g-2")
POST = Citation("post-3", "Northgate Post", "https://northgatepost.example/b", "Post title", "g-3")
QUIET = Citation("quiet-4", "Quiet <Outlet>", None, None, "g-4")


def brief(**changes: object) -> Brief:
    values: dict[str, object] = {
        "story_id": "st-0123456789",
        "headline": "Dam opens <script>alert(1)</script> with *stars* and [a](link)",
        "dek": Sentence("The Harl Dam opened on Monday.", [WIRE, HERALD]),
        "paragraphs": [
            [Sentence("It holds 40 <b>million</b> cubic metres.", [HERALD]), Sentence("Crowds came.", [POST, WIRE])],
            [Sentence("Engineers_were # pleased | said `so`.", [POST])],
        ],
        "coverage": Coverage(4, ["Meridian Wire", "Northgate Post"], 3, datetime(2031, 3, 2, 8, 0, tzinfo=UTC)),
        "citations": {c.article_id: c for c in (WIRE, HERALD, POST, QUIET)},
        "version": 3,
        "created_at": datetime(2031, 3, 2, 9, 30, tzinfo=UTC),
    }
    values.update(changes)
    return Brief(**values)  # type: ignore[arg-type]


def test_heading_and_escaped_article_text() -> None:
    text = brief_markdown(brief())
    assert text.startswith(r"# Dam opens \<script\>alert(1)\</script\> with \*stars\* and \[a\](link)" + "\n")
    assert "<script>" not in text
    assert "<b>" not in text
    assert r"It holds 40 \<b\>million\</b\> cubic metres." in text
    assert r"Engineers\_were \# pleased \| said \`so\`." in text
    assert r"Dam opens \*today\*" in text  # a cited title


def test_citation_numbers_resolve_to_the_sources_list_in_order_of_first_use() -> None:
    text = brief_markdown(brief())
    assert "*The Harl Dam opened on Monday. [1][2]*" in text
    assert "It holds 40 \\<b\\>million\\</b\\> cubic metres. [2] Crowds came. [3][1]" in text
    sources = text.split("**Sources**", 1)[1]
    listed = re.findall(r"^(\d+)\. (.+?) \(id ([^)]+)\)", sources, flags=re.MULTILINE)
    assert [(number, article_id) for number, _, article_id in listed] == [
        ("1", "wire-1"),
        ("2", "herald-2"),
        ("3", "post-3"),
    ]
    assert listed[0][1] == r"Meridian Wire — Dam opens \*today\*"
    # Every number used in the text appears in the sources list.
    body = text.split("**Sources**", 1)[0]
    used = {int(n) for n in re.findall(r"\[(\d+)\]", body)}
    assert used == {1, 2, 3}


def test_only_web_links_are_linked() -> None:
    text = brief_markdown(brief())
    assert "<https://meridianwire.example/a>" in text
    assert "<https://northgatepost.example/b>" in text
    assert "javascript:" not in text


def test_uncited_outlets_are_named_and_escaped() -> None:
    assert "Also covered by: Quiet \\<Outlet\\>" in brief_markdown(brief())


def test_coverage_and_footer() -> None:
    text = brief_markdown(brief())
    assert "**Coverage:** 4 articles from 2 outlets (3 independent sources)" in text
    assert text.rstrip().endswith("_story st-0123456789 · brief v3 · extractive writer · 2031-03-02 09:30 UTC_")


def test_a_brief_without_story_has_no_footer_and_no_dek() -> None:
    text = brief_markdown(brief(story_id=None, created_at=None, dek=None))
    assert "brief v" not in text
    assert not re.search(r"^\*[^*]", text, flags=re.MULTILINE)


def test_escape_markdown() -> None:
    assert escape_markdown("a*b_c`d[e]f<g>h#i|j\\k") == r"a\*b\_c\`d\[e\]f\<g\>h\#i\|j\\k"
    assert escape_markdown("plain text, 40 cm.") == "plain text, 40 cm."


def test_an_article_id_cannot_inject_markup() -> None:
    evil = Citation("x`<script>alert(1)</script>`", "Outlet", None, "Title", None)
    text = brief_markdown(
        brief(dek=Sentence("The Harl Dam opened on Monday.", [evil]), citations={evil.article_id: evil})
    )
    assert "<script>" not in text


def test_counts_of_one_are_singular_in_the_brief_the_export_and_the_chart() -> None:
    from factories import prepared
    from newsloom.model import Article, Story
    from newsloom.present.export import html_page
    from newsloom.present.views import coverage_chart
    from newsloom.text.counts import plural
    from newsloom.write.extractive import write_brief

    assert [
        plural(1, "story"),
        plural(2, "story"),
        plural(1, "independent source"),
        plural(3, "independent source"),
    ] == [
        "1 story",
        "2 stories",
        "1 independent source",
        "3 independent sources",
    ]
    article = prepared(
        [
            Article(
                id="orsk-1",
                outlet="Meridian Wire",
                title="Orsk quay closed as the Vessa River rises",
                published=datetime(2026, 4, 2, 9, 0, tzinfo=UTC),
                text="The Vessa River rose past the levee at Orsk on Tuesday, flooding about 200 homes in the old "
                "town. Barriers went up along the quay before dawn.",
            )
        ]
    )
    brief = write_brief(article, story_id="st-orsk")
    assert "1 article from 1 outlet (1 independent source)" in brief_markdown(brief)
    story = Story("st-orsk", brief.headline, articles=1, outlets=["Meridian Wire"], independent_sources=1)
    page, _ = html_page([(story, brief, article)])
    assert "1 story ·" in page and "1 independent source · 1 article ·" in page
    assert "1 stories" not in page and "1 independent sources" not in page and "1 articles" not in page
    chart = coverage_chart(article)
    assert chart is None or chart.summary.startswith("1 article from 1 outlet ")
