"""Web addresses: which links a reader may be sent to, and one canonical spelling per page (so the same article
fetched twice is one article)."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that track the reader and never change the page.
TRACKING_PARAMETERS = frozenset(
    """utm_source utm_medium utm_campaign utm_term utm_content utm_id utm_name utm_reader utm_brand utm_social
    gclid fbclid dclid msclkid mc_cid mc_eid igshid yclid _hsenc _hsmi ref ref_src cmpid ncid ocid icid smid
    sr_share at_medium at_campaign at_custom1 at_custom2 rss feed outputtype""".split()
)


# Characters that could end a link early or change what it means in the page, the feed or the Markdown around it.
_UNSAFE_IN_LINK = re.compile(r"[\s<>\"'`\\\x00-\x1f\x7f]")


def _web_address(url: str) -> SplitResult | None:
    """The parts of an http(s) address to a host, with a port that reads as one; else None."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is out of range or not a number
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return parts


@lru_cache(maxsize=4096)  # a story page asks again for each citation of the same article
def safe_link(url: str | None) -> str | None:
    """The URL as given if a reader may follow it off the site, else None.

    http or https to a host, nothing a page or Markdown could read another way (spaces, quotes, angle brackets,
    backslashes, control characters), and no user name or password ("https://bank.example@evil.example/").
    """
    if not url or _UNSAFE_IN_LINK.search(url):
        return None
    parts = _web_address(url)
    if parts is None or "@" in parts.netloc:
        return None
    return url


def canonical_url(url: str | None) -> str | None:
    """Lower-case scheme and host, no default port, no fragment, no tracking parameters, sorted query.

    Any http(s) address to a host has one, even one ``safe_link`` would not show: the canonical form names the page
    (and dedupes it), it is never printed as a link.
    """
    if not url:
        return None
    parts = _web_address(url.strip())
    if parts is None or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if host.startswith("www."):
        host = host[4:]
    try:
        port = parts.port if parts.port not in (None, 80, 443) else None
    except ValueError:  # a port out of range or not a number: no page lives there
        return None
    netloc = f"{host}:{port}" if port else host
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() not in TRACKING_PARAMETERS
    )
    path = parts.path or "/"
    if len(path) > 1 and path.endswith("/"):
        path = path[:-1]
    return urlunsplit(("https", netloc, path, urlencode(query), ""))
