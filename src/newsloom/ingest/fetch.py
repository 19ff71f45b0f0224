"""Fetch feeds and pages over HTTP: politely, within limits, and never into the private network by accident.

One ``Fetcher`` is shared by every thread of a crawl. For each URL it checks the scheme, the addresses the host
resolves to and the site's robots.txt; it waits its turn for the host (``host_delay`` between request starts,
at most ``host_concurrency`` requests in flight); it follows redirects itself, checking every hop the same way;
it retries 429, 500, 502, 503, 504 and network failures with exponential backoff and full jitter; a
``Retry-After`` up to ``backoff_max`` is waited out (by every request to that host), a longer one is not retried
early but raised as retryable; and it reads the body as a stream, decompressing it piece by piece, so an
oversized body or a decompression bomb is refused early. The clock is checked between reads, so a server that
trickles bytes is cut off at ``total_seconds`` (at worst one ``read_timeout`` late; such a timeout is raised as
retryable, not retried, since the same server would likely trickle again). Conditional GET (ETag,
Last-Modified) makes an unchanged feed cost one small 304.

robots.txt is read through the same client and guard, once per scheme, host and port an hour; rules for the
product token of the user agent ("newsloom") apply; a 4xx robots.txt allows everything, and so, with a
warning in the log, does a 5xx or unreachable one.

The address guard resolves the host and refuses loopback, private, link-local, multicast, reserved,
unspecified, shared (100.64.0.0/10) and cloud metadata addresses, IPv4-mapped, 6to4 and NAT64 forms included,
unless ``allow_private_networks`` is set. It checks the addresses that DNS returns at the time of the check;
the connection then resolves the name again. A hostile DNS server can answer a public address to the check and
a private one a moment later to the connection (DNS rebinding), so the guard stops honest mistakes and plain
SSRF through URLs and redirects, but not an attacker who controls a domain's DNS. Where that matters, run the
fetcher behind an egress proxy or firewall that blocks private ranges.
"""

from __future__ import annotations

import importlib
import ipaddress
import logging
import random
import socket
import threading
import time
import urllib.robotparser
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from types import ModuleType, TracebackType
from typing import Any, Protocol

import httpx

from newsloom.ingest.settings import FetchSettings

log = logging.getLogger(__name__)


def _bounded_brotli() -> ModuleType | None:
    """The brotli module, if installed and able to cap the output of each step (brotli 1.2 or newer)."""
    try:
        module = importlib.import_module("brotli")
        module.Decompressor().process(b"", output_buffer_limit=1)
    except Exception:  # missing or too old: br is then simply not offered
        return None
    return module


_BROTLI = _bounded_brotli()
ACCEPT_ENCODING = "gzip, deflate, br" if _BROTLI else "gzip, deflate"
ROBOTS_TTL = 3600.0
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_PIECE = 64 * 1024
_METADATA_ADDRESSES = frozenset({ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")})
_SHARED = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


@dataclass(frozen=True)
class FetchResult:
    """One fetched URL: where it ended up, what the server said, and the decompressed body."""

    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    body: bytes
    etag: str | None
    last_modified: str | None
    not_modified: bool
    seconds: float

    def text(self) -> str:
        """The body as text, in the charset the server named, else UTF-8 with bad bytes replaced."""
        charset = _charset(self.headers.get("content-type", ""))
        if charset:
            try:
                return self.body.decode(charset, errors="replace")
            except LookupError:
                pass
        return self.body.decode("utf-8", errors="replace")


class FetchError(Exception):
    """A URL that could not be fetched; ``str()`` names the URL and why."""

    def __init__(
        self, url: str, reason: str, status: int | None = None, retryable: bool = False, gone: bool = False
    ) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status
        self.retryable = retryable
        self.gone = gone

    def __reduce__(self) -> tuple[Any, ...]:
        # Keeps every field when the error crosses a process boundary (process pools, Ray).
        return (type(self), (self.url, self.reason, self.status, self.retryable, self.gone))


class _Transient(Exception):
    """A failure worth another attempt; ``retry_after`` is the server's own wish, in seconds."""

    def __init__(self, error: FetchError, retry_after: float | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after


@dataclass
class _Reply:
    url: httpx.URL
    status: int
    headers: httpx.Headers
    body: bytes = b""


@dataclass
class _RobotsEntry:
    expires: float
    rules: urllib.robotparser.RobotFileParser


@dataclass(eq=False)
class _HostGate:
    """Turns for one host: ``delay`` seconds between request starts, at most ``concurrency`` in flight."""

    delay: float
    concurrency: int
    in_flight: int = 0
    next_start: float = 0.0
    changed: threading.Condition = field(default_factory=threading.Condition)

    @contextmanager
    def turn(self) -> Iterator[None]:
        with self.changed:
            while True:
                if self.in_flight >= self.concurrency:
                    self.changed.wait()
                    continue
                now = time.monotonic()
                if now >= self.next_start:
                    break
                self.changed.wait(self.next_start - now)
            self.in_flight += 1
            self.next_start = now + self.delay
        try:
            yield
        finally:
            with self.changed:
                self.in_flight -= 1
                self.changed.notify_all()

    def hold_off(self, seconds: float) -> None:
        """No request starts to this host for ``seconds``, as the server asked."""
        with self.changed:
            self.next_start = max(self.next_start, time.monotonic() + seconds)


class Fetcher:
    """A thread-safe HTTP client for feeds and pages; share one across a crawl and close it at the end."""

    def __init__(
        self,
        settings: FetchSettings | None = None,
        transport: httpx.BaseTransport | None = None,
        resolve: Callable[[str], list[str]] | None = None,
    ) -> None:
        self.settings = settings or FetchSettings()
        self._resolve = resolve or _resolve_host
        self._agent_token = _product_token(self.settings.user_agent)
        self._client = httpx.Client(
            transport=transport,
            follow_redirects=False,
            headers={"User-Agent": self.settings.user_agent, "Accept-Encoding": ACCEPT_ENCODING},
        )
        self._random = random.Random()
        self._lock = threading.Lock()
        self._gates: dict[str, _HostGate] = {}
        self._robots: dict[str, _RobotsEntry] = {}
        self._robots_locks: dict[str, threading.Lock] = {}
        self._closed = False

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections; the fetcher cannot be used afterwards."""
        self._closed = True
        self._client.close()

    def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None, accept: str | None = None
    ) -> FetchResult:
        """GET ``url``; ``etag`` and ``last_modified`` from an earlier fetch make it conditional (304 if unchanged)."""
        if self._closed:
            raise RuntimeError("this Fetcher is closed; create a new one")
        started = time.monotonic()
        headers: dict[str, str] = {}
        if accept:
            headers["Accept"] = accept
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        reply = self._follow(url, headers, robots=self.settings.robots, retries=self.settings.retries)
        not_modified = reply.status == 304
        return FetchResult(
            url=url,
            final_url=str(reply.url),
            status=reply.status,
            headers=dict(reply.headers.items()),
            body=reply.body,
            # A 304 need not repeat the validators; the ones sent are still the current ones.
            etag=reply.headers.get("etag") or (etag if not_modified else None),
            last_modified=reply.headers.get("last-modified") or (last_modified if not_modified else None),
            not_modified=not_modified,
            seconds=time.monotonic() - started,
        )

    def _follow(self, asked: str, headers: dict[str, str], robots: bool, retries: int) -> _Reply:
        """Request ``asked`` and follow its redirects, checking every hop before it is requested."""
        current = self._parse(asked, asked)
        for hop in range(self.settings.max_redirects + 1):
            self._check(asked, current, robots, redirected=hop > 0)
            reply = self._with_retries(asked, current, headers, retries)
            if reply.status not in REDIRECT_STATUSES:
                return reply
            location = reply.headers.get("location", "").strip()
            if not location:
                raise FetchError(asked, f"{_status_text(reply.status)} without a Location header", reply.status)
            try:
                current = current.join(location).copy_with(fragment=None)
            except (httpx.InvalidURL, ValueError) as error:
                raise FetchError(asked, f"redirected to an invalid URL {location!r} ({error})") from error
            log.debug("%s redirected (%s) to %s", asked, reply.status, current)
        raise FetchError(asked, f"too many redirects (more than {self.settings.max_redirects})")

    def _parse(self, asked: str, url: str) -> httpx.URL:
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, TypeError, ValueError) as error:
            raise FetchError(asked, f"not a valid URL ({error})") from error
        return parsed.copy_with(fragment=None)

    def check_address(self, url: str) -> None:
        """Refuse, with a ``FetchError`` saying why, a URL this fetcher would never request: not http(s), no host,
        or (unless private networks are allowed) a host that is or resolves to a private, loopback, link-local or
        otherwise non-public address. Sends nothing; a host that cannot be resolved is a retryable error."""
        self._check(url, self._parse(url, url), robots=False, redirected=False)

    def _check(self, asked: str, url: httpx.URL, robots: bool, redirected: bool) -> None:
        """Refuse a URL (the one asked or a redirect hop) before any byte is sent to it."""
        hop = f"redirected to {url}, " if redirected else ""
        if url.scheme not in ("http", "https"):
            raise FetchError(asked, f"{hop}refused: only http and https URLs can be fetched")
        host = url.raw_host.decode("ascii")
        if not host:
            raise FetchError(asked, f"{hop}refused: the URL has no host")
        if not self.settings.allow_private_networks:
            refusal = self._address_refusal(asked, host)
            if refusal:
                how = "allow with --allow-private or allow_private_networks"
                raise FetchError(asked, f"{hop}refused: {refusal} ({how})")
        if robots and not self._robots_allow(url):
            raise FetchError(asked, f"{hop}robots.txt disallows this URL")

    def _address_refusal(self, asked: str, host: str) -> str | None:
        try:
            addresses = [host] if _is_ip_literal(host) else self._resolve(host)
        except (OSError, UnicodeError) as error:
            raise FetchError(asked, f"could not resolve {host} ({error})", retryable=True) from error
        if not addresses:
            raise FetchError(asked, f"could not resolve {host} (no addresses)", retryable=True)
        for address in addresses:
            kind = _non_public_kind(address)
            if kind:
                named = address if address == host else f"{host} resolves to {address}, which"
                return f"{named} is {kind}"
        return None

    def _gate(self, host: str) -> _HostGate:
        with self._lock:
            gate = self._gates.get(host)
            if gate is None:
                gate = _HostGate(self.settings.host_delay, self.settings.host_concurrency)
                self._gates[host] = gate
            return gate

    def _with_retries(self, asked: str, url: httpx.URL, headers: dict[str, str], retries: int) -> _Reply:
        attempt = 0
        while True:
            try:
                return self._exchange(asked, url, headers)
            except _Transient as transient:
                error = transient.error
                if transient.retry_after is not None and transient.retry_after > self.settings.backoff_max:
                    # Coming back sooner than the server asked would be rude; the caller can try later.
                    reason = f"{error.reason} (server asks to retry after {transient.retry_after:g} s)"
                    raise FetchError(asked, reason, error.status, retryable=True) from None
                if attempt >= retries:
                    if attempt:
                        error = FetchError(
                            asked, f"{error.reason} (gave up after {attempt + 1} attempts)", error.status, True
                        )
                    raise error from None
                if transient.retry_after is not None:
                    delay = transient.retry_after
                    self._gate(url.host).hold_off(delay)
                else:
                    ceiling = min(self.settings.backoff_max, self.settings.backoff_seconds * 2**attempt)
                    delay = self._random.uniform(0, ceiling)
                log.info("%s: %s; retrying in %.2f s", asked, error.reason, delay)
                time.sleep(delay)
                attempt += 1

    def _exchange(self, asked: str, url: httpx.URL, headers: dict[str, str]) -> _Reply:
        """One request and its response, read within the limits."""
        settings = self.settings
        total = settings.total_seconds
        timeout = httpx.Timeout(
            connect=min(settings.connect_timeout, total),
            read=min(settings.read_timeout, total),
            write=min(settings.read_timeout, total),
            pool=min(settings.connect_timeout, total),
        )
        with self._gate(url.host).turn():
            deadline = time.monotonic() + total
            log.debug("GET %s", url)
            try:
                with self._client.stream("GET", url, headers=headers, timeout=timeout) as response:
                    _check_deadline(asked, deadline, total)
                    status = response.status_code
                    if status in REDIRECT_STATUSES or status == 304:
                        return _Reply(url, status, response.headers)
                    if 200 <= status < 300:
                        return _Reply(url, status, response.headers, self._read_body(asked, response, deadline))
                    raise _status_error(asked, response)
            except httpx.TimeoutException as error:
                raise _Transient(FetchError(asked, _timeout_text(error, settings), retryable=True)) from error
            except (httpx.NetworkError, httpx.RemoteProtocolError, httpx.ProxyError) as error:
                reason = f"network error ({type(error).__name__}: {error or 'no detail'})"
                raise _Transient(FetchError(asked, reason, retryable=True)) from error
            except httpx.HTTPError as error:
                raise FetchError(asked, f"HTTP error ({type(error).__name__}: {error})") from error

    def _read_body(self, asked: str, response: httpx.Response, deadline: float) -> bytes:
        """The decompressed body, refused as soon as it passes ``max_bytes`` or the deadline passes."""
        limit = self.settings.max_bytes
        decoders = _decoders(asked, response.headers.get("content-encoding", ""))
        declared = response.headers.get("content-length", "")
        if not decoders and declared.isdigit() and int(declared) > limit:
            raise FetchError(asked, f"body over {limit:,} bytes")
        pieces: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_raw():
                _check_deadline(asked, deadline, self.settings.total_seconds)
                for piece in _decode(decoders, chunk):
                    size += len(piece)
                    if size > limit:
                        raise FetchError(asked, f"body over {limit:,} bytes")
                    pieces.append(piece)
            for piece in _finish(decoders):
                size += len(piece)
                if size > limit:
                    raise FetchError(asked, f"body over {limit:,} bytes")
                pieces.append(piece)
        except _DECODE_ERRORS as error:
            encoding = response.headers.get("content-encoding", "")
            raise FetchError(asked, f"could not decompress the {encoding} body ({error})") from error
        _check_deadline(asked, deadline, self.settings.total_seconds)
        return b"".join(pieces)

    def _robots_allow(self, url: httpx.URL) -> bool:
        origin = f"{url.scheme}://{url.netloc.decode('ascii')}"
        with self._lock:
            lock = self._robots_locks.setdefault(origin, threading.Lock())
        # One thread reads a site's robots.txt; the others wait for its answer instead of asking again.
        with lock:
            entry = self._robots.get(origin)
            if entry is None or entry.expires <= time.monotonic():
                entry = _RobotsEntry(time.monotonic() + ROBOTS_TTL, self._read_robots(origin))
                self._robots[origin] = entry
        return entry.rules.can_fetch(self._agent_token, str(url))

    def _read_robots(self, origin: str) -> urllib.robotparser.RobotFileParser:
        rules = urllib.robotparser.RobotFileParser(f"{origin}/robots.txt")
        try:
            reply = self._follow(f"{origin}/robots.txt", {}, robots=False, retries=0)
        except FetchError as error:
            rules.parse([])  # no rules: everything is allowed
            if error.status is not None and 400 <= error.status < 500 and error.status != 429:
                log.debug("%s; no rules, so everything is allowed", error)
            else:
                log.warning("%s; allowing every URL of %s for now", error, origin)
            return rules
        rules.parse(reply.body.decode("utf-8", errors="replace").splitlines())
        return rules


def _resolve_host(host: str) -> list[str]:
    """Every address ``host`` resolves to, as the system resolver answers now."""
    found = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in found))


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _non_public_kind(address: str) -> str | None:
    """What kind of non-public address this is ("a loopback address"), or None for a public one."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "not an IP address"
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            inner = _non_public_kind(str(embedded))
            if inner:
                return inner.replace(" address", f" address ({embedded}) in IPv6 form", 1)
    if ip in _METADATA_ADDRESSES:
        return "a cloud metadata address"
    checks = [
        (ip.is_loopback, "a loopback address"),
        (ip.is_unspecified, "an unspecified address"),
        (ip.is_link_local, "a link-local address"),
        (ip.is_multicast, "a multicast address"),
        (isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED, "a shared (carrier-grade NAT) address"),
        (ip.is_reserved, "a reserved address"),
        (ip.is_private, "a private address"),
        (not ip.is_global, "not a public address"),
    ]
    return next((kind for failed, kind in checks if failed), None)


def _product_token(user_agent: str) -> str:
    """The name robots.txt rules address: 'newsloom' of 'newsloom/0.1 (...)'."""
    return user_agent.split("/", 1)[0].split()[0].lower()


def _charset(content_type: str) -> str | None:
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return None


def _status_text(status: int) -> str:
    try:
        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def _status_error(asked: str, response: httpx.Response) -> Exception:
    status = response.status_code
    text = _status_text(status)
    if status in RETRY_STATUSES:
        retry_after = _retry_after(response.headers.get("retry-after"))
        return _Transient(FetchError(asked, text, status, retryable=True), retry_after)
    if status == 410:
        return FetchError(asked, text, status, gone=True)
    return FetchError(asked, text, status, retryable=status >= 500)


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date), None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _check_deadline(asked: str, deadline: float, total: float) -> None:
    if time.monotonic() > deadline:
        raise FetchError(asked, f"timed out after {total:g} s", retryable=True)


def _timeout_text(error: httpx.TimeoutException, settings: FetchSettings) -> str:
    if isinstance(error, httpx.ConnectTimeout):
        return f"timed out connecting (after {min(settings.connect_timeout, settings.total_seconds):g} s)"
    if isinstance(error, httpx.PoolTimeout):
        return "timed out waiting for a free connection"
    return f"timed out waiting for data (nothing for {min(settings.read_timeout, settings.total_seconds):g} s)"


class _Decoder(Protocol):
    def feed(self, data: bytes) -> Iterator[bytes]: ...

    def finish(self) -> Iterator[bytes]: ...


class _ZlibDecoder:
    """gzip or deflate, giving at most ``_PIECE`` bytes per step so a bomb never expands all at once."""

    def __init__(self, gzip: bool) -> None:
        self._gzip = gzip
        self._start = b""
        self._inflate: Any = zlib.decompressobj(zlib.MAX_WBITS | 16) if gzip else None

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._inflate is None:
            # "deflate" is zlib-wrapped by the standard, but some servers send it raw; the header tells which.
            self._start += data
            if len(self._start) < 2:
                return
            first, second = self._start[0], self._start[1]
            wrapped = first & 0x0F == 8 and ((first << 8) | second) % 31 == 0
            self._inflate = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
            data, self._start = self._start, b""
        while data and not self._inflate.eof:
            piece = self._inflate.decompress(data, _PIECE)
            if piece:
                yield piece
            data = self._inflate.unconsumed_tail

    def finish(self) -> Iterator[bytes]:
        if self._inflate is None:
            if self._start:
                raise zlib.error("deflate body too short")
            return
        piece = self._inflate.flush()
        if piece:
            yield piece


class _BrotliDecoder:
    """br, giving about ``_PIECE`` bytes per step (brotli bombs expand by a million times)."""

    def __init__(self) -> None:
        assert _BROTLI is not None
        self._inflate: Any = _BROTLI.Decompressor()

    def feed(self, data: bytes) -> Iterator[bytes]:
        piece = self._inflate.process(data, output_buffer_limit=_PIECE)
        while piece:
            yield piece
            piece = self._inflate.process(b"", output_buffer_limit=_PIECE)

    def finish(self) -> Iterator[bytes]:
        return iter(())


_DECODE_ERRORS: tuple[type[Exception], ...] = (zlib.error, *((_BROTLI.error,) if _BROTLI else ()))


def _decoders(asked: str, content_encoding: str) -> list[_Decoder]:
    """Decoders for a Content-Encoding header, in the order to apply them (the last encoding first)."""
    decoders: list[_Decoder] = []
    for name in reversed([part.strip().lower() for part in content_encoding.split(",")]):
        if name in ("", "identity", "none"):
            continue
        if name in ("gzip", "x-gzip"):
            decoders.append(_ZlibDecoder(gzip=True))
        elif name == "deflate":
            decoders.append(_ZlibDecoder(gzip=False))
        elif name == "br" and _BROTLI is not None:
            decoders.append(_BrotliDecoder())
        else:
            raise FetchError(asked, f"unsupported content encoding {name!r} (accepted: {ACCEPT_ENCODING})")
    return decoders


def _decode(decoders: list[_Decoder], data: bytes) -> Iterator[bytes]:
    if not decoders:
        if data:
            yield data
        return
    for piece in decoders[0].feed(data):
        yield from _decode(decoders[1:], piece)


def _finish(decoders: list[_Decoder]) -> Iterator[bytes]:
    for index, decoder in enumerate(decoders):
        for piece in decoder.finish():
            yield from _decode(decoders[index + 1 :], piece)
