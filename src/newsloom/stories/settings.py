"""The story clusterer's settings (``[cluster]`` in the config file): light, so reading settings loads no model."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ClusterSettings:
    """Knobs of the story clusterer.

    The thresholds and the blend were chosen by the grid search of ``benchmarks/tune_clusters.py`` on the four
    development streams (full text, headlines, short texts, full text with neither headlines nor dates), for the
    smallest margin over the best peer on each, each stream also left out in turn; its latest table is in
    docs/benchmarks.md.
    """

    # "auto" (the default: MiniLM for a stream in English, the multilingual model when more than a fifth of its
    # first reports are in other languages), "minilm" (English sentence embeddings), "multilingual" (one space for
    # 16 languages), or "none": the fast path on terms and names alone, which needs no model.
    embedding: str = "auto"
    embedding_words: int = 150  # words of headline and lead embedded (MiniLM reads at most 128 tokens of them)
    threshold: float = 0.18  # lowest decayed cosine at which an article joins a story (terms alone)
    title_weight: float = 2.0  # a title word counts this many times a body word
    name_weight: float = 1.5  # a name counts this many times a body word
    text_terms: int = 400  # words read from the top of the body: the lead carries the event
    story_terms: int = 300  # terms kept per story description
    lookup_terms: int = 12  # the article's strongest terms used to find candidate stories
    posting_cap: int = 100  # terms posted under more hot stories than this are not used to find candidates
    max_candidates: int = 20  # stories found by shared terms that are scored (15-40 score alike; 12 splits more)
    grace_days: float = 2.0  # no time penalty within this gap
    decay_days: float = 7.0  # beyond the grace, the score falls by e every this many days...
    decay_floor: float = 0.6  # ...but never below this share: a strong match still joins across a long gap
    hot_days: float = 30.0  # stories not updated for longer leave the index
    unrelated_names: float = 0.6  # score factor when both sides name people or places and share none
    names_to_compare: int = 2  # names each side needs before a mismatch counts
    # Dense embeddings (when the article comes with one): the score blends the term cosine with the embedding
    # cosine, rescaled so that ``dense_floor`` (what two unrelated news texts score) counts as nothing.
    dense_threshold: float = 0.25  # the threshold when the article has an embedding
    dense_weight: float = 0.5  # the embedding's share of the match for a text the encoder reads whole
    # A longer text: the terms read more of it (up to ``text_terms`` words) than the encoder (about
    # ``embedding_words``), so the embedding's share falls linearly from ``dense_weight`` at ``embedding_words`` words
    # read to this at ``text_terms`` words. Headlines and snippets keep ``dense_weight``; full text gets this.
    dense_weight_full_text: float = 0.35
    dense_floor: float | None = None  # None: the encoder's own (``floor`` of ``newsloom.embeddings``' encoders)
    # A clear lead: an article joins the story it matches best from ``clear_reach`` under the threshold when that
    # story scores at least ``clear_lead`` above every other candidate (its nearest story stands out from the rest,
    # as a density view would see it). 0 turns it off.
    clear_lead: float = 0.1
    clear_reach: float = 0.05
    dense_candidates: int = 10  # stories nearest by embedding, added to those found by shared terms
    # The second look: stories that grew are compared with their nearest stories, and two that turn out to tell
    # one event merge (the smaller into the larger; the old id redirects to the survivor).
    merge_threshold: float = 0.35  # lowest story-to-story score to merge, terms alone (the fast path)
    dense_merge_threshold: float = 0.35  # the same when both stories have embeddings
    review_every: int = 32  # articles between two second looks
    merge_candidates: int = 5  # stories a grown story is compared with (by shared strong terms, and by embedding)
    # A story is compared with the others again once it has grown by this share since it was last compared (at
    # least one article): one more report changes a big story's profile little, and the look costs the same.
    review_growth: float = 0.25
    segment_terms: int = 100  # terms kept for a story's core and tail
    # The second look also splits a story that drifts: a story's core is its first ``split_core`` reports; its
    # latest ``split_segment`` reports are compared with that core, and if they no longer tell the same event they
    # leave as a story of their own (the core keeps the id). Below these scores the reports are another event.
    split_core: int = 8
    split_segment: int = 8
    split_threshold: float = 0.05  # terms alone (the fast path)
    dense_split_threshold: float = 0.1  # when both sides have embeddings
