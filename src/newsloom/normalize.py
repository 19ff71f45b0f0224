"""Normalize: clean text and fields, canonical URL, a stable id, language and sentences. Stateless."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import replace
from pathlib import PurePath
from typing import Any
from urllib.parse import urlsplit

from newsloom.model import Article
from newsloom.text.checks import id_problem, repair_unicode
from newsloom.text.clean import clean_line, clean_text, strip_outlet_suffix, title_from_text, without_title
from newsloom.text.language import detect_language, language_tag
from newsloom.text.sentences import split_sentences
from newsloom.text.terms import fold
from newsloom.text.urls import canonical_url

log = logging.getLogger(__name__)

MAX_TEXT_CHARS = 1_000_000
MAX_TITLE_CHARS = 1_000
MAX_URL_CHARS = 4_096
_URL_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TEXT_FIELDS = ("id", "title", "text", "url", "outlet", "language", "dek", "author", "origin")


class BadArticle(ValueError):
    """An article that cannot be stored as it is; the message says why."""


class EmptyArticle(BadArticle):
    """An article left with no title and no text once cleaned (or with more text than an article has)."""


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
    """A cleaned copy of the article; raises ``EmptyArticle`` when nothing readable is left and ``BadArticle`` for
    an id unfit to be a key. Text that is not valid Unicode is repaired, and a language that is no language tag
    dropped for the detected one; both with a warning, the article kept."""
    problem = id_problem(article.id)
    if problem:
        raise BadArticle(problem)
    article = valid_unicode(article)
    outlet = clean_line(article.outlet) or outlet_of(article)
    title = strip_outlet_suffix(clean_line(article.title), outlet)[:MAX_TITLE_CHARS]
    text = clean_text(article.text[: max_text_chars * 2])
    if not title:
        title, text = title_from_text(text)
    text = without_title(text, title)
    if len(text) > max_text_chars:
        raise EmptyArticle(f"text is {len(text):,} characters, over the {max_text_chars:,} limit")
    if not title and not text:
        raise EmptyArticle("no title or text left after cleaning (markup only?)")
    dek = clean_line(article.dek) or None
    if dek and (fold(dek) == fold(title) or fold(text).startswith(fold(dek))):
        dek = None  # a "description" that only repeats the title or the lead is no dek
    url = _fit_url(article)
    canonical = canonical_url(url)
    digest = content_hash(title, text)
    language = language_tag(article.language)
    if article.language and language is None:
        log.warning(
            "%s: language %r is no language tag; dropped, the language is detected",
            article.origin or article.id or "input",
            article.language[:40],
        )
    language = language or detect_language(f"{title}. {text[:2000]}")
    sentences = split_sentences(text, language)
    normalized = replace(
        article,
        title=title,
        text=text,
        dek=dek,
        outlet=outlet,
        url=url,
        author=clean_line(article.author) or None,
        canonical_url=canonical,
        content_hash=digest,
        language=language,
        sentences=sentences,
    )
    if not normalized.id:
        normalized.id = stable_id(normalized)
    return normalized


_ORIGIN_LINE = re.compile(r":\d+$")


def outlet_of(article: Article) -> str | None:
    """The outlet of an article that names none: its address's site ("meridianwire.example"), else the feed's or
    the file's it came from ("notes.txt"); None when nothing says."""
    for address in (article.url, article.origin):
        if address and "://" in address:
            try:
                host = (urlsplit(address.strip()).hostname or "").lower()
            except ValueError:  # not an address after all ("http://[::1")
                continue
            for prefix in ("www.", "m.", "amp."):
                host = host.removeprefix(prefix)
            if host:
                return host
    if article.origin:
        name = PurePath(_ORIGIN_LINE.sub("", article.origin)).name
        return clean_line(name) or None
    return None


def _fit_url(article: Article) -> str | None:
    """The article's address, or None (with a warning) when it is too long or holds control characters."""
    url = (article.url or "").strip()
    if len(url) > MAX_URL_CHARS or _URL_CONTROL.search(url):
        problem = "too long" if len(url) > MAX_URL_CHARS else "holds control characters"
        log.warning("%s: the article's url %s; dropped", article.origin or article.id or "input", problem)
        return None
    return url or None


def valid_unicode(article: Article) -> Article:
    """The article with every lone surrogate (which no UTF-8 text can hold) replaced by U+FFFD, and a warning."""
    repaired: dict[str, Any] = {}
    replaced = 0
    for name in _TEXT_FIELDS:
        value = getattr(article, name)
        if isinstance(value, str):
            fixed, count = repair_unicode(value)
            if count:
                repaired[name] = fixed
                replaced += count
    if not repaired:
        return article
    log.warning(
        "%s: %d lone surrogate%s (text that is not valid Unicode) in %s replaced with U+FFFD; the article is kept",
        repaired.get("origin", article.origin) or repaired.get("id", article.id) or "input",
        replaced,
        "" if replaced == 1 else "s",
        ", ".join(repaired),
    )
    return replace(article, **repaired)
