"""How the checker reads a text: the sentences it checks as claims, and the lines it passes over.

A text is plain text (or any Markdown a person wrote), or a brief as newsloom prints it:

- Markdown (``newsloom brief``, ``show``, ``export --format md``), known by its "**Coverage:**" and "**Sources**"
  lines;
- JSON (``brief --format json``, ``show --format json``, ``export --format jsonl``, the API's story and brief):
  the sentences are read as the brief holds them;
- HTML (``export --format html``, the reader's story page), its tags stripped with the standard library's parser.

In a brief only the dek and the body state facts in the brief's own voice: their sentences are the claims, each
running up to its citation marks (marks printed after a full stop belong to the sentence before them). The headline
and section headings, where sources differ and the timeline (what each outlet reported), the key players, the
coverage line, the numbered sources and the footer are passed over, and counted, so the report says what was not
checked. Plain text is read line by line as it always was, headings and list items included.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import PurePath
from typing import Any

from newsloom.model import Brief, Sentence
from newsloom.text.language import detect_language
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
_WORD = re.compile(r"\w")


@dataclass(frozen=True)
class Skipped:
    """A line of a brief that is no claim: what it is (a heading, the timeline, the sources...) and what it says."""

    kind: str
    text: str

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "text": self.text}


@dataclass
class Reading:
    """A text as the checker reads it: what it was read as, the claims to check, and the lines passed over."""

    read_as: str  # "text", "markdown brief", "json brief" or "html"
    claims: list[str]
    skipped: list[Skipped] = field(default_factory=list)


def read_text(text: str, name: str | None = None, marks: set[str] | None = None) -> Reading:
    """The claims of a text: a brief newsloom wrote (Markdown, JSON or HTML) or plain text, by its name and content."""
    kind = text_kind(text, name)
    if kind == "json brief":
        return read_json_briefs(text)
    if kind == "html":
        return read_html(text, marks)
    if kind == "markdown brief":
        return read_markdown_brief(text)
    return Reading("text", text_sentences(text, marks))


def text_kind(text: str, name: str | None = None) -> str:
    """What a text is: "json brief", "html", "markdown brief" or "text"; the file's suffix first, then its content."""
    suffix = PurePath(name).suffix.lower() if name else ""
    head = text.lstrip()[:200].lower()
    if suffix in (".json", ".jsonl") or (not suffix.startswith(".htm") and re.match(r"\{|\[\s*\{", head)):
        return "json brief"
    if suffix in (".html", ".htm") or re.match(r"<(!doctype html|html|body|article|section|div|p|h[1-6])\b", head):
        return "html"
    if re.search(r"^\*\*Coverage:\*\* ", text, re.MULTILINE) and re.search(r"^\*\*Sources\*\*\s*$", text, re.MULTILINE):
        return "markdown brief"
    return "text"


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
    """The sentences of a text to check: Markdown headings and list items included, markup and citations removed;
    split by the rules of the text's language ("am 3. Oktober" ends no German sentence)."""
    language = detect_language(text)
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or set(line) <= set("-*_=#> "):
            continue
        line = re.sub(r"^(#{1,6}|>|[-*+]|\d+[.)])\s+", "", line)
        line = _MARKDOWN.sub(r"\1", _EMPHASIS.sub("", line))
        line = _MARKS_AFTER_STOP.sub(r"\1 \2\n", line)  # marks after a full stop end that sentence
        for sentence in split_sentences(line, language):
            cleaned = strip_citations(sentence, marks)
            if len(re.findall(r"\w+", cleaned)) >= 2:
                out.append(cleaned)
    return out


# -- a brief ------------------------------------------------------------------------------------------------------
def brief_claims(brief: Brief) -> list[Sentence]:
    """The sentences a brief states in its own voice: the dek, then the body."""
    return ([brief.dek] if brief.dek else []) + brief.sentences()


def brief_non_claims(brief: Brief) -> list[Skipped]:
    """What a brief prints besides its claims: the headline, who reported what, the key players."""
    out = [Skipped("heading", brief.headline)] if brief.headline else []
    out += [Skipped("where sources differ", v.text) for d in brief.differences for v in d.versions]
    out += [Skipped("key players", p.name) for p in brief.key_players]
    out += [Skipped("timeline", f"{e.outlet}: {e.added.text}") for e in brief.timeline]
    return out


def _sentences_of(piece: str) -> list[str]:
    """The sentences of the text before one run of citation marks: one, unless marks were left out between two."""
    return [s for s in split_sentences(piece.strip()) if _WORD.search(s)]


# -- Markdown -----------------------------------------------------------------------------------------------------
_MARKDOWN_MARKS = re.compile(r"(?<!\\)(?:\[\d+\])+")
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_LIST_ITEM = re.compile(r"^(?:[-*+]|\d+[.)])\s+")
_RULE = re.compile(r"^(?:-{3,}|\*{3,}|_{3,})$")
_SECTIONS = ("where sources differ", "key players", "timeline")


def read_markdown_brief(text: str) -> Reading:
    """A brief (or several, as `export --format md` writes them) in newsloom's Markdown: dek and body are the claims.

    Every other line is passed over by what it is: headings, the section lists (where sources differ, key players,
    timeline), the coverage line, the sources and the footer. A plain line under a section heading is checked.
    """
    claims: list[str] = []
    skipped: list[Skipped] = []
    part = "body"
    for line in (raw.strip() for raw in text.splitlines()):
        heading = _HEADING.match(line)
        if not line:
            continue
        if _RULE.match(line):  # between two briefs
            part = "body"
        elif heading:
            title = _MARKDOWN.sub(r"\1", heading.group(2))
            part = "body" if len(heading.group(1)) == 1 else title.lower()
            skipped.append(Skipped("heading", title))
        elif line.startswith("**Coverage:**"):
            part = "coverage"
            skipped.append(Skipped("coverage", _plain(line)))
        elif line in ("**Sources**", "**Articles**"):
            part = line.strip("*").lower()
            skipped.append(Skipped("heading", part.capitalize()))
        elif part in ("coverage", "sources", "articles"):
            skipped.append(Skipped("footer" if line.startswith("_") else part, _plain(line)))
        elif part in _SECTIONS and _LIST_ITEM.match(line):
            skipped.append(Skipped(part, _plain(_LIST_ITEM.sub("", line))))
        else:
            claims += _markdown_claims(line)
    return Reading("markdown brief", claims, skipped)


def _markdown_claims(line: str) -> list[str]:
    """The sentences of a dek or body line: each runs up to its citation marks."""
    if len(line) > 2 and line[0] == "*" != line[1] and line[-1] == "*" and line[-2] != "\\":  # the dek, in italics
        line = line[1:-1]
    return [s for piece in _MARKDOWN_MARKS.split(line) for s in _sentences_of(_MARKDOWN.sub(r"\1", piece))]


def _plain(line: str) -> str:
    return _MARKDOWN.sub(r"\1", _EMPHASIS.sub("", line))


# -- JSON ---------------------------------------------------------------------------------------------------------
def read_json_briefs(text: str) -> Reading:
    """Briefs as JSON: one (`brief --format json`, `show --format json`, the API), a list, or JSON lines (`export
    --format jsonl`, ``{"story", "brief"}`` per line). The dek and body sentences are read as the brief holds them."""
    briefs = [Brief.from_json(data) for data in _brief_objects(_json_values(text))]
    if not briefs:
        raise ValueError('the JSON holds no newsloom brief (an object with "paragraphs", or with a "brief")')
    claims = [s.text for brief in briefs for s in brief_claims(brief)]
    return Reading("json brief", claims, [item for brief in briefs for item in brief_non_claims(brief)])


def _json_values(text: str) -> list[Any]:
    try:
        return [json.loads(text)]
    except json.JSONDecodeError:
        pass
    values = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                values.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise ValueError(f"line {number}: not JSON ({error.msg})") from None
    return values


def _brief_objects(values: list[Any]) -> Iterator[dict[str, Any]]:
    for value in values:
        if isinstance(value, list):
            yield from _brief_objects(value)
        elif isinstance(value, dict):
            if isinstance(value.get("paragraphs"), list):
                yield value
            elif isinstance(value.get("brief"), dict):
                yield value["brief"]


# -- HTML ---------------------------------------------------------------------------------------------------------
_BLOCK_TAGS = frozenset("p li h1 h2 h3 h4 h5 h6 figcaption blockquote dt dd td th caption pre summary".split())
_HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
_UNSEEN = frozenset("head script style template svg noscript".split())
_VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())
_INLINE = frozenset("a span strong".split())  # read whole: a citation mark, a label, or text
_LABELS = frozenset(("disputed", "(disputed)"))


@dataclass
class _Block:
    """A paragraph, list item or heading as a reader sees it: its text, with None where a citation mark stands."""

    tag: str
    section: str  # the heading it stands under
    in_list: bool
    parts: list[str | None] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join("".join(p or " " for p in self.parts).split())

    def pieces(self) -> list[str]:
        """The text between citation marks."""
        out, current = [], ""
        for part in self.parts:
            if part is None:
                out.append(current)
                current = ""
            else:
                current += part
        return [" ".join(piece.split()) for piece in [*out, current]]


class _PageReader(HTMLParser):
    """An HTML page as a reader sees it: blocks of text; hidden elements, scripts, styles and drawings left out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[_Block] = []
        self.section = ""
        self.open: list[str] = []
        self.unseen_from: int | None = None  # the depth of the element that hides what is inside it
        self.inline: list[tuple[str, str, list[str | None]]] = []  # tag, class, what it holds
        self.block: _Block | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            if tag == "br":
                self.handle_data(" ")
            return
        self.open.append(tag)
        if self.unseen_from is not None:
            return
        found = dict(attrs)
        if tag in _UNSEEN or "hidden" in found:
            self.unseen_from = len(self.open)
        elif tag in _BLOCK_TAGS:
            self._close_block()
            self.block = _Block(tag, self.section, "li" in self.open)
        elif tag in _INLINE:
            self.inline.append((tag, found.get("class") or "", []))

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.open:
            return
        while self.open:
            closed = self.open.pop()
            depth = len(self.open) + 1
            if self.unseen_from is not None:
                if depth == self.unseen_from:
                    self.unseen_from = None
            elif closed in _BLOCK_TAGS:
                self._close_block()
            elif closed in _INLINE and self.inline and self.inline[-1][0] == closed:
                self._close_inline()
            if closed == tag:
                return

    def handle_data(self, data: str) -> None:
        if self.unseen_from is not None:
            return
        if self.inline:
            self.inline[-1][2].append(data)
            return
        if self.block is None:
            self.block = _Block("text", self.section, "li" in self.open)
        self.block.parts.append(data)

    def close(self) -> None:
        super().close()
        while self.inline:
            self._close_inline()
        self._close_block()

    def _close_inline(self) -> None:
        """An inline element read whole: a citation mark ("[3]", or a "cite" link's number), a label, or text."""
        _, classes, held = self.inline.pop()
        text = "".join(p for p in held if p is not None).strip()
        parts: list[str | None]
        if re.fullmatch(r"\[\d+\]", text) or ("cite" in classes.split() and text.isdigit()):
            parts = [None]
        elif text.lower() in _LABELS:
            parts = []
        else:
            parts = held
        if self.inline:
            self.inline[-1][2].extend(parts)
            return
        if self.block is None:
            self.block = _Block("text", self.section, "li" in self.open)
        self.block.parts.extend(parts)

    def _close_block(self) -> None:
        while self.inline:  # an inline element left open inside the block
            self._close_inline()
        block, self.block = self.block, None
        if block is None or not block.text:
            return
        if block.tag in _HEADINGS:
            self.section = block.text
        self.blocks.append(block)


def read_html(text: str, marks: set[str] | None = None) -> Reading:
    """A brief as HTML (the export, the reader's story page): paragraphs with citation marks hold the claims.

    Headings, list items (where sources differ, key players, the timeline, the sources) and paragraphs without a
    citation mark are passed over. A page without any citation mark is read as plain text, block by block.
    """
    reader = _PageReader()
    reader.feed(text)
    reader.close()
    blocks = reader.blocks
    if not any(None in block.parts for block in blocks):
        return Reading("html", text_sentences("\n".join(block.text for block in blocks), marks))
    claims: list[str] = []
    skipped: list[Skipped] = []
    for block in blocks:
        if block.tag in _HEADINGS:
            skipped.append(Skipped("heading", block.text))
        elif block.in_list:
            section = block.section.lower()
            skipped.append(Skipped(section if section in (*_SECTIONS, "sources") else "list", block.text))
        elif None in block.parts:
            claims += [s for piece in block.pieces() for s in _sentences_of(piece)]
        else:
            skipped.append(Skipped("no citation mark", block.text))
    return Reading("html", claims, skipped)
