"""Publication times from whatever sources write: ISO 8601, RFC 2822, epoch seconds or milliseconds. Always UTC."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


class UnreadableDate(ValueError):
    """A date that none of the known forms can read."""


def parse_date(value: object) -> datetime | None:
    """A timezone-aware UTC datetime, None for an empty value; raises UnreadableDate for garbage."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        moment = _from_epoch(float(value))
    elif isinstance(value, str):
        moment = _from_string(value.strip())
    else:
        raise UnreadableDate(f"unreadable date {value!r}")
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
    raise UnreadableDate(f"unreadable date {text!r}")


def epoch_seconds(moment: datetime | None) -> float | None:
    """Seconds since the epoch (a naive time is UTC, as everywhere in newsloom); None for no time."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
