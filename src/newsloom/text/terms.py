"""Words, key terms and names: the features the clusterer and the writer compare articles by."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

STOPWORDS = frozenset(
    """a about above after again against all almost also although am among an and another any are around as at
    be because been before being below between both but by can cannot could did do does doing done down during
    each either else even ever every few for from further had has have having he her here hers herself him
    himself his how however i if in into is it its itself just least less like made make many may me might
    more most much must my myself near neither no nor not now of off often on once one only or other others
    our ours ourselves out over own per perhaps quite rather said same says see seen she should since so some
    still such than that the their theirs them themselves then there these they this those though through thus
    to too toward towards under until up upon us very via was we were what whatever when where whether which
    while who whom whose why will with within without would yet you your yours yourself yourselves
    according added adding told tell tells say saying week weeks day days today yesterday tomorrow monday
    tuesday wednesday thursday friday saturday sunday year years month months time times people new first
    last two three four five six seven eight nine ten mr mrs ms dr percent per cent get got go goes going
    went come came back well way 's n't""".split()
)

_WORD = re.compile(r"[^\W_](?:[\w'\u2019.-]*[^\W_])?", re.UNICODE)
_THOUSANDS = re.compile(r"(\d),(\d{3})\b")
_CAPITALISED = re.compile(r"(?<![\w'\u2019-])[A-Z\u00c0-\u00de][\w-]+")
_NAME = re.compile(
    r"\b([A-Z\u00c0-\u00de][\w'\u2019-]+(?:\s+(?:of|de|du|da|van|von|al|bin|la|le|der|the)?\s*"
    r"[A-Z\u00c0-\u00de][\w'\u2019-]+)*)"
)


_DECIMAL = re.compile(r"\d+(?:\.\d+)?")


def fold(text: str) -> str:
    """Lower case without accents: 'Zelenskyy Élysée' -> 'zelenskyy elysee'."""
    if text.isascii():
        return text.lower()
    # Accents become combining marks, which are never ASCII: only the runs of other characters are read one by one.
    return _NON_ASCII.sub(_without_marks, unicodedata.normalize("NFKD", text.lower()))


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _without_marks(run: re.Match[str]) -> str:
    return "".join(ch for ch in run.group(0) if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """Folded word tokens, keeping numbers (3.5, 1,200 -> 1200) and inner hyphens and apostrophes."""
    folded = _THOUSANDS.sub(r"\1\2", fold(text))
    tokens = _WORD.findall(folded)  # each opens and closes on a letter or digit: only apostrophes need a look
    if "'" not in folded and "\u2019" not in folded:
        return tokens
    out = []
    for token in tokens:
        if "'" in token or "\u2019" in token:
            token = token.replace("\u2019", "'")
            if token.endswith("'s"):
                token = token[:-2]
            token = token.strip(".'")
            if not token:
                continue
        out.append(token)
    return out


def stem(word: str) -> str:
    """A light English suffix strip so that 'closes', 'closed', 'closing' and 'close' meet."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith(("eed", "ees")):  # agreed, agrees -> agree
        return word[:-1]
    for suffix, keep in (("ies", "y"), ("ied", "y"), ("ing", ""), ("ers", "er"), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                break
            word = word[: len(word) - len(suffix)] + keep
            if suffix in ("ed", "ing") and len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]  # stopped -> stop
            break
    if word.endswith("e") and not word.endswith("ee") and len(word) > 3:
        word = word[:-1]
    return word


def content_terms(text: str) -> list[str]:
    """Stemmed words without stopwords or one-letter tokens, in order."""
    return [stem(w) for w in words(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]


def numbers(text: str) -> frozenset[str]:
    """Numbers stated in a text ('14', '3.5', '1200'), written as digits or as small number words."""
    found = set()
    for w in words(text):
        if _DECIMAL.fullmatch(w):
            found.add(w)
        elif w in _NUMBER_WORDS:
            found.add(_NUMBER_WORDS[w])
    return frozenset(found)


_NUMBER_WORDS = {
    w: str(i)
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
        "seventeen eighteen nineteen twenty".split()
    )
}

# Capitalised words that start sentences or name calendar things, not people, places or organisations.
_NOT_NAMES = (
    STOPWORDS
    | frozenset(
        """january february march april may june july august september october november december the a an in
    on at but and or if when while after before as it its this that these those he she they we i his her
    their our there here what who how why where officials police authorities president minister mayor
    governor spokesman spokeswoman chief""".split()
    )
    | frozenset(_NUMBER_WORDS)
)


def names(text: str) -> Counter[str]:
    """Capitalised word runs that look like names of people, places or organisations, folded; with counts.

    A run is cut at title words ("Fire Chief Rhea Coburn" gives "fire" and "rhea coburn"); a capitalised word
    that opens a sentence is kept only if the text also capitalises it inside a sentence ("Residents said" is no
    name, "Varga said" is one when Varga appears elsewhere).
    """
    from newsloom.text.sentences import split_sentences

    sentences = split_sentences(text)
    lower_words = set(re.findall(r"(?<![\w'\u2019-])[a-z][\w-]*", text))
    inside: set[str] = set()
    for sentence in sentences:
        inside.update(m.group(0) for m in _CAPITALISED.finditer(sentence) if m.start() > 0)
    found: Counter[str] = Counter()
    for sentence in sentences:
        for match in _NAME.finditer(sentence):
            run: list[str] = []
            at_start = not sentence[: match.start()].strip(" \"'\u201c\u2018([-\u2014")
            for index, token in enumerate(match.group(1).split()):
                bare = token.rstrip("'\u2019s") if token.endswith(("'s", "\u2019s")) else token
                opener = at_start and index == 0
                if fold(bare) in _NOT_NAMES or (opener and bare not in inside):
                    _count_name(run, found, lower_words)
                    run = []
                else:
                    run.append(bare)
            _count_name(run, found, lower_words)
    return found


def _count_name(run: list[str], found: Counter[str], lower_words: set[str]) -> None:
    if len(run) == 1 and run[0].lower() in lower_words:  # "Fire Chief Varley": "Fire" alone is a common word
        return
    name = fold(" ".join(run))
    if len(name) > 2 and not name.isdigit():
        found[name] += 1


def is_title_case(title: str) -> bool:
    """'Fire Destroys Furniture Warehouse' (every word capitalised) rather than 'Fire destroys warehouse'."""
    tokens = [t for t in title.split() if t[:1].isalpha() and fold(t) not in STOPWORDS]
    return len(tokens) >= 3 and sum(t[:1].isupper() for t in tokens) / len(tokens) > 0.6
