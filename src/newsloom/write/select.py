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
from dataclasses import dataclass

from newsloom.analyze.claims import Claim, label_claim
from newsloom.analyze.compare import Conflict
from newsloom.text.terms import content_terms, numbers, stem, words

NUMBER_WORDS = {
    w: str(i) for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve".split())
}
_DIGITS = re.compile(r"\d+(?:\.\d+)?")

# Opening words that point back at a sentence the brief may not print.
NEEDS_CONTEXT = re.compile(
    r"^[\"'\u201c\u2018]?(he|she|it|they|we|this|that|these|those|his|her|its|their|but|and|also|however|meanwhile|"
    r"still|yet|so|then|there|such|both|the two|the latter|the former|instead|otherwise|nevertheless)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Weights:
    position: float = 0.5  # worth falls as 1 / (1 + position) ** this
    article: float = 0.6  # ... and as 1 / (1 + the article's rank) ** this
    support: float = 1.0  # each extra independent source adds this share of the worth
    centrality_floor: float = 0.5  # worth of a claim with none of the story's common vocabulary, relative to 1
    needs_context: float = 0.3  # a sentence that cannot stand alone keeps this share of its worth
    short_words: int = 8  # a sentence shorter than this keeps half its worth
    redundant: float = 0.4  # term overlap (Jaccard) with a chosen claim above which a claim adds nothing new


@dataclass
class Candidate:
    """A claim with what the brief needs to weigh it."""

    claim: Claim
    terms: frozenset[str]
    worth: float
    article_rank: int

    @property
    def text(self) -> str:
        return self.claim.text

    def words(self) -> int:
        return len(self.claim.text.split())


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def rank_claims(
    claims: Sequence[Claim], article_rank: dict[str, int], weights: Weights | None = None
) -> list[Candidate]:
    """The claims, best first, each with its worth."""
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
            common[term] += claim.independent_sources
    centrality = [
        sum(common[t] * rarity[t] for t in found) / math.sqrt(len(found)) if found else 0.0 for found in terms
    ]
    top = max(centrality) or 1.0
    out = []
    for claim, found, central in zip(claims, terms, centrality, strict=True):
        rank = min(article_rank.get(s.article.id, len(article_rank)) for s in claim.statements)
        worth = (weights.centrality_floor + central / top) / (1 + claim.lead_position) ** weights.position
        worth /= (1 + rank) ** weights.article
        worth *= 1 + weights.support * (claim.independent_sources - 1)
        if not stands_alone(claim.text):
            worth *= weights.needs_context
        if len(claim.text.split()) < weights.short_words:
            worth *= 0.5
        out.append(Candidate(claim, found, worth, rank))
    out.sort(key=lambda c: (-c.worth, c.article_rank, c.claim.lead_position))
    return out


def adds_something(candidate: Candidate, chosen: Sequence[Candidate], weights: Weights | None = None) -> bool:
    """Whether the claim says something the chosen claims do not already say."""
    limit = (weights or Weights()).redundant
    return all(jaccard(candidate.terms, other.terms) <= limit for other in chosen)


def split_quote(text: str) -> bool:
    """Part of a quotation cut from its speaker: an odd number of quotation marks, or quoted words alone."""
    if text.count('"') % 2 == 1 or text.count("\u201c") != text.count("\u201d"):
        return True
    bare = text.strip()
    marks = bare.count('"') + bare.count("\u201c")
    return bare[:1] in '"\u201c' and bare.rstrip(".")[-1:] in '"\u201d' and marks <= 2


def stands_alone(text: str) -> bool:
    """A sentence a reader can take out of its article: no pointer back, no half of a split quotation."""
    return not NEEDS_CONTEXT.match(text) and not split_quote(text)


def tightened(claim: Claim) -> Claim:
    """The claim cited only by the statements that state the representative sentence's numbers too.

    Outlets that say the same thing without the figure do not stand behind the figure.
    """
    if claim.label == "disputed":
        return claim
    wanted = numbers(claim.text)
    if not wanted:
        return claim
    kept = [s for s in claim.statements if wanted <= numbers(s.text)]
    if len(kept) == len(claim.statements):
        return claim
    return label_claim(Claim(kept))


# Units and spans of time: two numbers next to "metres" or "hours" often measure different things.
MEASURES = frozenset(
    stem(w)
    for w in """metre metres meter meters kilometre kilometres km mile miles millimetre millimetres mm centimetre cm
    inch inches foot feet percent per cent point points hour hours minute minutes second seconds day days week weeks
    month months year years decade decades euro euros dollar dollars pound pounds million billion thousand hundred
    age aged old""".split()
)


def numbers_near(text: str, terms: set[str], reach: int = 4) -> dict[str, set[str]]:
    """For each term, the numbers stated within ``reach`` words of it ("19 people were injured": injur -> 19)."""
    tokens = words(text)
    stems = [stem(t) for t in tokens]
    values = [t if _DIGITS.fullmatch(t) else NUMBER_WORDS.get(t) for t in tokens]
    out: dict[str, set[str]] = {}
    for index, term in enumerate(stems):
        if term in terms:
            near = {v for v in values[max(0, index - reach) : index + reach + 1] if v}
            if near:
                out.setdefault(term, set()).update(near)
    return out


def number_conflict(a: Candidate, b: Candidate, frequent: set[str]) -> Conflict | None:
    """Two claims giving different numbers for the same thing: a shared, specific word with other numbers near it."""
    shared = set(a.terms & b.terms) - frequent - MEASURES
    if not shared:
        return None
    near_a, near_b = numbers_near(a.text, shared), numbers_near(b.text, shared)
    all_a, all_b = numbers(a.text), numbers(b.text)
    for term in sorted(set(near_a) & set(near_b)):
        only_a, only_b = near_a[term] - all_b, near_b[term] - all_a
        for x in sorted(only_a):
            for y in sorted(only_b):
                low, high = sorted((float(x), float(y)))
                if low > 0 and high / low <= 4:  # 14 and 19 count the same thing; 1.6 and 1987 do not
                    return Conflict("number", x, y)
    return None


def settled(claim: Claim) -> list[Claim]:
    """A claim the alignment called disputed, kept disputed only over a fact: numbers, dates, names or places.

    Two different quotes of one speaker, or a conflict on a value both versions state, are no dispute: the
    versions become claims of their own.
    """
    if claim.label != "disputed":
        return [claim]
    texts = [" ".join(s.text for s in version) for version in claim.versions]
    real = []
    for conflict in claim.conflicts:
        if conflict.kind not in ("number", "date", "name", "place"):
            continue
        holders = [i for i, t in enumerate(texts) if conflict.this.lower() in t.lower()]
        others = [i for i, t in enumerate(texts) if conflict.other.lower() in t.lower()]
        if holders and others and not set(holders) & set(others):
            real.append(conflict)
    if real:
        claim.conflicts = real
        return [claim]
    return [label_claim(Claim(list(version))) for version in claim.versions]


def merge_disputes(candidates: Sequence[Candidate], look_at: int = 40) -> list[Claim]:
    """The claims with those that state the same fact with conflicting numbers joined into disputed claims.

    The claim alignment joins sentences worded alike; two outlets that report different numbers often word the
    sentence differently too ("19 people were injured" / "put the number of injured at 14"). Among the best
    candidates, two claims conflict when each states a number near a word they share (one that is not the story's
    common vocabulary nor a unit) that the other does not state. Each claim joins one dispute at most.
    """
    top = [c for c in candidates[:look_at] if c.claim.label != "disputed"]
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
