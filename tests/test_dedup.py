from dataclasses import replace

from factories import FERRY_WIRE_PARAGRAPHS, ferry_articles
from newsloom.model import Article
from newsloom.normalize import normalize
from newsloom.syndication import SyndicationIndex, group_id_for


def ferry() -> dict[str, Article]:
    return {a.id: normalize(a) for a in ferry_articles()}


def test_identical_copies_share_a_group_named_after_the_first() -> None:
    wire = ferry()["ferry-wire"]
    copy = replace(wire, id="ferry-copy", outlet="Pinecrest Gazette", url="https://pinecrest.example/ferry")
    index = SyndicationIndex()
    assert index.assign(wire) == group_id_for("ferry-wire")
    assert index.assign(copy) == group_id_for("ferry-wire")
    assert copy.syndication_group == wire.syndication_group


def test_reprint_with_new_headline_a_line_added_and_a_paragraph_dropped_joins_the_wire_group() -> None:
    articles = ferry()
    index = SyndicationIndex()
    wire_group = index.assign(articles["ferry-wire"])
    assert index.assign(articles["ferry-valley"]) == wire_group


def test_reprint_of_only_the_middle_paragraphs_joins_by_containment() -> None:
    articles = ferry()
    # Half the wire's text: too little overlap for Jaccard, but everything it says is the wire's copy.
    trimmed = normalize(
        Article(id="trimmed", title="Ferry fire at Lorran", text="\n\n".join(FERRY_WIRE_PARAGRAPHS[1:4]))
    )
    index = SyndicationIndex()
    wire_group = index.assign(articles["ferry-wire"])
    _, wire_hash = index.fingerprint(articles["ferry-wire"])
    _, trimmed_hash = index.fingerprint(trimmed)
    assert wire_hash is not None and trimmed_hash is not None
    assert wire_hash.jaccard(trimmed_hash) < index.settings.same_copy_jaccard
    assert index.assign(trimmed) == wire_group


def test_independent_reports_of_one_event_are_separate_groups() -> None:
    articles = ferry()
    index = SyndicationIndex()
    groups = [index.assign(articles[i]) for i in ("ferry-wire", "ferry-valley", "ferry-coastal", "ferry-northgate")]
    assert groups[0] == groups[1]
    assert len(set(groups)) == 3
    assert groups[2] == group_id_for("ferry-coastal")


def test_short_texts_group_only_when_exactly_equal() -> None:
    index = SyndicationIndex()
    a = normalize(Article(id="s1", title="Dam opens"))
    b = normalize(Article(id="s2", title="Dam  opens"))
    c = normalize(Article(id="s3", title="Dam closes"))
    assert index.assign(a) == index.assign(b) == group_id_for("s1")
    assert index.assign(c) == group_id_for("s3")


def test_restore_from_fingerprints_places_new_copies_as_the_original_index_would() -> None:
    articles = list(ferry().values())
    short = normalize(Article(id="short", title="Ferry fire: live updates"))
    original = SyndicationIndex()
    for article in [*articles, short]:
        original.assign(article)
    fingerprints = [original.fingerprint_of(a) for a in [*articles, short]]
    assert fingerprints[0].signature is not None and fingerprints[0].shingles > 100
    assert fingerprints[-1].signature is None  # too short for MinHash: kept by content hash only

    restored = SyndicationIndex()
    restored.restore(fingerprints)

    new_reprint = normalize(
        Article(
            id="late-reprint",
            title="Lorran ferry fire",
            text="\n\n".join([*FERRY_WIRE_PARAGRAPHS[1:], "Additional reporting by Ola Fenn."]),
        )
    )
    exact_short = normalize(Article(id="short-copy", title="Ferry fire: live updates"))
    unrelated = normalize(
        Article(id="unrelated", title="Library reopens", text=" ".join(f"Sentence {i} about books." for i in range(30)))
    )
    for article in (new_reprint, exact_short, unrelated):
        expected = original.assign(replace(article))
        assert restored.assign(article) == expected
    assert new_reprint.syndication_group == group_id_for("ferry-wire")
    assert exact_short.syndication_group == group_id_for("short")
    assert unrelated.syndication_group == group_id_for("unrelated")


def test_the_index_forgets_articles_too_old_to_have_a_copy_to_come() -> None:
    from datetime import timedelta

    wire = ferry()["ferry-wire"]
    assert wire.published is not None
    index = SyndicationIndex()
    index.assign(wire)
    # A copy a day later joins; then a month of other reports passes and the wire is forgotten.
    copy = replace(wire, id="ferry-copy-day-later", published=wire.published + timedelta(days=1))
    assert index.assign(copy) == group_id_for("ferry-wire")
    for day in range(30):
        other = replace(wire, id=f"other-{day}", text=f"Report {day} of the harbour fair.", content_hash=f"h{day}")
        index.assign(replace(other, published=wire.published + timedelta(days=day + 2)))
        index.cool_down()
    assert len(index) <= 2 * index.settings.window_days + 2
    assert group_id_for("ferry-wire") not in index.groups()
    late = replace(wire, id="ferry-copy-month-later", published=wire.published + timedelta(days=32))
    assert index.assign(late) == group_id_for("ferry-copy-month-later")  # a report of its own, as before


def test_of_two_equally_close_copies_in_two_groups_the_first_published_is_followed() -> None:
    """The wire, and the same text nine days later (too far apart to be one copy: a group of its own); a reprint
    with a new headline in between is as close to both. It joins the first published, whichever id sorts first and
    whatever order the LSH hands the candidates in (it changes with the ids' hashes: forty pairs of ids try it)."""
    from datetime import timedelta

    wire = ferry()["ferry-wire"]
    assert wire.published is not None
    for number in range(40):
        first = replace(wire, id=f"z-first-{number}")
        again = replace(wire, id=f"a-again-{number}", url="https://pinecrest.example/ferry")
        again.published = wire.published + timedelta(days=9)
        between = normalize(replace(wire, id=f"m-{number}", title="Ferry fire: the wire again", content_hash=None))
        between.published = wire.published + timedelta(days=4, hours=12)
        index = SyndicationIndex()
        assert index.assign(first) != index.assign(again)
        assert index.join(between) == (group_id_for(first.id), first.id)
        # The same articles handed over as fingerprints computed elsewhere give the same answer.
        other = SyndicationIndex()
        for article in (first, again):
            other.remember(replace(other.fingerprint_for(article), group=article.syndication_group or ""))
        assert other.join(between, other.fingerprint_for(between)) == (group_id_for(first.id), first.id)
