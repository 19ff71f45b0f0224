"""The parts of a brief around its body: headline, attribution, where sources differ, key players and timeline."""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING

from newsloom.model import Article, Citation, Claim, Difference, KeyPlayer, Sentence, Statement
from newsloom.text.terms import STOPWORDS, content_terms, fold
from newsloom.write.select import mended_quote

if TYPE_CHECKING:
    from newsloom.analyze.entities import Entity, EntityRecognizer, Mention
    from newsloom.analyze.quotes import Quote

log = logging.getLogger(__name__)

HEADLINE_WORDS = 14
UNKNOWN_OUTLET = "Unknown outlet"

# Words that sell a click rather than tell the news; a headline with them is not the brief's headline.
CLICKBAIT = re.compile(
    r"\b(you won'?t believe|shocking|shock|stunning|jaw-?dropping|mind-?blowing|unbelievable|incredible|amazing|"
    r"insane|epic|must[- ]see|must[- ]read|what happened next|here'?s (why|what|how)|this is why|the reason why|"
    r"goes viral|viral|slams|blasts|destroys|watch|video|photos|pictures|live updates?|live blog|breaking|"
    r"exclusive|opinion|analysis|explainer|quiz|[0-9]+ things|everything you need to know)\b",
    re.IGNORECASE,
)
_TITLE_SEPARATORS = re.compile(r"\s+[|\u2013\u2014-]\s+|:\s+")
_HEADLINE_BREAKS = re.compile(
    r",\s|\s(?:as|after|while|when|which|who|amid|following|because|but|though|although|since|until|despite|"
    r"before|where|with|said|says|according|and)\s",
    re.IGNORECASE,
)


def _citation(article: Article) -> Citation:
    return Citation(
        article_id=article.id,
        outlet=article.display_outlet,
        url=article.url,
        title=article.title or None,
        syndication_group=article.syndication_group,
        counts_as=article.counts_as,
    )


def citations_of(statements: Sequence[Statement]) -> list[Citation]:
    """Each article behind the statements, once, in the order they were read."""
    seen: dict[str, Citation] = {}
    for statement in statements:
        seen.setdefault(statement.article.id, _citation(statement.article))
    return list(seen.values())


# -- headline ------------------------------------------------------------------------------------------------------


def neutral(headline: str) -> bool:
    """No question, no exclamation, no clickbait words, no shouting."""
    if not headline or "?" in headline or "!" in headline or CLICKBAIT.search(headline):
        return False
    letters = [ch for ch in headline if ch.isalpha()]
    return not (len(letters) > 12 and sum(ch.isupper() for ch in letters) / len(letters) > 0.7)


# Where a sentence may end early and still say something whole: before a trailing clause (", but ...", ", according
# to ...", ", saying ...") or a semicolon; not before a clause inside the sentence, after which the sentence goes on.
_CLAUSE_END = re.compile(
    r",\s(?=(?:but|while|although|though|according|saying|adding|prompting|forcing|leaving)\b)|;\s"
    # ... before a second main clause (", and emergency officials said ..."), when no other comma comes before it (a
    # list's ", and" is no clause break: "Vell, Tarvel, and Ostrin")
    r"|^[^,]*?(?P<and>,\s(?=and\s))"
    # ... and before a trailing adjunct (", after Democratic losses in ...", " \u2014 the first since ..."), unless it
    # is a parenthesis the sentence goes on after (_GOES_ON)
    r"|,\s(?=(?:after|amid|as|following|despite|citing|marking|making|sending|bringing|ending|raising|with|when|"
    # ... a participle ("..., coming to rest in a farm field"), told apart from a name ("Beijing") and a noun
    r"(?-i:(?!(?:no|some|any|every)?thing\b|king\b|morning\b|evening\b|building\b|meeting\b|spring\b)[a-z]{2,}ing)|"
    r"where|which|who|in\s+a\s+move|a\s+(?:move|decision|step|sign|day)|days|weeks|hours|"
    # ... an appositive that trails the sentence (", an age that would make them the oldest fossils")
    r"(?-i:an?\s+(?=[a-z]))|"
    r"the\s+(?:first|latest|biggest|largest|highest|worst|most|second|third))\b)"
    r"|\s[\u2014\u2013]\s"
    # ... and, with no comma, before what a dated event came with ("handed herself to police on Wednesday as
    # authorities began ...") or what it was meant to do ("... in an attempt to make up for ...")
    r"|(?<=day|ght|ing|eek|nth|ear)\s(?=(?:as(?!\s+(?:many|much|well|long|soon|far|part|of|a\s+result)\b)|after|amid|"
    r"following|while)\s)"
    r"|\s(?=in\s(?:an\s+attempt|a\s+bid|a\s+move|an\s+effort|response)\b)",
    re.IGNORECASE,
)
# A clause set off by commas or dashes inside the sentence: the sentence goes on after it ("The storm, which hit on
# Monday, has killed three"; "Ostrava \u2014 a city of 300,000 \u2014 voted").
_GOES_ON = re.compile(
    r"^[^,;\u2014\u2013]{0,120}?(?:,|\s[\u2014\u2013])\s+(?:that|to|was|were|is|are|has|have|had|will|would|could|"
    r"can|said|says|told|did|does)\b"
)


_DASH = re.compile(r"\s[\u2014\u2013]\s")
_SET_OFF = re.compile(
    r"[^,;.]{0,60},\s+(?!(?:and|but|or|while|as|with|after|before|in|on|at|which|who|according|saying|adding)\b)"
    r"(?![a-z]+ing\b)[a-z]"
)


def clipped(sentence: str, limit: int, least: int = 8) -> str | None:
    """The sentence cut at its last clause break within ``limit`` words ("A court sentenced Ma to four months in
    jail over a leak, legal documents showed, but he vowed to appeal" -> "A court sentenced Ma to four months in jail
    over a leak."), or None when no break leaves at least ``least`` words, or the cut would split a quotation.
    What is left is stated by every source of the sentence: the checker reads it as a shortened statement."""
    words = sentence.split()
    if len(words) <= limit:
        return sentence
    head = " ".join(words[: limit + 1])
    text = " ".join(words)
    dashes = len(_DASH.findall(text))
    found = [(m.start("and") if m.group("and") else m.start(), m) for m in _CLAUSE_END.finditer(head)]
    breaks = [
        at
        for at, m in found
        if len(head[:at].split()) >= least
        and not _GOES_ON.match(text[m.end() :])
        # a dash ends the sentence only when it is its one dash: two set off a clause inside it ("the Privy Council
        # - the final court of appeal - ruled ...")
        and not (_DASH.fullmatch(m.group()) and dashes > 1)
        # a phrase set off by commas, the sentence going on after it ("before the plane, flying low and erratically,
        # struck the ground"; "how much Poland, as a nation, bears responsibility"), is no place to end
        and not (m.group().startswith(",") and _SET_OFF.match(text[m.end() :]))
    ]
    if not breaks:
        return None
    return _ended(head[: breaks[-1]], least)


def _ended(head: str, least: int) -> str | None:
    """The words before a break as a sentence: without the small words it would end on, with a full stop; None
    when fewer than ``least`` are left or a quotation is left open."""
    cut = _without_closing_stopwords(head.rstrip(" ,;:")).rstrip(" ,;:")
    if len(cut.split()) < least or sum(cut.count(mark) for mark in '"\u201c\u201d') % 2:
        return None
    return cut + "."


# A phrase that sets the scene before the sentence's subject ("Amid news reports that ..., Elon Musk threatened ...";
# "On Monday, the council voted ..."): the sentence states its fact without it. Not "According to ...", which says
# whose fact it is, nor a clause the subject is the object of ("After he left, ...": "he" is told in it).
_SCENE_WORDS = (
    r"amid|after|following|despite|during|in|on|at|earlier|later|last|this|late|early|since|with|as|while|before|"
    r"when|although|though|because|by|for|to|under|passing|speaking|addressing"
)
_SCENE = re.compile(
    rf"^(?:{_SCENE_WORDS})\b(?!\s+(?:which|whom|turn|addition|fact)\b)[^,;:\"\u201c\u201d()]{{2,140}}?,\s+(?=[A-Za-z])",
    re.IGNORECASE,
)
_PARENTHESIS = re.compile(r"\s*\([^()]{1,80}\)")
_RELATIVE = re.compile(r",\s(?:which|who)\s[^,;:\"\u201c\u201d()]{3,100}?,\s(?=[a-z])")
_TRAILING_SOURCE = re.compile(
    r",\s+[^,;\"\u201c\u201d]{2,90}?\s(?:said|says|announced|told|reported|confirmed)\b[^,;\"\u201c\u201d]{0,40}\.$"
)
# The words a clause's subject is told in: a pronoun the left-out scene would have named ("After Liu fell ill, he")
_PRONOUN_SUBJECT = re.compile(r"^(?:he|she|they|it|his|her|its|their|this|that|these|those)\b", re.IGNORECASE)


def shortened(sentence: str, limit: int, least: int = 8) -> str | None:
    """The sentence in at most ``limit`` words, saying its main fact in its own words: cut at a clause break
    (``clipped``), or, when no break leaves it short enough, without what it can lose (a parenthesis, "Petrobras
    (NYSE:PBR)"; a non-restrictive clause, ", which prides itself on law and order,"; who announced it, ", officials
    from the Justice Department announced Thursday."; the scene set before its subject, "Amid news reports that ...,
    Elon Musk threatened ...") and then cut; when no such break leaves it short enough, its main clause before a
    subordinate one with no comma ("... after the union argued ..."). Of what fits, the longest. None when nothing
    does; the sentence itself when it fits.

    Only words are left out, none added or changed (bar the first letter's capital): every source of the sentence
    still states what is left, and the checker reads it as a shortened statement."""
    if len(sentence.split()) <= limit:
        return sentence
    forms = [sentence]
    plain = _PARENTHESIS.sub("", sentence)
    if plain != sentence and sum(plain.count(m) for m in "()") == 0:
        forms.append(plain)
    for form in list(forms):
        # ", which prides itself on law and order," says more about its noun; the sentence stands without it
        relative = _RELATIVE.search(form)
        if relative is not None and "," not in form[: relative.start()]:  # "play, The Salt Orchard, which ...,
            forms.append(form[: relative.start()] + " " + form[relative.end() :])  # is" would lose a comma it needs
    for form in list(forms):
        # "..., officials from the Justice Department announced Thursday.": the fact, without who announced it
        source = _TRAILING_SOURCE.search(form)
        if source is not None and len(form[: source.start()].split()) >= least:
            forms.append(form[: source.start()] + ".")
    for form in list(forms):
        scene = _SCENE.match(form)
        if scene is None:
            continue
        rest = form[scene.end() :]
        if len(rest.split()) >= least and not _PRONOUN_SUBJECT.match(rest):
            forms.append(rest[:1].upper() + rest[1:])
    fitting = [short for form in forms if (short := clipped(form, limit, least)) is not None]
    if not fitting:
        # No comma-marked break leaves it short enough: the main clause before its subordinate one ("... to Statoil
        # after the National Federation of Oil Workers argued ..." -> "... to Statoil.").
        fitting = [short for form in forms if (short := _before_subordinate(form, limit, least)) is not None]
    # The longest, a parenthesis counting for nothing ("(HSE:KEN)" tells a reader little): the plainer of equals.
    return max(fitting, key=lambda text: (len(_PARENTHESIS.sub("", text).split()), -len(text))) if fitting else None


# Where a main clause ends and a subordinate one starts with no comma between. Not "until" or "before", which bound
# what the main clause says ("closed until Friday"), nor "and" ("Iran, Russia and Turkmenistan").
_SUBORDINATE = re.compile(r"\s(?=(?:after|when|while|because|amid|following|despite|but|although|though|since)\s)")


def _before_subordinate(sentence: str, limit: int, least: int) -> str | None:
    head = " ".join(sentence.split()[: limit + 1])
    start = _last_break(head, _SUBORDINATE, least)
    cut = _ended(head[:start], least) if start is not None else None
    return None if cut is None or "(" in cut.split(")")[-1] else cut  # no bracket left open


def cut_at_word(text: str, limit: int) -> str:
    """The text's first words, marked as cut: at most ``limit`` words with the ellipsis, never ending on a small
    word ("of", "the")."""
    kept = _without_closing_stopwords(" ".join(text.split()[: max(limit - 1, 1)]))
    return (kept or text.split()[0]).rstrip(",;:") + " \u2026"


def shorten_headline(text: str, limit: int = HEADLINE_WORDS) -> str:
    """A headline of at most ``limit`` words: the title's best part, or the sentence up to a clause break."""
    text = " ".join(text.split()).rstrip(" .;,")
    if len(text.split()) <= limit:
        return text
    parts = [p.strip() for p in _TITLE_SEPARATORS.split(text) if len(p.split()) >= 3]
    # ... a part that starts as a headline does, at a capital, and leaves no quotation open ("a trick that may end
    # up saving their skins" is the end of a sentence; "Skull Island' a fun return" the end of a quoted title)
    fitting = [p for p in parts if len(p.split()) <= limit and (p[:1].isupper() or p[:1].isdigit()) and _paired(p)]
    if fitting:
        return max(fitting, key=lambda p: len(content_terms(p))).rstrip(" .;,")
    words = text.split()
    head = " ".join(words[: limit + 1])
    end = _last_break(head, _HEADLINE_BREAKS, 5)
    if end is None:  # no clause break: end before a phrase the limit would cut ("... of India for the injuries")
        end = _last_break(head, _HEADLINE_PHRASE, 6)
    cut = head[:end] if end is not None else " ".join(words[:limit])
    return _without_closing_stopwords(cut).rstrip(" .;,:") or " ".join(words[:limit])


_HEADLINE_PHRASE = re.compile(
    r"\s(?=(?:for|by|during|in|at|on|from|over|under|against|between|into|near|across|about|through)\s)"
)


def _paired(text: str) -> bool:
    """Whether the text closes every quotation it opens (curly marks paired, straight double marks even)."""
    return text.count("\u2018") == text.count("\u2019") - len(re.findall(r"\w\u2019\w", text)) and (
        text.count("\u201c") == text.count("\u201d") and text.count('"') % 2 == 0
    )


def _last_break(head: str, breaks: re.Pattern[str], least: int) -> int | None:
    """Where the last break of ``head`` that leaves at least ``least`` words before it starts; None when none does."""
    found = [m.start() for m in breaks.finditer(head) if len(head[: m.start()].split()) >= least]
    return found[-1] if found else None


def _without_closing_stopwords(text: str) -> str:
    """The text without the small words it would end on: never "of", "the", "to"."""
    tail = text.split()
    while tail and fold(tail[-1].strip(",;:")) in _CLOSING_NEVER:
        tail.pop()
    return " ".join(tail)


# Words no sentence or headline ends on: articles, prepositions, conjunctions, auxiliaries, possessives. (Not the
# search stopwords: "for two more years" or "on Monday" ends a sentence well.)
_CLOSING_NEVER = frozenset(
    "a an the of to for in on at by with from into onto about as than and or but nor so that which who whom whose "
    "its their his her our your my is are was were be been being has have had will would could should can may "
    "might must do does did not if while when where because after before since until despite amid via per "
    "against between among toward towards under over through without within this these those such he she they we i"
    "".split()
)


_SITE_SEPARATOR = re.compile(r"\s+(\||-|\u2013|\u2014|\u00b7)\s+(?=[^|\u2013\u2014\u00b7]*$)")
_SECTION_WORDS = frozenset(
    """news world national international local regional uk us europe business economy money markets finance
    politics sport sports football culture arts entertainment opinion comment lifestyle health science tech
    technology travel weather home latest top stories breaking live""".split()
)
_KICKER_WORDS = frozenset({"and", "&", "of"})
_OPEN_QUOTES = "\"'\u201c\u2018"


def clean_title(title: str, outlet: str | None = None) -> str:
    """A title without a site's suffix ("... | World News", "... - The Outlet") and without a topic kicker.

    A suffix goes when it follows " | " and is short, or follows a dash and names the outlet or a section. A kicker
    ("Russia-Ukraine conflict: ...", "Review: ...") goes when it is a short label (no verb-like small words) and what
    follows the colon is a headline of its own: a name in it, not a quotation the label's speaker said ("Mayor: 'We
    will rebuild'"), nor a description of the label ("Kestrel's plant: a 420 million euro wager").
    """
    title = " ".join(title.split())
    while (match := _SITE_SEPARATOR.search(title)) is not None:
        head, tail = title[: match.start()], title[match.end() :]
        words = [fold(w) for w in re.findall(r"[\w']+", tail)]
        names_outlet = bool(outlet) and fold(tail).removeprefix("the ") in fold(outlet or "")
        section = bool(words) and len(words) <= 4 and all(w in _SECTION_WORDS for w in words)
        short_pipe = match.group(1) in "|\u00b7" and len(words) <= 5
        if len(head.split()) < 4 or not (names_outlet or section or short_pipe):
            break
        title = head.rstrip()
    label, colon, rest = title.partition(": ")
    if not colon or not rest:
        return title
    label_words = label.split()
    rest_words = rest.split()
    is_label = 1 <= len(label_words) <= 4 and not any(
        fold(w) in STOPWORDS and fold(w) not in _KICKER_WORDS and not (i == 0 and fold(w) == "the")
        for i, w in enumerate(label_words)
    )  # a running story's label may open with "The" ("The Latest: ...")
    quoted = rest[:1] in _OPEN_QUOTES and rest.rstrip(".")[-1:] in "\"'\u201d\u2019"
    named = any(w[:1].isupper() for w in rest_words[1:])
    if is_label and not quoted and len(rest_words) >= 4 and named and rest.lstrip(_OPEN_QUOTES)[:1].isupper():
        return rest
    return title


# A sentence's opening clause that sets the scene before its subject ("Before the flight to his new home, Jack the
# cat escaped ...", "Passing Janet Jackson, Rihanna now trails only Madonna"): no headline starts there.
# ... and, for a headline, who says it: "According to the coastguard, the ferry ..." (an "If ..." clause stays: the
# sentence says what would happen)
_LEADING_CLAUSE = re.compile(
    rf"^(?:{_SCENE_WORDS}|according\s+to)\b[^,;:\"\u201c]{{0,90}},\s+(?=\S)",
    re.IGNORECASE,
)


def main_clause(sentence: str) -> str:
    """The sentence from its subject on: a leading scene-setting clause is left out (when 5 words or more remain)."""
    found = _LEADING_CLAUSE.match(sentence)
    if found is None or len(sentence[found.end() :].split()) < 5 or _PRONOUN_SUBJECT.match(sentence[found.end() :]):
        return sentence  # "When Romney's team wanted to tweet, it wasn't easy": "it" is told in the clause
    rest = sentence[found.end() :]
    return rest[:1].upper() + rest[1:]


def choose_headline(articles: Sequence[Article], dek: str | None) -> tuple[str, str | None]:
    """The most representative neutral title (shared terms with other independent reports), shortened if need be.

    Without a usable title, the dek's opening clause.
    """
    titles = {a.id: clean_title(a.title, a.outlet) for a in articles if a.title}
    titled = [a for a in articles if a.title and len(titles[a.id].split()) >= 3]
    terms = {a.id: set(content_terms(titles[a.id])) for a in titled}
    # A title that shares no word with its own report's opening is another page's ("Long Beach City College
    # Viking" over a report on a band's induction into a hall of fame): not the story's headline.
    titled = [a for a in titled if not a.sentences or terms[a.id] & set(content_terms(" ".join(a.sentences[:3])))]
    by_group: dict[str, set[str]] = {}
    for a in titled:
        by_group.setdefault(a.syndication_group or a.id, set()).update(terms[a.id])

    def score(article: Article) -> tuple[bool, float, float]:
        own = terms[article.id]
        group = article.syndication_group or article.id
        shared = sum(len(own & other) for g, other in by_group.items() if g != group)
        fits = len(titles[article.id].split()) <= HEADLINE_WORDS
        return (fits, shared / (len(own) + 2), -(article.published.timestamp() if article.published else 0.0))

    for article in sorted(titled, key=score, reverse=True):
        headline = shorten_headline(titles[article.id])
        if neutral(headline) and len(headline.split()) >= 3:
            return headline, article.id
    if dek:
        return shorten_headline(main_clause(dek)), None
    fallback = next((a for a in articles if a.title), None)
    if fallback is not None:
        return shorten_headline(titles[fallback.id]), fallback.id
    return "Untitled story", None


# -- attribution ---------------------------------------------------------------------------------------------------


def attributed(text: str, outlet: str, story_text: str = "") -> str:
    """'According to OUTLET, ...' before a sentence, with its first word lowered unless it is a name.

    What the story's articles write tells names from common words (``story_casing``): a word written with a capital
    in the middle of a sentence somewhere is a name ("Sandor", "Kestrel") and keeps it, as does a title before a name
    ("Governor Viktor Hallam"); a word written in lower case somewhere, or capitalised only where a sentence begins
    ("Barriers", "Turnout"), is a common word and is lowered. Stopwords and usual subjects are always common.
    """
    words = text.split()
    if words and common_opener(words[0], words[1:2], story_text) and text[:1].isupper():
        text = text[:1].lower() + text[1:]
    return f"According to {outlet}, {text}"


def common_opener(first: str, following: Sequence[str], story_text: str) -> bool:
    """Whether a sentence's first word is a common word (to be lowered inside a sentence) rather than a name.

    A word the story never writes in lower case nor with a capital mid-sentence is a name when it reads like the
    subject of an apposition or of speech ("Kestrel, headquartered in ...", "Kestrel's", "Kestrel said"), else common.
    """
    word = first.strip("\"'\u201c\u2018,;:")
    possessive = re.search(r"['\u2019]s$", word) is not None
    word = re.sub(r"['\u2019]s$", "", word)
    folded = fold(word)
    if folded in STOPWORDS:
        return True
    if not word.isalpha() or not word[1:].islower():
        return False  # "NATO", "McAllister", "E.", "12": written as they are
    names, lowered = story_casing(story_text)
    after = re.sub(r"['\u2019]s$", "", following[0].strip(",;:.")) if following else ""
    if after[:1].isupper() and (after in names or not story_text):
        return False  # "Governor Viktor Hallam": a title before a name stays capital
    speech = bool(following) and fold(following[0].strip(",;:")) in {"said", "says", "told", "added", "announced"}
    if word in names:  # "Police" of "Police Chief", "Foreign" of "Foreign Minister": common before a common word
        lower_next = bool(following) and following[0][:1].islower() and not speech
        return word.lower() in lowered and (folded in _COMMON_OPENERS or lower_next)
    if word.lower() in lowered or folded in _COMMON_OPENERS or not story_text:
        return True
    return not (first.endswith(",") or possessive or speech)  # capitalised only where sentences begin


_WORD = re.compile(r"[\"'\u201c\u2018(\[]*([A-Za-z][\w'\u2019-]*)([^\s]*)")
_SENTENCE_END = re.compile(r"[.!?:;\u2014]['\")\u201d\u2019]*$|^[\u2014\u2013-]+$")


@lru_cache(maxsize=16)
def story_casing(story_text: str) -> tuple[frozenset[str], frozenset[str]]:
    """The words a story writes with a capital in the middle of a sentence (names) and those it writes in lower case.

    A word right after a sentence's end, a colon, a dash or an opening quote is not read: a capital there says
    nothing. An abbreviation's full stop ("Dr. Amari") only loses a sign, it never makes a common word a name.
    """
    names: set[str] = set()
    lowered: set[str] = set()
    start = True
    for token in story_text.split():
        match = _WORD.match(token)
        if match is not None:
            word = match.group(1).rstrip("'\u2019")
            word = re.sub(r"['\u2019]s$", "", word)
            opens_quote = token[:1] in '"\u201c\u2018('
            if word[:1].islower():
                lowered.add(word)
            elif not start and not opens_quote:
                names.add(word)
        start = _SENTENCE_END.search(token) is not None
    return frozenset(names), frozenset(lowered)


def needs_attribution(claim: Claim, story_sources: int) -> str | None:
    """The outlet a single-source sentence is attributed to, when the story has other independent sources."""
    if claim.independent_sources != 1 or story_sources < 2:
        return None
    if claim.text.lower().startswith("according to"):
        return None
    first = min(claim.statements, key=lambda s: (s.article.published is None, s.article.published or 0, s.position))
    outlet = first.article.outlet
    if not outlet or outlet == UNKNOWN_OUTLET or "," in outlet:
        return None
    return outlet


_COMMON_OPENERS = frozenset(
    """officials police authorities residents witnesses investigators firefighters rescuers doctors researchers
    scientists analysts experts critics lawmakers voters workers students parents teachers fans organisers
    organizers prosecutors judges troops soldiers protesters demonstrators passengers survivors victims families
    local state federal city regional national government ministry council company shares prices
    several many some most more about nearly almost around over under at least up to only another none nobody
    no everyone everybody forecasters crews engineers emergency rescue flood floodwater heavy""".split()
)


# -- where sources differ -----------------------------------------------------------------------------------------


def difference_of(claim: Claim) -> Difference:
    """A disputed claim as the brief shows it: each version in its source's words, citing its outlets."""

    def in_full(text: str) -> str:
        return mended_quote(text) or text

    versions = sorted(claim.versions, key=lambda v: (-len({s.source_key for s in v}), min(s.position for s in v)))
    about = "; ".join(dict.fromkeys(f"{c.kind}: {c.this} / {c.other}" for c in claim.conflicts)) or "the facts"
    return Difference(
        about=about,
        versions=[
            Sentence(in_full(min(v, key=lambda s: s.position).text), citations_of(v), label="disputed")
            for v in versions
        ],
    )


# -- key players and quotes ---------------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def recognizer(model: str) -> EntityRecognizer:
    """One entity recognizer per model per process: spaCy loads once, not once per brief."""
    from newsloom.analyze.entities import EntityRecognizer

    return EntityRecognizer(model)


_MENTIONS_KEPT = 50_000  # sentences whose mentions a process keeps: a story's brief is rewritten as reports come in
_mentions_seen: OrderedDict[tuple[str, str, int, str], list[Mention]] = OrderedDict()


def sentence_mentions(articles: Sequence[Article], model: str) -> list[Mention]:
    """The mentions in the articles' non-blank sentences, each sentence read by the model once per process.

    Only sentences not seen before go through spaCy, in one batch; blank sentences (left out of a focused article)
    are not read at all.
    """
    fresh: list[Article] = []
    fresh_positions: list[list[int]] = []
    for article in articles:
        positions = [
            i
            for i, text in enumerate(article.sentences)
            if text.strip() and (model, article.id, i, text) not in _mentions_seen
        ]
        if positions:
            fresh.append(replace(article, sentences=[article.sentences[i] for i in positions]))
            fresh_positions.append(positions)
    if fresh:
        found: dict[tuple[str, int], list[Mention]] = {}
        for mention in recognizer(model).mentions(fresh):
            found.setdefault((mention.article_id, mention.sentence_index), []).append(mention)
        for article, positions in zip(fresh, fresh_positions, strict=True):
            for compact, position in enumerate(positions):
                mentions = [replace(m, sentence_index=position) for m in found.get((article.id, compact), [])]
                _mentions_seen[(model, article.id, position, article.sentences[compact])] = mentions
        while len(_mentions_seen) > _MENTIONS_KEPT:
            _mentions_seen.popitem(last=False)
    out: list[Mention] = []
    for article in articles:
        for i, text in enumerate(article.sentences):
            if text.strip():
                out.extend(_mentions_seen.get((model, article.id, i, text), []))
    return out


def story_entities(
    articles: Sequence[Article], model: str, sentences_per_article: int
) -> tuple[list[Entity], list[Quote]]:
    """The people, organisations and places of the story's opening sentences, and who said what there.

    Returns nothing when the entity model cannot be loaded: a brief is still written without key players.
    """
    from newsloom.analyze.entities import resolve_entities
    from newsloom.analyze.quotes import find_quotes

    opening = [replace(a, sentences=a.sentences[:sentences_per_article]) for a in articles]
    try:
        mentions = sentence_mentions(opening, model)
    except RuntimeError as error:  # no spaCy or no model: say why once, in the debug log
        log.debug("no key players: %s", error)
        return [], []
    entities = resolve_entities(mentions, opening)
    return entities, find_quotes(opening, entities)


def key_players(entities: Sequence[Entity], limit: int) -> list[KeyPlayer]:
    """The entities most independent sources name, people first among equals, with their other spellings."""
    order = {"person": 0, "organization": 1, "place": 2}
    ranked = sorted(
        entities,
        key=lambda e: (-e.independent_sources, -len(e.mentions), order.get(e.kind, 3), e.canonical),
    )
    out = []
    for entity in ranked[:limit]:
        aliases = [a for a in entity.aliases if a != entity.canonical]
        out.append(KeyPlayer(entity.canonical, entity.kind, aliases, entity.independent_sources))
    return out
