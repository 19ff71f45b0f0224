"""Normalize: clean text and fields, canonical URL, a stable id, language and sentences. Stateless."""

from __future__ import annotations

import hashlib
from dataclasses import replace

from newsloom.model import Article
from newsloom.text.clean import clean_line, clean_text, strip_outlet_suffix
from newsloom.text.language import detect_language
from newsloom.text.sentences import split_sentences
from newsloom.text.terms import fold
from newsloom.text.urls import canonical_url

MAX_TEXT_CHARS = 1_000_000
MAX_TITLE_CHARS = 1_000


class EmptyArticle(ValueError):
    """An article left with no title and no text once cleaned."""


def content_hash(title: str, text: str) -> str:
    """Hash of the folded words of title and text: the same copy with other spacing or markup hashes alike."""
    folded = " ".join(fold(f"{title}\n{text}").split())
    return hashlib.sha1(folded.encode("utf-8")).hexdigest()


def stable_id(article: Article) -> str:
    """The id an article without one gets: from its canonical URL, else from its content."""
    if article.canonical_url:
        return "u-" + hashlib.sha1(article.canonical_url.encode("utf-8")).hexdigest()[:16]
    return "h-" + (article.content_hash or content_hash(article.title, article.text))[:16]


def normalize(article: Article, max_text_chars: int = MAX_TEXT_CHARS) -> Article:
    """A cleaned copy of the article; raises ``EmptyArticle`` when nothing readable is left."""
    outlet = clean_line(article.outlet) or None
    title = strip_outlet_suffix(clean_line(article.title), outlet)[:MAX_TITLE_CHARS]
    text = clean_text(article.text[: max_text_chars * 2])
    if len(text) > max_text_chars:
        raise EmptyArticle(f"text is {len(text):,} characters, over the {max_text_chars:,} limit")
    if not title and not text:
        raise EmptyArticle("no title or text left after cleaning (markup only?)")
    dek = clean_line(article.dek) or None
    if dek and (fold(dek) == fold(title) or fold(text).startswith(fold(dek))):
        dek = None  # a "description" that only repeats the title or the lead is no dek
    canonical = canonical_url(article.url)
    digest = content_hash(title, text)
    language = article.language or detect_language(f"{title}. {text[:2000]}")
    sentences = split_sentences(text)
    normalized = replace(
        article,
        title=title,
        text=text,
        dek=dek,
        outlet=outlet,
        author=clean_line(article.author) or None,
        canonical_url=canonical,
        content_hash=digest,
        language=language,
        sentences=sentences,
    )
    if not normalized.id:
        normalized.id = stable_id(normalized)
    return normalized
