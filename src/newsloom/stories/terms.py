"""What the story desk reads of an article: its key terms and names, weighted, and the story id it would start."""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict

from newsloom.model import Article
from newsloom.stories.settings import ClusterSettings
from newsloom.text.clean import strip_dateline
from newsloom.text.terms import content_terms, fold, is_title_case, names


def story_id_for(article_id: str) -> str:
    """Story ids derive from the first article's id: the same stream gives the same ids."""
    return "st-" + hashlib.sha1(article_id.encode("utf-8")).hexdigest()[:10]


def describe(article: Article, settings: ClusterSettings) -> dict[str, float]:
    """An article's term weights before IDF: sublinear counts of title words, body words and names."""
    counts: defaultdict[str, float] = defaultdict(float)
    for term in content_terms(article.title):
        counts[term] += settings.title_weight
    lead = "\n\n".join(strip_dateline(p) for p in article.text.split("\n\n", 3))
    body = " ".join(lead.split()[: settings.text_terms])
    for term in content_terms(body):
        counts[term] += 1.0
    # Names are told by capitals, which mean nothing in Title Case Headlines or lower-cased text.
    if _capitals_are_meaningful(body):
        headline = "" if is_title_case(article.title) else f"{article.title}.\n"
        outlet = fold(article.outlet or "")
        for name, count in names(headline + body).items():
            if not outlet or name not in outlet:  # an outlet naming itself says nothing of the event
                counts["@" + name] += settings.name_weight * count
    weights = {term: 1.0 + math.log(count) if count >= 1 else count for term, count in counts.items()}
    norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
    return {term: w / norm for term, w in weights.items()}


def words_read(article: Article, settings: ClusterSettings) -> int:
    """How many words of the article the story desk reads (its body up to ``text_terms``; a bare headline's)."""
    words = len(article.text.split()) or len(article.title.split())
    return min(words, settings.text_terms)


def _capitals_are_meaningful(text: str) -> bool:
    return not is_title_case(text[:300]) and any(ch.isupper() for ch in text[:2000])


def description_names(description: dict[str, float]) -> list[str]:
    """The people, places and organisations among an article's terms (``@`` terms)."""
    return [term for term in description if term.startswith("@")]
