"""One record (a JSON object, a CSV row) to an ``Article``, whatever the names its writer gave the fields.

The article contract (docs/formats.md) names ``id``, ``title``, ``text``, ``url``, ``source``, ``published`` and
``language``; news-please (``maintext``, ``date_publish``, ``source_domain``), NewsAPI (``source: {name}``,
``publishedAt``) and common feed exports use other names for the same things, which are read too.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from newsloom.model import Article
from newsloom.text.checks import id_problem
from newsloom.text.dates import UnreadableDate, parse_date
from newsloom.text.language import language_tag

log = logging.getLogger(__name__)

FIELD_NAMES: dict[str, tuple[str, ...]] = {
    "id": ("id", "article_id", "guid", "uuid", "dId"),
    "title": ("title", "headline"),
    "text": ("text", "maintext", "body", "content", "article", "full_text"),
    "url": ("url", "link", "canonical_url", "article_url"),
    "outlet": ("source", "outlet", "publisher", "source_name", "site_name", "source_domain", "feed_title"),
    "published": (
        "published",
        "date_publish",
        "published_at",
        "publishedAt",
        "pubDate",
        "date",
        "datetime",
        "timestamp",
        "time",
        "date_published",
    ),
    "language": ("language", "lang"),
    "dek": ("dek", "subtitle", "subheadline", "standfirst", "description", "summary"),
    "author": ("author", "authors", "byline"),
}


# The fields a list of strings may give: paragraphs of text (news-please, some exports) or the names of authors. An
# id, a headline or an address given as a list is no id, headline or address.
_LISTS = frozenset({"text", "dek", "author"})


class BadRecord(ValueError):
    """A record that cannot become an article; the message says why and how to fix it."""


def _first(record: Mapping[str, Any], names: tuple[str, ...]) -> Any:
    for name in names:
        value = record.get(name)
        if value not in (None, "", [], {}):
            return value
    return None


def _as_text(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list) and field in _LISTS and all(isinstance(v, str) for v in value):
        return ", ".join(value) if field == "author" else "\n\n".join(value)
    if isinstance(value, Mapping) and isinstance(value.get("name"), str):
        return str(value["name"])
    raise BadRecord(f"field '{field}' should be text, got {type(value).__name__}")


def article_from_record(record: Any, origin: str = "") -> Article:
    """Map one record to an ``Article``; raises ``BadRecord`` when it has neither title nor text, or an id unfit
    to be a key. A language that is no language tag is dropped (and detected later), with a warning."""
    if not isinstance(record, Mapping):
        raise BadRecord(f"expected a JSON object with 'title' or 'text', got {type(record).__name__}")
    values = {field: _as_text(_first(record, names), field) for field, names in FIELD_NAMES.items()}
    text = values["text"]
    dek = values["dek"]
    if not text and dek:
        text, dek = dek, None  # a feed entry with only a summary: the summary is all the text there is
    if not (values["title"] or "").strip() and not (text or "").strip():
        raise BadRecord("no 'title' or 'text': an article needs at least one of them")
    article_id = (values["id"] or "").strip()
    problem = id_problem(article_id)
    if problem:
        raise BadRecord(f"{problem}; give each article a short id without control characters")
    published = None
    raw_date = _first(record, FIELD_NAMES["published"])
    try:
        published = parse_date(raw_date)
    except UnreadableDate as error:
        log.warning("%s: %s; the article is kept without a publication time", origin or "input", error)
    language = language_tag(values["language"])
    if language is None and (values["language"] or "").strip():
        log.warning(
            "%s: language %s is no language tag (like 'en' or 'pt-BR'); dropped, the language will be detected",
            origin or "input",
            _shown(values["language"]),
        )
    return Article(
        id=article_id,
        title=values["title"] or "",
        text=text or "",
        url=values["url"],
        outlet=values["outlet"],
        published=published,
        language=language,
        dek=dek,
        author=values["author"],
        origin=origin or None,
    )


def _shown(value: str | None) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else f"{shown[:60]}… ({len(shown):,} characters)"
