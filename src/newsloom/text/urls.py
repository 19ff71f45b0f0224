"""Web addresses: which links a reader may be sent to, and one canonical spelling per page (so the same article
fetched twice is one article)."""

from __future__ import annotations

import re
from contextlib import suppress
from functools import lru_cache
from urllib.parse import SplitResult, parse_qsl, quote, urlencode, urlsplit, urlunsplit

# Query parameters that track the reader, or ask for another rendering of the same page, and never pick the article.
# Names are matched in lower case. Widened with the trackers courlan strips (``courlan.clean.TRACKERS_RE``) where a
# name is never an article's key: courlan's unanchored names (``ga``, ``cid``, ``source``, ``ref``...) also strip
# ``?gallery=2``, ``?cid=8812`` and ``?source_id=31``, which merges articles (benchmarks/urls_and_dates.py).
TRACKING_PARAMETERS = frozenset(
    """utm_source utm_medium utm_campaign utm_term utm_content utm_id utm_name utm_reader utm_brand utm_social
    gclid fbclid dclid msclkid mc_cid mc_eid igshid yclid _hsenc _hsmi ref ref_src cmpid ncid ocid icid smid
    sr_share at_medium at_campaign at_custom1 at_custom2 rss feed outputtype
    cmp xtor ito emc partner _ga _gl gbraid wbraid twclid ysclid wt_mc wt.mc_id s_cid mbid ns_mchannel ns_source
    ns_campaign ns_linkname ns_fee amp phpsessid jsessionid sessionid session_id""".split()
)
# Families of trackers by prefix (utm_*, Matomo's mtm_* and pk_*, Parse.ly's itm_*, Mailchimp's mc_*, AT Internet's
# at_*, comScore's ns_*): a name that opens so is never an article's key.
_TRACKING_PREFIXES = ("utm_", "mtm_", "pk_", "itm_", "mc_", "at_", "ns_", "oly_", "vero_")

# Hosts of one site's other renderings: mobile and AMP copies of the same pages ("m.", "mobile.", "amp."), and "www.".
_SAME_SITE_PREFIXES = ("www.", "m.", "mobile.", "amp.")
# The file a web server shows for a folder: ".../harbour/index.html" is ".../harbour/".
_INDEX_PAGES = frozenset({"index.html", "index.htm", "index.shtml", "index.php"})
# A Java session id written into the path: "/story;jsessionid=0A1B".
_PATH_SESSION = re.compile(r";jsessionid=[^/]*", re.IGNORECASE)
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_PRINTABLE_ASCII = "".join(chr(c) for c in range(0x21, 0x7F))


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
    """One spelling for every address of one article: the key of duplicate checks and of the store's unique index.

    https; the host in lower case and ASCII (an IDN host as punycode), without a trailing dot, a default port or a
    leading "www.", "m.", "mobile." or "amp." (when a name of two labels or more is left); the path with its dot
    segments and doubled slashes resolved, escapes in one case (an escaped unreserved character unescaped, other
    characters than ASCII escaped as UTF-8), no Java session id, no index page, no AMP rendering ("/amp", "/amp/",
    ".amp.html", ".amp") and no trailing slash; the query (an ampersand escaped as "&amp;" read as one) without
    tracking, session and rendering parameters, sorted; no fragment, unless it is a hash-bang page ("#!/story/2231")
    of a script-driven site.

    Any http(s) address to a host has one, even one ``safe_link`` would not show: the canonical form names the page
    (and dedupes it), it is never printed as a link.
    """
    if not url:
        return None
    parts = _web_address(url.strip())
    if parts is None or not parts.hostname:
        return None
    try:
        port = parts.port if parts.port not in (None, 80, 443) else None
    except ValueError:  # a port out of range or not a number: no page lives there
        return None
    host = _canonical_host(parts.hostname)
    netloc = f"{host}:{port}" if port else host
    # "&amp;" is an ampersand escaped twice on the way out of a page or feed (as courlan's scrub_url reads it too)
    pairs = parse_qsl(parts.query.replace("&amp;", "&"), keep_blank_values=True)
    query = sorted((k, v) for k, v in pairs if not _is_tracking(k.lower()))
    fragment = parts.fragment if parts.fragment.startswith("!") else ""
    return urlunsplit(("https", netloc, _canonical_path(parts.path), urlencode(query), fragment))


def _is_tracking(name: str) -> bool:
    return name in TRACKING_PARAMETERS or name.startswith(_TRACKING_PREFIXES)


def _canonical_host(hostname: str) -> str:
    host = hostname.lower().rstrip(".")
    if not host.isascii():
        with suppress(UnicodeError):  # a label too long or empty: kept as written
            host = host.encode("idna").decode("ascii")
    stripped = True
    while stripped:
        stripped = False
        for prefix in _SAME_SITE_PREFIXES:
            if host.startswith(prefix) and host.count(".") >= 2:
                host, stripped = host[len(prefix) :], True
    return host


def _canonical_path(path: str) -> str:
    path = _ESCAPE.sub(_one_escape, _PATH_SESSION.sub("", path))
    if not path.isascii():
        path = quote(path, safe=_PRINTABLE_ASCII)
    segments: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if segments:
                segments.pop()
        elif segment not in ("", "."):
            segments.append(segment)
    if segments and segments[-1].lower() in _INDEX_PAGES:
        segments.pop()
    if len(segments) > 1 and segments[-1] == "amp":
        segments.pop()
    elif len(segments) > 1 and segments[0] == "amp":
        segments.pop(0)
    if segments:
        last = segments[-1]
        if last.endswith(".amp.html"):
            segments[-1] = last[: -len(".amp.html")] + ".html"
        elif last.endswith(".amp") and len(last) > len(".amp"):
            segments[-1] = last[: -len(".amp")]
    return "/" + "/".join(segments)


def _one_escape(match: re.Match[str]) -> str:
    """An escaped unreserved character as itself ("%7E" is "~"), any other escape in capitals ("%c3" is "%C3")."""
    character = chr(int(match.group(1), 16))
    return character if character in _UNRESERVED else match.group(0).upper()
