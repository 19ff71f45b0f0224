"""A real HTTP server on 127.0.0.1 for tests: routes a test registers, and a record of every request received.

    with LocalServer() as server:
        server.static("/feed.xml", b"<rss/>", headers={"Content-Type": "application/rss+xml"})
        server.sequence("/flaky", Reply(500), Reply(200, b"ok"))
        fetch(server.url("/feed.xml"))
        assert server.received_at("/feed.xml")[0].headers["user-agent"].startswith("newsloom/")

Routes match the path with its query first, then the path alone; anything else is a 404. The server also
accepts absolute-form targets (``GET http://news.example/feed``), so a client can use it as an HTTP proxy and
reach made-up host names without DNS; ``Received.host`` then names the host asked for.
"""

from __future__ import annotations

import functools
import gzip as gzip_format
import importlib
import itertools
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Received:
    """One request as the server saw it."""

    method: str
    path: str
    host: str
    headers: dict[str, str]
    time: float  # time.monotonic() when the request arrived
    finished: float | None = None  # time.monotonic() when the server was done answering it


@dataclass
class Reply:
    """What to answer: a status, headers and a body, optionally slow, trickling, or no answer at all."""

    status: int = 200
    body: bytes | Iterable[bytes] = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the status line
    interval: float = 0.0  # seconds between the chunks of an iterable body
    drop: bool = False  # close the connection without answering


Route = Callable[[Received], Reply]


class LocalServer:
    """A ThreadingHTTPServer on an ephemeral port of 127.0.0.1, run in a background thread."""

    def __init__(self) -> None:
        self._routes: dict[str, Route] = {}
        self._received: list[Received] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._http.daemon_threads = True
        # A short poll keeps stop() quick; the default half second would add up over a suite.
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.01}, name="test-http-server", daemon=True
        )
        self.port = self._http.server_address[1]

    def __enter__(self) -> LocalServer:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._http.shutdown()
        self._http.server_close()
        self._thread.join(timeout=5)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.origin + path

    # Routes.

    def route(self, path: str, answer: Route | Reply) -> None:
        """Answer requests for ``path`` with a fixed reply or a function of the request."""
        with self._lock:
            self._routes[path] = answer if callable(answer) else (lambda _request: answer)

    def static(self, path: str, body: bytes = b"", status: int = 200, headers: dict[str, str] | None = None) -> None:
        self.route(path, Reply(status, body, dict(headers or {})))

    def sequence(self, path: str, *replies: Reply) -> None:
        """Answer the first request with the first reply, the next with the next; the last one repeats."""
        queue = list(replies)

        def answer(_request: Received) -> Reply:
            with self._lock:
                return queue.pop(0) if len(queue) > 1 else queue[0]

        self.route(path, answer)

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        self.route(path, Reply(status, headers={"Location": location}))

    def redirect_chain(self, start: str, hops: int, body: bytes = b"arrived", relative: bool = False) -> str:
        """``start`` redirects ``hops`` times (``start``/1, /2, ...) to a page with ``body``; returns its path."""
        paths = [start] + [f"{start}/{n}" for n in range(1, hops + 1)]
        for here, there in itertools.pairwise(paths):
            self.redirect(here, there.rsplit("/", 1)[1] if relative else self.url(there))
        self.static(paths[-1], body)
        return paths[-1]

    def redirect_loop(self, first: str, second: str) -> None:
        self.redirect(first, second)
        self.redirect(second, first)

    def slow(self, path: str, delay: float, body: bytes = b"late") -> None:
        """Answer after ``delay`` seconds of silence."""
        self.route(path, Reply(body=body, delay=delay))

    def trickle(self, path: str, chunks: int, interval: float, chunk: bytes = b"x") -> None:
        """Send the body one small chunk every ``interval`` seconds."""
        self.route(path, Reply(body=[chunk] * chunks, interval=interval))

    def gzip(self, path: str, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.static(path, gzip_format.compress(body), headers={"Content-Encoding": "gzip", **(headers or {})})

    def deflate(self, path: str, body: bytes, raw: bool = False) -> None:
        """Deflate as the standard says (zlib-wrapped), or raw as some servers send it."""
        packer = zlib.compressobj(wbits=-zlib.MAX_WBITS if raw else zlib.MAX_WBITS)
        self.static(path, packer.compress(body) + packer.flush(), headers={"Content-Encoding": "deflate"})

    def brotli(self, path: str, body: bytes) -> None:
        self.static(path, _brotli().compress(body), headers={"Content-Encoding": "br"})

    def gzip_bomb(self, path: str, size: int = 200 * 1024 * 1024) -> int:
        """``size`` zero bytes gzipped (about a thousand times smaller); returns the compressed length."""
        bomb = _gzip_zeros(size)
        self.static(path, bomb, headers={"Content-Encoding": "gzip", "Content-Type": "text/html"})
        return len(bomb)

    def brotli_bomb(self, path: str, size: int = 200 * 1024 * 1024) -> int:
        """``size`` zero bytes in brotli (a few hundred bytes); returns the compressed length."""
        bomb = _brotli_zeros(size)
        self.static(path, bomb, headers={"Content-Encoding": "br", "Content-Type": "text/html"})
        return len(bomb)

    def conditional(self, path: str, body: bytes, etag: str | None = None, last_modified: float | None = None) -> None:
        """A page with validators: 304 when the request's If-None-Match or If-Modified-Since still matches."""
        modified = formatdate(last_modified, usegmt=True) if last_modified is not None else None
        headers = {"Content-Type": "text/plain; charset=utf-8"}
        if etag:
            headers["ETag"] = etag
        if modified:
            headers["Last-Modified"] = modified

        def answer(request: Received) -> Reply:
            if etag and request.headers.get("if-none-match") == etag:
                return Reply(304, headers={"ETag": etag})
            if (
                "if-none-match" not in request.headers
                and modified
                and request.headers.get("if-modified-since") == modified
            ):
                return Reply(304)
            return Reply(200, body, headers)

        self.route(path, answer)

    def robots(self, text: str, status: int = 200) -> None:
        self.static("/robots.txt", text.encode(), status, {"Content-Type": "text/plain"})

    # What was received.

    @property
    def received(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    def received_at(self, path: str) -> list[Received]:
        return [request for request in self.received if request.path == path]

    def paths(self) -> list[str]:
        return [request.path for request in self.received]

    def most_in_flight(self, path: str) -> int:
        """The most requests for ``path`` the server was answering at one time."""
        events = []
        for request in self.received_at(path):
            events.append((request.time, 1))
            events.append((request.finished if request.finished is not None else float("inf"), -1))
        most = current = 0
        for _, change in sorted(events):
            current += change
            most = max(most, current)
        return most

    def _answer(self, request: Received) -> Reply:
        with self._lock:
            self._received.append(request)
            route = self._routes.get(request.path) or self._routes.get(request.path.split("?", 1)[0])
        if route is None:
            return Reply(404, b"not found", {"Content-Type": "text/plain"})
        return route(request)


@functools.cache
def _gzip_zeros(size: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = bytes(1024 * 1024)
    parts = [packer.compress(block[: min(len(block), size - done)]) for done in range(0, size, len(block))]
    return b"".join(parts) + packer.flush()


@functools.cache
def _brotli_zeros(size: int) -> bytes:
    packer = _brotli().Compressor(quality=5)
    block = bytes(1024 * 1024)
    parts = [packer.process(block[: min(len(block), size - done)]) for done in range(0, size, len(block))]
    return b"".join(parts) + bytes(packer.finish())


def _brotli() -> Any:
    """The brotli module, imported only by the tests that use it: it is optional, like the fetcher's br support."""
    return importlib.import_module("brotli")


def _handler_for(server: LocalServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # HTTP/1.0: one request per connection, and a body without a length ends when the connection closes.
        protocol_version = "HTTP/1.0"

        def do_GET(self) -> None:
            target = urlsplit(self.path)
            absolute = bool(target.scheme)
            path = (target.path or "/") + (f"?{target.query}" if target.query else "") if absolute else self.path
            request = Received(
                method=self.command,
                path=path,
                host=target.netloc if absolute else self.headers.get("Host", ""),
                headers={name.lower(): value for name, value in self.headers.items()},
                time=time.monotonic(),
            )
            try:
                self._send(server._answer(request))
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up, as a fetcher that stops reading a bomb should
            finally:
                request.finished = time.monotonic()

        def _send(self, reply: Reply) -> None:
            if reply.delay and server._stopping.wait(reply.delay):
                return
            if reply.drop:
                self.close_connection = True
                return
            self.send_response(reply.status)
            names = {name.lower() for name in reply.headers}
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if isinstance(reply.body, bytes):
                if "content-length" not in names:
                    self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
                return
            self.end_headers()
            for chunk in _paced(reply.body, reply.interval, server._stopping):
                self.wfile.write(chunk)
                self.wfile.flush()

        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet test output

    return Handler


def _paced(chunks: Iterable[bytes], interval: float, stopping: threading.Event) -> Iterator[bytes]:
    for index, chunk in enumerate(chunks):
        if index and interval and stopping.wait(interval):
            return
        yield chunk
