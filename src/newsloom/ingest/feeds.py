"""Feeds: RSS 0.9x, 1.0 (RDF) and 2.0 and Atom through feedparser, JSON Feed 1.0 and 1.1 read directly.

``parse_feed`` works on bytes already fetched and never touches the network or the file system. Each entry becomes
one raw ``Article``; what was odd about the feed but did not stop it being read is listed in
``ParsedFeed.problems``, and an entry that could not be read at all is a ``Rejected`` in ``ParsedFeed.rejected``,
for the quarantine. A body that is not a feed at all, or that must not be parsed (too large, declaring XML
entities, JSON nested deeper than any feed), raises ``FeedError``; nothing else escapes.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import json
import logging
import re
import time
import xml.sax
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser

from newsloom.model import Article, Rejected
from newsloom.text.checks import JSONTooDeep, load_json, lone_surrogates, repair_unicode
from newsloom.text.clean import clean_line, clean_text
from newsloom.text.dates import UnreadableDate, parse_date

log = logging.getLogger(__name__)

MAX_FEED_BYTES = 20 * 1024 * 1024
MAX_ENTRIES = 5000
FUTURE_TOLERANCE = timedelta(days=1)  # clocks and time zones are sloppy; beyond a day a date is wrong
_SNIFF_BYTES = 64 * 1024
# What a feed is asked for with: the feed formats first, any XML next, anything else last (a home page to search).
FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, */*;q=0.5"

_JSON_FEED_VERSION = re.compile(r"^https?://jsonfeed\.org/version/1(\.\d+)?/?$")
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json")
_FEED_ROOTS = frozenset({"rss", "feed", "rdf", "channel"})
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)
_HTML_DOCTYPE = re.compile(r"<!DOCTYPE\s+html", re.IGNORECASE)
_CUT_OFF = re.compile(r"\s*(?:\[(?:…|\.\.\.)\]|…|\.\.\.)$")
_ENTRY_END = re.compile(rb"</(?:[\w-]+:)?(?:item|entry)\s*>")
# Skips what may come before the root element: whitespace, the XML declaration and other processing
# instructions, comments, and a DOCTYPE with or without an internal subset.
_PROLOG_PART = re.compile(r"\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^\[>]*(?:\[.*?\]\s*)?>", re.DOTALL | re.IGNORECASE)
_ROOT = re.compile(r"<([A-Za-z_][\w.\-]*(?::[\w.\-]+)?)")
_CHARACTER_REFERENCE = re.compile(rb"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")


class FeedError(ValueError):
    """A body that cannot be read as a feed; the message says what is wrong and, where it helps, what to do."""


@dataclass
class ParsedFeed:
    """A feed read into articles, with what was wrong with it but did not stop it being read."""

    title: str | None
    site_url: str | None
    kind: str
    articles: list[Article] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)  # entries that could not be read at all


@dataclass
class _Entry:
    """One feed entry's fields, whatever the format, before it becomes an article."""

    title: str = ""
    content: str = ""
    summary: str = ""
    link: str | None = None
    guid: str | None = None
    outlet: str | None = None
    published: datetime | None = None
    author: str | None = None
    language: str | None = None


def parse_feed(
    body: bytes,
    url: str,
    content_type: str | None = None,
    *,
    max_entries: int = MAX_ENTRIES,
    max_bytes: int = MAX_FEED_BYTES,
    now: datetime | None = None,
) -> ParsedFeed:
    """The feed in ``body`` (fetched from ``url``) as articles in feed order; raises ``FeedError``."""
    if len(body) > max_bytes:
        raise FeedError(
            f"the feed is {len(body):,} bytes, over the {max_bytes:,}-byte limit; "
            "if it is genuine, raise the limit (max_bytes)"
        )
    if not body.strip():
        raise FeedError("the response is empty: there is no feed to read")
    now = now or datetime.now(UTC)
    now = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
    try:
        return _parse(body, url, content_type, max_entries, now)
    except FeedError:
        raise
    except Exception as error:
        # The last line of defence: a feed no rule foresaw fails as a feed, with a reason, and the round goes on.
        log.exception("%s: unexpected error while reading the feed", url)
        raise FeedError(f"the feed could not be read ({type(error).__name__}: {str(error)[:200]})") from error


def _parse(body: bytes, url: str, content_type: str | None, max_entries: int, now: datetime) -> ParsedFeed:
    if _is_json(body, content_type):
        feed, entries, problems = _read_json_feed(body, url)
    else:
        feed, entries, problems = _read_xml_feed(body, url, content_type)
    if len(entries) > max_entries:
        problems.append(f"{len(entries) - max_entries:,} entries over the {max_entries:,}-entry cap were left out")
        entries = entries[:max_entries]
    for index, entry in entries:
        try:
            feed.articles.append(_article(entry, index, url, now, problems))
        except Exception as error:
            feed.rejected.append(_unreadable(url, index, error))
    if feed.title:
        feed.title, replaced = repair_unicode(feed.title)
        if replaced:
            problems.append(
                f"the feed's title holds text that is not valid Unicode: {replaced} lone surrogates replaced"
            )
    if feed.site_url and lone_surrogates(feed.site_url):
        feed.site_url = None
        problems.append("the feed's site address holds text that is not valid Unicode; left out")
    feed.problems = problems
    log.debug("%s: %s feed, %d entries, %d problems", url, feed.kind, len(feed.articles), len(problems))
    return feed


def _unreadable(url: str, index: int, error: Exception) -> Rejected:
    """An entry that could not be read, for the quarantine; the rest of the feed goes on."""
    log.warning("%s: entry %d could not be read (%s: %s)", url, index, type(error).__name__, error)
    return Rejected(f"{url}#entry-{index}", f"unreadable feed entry ({type(error).__name__}: {str(error)[:200]})")


def looks_like_feed(body: bytes, content_type: str | None = None) -> bool:
    """Whether the body is probably a feed (RSS, Atom, RDF, JSON Feed) rather than a page; a cheap sniff."""
    head = _decode_head(body)
    start = head.lstrip("\ufeff \t\r\n")
    if not start:
        return False
    if start.startswith("{"):
        return b"jsonfeed.org/version" in body or _media_type(content_type) == "application/feed+json"
    root = _root_element(head)
    if root is not None:
        return root.rsplit(":", 1)[-1].lower() in _FEED_ROOTS
    return _media_type(content_type) in _FEED_TYPES


# -- XML feeds (feedparser) --------------------------------------------------------------------------------------
def _read_xml_feed(
    body: bytes, url: str, content_type: str | None
) -> tuple[ParsedFeed, list[tuple[int, _Entry]], list[str]]:
    _refuse_entities(body)
    body, references = _repair_references(body)
    headers = {"content-type": content_type} if content_type else {}
    # Bytes in a BytesIO: a str could be taken for a URL or a path. No Content-Location header, so feedparser
    # leaves relative links as written and a guid that is no URL can be told from a link (see _entry_link).
    parsed = feedparser.parse(io.BytesIO(body), response_headers=headers)
    data = parsed.get("feed", {})
    raw_entries: list[Any] = list(parsed.get("entries", []))
    title = clean_line(data.get("title")) or None
    problems: list[str] = []
    error = parsed.get("bozo_exception") if parsed.get("bozo") else None

    if not raw_entries and not title and _looks_like_html(body):
        raise FeedError(
            "this is an HTML page, not a feed: try `newsloom feeds add` with the page URL to discover its feed"
        )
    if isinstance(error, feedparser.CharacterEncodingOverride):
        problems.append(f"the feed's declared character encoding is wrong ({error}); {_entries(len(raw_entries))} read")
    elif isinstance(error, feedparser.NonXMLContentType):
        problems.append(f"served as {_media_type(content_type) or 'an unknown type'}, not as a feed; read anyway")
    elif error is not None:
        where = _error_position(error)
        complete = len(_ENTRY_END.findall(body))
        if complete < len(raw_entries):
            # The body was cut off mid-entry: the last entries are partial and would be stored half-written.
            for index in range(complete + 1, len(raw_entries) + 1):
                problems.append(f"entry {index}: cut off by the end of the feed; left out")
            raw_entries = raw_entries[:complete]
        if not raw_entries:
            raise FeedError(f"the feed is not well-formed XML ({where}) and no entries could be read from it")
        problems.insert(0, f"feed is not well-formed XML ({where}); {_entries(len(raw_entries))} recovered")

    version = str(parsed.get("version") or "")
    if not version and not raw_entries:
        if (_root_element(_decode_head(body)) or "").lower() == "opml":
            raise FeedError("this is an OPML list of feeds, not a feed: import it to follow the feeds it lists")
        raise FeedError(
            f"this is not a feed (the document starts with <{_root_element(_decode_head(body)) or '?'}>): "
            "newsloom reads RSS, Atom, RSS 1.0 (RDF) and JSON Feed"
        )
    if references:
        problems.append(f"{references:,} character references to no character (like &#xD800;) read as U+FFFD")
    language = _language(data.get("language"))
    site_url = _web_link(data.get("link"), url)
    feed = ParsedFeed(title=title, site_url=site_url, kind=_kind(version, body), articles=[], problems=[])
    entries: list[tuple[int, _Entry]] = []
    for index, raw in enumerate(raw_entries, 1):
        try:
            entries.append((index, _xml_entry(raw, index, url, title, language, problems)))
        except Exception as error:
            feed.rejected.append(_unreadable(url, index, error))
    return feed, entries, problems


def _xml_entry(
    raw: Mapping[str, Any], index: int, url: str, feed_title: str | None, language: str | None, problems: list[str]
) -> _Entry:
    contents = [c.get("value", "") for c in raw.get("content") or [] if c.get("value", "").strip()]
    source = raw.get("source") or {}
    published = None
    for name in ("published", "updated"):
        parsed_time = raw.get(f"{name}_parsed")
        if parsed_time is not None:
            published = _from_struct_time(parsed_time)
            break
        if raw.get(name):
            problems.append(f"entry {index}: unreadable date {raw[name]!r}; kept without a date")
            break
    names = [a.get("name", "").strip() for a in raw.get("authors") or [] if isinstance(a, Mapping)]
    author = ", ".join(n for n in names if n) or raw.get("author") or None
    return _Entry(
        title=raw.get("title") or "",
        content=contents[0] if contents else "",
        summary=raw.get("summary") or "",
        link=_entry_link(raw, index, url, problems),
        guid=(raw.get("id") or "").strip() or None,
        outlet=clean_line(source.get("title")) or feed_title,
        published=published,
        author=author,
        language=language,
    )


def _entry_link(raw: Mapping[str, Any], index: int, url: str, problems: list[str]) -> str | None:
    alternates = [link.get("href") for link in raw.get("links") or [] if link.get("rel", "alternate") == "alternate"]
    written = next((href for href in alternates if href), None)
    if written is None and raw.get("guidislink") and raw.get("link"):
        # feedparser makes a guid the link when there is no <link>; only a guid that is a full web address is one.
        guid = str(raw["link"]).strip()
        return guid if urlsplit(guid).scheme in ("http", "https") else None
    if written is None:
        return None
    link = _web_link(written, url)
    if link is None:
        problems.append(f"entry {index}: link {written[:80]!r} is not a web address; left out")
    return link


def _repair_references(body: bytes) -> tuple[bytes, int]:
    """The body with each character reference to no character (a lone surrogate like ``&#xD800;``, or a number
    past U+10FFFF), on which the feed parser stumbles, made ``&#xFFFD;``; and how many there were."""
    if b"&#" not in body:
        return body, 0
    repaired = 0

    def repair(match: re.Match[bytes]) -> bytes:
        nonlocal repaired
        hexadecimal, decimal = match.groups()
        digits = (hexadecimal or decimal).lstrip(b"0")
        code = int(digits or b"0", 16 if hexadecimal else 10) if len(digits) <= 8 else 0x110000
        if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
            repaired += 1
            return b"&#xFFFD;"
        return match.group()

    return _CHARACTER_REFERENCE.sub(repair, body), repaired


def _refuse_entities(body: bytes) -> None:
    """Raise before any parser sees a DOCTYPE that declares entities (billion laughs and friends)."""
    text = body
    if body[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(body) > 3 and 0 in body[:4]):
        # UTF-16 or UTF-32: the markup is not ASCII bytes; scanning the decoded text is still linear.
        text = _decode_head(body, len(body)).encode("utf-8", "replace")
    # Searched in the whole body, not only the prolog: cheap, and no real feed carries both strings in its text.
    doctype = _DOCTYPE.search(text)
    if doctype and _ENTITY.search(text, doctype.end()):
        raise FeedError("the feed declares XML entities; newsloom refuses them (entity expansion attacks)")


def _kind(version: str, body: bytes) -> str:
    if version in ("rss090", "rss10"):
        return "rdf"
    if version.startswith("atom"):
        return "atom"
    if version:
        return "rss"
    root = (_root_element(_decode_head(body)) or "").rsplit(":", 1)[-1].lower()
    return {"feed": "atom", "rdf": "rdf"}.get(root, "rss")


def _error_position(error: BaseException) -> str:
    if isinstance(error, xml.sax.SAXParseException):
        return f"line {error.getLineNumber()}, column {error.getColumnNumber()}: {error.getMessage()}"
    return str(error) or type(error).__name__


def _from_struct_time(value: time.struct_time) -> datetime:
    return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)


# -- JSON Feed ---------------------------------------------------------------------------------------------------
def _read_json_feed(body: bytes, url: str) -> tuple[ParsedFeed, list[tuple[int, _Entry]], list[str]]:
    try:
        data = load_json(body.decode(json.detect_encoding(body)))
    except JSONTooDeep as error:
        raise FeedError(f"the JSON Feed is not a feed newsloom reads: {error}") from error
    except json.JSONDecodeError as error:
        raise FeedError(
            f"the JSON Feed is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from error
    except UnicodeDecodeError as error:
        raise FeedError(f"the JSON Feed is not UTF-8 text ({error.reason} at byte {error.start})") from error
    version = data.get("version") if isinstance(data, dict) else None
    if not isinstance(version, str) or not _JSON_FEED_VERSION.match(version.strip()):
        raise FeedError(
            "this is JSON but not a JSON Feed: its 'version' should be https://jsonfeed.org/version/1.1 "
            f"(found {version!r})"
        )
    items = data.get("items")
    if not isinstance(items, list):
        raise FeedError("the JSON Feed has no 'items' list; every JSON Feed must have one, even if empty")
    title = clean_line(_text(data.get("title"))) or None
    language = _language(_text(data.get("language")))
    feed_authors = _json_authors(data)
    feed = ParsedFeed(title=title, site_url=_web_link(_text(data.get("home_page_url")), url), kind="json")
    problems: list[str] = []
    entries: list[tuple[int, _Entry]] = []
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            problems.append(f"entry {index}: not a JSON object but {type(item).__name__}; left out")
            continue
        try:
            entries.append((index, _json_entry(item, index, url, title, language, feed_authors, problems)))
        except Exception as error:
            feed.rejected.append(_unreadable(url, index, error))
    return feed, entries, problems


def _json_entry(
    item: Mapping[str, Any],
    index: int,
    url: str,
    feed_title: str | None,
    language: str | None,
    feed_authors: str | None,
    problems: list[str],
) -> _Entry:
    published = None
    for name in ("date_published", "date_modified"):
        if item.get(name) in (None, ""):
            continue
        try:
            published = parse_date(item[name])
        except UnreadableDate:
            problems.append(f"entry {index}: unreadable date {item[name]!r}; kept without a date")
        break
    written = _text(item.get("url"))
    link = _web_link(written, url)
    if written and link is None:
        problems.append(f"entry {index}: link {written[:80]!r} is not a web address; left out")
    raw_id = item.get("id")
    guid = str(raw_id).strip() if isinstance(raw_id, (str, int, float)) and not isinstance(raw_id, bool) else ""
    return _Entry(
        title=_text(item.get("title")),
        content=_text(item.get("content_html")) or _text(item.get("content_text")),
        summary=_text(item.get("summary")),
        link=link,
        guid=guid or None,
        outlet=feed_title,
        published=published,
        author=_json_authors(item) or feed_authors,
        language=_language(_text(item.get("language"))) or language,
    )


def _json_authors(obj: Mapping[str, Any]) -> str | None:
    """Names from JSON Feed 1.1 ``authors`` or 1.0 ``author``."""
    people = obj.get("authors")
    if not isinstance(people, list):
        people = [obj.get("author")]
    names = [_text(p.get("name")).strip() for p in people if isinstance(p, Mapping)]
    return ", ".join(n for n in names if n) or None


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _is_json(body: bytes, content_type: str | None) -> bool:
    first = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if first in (b"{", b"<"):
        return first == b"{"  # what the body is beats what the server says it is
    return "json" in _media_type(content_type)


# -- entries to articles -----------------------------------------------------------------------------------------
def _article(entry: _Entry, index: int, url: str, now: datetime, problems: list[str]) -> Article:
    published = entry.published
    if published is not None and published > now + FUTURE_TOLERANCE:
        problems.append(f"entry {index}: date in the future ({published.isoformat()}); kept without a date")
        published = None
    text, dek = entry.content, None
    if not text:
        text = entry.summary
    elif entry.summary and _distinct(entry.summary, text):
        dek = entry.summary
    article_id = ""  # normalize derives it from the canonical link
    if entry.link is None:
        key = entry.guid or clean_line(entry.title)
        if key:
            article_id = "f-" + hashlib.sha1((url + key).encode("utf-8")).hexdigest()[:16]
        if not entry.guid:
            kept_by = "its title" if key else "its content"
            problems.append(f"entry {index}: no link or id; kept by {kept_by}")
    return Article(
        id=article_id,
        title=entry.title,
        text=text,
        url=entry.link,
        outlet=entry.outlet,
        published=published,
        language=entry.language,
        dek=dek,
        author=entry.author,
        origin=f"{url}#entry-{index}",
    )


def _distinct(summary: str, content: str) -> bool:
    """Whether a summary says something other than the opening of the full content."""
    # Blogs publish the first words of the post as its summary, cut mid-sentence and ended with "[…]".
    short = _CUT_OFF.sub("", " ".join(clean_text(summary).split()))
    full = " ".join(clean_text(content).split())
    return bool(short) and not full.startswith(short)


# -- small helpers -----------------------------------------------------------------------------------------------
def _web_link(link: str | None, base: str) -> str | None:
    """The link made absolute against ``base``; None unless it is http(s)."""
    if not link or not link.strip():
        return None
    try:
        absolute = urljoin(base, link.strip())
        parts = urlsplit(absolute)
    except ValueError:
        return None
    return absolute if parts.scheme in ("http", "https") and parts.netloc else None


def _language(tag: str | None) -> str | None:
    """'en-GB' -> 'en': the primary language, as language detection gives it."""
    primary = re.split(r"[-_]", (tag or "").strip(), maxsplit=1)[0].lower()
    return primary if re.fullmatch(r"[a-z]{2,3}", primary) else None


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _decode_head(body: bytes, size: int = _SNIFF_BYTES) -> str:
    """The start of the body as text, good enough to look at markup."""
    head = body[:size]
    for bom, codec in ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be")):
        if head.startswith(bom):
            return head.decode(codec, "replace")
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return head.decode("utf-16", "replace")
    if head[:2] == b"<\x00":
        return head.decode("utf-16-le", "replace")
    if head[:2] == b"\x00<":
        return head.decode("utf-16-be", "replace")
    return head.decode("utf-8", "replace")


def _root_element(head: str) -> str | None:
    """The name of the first element after the prolog, if the head of the document shows it."""
    position = 1 if head.startswith("\ufeff") else 0
    while match := _PROLOG_PART.match(head, position):
        position = match.end()
    root = _ROOT.match(head, position)
    return root.group(1) if root else None


def _entries(count: int) -> str:
    return f"{count:,} {'entry' if count == 1 else 'entries'}"


def _looks_like_html(body: bytes) -> bool:
    head = _decode_head(body, 4096)
    root = (_root_element(head) or "").lower()
    return root in ("html", "head", "body") or bool(_HTML_DOCTYPE.search(head))
