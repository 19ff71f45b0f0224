"""Checks on copy as it comes in: JSON of bounded depth, valid Unicode, ids fit to be a key in the store.

Everything here is linear in the size of its input and never recurses, so no record, however hostile, can exhaust
the stack or the clock of the desk that reads it.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_JSON_DEPTH = 64  # an article is a flat object; news-please and NewsAPI nest three levels at most
MAX_ID_CHARS = 512

_PIECE = 1 << 20
_NOT_MARKS = bytes(b for b in range(256) if b not in b'[]{}"')
_ONE_KIND = bytes.maketrans(b"{}", b"[]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class JSONTooDeep(ValueError):
    """JSON nested deeper than newsloom reads; refused before any parser recurses into it."""


def json_deeper_than(text: str | bytes, max_depth: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON text nests arrays and objects more than ``max_depth`` levels deep (brackets inside
    strings do not count); linear passes over the bytes, no recursion."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if data.count(b"[") + data.count(b"{") <= max_depth:
        return False  # too few openings to be that deep: the common case, decided without a scan
    # Quotes, brackets and backslashes are ASCII, and UTF-8 never uses ASCII bytes inside a longer character, so
    # the scan can work on the bytes.
    if b"\\" in data:
        # An escape is a backslash and one character, so pairing backslashes from the left finds every escaped
        # backslash; a backslash left before a quote then escapes it. Neither opens or closes a string.
        data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    marks = data.translate(None, _NOT_MARKS)
    # Two quotes side by side close one string and open the next (or open and close an empty one): without them
    # every bracket keeps its place inside or outside a string.
    marks = marks.replace(b'""', b"")
    brackets = _outside_strings(marks).translate(_ONE_KIND)
    opens = brackets.count(b"[")
    if opens <= max_depth:
        return False
    if opens - (len(brackets) - opens) > max_depth:
        return True  # more openings left open than the limit: a parser would descend through all of them
    # Each round takes out the innermost pairs, one level of nesting; valid JSON is gone after as many rounds as
    # it is deep. What is left of invalid JSON (closings, then openings) counts as deeper still.
    rounds = 0
    while brackets:
        shorter = brackets.replace(b"[]", b"")
        if len(shorter) == len(brackets):
            break
        rounds += 1
        if rounds > max_depth:
            return True
        brackets = shorter
    return rounds + brackets.count(b"[") > max_depth


def _outside_strings(marks: bytes) -> bytes:
    """The brackets outside strings, from a text of brackets and quotes; a piece at a time, so a text of many short
    strings never becomes a list as long as itself."""
    kept: list[bytes] = []
    inside = False
    for start in range(0, len(marks), _PIECE):
        pieces = marks[start : start + _PIECE].split(b'"')
        kept.append(b"".join(pieces[1 if inside else 0 :: 2]))
        inside ^= len(pieces) % 2 == 0  # an odd number of quotes in this piece
    return b"".join(kept)


def load_json(text: str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """The JSON value in ``text``; raises ``JSONTooDeep`` past ``max_depth`` levels and ``json.JSONDecodeError``
    (a ``ValueError``) for text that is not JSON, a number too long to read included."""
    if json_deeper_than(text, max_depth):
        raise JSONTooDeep(f"JSON nested more than {max_depth} levels deep; an article is a flat object")
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except ValueError as error:  # an integer over Python's digit limit, say
        raise json.JSONDecodeError(str(error), text, 0) from error


def lone_surrogates(text: str) -> int:
    """How many lone surrogates (code points no UTF-8 text can hold, as a JSON escape like \\ud800 gives) are in
    the text."""
    return len(_SURROGATE.findall(text))


def repair_unicode(text: str) -> tuple[str, int]:
    """The text as valid Unicode, each lone surrogate replaced by U+FFFD, and how many were replaced."""
    if not _SURROGATE.search(text):
        return text, 0
    return _SURROGATE.subn("\ufffd", text)


def id_problem(article_id: str) -> str | None:
    """Why an article id cannot be a key in the store (too long, or holding a control character or a lone
    surrogate), or None. A lone surrogate is refused, not repaired: two ids repaired alike would be one key."""
    if len(article_id) > MAX_ID_CHARS:
        return f"id is {len(article_id):,} characters, over the {MAX_ID_CHARS:,}-character limit"
    control = _CONTROL.search(article_id)
    if control:
        return f"id holds the control character U+{ord(control.group()):04X} at position {control.start() + 1}"
    surrogate = _SURROGATE.search(article_id)
    if surrogate:
        return (
            f"id holds a lone surrogate (U+{ord(surrogate.group()):04X}, not valid Unicode) at position "
            f"{surrogate.start() + 1}"
        )
    return None
