"""OPML subscription lists: read one (as feed readers export them) into feeds to follow, and write one back.

Parsing goes through defusedxml, so a list that declares XML entities or reaches for external resources is refused
rather than expanded.
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import defusedxml
import defusedxml.ElementTree as SafeET

log = logging.getLogger(__name__)

MAX_OPML_BYTES = 16 * 1024 * 1024
_HTML = re.compile(rb"<!DOCTYPE\s+html|<html[\s>]", re.IGNORECASE)
_NOT_XML_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class FeedSubscription:
    """A feed to follow, as a subscription list names it."""

    url: str
    title: str | None = None
    site_url: str | None = None
    category: str | None = None  # the folders it sits in, outermost first, joined with "/"


class OPMLError(ValueError):
    """A body that is not a readable OPML subscription list; the message says what is wrong."""


def parse_opml(body: bytes) -> list[FeedSubscription]:
    """The feeds an OPML document lists, in document order: folders flattened into categories, repeats dropped."""
    root = _parse(body)
    name = _local_name(root.tag)
    if name.lower() != "opml":
        hint = "; this looks like a feed: add it as a feed instead" if name in ("rss", "feed", "RDF") else ""
        raise OPMLError(f"not an OPML document: the root element is <{name}>{hint}")
    outlines_body = next((child for child in root if _local_name(child.tag) == "body"), None)
    if outlines_body is None:
        raise OPMLError("the OPML document has no <body>, so it lists no feeds")
    subscriptions: list[FeedSubscription] = []
    seen: set[str] = set()
    for outline, folders in _outlines(outlines_body):
        attributes = {key.lower(): value.strip() for key, value in outline.attrib.items()}
        url = attributes.get("xmlurl", "")
        if not url:
            continue  # a folder, or a link to a page with no feed
        if _web_link(url) is None:
            log.warning("OPML: skipped the feed %r: newsloom follows http(s) feeds only", url)
            continue
        key = _dedup_key(url)
        if key in seen:
            continue
        seen.add(key)
        title = attributes.get("text") or attributes.get("title") or None
        if title == url:
            title = None  # write_opml puts the URL where a feed has no title
        category = "/".join(folders) or _category_attribute(attributes.get("category", ""))
        subscriptions.append(
            FeedSubscription(url=url, title=title, site_url=_web_link(attributes.get("htmlurl")), category=category)
        )
    return subscriptions


def write_opml(subscriptions: Iterable[FeedSubscription], title: str = "newsloom feeds") -> str:
    """An OPML 2.0 document listing the feeds, categories as nested folders; ``parse_opml`` reads back the same list."""
    root = ET.Element("opml", version="2.0")
    ET.SubElement(ET.SubElement(root, "head"), "title").text = _xml_text(title)
    body = ET.SubElement(root, "body")
    # The folders of the last feed written, outermost first: a feed in the same folder joins it; a feed elsewhere
    # opens new folders after it, so the list reads back in the order it was given.
    path: tuple[str, ...] = ()
    folders: list[ET.Element] = [body]
    seen: set[str] = set()
    for subscription in subscriptions:
        key = _dedup_key(subscription.url)
        if key in seen:
            continue
        seen.add(key)
        wanted = tuple(part.strip() for part in (subscription.category or "").split("/") if part.strip())
        shared = 0
        while shared < min(len(path), len(wanted)) and path[shared] == wanted[shared]:
            shared += 1
        del folders[shared + 1 :]
        for name in wanted[shared:]:
            folders.append(ET.SubElement(folders[-1], "outline", text=_xml_text(name), title=_xml_text(name)))
        path = wanted
        attributes = {"type": "rss", "text": _xml_text(subscription.title or subscription.url)}
        if subscription.title:
            attributes["title"] = _xml_text(subscription.title)
        attributes["xmlUrl"] = _xml_text(subscription.url)
        if subscription.site_url:
            attributes["htmlUrl"] = _xml_text(subscription.site_url)
        ET.SubElement(folders[-1], "outline", attributes)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _parse(body: bytes) -> ET.Element:
    if len(body) > MAX_OPML_BYTES:
        raise OPMLError(f"the OPML file is {len(body):,} bytes, over the {MAX_OPML_BYTES:,}-byte limit")
    if not body.strip():
        raise OPMLError("the OPML file is empty")
    try:
        root: ET.Element = SafeET.fromstring(body)
    except defusedxml.EntitiesForbidden as error:
        raise OPMLError(
            "the OPML file declares XML entities; newsloom refuses them (entity expansion attacks)"
        ) from error
    except defusedxml.DTDForbidden as error:
        raise OPMLError("the OPML file has a DOCTYPE that newsloom refuses") from error
    except defusedxml.ExternalReferenceForbidden as error:
        raise OPMLError("the OPML file refers to external resources; newsloom refuses to load them") from error
    except ET.ParseError as error:
        if _HTML.search(body[:4096]):
            raise OPMLError("not an OPML document: the root element is <html> (a web page)") from error
        raise OPMLError(f"the OPML file is not well-formed XML ({error})") from error
    return root


def _outlines(body: ET.Element) -> Iterator[tuple[ET.Element, list[str]]]:
    """Every outline in document order with the names of the folders around it (no recursion: depth is unbounded)."""
    stack: list[tuple[ET.Element, list[str]]] = [(child, []) for child in reversed(body)]
    while stack:
        outline, folders = stack.pop()
        if _local_name(outline.tag) != "outline":
            continue
        yield outline, folders
        children = [child for child in outline if _local_name(child.tag) == "outline"]
        if children:
            name = (outline.get("text") or outline.get("title") or "").strip()
            inner = [*folders, name] if name else folders
            stack.extend((child, inner) for child in reversed(children))


def _category_attribute(value: str) -> str | None:
    """The first of OPML 2.0's comma-separated ``category`` paths ('/Harbor/Ferries') as 'Harbor/Ferries'."""
    first = value.split(",", 1)[0]
    return "/".join(part.strip() for part in first.split("/") if part.strip()) or None


def _dedup_key(url: str) -> str:
    """The same feed however its scheme and host are capitalised."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url.strip()
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, ""))


def _web_link(url: str | None) -> str | None:
    try:
        return url if url and urlsplit(url).scheme.lower() in ("http", "https") else None
    except ValueError:
        return None


def _local_name(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _xml_text(value: str) -> str:
    """Without the control characters XML 1.0 cannot carry, even escaped."""
    return _NOT_XML_CHARS.sub("", value)
