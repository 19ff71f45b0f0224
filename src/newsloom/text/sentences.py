"""Split text into sentences, in any language: sentencex (Wikimedia's rule-based splitter, ~300 languages, no model
and no downloaded data) finds the boundaries, and a few rules of our own correct it, each kept because it measured
better on ``benchmarks/data/sentences_multilingual.jsonl`` (``benchmarks/sentences.py`` prints each one's gain).

Paragraph breaks always end a sentence. Inside a paragraph sentencex ends a sentence at the stops of the language
(. ! ? and the danda, the Arabic question mark, the ideographic full stop and the others) unless it knows the word
before for an abbreviation. Our rules then:

- *lower case*: a stop followed by a small letter ends no sentence ("¡Basta ya! gritaba la multitud", "konají 3.
  října"), except in a paragraph without a single capital letter (copy lower-cased by some tool); nor does one
  followed by a hyphen, comma, semicolon or colon ("J.-P.");
- *titles*: a title or an abbreviation that stands before a name or a number ends no sentence (Ms. Hale, M. Durand,
  им. Карпова, डॉ. शर्मा, No. 5, Jan. 12), nor does an initial (J. R. Tolkmar, N. Korea, J.-P. Marchal), nor, in
  German and Turkish, an ordinal number (am 3. Oktober, 2. Lig);
- *clock*: a day or time zone after "a.m." or "p.m." belongs to the time ("5:30 p.m. Monday");
- *capitals*: a stop with closing quotes or brackets after it ("(... since March.) Traffic", "« ... ville. » Les"),
  or a word that closes a list ("etc. Prices", "atd. Úřady", "κ.λπ. Οι"), followed by a space and a capital letter
  or a digit ends a sentence that sentencex went on with; a plain "word. Capital" is left to sentencex, which knows
  more abbreviations than we do (and errs both ways on "to the U.S. This" and "the U.K. Tickets");
- *quotations*: sentencex reads the paragraph with its quotation marks and brackets blanked out, since it ends no
  sentence inside them: '"We are not giving up. We will fight," he said.' is two sentences, and so is a quotation
  or a parenthesis of several;
- *ideographic*: 。！？ end a sentence whatever follows them, except a Japanese quotative particle after a closing
  quote (「…。」と述べた).

A piece without a letter or digit (a lone quote mark, "...") is no sentence: it joins its neighbour. The Greek
question mark (U+037E) is read as the ";" it is canonically equal to, and a bullet opening the paragraph ("• ") as
a space (sentencex splits no line that opens on one).
"""

from __future__ import annotations

import re
from collections.abc import Collection

import sentencex

from newsloom.text.language import language_tag

RULES = frozenset({"lower case", "titles", "clock", "capitals", "ideographic", "quotations"})

# Words that, with a stop, stand before a name or a number and so end no sentence when a capital or a digit follows.
TITLES: dict[str, frozenset[str]] = {
    "en": frozenset(
        """mr mrs ms messrs dr prof gen sen rep gov lt col sgt capt cmdr adm maj pres supt insp det rev fr st mt ft
        no nos vol fig ref ed eds op cit vs approx est univ dept assn bros
        jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun
        e.g i.e a.k.a""".split()
    ),
    "fr": frozenset("m mm mme mmes mlle mlles me mgr dr pr st ste n° no p ex cf env".split()),
    "de": frozenset("hr fr dr prof st nr z b u a ca bzw vgl bspw inkl zzgl ggf evtl sog".split()),
    "es": frozenset("ee sr sra srta sres dr dra d dña ud uds lic ing núm n.º pág av sto sta p ej".split()),
    "it": frozenset("sig sigg sig.ra dott prof avv ing on s n pag".split()),
    "pt": frozenset("sr sra srta dr dra prof eng n nº pág av".split()),
    "ru": frozenset("г гг им ул пр просп проф акад ген см св тов гос".split()),
    "uk": frozenset("м вул просп проф акад ген див св".split()),
    "cs": frozenset("prof dr ing mgr mudr judr phdr doc např tzv mj č sv pí resp".split()),
    "pl": frozenset("prof dr inż mgr np tzw ul nr św ks gen płk".split()),
    "tr": frozenset("dr prof doç sn av yrd alb gen org no".split()),
    "el": frozenset("κ κα δρ π.χ καθ αρ".split()),
    "hi": frozenset("डॉ प्रो श्री".split()),
}
# Words that, with a stop, may end a sentence but are no reason to start one: "U.S. Navy" and "to the U.S. This".
# sentencex decides there; our capitals rule adds no boundary after them.
MAY_END = frozenset("uu u.s u.k u.n e.u u.s.a d.c inc corp ltd co plc llc jr sr al ph.d b.a m.a etc".split())
# Words that close a list: with a stop, before a capital, they end the sentence ("steel, copper, etc. Prices rose").
_LIST_END = re.compile(r"(?:\b(?:etc|usw|atd|apod|vb)|\bт\.\s?[дп]|\bи\s+др|κ\.?λπ)\.$", re.IGNORECASE)

# An acronym written in capitals without stops (VA, NATO, UN) before a sentence's stop: sentencex takes some for
# abbreviations of the same letters ("Va." for Virginia).
_ACRONYM_END = re.compile(r"(?<![\w.])([A-Z]{2,5})\.$")

_OPENERS = "\"'\u201c\u2018\u201e\u00ab\u2039(\\[\u00bf\u00a1"
_CLOSERS = "\"'\u201d\u2019\u00bb\u203a)\\]\u300d\u300f\u3011\uff09"
_CAPITAL_BOUNDARY = re.compile(
    rf"[.!?\u2026\u0964\u0965\u061f\u06d4]+[{_CLOSERS}]*(\s+)(?=[{_OPENERS}]?(?:[^\W\d_]|\d))"
)
_IDEOGRAPHIC_BOUNDARY = re.compile(r"[\u3002\uff01\uff1f]+[\u300d\u300f\u201d\u2019\uff09)\"]*()(?=\S)")
# Quotation marks and brackets, which sentencex reads as enclosures that no sentence ends inside; an apostrophe
# inside a word ("I'll") is none.
_ENCLOSURE = re.compile(r"[\"\u201c\u201d\u201e\u00ab\u00bb()\[\]]|(?<!\w)['\u2018\u2019]|['\u2018\u2019](?!\w)")
_BULLET = re.compile(r"^[\u2022\u25cf\u25aa\u25e6\u00b7*\u2013\u2014-]+(?=\s)")
_LAST_INITIALS = re.compile(r"[A-Z]\.(?:[A-Z]\.)*[)\],]")
_QUOTATIVE = re.compile(r"(?:と|って)")
_CLOCK = re.compile(r"\b[ap]\.m\.$")
_DAY_AFTER = re.compile(
    r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d"
    r"|(?:ET|EST|EDT|PT|PST|PDT|CT|CST|CDT|GMT|UTC|BST|CET)\b"
)
_INITIALS = re.compile(r"[^\W\d_](?:\.-?[^\W\d_])*")  # J, J.-P, A.V (the stop after the last is cut off)
_ORDINAL = re.compile(r"\d{1,3}")
# Languages that write ordinals with a stop ("am 3. Oktober", "2. Lig"): there a number and a stop before a capital is
# no reason to start a sentence; in German and Turkish, whose verbs come last, it ends none.
ORDINAL_STOP = frozenset("de cs sk pl tr da no nb nn fi hu sl hr sr bs et lv is fo".split())
VERB_LAST = frozenset({"de", "tr"})
_WINDOW = 80  # characters before a boundary that the rules read


def _code(language: str | None) -> str:
    tag = language_tag(language)
    return tag.split("-")[0] if tag else "en"


def _last_token(before: str) -> str | None:
    """The word before the final stop of ``before`` ("Mr" of "... said Mr.", "Jan" of "●Jan."), None when it ends
    in no stop."""
    if not before.endswith("."):
        return None
    words = before.rsplit(None, 1)
    word = words[-1][:-1] if words else ""
    start = 0
    while start < len(word) and not word[start].isalnum():
        start += 1
    return word[start:] or None


def _is_initial(token: str) -> bool:
    """A capital letter standing for a name or a word: "J. K. Marlow", "M. Durand", "N. Korea", "1426 N. Quincy St."
    (at the cost of "vitamin D. Supplies ..."), or a hyphenated run of them ("J.-P. Marchal")."""
    if not token[0].isupper() or not _INITIALS.fullmatch(token):
        return False
    return len(token) == 1 or "-" in token


def _is_title(token: str, code: str) -> bool:
    """A title or abbreviation of the language (English's for a language without a list of its own)."""
    return token.lower() in TITLES.get(code, TITLES["en"])


def _keeps_going(paragraph: str, end: int, code: str, cased: bool, rules: Collection[str]) -> bool:
    """Whether the boundary sentencex put at ``end`` (the start of the next sentence) is none."""
    before = paragraph[max(0, end - _WINDOW) : end].rstrip()
    after = paragraph[end : end + _WINDOW].lstrip(_OPENERS)
    if "lower case" in rules and ((cased and after[:1].islower()) or after[:1] in ("-", ",", ";", ":")):
        return True
    if "ideographic" in rules and code == "ja" and before[-1:] in ("\u300d", "\u300f") and _QUOTATIVE.match(after):
        return True
    if "titles" in rules and _LAST_INITIALS.match(paragraph, end):
        return True  # "(R-S.C.)": the rest of an abbreviation closes a bracket, no sentence starts with it
    token = _last_token(before)
    if token is None:
        return False
    if "titles" in rules and (_is_title(token, code) or _is_initial(token)):
        return True
    if "titles" in rules and code in VERB_LAST and _ORDINAL.fullmatch(token):
        return True
    return "clock" in rules and bool(_CLOCK.search(before[-6:]) and _DAY_AFTER.match(paragraph, end))


def _added(paragraph: str, code: str, rules: Collection[str]) -> set[int]:
    """Boundaries our rules find that sentencex may have missed: the start of each next sentence."""
    found: set[int] = set()
    if "capitals" in rules:
        for match in _CAPITAL_BOUNDARY.finditer(paragraph):
            start, end = match.start(1), match.end(1)
            before, after = paragraph[max(0, start - _WINDOW) : start], paragraph[end : end + 2].lstrip(_OPENERS)
            if not (after[:1].isupper() or after[:1].isdigit()):
                continue
            if before.rstrip(_CLOSERS).endswith(("..", "\u2026")):
                continue  # an ellipsis: a cut in a quotation as often as an end ("pictures of\u2026 Vladimir Putin")
            if before[-1:] in _CLOSERS or _LIST_END.search(before[-12:]):
                found.add(end)  # "word. Capital" is left to sentencex, which knows Pvt., Gens. and many more
            elif (acronym := _ACRONYM_END.search(before)) and not _is_title(acronym.group(1), code):
                found.add(end)  # "... a rebellion within the VA. Trump tweets": an acronym ends it, not "Va."
    if "ideographic" in rules:
        for match in _IDEOGRAPHIC_BOUNDARY.finditer(paragraph):
            if not (code == "ja" and _QUOTATIVE.match(paragraph, match.end(1))):
                found.add(match.end(1))
    return found


def _before_opening_quotes(paragraph: str, end: int) -> int:
    """``end`` moved before the quotes that open the next sentence, where sentencex put them at the end of the last
    ('... in a statement. "' + 'Following ...')."""
    last = len(paragraph[:end].rstrip())
    start = last
    while start > 0 and paragraph[start - 1] in _OPENERS + "\u201d\u2019":
        start -= 1
    if start < last and (start == 0 or paragraph[start - 1].isspace()):
        return start
    # Glued on both sides ('... on Monday."He is ...', the space lost by a scraper): a straight mark after the stop
    # opens the next sentence when the marks before it are paired.
    if (
        paragraph[start:last].rstrip("([") == '"'
        and start > 0
        and paragraph[start - 1] in ".!?"
        and last < len(paragraph)
        and (paragraph[last].isupper() or paragraph[last] in "([")
        and paragraph.count('"', 0, start) % 2 == 0
    ):
        return start
    return end


def split_paragraph(paragraph: str, language: str | None = None, rules: Collection[str] = RULES) -> list[str]:
    """The sentences of one paragraph (no line breaks inside), in order; ``language`` an ISO 639 code or BCP 47 tag
    ("en", "pt-BR"), None for English rules (which still end sentences at every script's stops). ``rules`` is for
    the benchmark, which measures each of ours."""
    code = _code(language)
    readable = paragraph.replace("\u037e", ";")  # the Greek question mark; one character for one, so offsets hold
    readable = _BULLET.sub(lambda m: " " * len(m.group()), readable)  # sentencex splits no line opening on one
    if "quotations" in rules:
        readable = _ENCLOSURE.sub(" ", readable)
    ends: set[int] = set()
    offset = 0
    for segment in sentencex.segment(code, readable):
        offset += len(segment)
        ends.add(_before_opening_quotes(paragraph, offset))
    ends -= {0, len(paragraph)}
    cased = any(ch.isupper() for ch in paragraph)
    ends = {end for end in ends if not _keeps_going(paragraph, end, code, cased, rules)}
    ends |= _added(paragraph, code, rules)
    pieces, start = [], 0
    for end in sorted(ends | {len(paragraph)}):
        if paragraph[start:end].strip():
            pieces.append(paragraph[start:end])
        start = end
    # A piece without a letter or digit ('"', "...", "''") is no sentence: it goes with the next one, or the last.
    sentences: list[str] = []
    opening = ""
    for piece in pieces:
        if not any(ch.isalnum() for ch in piece):
            if sentences:
                sentences[-1] += piece
            else:
                opening += piece
            continue
        sentences.append(opening + piece)
        opening = ""
    if opening:
        sentences.append(opening)
    return [sentence.strip() for sentence in sentences]


def split_sentences(text: str, language: str | None = None) -> list[str]:
    """The sentences of a text, in order. A line break always ends a sentence. ``language``, when known (an
    article's ``language``), chooses the abbreviations and stops of that language."""
    out: list[str] = []
    for paragraph in re.split(r"\n+", text):
        paragraph = paragraph.strip()
        if paragraph:
            out.extend(split_paragraph(paragraph, language))
    return out
