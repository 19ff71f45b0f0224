"""Counts as a reader reads them: "1 story", "2 stories", "1 independent source"."""

from __future__ import annotations

_IRREGULAR = {"story": "stories", "entry": "entries", "copy": "copies", "summary": "summaries", "query": "queries"}


def plural(count: int, word: str, many: str | None = None) -> str:
    """``count`` and the word, in the plural unless the count is one ("independent source" -> "sources")."""
    if count == 1:
        return f"{count} {word}"
    if many is None:
        head, _, last = word.rpartition(" ")
        many = (f"{head} " if head else "") + _IRREGULAR.get(last, last + "s")
    return f"{count} {many}"
