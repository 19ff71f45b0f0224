"""Syndication: wire copy reprinted by several outlets, word for word or with small edits, forms one group.

Exact copies meet on their content hash. Near copies meet through MinHash LSH over word shingles: the index finds
candidates, and a candidate joins the group when the estimated shingle overlap says the two texts are one copy
(Jaccard similarity, or containment for a copy trimmed of some paragraphs). Two guards keep templated copy
(weather, markets, results: the same sentences about other places and days) from chaining unrelated reports into
one group: copies are published within ``window_days`` of each other, and they name the same people, places and
organisations. A story then counts independent sources (groups), not raw articles.

Since copies are that close in time, the index forgets articles published more than twice the window before the
latest one: its memory and its cost stay those of the last few weeks, however long the archive.
"""

from __future__ import annotations

import functools
import hashlib
import heapq
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from newsloom.model import Article, Fingerprint
from newsloom.text.dates import epoch_seconds
from newsloom.text.terms import STOPWORDS, fold, words

# numpy and datasketch (scipy with it) load when the first fingerprint or index is made: every command reads
# SyndicationSettings, and most never fingerprint an article.
if TYPE_CHECKING:
    import numpy as np
    from datasketch import MinHash

_SCHEME = "affine32"


@dataclass(frozen=True)
class SyndicationSettings:
    num_perm: int = 128
    shingle_words: int = 3
    candidate_threshold: float = 0.3  # LSH recall threshold: candidates are then checked one by one
    same_copy_jaccard: float = 0.5
    same_copy_containment: float = 0.75
    min_shingles: int = 12  # shorter texts (headlines only) are grouped by exact copy alone
    window_days: float = 7.0  # copies further apart in time are reports of their own
    same_names: float = 0.6  # share of the shorter copy's proper nouns the other must have too
    names_to_compare: int = 3  # proper nouns each copy needs before the names are compared


def minhash_of(fingerprint: Fingerprint, num_perm: int) -> MinHash | None:
    """A stored fingerprint's MinHash again (None for a text too short to have one)."""
    if fingerprint.signature is None:
        return None
    import numpy as np
    from datasketch import MinHash

    values = np.frombuffer(fingerprint.signature, dtype=np.uint32)
    return MinHash(num_perm=num_perm, hashvalues=values, permutations=_permutations(num_perm), scheme=_SCHEME)


@functools.cache
def _permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """MinHash's permutations, drawn once per process (each new ``MinHash`` would draw the same ones again)."""
    from datasketch import MinHash

    a, b = MinHash(num_perm=num_perm, scheme=_SCHEME).permutations
    return a, b


_PROPER_NOUN = re.compile(r"(?<=[a-z0-9,;:] )[A-Z][\w'\u2019-]{2,}")  # after a lower-case word: mid-sentence


def proper_nouns(article: Article) -> frozenset[str]:
    """Capitalised words inside sentences (not their first word): names of people, places and organisations."""
    return frozenset(fold(w) for w in _PROPER_NOUN.findall(article.text[:20000]) if fold(w) not in STOPWORDS)


def group_id_for(article_id: str) -> str:
    return "g-" + hashlib.sha1(article_id.encode("utf-8")).hexdigest()[:12]


@dataclass
class _Entry:
    group: str
    shingles: int
    minhash: MinHash | None
    published: float | None
    proper_nouns: frozenset[str]
    digest: str = ""  # the content hash


class SyndicationIndex:
    """Assigns each article to a syndication group: ``assign(article) -> group id``."""

    def __init__(self, settings: SyndicationSettings | None = None) -> None:
        from datasketch import MinHashLSH

        self.settings = settings or SyndicationSettings()
        self._lsh = MinHashLSH(threshold=self.settings.candidate_threshold, num_perm=self.settings.num_perm)
        self._by_hash: dict[str, str] = {}  # content hash -> the latest article with it
        self._entries: dict[str, _Entry] = {}  # article id -> what is known of it
        self._ages: list[tuple[float, str]] = []  # (publication time, article id): a heap, the oldest first
        self._latest: float | None = None

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def latest(self) -> float | None:
        """The latest publication time the index has seen (seconds since the epoch)."""
        return self._latest

    def shingles(self, article: Article) -> set[bytes]:
        tokens = words(f"{article.title}\n{article.text}")
        n = self.settings.shingle_words
        return {" ".join(tokens[i : i + n]).encode("utf-8") for i in range(max(0, len(tokens) - n + 1))}

    def fingerprint(self, article: Article) -> tuple[int, MinHash | None]:
        shingles = self.shingles(article)
        if len(shingles) < self.settings.min_shingles:
            return len(shingles), None
        from datasketch import MinHash

        num_perm = self.settings.num_perm
        minhash = MinHash(num_perm=num_perm, permutations=_permutations(num_perm), scheme=_SCHEME)
        minhash.update_batch(list(shingles))
        return len(shingles), minhash

    def fingerprint_for(self, article: Article) -> Fingerprint:
        """What the index keeps of an article, computed without the index (its group is not known yet: "")."""
        return _stored(article, self._entry(article))

    def _entry(self, article: Article) -> _Entry:
        """The index's entry for an article, from its text (its group not yet known)."""
        size, minhash = self.fingerprint(article)
        return _Entry("", size, minhash, epoch_seconds(article.published), proper_nouns(article))

    def _entry_of(self, fp: Fingerprint) -> _Entry:
        """The index's entry for a stored fingerprint."""
        return _Entry(fp.group, fp.shingles, minhash_of(fp, self.settings.num_perm), fp.published, fp.proper_nouns)

    def assign(self, article: Article) -> str:
        """The article's syndication group (a new one when it copies nothing seen before); remembers it."""
        return self.join(article)[0]

    def join(self, article: Article, fingerprint: Fingerprint | None = None) -> tuple[str, str | None]:
        """The article's syndication group and the earlier article whose group it joined (None when it begins a
        group of its own); remembers it. ``fingerprint``: its ``fingerprint_for``, when computed elsewhere."""
        digest = article.content_hash or ""
        entry = self._entry(article) if fingerprint is None else self._entry_of(fingerprint)
        minhash = entry.minhash
        copied: str | None = None
        source = self._by_hash.get(digest, "") if digest else ""
        same_text = self._entries.get(source)
        if same_text is not None and self._close_in_time(entry, same_text):
            copied = source
        if copied is None and minhash is not None:
            copied = self._best_copy(entry)
        entry.group = self._entries[copied].group if copied is not None else group_id_for(article.id)
        self._remember(article.id, digest, entry)
        article.syndication_group = entry.group
        return entry.group, copied

    def _close_in_time(self, a: _Entry, b: _Entry) -> bool:
        if a.published is None or b.published is None:
            return True
        return abs(a.published - b.published) <= self.settings.window_days * 86400.0

    def _same_names(self, a: _Entry, b: _Entry) -> bool:
        wanted = self.settings.names_to_compare
        if len(a.proper_nouns) < wanted or len(b.proper_nouns) < wanted:
            return True
        shared = len(a.proper_nouns & b.proper_nouns)
        return shared / min(len(a.proper_nouns), len(b.proper_nouns)) >= self.settings.same_names

    def _best_copy(self, entry: _Entry) -> str | None:
        """The earlier article the entry copies most closely, if any; of equally close ones, the first published
        (then the least id): the LSH hands candidates in an order that changes with the process's hash seed.

        A story told many times in a fortnight makes the LSH hand back every one of its reports, hundreds or
        thousands: their Jaccard estimates, containments and publication times are weighed together in arrays,
        and the names (the one check done one by one) only in order of closeness, until one copy passes.
        """
        import numpy as np

        assert entry.minhash is not None
        keys: list[str] = []
        others: list[_Entry] = []
        for key in self._lsh.query(entry.minhash):
            other = self._entries[key]
            if other.minhash is not None:
                keys.append(key)
                others.append(other)
        if not others:
            return None
        settings = self.settings
        hashes = np.stack([other.minhash.hashvalues for other in others if other.minhash is not None])
        # MinHash.jaccard's estimate, for every candidate at once: the share of equal hash values.
        jaccard = np.count_nonzero(hashes == entry.minhash.hashvalues, axis=1) / float(len(entry.minhash))
        shingles = np.array([other.shingles for other in others], dtype=np.float64)
        overlap = jaccard * (entry.shingles + shingles) / (1.0 + jaccard)
        containment = overlap / np.maximum(1.0, np.minimum(float(entry.shingles), shingles))
        published = np.array([math.inf if o.published is None else o.published for o in others], dtype=np.float64)
        close = (
            np.ones(len(others), dtype=bool)
            if entry.published is None
            else np.isinf(published) | (np.abs(entry.published - published) <= settings.window_days * 86400.0)
        )
        passing = close & ((jaccard >= settings.same_copy_jaccard) | (containment >= settings.same_copy_containment))
        closeness = np.maximum(jaccard, containment)
        found = np.flatnonzero(passing)
        order = found[np.lexsort((published[found], -closeness[found]))]  # the closest first, then the first published
        start = 0
        while start < len(order):
            end = start + 1
            first = order[start]
            while (
                end < len(order)
                and closeness[order[end]] == closeness[first]
                and published[order[end]] == published[first]
            ):
                end += 1
            tied = sorted((int(i) for i in order[start:end]), key=lambda i: keys[i])  # as close, as early: least id
            for index in tied:
                if self._same_names(entry, others[index]):
                    return keys[index]
            start = end
        return None

    def _remember(self, article_id: str, digest: str, entry: _Entry) -> None:
        if article_id in self._entries:
            return
        self._entries[article_id] = entry
        entry.digest = digest
        if digest:
            self._by_hash[digest] = article_id
        if entry.minhash is not None:
            self._lsh.insert(article_id, entry.minhash)
        if entry.published is not None and (self._latest is None or entry.published > self._latest):
            self._latest = entry.published
        # An undated article ages with the articles around it.
        moment = entry.published if entry.published is not None else self._latest
        if moment is not None:
            heapq.heappush(self._ages, (moment, article_id))

    def groups(self) -> set[str]:
        """The groups of the articles the index still holds."""
        return {entry.group for entry in self._entries.values()}

    def cool_down(self) -> int:
        """Forget the articles too old to have a copy still to come (twice the window before the latest one).

        Called between batches (an article's fingerprint is read after its batch was placed); returns how many.
        """
        if self._latest is None:
            return 0
        horizon = self._latest - 2 * self.settings.window_days * 86400.0
        forgotten = 0
        while self._ages and self._ages[0][0] < horizon:
            _, article_id = heapq.heappop(self._ages)
            entry = self._entries.pop(article_id, None)
            if entry is None:
                continue
            if entry.minhash is not None:
                self._lsh.remove(article_id)
            if entry.digest and self._by_hash.get(entry.digest) == article_id:
                del self._by_hash[entry.digest]
            forgotten += 1
        return forgotten

    def fingerprint_of(self, article: Article) -> Fingerprint:
        """The stored form of an assigned article, for ``restore``."""
        return _stored(article, self._entries[article.id])

    def restore(self, fingerprints: Iterable[Fingerprint]) -> None:
        """Rebuild the index from stored fingerprints (oldest first)."""
        for fp in fingerprints:
            self.remember(fp)
            if len(self._ages) % 4096 == 0:
                self.cool_down()
        self.cool_down()

    def remember(self, fp: Fingerprint) -> None:
        """An article placed before (or elsewhere), as stored: into the index, without looking for what it copies."""
        self._remember(fp.article_id, fp.content_hash, self._entry_of(fp))


def _stored(article: Article, entry: _Entry) -> Fingerprint:
    """The stored form of an article's entry."""
    import numpy as np

    signature = entry.minhash.hashvalues.astype(np.uint32).tobytes() if entry.minhash is not None else None
    digest = article.content_hash or ""
    return Fingerprint(article.id, entry.group, digest, entry.shingles, signature, entry.published, entry.proper_nouns)
