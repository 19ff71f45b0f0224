"""Publication times from whatever sources write. Always UTC.

The forms feeds and records write on every article (ISO 8601, RFC 822 and 2822, epoch seconds or milliseconds) are
read here, in microseconds. What none of them reads (a date in words in another language, a zone name RFC 822 does
not list, a page's "Updated 3:00 AM EST, Mon January 5, 2026") goes to dateparser, which knows some 200 languages,
asked for absolute dates with a day, a month and a year only: never a relative date ("2 hours ago" has no clock to
count from when a record is read long after it was written), never a date it had to complete from today. A numeric
date whose day and month could be either way round ("03/04/2025") is refused: only the outlet's locale could say,
and a wrong month is worse than none. benchmarks/urls_and_dates.py measures the choice.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Any

_LONGEST_DATE = 100  # "Wednesday, 12 November 2031 09:15:00.000000 +0100" and its like are half that

_EPOCH = re.compile(r"\d{9,13}(\.\d+)?")
_ISO_START = re.compile(r"\d{4}-?\d\d-?\d\d(?:[Tt ]|$)")
_BRACKETED_ZONE = re.compile(r"\[[A-Za-z_/+-]+\]$")  # Java's "2026-01-05T08:00:00Z[UTC]"
_COLON_OFFSET = re.compile(r"(\s[+-]\d\d):(\d\d)$")  # "... 09:00:00 +01:00" in an RFC 822 date
# RFC 822 and 2822 in the shapes feeds write: "Mon, 05 Jan 2026 08:00:00 GMT", "5 Jan 26 08:00 +0100", no zone.
_RFC822 = re.compile(
    r"(?:[A-Za-z]{3,9},\s*)?\d{1,2}\s+[A-Za-z]{3,9}\s+\d{2,4}\s+\d{1,2}:\d\d(?::\d\d)?(?:\s*([+-]\d{4}|[A-Za-z]{1,5}))?"
)
# The zone names RFC 822 lists, which the standard library reads; any other name would be read as UTC there.
_RFC822_ZONES = frozenset("UT UTC GMT Z EST EDT CST CDT MST MDT PST PDT AST ADT".split())
# Day, month and year in digits: "25/12/2025", "05.01.2026 08:00", "12-25-2025, 8:00"; a time may follow.
_NUMERIC = re.compile(
    r"(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})"
    r"(?:[ ,T]+(\d{1,2})[:.h](\d\d)(?::(\d\d))?(?:\s*(?:Uhr|h))?)?"
)
_ENGLISH_FORMS = ("%d %B %Y", "%B %d, %Y", "%d %b %Y", "%b %d, %Y", "%Y/%m/%d", "%Y/%m/%d %H:%M", "%d-%b-%y")
# What dateparser is asked about: a short text with a year of four digits (in any script's digits) and few numbers.
# It tries every language it knows on a text none reads, some 60 ms on average and over a second at worst for a
# text of junk; the gate keeps garbage ("N/A", "Sunday", "1 1 1 1 ...") from it.
_LONGEST_IN_WORDS = 60
_MOST_WORDS = 8
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
_NUMBERS = re.compile(r"\d+")


class UnreadableDate(ValueError):
    """A date that none of the known forms can read."""


def _shown(value: object) -> str:
    shown = repr(value)
    return shown if len(shown) <= 80 else f"{shown[:80]}… ({len(shown):,} characters)"


def parse_date(value: object) -> datetime | None:
    """A timezone-aware UTC datetime, None for an empty value; raises UnreadableDate for garbage."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            seconds = float(value)
        except OverflowError as error:  # an integer no float can hold
            raise UnreadableDate(f"unreadable timestamp: an integer of {int(value).bit_length():,} bits") from error
        moment = _from_epoch(seconds)
    elif isinstance(value, str):
        moment = _from_string(value.strip())
    else:
        raise UnreadableDate(f"unreadable date {_shown(value)}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0)


def _from_epoch(seconds: float) -> datetime:
    if seconds > 1e11:  # milliseconds
        seconds /= 1000.0
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError) as error:
        raise UnreadableDate(f"unreadable timestamp {seconds!r}") from error


def _from_string(text: str) -> datetime:
    if len(text) > _LONGEST_DATE:
        raise UnreadableDate(f"unreadable date {_shown(text)}: no date is that long")
    if _EPOCH.fullmatch(text):
        return _from_epoch(float(text))
    if text.isdigit() and len(text) != 8:  # "2026", "-1" aside: digits only are a date as 20260105 or not at all
        raise UnreadableDate(f"unreadable date {_shown(text)}: digits only")
    if _ISO_START.match(text):
        iso = _BRACKETED_ZONE.sub("", text).upper().replace(" UTC", "+00:00").replace(" GMT", "+00:00")
        try:
            return datetime.fromisoformat(iso)
        except ValueError:
            pass
    rfc822 = _RFC822.fullmatch(_COLON_OFFSET.sub(r"\1\2", text))
    # a zone name RFC 822 does not list ("CET") would be read as UTC there: dateparser reads it below
    if rfc822 and (rfc822.group(1) is None or rfc822.group(1).upper() in _RFC822_ZONES or rfc822.group(1)[0] in "+-"):
        try:
            return parsedate_to_datetime(rfc822.string)
        except (TypeError, ValueError, IndexError):
            pass
    numeric = _NUMERIC.fullmatch(text)
    if numeric:
        return _from_numbers(text, numeric)
    for form in _ENGLISH_FORMS:
        try:
            return datetime.strptime(text, form)
        except ValueError:
            continue
    found = _in_words(text) if _worth_asking(text) else None
    if found is None:
        raise UnreadableDate(f"unreadable date {_shown(text)}")
    return found


def _from_numbers(text: str, numeric: re.Match[str]) -> datetime:
    """Day, month and year in digits. Dots put the day first (05.01.2026, as German, Russian and most of Europe
    write); otherwise only a number over 12 says which is the day, and a date that could be read both ways is
    refused."""
    first, separator, second, year_text, hour, minute, second_of_minute = numeric.groups()
    a, b, year = int(first), int(second), int(year_text)
    if len(year_text) == 2:
        year += 2000 if year < 70 else 1900
    if separator == "." or a > 12:
        day, month = a, b
    elif b > 12 or a == b:
        day, month = b, a
    else:
        raise UnreadableDate(f"unreadable date {_shown(text)}: the day and the month could be either number")
    try:
        return datetime(year, month, day, int(hour or 0), int(minute or 0), int(second_of_minute or 0))
    except ValueError as error:
        raise UnreadableDate(f"unreadable date {_shown(text)}: {error}") from error


def _worth_asking(text: str) -> bool:
    if len(text) > _LONGEST_IN_WORDS or len(text.split()) > _MOST_WORDS:
        return False
    digits = "".join(str(unicodedata.decimal(c, 0)) if c.isdecimal() else c for c in text)  # "٢٠٢٦" is 2026
    return _YEAR.search(digits) is not None and len(_NUMBERS.findall(digits)) <= 6


_PARSER_LOCK = threading.Lock()  # dateparser keeps state between calls; threads take turns (it is the rare path)
_parser: Any = None


@lru_cache(maxsize=4096)  # a file or a feed writes the same few dates over and over
def _in_words(text: str) -> datetime | None:
    """A date in words, in any language dateparser knows, with day, month and year; None when it reads none."""
    global _parser
    with _PARSER_LOCK:
        if _parser is None:
            from dateparser.date import DateDataParser  # imported on the first date the fast forms cannot read

            _parser = DateDataParser(
                settings={
                    "TIMEZONE": "UTC",
                    "TO_TIMEZONE": "UTC",
                    "RETURN_AS_TIMEZONE_AWARE": True,
                    "PARSERS": ["absolute-time"],
                    "REQUIRE_PARTS": ["day", "month", "year"],
                }
            )
        try:
            found: datetime | None = _parser.get_date_data(text).date_obj
        except (ValueError, TypeError, OverflowError, IndexError, KeyError, AttributeError):
            return None
    return found


def epoch_seconds(moment: datetime | None) -> float | None:
    """Seconds since the epoch (a naive time is UTC, as everywhere in newsloom); None for no time."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
