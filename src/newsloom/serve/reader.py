"""The web reader: a river of stories, a story page with its cited brief, articles, search and the feeds page.

Pages are rendered on the server with Jinja2 (every piece of article text escaped); one stylesheet and one small
script (citation popovers) are the whole front end. Every page works without the script.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response

from newsloom.model import WhatChanged, format_time
from newsloom.present.muting import entries_shown, reports_without, story_without
from newsloom.present.views import article_paragraphs, news_marks, reports_view, story_articles_path, story_path
from newsloom.serve import preferences
from newsloom.serve.server import reader_preferences, server_of, site_of
from newsloom.store import Store
from newsloom.store.base import ArticleQuery, Preferences, Report, StoryQuery
from newsloom.text.urls import safe_link

router = APIRouter(include_in_schema=False)

ARTICLES_PER_PAGE = 100  # on the page that lists every article of a story

HTML = "text/html; charset=utf-8"
LANGUAGE_NAMES = {"en": "English", "fr": "French", "de": "German", "es": "Spanish", "it": "Italian", "uk": "Ukrainian",
                  "ru": "Russian", "pt": "Portuguese", "nl": "Dutch", "pl": "Polish"}  # fmt: skip


ORDERS = ("top", "newest", "biggest")  # the reader's orders, its default first


@router.get("/")
@reader_preferences
def river(
    request: Request,
    order: Annotated[str, Query(pattern="^(top|newest|biggest)$")] = "top",
    outlet: Annotated[str | None, Query(max_length=200)] = None,
    language: Annotated[str | None, Query(max_length=16)] = None,
    entity: Annotated[str | None, Query(max_length=200)] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    server = server_of(request)
    size = server.serve.page_size
    filters = {k: v for k, v in {"outlet": outlet, "language": language, "entity": entity}.items() if v}
    chosen = preferences.of_scope(request.scope)

    def link(**changes: object) -> str:
        params: dict[str, object] = {"order": order, **filters, "offset": offset, **changes}
        kept = {k: v for k, v in params.items() if v not in (None, "", 0) and not (k == "order" and v == ORDERS[0])}
        return "/" + ("?" + urlencode(kept) if kept else "")

    def render(store: Store) -> tuple[bytes, str]:
        query = StoryQuery(
            outlet=outlet,
            language=language,
            entity=entity,
            order=order,
            limit=size + 1,
            offset=offset,
            preferences=chosen,
        )
        entries = store.find_stories(query)
        news = store.latest_news([entry.story.id for entry in entries[:size]])
        body = server.render(
            "river.html",
            entries=entries_shown(store, entries[:size], chosen),
            news=news,
            order=order,
            filters=filters,
            preferences=chosen,
            outlets=server.outlets(store)[:60],
            newer=link(offset=max(0, offset - size)) if offset else None,
            older=link(offset=offset + size) if len(entries) > size else None,
            order_links={name: link(order=name, offset=0) for name in ORDERS},
            clear_links={name: link(**{name: None}, offset=0) for name in filters},
            language_names=LANGUAGE_NAMES,
            query="",
        )
        return body, HTML

    return server.cached(request, render)


def muted_in(chosen: Preferences, reports: Sequence[Report]) -> frozenset[str]:
    """The outlets of these reports the reader muted, unless they are all of them (a story opened on purpose is
    shown whole when every outlet of it is muted)."""
    outlets = {r.outlet for r in reports}
    muted = chosen.muted & outlets
    return frozenset() if muted == outlets else muted


@router.get("/stories/{story_id}")
@reader_preferences
def story_page(
    request: Request,
    story_id: str,
    since: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """A story's page; with ``?since=`` (a brief version or an ISO 8601 time), what changed since then over its brief,
    the sentences that state it marked (the script asks the API for the same when a reader comes back)."""
    server = server_of(request)
    with server.store() as store:
        story = store.story(story_id)
    if story is None:
        raise HTTPException(404, f"No story '{story_id}' here. It may have been merged away or never existed.")
    if story.id != story_id:  # a unique start of an id, or a story merged into another: the one address
        moved = story_path(story.id) + (f"?{urlencode({'since': since})}" if since else "")
        return RedirectResponse(moved, status_code=301)
    asked = None
    if since:
        from newsloom.drivers.changes import parse_since

        try:
            asked = parse_since(since, relative=False)
        except ValueError as error:
            raise HTTPException(422, f"since: {error}") from None
    chosen = preferences.of_scope(request.scope)

    def render(store: Store) -> tuple[bytes, str]:
        # The brief's part of the page is kept per brief version; what comes from the story's articles (the chart,
        # the newest reports, their count) is read and drawn here, without their text.
        changes = _changes(store, story.id, asked) if asked is not None else None
        news = news_marks(changes) if changes is not None and changes.version is not None else None
        reports = store.story_reports(story.id)
        muted = muted_in(chosen, reports)
        kept = reports_without(reports, muted) if muted else reports
        brief = server.brief_parts(store, story.id, muted, kept, news)
        body = server.render(
            "story.html",
            story=story_without(story, kept) if muted else story,
            brief=brief,
            reports=reports_view(story.id, kept),
            muted=sorted(muted),
            muted_articles=len(reports) - len(kept),
            all_muted=bool(chosen.muted) and not muted and chosen.muted >= {r.outlet for r in reports},
            changes=changes,
            since=_since_words(changes) if changes is not None else "",
            query="",
        )
        return body, HTML

    return server.cached(request, render, edition=lambda store: store.story_revision(story.id))


def _changes(store: Store, story_id: str, since: int | datetime) -> WhatChanged | None:
    """What changed in the story since then; None for a brief version it never had."""
    from newsloom.drivers.changes import NoSuchVersion, changes_since

    try:
        return changes_since(store, story_id, since)
    except NoSuchVersion:
        return None


def _since_words(changes: WhatChanged) -> str:
    if changes.since_version is not None:
        return "Since the first brief" if changes.since_version == 0 else f"Since brief version {changes.since_version}"
    return f"Since {format_time(changes.since_time, human=True)}"


@router.get("/stories/{story_id}/articles")
@reader_preferences
def story_articles_page(
    request: Request, story_id: str, offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0
) -> Response:
    """Every article of a story, newest first, ``ARTICLES_PER_PAGE`` at a time (the story page lists the newest)."""
    server = server_of(request)
    chosen = preferences.of_scope(request.scope)
    with server.store() as store:
        story = store.story(story_id)
    if story is None:
        raise HTTPException(404, f"No story '{story_id}' here. It may have been merged away or never existed.")
    if story.id != story_id:
        moved = story_articles_path(story.id) + (f"?{urlencode({'offset': offset})}" if offset else "")
        return RedirectResponse(moved, status_code=301)
    size = ARTICLES_PER_PAGE

    def link(start: int) -> str:
        return story_articles_path(story.id) + (f"?{urlencode({'offset': start})}" if start else "")

    def render(store: Store) -> tuple[bytes, str]:
        reports = store.story_reports(story.id)
        muted = muted_in(chosen, reports)
        newest = (reports_without(reports, muted) if muted else reports)[::-1]
        body = server.render(
            "story_articles.html",
            story=story,
            reports=newest[offset : offset + size],
            total=len(newest),
            offset=offset,
            newer=link(max(0, offset - size)) if offset else None,
            older=link(offset + size) if offset + size < len(newest) else None,
            muted=sorted(muted),
            muted_articles=len(reports) - len(newest),
            query="",
        )
        return body, HTML

    return server.cached(request, render, edition=lambda store: store.story_revision(story.id))


@router.get("/articles/{article_id:path}")  # an id may hold a slash, linked as %2F
def article_page(request: Request, article_id: str) -> Response:
    server = server_of(request)

    def render(store: Store) -> tuple[bytes, str, int]:
        article = store.article(article_id)
        if article is None:
            message = f"No article '{article_id}' here."
            return server.render("error.html", status=404, message=message, query=""), HTML, 404
        story = store.story(article.story_id) if article.story_id else None
        body = server.render(
            "article.html",
            article=article,
            paragraphs=article_paragraphs(article),
            link=safe_link(article.url),
            story=story,
            query="",
        )
        return body, HTML, 200

    return server.cached(request, render)


@router.get("/search")
@reader_preferences
def search_page(
    request: Request,
    q: Annotated[str, Query(max_length=500)] = "",
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> Response:
    server = server_of(request)
    size = 20
    chosen = preferences.of_scope(request.scope)

    def render(store: Store) -> tuple[bytes, str]:
        text = q.strip()
        found = store.find_stories(StoryQuery(text=text, limit=8, preferences=chosen)) if text and not offset else []
        stories = entries_shown(store, found, chosen)
        hits = store.search_articles(text, size + 1, offset) if text else []
        params = {"q": text}
        body = server.render(
            "search.html",
            query=text,
            stories=stories,
            hits=hits[:size],
            older=f"/search?{urlencode({**params, 'offset': offset + size})}" if len(hits) > size else None,
            newer=f"/search?{urlencode({**params, 'offset': max(0, offset - size)})}" if offset else None,
            offset=offset,
        )
        return body, HTML

    return server.cached(request, render)


@router.get("/feeds")
def feeds_page(request: Request) -> Response:
    server = server_of(request)
    with server.store() as store:
        feeds = store.feeds()
        outlets = server.outlets(store)[:30]
        recent = store.find_articles(ArticleQuery(limit=1))
    body = server.render(
        "feeds.html",
        feeds=feeds,
        outlets=outlets,
        latest=recent[0] if recent else None,
        writes_open=bool(server.serve.token),
        query="",
    )
    return Response(body, media_type=HTML)


@router.get("/settings")
def settings_page(request: Request, saved: Annotated[bool, Query()] = False) -> Response:
    """The reader's outlets and words: every outlet, to prefer or mute, and the muted words."""
    server = server_of(request)
    chosen = preferences.of_scope(request.scope)
    with server.store() as store:
        outlets = server.outlets(store)
    known = {name for name, _ in outlets}
    gone = [(name, 0) for name in (*chosen.mute_outlets, *chosen.prefer_outlets) if name not in known]
    body = server.render(
        "settings.html",
        outlets=[*outlets, *gone],
        muted=set(chosen.mute_outlets),
        preferred=set(chosen.prefer_outlets),
        words=chosen.mute_words,
        saved=saved,
        query="",
    )
    return Response(body, media_type=HTML, headers={"cache-control": "no-store", "vary": "Cookie"})


MOST_FORM_BYTES = 64 * 1024


@router.post("/settings")
async def save_settings(request: Request) -> Response:
    """Keep the settings form's choices in the reader's cookie (nothing is stored on the server), and go back to
    the form. Only a form of this site may send it."""
    server = server_of(request)
    if not _same_site(request, server.serve.base_url):
        raise HTTPException(403, "Settings are changed from this site's own settings page.")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MOST_FORM_BYTES:
        raise HTTPException(413, "The settings form is too large.")
    body = await request.body()
    if len(body) > MOST_FORM_BYTES:
        raise HTTPException(413, "The settings form is too large.")
    form = parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    chosen = Preferences() if any(name == "clear" for name, _ in form) else preferences.preferences_from(form)
    if len(preferences.cookie_value(chosen)) > preferences.MOST_COOKIE_BYTES:
        raise HTTPException(
            400, "Too many outlets and words to keep in a browser cookie (about 4 kB): mute or prefer fewer."
        )
    secure = request.url.scheme == "https"
    headers = {"set-cookie": preferences.set_cookie(chosen, secure), "cache-control": "no-store"}
    return RedirectResponse("/settings?saved=true", status_code=303, headers=headers)


def _same_site(request: Request, base_url: str | None) -> bool:
    """Whether the request came from a page of this site, as far as the browser says: its Sec-Fetch-Site, else its
    Origin (which a browser sends as "null" under this site's no-referrer policy: no word either way)."""
    fetched = request.headers.get("sec-fetch-site")
    if fetched is not None:
        return fetched in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return True
    sites = {site_of(request.scope)}
    if base_url:
        parts = urlsplit(base_url)
        sites.add(f"{parts.scheme}://{parts.netloc}".lower())
    return origin.lower() in sites
