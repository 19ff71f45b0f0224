"""What a brief says: the claims worth a reader's words, ranked, then chosen under a word budget.

A claim's worth is the product of four things an editor weighs:

- support: how many independent sources state it (syndicated copies count once);
- position: how near the top of its article it comes (reporters put what happened first);
- the article: how central the article that states it is to the story (articles read most-central first);
- centrality: how much of the story's common vocabulary it uses (its terms weighted by the support of every claim
  that shares them, and by their rarity among the story's claims), so a sentence about the event beats one about
  the outlet's other news.

A sentence that cannot stand alone ("He said ...", "But ...") is worth less, and so is a very short one. Chosen
claims must each add something: one too close to a chosen claim (term overlap) is skipped. The weights were set on
fictional stories written for the project and checked against multi-document news summaries (benchmarks/summaries.py),
not fitted to one data set.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from newsloom.analyze.claims import label_claim
from newsloom.analyze.compare import Meanings, SentenceMatcher, facts_of, numbers_in_dispute
from newsloom.model import Claim, Conflict, Statement
from newsloom.text.speech import QUOTE_MARK, SPEAKER_VERBS, alternation, quote_marks
from newsloom.text.terms import content_terms, numbers
from newsloom.write.settings import Weights

# Opening words that point back at someone or something the brief may not name: "He said ...", "The latter ...".
NEEDS_CONTEXT = re.compile(
    r"^[\"'\u201c\u2018]?(he|she|it|they|we|this|that|these|those|his|her|its|their|such|both|the two|the latter|"
    r"the former)\b",
    re.IGNORECASE,
)
# Opening words that tie a sentence to the one before it: the sentence still says its fact on its own, a little
# less smoothly ("But the river kept rising", "There were 19 people injured").
CONNECTIVE = re.compile(
    r"^[\"'\u201c\u2018]?(but|and|also|however|meanwhile|still|yet|so|then|instead|otherwise|nevertheless)\b",
    re.IGNORECASE,
)
_SPEAKER = re.compile(r"\b" + alternation(SPEAKER_VERBS) + r"\b", re.IGNORECASE)
# The outlet speaking in its own voice, outside any quotation: "We're happy to report ...", "our video team edited
# ...", "Please show your support ...", a columnist's "I did not believe ...". A report's facts are told in the
# third person; these sentences are the outlet's promotion, comment or address to its readers, not news.
_OWN_VOICE = re.compile(
    r"\b(?:[Ww]e|[Ww]e[\u2019']re|[Ww]e[\u2019']ve|[Ww]e[\u2019']ll|[Oo]urs?|us|[Yy]ou|[Yy]our|[Yy]ou[\u2019']re|[Yy]ours|"
    r"I(?!\.\s?[A-Z])|I[\u2019']m|I[\u2019']ve|[Mm]y|me)\b"  # not the initial of "I. Lewis Libby"
    r"|^[Pp]lease\b"  # "us" in lower case only: "US" is the United States
)


_FINISHED = re.compile(r"[.!?][\"'\u201d\u2019)\]]*$")


def unfinished(text: str) -> bool:
    """Whether the line ends without a stop: a headline, a subhead or a caption inside the text, not a sentence."""
    return _FINISHED.search(text.rstrip()) is None


def own_voice(text: str) -> bool:
    """Whether the sentence speaks as the outlet (first or second person outside quotation marks)."""
    unquoted = _REGNAL.sub(" ", _QUOTED.sub(" ", text))
    return _OWN_VOICE.search(unquoted) is not None


_REGNAL = re.compile(r"\b[A-Z][a-z]+ I\b")  # "World War I", "King Charles I": a numeral, not the writer

# A picture's caption inside the text: "A photo from the 1998 excavation, with ...", "This undated image shows ...",
# "In this Jan. 5 photo, ...", "FILE - ...", "Photo: ...". It describes a picture the brief does not show.
_CAPTION = re.compile(
    r"^(?:file\s*[-\u2013\u2014:]\s*"
    r"|(?:photo|image|picture|video)\s*:"
    r"|in\s+this\b.{0,40}?\b(?:photo|photograph|picture|image|file photo|video|screenshot|screen grab)\b"
    r"|(?:a|an|this)\s+(?:[\w-]+\s+){0,2}?(?:photo|photograph|picture|image|screenshot|screen grab|video still)\s+"
    r"(?:[\w-]+\s+)?(?:from|shows|showing|taken|provided|released|dated|obtained)\b)",
    re.IGNORECASE,
)


# ... or, told in the present tense of what the picture shows, on the date it was taken: "White House counselor X
# speaks in support of Y at an event in Wayne, N.J., on Oct. 22, 2018."
_CAPTION_SCENE = re.compile(
    r"^(?:[\w.'\u2019-]+\s+){1,10}?"
    r"(?<!\bwould\s)(?<!\bwill\s)(?<!\bto\s)(?<!\bcould\s)(?<!\bcan\s)(?<!\bmay\s)(?<!\bmight\s)(?<!\bshould\s)"
    r"(?<!\bmust\s)(?<!\bdid\s)(?<!\bdo\s)(?<!\bdoes\s)(?<!\bsaid\s)"
    r"(?:speaks?|walks?|arrives?|attends?|gestures?|looks? on|listens?|poses?|waves?|smiles?|gathers?|marches|march|"
    r"reacts?|is seen|are seen|is pictured|are pictured)\b"
    r".{0,160}\bon\s+(?:Jan|Feb|Mar|Apr|May|June?|July?|Aug|Sept?|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2},\s*"
    r"\d{4}\.[\"'\u201d\u2019)]*$"
)


# ... or naming who stands where in the picture ("Elections supervisor X, left, and judge Y listen to arguments"), or
# dated the agency's way, where it ends or anywhere in it ("... react to the results, in Calgary, Alta., Tuesday,
# Nov. 13, 2018."; "listen to arguments, Sunday, Nov. 11, 2018, at ..."): a report writes "Sunday" and no year.
_CAPTION_PLACE = re.compile(
    r",\s(?:left|right|center|centre|top|bottom|foreground|background|(?:second |third )?from (?:left|right)|"
    r"far (?:left|right)),\s",
    re.IGNORECASE,
)
_CAPTION_DAY = re.compile(
    r"\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday),\s*"
    r"(?:Jan|Feb|Mar|Apr|May|June?|July?|Aug|Sept?|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2},\s*\d{4}\b"
)


def caption(text: str) -> bool:
    """Whether the sentence is a picture's caption ("A photo from the 1998 excavation, with the foot bones ...")."""
    return (
        _CAPTION.match(text.lstrip("\"'\u201c\u2018(")) is not None
        or _CAPTION_SCENE.search(text) is not None
        or _CAPTION_PLACE.search(text) is not None
        or _CAPTION_DAY.search(text) is not None
    )


@dataclass
class Candidate:
    """A claim with what the brief needs to weigh it."""

    claim: Claim
    terms: frozenset[str]
    worth: float
    article_rank: int
    _numbers: frozenset[str] | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        return self.claim.text

    def words(self) -> int:
        return len(self.claim.text.split())

    def numbers(self) -> frozenset[str]:
        if self._numbers is None:
            self._numbers = numbers(self.claim.text)
        return self._numbers


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def rank_claims(
    claims: Sequence[Claim],
    article_rank: dict[str, int],
    weights: Weights | None = None,
    reported_by: dict[int, int] | None = None,
) -> list[Candidate]:
    """The claims, best first, each with its worth.

    ``reported_by`` (id of a claim -> independent sources) counts the outlets that report a fact when its citations
    were narrowed to those that state its figures (``tightened``): how widely a fact is reported says how much it
    matters, even when only some outlets give the number.
    """
    reported_by = reported_by or {}
    weights = weights or Weights()
    if not claims:
        return []
    terms = [frozenset(content_terms(c.text)) for c in claims]
    document_frequency: Counter[str] = Counter()
    for found in terms:
        document_frequency.update(found)
    count = len(claims)
    rarity = {t: math.log((count + 1) / (df + 0.5)) for t, df in document_frequency.items()}
    common: Counter[str] = Counter()
    for claim, found in zip(claims, terms, strict=True):
        for term in found:
            common[term] += reported_by.get(id(claim), claim.independent_sources)
    centrality = [
        sum(common[t] * rarity[t] for t in found) / math.sqrt(len(found)) if found else 0.0 for found in terms
    ]
    top = max(centrality) or 1.0
    out = []
    for claim, found, central in zip(claims, terms, centrality, strict=True):
        rank = min(article_rank.get(s.article.id, len(article_rank)) for s in claim.statements)
        worth = (weights.centrality_floor + central / top) / (1 + claim.lead_position) ** weights.position
        worth /= (1 + rank) ** weights.article
        worth *= 1 + weights.support * (reported_by.get(id(claim), claim.independent_sources) - 1)
        if not stands_alone(claim.text):
            worth *= weights.needs_context
        elif CONNECTIVE.match(claim.text):
            worth *= weights.connective
        if len(claim.text.split()) < weights.short_words:
            worth *= 0.5
        if own_voice(claim.text) or unfinished(claim.text) or caption(claim.text):
            worth *= weights.own_voice
        out.append(Candidate(claim, found, worth, rank))
    out.sort(key=lambda c: (-c.worth, c.article_rank, c.claim.lead_position))
    return out


def adds_something(
    candidate: Candidate, chosen: Sequence[Candidate], weights: Weights | None = None, meaning: Meanings | None = None
) -> bool:
    """Whether the claim says something the chosen claims do not already say: not most of the same words, nor the
    same numbers in words a sentence encoder finds to mean the same ("The last time the river flooded the Lower
    Town was in 1987" / "Dunmere's last comparable flood was in 1987")."""
    limit = (weights or Weights()).redundant
    if any(jaccard(candidate.terms, other.terms) > limit for other in chosen):
        return False
    if meaning is None or not candidate.numbers():
        return True
    return not any(
        other.numbers() == candidate.numbers() and meaning(candidate.text, other.text) >= SAME_NEWS for other in chosen
    )


def _names_speaker_after(text: str, position: int, reach: int = 8) -> bool:
    """Whether the words right after a quotation's closing mark say who spoke: '..." said Jeff Cramer.'"""
    following = " ".join(text[position + 1 :].split()[:reach])
    return _SPEAKER.search(following) is not None


def _names_speaker_before(text: str, position: int) -> bool:
    """Whether the words before a quotation's opening mark say who speaks: 'He told NBC: "...'."""
    before = text[:position].rstrip()
    return _SPEAKER.search(before) is not None or before.endswith((":", ","))


def mended_quote(text: str) -> str | None:
    """The sentence with its quotation marks paired, or None when it quotes someone without saying who.

    A reporter's long quotation is split by a sentence splitter into pieces. The piece that names the speaker
    stands alone once its lost mark is put back: the closing piece (``... classic obstruction," said Jeff Cramer.``)
    gets its opening mark, the opening piece (``He told NBC: "Mr. Trump did not sign.``) its closing one. A piece
    with no speaker (a middle sentence, or quoted words alone) cannot be printed: nobody would stand behind it.
    Marks are read by where they stand, so the wire's ``''`` closes a quotation and a sentence mixing straight and
    curly marks pairs them as a reader would.
    """
    marks = quote_marks(text)
    if marks.paired:
        bare = text.strip()
        found = list(QUOTE_MARK.finditer(bare))
        quoted_alone = len(found) == 2 and found[0].start() == 0 and bare[found[1].end() :] in ("", ".")
        return None if quoted_alone else text
    opening, closing = ("\u201c", "\u201d") if marks.curly else ('"', '"')
    if marks.lost_opening is not None and marks.lost_closing is None:
        return opening + text if _names_speaker_after(text, marks.lost_opening) else None
    opening_piece = marks.lost_closing is not None and marks.lost_opening is None
    if opening_piece and marks.lost_closing is not None and _names_speaker_before(text, marks.lost_closing):
        end = len(text.rstrip())
        return text[:end] + closing + text[end:]
    return None


def paired_marks(text: str) -> str:
    """A piece of a quotation printed right after the piece before it, with its lost marks put back."""
    mended = mended_quote(text)
    if mended is not None:
        return mended
    marks = quote_marks(text)
    opening, closing = ("\u201c", "\u201d") if marks.curly else ('"', '"')
    if marks.lost_opening is not None:
        text = opening + text
    if marks.lost_closing is not None:
        end = len(text.rstrip())
        text = text[:end] + closing + text[end:]
    return text  # quoted words alone, after the sentence that names their speaker, stay as written


def split_quote(text: str) -> bool:
    """Part of a quotation that does not say who is speaking (see ``mended_quote``)."""
    return mended_quote(text) is None


def stands_alone(text: str) -> bool:
    """A sentence a reader can take out of its article: no pointer back, no quotation without its speaker, no
    speaker known only as "he", "she" or "they" ('"Kaldoria voted for change," she said', '..., he said.'), and no
    answer without its question ("Not yet, said the analyst.")."""
    return (
        not NEEDS_CONTEXT.match(text) and not split_quote(text) and not pronoun_speaker(text) and not _REPLY.match(text)
    )


# A bare answer put in someone's mouth: "Not yet, said Efraim Levy, an analyst." answers a question the sentence
# before it asked.
_REPLY = re.compile(
    r"^[\"'\u201c\u2018]?(?:yes|no|not yet|not so|not really|not at all|absolutely|exactly|of course|never|maybe|"
    r"perhaps|probably|probably not|hardly|sure)[.!,]?[\"'\u201d\u2019]?,?\s+(?:\w+\s+){0,2}?"
    + alternation(SPEAKER_VERBS - {"according to"})
    + r"\b",
    re.IGNORECASE,
)


_PRONOUN = r"(?:he|she|they)"
_PRONOUN_SPEAKS = re.compile(
    rf"\b{_PRONOUN}\s+(?:\w+ly\s+)?{alternation(SPEAKER_VERBS - {'according to'})}\b"
    rf"|\b{alternation(SPEAKER_VERBS - {'according to'})}\s+{_PRONOUN}\s*(?:[.,;:]|$)",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"[\"\u201c][^\"\u201c\u201d]*[\"\u201d]?")


def pronoun_speaker(text: str) -> bool:
    """Whether the sentence's speaker is a pronoun no name before it in the sentence explains.

    "Hallam conceded in Tarvel and said he had called Sandor" names its speaker; "A full assessment would take three
    weeks, he said" and '"We will rebuild," she said' do not: they read right only after the sentence naming the
    person.
    """
    found = _PRONOUN_SPEAKS.search(text)
    if found is None:
        return False
    before = _QUOTED.sub(" ", text[: found.start()]).split()
    # A capital after the first word is a name the pronoun may stand for; the first word alone proves nothing
    # ("Crews worked all night, they said"): a sentence wrongly held back waits, one wrongly let through dangles.
    return not any(word[:1].isupper() for word in before[1:])


_PERSONAL = re.compile(r"\b(?:he|she|his|her|him)\b", re.IGNORECASE)


def needs_a_person(text: str) -> bool:
    """A sentence that leans on a person named before it: it opens with "He"/"Her ..." or its speaker is "he"/"she"."""
    opening = NEEDS_CONTEXT.match(text)
    if opening is not None and _PERSONAL.fullmatch(opening.group(1)):
        return True
    found = _PRONOUN_SPEAKS.search(text)
    return (
        found is not None and pronoun_speaker(text) and re.search(r"\b(?:he|she)\b", found.group(0), re.I) is not None
    )


def names_someone(text: str) -> bool:
    """Whether a sentence names someone a following "he" or "she" may stand for: a capitalised word outside quotations
    after its first word, or a first word followed by another capitalised word ("Mira Sandor")."""
    marks = sum(text.count(mark) for mark in '"\u201c\u201d')
    if marks % 2 and text[:1] not in '"\u201c':
        text = '"' + text  # the piece of a quotation split across sentences: its opening mark is in the one before
    outside = _QUOTED.sub(" ", text).split()
    return any(word[:1].isupper() for word in outside[1:])


BACKS = 0.35  # similarity in words (as ClaimSettings.same_claim) at which another statement stands behind one ...
PARAPHRASE = 0.7  # ... or the cosine of their embeddings (ClaimSettings.paraphrase: the same fact in other words)
SAME_NEWS = 0.6  # cosine from which two claims with the same numbers say the same: the brief prints one


def tightened(
    claim: Claim, matcher: SentenceMatcher | None = None, meaning: Meanings | None = None, language: str | None = None
) -> list[Claim]:
    """The claim printed as the statement that most outlets back, and cited only by those that back its numbers
    and its quotes; the statements that do not back it become claims of their own.

    Outlets that say the same thing without the figure do not stand behind the figure, nor outlets that quote the
    speaker saying something else behind the quote. Among the claim's statements the one whose numbers and quotes
    the most independent sources state is printed ("5.8 metres after 110 mm of rain", which three outlets give,
    rather than one outlet's "5.8 metres, 1.6 metres over flood stage, after 110 mm in 24 hours"); ties go to the
    statement that opens its article earliest, then to the first report (the wire, more often than a translation).
    A statement in the brief's ``language`` goes before one in another language.
    What the others add (another figure, another quote) stays in the story as a claim of its own, so a number one
    outlet gives otherwise can still show as a dispute. A statement stands behind another when the two are as
    alike as two statements the alignment links (``BACKS``; ``matcher``: IDF learnt from the story, names read
    across spellings), not merely as the group they joined, or say the same in other words (``meaning``: a
    sentence encoder's cosine of at least ``PARAPHRASE``).
    """
    if claim.label == "disputed" or len(claim.statements) < 2:
        return [claim]

    if matcher is None:
        matcher = SentenceMatcher().fit(s.text for s in claim.statements)

    def backers(statement: Statement) -> list[Statement]:
        wanted = numbers(statement.text)
        quotes = _quoted(statement.text)
        return [
            s
            for s in claim.statements
            if s is statement
            or (
                wanted <= numbers(s.text)
                and all(_quotes(q, _quoted(s.text)) for q in quotes)
                and (
                    matcher.similarity(statement.text, s.text) >= BACKS
                    or (
                        meaning is not None
                        and meaning(matcher.spelt(statement.text), matcher.spelt(s.text)) >= PARAPHRASE
                    )
                )
            )
        ]

    lead = min(
        claim.statements,
        key=lambda s: (
            s.article.language not in (None, language),  # the brief's language first: its reader reads that
            -len({b.source_key for b in backers(s)}),
            s.position,
            _first(s),
        ),
    )
    kept = backers(lead)
    if len(kept) == len(claim.statements) and lead is claim.representative:
        return [claim]
    narrowed = label_claim(Claim(kept))
    narrowed.lead = lead
    rest = [s for s in claim.statements if all(s is not k for k in kept)]
    return [narrowed, *tightened(label_claim(Claim(rest)), matcher, meaning, language)] if rest else [narrowed]


def _first(statement: Statement) -> float:
    published = statement.article.published
    return published.timestamp() if published is not None else float("inf")


def _quoted(text: str) -> tuple[str, ...]:
    """The words a sentence quotes, a piece of a split quotation included."""
    return facts_of(mended_quote(text) or text).quotes


def _quotes(quote: str, others: tuple[str, ...]) -> bool:
    """Whether another statement gives the quote, whole or in part."""
    return any(quote in other or other in quote for other in others)


def number_conflict(a: Candidate, b: Candidate, frequent: set[str]) -> Conflict | None:
    """Two claims giving different numbers for the same thing (``compare.numbers_in_dispute``)."""
    return numbers_in_dispute(a.text, a.terms, a.numbers(), b.text, b.terms, b.numbers(), frequent)


def _side(claim: Candidate, versions: list[list[Candidate]], values: tuple[str, str], frequent: set[str]) -> int | None:
    """The version of a dispute whose number the claim gives, against the other version's; None when neither."""
    for side in (0, 1):
        for other in versions[1 - side]:
            conflict = number_conflict(claim, other, frequent)
            if conflict is not None and conflict.this == values[side]:
                return side
    return None


def _dispute_to_join(
    claim: Candidate, versions_of: dict[int, list[list[Candidate]]], conflicts: dict[int, Conflict], frequent: set[str]
) -> tuple[int, int] | None:
    """The dispute, and its side, whose number the claim gives (never one its articles are in already)."""
    articles = {s.article.id for s in claim.claim.statements}
    for number, versions in versions_of.items():
        if articles & {s.article.id for version in versions for x in version for s in x.claim.statements}:
            continue
        side = _side(claim, versions, (conflicts[number].this, conflicts[number].other), frequent)
        if side is not None:
            return number, side
    return None


def merge_disputes(candidates: Sequence[Candidate], look_at: int = 40) -> list[Claim]:
    """The claims with those that state the same fact with conflicting numbers joined into disputed claims.

    The claim alignment joins sentences worded alike; two outlets that report different numbers often word the
    sentence differently too ("19 people were injured" / "put the number of injured at 14"). Among the best
    candidates, two claims conflict when each states a number near a word they share (one that is not the story's
    common vocabulary nor a unit, and not the only such word they share) that the other does not state. Each claim
    joins one dispute at most.
    """
    top = [c for c in candidates[:look_at] if c.claim.label != "disputed" and c.numbers()]
    common = Counter(t for c in candidates for t in c.terms)
    frequent = {t for t, n in common.items() if n > max(2, len(candidates) * 0.4)}
    versions_of: dict[int, list[list[Candidate]]] = {}  # dispute number -> versions
    home: dict[int, int] = {}  # id(candidate) -> dispute number
    conflicts: dict[int, Conflict] = {}
    for i, a in enumerate(top):
        for b in top[i + 1 :]:
            if id(a) in home or id(b) in home:
                continue  # one dispute per claim: a chain of conflicts would join claims about other things
            if {s.article.id for s in a.claim.statements} & {s.article.id for s in b.claim.statements}:
                continue
            conflict = number_conflict(a, b, frequent)
            if conflict is None:
                continue
            number = len(versions_of)
            versions_of[number] = [[a], [b]]
            conflicts[number] = conflict
            home[id(a)] = home[id(b)] = number
    # A third outlet's claim that gives one side's number joins that side ("19 people were injured" of a second
    # outlet), so the body does not print one side of a dispute shown below it.
    for c in top:
        found = None if id(c) in home else _dispute_to_join(c, versions_of, conflicts, frequent)
        if found is not None:
            versions_of[found[0]][found[1]].append(c)
            home[id(c)] = found[0]
    # A statement inside another claim that gives one side's number ("..., and 19 people were injured" of a claim
    # printed for its other fact) puts its outlet on that side too; the claim keeps the rest.
    for c in candidates:
        if id(c) in home or c.claim.label == "disputed" or len(c.claim.statements) < 2:
            continue
        for statement in list(c.claim.statements):
            if statement is c.claim.representative or not numbers(statement.text):
                continue
            alone = Candidate(Claim([statement]), frozenset(content_terms(statement.text)), 0.0, c.article_rank)
            found = _dispute_to_join(alone, versions_of, conflicts, frequent)
            if found is not None:
                versions_of[found[0]][found[1]].append(alone)
                rest = [s for s in c.claim.statements if s is not statement]
                c.claim = replace(label_claim(Claim(rest)), lead=c.claim.lead if c.claim.lead in rest else None)
    out = [c.claim for c in candidates if id(c) not in home]
    for number, versions in versions_of.items():
        statements = [s for version in versions for c in version for s in c.claim.statements]
        out.append(
            Claim(
                statements,
                label="disputed",
                versions=[[s for c in version for s in c.claim.statements] for version in versions],
                conflicts=[conflicts[number]],
            )
        )
    return out
