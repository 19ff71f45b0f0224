"""The server's parts: a pool of store connections, a page cache keyed on the store's revision, security headers,
the check of the Host a request names.

The server reads the same store the watch loop writes. Each request borrows one connection from a small pool
(SQLite in WAL mode lets readers run while a writer commits). Pages, feeds and API answers that only read are
cached per answer key (the path, the query parameters the route declares, in one canonical form, and the site for
answers with absolute links) and served again, with an ETag, until the store's revision changes, so a river hit by
many readers costs one query of the revision, and a query made up to miss the cache finds it all the same. A
story's page is kept on through changes that leave its story alone (the story's own revision says so), so a busy
watch loop makes only the stories it touched be rendered again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import queue
import re
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from types import UnionType
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin
from urllib.parse import parse_qsl, urlencode

from fastapi import HTTPException, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute
from pydantic import TypeAdapter, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined
from starlette.routing import BaseRoute

from newsloom.config import Settings
from newsloom.present.muting import brief_without
from newsloom.present.pages import BriefParts, brief_parts, page_templates
from newsloom.present.views import brief_view, cited_ids
from newsloom.serve import preferences
from newsloom.store import Store, open_store
from newsloom.store.base import Report

# Scripts and styles come only from this site, never inline; no frames, plugins or form posts elsewhere.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class SecurityHeaders:
    """Adds the security headers to every HTTP response (a plain ASGI wrapper: cheaper than a request hook)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in SECURITY_HEADERS if n not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)


# A Host header: a name or an IPv4 address, or an IPv6 address in brackets, and an optional port; nothing else.
_HOST = re.compile(r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::[0-9]{1,5})?")


def host_name(host: str) -> str | None:
    """The name in a Host header, in lower case, without its port ('[::1]:8000' gives '::1'); None if malformed."""
    if not _HOST.fullmatch(host):
        return None
    if host.startswith("["):
        return host[1 : host.index("]")].lower()
    return host.partition(":")[0].lower()


def site_of(scope: Scope) -> str:
    """The address the request came to, as ``scheme://host[:port]``: its Host header, or the address it reached."""
    host = next((v.decode("latin-1").lower() for k, v in scope.get("headers", []) if k == b"host"), None)
    if host is None:
        name, port = scope.get("server") or ("127.0.0.1", 80)
        host = f"[{name}]:{port}" if ":" in name else f"{name}:{port}"
    return f"{scope.get('scheme', 'http')}://{host}"


class HostCheck:
    """Answers 400 to a request whose Host header names a host this server does not answer to.

    Without ``[serve] base_url`` the feeds link to the address the request came to, so a Host the operator did not
    allow (``[serve] allowed_hosts``) must never reach them; it also keeps a browser page that rebinds its own name
    to this machine from reading the server under that name.
    """

    def __init__(self, app: ASGIApp, server: Server) -> None:
        self.app = app
        self.server = server
        self.names = server.serve.host_names

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        hosts = {v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"host"}
        problem = self.problem(hosts)
        if problem is None:
            await self.app(scope, receive, send)
            return
        if scope["path"].startswith(("/api/", "/feeds/")):
            body, media_type = json.dumps({"error": problem}).encode(), "application/json"
        else:
            body = self.server.render("error.html", status=400, message=problem, query="")
            media_type = "text/html; charset=utf-8"
        headers = [(b"content-type", media_type.encode()), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 400, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def problem(self, hosts: set[str]) -> str | None:
        """What is wrong with the Host headers of a request, or None when it may be answered."""
        if len(hosts) > 1:
            return "the request names more than one Host"
        for host in hosts:
            name = host_name(host)
            if name is None:
                return f"the Host header {host[:100]!r} is not a host name"
            if name not in self.names and "*" not in self.names:
                return (
                    f"this server does not answer to the host {name!r}: ask for it under one of the names in its "
                    "[serve] allowed_hosts setting"
                )
        return None


Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])
_LINKING_ROUTES: set[Callable[..., Any]] = set()


def absolute_links(endpoint: Endpoint) -> Endpoint:
    """Marks a route whose answer holds absolute links: its cached answers are kept per site (scheme and host)."""
    _LINKING_ROUTES.add(endpoint)
    return endpoint


_READER_ROUTES: set[Callable[..., Any]] = set()


def reader_preferences(endpoint: Endpoint) -> Endpoint:
    """Marks a route whose answer follows the reader's outlets and words (their cookie, ``serve/preferences.py``):
    its cached answers are kept per preferences, and say ``Vary: Cookie``."""
    _READER_ROUTES.add(endpoint)
    return endpoint


@dataclass(frozen=True)
class _Parameter:
    name: str
    adapter: TypeAdapter[Any]
    default: str | None  # the canonical form of its default, or None when it has to be given
    many: bool = False  # a list: the parameter may come several times, and all its values count


@dataclass(frozen=True)
class _KeyedRoute:
    pattern: re.Pattern[str]
    parameters: tuple[_Parameter, ...]
    per_site: bool
    per_reader: bool = False


class AnswerKeys:
    """What a GET's answer is cached under: everything that changes the answer, and nothing else.

    The path; each query parameter the route declares, read as the route reads it (the last one when repeated; a
    list, every value, as a set), validated and written back in one canonical form (``offset=05`` and ``offset=5``
    are one key), in name order, those at their default left out; the site (scheme and host) for answers with
    absolute links; and the reader's preferences (their cookie) for pages that follow them. Parameters the route
    does not declare change nothing in its answer and are left out: ``?x=1``, ``?x=2``... are one page.
    """

    def __init__(self, fixed_site: bool = False) -> None:
        self._routes: list[_KeyedRoute] = []
        self._fixed_site = fixed_site  # [serve] base_url is set: every answer links to it, whatever the Host

    def learn(self, routes: Iterable[BaseRoute]) -> None:
        """Read the GET routes' paths and query parameters (call with each router's routes, in routing order)."""
        for route in routes:
            if isinstance(route, APIRoute) and "GET" in (route.methods or ()):
                parameters = tuple(_parameter(field.alias, field.field_info) for field in route.dependant.query_params)
                per_site, per_reader = route.endpoint in _LINKING_ROUTES, route.endpoint in _READER_ROUTES
                self._routes.append(_KeyedRoute(route.path_regex, parameters, per_site, per_reader))

    def key(self, scope: Scope) -> str:
        return self.lookup(scope)[0]

    def lookup(self, scope: Scope) -> tuple[str, bool]:
        """The request's answer key, and whether the answer follows the reader's cookie (``Vary: Cookie``)."""
        path: str = scope["path"]
        route = next((r for r in self._routes if r.pattern.match(path)), None)
        if route is None:
            return path, False
        pairs = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        given = dict(pairs)
        kept = []
        for parameter in route.parameters:
            if parameter.many:
                values = [value for name, value in pairs if name == parameter.name]
                if values:
                    kept.append((parameter.name, _canonical_set(parameter.adapter, values)))
            elif parameter.name in given:
                value = _canonical(parameter.adapter, given[parameter.name])
                if value != parameter.default:
                    kept.append((parameter.name, value))
        site = site_of(scope) if route.per_site and not self._fixed_site else ""
        reader = ""
        if route.per_reader:
            chosen = preferences.keyed_of_scope(scope)[1]
            reader = "#" + chosen if chosen else ""
        return site + path + ("?" + urlencode(kept) if kept else "") + reader, route.per_reader


def _parameter(name: str, info: FieldInfo) -> _Parameter:
    kind: Any = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
    adapter: TypeAdapter[Any] = TypeAdapter(kind)
    default = None
    if info.default is not PydanticUndefined and info.default_factory is None:
        default = json.dumps(adapter.dump_python(info.default, mode="json"), ensure_ascii=False)
    return _Parameter(name, adapter, default, _is_list(info.annotation))


def _is_list(annotation: Any) -> bool:
    """Whether a parameter's type is a list (or a list or None)."""
    if get_origin(annotation) in (list, tuple, set, frozenset):
        return True
    return (
        any(_is_list(inner) for inner in get_args(annotation))
        if get_origin(annotation) in (Union, UnionType)
        else False
    )


def _canonical(adapter: TypeAdapter[Any], raw: str) -> str:
    """The value as the route will read it, in one spelling; one it refuses keeps its own (the route answers 422)."""
    try:
        value = adapter.validate_python(raw)
    except ValidationError:
        return "!" + raw
    return json.dumps(adapter.dump_python(value, mode="json"), ensure_ascii=False)


def _canonical_set(adapter: TypeAdapter[Any], raw: list[str]) -> str:
    """A repeated parameter's values as the route will read them, as a set: each once, in one order."""
    try:
        values = adapter.dump_python(adapter.validate_python(raw), mode="json")
    except ValidationError:
        return "!" + json.dumps(raw, ensure_ascii=False)
    return json.dumps(sorted({json.dumps(v, ensure_ascii=False) for v in values}), ensure_ascii=False)


class CacheFront:
    """Answers a GET from the page cache before the framework sees it, when the store has not changed since.

    The cheapest path a popular page can take: one query of the store's revision (on a connection of its own, used
    only by the event loop) and the cached bytes. A story's page cached at an older revision costs one more query,
    of its story's revision, and is served on if the story has not changed. Anything else goes on to the routes,
    which render it and fill the cache.
    """

    def __init__(self, app: ASGIApp, server: Server) -> None:
        self.app = app
        self.server = server
        self._store: Store | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not self.server.serve.cached_pages:
            await self.app(scope, receive, send)
            return
        (key, per_reader), store = self.server.answer_keys.lookup(scope), self.store()
        revision = store.revision()
        # A story's page kept from before the store changed is good while its story has not: one more query.
        page = self.server.cache.get(key, revision) or self.server.cache.renew(key, revision, store)
        if page is None:
            await self.app(scope, receive, send)
            return
        headers = [(b"etag", page.etag.encode()), (b"cache-control", b"no-cache")]
        if per_reader:
            headers.append((b"vary", b"Cookie"))
        asked = next((v for k, v in scope.get("headers", []) if k == b"if-none-match"), None)
        if page.status == 200 and asked == page.etag.encode():
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        headers += [(b"content-type", page.media_type.encode()), (b"content-length", str(len(page.body)).encode())]
        await send({"type": "http.response.start", "status": page.status, "headers": headers})
        await send({"type": "http.response.body", "body": page.body})

    def store(self) -> Store:
        if self._store is None:
            self._store = open_store(self.server.location)
            self.server.pool.adopt(self._store)
        return self._store


class StorePool:
    """A few open stores shared by the request threads; each request borrows one and gives it back."""

    def __init__(self, location: str, size: int = 8) -> None:
        self.location = location
        self._idle: queue.LifoQueue[Store] = queue.LifoQueue()
        self._opened: list[Store] = []
        self._lock = threading.Lock()
        self._size = size
        self._idle.put(self._open())  # opened (and migrated) once now: a bad store fails at start, not per request

    def _open(self) -> Store:
        store = open_store(self.location)
        self._opened.append(store)
        return store

    @contextmanager
    def borrow(self) -> Iterator[Store]:
        try:
            store = self._idle.get_nowait()
        except queue.Empty:
            with self._lock:
                opened = self._open() if len(self._opened) < self._size else None
            store = opened if opened is not None else self._idle.get(timeout=30)
        try:
            yield store
        finally:
            self._idle.put(store)

    def adopt(self, store: Store) -> None:
        """Close this store with the pool's own."""
        with self._lock:
            self._opened.append(store)

    def close(self) -> None:
        for store in self._opened:
            store.close()
        self._opened.clear()


Edition = Callable[[Store], str | None]  # what an answer shows, asked of the store: a story page's story revision


@dataclass(frozen=True)
class CachedPage:
    revision: str
    body: bytes
    media_type: str
    etag: str
    status: int = 200
    edition: str | None = None  # what the answer showed, when its route can say
    edition_of: Edition | None = None  # how to ask the store for that edition again


class PageCache:
    """Rendered answers by address, good while the store's revision is the one they were made at."""

    def __init__(self, size: int = 512) -> None:
        self._pages: OrderedDict[str, CachedPage] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: str, revision: str) -> CachedPage | None:
        if not self._size:
            return None
        with self._lock:
            page = self._pages.get(key)
            if page is None or page.revision != revision:
                return None
            self._pages.move_to_end(key)
            return page

    def put(
        self,
        key: str,
        revision: str,
        body: bytes,
        media_type: str,
        status: int = 200,
        edition_of: Edition | None = None,
        edition: str | None = None,
    ) -> CachedPage:
        etag = '"' + hashlib.blake2b(f"{revision}|{key}".encode() + body, digest_size=12).hexdigest() + '"'
        return self._keep(key, CachedPage(revision, body, media_type, etag, status, edition, edition_of))

    def renew(self, key: str, revision: str, store: Store) -> CachedPage | None:
        """The answer kept at an older revision, kept on at this one when what it shows has not changed since."""
        with self._lock:
            page = self._pages.get(key)
        if page is None or page.edition_of is None or page.edition is None or page.edition_of(store) != page.edition:
            return None
        return self._keep(key, replace(page, revision=revision))

    def _keep(self, key: str, page: CachedPage) -> CachedPage:
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self._size:
                self._pages.popitem(last=False)
        return page

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()

    def __len__(self) -> int:
        return len(self._pages)


class KeptBriefs:
    """Stories' briefs rendered for their pages, each with the stamp of the brief version it shows.

    A stored brief version never changes, so its rendered parts are good until the story has a new one, whatever
    else changes: a page the page cache does not hold (the store changed, the page was pushed out, or the page
    cache is off) renders only what comes from the story's articles.
    """

    def __init__(self, size: int = 256) -> None:
        self._kept: OrderedDict[str, tuple[str, BriefParts]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, story_id: str, stamp: str) -> BriefParts | None:
        with self._lock:
            kept = self._kept.get(story_id)
            if kept is None or kept[0] != stamp:
                return None
            self._kept.move_to_end(story_id)
            return kept[1]

    def put(self, story_id: str, stamp: str, parts: BriefParts) -> None:
        if not self._size:
            return
        with self._lock:
            self._kept[story_id] = (stamp, parts)
            self._kept.move_to_end(story_id)
            while len(self._kept) > self._size:
                self._kept.popitem(last=False)

    def __len__(self) -> int:
        return len(self._kept)


class Server:
    """What every route needs: settings, the store pool, the page cache, the templates and the write lock."""

    def __init__(self, location: str, settings: Settings) -> None:
        self.location = location
        self.settings = settings
        self.serve = settings.serve
        self.pool = StorePool(location)
        self.cache = PageCache(self.serve.cached_pages)
        self.briefs = KeptBriefs(self.serve.cached_briefs)
        self.answer_keys = AnswerKeys(fixed_site=bool(self.serve.base_url))
        self.write_lock = threading.Lock()  # one writer at a time in this process
        self.templates = page_templates(self.serve.site_title)
        self._outlets: tuple[str, list[tuple[str, int]]] | None = None
        self._outlets_lock = threading.Lock()
        self.pipeline: Any = None  # the ingest pipeline, built at the first write (see api.py)
        self.pipeline_revision: str | None = None

    @contextmanager
    def store(self) -> Iterator[Store]:
        with self.pool.borrow() as store:
            yield store

    def cached(
        self,
        request: Request,
        render: Callable[[Store], tuple[bytes, str] | tuple[bytes, str, int]],
        edition: Edition | None = None,
    ) -> Response:
        """The answer for this request's key from the cache, or rendered now; 304 when the reader's copy is current.

        ``edition`` says what the answer shows, when that is less than the whole store (a story's page: the story's
        revision): an answer cached before the store changed is served on while its edition is the same.
        """
        key, per_reader = self.answer_keys.lookup(request.scope)
        # One snapshot for the revision and every read of the page: a page is never half before, half after a
        # batch the watch loop commits meanwhile, and it is cached under the revision it shows.
        with self.store() as store, store.snapshot():
            revision = store.revision()
            page = self.cache.get(key, revision) or self.cache.renew(key, revision, store)
            if page is None:
                shown = edition(store) if edition is not None else None
                made = render(store)
                status = made[2] if len(made) == 3 else 200
                page = self.cache.put(key, revision, made[0], made[1], status, edition, shown)
        headers = {"etag": page.etag, "cache-control": "no-cache"}
        if per_reader:
            headers["vary"] = "Cookie"
        if page.status == 200 and request.headers.get("if-none-match") == page.etag:
            return Response(status_code=304, headers=headers)
        return Response(page.body, status_code=page.status, media_type=page.media_type, headers=headers)

    def outlets(self, store: Store) -> list[tuple[str, int]]:
        """Every outlet with its article count, counted again only when the store has changed."""
        revision = store.revision()
        with self._outlets_lock:
            if self._outlets is None or self._outlets[0] != revision:
                self._outlets = (revision, store.outlets())
            return self._outlets[1]

    def brief_parts(
        self,
        store: Store,
        story_id: str,
        muted: frozenset[str] = frozenset(),
        kept: Sequence[Report] = (),
        news: Mapping[str, str] | None = None,
    ) -> BriefParts | None:
        """The parts of a story's page that come from its latest brief: kept, or rendered now (None: no brief yet).

        ``muted``: the outlets of the story a reader muted, and ``kept`` its reports that none of them published (in
        publication order): the brief is shown without them (``present.muting.brief_without``), kept for these
        outlets and these reports. ``news``: sentences to mark as what changed since the reader last looked
        (``views.news_marks``): such parts are rendered for the one page and not kept.
        """
        stamp = store.brief_stamp(story_id)
        if stamp is None:
            return None
        key = story_id
        if muted:
            key = "\n".join([story_id, *sorted(muted)])
            shown = "\n".join(r.article_id for r in kept).encode()
            stamp += "|" + hashlib.blake2b(shown, digest_size=12).hexdigest()  # the coverage counts what is kept
        parts = None if news else self.briefs.get(key, stamp)
        if parts is None:
            brief = store.brief(story_id)
            if brief is None:
                return None
            if muted:
                brief = brief_without(brief, muted, kept)
            # The articles it cites, for the sentence behind each citation; no other article is read.
            parts = brief_parts(self.templates, brief_view(brief, store.articles(cited_ids(brief)), news))
            if not news:
                self.briefs.put(key, stamp, parts)
        return parts

    def render(self, template: str, **context: Any) -> bytes:
        return self.templates.get_template(template).render(**context).encode("utf-8")

    def base_url(self, request: Request) -> str:
        """The site's public address: ``[serve] base_url`` when set, else the address the request came to.

        A route that uses it is marked ``@absolute_links``, so that its cached answers are kept per site; the Host
        has passed ``HostCheck``.
        """
        if self.serve.base_url:
            return self.serve.base_url.rstrip("/")
        return site_of(request.scope)

    def check_token(self, request: Request) -> None:
        """Writes need ``Authorization: Bearer TOKEN``; with no token configured, every write is refused."""
        if not self.serve.token:
            raise HTTPException(
                403,
                "writes are turned off on this server: set a token in the config file ([serve] token = ...) "
                "or in NEWSLOOM_SERVE_TOKEN, restart, and send it as 'Authorization: Bearer TOKEN'",
            )
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), self.serve.token.encode()):
            raise HTTPException(
                401, "a write needs the server's token: 'Authorization: Bearer TOKEN'", {"WWW-Authenticate": "Bearer"}
            )


def server_of(request: Request) -> Server:
    server: Server = request.app.state.server
    return server
