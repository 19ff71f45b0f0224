"""Clean article text: markup, entities, odd whitespace and page furniture ("Advertisement", "Read more")."""

from __future__ import annotations

import html
import re
import unicodedata

_TAG = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>|<[^>]{0,2000}>", re.IGNORECASE | re.DOTALL)
_BLOCK_TAG = re.compile(r"</?(p|div|br|li|h[1-6]|tr|blockquote|section|article)\b[^>]*>", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MANY_NEWLINES = re.compile(r"\n{3,}")

# Lines that are page furniture rather than reporting, when they stand alone.
_FURNITURE = re.compile(
    r"^(advertisement|advertisement continue reading the main story|continue reading( the main story)?|"
    r"photo|image|video|read more|related:?|share( this( article)?)?|sign up.*newsletter.*|"
    r"(click|tap) here.*|follow us on .*|all rights reserved\.?|copyright .*|©.*|"
    r"subscribe( now)?.*|loading\.{0,3}|watch:? .{0,60}|listen:? .{0,60}|"
    r"tweet with a location|add a location to your tweets|share tweet pin email|javascript is disabled|"
    r"click to (?:email|share|print) this.{0,60}|follow .{0,40}(?:facebook|twitter|instagram).{0,40}|"
    r"(?:sign|log) in (?:using|with|to) .{0,60}|(?:welcome back\.? )?please (?:sign|log) in\.?)$",
    re.IGNORECASE,
)


# Notices of a page's video player, left at the start of a line by scrapers: "Please enable Javascript to watch
# this video Four people have been arrested ...", "Media playback is unsupported on your device Media caption ...".
_PLAYER_NOTICE = re.compile(
    r"^(?:(?:please )?(?:enable|turn on) javascript(?: to (?:watch|view|play) this video)?\.?"
    r"|media requires javascript to play\.?|media playback is unsupported on your device"
    r"|your browser does not support (?:the )?(?:html5 )?(?:video|audio)(?: (?:tag|element|player))?\.?)\s*",
    re.IGNORECASE,
)


def looks_like_html(text: str) -> bool:
    return bool(re.search(r"<(p|div|br|span|a|b|i|em|strong|script|style)\b", text, re.IGNORECASE))


def strip_markup(text: str) -> str:
    """Markup to plain text, keeping block boundaries as line breaks."""
    text = _BLOCK_TAG.sub("\n", text)
    text = _TAG.sub(" ", text)
    return html.unescape(text)


# A list's bullet opening a line ("• Beijing on Thursday demanded ..."): layout, not the sentence's first word.
_BULLET = re.compile(r"^(?:[\u2022\u25cf\u25aa\u25a0\u25ba\u25b6\u00b7*]|[-\u2013\u2014](?=\s))\s*")

# The same bullets inside a line (a scraped list run together: "... on Saturday. • Beijing on Thursday ..."): each
# item is a line of its own.
_INLINE_BULLET = re.compile(r"\s+[\u2022\u25cf\u25aa\u25a0\u25ba\u25b6]\s+")


def clean_text(text: str) -> str:
    """Clean body text: plain text, NFC, one space between words, paragraphs separated by a blank line."""
    if not text:
        return ""
    if looks_like_html(text) or "&" in text:
        text = strip_markup(text) if looks_like_html(text) else html.unescape(text)
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    lines: list[str] = []
    for line in text.split("\n"):
        line = _SPACES.sub(" ", line).strip()
        while (notice := _PLAYER_NOTICE.match(line)) and notice.end():
            line = line[notice.end() :]
        if line and _FURNITURE.match(line):
            continue
        lines.extend(_BULLET.sub("", item) for item in _INLINE_BULLET.split(line))
    text = "\n".join(lines)
    paragraphs = [p.strip() for p in _MANY_NEWLINES.sub("\n\n", text).split("\n\n")]
    return "\n\n".join(p for p in paragraphs if p)


def clean_line(text: str | None) -> str:
    """Clean a one-line field (title, dek, outlet): no markup, one line, single spaces."""
    if not text:
        return ""
    text = strip_markup(text) if looks_like_html(text) else html.unescape(text)
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub("", text)
    return _SPACES.sub(" ", text.replace("\n", " ")).strip()


_TITLE_SUFFIX = re.compile(r"\s+[|\u2013\u2014-]\s+([^|\u2013\u2014-]{2,40})$")


def strip_outlet_suffix(title: str, outlet: str | None = None) -> str:
    """'Bridge closes - The Valley Herald' -> 'Bridge closes' when the suffix names the outlet."""
    match = _TITLE_SUFFIX.search(title)
    if not match:
        return title
    suffix = match.group(1).strip().lower()
    if outlet and (suffix in outlet.lower() or outlet.lower() in suffix):
        return title[: match.start()].strip()
    return title


_WORD_CHARS = re.compile(r"\w+")


def without_title(text: str, title: str) -> str:
    """The text without the headline a scraper glued to its start ("Senate Holds Vote Senators voted on ..." ->
    "Senators voted on ..."): the title's words, in order, opening the text and followed by more text. A title that
    is the whole text, or a lead that only begins like the title, is left alone. A title that ends in a site's
    name ("... Minus 67 C | Chiang Rai Times") is also looked for without it, as the page printed it."""
    separator = _SITE_SEPARATOR.search(title)
    if separator:
        shorter = _without_title(text, title[: separator.start()])
        if shorter != text:
            return shorter
    return _without_title(text, title)


_SITE_SEPARATOR = re.compile(r"\s+[|\u2013\u2014-]\s+(?=[^|\u2013\u2014]*$)")


def _without_title(text: str, title: str) -> str:
    wanted = _WORD_CHARS.findall(title.casefold())
    if len(wanted) < 3:
        return text
    found = list(_WORD_CHARS.finditer(text[: len(title) * 2 + 40].casefold()))
    if len(found) <= len(wanted) or [m.group() for m in found[: len(wanted)]] != wanted:
        return text
    after = text[found[len(wanted) - 1].end() :]
    rest = after.lstrip(" .:|\u2013\u2014-\n!?")
    if len(rest.split()) < 3:
        return text
    # Where the title ends: a line break or a stop, or (a headline in title case) a new capital. "Storm hits
    # coast, killing 3" or "Storm hits coast Monday" goes on with the lead's own sentence: that is the lead.
    if (
        "\n" in after[: len(after) - len(rest)]
        or after[:1] in ".:|!?\u2013\u2014-"
        or after.lstrip()[:1] in "\u2013\u2014|"
    ):
        return rest
    if strip_dateline(rest) != rest:  # "... election NEW YORK (AP) — Ex-Trump attorney ...": a dateline starts the lead
        return rest
    long_words = [w for w in title.split() if len(w) >= 4]
    title_case = bool(long_words) and sum(w[:1].isupper() for w in long_words) >= 0.8 * len(long_words)
    return rest if title_case and rest[:1].isupper() else text


_NO_HEADLINE = re.compile(r"^by\s|\b(?:photo|image|getty|credit|copyright|updated|published)\b", re.IGNORECASE)
_STOPPED = re.compile(r"[.!?:;,][\"'\u201d\u2019)\]]*$")


def title_from_text(text: str) -> tuple[str, str]:
    """(title, text) for a record that has no title: a first line of 3 to 20 words without a stop, followed by more
    text, is the headline the page printed above the report ("Good Country Index Is Released\n\nThe latest ...").
    Otherwise ("", text)."""
    first, _, rest = text.partition("\n")
    first, rest = first.strip(), rest.strip()
    if not rest or not 3 <= len(first.split()) <= 20 or _STOPPED.search(first) or len(rest.split()) < 3:
        return "", text
    first = _WIDGET_LABEL.sub("", first)
    if _NO_HEADLINE.search(first) or _PHOTO_CREDIT.search(first):  # a byline or a picture credit, not a headline
        return "", text
    words = _WORD_CHARS.findall(first.casefold())
    if not words or all(_DATE_WORD.fullmatch(w) for w in words):  # "April 10th, 2016", "2 years ago"
        return "", text
    # A headline is about its report: one of its words (four letters or more) comes back in the report's opening.
    # Page furniture ("From Wikipedia, the free encyclopedia", "Local News More>>") shares none.
    opening = set(_WORD_CHARS.findall(" ".join(rest.split()[:150]).casefold()))
    if not any(len(w) >= 4 and w in opening for w in words):
        return "", text
    return first, rest


# Labels a page's widgets put before their text: "Story highlights The CIA ...", "Media caption The moment ...".
_WIDGET_LABEL = re.compile(r"^(?:story highlights|media caption|close)\s+(?=\S)", re.IGNORECASE)
# "(Katherine Frey/The Valley Herald)", "REUTERS/Jonathan Ernst": a picture's credit ends its caption.
_PHOTO_CREDIT = re.compile(r"\([^()]*\w/[A-Z][^()]*\)\s*$|\b[A-Z]{3,}/[A-Z][a-z]+")
_DATE_WORD = re.compile(
    r"\d+(?:st|nd|rd|th)?|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*|"
    r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day)?|a|an|ago|at|on|am|pm|utc|gmt|[ecmp][sd]t|"
    r"updated?|published|posted|second|minute|hour|day|week|month|year|seconds|minutes|hours|days|weeks|months|years"
)


def word_count(text: str) -> int:
    return len(text.split())


# "PORT ALDER, March 2 (Meridian Wire) — " and "LONDON (Reuters) - " datelines open wire copy.
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_DATELINE = re.compile(
    r"^(?:[A-Z][A-Z\u00c0-\u00d6\u00d8-\u00de .'\u2019-]{1,40}(?:,\s*[A-Z][A-Za-z. ]{1,30}?)?(?:,?\s*"
    + _MONTH
    + r"\s+\d{1,2})?"
    r"|[A-Z][\w .'\u2019-]{1,40},\s*" + _MONTH + r"\s+\d{1,2})"
    r"(?:\s*\([^)]{1,60}\))?(?:\s*[\u2014\u2013-]{1,2}\s+|(?<=[A-Z)]{4})\u2014(?=[A-Z\"\u201c][a-z]))"
)


# "Noida: Social media posts ..." and "New Delhi: The court ...": a place and a colon, as many sites open a report.
_COLON_DATELINE = re.compile(
    r"^[A-Z][A-Za-z\u00e0-\u00ff'\u2019-]+(?: [A-Z][A-Za-z\u00e0-\u00ff'\u2019-]+){0,2}:\s+(?=[A-Z\"\u201c])"
)
# "(Reuters) - Montana's ..." and "Edinburgh (UK), March 28 (IANS) A Catalan ...": the agency in brackets, with or
# without the place and date before it and a dash after it.
_AGENCY_DATELINE = re.compile(
    r"^(?:[A-Z][A-Z .'\u2019-]{1,40}\s*|[A-Z][\w .'\u2019-]{1,40}(?:\s*\([^)]{1,20}\))?,\s*"
    + _MONTH
    + r"\s+\d{1,2}\s*)?"
    r"\([A-Z][\w .&/-]{1,30}\)\s*(?:[\u2014\u2013-]{1,2}\s*)?(?=[A-Z\"\u201c])"
)


# "WIMBLEDON, England—At the French Open ...": a capitals dateline with its region, the dash glued to both sides;
# "Alwaght- Angered by ...": a site's name and a hyphen glued to it.
_GLUED_DATELINE = re.compile(
    r"^(?:[A-Z]{3,}[A-Z .'\u2019-]*,\s*[A-Z][A-Za-z. ]{1,30}?\u2014(?=[A-Z\"\u201c][a-z])"
    r"|[A-Z][A-Za-z]{2,30}-\s+(?=[A-Z][a-z]))"
)


# "[LAUSANNE] Usain Bolt lost ...", "DUBAI The ..." and "The Latest on the collapse of a bridge (all times local):
# Officials say ...": a bracketed place or one that lost its dash, and the running-story label of live updates; and a
# video player's "CLOSE" button.
_KICKER = re.compile(
    r"^(?:CLOSE\s+(?=[A-Z][a-z])|\[[A-Z][A-Z .'\u2019-]{1,40}\]\s*"
    # ... and a capitals place whose dash and agency a scraper lost ("DUBAI The United Arab Emirates' ambassador")
    r"|[A-Z]{3,}(?:\s[A-Z]{2,}){0,2}\s+(?=(?:The|A|An|In|On|At|After|Police|Officials|Authorities)\s)"
    r"|The Latest(?: on [^:]{1,160}?)?(?:\s*\(all times local\))?:\s+)"
)


# A byline run into the dateline after it: "By The Associated Press KATHMANDU, Nepal (AP) — ...", "April 4, 2017 by
# Jim Suhr, The Associated Press KANSAS CITY, Mo.—An explosion ...".
_BYLINE = re.compile(
    r"^(?:" + _MONTH + r"\s+\d{1,2},\s+\d{4},?\s+)?[Bb]y\s+[^.!?]{2,80}?\s"
    r"(?=[A-Z]{3,}[A-Z .'\u2019-]*(?:,|\s*\(|\s*[\u2014\u2013-]))"
)


def strip_dateline(sentence: str) -> str:
    """The sentence without a leading byline and dateline, unless too little would be left."""
    after_byline = _BYLINE.sub("", sentence, count=1)
    if after_byline != sentence:
        stripped = _without_dateline(after_byline)
        if stripped != after_byline:  # a byline only where a dateline follows it ("By Monday, NATO, ..." is none)
            return stripped
    return _without_dateline(sentence)


def _without_dateline(sentence: str) -> str:
    stripped = _DATELINE.sub("", sentence, count=1)
    if stripped == sentence:
        stripped = _COLON_DATELINE.sub("", sentence, count=1)
    if stripped == sentence:
        stripped = _AGENCY_DATELINE.sub("", sentence, count=1)
    if stripped == sentence:
        stripped = _GLUED_DATELINE.sub("", sentence, count=1)
    if stripped == sentence:
        stripped = _KICKER.sub("", sentence, count=1)
    return stripped if len(stripped.split()) >= 4 and stripped[:1].isupper() else sentence
