"""The JSON API under /api/: stories, one story in full, articles, search, feeds; writes need the token.

Every answer is JSON; an error is ``{"error": "what went wrong and how to fix it"}`` with its status. Lists come
one page at a time with ``limit``/``offset`` and a ``next`` address while there is more.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import AfterValidator, BaseModel, Field

from newsloom.ingest.records import article_from_record
from newsloom.model import Article, Brief, Feed, Rejected, Story, format_time
from newsloom.present.muting import brief_without, entries_shown, reports_without, story_without
from newsloom.present.views import story_path
from newsloom.serve.server import Server, server_of
from newsloom.store import Store, open_store
from newsloom.store.base import (
    MATCH_END,
    MATCH_START,
    STORY_ORDERS,
    ArticleQuery,
    Preferences,
    StoryEntry,
    StoryQuery,
)
from newsloom.text.checks import JSONTooDeep, load_json, lone_surrogates
from newsloom.text.urls import safe_link
from newsloom.version import __version__

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api", tags=["api"])


def in_utc(moment: datetime | None) -> datetime | None:
    """The time in UTC (one without a zone is taken as UTC); refused when it falls outside the years UTC can hold."""
    if moment is None:
        return None
    try:
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except OverflowError as error:
        raise ValueError("the time falls outside the years 1 to 9999 in UTC") from error


Limit = Annotated[int, Query(ge=1, le=200, description="how many on this page")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="skip this many first")]
LAST_VERSION = 1_000_000_000  # more versions than any brief will have: a larger number is no version, not a 500


class FeedIn(BaseModel):
    """A feed to follow."""

    url: str = Field(description="the feed's http(s) address, or a page that announces its feed", max_length=2000)
    title: str | None = Field(None, max_length=500)
    category: str | None = Field(None, max_length=200)
    check: bool = Field(True, description="read the feed before following it (false: only vet its address)")


def _json(data: Any, status: int = 200) -> tuple[bytes, str, int]:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), "application/json", status


def _next(
    request: Request, filters: Mapping[str, str | Sequence[str] | None], offset: int, limit: int, more: bool
) -> str | None:
    """The next page's address: this page's filters (none the route does not read; a list as the parameter
    repeated), the offset moved on."""
    if not more:
        return None
    params: list[tuple[str, str]] = []
    for name, value in filters.items():
        if isinstance(value, str):
            params.append((name, value))
        elif value is not None:
            params.extend((name, item) for item in value)
    params += [("offset", str(offset + limit)), ("limit", str(limit))]
    return f"{request.url.path}?{urlencode(params)}"


def story_summary(entry: StoryEntry) -> dict[str, Any]:
    """A story as lists show it: its counts and times, the dek of its latest brief, its page, and how it ranks."""
    return {
        **entry.story.to_json(),
        "dek": entry.dek,
        "brief_version": entry.brief_version,
        "url": _path(entry.story),
        "fresh_sources": entry.fresh_sources,
        "top_score": round(entry.top_score, 4),
        "preferred": entry.preferred,
        "muted_articles": entry.muted_articles,
    }


MOST_CHOICES = 100  # muted and preferred outlets, muted words: at most this many of each


def preferences_of(
    mute_outlet: list[str] | None, prefer_outlet: list[str] | None, mute_word: list[str] | None
) -> Preferences:
    """The preferences a request names, each list checked against its bounds (422 past them)."""
    for name, values in (("mute_outlet", mute_outlet), ("prefer_outlet", prefer_outlet), ("mute_word", mute_word)):
        if values and (len(values) > MOST_CHOICES or any(len(v) > 200 for v in values)):
            raise HTTPException(422, f"{name}: at most {MOST_CHOICES} values, each at most 200 characters")
    return Preferences(tuple(mute_outlet or ()), tuple(prefer_outlet or ()), tuple(mute_word or ()))


def _path(story: Story) -> str:
    return story_path(story.id)


def article_summary(article: Article, with_text: bool = True) -> dict[str, Any]:
    data = article.to_json()
    if not with_text:
        data.pop("text", None)
    data["url"] = safe_link(article.url) if article.url else None
    if article.url and data["url"] is None:
        data["unsafe_url"] = article.url  # kept for the record, never to be used as a link
    return {k: v for k, v in data.items() if v is not None}


def story_document(
    store: Store, story: Story, brief: Brief | None, muted: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """Everything known about one story: brief, articles, syndication groups, coverage, timeline, disputes, entities.

    ``muted``: outlets left out, as the reader leaves them out (``present.muting``): their articles, their counts,
    and the sentences of the brief only they state. A story every outlet of which is muted is given whole.
    """
    articles = store.story_articles(story.id)
    muted_articles = 0
    if muted and not muted.issuperset(a.display_outlet for a in articles):
        reports = store.story_reports(story.id)
        kept = reports_without(reports, muted)
        story = story_without(story, kept)
        brief = brief_without(brief, muted, kept) if brief else None
        muted_articles = len(articles)
        articles = [a for a in articles if a.display_outlet not in muted]
        muted_articles -= len(articles)
    groups: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        groups[article.syndication_group or article.id].append(article)
    per_outlet: dict[str, list[str | None]] = defaultdict(list)
    for article in articles:
        per_outlet[article.display_outlet].append(format_time(article.published))
    brief_json = brief.to_json() if brief else None
    coverage = brief_json["coverage"] if brief_json else {}
    return {
        "story": {**story.to_json(), "url": _path(story)},
        "brief": brief_json,
        "articles": [article_summary(a, with_text=False) for a in articles],
        "syndication_groups": [
            {
                "id": group,
                "articles": [a.id for a in members],
                "outlets": sorted({a.display_outlet for a in members}),
            }
            for group, members in groups.items()
        ],
        "coverage": {
            **coverage,
            "per_outlet": [{"outlet": o, "articles": len(t), "published": t} for o, t in per_outlet.items()],
        },
        "timeline": brief_json["timeline"] if brief_json else [],
        "disputes": brief_json["differences"] if brief_json else [],
        "entities": brief_json["key_players"] if brief_json else [],
        "muted_articles": muted_articles,
    }


def find_story(store: Store, story_id: str) -> Story:
    story = store.story(story_id)
    if story is None:
        raise HTTPException(404, f"no story '{story_id}': list stories at /api/stories")
    return story


@router.get("/health", summary="Whether the server is up, and its version")
async def health() -> JSONResponse:
    return JSONResponse({"status": "ok", "version": __version__})


ORDER_PATTERN = f"^({'|'.join(STORY_ORDERS)})$"


@router.get("/stories", summary="Stories, top, newest or biggest first, with filters and the reader's outlets")
def list_stories(
    request: Request,
    order: Annotated[
        str,
        Query(
            pattern=ORDER_PATTERN,
            description="top (highest score: independent sources, how fast they grow, recency; see the docs), "
            "newest (most recently reported) or biggest (most independent sources)",
        ),
    ] = "newest",
    sort: Annotated[str | None, Query(pattern=ORDER_PATTERN, description="another name for order")] = None,
    since: Annotated[
        datetime | None, Query(description="reported at or after this time (ISO 8601)"), AfterValidator(in_utc)
    ] = None,
    outlet: Annotated[str | None, Query(max_length=200, description="an outlet that covered it")] = None,
    language: Annotated[str | None, Query(max_length=16, description="a language of its articles")] = None,
    entity: Annotated[str | None, Query(max_length=200, description="a key player, any spelling")] = None,
    q: Annotated[str | None, Query(max_length=500, description="words its articles contain")] = None,
    mute_outlet: Annotated[
        list[str] | None,
        Query(
            description="leave this outlet out: its articles leave the counts, and a story it alone told is hidden "
            "(repeat for several; exact names; at most 100)"
        ),
    ] = None,
    prefer_outlet: Annotated[
        list[str] | None,
        Query(description="stories this outlet covered first, in the order asked for (repeat for several)"),
    ] = None,
    mute_word: Annotated[
        list[str] | None,
        Query(
            description="hide stories whose headline or dek holds this word or phrase (case ignored, whole words; "
            "repeat for several)"
        ),
    ] = None,
    now: Annotated[
        datetime | None,
        Query(description="the time top_score is worked out at (ISO 8601; default: the latest report stored)"),
        AfterValidator(in_utc),
    ] = None,
    limit: Limit = 30,
    offset: Offset = 0,
) -> Response:
    server = server_of(request)
    if sort is not None and sort != order and order != "newest":
        raise HTTPException(422, f"order={order} and sort={sort} disagree: give one of them")
    order = sort or order
    chosen = preferences_of(mute_outlet, prefer_outlet, mute_word)
    filters: dict[str, str | Sequence[str] | None] = {
        "order": order,
        "since": format_time(since),
        "outlet": outlet,
        "language": language,
        "entity": entity,
        "q": q,
        "mute_outlet": chosen.mute_outlets,
        "prefer_outlet": chosen.prefer_outlets,
        "mute_word": chosen.mute_words,
        "now": format_time(now),
    }

    def render(store: Store) -> tuple[bytes, str, int]:
        query = StoryQuery(since, outlet, language, entity, q, order, limit + 1, offset, chosen, now)
        entries = store.find_stories(query)
        return _json(
            {
                "stories": [story_summary(e) for e in entries_shown(store, entries[:limit], chosen)],
                "limit": limit,
                "offset": offset,
                "next": _next(request, filters, offset, limit, len(entries) > limit),
            }
        )

    return server.cached(request, render)


@router.get("/stories/{story_id}", summary="One story: brief, articles, syndication groups, coverage, disputes")
def get_story(
    request: Request,
    story_id: str,
    mute_outlet: Annotated[
        list[str] | None,
        Query(description="leave this outlet out of the articles, counts and brief, as the reader does (repeat)"),
    ] = None,
) -> Response:
    server = server_of(request)
    muted = preferences_of(mute_outlet, None, None).muted

    def render(store: Store) -> tuple[bytes, str, int]:
        story = find_story(store, story_id)
        return _json(story_document(store, story, store.brief(story.id), muted))

    return server.cached(request, render, edition=lambda store: store.story_revision(story_id))


@router.get("/stories/{story_id}/briefs/{version}", summary="An earlier version of a story's brief")
def get_brief_version(request: Request, story_id: str, version: int) -> Response:
    server = server_of(request)
    with server.store() as store:
        story = find_story(store, story_id)
        brief = store.brief(story.id, version) if 1 <= version <= LAST_VERSION else None
    if brief is None:
        raise HTTPException(404, f"story {story.id} has no brief version {version}")
    return JSONResponse(brief.to_json())


class StatedOut(BaseModel):
    """A fact as some outlets state it."""

    text: str = Field(description="one of their sentences")
    sources: list[str] = Field(description="the outlets (independent sources) that state it")
    value: str | None = Field(None, description="for a changed figure: the number, date or place it gives")


class NewFactOut(BaseModel):
    text: str = Field(description="the claim, as its earliest statement words it")
    sources: list[str] = Field(description="the outlets that state it")
    label: str = Field(description="corroborated, single-source or disputed")
    in_brief: str | None = Field(description="the sentence of the latest brief that states it, if the brief prints it")


class ChangedOut(BaseModel):
    text: str
    kind: str = Field(description="number, date or place")
    before: StatedOut
    now: StatedOut
    in_brief: str | None


class ConflictOut(BaseModel):
    kind: str
    this: str
    other: str


class DisputeOut(BaseModel):
    text: str
    versions: list[StatedOut] = Field(description="now for a new dispute, as they stood for a settled one")
    conflicts: list[ConflictOut]
    in_brief: str | None


class SinceOut(BaseModel):
    version: int | None = Field(description="the brief version counted from (0: before the first; null: a time)")
    time: str | None = Field(description="when that version was written, or the time asked for")


class ChangesOut(BaseModel):
    """What changed in a story since an earlier point (as ``newsloom changes STORY --format json``)."""

    story: str
    since: SinceOut
    version: int | None = Field(description="the story's latest brief version")
    articles_before: int
    new_articles: int
    summary: str = Field(description='the changes in a line: "1 new fact, 1 new outlet" ("" when none)')
    new_facts: list[NewFactOut]
    new_outlets: list[str]
    changed: list[ChangedOut]
    new_disputes: list[DisputeOut]
    settled_disputes: list[DisputeOut]


@router.get(
    "/stories/{story_id}/changes",
    summary="What changed in a story since a brief version or a time: new facts, outlets, figures, disputes",
    responses={200: {"model": ChangesOut, "description": "the changes"}},
)
def get_changes(
    request: Request,
    story_id: str,
    since: Annotated[
        str | None,
        Query(
            max_length=64,
            description="a brief version (3) or a time (ISO 8601); default: the brief version before the latest",
        ),
    ] = None,
) -> Response:
    from newsloom.drivers.changes import NoSuchVersion, changes_since, parse_since

    server = server_of(request)
    try:
        asked = parse_since(since, relative=False) if since else None
    except ValueError as error:
        raise HTTPException(422, f"since: {error}") from None
    if isinstance(asked, int) and asked > LAST_VERSION:
        raise HTTPException(404, f"no brief version {asked}")

    def render(store: Store) -> tuple[bytes, str, int]:
        story = find_story(store, story_id)
        try:
            changes = changes_since(store, story.id, asked)
        except NoSuchVersion as error:
            return _json({"error": str(error)}, 404)
        return _json(changes.to_json())

    return server.cached(request, render, edition=lambda store: store.story_revision(story_id))


@router.get("/articles", summary="Articles, newest published first")
def list_articles(
    request: Request,
    story: Annotated[str | None, Query(max_length=200, description="a story id")] = None,
    outlet: Annotated[str | None, Query(max_length=200)] = None,
    language: Annotated[str | None, Query(max_length=16)] = None,
    since: Annotated[
        datetime | None, Query(description="published at or after this time (ISO 8601)"), AfterValidator(in_utc)
    ] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Response:
    server = server_of(request)
    filters = {"story": story, "outlet": outlet, "language": language, "since": format_time(since)}

    def render(store: Store) -> tuple[bytes, str, int]:
        found = store.find_articles(ArticleQuery(story, outlet, language, since, limit + 1, offset))
        return _json(
            {
                "articles": [article_summary(a, with_text=False) for a in found[:limit]],
                "limit": limit,
                "offset": offset,
                "next": _next(request, filters, offset, limit, len(found) > limit),
            }
        )

    return server.cached(request, render)


@router.get("/articles/{article_id:path}", summary="One article with its text (an id holding / as it is or as %2F)")
def get_article(request: Request, article_id: str) -> Response:
    with server_of(request).store() as store:
        article = store.article(article_id)
    if article is None:
        raise HTTPException(404, f"no article '{article_id}'")
    return JSONResponse({**article_summary(article), "sentences": article.sentences})


@router.get("/search", summary="Full-text search over articles (headline, dek, text)")
def search(
    request: Request,
    q: Annotated[
        str, Query(min_length=1, max_length=500, description="words that must all be there; word* for starts")
    ],
    limit: Limit = 20,
    offset: Offset = 0,
) -> Response:
    server = server_of(request)

    def render(store: Store) -> tuple[bytes, str, int]:
        hits = store.search_articles(q, limit + 1, offset)
        results = []
        for hit in hits[:limit]:
            snippet, highlights = plain_snippet(hit.snippet)
            results.append(
                {
                    **article_summary(hit.article, with_text=False),
                    "snippet": snippet,
                    "highlights": highlights,
                    "score": round(hit.score, 4),
                }
            )
        return _json(
            {
                "query": q,
                "results": results,
                "limit": limit,
                "offset": offset,
                "next": _next(request, {"q": q}, offset, limit, len(hits) > limit),
            }
        )

    return server.cached(request, render)


def plain_snippet(marked: str) -> tuple[str, list[list[int]]]:
    """A search snippet without its match markers, and where each match starts and ends in it."""
    text: list[str] = []
    highlights: list[list[int]] = []
    position = 0
    start = 0
    for char in marked:
        if char == MATCH_START:
            start = position
        elif char == MATCH_END:
            highlights.append([start, position])
        else:
            text.append(char)
            position += 1
    return "".join(text), highlights


@router.get("/outlets", summary="Every outlet with its number of articles")
def list_outlets(request: Request) -> Response:
    server = server_of(request)
    return server.cached(
        request, lambda store: _json({"outlets": [{"name": n, "articles": c} for n, c in store.outlets()]})
    )


@router.get("/feeds", summary="The feeds followed, with their health")
def list_feeds(request: Request) -> JSONResponse:
    with server_of(request).store() as store:
        feeds = store.feeds()
    return JSONResponse({"feeds": [f.to_json() for f in feeds]})


@router.post("/feeds", status_code=201, summary="Follow a feed (needs the token)")
def add_feed(request: Request, feed: FeedIn) -> JSONResponse:
    """The same checks as ``newsloom feeds add``: the feed is read first (a page gives the first feed it announces)
    unless ``check`` is false, and an address the fetcher would refuse (a private or metadata address, unless the
    settings allow private networks) is never stored."""
    from newsloom.ingest.discover import follow
    from newsloom.ingest.feeds import FeedError
    from newsloom.ingest.fetch import Fetcher, FetchError

    server = server_of(request)
    server.check_token(request)
    if safe_link(feed.url) is None:
        raise HTTPException(422, f"not an http(s) feed address: {feed.url!r}")
    try:
        with Fetcher(server.settings.fetch) as fetcher:
            found = follow(feed.url, fetcher, check=feed.check)
    except (FetchError, FeedError) as error:
        raise HTTPException(422, f"not added: {error}") from error
    with server.store() as store:
        added = store.add_feed(Feed(found.url, feed.title or found.title, found.site_url, feed.category))
        stored = store.feed(found.url)
    body = {"added": added, "feed": stored.to_json() if stored else None}
    return JSONResponse(body, status_code=201 if added else 200)


@router.delete("/feeds", summary="Stop following a feed (needs the token)")
def remove_feed(request: Request, url: Annotated[str, Query(max_length=2000)]) -> Response:
    server = server_of(request)
    server.check_token(request)
    with server.store() as store:
        removed = store.remove_feed(url)
    if not removed:
        raise HTTPException(404, f"not following {url}")
    return Response(status_code=204)


class ArticleIn(BaseModel):
    """An article in the JSON lines contract; unknown fields are ignored."""

    id: str
    title: str | None = None
    text: str | None = None
    url: str | None = None
    source: str | None = None
    published: str | None = Field(None, description="ISO 8601, e.g. 2031-05-12T09:00:00Z")
    language: str | None = None


_ARTICLE_SCHEMA = ArticleIn.model_json_schema()
ARTICLES_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "description": 'One article, a list of articles, or {"articles": [...]}, each in the article '
                    "JSON lines contract: id and one of title/text required",
                    "oneOf": [
                        _ARTICLE_SCHEMA,
                        {"type": "array", "items": _ARTICLE_SCHEMA},
                        {"type": "object", "properties": {"articles": {"type": "array", "items": _ARTICLE_SCHEMA}}},
                    ],
                }
            }
        },
    }
}


@router.post(
    "/articles",
    summary="Add articles: stories and briefs are brought up to date (needs the token)",
    openapi_extra=ARTICLES_BODY,
)
async def add_articles(request: Request) -> JSONResponse:
    server = server_of(request)
    server.check_token(request)
    body = await _read_body(request, server.serve.max_body_bytes)
    data = _body_json(body)
    if isinstance(data, dict) and isinstance(data.get("articles"), list):
        data = data["articles"]
    records = data if isinstance(data, list) else [data]
    if not records:
        raise HTTPException(422, "no articles in the body")
    items: list[Article | Rejected] = []
    repaired: list[dict[str, str]] = []
    for number, record in enumerate(records, 1):
        origin = f"request item {number}"
        try:
            items.append(article_from_record(record, origin=origin))
        except ValueError as error:
            items.append(Rejected(origin, str(error), json.dumps(record)[:2000]))
            continue
        except Exception as error:  # a record no rule foresaw: quarantined like the others, never a 500
            log.exception("%s: unexpected error while reading the record", origin)
            reason = f"unreadable record ({type(error).__name__}: {str(error)[:200]})"
            items.append(Rejected(origin, reason, json.dumps(record)[:2000]))
            continue
        fields = _with_lone_surrogates(record)
        if fields:
            reason = f"lone surrogates (text that is not valid Unicode) in {', '.join(fields)} replaced with U+FFFD"
            repaired.append({"origin": origin, "reason": reason})
    report = await run_in_threadpool(_ingest, server, items)
    if repaired:
        report["repaired"] = repaired
    if report["added"]:
        return JSONResponse(report, status_code=201)
    if len(report["rejected"]) >= len(records):
        # Nothing in the body could be read as an article: the request was bad, and the answer says why, article by
        # article (the rejections are in the quarantine too).
        return JSONResponse({"error": "no article in the body could be read: see rejected", **report}, status_code=400)
    return JSONResponse(report, status_code=200)


def _body_json(body: bytes) -> Any:
    """The body's JSON value; 400 for a body that is not JSON, or is nested deeper than an article ever is."""
    try:
        return load_json(body.decode(json.detect_encoding(body)))
    except JSONTooDeep as error:
        raise HTTPException(400, f"the body is not JSON newsloom reads: {error}") from error
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise HTTPException(400, f"the body is not JSON: {error}") from error


def _with_lone_surrogates(record: Any) -> list[str]:
    """The fields of a record holding lone surrogates (a JSON escape like \\ud800 that is no character), by path
    ('title', 'source.name'); normalize replaces them."""
    found: list[str] = []
    waiting: list[tuple[str, Any]] = [("", record)]
    while waiting:  # a loop, not recursion: the depth is bounded already, but a loop needs no bound at all
        where, value = waiting.pop()
        if isinstance(value, str) and lone_surrogates(value):
            found.append(where or "the record")
        elif isinstance(value, dict):
            waiting.extend((f"{where}.{key}" if where else str(key), inner) for key, inner in value.items())
        elif isinstance(value, list):
            waiting.extend((f"{where}[{index}]", inner) for index, inner in enumerate(value))
    return sorted(found)


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"the body is over {limit} bytes: send fewer articles per request")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"the body is over {limit} bytes: send fewer articles per request")
        chunks.append(chunk)
    return b"".join(chunks)


def _ingest(server: Server, items: list[Article | Rejected]) -> dict[str, Any]:
    """Run the articles through the pipeline as `newsloom ingest` does, one write at a time."""
    from newsloom.drivers.pipeline import Pipeline

    with server.write_lock:
        pipeline = server.pipeline
        if pipeline is not None and pipeline.store.revision() != server.pipeline_revision:
            pipeline.store.close()  # another process wrote (the watch loop): restore from the store again
            pipeline = None
        if pipeline is None:
            pipeline = Pipeline(server.settings, open_store(server.location))
        report = pipeline.ingest(items)
        server.pipeline = pipeline
        server.pipeline_revision = pipeline.store.revision()
    return {
        "added": report.added,
        "already_known": report.already_known,
        "rejected": [{"origin": r.origin, "reason": r.reason} for r in report.rejections],
        "stories": sorted(report.stories_touched),
        "new_stories": report.new_stories,
        "briefs_written": report.briefs_written,
    }
