"""How news text reports speech: the quotation marks a sentence opens and closes.

One vocabulary for every room that reads quotes (the quote finder, the writers, the checker).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

QUOTE_MARK = re.compile(r"''|``|[\"\u201c\u201d]")  # straight, curly, and the wire's '' and ``


@dataclass(frozen=True)
class QuoteMarks:
    """How a sentence's double quotation marks pair up, read left to right (double marks do not nest).

    ``lost_opening``: the sentence starts inside a quotation (its first mark closes one that opened in the sentence
    before); ``lost_closing``: a quotation it opens runs on into the next sentence. ``curly`` says which marks the
    sentence uses, so a mark put back matches its neighbours.
    """

    lost_opening: int | None  # where the mark that closes a quotation opened before the sentence stands
    lost_closing: int | None  # where the mark that opens a quotation closed after the sentence stands
    count: int
    curly: bool

    @property
    def paired(self) -> bool:
        return self.lost_opening is None and self.lost_closing is None


def _opens(text: str, start: int, end: int) -> bool:
    """Whether a straight double mark opens a quotation, from the characters around it."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    if before.isspace() or before in "([{\u2014\u2013-/":
        return not after.isspace()  # a mark alone between spaces closes (a quotation's last words, then a space)
    if after.isspace() or after in ",.;:!?)]}\u2014\u2013-":
        return False
    return before in ".,!?;:"  # glued on both sides ('compassion."(Olivera) comes in'): a new quotation opens


def quote_marks(text: str) -> QuoteMarks:
    """The pairing of the sentence's double quotation marks: straight, curly, and the wire's ``''`` and ````."""
    lost_opening: int | None = None
    open_at: int | None = None
    count = 0
    for mark in QUOTE_MARK.finditer(text):
        count += 1
        sign = mark.group()
        opening = sign in ("\u201c", "``") or (sign == '"' and _opens(text, mark.start(), mark.end()))
        if opening:
            if open_at is None:
                open_at = mark.start()
        elif open_at is not None:
            open_at = None
        elif lost_opening is None and count == 1:
            lost_opening = mark.start()
    curly = "\u201c" in text or "\u201d" in text
    return QuoteMarks(lost_opening, open_at, count, curly)
