"""How the checker reads a text: the sentences it checks, with Markdown markup and citation marks taken off.

Plain text (or any Markdown) is read line by line, headings and list items included. Citation marks are not part of
a sentence, and marks printed after a full stop ("The river rose. [1][2] Then it fell. [3]") belong to the sentence
before them.
"""

from __future__ import annotations

import re

from newsloom.text.sentences import split_sentences

_MARK = r"\[\s*\d+(?:\s*[,;\u2013-]\s*\d+)*\s*\]"
_BRACKET_MARKS = re.compile(rf"(?:\s*{_MARK})+\s*$")
_LEADING_MARKS = re.compile(rf"^(?:{_MARK}\s*)+")
_MARKS_AFTER_STOP = re.compile(
    rf"([.!?][\"'\u201d\u2019)]*)\s*((?:{_MARK}\s*)*{_MARK})\s+(?=[\"'\u201c\u2018(]?[A-Z0-9\u00c0-\u024f])"
)
_PARENTHESIS = re.compile(r"\s*\(([^()]{1,300})\)\s*$")
_EMPHASIS = re.compile(r"(?<![\\\w])[*_]+(?=\S)|(?<=\S)(?<!\\)[*_]+(?!\w)")
_MARKDOWN = re.compile(r"\\([\\`*_{}\[\]<>#|])")


# -- plain text ---------------------------------------------------------------------------------------------------
def strip_citations(sentence: str, marks: set[str] | None = None) -> str:
    """The sentence without citation marks: "[1]", "[1, 3]", "(id a1)", "(Outlet A, Outlet B)" at its end.

    Marks at its start ("[1][2] Then it fell.") were printed after the full stop of the sentence before: they go too.
    """
    text = _LEADING_MARKS.sub("", sentence.strip())
    final = ""
    if text and text[-1] in ".!?" and not text.endswith("..."):
        final, text = text[-1], text[:-1].rstrip()
    while True:
        before = text
        text = _BRACKET_MARKS.sub("", text)
        match = _PARENTHESIS.search(text)
        if match:
            parts = [p.strip().lower() for p in re.split(r",|;|\band\b", match.group(1)) if p.strip()]
            if parts and all(p.startswith("id ") or (marks is not None and p in marks) for p in parts):
                text = text[: match.start()]
        text = text.rstrip()
        if text and text[-1] in ".!?" and not final:
            final, text = text[-1], text[:-1].rstrip()
        if text == before:
            break
    return f"{text}{final}" if text else ""


def text_sentences(text: str, marks: set[str] | None = None) -> list[str]:
    """The sentences of a text to check: Markdown headings and list items included, markup and citations removed."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or set(line) <= set("-*_=#> "):
            continue
        line = re.sub(r"^(#{1,6}|>|[-*+]|\d+[.)])\s+", "", line)
        line = _MARKDOWN.sub(r"\1", _EMPHASIS.sub("", line))
        line = _MARKS_AFTER_STOP.sub(r"\1 \2\n", line)  # marks after a full stop end that sentence
        for sentence in split_sentences(line):
            cleaned = strip_citations(sentence, marks)
            if len(re.findall(r"\w+", cleaned)) >= 2:
                out.append(cleaned)
    return out
