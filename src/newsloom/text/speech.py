"""How news text reports speech: the verbs that say who spoke, and the quotation marks a sentence opens and closes.

One vocabulary for every room that reads quotes (the quote finder, the writers, the checker, the comparison of
versions). Each reader takes the view of the verbs it needs, derived here from the one table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

QUOTE_MARK = re.compile(r"''|``|[\"\u201c\u201d]")  # straight, curly, and the wire's '' and ``


@dataclass(frozen=True)
class SpeechVerb:
    """A verb that says who spoke, in the forms news copy uses: base, he/she form and past ("say", "says", "said")."""

    base: str
    present: str
    past: str

    @property
    def forms(self) -> tuple[str, str, str]:
        return self.base, self.present, self.past


def _verbs(table: str) -> tuple[SpeechVerb, ...]:
    """Verbs from lines of "base he/she-form past"; spelled out, since "said", "told" and "wrote" follow no rule."""
    return tuple(SpeechVerb(*line.split()) for line in table.strip().splitlines())


def _inflected(verbs: Iterable[SpeechVerb]) -> frozenset[str]:
    """The he/she and past forms of the verbs: "says", "said", "tells", "told"."""
    return frozenset(form for verb in verbs for form in (verb.present, verb.past))


# Verbs that report speech on their own: "X warned that ...", '"...," X warned', "X told reporters ...".
REPORTING = _verbs(
    """
    say says said
    tell tells told
    add adds added
    warn warns warned
    announce announces announced
    state states stated
    note notes noted
    insist insists insisted
    claim claims claimed
    argue argues argued
    explain explains explained
    write writes wrote
    declare declares declared
    stress stresses stressed
    emphasise emphasises emphasised
    emphasize emphasizes emphasized
    confirm confirms confirmed
    deny denies denied
    acknowledge acknowledges acknowledged
    admit admits admitted
    reply replies replied
    respond responds responded
    urge urges urged
    predict predicts predicted
    vow vows vowed
    pledge pledges pledged
    promise promises promised
    caution cautions cautioned
    suggest suggests suggested
    maintain maintains maintained
    assert asserts asserted
    remark remarks remarked
    recall recalls recalled
    concede concedes conceded
    """
)
# Verbs that name who spoke beside quoted words ('"...," he continued'); alone they mostly carry no statement
# ("continued to rise", "posted a video", "asked for help", "tweeted a photo", "testified before the committee").
BESIDE_QUOTES = _verbs(
    """
    ask asks asked
    continue continues continued
    post posts posted
    tweet tweets tweeted
    testify testifies testified
    """
)
# How a text credits a claim to a news outlet ("..., Meridian Wire reported"): a source, not a speaker.
CREDITING = _verbs("report reports reported")
ACCORDING_TO = "according to"
AS_REPORTED_BY = "as reported by"
VERBS = {verb.base: verb for verb in (*REPORTING, *BESIDE_QUOTES, *CREDITING)}

# Reporting verbs whose past form news copy uses as often in another sense ("admitted to hospital", "responded to
# the fire", "recalled 10,000 cars", "declared dead", "the data suggested"); read only next to a speaker.
OTHER_SENSES = frozenset("admit concede declare maintain predict recall respond suggest".split())

# What the quote finder reads as a speech verb, with a speaker beside it: the he/she and past forms. Base forms
# double as nouns ("a claim", "the state", "a note"), so only "say" is read in its base form ("officials say").
SPEECH_VERBS = _inflected(REPORTING) | {"say"}
# Words that name a quotation's speaker when they stand right by its marks ('..." said Jeff Cramer.'). Not "say":
# it stands inside quoted words ("I have to say", "not to say") as often as after them.
SPEAKER_VERBS = _inflected(REPORTING) | _inflected(BESIDE_QUOTES) | {ACCORDING_TO}
# Words that mark a sentence as speech wherever they stand, no speaker looked for: past forms without other senses,
# and "says". Other he/she forms double as plural nouns ("claims", "notes", "states", "pledges"), which a search
# for the bare word cannot tell apart.
PLAIN_SPEECH = frozenset(
    {VERBS["say"].present, ACCORDING_TO} | {verb.past for verb in REPORTING if verb.base not in OTHER_SENSES}
)
# Verbs by which a text credits a claim to a source ("..., Meridian Wire said." / "... reported.").
CREDIT_VERBS = SPEECH_VERBS | _inflected(CREDITING)
# Every form of every verb, for a reader that compares the words around a name ("Varga said" / "Hale said").
EVERY_FORM = frozenset(form for verb in VERBS.values() for form in verb.forms)


def alternation(words: Iterable[str]) -> str:
    """A regex group (not capturing) that matches any of the words or phrases, longest first."""
    return "(?:" + "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w))) + ")"


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
