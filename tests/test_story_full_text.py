"""The story stage on full text: the embedding's share falls with the length of a report, and a clear lead joins."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from newsloom.embeddings import HashedEncoder
from newsloom.model import Article
from newsloom.normalize import normalize
from newsloom.stories.clusterer import StoryClusterer
from newsloom.stories.settings import ClusterSettings
from newsloom.stories.terms import words_read

WHEN = datetime(2031, 5, 12, 8, tzinfo=UTC)

FERRY = (
    "The night ferry Gull of Marrow ran aground on the Skerrin reef off Port Halden on Sunday, and the coastguard "
    "lifted forty passengers from its deck before dawn. The harbour master of Port Halden said the ferry had left "
    "its lane in fog. Divers from Halden inspected the hull of the Gull of Marrow on Monday."
)
FERRY_AGAIN = (
    "Divers found a long gash in the hull of the Gull of Marrow, the ferry that struck the Skerrin reef near Port "
    "Halden, and the ferry company kept its sister ship in port while the coastguard asks how it left the lane."
)
ORCHARD = (
    "Apple growers in the Vell valley began the harvest a week early after a warm spring, and the cooperative of "
    "Vell said the crop would be the largest in a decade, with cider presses working through the weekend."
)
# A long report: the same event told at length, as full-text feeds carry it (well over ``text_terms`` words).
LONG = " ".join(
    [FERRY_AGAIN]
    + [
        f"Passenger {n} of the Gull of Marrow told the Halden Courier that the crew handed out blankets on deck "
        f"while the coastguard boats came alongside in the fog, and that the reef was lit by searchlights."
        for n in range(1, 16)
    ]
)


def report(article_id: str, text: str, title: str = "") -> Article:
    return normalize(Article(id=article_id, title=title, text=text, published=WHEN, language="en"))


def test_a_full_text_report_is_matched_by_its_terms_more_than_by_its_embedding() -> None:
    # With no embedding share for full text, a long report scores exactly its term cosine; a short one still
    # blends in its embedding.
    encoder = HashedEncoder()
    settings = ClusterSettings(dense_weight=0.5, dense_weight_full_text=0.0)
    clusterer = StoryClusterer(settings)
    first = report("ferry-1", FERRY, "Night ferry runs aground off Port Halden")
    story = clusterer.assign(first, embedding=encoder.encode([FERRY])[0])
    long, short = report("ferry-long", LONG), report("ferry-short", FERRY_AGAIN)
    assert words_read(long, settings) == settings.text_terms
    assert words_read(short, settings) < settings.embedding_words
    long_vector, short_vector = encoder.encode([LONG, FERRY_AGAIN])
    assert clusterer.score(long, story, long_vector) == clusterer.score(long, story)
    assert clusterer.score(short, story, short_vector) != clusterer.score(short, story)


def test_a_story_keeps_the_words_read_of_its_reports() -> None:
    settings = ClusterSettings(embedding="none")
    clusterer = StoryClusterer(settings)
    first = report("ferry-1", FERRY, "Night ferry runs aground off Port Halden")
    story = clusterer.assign(first)
    clusterer.assign(report("ferry-long", LONG), follow=story)
    state = clusterer.stories[story].to_state()
    assert state["words"] == len(FERRY.split()) + settings.text_terms
    restored = StoryClusterer(settings)
    restored.restore(clusterer.documents, clusterer.latest, clusterer.document_frequency, [(story, state)])
    assert restored.stories[story].mean_words() == (len(FERRY.split()) + settings.text_terms) / 2


def test_two_stories_merged_keep_the_words_read_of_all_their_reports() -> None:
    settings = ClusterSettings(embedding="none")
    clusterer = StoryClusterer(settings)
    story = clusterer.assign(report("ferry-1", FERRY, "Night ferry runs aground off Port Halden"))
    other = clusterer.assign(report("ferry-long", LONG), follow="st-other")
    clusterer._merge(clusterer.stories[other], clusterer.stories[story])
    assert clusterer.stories[story].mean_words() == (len(FERRY.split()) + settings.text_terms) / 2


def _history(settings: ClusterSettings, rival: bool) -> tuple[StoryClusterer, str]:
    clusterer = StoryClusterer(settings)
    story = clusterer.assign(report("ferry-1", FERRY, "Night ferry runs aground off Port Halden"))
    clusterer.assign(report("orchard-1", ORCHARD, "Early apple harvest in the Vell valley"))
    if rival:  # another story that tells the ferry just as well: the nearest story no longer stands out
        clusterer.assign(report("ferry-1-copy", FERRY, "Night ferry runs aground off Port Halden"), follow="st-rival")
    return clusterer, story


def test_an_article_joins_a_story_that_clearly_leads_a_little_under_the_threshold() -> None:
    probe, story = _history(ClusterSettings(embedding="none"), rival=False)
    score = probe.score(report("ferry-2", FERRY_AGAIN), story)
    assert 0.1 < score < 0.9
    # The threshold just above the article's score: it joins only by its clear lead, from clear_reach under. (Its
    # score when placed is a little lower than the probe's: placing it first counts its words in the IDF.)
    near = dict(embedding="none", threshold=score + 0.01, clear_reach=0.1)
    without, story = _history(ClusterSettings(**near, clear_lead=0.0), rival=False)
    assert without.assign(report("ferry-2", FERRY_AGAIN)) != story
    lead, story = _history(ClusterSettings(**near, clear_lead=0.1), rival=False)
    assert lead.assign(report("ferry-2", FERRY_AGAIN)) == story
    # A rival as near as the story: no clear lead, so the article starts a story of its own.
    rivals, story = _history(ClusterSettings(**near, clear_lead=0.1), rival=True)
    placed = rivals.assign(report("ferry-2", FERRY_AGAIN))
    assert placed not in (story, "st-rival")
    # Out of reach (the threshold further above the score than clear_reach): no join, lead or not.
    far, story = _history(dataclasses.replace(ClusterSettings(**near, clear_lead=0.1), threshold=score + 0.2), False)
    assert far.assign(report("ferry-2", FERRY_AGAIN)) != story
