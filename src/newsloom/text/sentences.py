"""Split text into sentences by rule: no model and no downloaded data, so it works offline everywhere.

Paragraph breaks always end a sentence. Inside a paragraph a sentence ends at . ! or ? (with any closing quotes
or brackets) followed by a space and a capital letter, digit or opening quote, unless the word before the stop
is a known abbreviation (Mr., Gen., Jan., U.S.) or an initial (J. R.). A paragraph without a single capital letter
(copy lower-cased by some tool, or a headline feed in lower case) has no capitals to go by: there a stop followed by a
space and any letter or digit ends the sentence.
"""

from __future__ import annotations

import re

ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof gen sen rep gov lt col sgt capt cmdr adm maj pres supt insp det rev fr sr jr st mt ft
    inc corp ltd co plc llc bros dept univ assn est approx vs etc no nos vol fig ref ed eds op cit al
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun
    u.s u.k u.n e.u u.s.a d.c a.k.a i.e e.g ph.d b.a m.a""".split()
)

_BOUNDARY = re.compile(r"""([.!?]+["'\u201d\u2019)\]]*)(\s+)(?=["'\u201c\u2018(\[]?[A-Z0-9\u00c0-\u024f])""")
# A stop glued to the next sentence, as some scrapers join paragraphs ("... to nearby islands.The Pacific Tsunami
# Warning Center said ..."): after a small letter, a digit or a closing bracket, before a capitalised word.
_GLUED_BOUNDARY = re.compile(
    r"""((?<=[a-z0-9%)\]"\u201d\u2019])[.!?]+["'\u201d\u2019)\]]*)()(?=[A-Z][a-z]+\b)(?!Com\b|Net\b|Org\b)"""
)
_UNCASED_BOUNDARY = re.compile(r"""([.!?]+["'\u201d\u2019)\]]*)(\s+)(?=["'\u201c\u2018(\[]?[^\W_])""")
_CLOCK = re.compile(r"\b[ap]\.m\.$")
_DAY_AFTER = re.compile(
    r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d"
    r"|(?:ET|EST|EDT|PT|PST|PDT|CT|CST|CDT|GMT|UTC|BST|CET)\b"
)
_LAST_WORD = re.compile(r"(?<!\w)([A-Za-z][A-Za-z.]*)\.$")  # a whole word: "fiancée." ends no "e." initial


def _is_abbreviation(before: str) -> bool:
    match = _LAST_WORD.search(before)
    if not match:
        return False
    word = match.group(1).lower()
    if len(word) == 1:  # an initial: "J. R. Tolkien"
        return True
    return word in ABBREVIATIONS


def split_paragraph(paragraph: str) -> list[str]:
    sentences: list[str] = []
    start = 0
    if any(ch.isupper() for ch in paragraph):
        matches = sorted(
            [*_BOUNDARY.finditer(paragraph), *_GLUED_BOUNDARY.finditer(paragraph)], key=lambda m: m.start()
        )
    else:
        matches = list(_UNCASED_BOUNDARY.finditer(paragraph))
    for match in matches:
        if match.start() < start:
            continue
        end = match.end(1)
        candidate = paragraph[start:end]
        if match.group(1).startswith(".") and _is_abbreviation(paragraph[start : match.start(1) + 1]):
            continue
        if _CLOCK.search(paragraph, 0, match.end(1)) and _DAY_AFTER.match(paragraph, match.end()):
            continue  # "missing since 5:30 p.m. Monday": the day belongs to the time
        if candidate.strip():
            sentences.append(candidate.strip())
        start = match.end()
    tail = paragraph[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def split_sentences(text: str) -> list[str]:
    """The sentences of a text, in order."""
    out: list[str] = []
    for paragraph in re.split(r"\n+", text):
        paragraph = paragraph.strip()
        if paragraph:
            out.extend(split_paragraph(paragraph))
    return out
