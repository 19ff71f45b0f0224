"""The newsroom's types: what one stage hands to the next.

An ``Article`` arrives raw from a source, is filled in by normalization (clean text, language, sentences),
gets a syndication group from syndication and a story from the story desk. A ``Brief`` is written for a ``Story``
from its articles; every ``Sentence`` of it carries the ``Citation`` of each article that states it.

What the store keeps of the desk's state lives here too, so the store needs nothing but this module: an article's
syndication ``Fingerprint``, the story clusterer's ``StoryChanges`` after each batch, and the ``StoryState`` a
restart reads back. So do the analysis's ``Statement`` and ``Claim`` (one fact as the articles state it, and where
they disagree: ``Conflict``), which the writers and the checker share, and the label vocabularies as ``Literal``
types (``ClaimLabel``, ``CheckLabel``, ``VerifiedLabel``, ``ConflictKind``, ...).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal, get_args

# -- the label vocabularies ---------------------------------------------------------------------------------------
ClaimLabel = Literal["corroborated", "single-source", "disputed"]  # how well a brief's sentence is backed
CheckLabel = Literal["supported", "unsupported", "contradicted"]  # what the checker says of a sentence
VerifiedLabel = Literal["supported", "unsupported", "contradicted", "uncited", "doubted"]  # of a generated sentence
VerifiedAction = Literal["kept", "attributed", "replaced", "dropped"]  # what became of a generated sentence
ConflictKind = Literal["number", "date", "name", "place", "negation", "quote"]  # where two statements disagree
EntityKind = Literal["person", "organization", "place"]


@dataclass
class Article:
    """One article from one outlet, as ingested and, after normalization, as stored."""

    id: str
    title: str = ""
    text: str = ""
    url: str | None = None
    outlet: str | None = None
    published: datetime | None = None
    language: str | None = None
    dek: str | None = None
    author: str | None = None
    # Filled in by normalization.
    canonical_url: str | None = None
    content_hash: str | None = None
    sentences: list[str] = field(default_factory=list)
    # Filled in by dedup and clustering.
    syndication_group: str | None = None
    story_id: str | None = None
    # Where the article came from (file and line, feed URL); for messages and provenance.
    origin: str | None = None
    # The independent source this report counts as within its story (``counted_by_outlet``); not stored.
    counts_as: str | None = None

    @property
    def display_outlet(self) -> str:
        return self.outlet or "Unknown outlet"

    @property
    def source_key(self) -> str:
        """The independent source behind the report: its outlet, or for a syndicated copy the outlet whose report it
        copies (once ``counted_by_outlet`` has read the story); else its syndication group, or its own id."""
        return self.counts_as or self.syndication_group or self.id

    def to_json(self) -> dict[str, Any]:
        """The article in the JSON lines contract (see docs), with the enrichments newsloom added."""
        out: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "text": self.text,
            "url": self.url,
            "source": self.outlet,
            "published": format_time(self.published),
            "language": self.language,
        }
        if self.dek:
            out["dek"] = self.dek
        if self.author:
            out["author"] = self.author
        if self.syndication_group:
            out["syndication_group"] = self.syndication_group
        if self.story_id:
            out["story"] = self.story_id
        return {k: v for k, v in out.items() if v is not None}


@dataclass(frozen=True)
class Citation:
    """One article standing behind a sentence of a brief."""

    article_id: str
    outlet: str
    url: str | None = None
    title: str | None = None
    syndication_group: str | None = None
    counts_as: str | None = None  # the independent source it counts as (Article.source_key)


@dataclass
class Sentence:
    """A sentence of a brief with the articles that state it.

    ``label`` says how well the sources back it: "corroborated" (two or more independent sources),
    "single-source" or "disputed". A single-source sentence in a story with other independent sources is introduced
    with "According to OUTLET, ..."; ``attributed_to`` is that outlet, and ``claim`` the source's own words without
    the introduction (what a checker compares with the sources).
    """

    text: str
    sources: list[Citation]
    label: ClaimLabel | None = None
    attributed_to: str | None = None

    @property
    def independent_sources(self) -> int:
        """The distinct outlets behind the sentence: syndicated copies count as the outlet they copy, an outlet's own
        several reports once (briefs stored before outlets were counted: distinct syndication groups)."""
        return len({c.counts_as or c.syndication_group or c.article_id for c in self.sources})

    @property
    def outlets(self) -> list[str]:
        return sorted({c.outlet for c in self.sources})

    @property
    def claim(self) -> str:
        """The sentence as its source wrote it: the text without an "According to OUTLET, " introduction."""
        if self.attributed_to:
            prefix = f"According to {self.attributed_to}, "
            if self.text.startswith(prefix):
                rest = self.text[len(prefix) :]
                return rest[:1].upper() + rest[1:]
        return self.text

    def words(self) -> int:
        return len(self.text.split())

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "text": self.text,
            "sources": [c.article_id for c in self.sources],
            "outlets": self.outlets,
            "independent_sources": self.independent_sources,
        }
        if self.label:
            out["label"] = self.label
        if self.attributed_to:
            out["attributed_to"] = self.attributed_to
        return out


@dataclass
class Difference:
    """Where sources differ: one fact told in conflicting versions, each version with the outlets that state it."""

    about: str  # what the versions disagree on, e.g. "number: 14 / 19"
    versions: list[Sentence]

    def to_json(self) -> dict[str, Any]:
        return {"about": self.about, "versions": [v.to_json() for v in self.versions]}


@dataclass
class KeyPlayer:
    """A person, organisation or place the story is about, with every spelling outlets used for it."""

    name: str
    kind: str  # "person" | "organization" | "place"
    aliases: list[str] = field(default_factory=list)  # other spellings, most used first
    independent_sources: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "aliases": list(self.aliases),
            "independent_sources": self.independent_sources,
        }


@dataclass
class TimelineEntry:
    """One report in the story's development: when it was published, by whom, and what it added."""

    published: datetime | None
    outlet: str
    added: Sentence

    def to_json(self) -> dict[str, Any]:
        return {"published": format_time(self.published), "outlet": self.outlet, **self.added.to_json()}


@dataclass
class Coverage:
    """Who covered a story and when."""

    articles: int
    outlets: list[str]
    independent_sources: int
    first_report: datetime | None = None
    first_outlet: str | None = None
    last_update: datetime | None = None

    def line(self) -> str:
        """The coverage line printed under a brief."""
        parts = [
            f"{self.articles} article{'s' if self.articles != 1 else ''} from "
            f"{len(self.outlets)} outlet{'s' if len(self.outlets) != 1 else ''} "
            f"({self.independent_sources} independent source{'s' if self.independent_sources != 1 else ''})"
        ]
        if self.first_report:
            first = f"first report {format_time(self.first_report, human=True)}"
            if self.first_outlet:
                first += f" ({self.first_outlet})"
            parts.append(first)
        if self.last_update:
            parts.append(f"last update {format_time(self.last_update, human=True)}")
        return " · ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "articles": self.articles,
            "outlets": self.outlets,
            "independent_sources": self.independent_sources,
            "first_report": format_time(self.first_report),
            "first_outlet": self.first_outlet,
            "last_update": format_time(self.last_update),
        }


@dataclass
class VerifiedSentence:
    """One sentence a generative writer proposed, as the checker judged it against the sources it cites.

    ``action`` says what became of it: "kept" (printed as written), "attributed" (printed with "According to
    OUTLET, ..." because one outlet alone states it), "replaced" (the source sentence it leans on printed instead) or
    "dropped" (not printed). Only a sentence labelled "supported" by the sources it cites is ever printed as written.
    """

    text: str
    label: VerifiedLabel
    action: VerifiedAction
    reason: str = ""
    cited: list[str] = field(default_factory=list)  # the article ids the writer cited for it
    evidence: str | None = None  # the best source sentence the checker found
    judge: float | None = None  # the LLM judge's probability that the sources support it, when a judge ran
    printed: str | None = None  # what the brief prints in its place (attributed or replaced), if anything

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text, "label": self.label, "action": self.action, "reason": self.reason}
        out["cited"] = list(self.cited)
        for key in ("evidence", "judge", "printed"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> VerifiedSentence:
        return cls(
            text=data.get("text", ""),
            label=data.get("label", ""),
            action=data.get("action", ""),
            reason=data.get("reason", ""),
            cited=list(data.get("cited", [])),
            evidence=data.get("evidence"),
            judge=data.get("judge"),
            printed=data.get("printed"),
        )


@dataclass
class Verification:
    """How a generated brief was checked before it was published: every proposed sentence and what became of it.

    ``fallback`` says why the extractive brief was published instead of a generated one (the model failed, or its
    answer was malformed after every retry), when that happened.
    """

    writer: str  # the writer asked for the brief, e.g. "llm"
    model: str | None = None
    attempts: int = 0  # requests made to the model, retries included
    fallback: str | None = None
    sentences: list[VerifiedSentence] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        """Proposed sentences by what became of them, and the share that passed the checker as written."""
        counts = {action: 0 for action in ("kept", "attributed", "replaced", "dropped")}
        for sentence in self.sentences:
            counts[sentence.action] = counts.get(sentence.action, 0) + 1
        proposed = len(self.sentences)
        passed = counts["kept"] + counts["attributed"]
        return {"proposed": proposed, **counts, "share_passed": round(passed / proposed, 4) if proposed else 0.0}

    def to_json(self) -> dict[str, Any]:
        return {
            "writer": self.writer,
            "model": self.model,
            "attempts": self.attempts,
            "fallback": self.fallback,
            "seconds": round(self.seconds, 3),
            "summary": self.summary(),
            "sentences": [s.to_json() for s in self.sentences],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Verification:
        return cls(
            writer=data.get("writer", ""),
            model=data.get("model"),
            attempts=data.get("attempts", 0),
            fallback=data.get("fallback"),
            sentences=[VerifiedSentence.from_json(s) for s in data.get("sentences", [])],
            seconds=data.get("seconds", 0.0),
        )


@dataclass
class Brief:
    """A story's neutral, cited summary.

    Headline, dek and body paragraphs (what happened, details, who said what, context); then where sources differ,
    the key players, a timeline of the reports and the coverage. Every sentence (dek, body, each version of a
    difference, each timeline line) cites the articles that state it; key players and coverage are not sentences.
    """

    story_id: str | None
    headline: str
    dek: Sentence | None
    paragraphs: list[list[Sentence]]
    coverage: Coverage
    citations: dict[str, Citation]
    writer: str = "extractive"
    version: int = 1
    created_at: datetime | None = None
    headline_source: str | None = None
    sections: list[str] = field(default_factory=list)  # what each paragraph is: "what happened", "details", ...
    differences: list[Difference] = field(default_factory=list)
    key_players: list[KeyPlayer] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)
    model: str | None = None  # the model behind a generated brief (None for the extractive writer)
    verification: Verification | None = None  # how a generated brief was checked (None for the extractive writer)

    def sentences(self) -> list[Sentence]:
        """The body sentences, in reading order."""
        return [s for paragraph in self.paragraphs for s in paragraph]

    def all_sentences(self) -> list[Sentence]:
        """Every sentence the brief prints, in reading order: dek, body, the differences' versions, the timeline."""
        out = [self.dek] if self.dek else []
        out += self.sentences()
        out += [v for difference in self.differences for v in difference.versions]
        out += [entry.added for entry in self.timeline]
        return out

    def body_words(self) -> int:
        return sum(s.words() for s in self.sentences())

    def words(self) -> int:
        """The words of every sentence the brief prints: what ``max_words`` limits."""
        return sum(s.words() for s in self.all_sentences())

    def to_json(self) -> dict[str, Any]:
        out = self._json()
        # Only generated briefs carry these keys, so extractive briefs stored before them read back unchanged.
        if self.model is not None:
            out["model"] = self.model
        if self.verification is not None:
            out["verification"] = self.verification.to_json()
        return out

    def _json(self) -> dict[str, Any]:
        return {
            "story": self.story_id,
            "headline": self.headline,
            "headline_source": self.headline_source,
            "dek": self.dek.text if self.dek else "",
            "dek_sources": [c.article_id for c in self.dek.sources] if self.dek else [],
            "dek_label": self.dek.label if self.dek else None,
            "dek_attributed_to": self.dek.attributed_to if self.dek else None,
            "paragraphs": [[s.to_json() for s in paragraph] for paragraph in self.paragraphs],
            "sections": list(self.sections),
            "differences": [d.to_json() for d in self.differences],
            "key_players": [p.to_json() for p in self.key_players],
            "timeline": [e.to_json() for e in self.timeline],
            "coverage": self.coverage.to_json(),
            "citations": {
                aid: {
                    "outlet": c.outlet,
                    "url": c.url,
                    "title": c.title,
                    "syndication_group": c.syndication_group,
                    **({"counts_as": c.counts_as} if c.counts_as else {}),
                }
                for aid, c in self.citations.items()
            },
            "writer": self.writer,
            "version": self.version,
            "created_at": format_time(self.created_at),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Brief:
        """A brief as ``to_json`` wrote it; briefs stored before differences, key players and timeline read too."""
        citations = {
            aid: Citation(
                article_id=aid,
                outlet=c.get("outlet") or "Unknown outlet",
                url=c.get("url"),
                title=c.get("title"),
                syndication_group=c.get("syndication_group"),
                counts_as=c.get("counts_as"),
            )
            for aid, c in data.get("citations", {}).items()
        }

        def sentence(text: str, ids: list[str], label: str | None = None, attributed: str | None = None) -> Sentence:
            known = next((k for k in get_args(ClaimLabel) if k == label), None)  # a stored label read back
            return Sentence(text, [citations.get(i) or Citation(i, "Unknown outlet") for i in ids], known, attributed)

        def stored(s: dict[str, Any]) -> Sentence:
            return sentence(s["text"], s.get("sources", []), s.get("label"), s.get("attributed_to"))

        cov = data.get("coverage", {})
        return cls(
            story_id=data.get("story"),
            headline=data.get("headline", ""),
            headline_source=data.get("headline_source"),
            dek=(
                sentence(data["dek"], data.get("dek_sources", []), data.get("dek_label"), data.get("dek_attributed_to"))
                if data.get("dek")
                else None
            ),
            paragraphs=[[stored(s) for s in p] for p in data.get("paragraphs", [])],
            coverage=Coverage(
                articles=cov.get("articles", 0),
                outlets=cov.get("outlets", []),
                independent_sources=cov.get("independent_sources", 0),
                first_report=parse_stored_time(cov.get("first_report")),
                first_outlet=cov.get("first_outlet"),
                last_update=parse_stored_time(cov.get("last_update")),
            ),
            citations=citations,
            writer=data.get("writer", "extractive"),
            version=data.get("version", 1),
            created_at=parse_stored_time(data.get("created_at")),
            sections=list(data.get("sections", [])),
            differences=[
                Difference(d.get("about", ""), [stored(v) for v in d.get("versions", [])])
                for d in data.get("differences", [])
            ],
            key_players=[
                KeyPlayer(p["name"], p.get("kind", ""), list(p.get("aliases", [])), p.get("independent_sources", 0))
                for p in data.get("key_players", [])
            ],
            timeline=[
                TimelineEntry(parse_stored_time(e.get("published")), e.get("outlet", ""), stored(e))
                for e in data.get("timeline", [])
            ],
            model=data.get("model"),
            verification=Verification.from_json(data["verification"]) if data.get("verification") else None,
        )


@dataclass
class Story:
    """An event as reported by one or more outlets: a group of articles with a stable id."""

    id: str
    headline: str = ""
    articles: int = 0
    outlets: list[str] = field(default_factory=list)
    independent_sources: int = 0
    first_published: datetime | None = None
    last_published: datetime | None = None
    updated_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("first_published", "last_published", "updated_at"):
            data[key] = format_time(data[key])
        return data


@dataclass(frozen=True)
class Rejected:
    """An input that could not become an article: where it was and why. Kept in quarantine."""

    origin: str
    reason: str
    raw: str = ""


def format_time(value: datetime | None, human: bool = False) -> str | None:
    """UTC time as ISO 8601 with a Z (or, for people, 'YYYY-MM-DD HH:MM UTC')."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC)  # an aware time in another zone must not be labelled UTC as it is
    if human:
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_stored_time(value: str | None) -> datetime | None:
    """Read back a time written by ``format_time``."""
    if not value:
        return None
    if len(value) == 20 and value[10] == "T" and value[19] == "Z":
        try:  # many times faster than strptime, and a story page reads a time per article
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


@dataclass
class Feed:
    """A feed newsloom follows, with its health."""

    url: str
    title: str | None = None
    site_url: str | None = None
    category: str | None = None
    added_at: datetime | None = None
    etag: str | None = None
    last_modified: str | None = None
    last_polled: datetime | None = None
    last_success: datetime | None = None
    last_error: str | None = None
    errors: int = 0  # consecutive failed polls
    articles_seen: int = 0  # new articles this feed brought in, counted as each batch of them is stored
    next_poll: datetime | None = None
    retired: str | None = None  # why newsloom stopped polling it (HTTP 410 Gone)

    @property
    def status(self) -> str:
        if self.retired:
            return "retired"
        if self.errors:
            return f"failing ({self.errors})"
        return "ok" if self.last_success else "new"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("added_at", "last_polled", "last_success", "next_poll"):
            data[key] = format_time(data[key])
        data["status"] = self.status
        return data


# -- the desk's state, as the store keeps it ------------------------------------------------------------------------
@dataclass(frozen=True)
class Fingerprint:
    """What the syndication index keeps of an article: enough to restore the index without the text."""

    article_id: str
    group: str
    content_hash: str
    shingles: int
    signature: bytes | None  # the MinHash values, as unsigned 32-bit integers; None for a text too short
    published: float | None = None  # seconds since the epoch
    proper_nouns: frozenset[str] = frozenset()


@dataclass
class StoryChanges:
    """What changed in the story clusterer since its last ``changes()``: the rows a store writes to persist it."""

    documents: int
    latest: float | None
    document_frequency: dict[str, int]
    stories: dict[str, dict[str, Any]]
    merged: dict[str, str] = field(default_factory=dict)  # story id -> the story it merged into
    moved: dict[str, str] = field(default_factory=dict)  # article id -> the story it moved to when its story split
    review: dict[str, Any] = field(default_factory=dict)  # the second look's bookkeeping, so a restart goes on alike


@dataclass
class StoryState:
    """The story clusterer's persisted state (the sum of every ``StoryChanges``), as a restart reads it back."""

    documents: int
    latest: float | None
    document_frequency: dict[str, int]
    stories: list[tuple[str, dict[str, Any]]]
    redirects: dict[str, str] = field(default_factory=dict)  # merged story id -> the story it merged into
    review: dict[str, Any] = field(default_factory=dict)


# -- claims: one fact as the articles state it ----------------------------------------------------------------------
@dataclass(frozen=True)
class Conflict:
    """Where two sentences that state the same claim disagree: ``this`` in the first, ``other`` in the second."""

    kind: ConflictKind
    this: str
    other: str

    def describe(self, other_label: str = "the other") -> str:
        if self.kind == "negation":
            return f"{self.this} in the text, {self.other} in {other_label}"
        return f"{self.this!r} in the text, {self.other!r} in {other_label}"


@dataclass
class Statement:
    """One sentence of one article, as a candidate statement of a claim."""

    article: Article
    position: int  # the sentence's index in the article
    text: str

    @property
    def outlet(self) -> str:
        return self.article.display_outlet

    @property
    def source_key(self) -> str:
        """Reports of one independent source share one key (see ``Article.source_key``)."""
        return self.article.source_key


@dataclass
class Claim:
    """One fact as stated by one or more articles, with its label."""

    statements: list[Statement]
    label: ClaimLabel = "single-source"
    versions: list[list[Statement]] = field(default_factory=list)  # for a disputed claim: statements that agree
    conflicts: list[Conflict] = field(default_factory=list)
    lead: Statement | None = None  # the statement a brief prints, when another than the earliest

    @property
    def representative(self) -> Statement:
        """The ``lead`` statement, or the one that opens its article earliest (ties: the first read)."""
        if self.lead is not None:
            return self.lead
        return min(self.statements, key=lambda s: s.position)

    @property
    def text(self) -> str:
        return self.representative.text

    @property
    def independent_sources(self) -> int:
        return len({s.source_key for s in self.statements})

    @property
    def lead_position(self) -> int:
        return min(s.position for s in self.statements)

    def outlets(self) -> list[str]:
        return sorted({s.outlet for s in self.statements})

    def article_ids(self) -> list[str]:
        return list(dict.fromkeys(s.article.id for s in self.statements))

    def version_outlets(self) -> list[list[str]]:
        """For each version of a disputed claim, the outlets that state it."""
        return [sorted({s.outlet for s in version}) for version in self.versions]


def independent_sources_of(reports: Iterable[tuple[str, str | None, str | None, datetime | None]]) -> dict[str, str]:
    """The independent source each report counts as, from (id, outlet, syndication group, published) of a story's
    reports: distinct outlets, not copies.

    A syndication group of several reports is one wire story and its copies: all count as the outlet of its first
    report (the earliest published; ties: the smallest id). Any other report counts as its outlet, so an outlet's
    own several reports count once. A report whose outlet is unknown counts as its group, or itself.
    """
    rows = list(reports)
    members: dict[str, list[tuple[str, str | None, str | None, datetime | None]]] = {}
    for row in rows:
        if row[2]:
            members.setdefault(row[2], []).append(row)
    # Each group's first report, found once per group (not once per copy: a wire story can have hundreds).
    earliest = datetime.min.replace(tzinfo=UTC)
    first_outlet = {
        group: min(copies, key=lambda r: (r[3] is None, r[3] or earliest, r[0]))[1]
        for group, copies in members.items()
        if len(copies) > 1
    }
    out = {}
    for article_id, outlet, group, _ in rows:
        if group and group in first_outlet:
            outlet = first_outlet[group] or outlet
        out[article_id] = f"outlet:{outlet.strip().casefold()}" if outlet else (group or article_id)
    return out


def counted_by_outlet(articles: Iterable[Article]) -> list[Article]:
    """Copies of the articles that know the independent source they count as (``Article.source_key``)."""
    articles = list(articles)
    keys = independent_sources_of((a.id, a.outlet, a.syndication_group, a.published) for a in articles)
    return [replace(a, counts_as=keys[a.id]) for a in articles]


# -- what changed in a story since a reader last looked -----------------------------------------------------------
@dataclass
class Stated:
    """A fact as some outlets state it: one of their sentences, the outlets (independent sources, a syndicated copy
    as the outlet it copies), and, for one side of a changed figure, the value in question ("14", "Tuesday")."""

    text: str
    sources: list[str]
    value: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text, "sources": list(self.sources)}
        if self.value is not None:
            out["value"] = self.value
        return out


@dataclass
class NewFact:
    """A claim first stated since: none of its statements was there before. ``in_brief``: the sentence of the
    latest brief that states it, when the brief prints it."""

    text: str
    sources: list[str]
    label: ClaimLabel
    in_brief: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "sources": list(self.sources), "label": self.label, "in_brief": self.in_brief}


@dataclass
class ChangedFigure:
    """A claim stated before and since whose number, date or place now differs: both values with their outlets."""

    text: str
    kind: ConflictKind  # "number", "date" or "place"
    before: Stated
    now: Stated
    in_brief: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "kind": self.kind,
            "before": self.before.to_json(),
            "now": self.now.to_json(),
            "in_brief": self.in_brief,
        }


@dataclass
class DisputeChange:
    """A claim newly disputed, or a dispute settled: its versions (as they stand now for a new dispute, as they
    stood for a settled one) and where they conflict."""

    text: str
    versions: list[Stated]
    conflicts: list[Conflict] = field(default_factory=list)
    in_brief: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "versions": [v.to_json() for v in self.versions],
            "conflicts": [{"kind": c.kind, "this": c.this, "other": c.other} for c in self.conflicts],
            "in_brief": self.in_brief,
        }


@dataclass
class WhatChanged:
    """What changed in a story since an earlier point (a brief version, or a time): new facts, new outlets, changed
    figures, new disputes and settled ones. A brief rewritten in other words, with none of these, changed nothing in
    substance (``substantive`` is False)."""

    story_id: str | None
    since_version: int | None  # the brief version the changes are counted from (None: from a time)
    since_time: datetime | None  # when that version was written, or the time asked for
    version: int | None  # the story's latest brief version
    articles_before: int  # the articles known then
    new_articles: int  # the articles since
    new_facts: list[NewFact] = field(default_factory=list)
    new_outlets: list[str] = field(default_factory=list)
    changed: list[ChangedFigure] = field(default_factory=list)
    new_disputes: list[DisputeChange] = field(default_factory=list)
    settled_disputes: list[DisputeChange] = field(default_factory=list)

    @property
    def substantive(self) -> bool:
        """Whether anything changed in substance: a new fact, outlet, figure or dispute, or a settled dispute."""
        return bool(self.counts())

    def counts(self) -> dict[str, int]:
        """How many of each kind of change, those with none left out (what the store keeps with a brief version)."""
        found = {
            "new_facts": len(self.new_facts),
            "new_outlets": len(self.new_outlets),
            "changed": len(self.changed),
            "new_disputes": len(self.new_disputes),
            "settled_disputes": len(self.settled_disputes),
        }
        return {kind: count for kind, count in found.items() if count}

    def summary(self) -> str:
        """The changes in a line: "2 new facts, 1 new outlet, 1 changed figure" ("" when nothing changed)."""
        return news_summary(self.counts())

    def to_json(self) -> dict[str, Any]:
        return {
            "story": self.story_id,
            "since": {"version": self.since_version, "time": format_time(self.since_time)},
            "version": self.version,
            "articles_before": self.articles_before,
            "new_articles": self.new_articles,
            "summary": self.summary(),
            "new_facts": [f.to_json() for f in self.new_facts],
            "new_outlets": list(self.new_outlets),
            "changed": [c.to_json() for c in self.changed],
            "new_disputes": [d.to_json() for d in self.new_disputes],
            "settled_disputes": [d.to_json() for d in self.settled_disputes],
        }


_NEWS_WORDS: dict[str, tuple[str, str]] = {
    "new_story": ("new story", "new stories"),
    "new_facts": ("new fact", "new facts"),
    "new_outlets": ("new outlet", "new outlets"),
    "changed": ("changed figure", "changed figures"),
    "new_disputes": ("new dispute", "new disputes"),
    "settled_disputes": ("settled dispute", "settled disputes"),
}


def news_summary(counts: Mapping[str, int]) -> str:
    """Counts of changes in words, in the order a reader cares for: "2 new facts, 1 new outlet" ("new_story": the
    first brief of a story)."""
    parts = []
    for kind, (one, many) in _NEWS_WORDS.items():
        count = counts.get(kind, 0)
        if count:
            parts.append(f"{count} {one if count == 1 else many}")
    return ", ".join(parts)
