"""Syndication: wire copy reprinted by several outlets, word for word or with small edits, forms one group.

Exact copies meet on their content hash. Near copies meet through MinHash LSH over word shingles: the index finds
candidates, and a candidate joins the group when the estimated shingle overlap says the two texts are one copy
(Jaccard similarity, or containment for a copy trimmed of some paragraphs). A story then counts independent
sources (groups), not raw articles.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash, MinHashLSH

from newsloom.model import Article
from newsloom.text.terms import words

_SCHEME = "affine32"


@dataclass(frozen=True)
class SyndicationSettings:
    num_perm: int = 128
    shingle_words: int = 3
    candidate_threshold: float = 0.3  # LSH recall threshold: candidates are then checked one by one
    same_copy_jaccard: float = 0.5
    same_copy_containment: float = 0.75
    min_shingles: int = 12  # shorter texts (headlines only) are grouped by exact copy alone


@dataclass(frozen=True)
class Fingerprint:
    """What the index keeps of an article: enough to restore the index without the text."""

    article_id: str
    group: str
    content_hash: str
    shingles: int
    signature: bytes | None

    def minhash(self, num_perm: int) -> MinHash | None:
        if self.signature is None:
            return None
        values = np.frombuffer(self.signature, dtype=np.uint32)
        return MinHash(num_perm=num_perm, hashvalues=values, scheme=_SCHEME)


def group_id_for(article_id: str) -> str:
    return "g-" + hashlib.sha1(article_id.encode("utf-8")).hexdigest()[:12]


class SyndicationIndex:
    """Assigns each article to a syndication group: ``assign(article) -> group id``."""

    def __init__(self, settings: SyndicationSettings | None = None) -> None:
        self.settings = settings or SyndicationSettings()
        self._lsh = MinHashLSH(threshold=self.settings.candidate_threshold, num_perm=self.settings.num_perm)
        self._by_hash: dict[str, str] = {}
        self._entries: dict[str, tuple[str, int, MinHash]] = {}  # article id -> (group, shingles, minhash)

    def __len__(self) -> int:
        return len(self._by_hash)

    def shingles(self, article: Article) -> set[bytes]:
        tokens = words(f"{article.title}\n{article.text}")
        n = self.settings.shingle_words
        return {" ".join(tokens[i : i + n]).encode("utf-8") for i in range(max(0, len(tokens) - n + 1))}

    def fingerprint(self, article: Article) -> tuple[int, MinHash | None]:
        shingles = self.shingles(article)
        if len(shingles) < self.settings.min_shingles:
            return len(shingles), None
        minhash = MinHash(num_perm=self.settings.num_perm, scheme=_SCHEME)
        minhash.update_batch(list(shingles))
        return len(shingles), minhash

    def assign(self, article: Article) -> str:
        """The article's syndication group (a new one when it copies nothing seen before); remembers it."""
        digest = article.content_hash or ""
        size, minhash = self.fingerprint(article)
        group = self._by_hash.get(digest) if digest else None
        if group is None and minhash is not None:
            group = self._best_copy(size, minhash)
        if group is None:
            group = group_id_for(article.id)
        self._remember(article.id, group, digest, size, minhash)
        article.syndication_group = group
        return group

    def _best_copy(self, size: int, minhash: MinHash) -> str | None:
        best, best_score = None, 0.0
        for key in self._lsh.query(minhash):
            group, other_size, other = self._entries[key]
            jaccard = minhash.jaccard(other)
            overlap = jaccard * (size + other_size) / (1.0 + jaccard)
            containment = overlap / max(1, min(size, other_size))
            if jaccard >= self.settings.same_copy_jaccard or containment >= self.settings.same_copy_containment:
                score = max(jaccard, containment)
                if score > best_score:
                    best, best_score = group, score
        return best

    def _remember(self, article_id: str, group: str, digest: str, size: int, minhash: MinHash | None) -> None:
        if article_id in self._entries or (digest and digest in self._by_hash and minhash is None):
            return
        if digest:
            self._by_hash.setdefault(digest, group)
        if minhash is not None and article_id not in self._entries:
            self._entries[article_id] = (group, size, minhash)
            self._lsh.insert(article_id, minhash)

    def fingerprint_of(self, article: Article) -> Fingerprint:
        """The stored form of an assigned article, for ``restore``."""
        entry = self._entries.get(article.id)
        signature = entry[2].hashvalues.astype(np.uint32).tobytes() if entry else None
        return Fingerprint(
            article.id, article.syndication_group or "", article.content_hash or "", entry[1] if entry else 0, signature
        )

    def restore(self, fingerprints: Iterable[Fingerprint]) -> None:
        """Rebuild the index from stored fingerprints (oldest first)."""
        for fp in fingerprints:
            self._remember(fp.article_id, fp.group, fp.content_hash, fp.shingles, fp.minhash(self.settings.num_perm))
