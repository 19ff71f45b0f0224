"""Publication times from whatever sources write: ISO 8601, RFC 2822, epoch seconds or milliseconds. Always UTC."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

_LONGEST_DATE = 100  # "Wednesday, 12 November 2031 09:15:00.000000 +0100" and its like are half that


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
    if re.fullmatch(r"\d{9,13}(\.\d+)?", text):
        return _from_epoch(float(text))
    iso = text.replace(" UTC", "+00:00").replace(" GMT", "+00:00")
    try:
        return datetime.fromisoformat(iso)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        pass
    for form in ("%d %B %Y", "%B %d, %Y", "%d %b %Y", "%b %d, %Y", "%Y/%m/%d", "%d/%m/%Y %H:%M", "%Y/%m/%d %H:%M"):
        try:
            return datetime.strptime(text, form)
        except ValueError:
            continue
    raise UnreadableDate(f"unreadable date {_shown(text)}")


def epoch_seconds(moment: datetime | None) -> float | None:
    """Seconds since the epoch (a naive time is UTC, as everywhere in newsloom); None for no time."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
