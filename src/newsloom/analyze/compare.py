"""Comparing two sentences the way a copy editor does: do they state the same claim, and do they agree on it?

``facts_of`` reads the checkable content of a sentence: its numbers (with the noun they count), dates, names and
places (with the words around them, their role), quotes, negation and content terms. ``SentenceMatcher`` scores how
much two sentences say the same thing (IDF-weighted overlap of stems, blended with dense embeddings when an encoder
is given) and lists where they conflict: another number for the same thing, another day, another place or person
in the same role, a negation on one side only, or different words inside the quotation marks.

Embeddings alone cannot tell "met the envoy in Halvik" from "met the envoy in Tarvel"; the conflict checks can.
"""

from __future__ import annotations

import itertools
import math
import re
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

import numpy as np
from numpy.typing import NDArray
from rapidfuzz import fuzz

from newsloom.analyze.entities import respell
from newsloom.model import Conflict, ConflictKind
from newsloom.text.speech import ACCORDING_TO, EVERY_FORM
from newsloom.text.terms import STOPWORDS, content_terms, fold, names, stem, words

_TOKEN = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?%?|[^\W\d_]+(?:['\u2019-][^\W\d_]+)*", re.UNICODE)
_QUOTE = re.compile(r"[\"\u201c\u201e]([^\"\u201c\u201d\u201e]{3,}?)[\"\u201d\u201c]")

_UNITS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
        "seventeen eighteen nineteen".split()
    )
}
_TENS = {w: 10 * i for i, w in enumerate("_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()) if i >= 2}
# Two to twelve in French, Spanish and German reports (folded), less the words English uses otherwise ("once",
# "elf") and French "sept", which the month reading takes when capitalised.
_UNITS_ABROAD = {
    word: 2 + i % 11
    for i, word in enumerate(
        """deux trois quatre cinq six sept huit neuf dix onze douze dos tres cuatro cinco seis siete ocho nueve diez
        _ doce zwei drei vier funf sechs sieben acht neun zehn _ zwolf""".split()
    )
    if word != "_"
}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000, "dozen": 12}
_APPROXIMATE = frozenset(
    "about around nearly almost some roughly approximately over more than up to least estimated".split()
)
# Words between a number and the noun it counts ("14 more people", "19 of the passengers").
_NUMBER_FILLER = frozenset("more than other additional of the some further extra".split())

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = "january february march april may june july august september october november december".split()
_MONTH_ABBREVIATIONS = {m[:3]: m for m in MONTHS} | {"sept": "september"}
# Days and months as French, Spanish and German reports write them (folded), so a date reads the same in any of them.
_WEEKDAYS_ABROAD = {
    word: WEEKDAYS[i % 7]
    for i, word in enumerate(
        """lundi mardi mercredi jeudi vendredi samedi dimanche lunes martes miercoles jueves viernes sabado domingo
        montag dienstag mittwoch donnerstag freitag samstag sonntag""".split()
    )
}
_MONTHS_ABROAD = {
    word: MONTHS[i % 12]
    for i, word in enumerate(
        """janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre enero febrero marzo
        abril mayo junio julio agosto septiembre octubre noviembre diciembre januar februar marz april mai juni juli
        august september oktober november dezember""".split()
    )
}

_NEGATIONS = frozenset(
    """not no never n't nobody none nothing neither nor without denied denies deny denying refused refuses refuse
    rejected rejects reject declined declines cannot failed fails""".split()
)
# Words that tell a name's role although they are stopwords: "Varga said" / "Hale said", "according to", "and".
_ROLE_WORDS = EVERY_FORM | {ACCORDING_TO.split()[0], "and", "or"}
# Words after a negation that it governs: "did not reopen the bridge", "denied that troops had entered".
_NEGATION_SCOPE = 5
# Words of a speaker's title, which say who spoke, not what about.
_TITLE_WORDS = frozenset(
    """chief director minister spokesman spokeswoman spokesperson president mayor governor secretary head leader
    officer commissioner chairman chairwoman envoy ambassador general""".split()
)
_PLACE_WORDS = frozenset("in at near from to into outside inside across toward towards off".split())
_WORD_ONLY = re.compile(r"[^\W\d_]+", re.UNICODE)

# Words news copy uses interchangeably for one thing; each group meets at its first word's stem. Kept short on
# purpose: only pairs an editor would accept as the same fact in any story.
_SAME_MEANING = (
    "injured hurt wounded",
    "fire blaze",
    "killed dead died deaths",
    "said told stated",
    "began started",
    "hit struck strike collided collision crash rammed",
    "remain stay",
    "examine assess inspect",
    "closed shut",
    "reopen resume",
    "blocks bars bans",
    "vehicles cars",
    "residents locals inhabitants",
    "storm gale",
    "evacuated cleared",
    "building premises",
    "approved passed backed adopted",
    "rejected refused",
    "ship vessel boat",
    "officials authorities",
    "inquiry investigation probe",
    "arrested detained",
    "cost price",
    "buy purchase acquire",
    "announced unveiled",
    "rescued saved",
)
_CANONICAL = {stem(word): stem(group.split()[0]) for group in _SAME_MEANING for word in group.split()}


@dataclass(frozen=True)
class Quantity:
    """A number stated in a sentence: its value, the noun it counts (stemmed) and whether it is approximate."""

    value: float
    noun: str
    text: str
    approximate: bool = False

    def agrees_with(self, other: Quantity) -> bool:
        if self.value == other.value:
            return True
        if self.approximate or other.approximate:  # "about 200" does not contradict "212"
            return abs(self.value - other.value) <= 0.15 * max(abs(self.value), abs(other.value))
        return False


@dataclass(frozen=True)
class Facts:
    """The checkable content of a sentence."""

    text: str
    quantities: tuple[Quantity, ...]
    dates: frozenset[str]  # "weekday:monday", "day:march 12", "month:march", "year:2031"
    names: frozenset[str]  # folded: "elena varga", "halvik"
    name_roles: frozenset[tuple[str, str]]  # (name, "<in" for the word before it, ">said" for the one after)
    quotes: tuple[str, ...]  # folded words inside quotation marks, space-joined
    negated: bool
    denied: frozenset[str]  # the terms a negation governs: "did not *reopen* the *bridge*", "denied *troops* *entered*"
    terms: frozenset[str]  # content stems, synonyms merged, numbers left out
    frame: frozenset[str]  # the terms outside quotation marks
    words: frozenset[str]  # every folded word, for looking a name up in free text

    @property
    def numbers(self) -> frozenset[float]:
        return frozenset(q.value for q in self.quantities)

    def places(self) -> frozenset[str]:
        return frozenset(n for n, role in self.name_roles if role[0] == "<" and role[1:] in _PLACE_WORDS)


@dataclass(frozen=True)
class Relation:
    """How a sentence relates to another one."""

    similarity: float  # 0..1: how much the two state the same thing
    conflicts: tuple[Conflict, ...] = ()
    covers: float = 0.0  # share of the first sentence's content (IDF-weighted) that the second states
    missing: tuple[str, ...] = field(default=())  # names, numbers and dates of the first absent from the second

    @property
    def agrees(self) -> bool:
        return not self.conflicts


class Encoder(Protocol):
    """Dense sentence embeddings: rows L2-normalised (see newsloom.embeddings)."""

    def encode(self, texts: list[str]) -> NDArray[np.float32]: ...


def _number_word_value(tokens: list[str], start: int) -> tuple[float, int] | None:
    """The value of number words from ``start`` ("twenty-five", "three hundred"), and how many tokens they take."""
    token = tokens[start]
    parts = token.split("-")
    if len(parts) >= 2 and parts[0] in _TENS and parts[1] in _UNITS:
        return float(_TENS[parts[0]] + _UNITS[parts[1]]), 1
    if len(parts) >= 2 and parts[0] in _UNITS:  # "four-hour"
        return float(_UNITS[parts[0]]), 1
    if token in _UNITS:
        return float(_UNITS[token]), 1
    if token in _UNITS_ABROAD:
        return float(_UNITS_ABROAD[token]), 1
    if token in _SCALES and token != "dozen":  # "a hundred", "a thousand"
        return float(_SCALES[token]), 1
    if token in _TENS:
        return float(_TENS[token]), 1
    if token == "dozen" or (token == "a" and start + 1 < len(tokens) and tokens[start + 1] == "dozen"):
        return 12.0, 1 if token == "dozen" else 2
    return None


def _digits_value(token: str) -> float | None:
    bare = token.rstrip("%").replace(",", "")
    try:
        return float(bare)
    except ValueError:
        return None


def _format_value(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def _scope(sentence: str, spans: list[re.Match[str]], cue: int) -> list[str]:
    """The words a negation at token ``cue`` governs: the next few, up to a comma or the end of the clause."""
    out: list[str] = []
    for j in range(cue + 1, min(len(spans), cue + 1 + _NEGATION_SCOPE)):
        if _CLAUSE_END.search(sentence, spans[j - 1].end(), spans[j].start()) or spans[j].group().lower() == "but":
            break
        out.append(spans[j].group())
    return out


_CLAUSE_END = re.compile(r"[,;:.!?()\u2013\u2014]")


@lru_cache(maxsize=65536)
def facts_of(sentence: str) -> Facts:
    """The numbers, dates, names, quotes, negation and content terms of a sentence."""
    spans = list(_TOKEN.finditer(sentence))
    raw_tokens = [match.group() for match in spans]
    tokens = [fold(t).replace("\u2019", "'") for t in raw_tokens]
    quantities: list[Quantity] = []
    dates: set[str] = set()
    negated = False
    denied: set[str] = set()
    used: set[int] = set()
    for i, token in enumerate(tokens):
        if token in _NEGATIONS or token.endswith("n't") or (token == "down" and i and tokens[i - 1].startswith("turn")):
            negated = True
            denied |= _terms(" ".join(_scope(sentence, spans, i)))
            if token == "down":  # "turned down the offer": what was turned down comes after
                denied |= _terms(tokens[i - 1])
        month = token if token in MONTHS else _MONTH_ABBREVIATIONS.get(token.rstrip("."))
        abroad = _MONTHS_ABROAD.get(token) if not (token == "mars" and raw_tokens[i][:1].isupper()) else None
        if abroad and not month:  # "mars", "marzo", "März": a French, Spanish or German report's month
            month = abroad
            token = abroad
        if month and (token in MONTHS or raw_tokens[i][:1].isupper()):
            if token == "may" and raw_tokens[i] == "may":
                continue
            dates.add(f"month:{month}")
            for j in (i + 1, i - 1):
                if 0 <= j < len(tokens) and tokens[j].isdigit() and 1 <= int(tokens[j]) <= 31:
                    dates.add(f"day:{month} {int(tokens[j])}")
                    used.add(j)
        elif token in WEEKDAYS or token in _WEEKDAYS_ABROAD:
            dates.add(f"weekday:{_WEEKDAYS_ABROAD.get(token, token)}")
    for i, token in enumerate(tokens):
        if i in used:
            continue
        value: float | None
        span = 1
        if token[:1].isdigit():
            value = _digits_value(token)
            if value is None:
                continue
            if re.fullmatch(r"1[89]\d\d|2[01]\d\d", token):
                dates.add(f"year:{token}")
                continue
        else:
            word_value = (
                _number_word_value(tokens, i) if not (token == "sept" and raw_tokens[i][:1].isupper()) else None
            )
            if word_value is None or (i > 0 and tokens[i - 1][:1].isdigit()):
                continue
            value, span = word_value
            if token == "one" and (i + 1 >= len(tokens) or tokens[i + 1] in STOPWORDS):
                continue  # "one of", "no one": a pronoun, not a count
        j = i + span
        while j < len(tokens) and tokens[j] in _SCALES:
            value *= _SCALES[tokens[j]]
            used.add(j)
            j += 1
        while j < len(tokens) and tokens[j] in _NUMBER_FILLER:
            j += 1
        if "-" in token and not token[:1].isdigit():  # "four-hour debate": the noun is inside the token
            noun = stem(
                token.split("-")[-1] if token.split("-")[-1] not in _UNITS else (tokens[j] if j < len(tokens) else "")
            )
        else:
            noun = "percent" if token.endswith("%") else (stem(tokens[j]) if j < len(tokens) else "")
        if noun in ("per", "cent"):
            noun = "percent"
        approximate = i > 0 and tokens[i - 1] in _APPROXIMATE
        shown = " ".join(raw_tokens[i : i + span + (j - i - span if j - i - span < 3 else 0)])
        quantities.append(Quantity(value, noun, shown or raw_tokens[i], approximate))
    found_names = set(names(sentence))
    word_list = [t for t in tokens if t]
    roles: set[tuple[str, str]] = set()
    for name in found_names:
        parts = name.split()
        # Only telling neighbours make a role: "in", "said", "minister", not "was" or "the".
        for i in range(len(word_list) - len(parts) + 1):
            if word_list[i : i + len(parts)] == parts:
                before = i - 1
                while before >= 0 and raw_tokens[before][:1].isupper() and len(raw_tokens[before]) <= 3:
                    before -= 1  # "in St. Petersburg", "in Ft. Wayne": the role word is before the prefix
                if before >= 0 and _telling(word_list[before]):
                    roles.add((name, "<" + word_list[before]))
                if i + len(parts) < len(word_list) and _telling(word_list[i + len(parts)]):
                    roles.add((name, ">" + word_list[i + len(parts)]))
    quotes = tuple(" ".join(_WORD_ONLY.findall(fold(q))) for q in _QUOTE.findall(sentence))
    terms = _terms(sentence)
    frame = _terms(_QUOTE.sub(" ", sentence)) if quotes else terms
    return Facts(
        text=sentence,
        quantities=tuple(quantities),
        dates=frozenset(dates),
        names=frozenset(found_names),
        name_roles=frozenset(roles),
        quotes=tuple(q for q in quotes if len(q.split()) >= 2),
        negated=negated,
        denied=frozenset(denied),
        terms=terms,
        frame=frame,
        words=frozenset(word_list),
    )


def _telling(word: str) -> bool:
    return word in _PLACE_WORDS or word in _ROLE_WORDS or (word not in STOPWORDS and not word[:1].isdigit())


def _terms(text: str) -> frozenset[str]:
    """Content stems with synonyms merged; numbers left out (they are compared as quantities, not as words)."""
    out = set()
    for term in content_terms(text):
        if "-" in term and term.split("-")[0] in _UNITS:  # "four-hour" -> "hour"
            term = term.split("-")[-1]
        if term in _UNITS or _digits_value(term) is not None:
            continue
        out.add(_CANONICAL.get(term, term))
    return frozenset(out)


def same_name(a: str, b: str) -> bool:
    """Two spellings of one name: equal, one inside the other ("varga" in "elena varga"), or close ("Vitkov")."""
    if a == b:
        return True
    a_parts, b_parts = a.split(), b.split()
    if set(a_parts) & set(b_parts):
        return True
    return any(len(x) > 3 and len(y) > 3 and fuzz.ratio(_sound(x), _sound(y)) >= 75 for x in a_parts for y in b_parts)


def _sound(name: str) -> str:
    """A name as transliterations tend to spell it: 'Witkoff' and 'Vitkov' both become 'vitkov'."""
    name = name.replace("w", "v").replace("ph", "f").replace("ck", "k").replace("y", "i")
    name = re.sub(r"(.)\1+", r"\1", name)
    return re.sub(r"f$", "v", name)


def name_stated(name: str, facts: Facts) -> bool:
    """Whether a sentence names someone or somewhere, under any spelling or in lower-case running text."""
    if any(same_name(name, other) for other in facts.names):
        return True
    parts = [p for p in name.split() if p not in STOPWORDS]
    return bool(parts) and any(p in facts.words for p in parts)


def quantity_conflicts(a: Facts, b: Facts, same_statement: bool) -> list[Conflict]:
    """Numbers of ``a`` that ``b`` gives otherwise for the same noun (or, in the same statement, at all)."""
    out: list[Conflict] = []
    for qa in a.quantities:
        if any(qa.agrees_with(qb) for qb in b.quantities):
            continue
        rivals = [qb for qb in b.quantities if qb.noun == qa.noun and qa.noun]
        if not rivals and same_statement:
            unmatched_b = [qb for qb in b.quantities if not any(qb.agrees_with(x) for x in a.quantities)]
            unmatched_a = [x for x in a.quantities if not any(x.agrees_with(qb) for qb in b.quantities)]
            if len(unmatched_a) == 1 and len(unmatched_b) == 1:
                rivals = unmatched_b
        rivals = [qb for qb in rivals if not (_derived(qa, a, b) or _derived(qb, a, b))]
        if rivals:
            out.append(Conflict("number", qa.text, rivals[0].text))
    return out


def _derived(quantity: Quantity, a: Facts, b: Facts) -> bool:
    """Whether a number is the sum or difference of two others of the same kind in either sentence: "5.8 metres,
    1.6 metres over flood stage" and "5.8 metres, against a flood stage of 4.2 metres" agree."""
    others = [q.value for q in (*a.quantities, *b.quantities) if q.noun == quantity.noun and q is not quantity]
    return any(
        math.isclose(quantity.value, abs(x - y), rel_tol=1e-6) or math.isclose(quantity.value, x + y, rel_tol=1e-6)
        for x, y in itertools.combinations(others, 2)
        if x != quantity.value and y != quantity.value
    )


def date_conflicts(a: Facts, b: Facts) -> list[Conflict]:
    out = []
    for kind in ("weekday", "day", "year"):
        mine = {d for d in a.dates if d.startswith(kind + ":")}
        theirs = {d for d in b.dates if d.startswith(kind + ":")}
        if mine and theirs and not mine & theirs:
            out.append(Conflict("date", _show_date(min(mine)), _show_date(min(theirs))))
    months_a = {d for d in a.dates if d.startswith("month:")}
    months_b = {d for d in b.dates if d.startswith("month:")}
    if not out and months_a and months_b and not months_a & months_b:
        out.append(Conflict("date", _show_date(min(months_a)), _show_date(min(months_b))))
    return out


def _show_date(value: str) -> str:
    return value.split(":", 1)[1].title()


def name_conflicts(a: Facts, b: Facts) -> list[Conflict]:
    """Someone or somewhere else in the same role: "in Halvik" / "in Tarvel", "Varga said" / "Hale said"."""
    only_a = [n for n in a.names if not name_stated(n, b)]
    only_b = [n for n in b.names if not name_stated(n, a)]
    out = []
    for name in sorted(only_a):
        roles = {w for n, w in a.name_roles if n == name}
        rivals = sorted(n for n in only_b if roles & {w for m, w in b.name_roles if m == n})
        if rivals:
            kind: ConflictKind = "place" if name in a.places() else "name"
            out.append(Conflict(kind, name.title(), rivals[0].title()))
    # Someone ``b`` names, but not as the one who spoke, while another speaks there: "Sarkany said the talks had
    # stalled" against "Wittmore said the talks had stalled ... Wittmore met Sarkany".
    for name in sorted(a.names - set(only_a)):
        roles = _speech_roles(a, name)
        if not roles or any(same_name(name, other) and _speech_roles(b, other) for other in b.names):
            continue
        rivals = sorted(m for m in b.names if roles & _speech_roles(b, m) and not same_name(name, m))
        if rivals:
            out.append(Conflict("name", name.title(), rivals[0].title()))
    return out


def _speech_roles(facts: Facts, name: str) -> set[str]:
    return {role for n, role in facts.name_roles if n == name and role[1:] in EVERY_FORM}


def quote_conflicts(a: Facts, b: Facts) -> list[Conflict]:
    """A quote of ``a`` that ``b`` gives in other words (a shortened quote is no conflict).

    Two quotes conflict when close to a third of their content words are the same and the rest differ ("our home
    and we are staying" / "our past and we are leaving"), or when the words around them say who said it about what
    and match ('Velle said the talks were "tense"' / '... "friendly"'). Two remarks of one speaker are two remarks,
    and a translated quote reworded throughout is no misquote.
    """
    out = []
    same_frame = bool(
        a.quotes
        and b.quotes
        and len(a.frame) >= 2
        and len(a.frame & b.frame) >= 0.8 * len(a.frame)
        and _topic(a) & _topic(b)
    )
    for qa in a.quotes:
        if any(qa in qb or qb in qa for qb in b.quotes):
            continue
        words_a = _quote_words(qa)
        for qb in b.quotes:
            words_b = _quote_words(qb)
            if same_frame or len(words_a & words_b) >= 0.3 * min(len(words_a), len(words_b)) > 0:
                out.append(Conflict("quote", qa, qb))
                break
    return out


def _quote_words(quote: str) -> set[str]:
    return {w for w in quote.split() if w not in STOPWORDS} or set(quote.split())


def _topic(facts: Facts) -> frozenset[str]:
    """The words around a quote beyond who said it: "the talks" in 'Velle said the talks were "tense"'."""
    speaker = _terms(" ".join(facts.names) + " " + " ".join(_TITLE_WORDS))
    return facts.frame - speaker


def conflicts_between(a: Facts, b: Facts, same_statement: bool) -> tuple[Conflict, ...]:
    """Every conflict between two sentences; ``same_statement`` when they state the same claim (then more counts)."""
    out = quantity_conflicts(a, b, same_statement) + date_conflicts(a, b) + quote_conflicts(a, b)
    out += name_conflicts(a, b)
    if same_statement and a.negated != b.negated and (a.denied & b.terms or b.denied & a.terms):
        # Only a negation of something the other sentence affirms: "will not reopen" / "will reopen", not a
        # "no" somewhere else in a long sentence.
        out.append(Conflict("negation", "negated" if a.negated else "affirmed", "negated" if b.negated else "affirmed"))
    return tuple(out)


def missing_facts(a: Facts, b: Facts) -> tuple[str, ...]:
    out = [n.title() for n in sorted(a.names) if not name_stated(n, b)]
    out += [q.text for q in a.quantities if not any(q.agrees_with(x) for x in b.quantities)]
    out += [_show_date(d) for d in sorted(a.dates - b.dates) if not d.startswith("month:")]
    return tuple(out)


@lru_cache(maxsize=4)
def _encoder(name: str) -> Encoder | None:
    from newsloom.embeddings import EncoderUnavailable, load_encoder

    try:
        return load_encoder(name)
    except EncoderUnavailable as error:
        warnings.warn(f"the checker reads words alone: {error}", stacklevel=3)
        return None


def sentence_encoder(setting: str, languages: Sequence[str | None]) -> Encoder | None:
    """The encoder the checker and claim alignment compare meanings with (loaded once a process), or None when
    it is not installed ("" for words alone; "auto" picks by the languages, as the story stage does)."""
    from newsloom.embeddings import encoder_for

    return _encoder(encoder_for(setting, languages)) if setting else None


# -- numbers two claims dispute -----------------------------------------------------------------------------------

NUMBER_WORDS = {
    w: str(i) for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve".split())
}
_DIGITS = re.compile(r"\d+(?:\.\d+)?")


# Units and spans of time: two numbers next to "metres" or "hours" often measure different things.
MEASURES = frozenset(
    stem(w)
    for w in """metre metres meter meters kilometre kilometres km mile miles millimetre millimetres mm centimetre cm
    inch inches foot feet percent per cent point points hour hours minute minutes second seconds day days week weeks
    month months year years decade decades euro euros dollar dollars pound pounds million billion thousand hundred
    age aged old""".split()
)


# Words that make a number a difference rather than a level: "1.6 metres over flood stage", "up 3 percent".
_RELATIVE = frozenset(
    """over above below under beyond short more less fewer higher lower up down rise rose risen fall fell fallen
    increase increased decrease decreased drop dropped gain gained loss lost extra additional another further""".split()
)


@dataclass(frozen=True)
class StatedNumber:
    """A number as a sentence states it: its value, its unit (the word after it, stemmed), its role, what it counts."""

    value: str
    unit: str
    relative: bool  # a change or a gap ("1.6 metres over", "up 3 percent"), not a level ("a flood stage of 4.2 metres")
    counts: str = ""  # the thing counted, stemmed, when a content word follows: "six students" -> "student"

    @property
    def year(self) -> bool:
        """A number that reads as a year ("in 2011"): it differs from a count, not disputes it."""
        return not self.unit and self.value.isdigit() and 1800 <= int(self.value) <= 2100


def _is_month(token: str) -> bool:
    return token in MONTHS or token.rstrip(".") in _MONTH_ABBREVIATIONS


def numbers_near(text: str, terms: set[str], reach: int = 4) -> dict[str, set[StatedNumber]]:
    """For each term, the numbers stated within ``reach`` words of it ("19 people were injured": injur -> 19)."""
    tokens = words(text)
    stems = [stem(t) for t in tokens]
    stated: list[StatedNumber | None] = []
    for index, token in enumerate(tokens):
        value = token if _DIGITS.fullmatch(token) else NUMBER_WORDS.get(token)
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        if value is None or _is_month(tokens[index - 1] if index else "") or _is_month(following):
            stated.append(None)  # not a number, or a day of the month: "on Dec. 12", "12 December"
            continue
        unit = stems[index + 1] if following and stems[index + 1] in MEASURES else ""
        after = tokens[index + 1 : index + 4]
        before = tokens[max(0, index - 2) : index]
        relative = any(t in _RELATIVE for t in after) or any(t in ("by", "up", "down", "another") for t in before)
        counted = following.isalpha() and not unit and following not in STOPWORDS and following not in _RELATIVE
        stated.append(StatedNumber(value, unit, relative, stems[index + 1] if counted else ""))
    out: dict[str, set[StatedNumber]] = {}
    for index, term in enumerate(stems):
        if term in terms:
            near = {v for v in stated[max(0, index - reach) : index + reach + 1] if v}
            if near:
                out.setdefault(term, set()).update(near)
    return out


def numbers_in_dispute(
    text_a: str,
    terms_a: frozenset[str],
    numbers_a: frozenset[str],
    text_b: str,
    terms_b: frozenset[str],
    numbers_b: frozenset[str],
    frequent: set[str],
) -> Conflict | None:
    """Two statements of different claims giving different numbers for the same thing: shared, specific words
    (``terms``, less the story's ``frequent`` words; two at least, since one in common, even the thing counted, is
    two facts as often as one: "45 states adopted the standards" / "experts in 26 states helped write them") with
    other numbers near one of them (``numbers``: every number each states).

    The numbers must play the same part: the same unit (or none), both levels or both changes ("1.6 metres over
    flood stage" and "a flood stage of 4.2 metres" measure different things, and do not disagree), the same thing
    counted when both say what they count ("six students" and "eight counts" do not disagree), and a year is
    compared with nothing but a year. And they must be of one time: a statement dated to another year, day or
    weekday ("a $315 million jackpot in 2002", "the shares closed at $31 on Friday") tells of another moment than one
    dated otherwise or not at all ("this week's $540 million jackpot", "$34 on Monday").
    """
    shared = set(terms_a & terms_b) - frequent - MEASURES
    if not shared:
        return None
    dates_a, dates_b = facts_of(text_a).dates, facts_of(text_b).dates
    if {d for d in dates_a if d.startswith("year:")} != {d for d in dates_b if d.startswith("year:")}:
        return None
    if date_conflicts(facts_of(text_a), facts_of(text_b)):
        return None
    near_a, near_b = numbers_near(text_a, shared), numbers_near(text_b, shared)
    if not near_a or not near_b:
        return None
    for term in sorted(set(near_a) & set(near_b)):
        only_a = sorted((n for n in near_a[term] if n.value not in numbers_b), key=lambda n: n.value)
        only_b = sorted((n for n in near_b[term] if n.value not in numbers_a), key=lambda n: n.value)
        for x in only_a:
            for y in only_b:
                if x.unit != y.unit or x.relative != y.relative or x.year != y.year:
                    continue
                if x.counts and y.counts and x.counts != y.counts:
                    continue
                if len(shared) < 2:
                    continue  # one word in common, even the thing counted ("45 states" / "26 states"): two facts
                low, high = sorted((float(x.value), float(y.value)))
                if low > 0 and high / low <= 4:  # 14 and 19 count the same thing; 1.6 and 1987 do not
                    return Conflict("number", x.value, y.value)
    return None


class Meanings:
    """Embedding cosines between sentences, each sentence encoded once (every cosine is 0 without an encoder).

    ``prime`` encodes many sentences in one batch, ahead of the cosines asked for; others are encoded on demand.
    One object serves a whole brief: claim alignment, the choice of each claim's words and the redundancy check.
    """

    def __init__(self, encoder: Encoder | None, sentences: Sequence[str] = ()) -> None:
        self.encoder = encoder
        self.pending = list(dict.fromkeys(sentences))
        self._rows: dict[str, NDArray[np.float32]] = {}

    def prime(self, sentences: Iterable[str]) -> None:
        self.pending.extend(sentences)

    def __call__(self, a: str, b: str) -> float:
        if self.encoder is None:
            return 0.0
        missing = [t for t in dict.fromkeys([*self.pending, a, b]) if t not in self._rows]
        if missing:
            self._rows.update(zip(missing, self.encoder.encode(missing), strict=True))
        self.pending = []
        return float(self._rows[a] @ self._rows[b])


class SentenceMatcher:
    """How much two sentences state the same thing, and where they conflict.

    Lexical by default: the IDF-weighted cosine of their sets of content stems, so word order and small rewording
    do not matter and rare words (names, numbers, the event's nouns) count most. With an ``encoder``, the score is
    blended with the cosine of dense embeddings (``encoder_weight``), which catches rewording with other words.
    The IDF is learnt from the sentences at hand (``fit``, or automatically in ``best_matches``).
    """

    def __init__(
        self,
        encoder: Encoder | None = None,
        idf: dict[str, float] | None = None,
        encoder_weight: float = 0.5,
        same_statement: float = 0.45,
        spellings: dict[str, str] | None = None,
    ) -> None:
        if not 0.0 <= encoder_weight <= 1.0:
            raise ValueError(f"encoder_weight must be between 0 and 1, got {encoder_weight}")
        self.encoder = encoder
        self.idf: dict[str, float] = dict(idf) if idf else {}
        self.encoder_weight = encoder_weight if encoder is not None else 0.0
        self.same_statement = same_statement  # similarity from which two sentences state one claim
        self._default_idf = 1.0
        # The story's names as outlets spell them otherwise, read as one (see entities.spelling_variants).
        self.spellings: dict[str, str] = dict(spellings) if spellings else {}

    def spelt(self, text: str) -> str:
        """The text with every name spelt the one way the matcher reads it."""
        return respell(text, self.spellings) if self.spellings else text

    def fit(self, sentences: Iterable[str]) -> SentenceMatcher:
        """Learn term weights from the sentences at hand (rare terms weigh more)."""
        frequency: Counter[str] = Counter()
        count = 0
        for sentence in sentences:
            frequency.update(facts_of(self.spelt(sentence)).terms)
            count += 1
        self.idf = {t: math.log((count + 1) / (df + 0.5)) + 1.0 for t, df in frequency.items()}
        self._default_idf = math.log((count + 1) / 0.5) + 1.0
        return self

    def weight(self, term: str) -> float:
        return self.idf.get(term, self._default_idf)

    def _lexical(self, a: Facts, b: Facts) -> tuple[float, float]:
        shared = a.terms & b.terms
        wa = sum(self.weight(t) ** 2 for t in a.terms)
        wb = sum(self.weight(t) ** 2 for t in b.terms)
        if not wa or not wb:
            return 0.0, 0.0
        cosine = sum(self.weight(t) ** 2 for t in shared) / math.sqrt(wa * wb)
        covers = sum(self.weight(t) for t in shared) / sum(self.weight(t) for t in a.terms)
        return cosine, covers

    def similarity(self, a: str, b: str) -> float:
        """How much two sentences state the same thing, in words: the IDF-weighted cosine of their terms."""
        return self._lexical(facts_of(self.spelt(a)), facts_of(self.spelt(b)))[0]

    def covers(self, a: str, b: str) -> float:
        """The share of ``a``'s content (IDF-weighted terms) that ``b`` states."""
        return self._lexical(facts_of(self.spelt(a)), facts_of(self.spelt(b)))[1]

    def relate(self, a: str, b: str, dense: float | None = None) -> Relation:
        """How sentence ``a`` relates to sentence ``b`` (``dense``: their embedding cosine, when already known)."""
        fa, fb = facts_of(self.spelt(a)), facts_of(self.spelt(b))
        lexical, covers = self._lexical(fa, fb)
        if self.encoder is not None and dense is None:
            vectors = self.encoder.encode([a, b])
            dense = float(vectors[0] @ vectors[1])
        return self._relation(fa, fb, lexical, covers, dense)

    def _relation(self, fa: Facts, fb: Facts, lexical: float, covers: float, dense: float | None) -> Relation:
        similarity = lexical
        if dense is not None and self.encoder_weight:
            # Embedding cosines of unrelated news sentences sit near 0.2, paraphrases above 0.8: rescale first.
            rescaled = min(1.0, max(0.0, (dense - 0.2) / 0.7))
            similarity = (1 - self.encoder_weight) * lexical + self.encoder_weight * rescaled
        same = similarity >= self.same_statement or covers >= 0.6
        return Relation(
            similarity=round(similarity, 4),
            conflicts=conflicts_between(fa, fb, same),
            covers=round(covers, 4),
            missing=missing_facts(fa, fb),
        )

    def _matrix(self, facts: Sequence[Facts], vocabulary: dict[str, int]) -> NDArray[np.float32]:
        matrix = np.zeros((len(facts), len(vocabulary)), dtype=np.float32)
        for row, fact in enumerate(facts):
            for term in fact.terms:
                column = vocabulary.get(term)
                if column is not None:
                    matrix[row, column] = self.weight(term)
        return matrix

    def similarity_matrix(self, sentences: Sequence[str], pool: Sequence[str]) -> NDArray[np.float32]:
        """Similarities of every sentence to every pool sentence, as one matrix product."""
        if not self.idf:
            self.fit([*sentences, *pool])
        facts_a = [facts_of(s) for s in sentences]
        facts_b = [facts_of(s) for s in pool]
        vocabulary: dict[str, int] = {}
        for fact in facts_b:
            for term in fact.terms:
                vocabulary.setdefault(term, len(vocabulary))
        left, right = self._matrix(facts_a, vocabulary), self._matrix(facts_b, vocabulary)
        norms_a = np.sqrt(np.array([sum(self.weight(t) ** 2 for t in f.terms) for f in facts_a], dtype=np.float32))
        norms_b = np.sqrt((right**2).sum(axis=1))
        lexical = left @ right.T
        with np.errstate(divide="ignore", invalid="ignore"):
            lexical = np.nan_to_num(lexical / np.outer(norms_a, norms_b))
        if self.encoder is None or not self.encoder_weight or not sentences or not pool:
            return lexical.astype(np.float32)
        dense = self.encoder.encode(list(sentences)) @ self.encoder.encode(list(pool)).T
        rescaled = np.clip((dense - 0.2) / 0.7, 0.0, 1.0)
        blended: NDArray[np.float32] = ((1 - self.encoder_weight) * lexical + self.encoder_weight * rescaled).astype(
            np.float32
        )
        return blended

    def best_matches(
        self, sentences: Sequence[str], pool: Sequence[str], k: int = 5
    ) -> list[list[tuple[int, Relation]]]:
        """For each sentence, its ``k`` most similar pool sentences (index into ``pool``), best first."""
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        if not sentences:
            return []
        if not pool:
            return [[] for _ in sentences]
        scores = self.similarity_matrix(sentences, pool)
        take = min(k, len(pool))
        out = []
        for row, sentence in enumerate(sentences):
            top = np.argpartition(-scores[row], take - 1)[:take] if take < len(pool) else np.arange(len(pool))
            top = top[np.argsort(-scores[row][top], kind="stable")]
            fa = facts_of(sentence)
            matches = []
            for column in top:
                fb = facts_of(pool[int(column)])
                _, covers = self._lexical(fa, fb)
                relation = self._relation(fa, fb, float(scores[row, column]), covers, None)
                matches.append((int(column), relation))
            out.append(matches)
        return out
