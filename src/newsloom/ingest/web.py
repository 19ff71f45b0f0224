"""News pages: the article on a page (full text and metadata), its canonical link, and the feeds it points to.

Pure functions over HTML already fetched; the text extraction is trafilatura's, the metadata of the page head is read
here with the standard library's HTML parser.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import trafilatura
from trafilatura.settings import Document

from newsloom.model import Article
from newsloom.text.clean import clean_line
from newsloom.text.dates import UnreadableDate, parse_date

log = logging.getLogger(__name__)

MAX_PAGE_BYTES = 10 * 1024 * 1024
MIN_ARTICLE_WORDS = 40
MIN_PARAGRAPH_WORDS = 20  # a page of headlines and menus has many words but no paragraph of prose
FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/feed+json", "application/json"})
# Page metadata that names the publication time, most specific first.
_PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.issued",
    "pubdate",
    "publishdate",
    "publish-date",
)
_CHUNK = 64 * 1024
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?([A-Za-z0-9_\-:.]+)""", re.IGNORECASE)


class PageError(ValueError):
    """A page with no article newsloom can read; the message says why."""


def extract_article(html: bytes | str, url: str) -> Article:
    """The article on a news page: full text and metadata; raises ``PageError`` when there is none, and for any
    page the extraction cannot take (nothing else escapes)."""
    _check_size(html)
    try:
        return _extract(html, url)
    except PageError:
        raise
    except Exception as error:
        # The last line of defence: a page no rule foresaw is a page without an article, and the rest goes on.
        log.exception("%s: unexpected error while extracting the article", url)
        raise PageError(f"the page could not be read ({type(error).__name__}: {str(error)[:200]})") from error


def _extract(html: bytes | str, url: str) -> Article:
    page = _decode(html)
    head = _read_head(page)
    document = trafilatura.bare_extraction(
        page,
        url=url,
        with_metadata=True,
        include_comments=False,
        # Dates from the page's markup only: guessing from its text takes a copyright year for a publication date.
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    if not isinstance(document, Document) or not document.text:
        raise PageError("no article text found on the page")
    title = clean_line(document.title or head.meta.get("og:title") or head.title)
    text = _paragraphs(document.text, title)
    words = len(text.split())
    if words < MIN_ARTICLE_WORDS or not any(len(p.split()) >= MIN_PARAGRAPH_WORDS for p in text.split("\n\n")):
        log.debug("%s: %d words of text, no paragraph of prose", url, words)
        raise PageError("no article text found on the page")
    description = clean_line(document.description or head.meta.get("description") or head.meta.get("og:description"))
    lead = " ".join(text.split())
    dek = description if description and description != title and not lead.startswith(description) else None
    return Article(
        id="",
        title=title,
        text=text,
        url=_canonical(head, url) or url,
        outlet=clean_line(document.sitename or head.meta.get("og:site_name")) or None,
        published=_published(head, document.date, url),
        language=_language(head.lang or head.meta.get("content-language") or head.meta.get("og:locale")),
        dek=dek,
        author=_author(document.author, head),
        origin=url,
    )


def discover_feeds(html: bytes | str, base_url: str) -> list[str]:
    """The feeds a page announces with ``<link rel="alternate">``: absolute, in page order, without repeats."""
    _check_size(html)
    head = _read_head(_decode(html))
    base = _base(head, base_url)
    feeds: list[str] = []
    for rel, media_type, href in head.links:
        if "alternate" not in rel or media_type not in FEED_TYPES:
            continue
        link = _absolute(href, base)
        # WordPress announces its REST API for the page as an application/json alternate; that is no feed.
        if link and "/wp-json/" not in link and link not in feeds:
            feeds.append(link)
    return feeds


def canonical_link(html: bytes | str, base_url: str) -> str | None:
    """The page's ``<link rel="canonical">``, absolute; None when absent or not http(s)."""
    _check_size(html)
    return _canonical(_read_head(_decode(html)), base_url)


# -- the page head -----------------------------------------------------------------------------------------------
@dataclass
class _Head:
    """What the head of a page says about it."""

    links: list[tuple[frozenset[str], str, str]] = field(default_factory=list)  # (rel tokens, media type, href)
    meta: dict[str, str] = field(default_factory=dict)  # name, property or itemprop (lower case) -> content
    base: str | None = None
    lang: str | None = None
    title: str = ""


class _HeadReader(HTMLParser):
    """Collects links, meta tags, <base> and the title until the body starts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.head = _Head()
        self.done = False
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done:
            return
        values = {name.lower(): value or "" for name, value in attrs}
        if tag == "body":
            self.done = True
        elif tag == "html" and values.get("lang"):
            self.head.lang = values["lang"]
        elif tag == "base" and values.get("href") and self.head.base is None:
            self.head.base = values["href"]
        elif tag == "link" and values.get("href"):
            rel = frozenset(values.get("rel", "").lower().split())
            media_type = values.get("type", "").split(";", 1)[0].strip().lower()
            self.head.links.append((rel, media_type, values["href"].strip()))
        elif tag == "meta" and values.get("content"):
            key = values.get("property") or values.get("name") or values.get("itemprop") or values.get("http-equiv")
            if key:
                self.head.meta.setdefault(key.strip().lower(), values["content"].strip())
        elif tag == "title":
            self._in_title = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self.done = True
        elif tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title and not self.head.title:
            self.head.title = data.strip()


def _read_head(page: str) -> _Head:
    reader = _HeadReader()
    # Fed in chunks and stopped at the body: the head is all that is needed, and a big page's body is most of it.
    try:
        for start in range(0, len(page), _CHUNK):
            reader.feed(page[start : start + _CHUNK])
            if reader.done:
                break
    except Exception as error:  # markup the parser chokes on: what was read of the head is still good
        log.debug("the page head could not be read past a point (%s: %s)", type(error).__name__, error)
    return reader.head


def _canonical(head: _Head, base_url: str) -> str | None:
    base = _base(head, base_url)
    for rel, _, href in head.links:
        if "canonical" in rel:
            return _absolute(href, base)
    return None


def _base(head: _Head, base_url: str) -> str:
    return (_absolute(head.base, base_url) or base_url) if head.base else base_url


def _absolute(href: str, base: str) -> str | None:
    try:
        link = urljoin(base, href.strip())
        parts = urlsplit(link)
    except ValueError:
        return None
    return link if parts.scheme in ("http", "https") and parts.netloc else None


# -- article fields ----------------------------------------------------------------------------------------------
def _paragraphs(extracted: str, title: str) -> str:
    """trafilatura's lines as paragraphs separated by blank lines, without the headline it repeats."""
    lines = [line.strip() for line in extracted.splitlines() if line.strip()]
    if lines and clean_line(lines[0]) == title:
        lines = lines[1:]
    return "\n\n".join(lines)


def _published(head: _Head, extracted: str | None, url: str) -> datetime | None:
    """The page's publication time (UTC): from its metadata, else trafilatura's date (a day, taken at midnight)."""
    for value in [*(head.meta.get(name) for name in _PUBLISHED_META), extracted]:
        if not value:
            continue
        try:
            return parse_date(value)
        except UnreadableDate:
            log.debug("%s: unreadable publication time %r", url, value)
    return None


def _author(extracted: str | None, head: _Head) -> str | None:
    for value in (extracted, head.meta.get("author"), head.meta.get("article:author")):
        name = clean_line(value)
        if name and not urlsplit(name).scheme.startswith("http"):  # article:author is often a profile URL
            return name
    return None


def _language(tag: str | None) -> str | None:
    """'en-GB' (or the og:locale 'en_GB') -> 'en'."""
    primary = re.split(r"[-_]", (tag or "").strip(), maxsplit=1)[0].lower()
    return primary if re.fullmatch(r"[a-z]{2,3}", primary) else None


# -- bytes -------------------------------------------------------------------------------------------------------
def _check_size(html: bytes | str) -> None:
    unit = "bytes" if isinstance(html, bytes) else "characters"
    if len(html) > MAX_PAGE_BYTES:
        raise PageError(
            f"the page is {len(html):,} {unit}, over the {MAX_PAGE_BYTES:,}-{unit[:-1]} limit for a news page"
        )


def _decode(html: bytes | str) -> str:
    """The page as text: a BOM, else the charset the page declares, else UTF-8, else Windows-1252."""
    if isinstance(html, str):
        return html
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if html.startswith(bom):
            return html[len(bom) :].decode(codec, "replace")
    declared = _META_CHARSET.search(html[:4096])
    codecs = [declared.group(1).decode("ascii").lower()] if declared else []
    # As browsers do: a page labelled Latin-1 or ASCII is read as Windows-1252, its superset.
    codecs = ["cp1252" if c in ("iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii") else c for c in codecs]
    for codec in [*codecs, "utf-8"]:
        try:
            return html.decode(codec)
        except (LookupError, UnicodeDecodeError):
            continue
    return html.decode("cp1252", "replace")
