"""The fetcher against a real HTTP server on 127.0.0.1: limits, redirects, retries, politeness, robots, the guard."""

from __future__ import annotations

import gzip
import itertools
import logging
import pickle
import socket
import time
import tracemalloc
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from email.utils import formatdate
from typing import Any

import httpx
import pytest

from httpserver import LocalServer, Reply
from newsloom.ingest.fetch import ACCEPT_ENCODING, Fetcher, FetchError, FetchResult, FetchSettings

PUBLIC_ADDRESS = "93.184.215.14"
ALLOW_HINT = "(allow with --allow-private or allow_private_networks)"


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as running:
        yield running


def quick(**changes: Any) -> FetchSettings:
    """Settings for a test on 127.0.0.1: private addresses allowed, no waiting unless the test asks for it."""
    values: dict[str, Any] = {
        "allow_private_networks": True,
        "host_delay": 0.0,
        "backoff_seconds": 0.001,
        "backoff_max": 0.05,
        "connect_timeout": 2.0,
        "read_timeout": 2.0,
        "total_seconds": 5.0,
    }
    values.update(changes)
    return FetchSettings(**values)


def fetch(url: str, settings: FetchSettings | None = None, **options: Any) -> FetchResult:
    with Fetcher(settings or quick()) as fetcher:
        return fetcher.fetch(url, **options)


def failure(url: str, settings: FetchSettings | None = None, **options: Any) -> FetchError:
    with pytest.raises(FetchError) as raised:
        fetch(url, settings, **options)
    return raised.value


# A plain fetch.


def test_a_page_comes_back_with_status_headers_and_body(server: LocalServer) -> None:
    server.static("/feed.xml", b"<rss/>", headers={"Content-Type": "application/rss+xml", "X-Outlet": "Meridian"})
    result = fetch(server.url("/feed.xml"))
    assert result.status == 200
    assert result.body == b"<rss/>"
    assert result.url == result.final_url == server.url("/feed.xml")
    assert result.headers["content-type"] == "application/rss+xml"
    assert result.headers["x-outlet"] == "Meridian"
    assert not result.not_modified
    assert result.etag is None and result.last_modified is None
    assert 0 < result.seconds < 5


def test_the_user_agent_names_newsloom_on_pages_and_robots_txt(server: LocalServer) -> None:
    server.static("/page", b"hello")
    fetch(server.url("/page"))
    agents = {request.path: request.headers["user-agent"] for request in server.received}
    assert set(agents) == {"/robots.txt", "/page"}
    assert agents["/page"] == agents["/robots.txt"] == FetchSettings().user_agent
    assert agents["/page"].startswith("newsloom/") and "respects robots.txt" in agents["/page"]


def test_accept_is_sent_only_when_asked(server: LocalServer) -> None:
    server.static("/page", b"hello")
    with Fetcher(quick(robots=False)) as fetcher:
        fetcher.fetch(server.url("/page"))
        fetcher.fetch(server.url("/page"), accept="application/rss+xml")
    first, second = server.received_at("/page")
    assert first.headers.get("accept") == "*/*"  # httpx's default, not ours
    assert second.headers["accept"] == "application/rss+xml"


@pytest.mark.parametrize(
    ("content_type", "body", "text"),
    [
        ("text/plain; charset=iso-8859-1", "Café Zürich".encode("latin-1"), "Café Zürich"),
        ('text/html; charset="windows-1252"', "“quoted”".encode("cp1252"), "“quoted”"),
        ("text/plain", "Kyiv — Київ".encode(), "Kyiv — Київ"),
        ("text/plain", b"bad \xff byte", "bad \ufffd byte"),
        ("text/plain; charset=no-such-charset", b"plain", "plain"),
    ],
)
def test_text_uses_the_charset_named_else_utf8(server: LocalServer, content_type: str, body: bytes, text: str) -> None:
    server.static("/page", body, headers={"Content-Type": content_type})
    assert fetch(server.url("/page")).text() == text


def test_nothing_is_printed_and_requests_are_logged(
    server: LocalServer, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    server.static("/page", b"hello")
    with caplog.at_level(logging.DEBUG, logger="newsloom.ingest.fetch"):
        fetch(server.url("/page"))
    assert capsys.readouterr() == ("", "")
    assert any(record.name == "newsloom.ingest.fetch" and "/page" in record.getMessage() for record in caplog.records)


# Only http and https, and never the private network unless allowed.


@pytest.mark.parametrize("url", ["ftp://example.com/feed", "file:///etc/passwd", "javascript:alert(1)", "feed.xml"])
def test_only_http_and_https_urls_are_fetched(url: str) -> None:
    error = failure(url)
    assert str(error) == f"{url}: refused: only http and https URLs can be fetched"


def test_a_url_without_a_host_is_refused() -> None:
    assert "no host" in str(failure("http:///feed"))


@pytest.mark.parametrize(
    ("host", "kind"),
    [
        ("127.0.0.1", "127.0.0.1 is a loopback address"),
        ("[::1]", "::1 is a loopback address"),
        ("[::ffff:127.0.0.1]", "::ffff:127.0.0.1 is a loopback address (127.0.0.1) in IPv6 form"),
        ("10.0.0.5", "10.0.0.5 is a private address"),
        ("192.168.1.20", "192.168.1.20 is a private address"),
        ("169.254.169.254", "169.254.169.254 is a cloud metadata address"),
        ("[fd00:ec2::254]", "fd00:ec2::254 is a cloud metadata address"),
        ("169.254.10.1", "169.254.10.1 is a link-local address"),
        ("0.0.0.0", "0.0.0.0 is an unspecified address"),
        ("100.64.1.1", "100.64.1.1 is a shared (carrier-grade NAT) address"),
        ("224.0.0.1", "224.0.0.1 is a multicast address"),
        ("240.0.0.1", "240.0.0.1 is a reserved address"),
        ("[2002:7f00:1::]", "2002:7f00:1:: is a loopback address (127.0.0.1) in IPv6 form"),
        ("[64:ff9b::a00:5]", "64:ff9b::a00:5 is a private address (10.0.0.5) in IPv6 form"),
    ],
)
def test_literal_non_public_addresses_are_refused(server: LocalServer, host: str, kind: str) -> None:
    url = f"http://{host}:{server.port}/feed"
    error = failure(url, quick(allow_private_networks=False, connect_timeout=0.5, retries=0))
    assert str(error) == f"{url}: refused: {kind} {ALLOW_HINT}"
    assert not error.retryable
    assert server.received == []


def test_localhost_is_refused_by_the_system_resolver(server: LocalServer) -> None:
    error = failure(f"http://localhost:{server.port}/feed", quick(allow_private_networks=False, retries=0))
    assert "localhost resolves to" in str(error) and "loopback address" in str(error)
    assert server.received == []


@pytest.mark.parametrize("addresses", [["10.1.2.3"], [PUBLIC_ADDRESS, "192.168.0.7"]])
def test_a_host_resolving_to_any_private_address_is_refused(server: LocalServer, addresses: list[str]) -> None:
    asked: list[str] = []

    def resolve(host: str) -> list[str]:
        asked.append(host)
        return addresses

    settings = quick(allow_private_networks=False, connect_timeout=0.5, retries=0)
    with Fetcher(settings, resolve=resolve) as fetcher, pytest.raises(FetchError) as raised:
        fetcher.fetch("http://intranet.example/feed")
    private = addresses[-1]
    assert str(raised.value) == (
        f"http://intranet.example/feed: refused: intranet.example resolves to {private}, "
        f"which is a private address {ALLOW_HINT}"
    )
    assert asked == ["intranet.example"]


def public_resolver(host: str) -> list[str]:
    return [PUBLIC_ADDRESS]


def through(server: LocalServer) -> httpx.HTTPTransport:
    """A transport that sends every request to the test server as a proxy, so made-up host names reach it."""
    return httpx.HTTPTransport(proxy=server.origin)


def test_a_public_host_passes_the_guard(server: LocalServer) -> None:
    server.static("/feed", b"public news")
    settings = quick(allow_private_networks=False)
    with Fetcher(settings, transport=through(server), resolve=public_resolver) as fetcher:
        result = fetcher.fetch("http://news.example/feed")
    assert result.body == b"public news"
    assert [(request.host, request.path) for request in server.received] == [
        ("news.example", "/robots.txt"),
        ("news.example", "/feed"),
    ]


def test_a_redirect_to_a_private_address_is_refused_on_the_hop(server: LocalServer) -> None:
    server.redirect("/feed", server.url("/secret"))
    server.static("/secret", b"internal")
    settings = quick(allow_private_networks=False)
    with (
        Fetcher(settings, transport=through(server), resolve=public_resolver) as fetcher,
        pytest.raises(FetchError) as raised,
    ):
        fetcher.fetch("http://news.example/feed")
    assert str(raised.value) == (
        f"http://news.example/feed: redirected to {server.url('/secret')}, "
        f"refused: 127.0.0.1 is a loopback address {ALLOW_HINT}"
    )
    assert "/secret" not in server.paths()
    assert "/feed" in server.paths()


def test_allow_private_networks_skips_resolving(server: LocalServer) -> None:
    server.static("/page", b"hello")

    def resolve(host: str) -> list[str]:
        raise AssertionError("the guard is off; nothing should be resolved")

    with Fetcher(quick(), resolve=resolve) as fetcher:
        assert fetcher.fetch(server.url("/page")).body == b"hello"


def test_a_host_that_does_not_resolve_is_a_retryable_error() -> None:
    def resolve(host: str) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with (
        Fetcher(quick(allow_private_networks=False), resolve=resolve) as fetcher,
        pytest.raises(FetchError) as raised,
    ):
        fetcher.fetch("https://gone.example/feed")
    assert str(raised.value).startswith("https://gone.example/feed: could not resolve gone.example")
    assert raised.value.retryable


# Redirects.


def test_a_redirect_chain_is_followed_to_the_end(server: LocalServer) -> None:
    final = server.redirect_chain("/old", hops=3, body=b"the article")
    result = fetch(server.url("/old"))
    assert result.url == server.url("/old")
    assert result.final_url == server.url(final)
    assert result.body == b"the article"
    assert [path for path in server.paths() if path != "/robots.txt"] == ["/old", "/old/1", "/old/2", "/old/3"]


def test_a_relative_location_is_resolved_against_the_hop(server: LocalServer) -> None:
    server.redirect("/news/latest", "today?edition=1", status=301)
    server.static("/news/today?edition=1", b"today's edition")
    result = fetch(server.url("/news/latest"))
    assert result.final_url == server.url("/news/today?edition=1")
    assert result.body == b"today's edition"


def test_max_redirects_hops_are_followed_and_one_more_is_refused(server: LocalServer) -> None:
    server.redirect_chain("/two", hops=2)
    server.redirect_chain("/three", hops=3)
    assert fetch(server.url("/two"), quick(max_redirects=2)).body == b"arrived"
    error = failure(server.url("/three"), quick(max_redirects=2))
    assert str(error) == f"{server.url('/three')}: too many redirects (more than 2)"
    assert "/three/3" not in server.paths()


def test_a_redirect_loop_stops_after_max_redirects(server: LocalServer) -> None:
    server.redirect_loop("/a", "/b")
    error = failure(server.url("/a"))
    assert str(error) == f"{server.url('/a')}: too many redirects (more than 5)"
    assert len([path for path in server.paths() if path in ("/a", "/b")]) == 6


def test_a_redirect_to_another_scheme_is_refused(server: LocalServer) -> None:
    server.redirect("/feed", "ftp://files.example/feed.xml")
    error = failure(server.url("/feed"))
    assert str(error) == (
        f"{server.url('/feed')}: redirected to ftp://files.example/feed.xml, "
        "refused: only http and https URLs can be fetched"
    )


def test_a_redirect_without_location_is_an_error(server: LocalServer) -> None:
    server.static("/feed", status=302)
    assert str(failure(server.url("/feed"))) == f"{server.url('/feed')}: HTTP 302 Found without a Location header"


# Conditional GET.


def test_validators_are_returned_and_not_sent_unasked(server: LocalServer) -> None:
    server.conditional("/feed", b"<rss/>", etag='"v1"', last_modified=1_700_000_000)
    result = fetch(server.url("/feed"))
    assert result.status == 200 and result.body == b"<rss/>"
    assert result.etag == '"v1"'
    assert result.last_modified == formatdate(1_700_000_000, usegmt=True)
    request = server.received_at("/feed")[0]
    assert "if-none-match" not in request.headers and "if-modified-since" not in request.headers


def test_an_unchanged_etag_gives_304_with_no_body(server: LocalServer) -> None:
    server.conditional("/feed", b"<rss/>", etag='"v1"')
    result = fetch(server.url("/feed"), etag='"v1"')
    assert result.not_modified and result.status == 304
    assert result.body == b""
    assert result.etag == '"v1"'
    assert server.received_at("/feed")[0].headers["if-none-match"] == '"v1"'


def test_an_unchanged_last_modified_gives_304(server: LocalServer) -> None:
    stamp = formatdate(1_700_000_000, usegmt=True)
    server.conditional("/feed", b"<rss/>", last_modified=1_700_000_000)
    result = fetch(server.url("/feed"), last_modified=stamp)
    assert result.not_modified and result.body == b""
    assert result.last_modified == stamp
    assert server.received_at("/feed")[0].headers["if-modified-since"] == stamp


def test_a_changed_etag_gives_the_new_body(server: LocalServer) -> None:
    server.conditional("/feed", b"<rss>new</rss>", etag='"v2"')
    result = fetch(server.url("/feed"), etag='"v1"')
    assert not result.not_modified
    assert result.body == b"<rss>new</rss>" and result.etag == '"v2"'


# Compression and size limits.


def test_accept_encoding_offers_what_can_be_decoded(server: LocalServer) -> None:
    server.static("/page", b"hello")
    fetch(server.url("/page"))
    assert server.received_at("/page")[0].headers["accept-encoding"] == ACCEPT_ENCODING
    assert ACCEPT_ENCODING == "gzip, deflate, br"  # brotli is installed in the dev environment


ARTICLE = b"Harbour ferry service resumes after the storm. " * 2000


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "raw deflate", "br"])
def test_compressed_bodies_are_decoded(server: LocalServer, encoding: str) -> None:
    if encoding == "gzip":
        server.gzip("/page", ARTICLE)
    elif encoding == "br":
        server.brotli("/page", ARTICLE)
    else:
        server.deflate("/page", ARTICLE, raw=encoding == "raw deflate")
    assert fetch(server.url("/page")).body == ARTICLE


def test_stacked_encodings_are_undone_in_reverse(server: LocalServer) -> None:
    twice = gzip.compress(gzip.compress(ARTICLE))
    server.static("/page", twice, headers={"Content-Encoding": "gzip, gzip"})
    assert fetch(server.url("/page")).body == ARTICLE


def test_an_unsupported_encoding_is_an_error(server: LocalServer) -> None:
    server.static("/page", b"\x28\xb5\x2f\xfd", headers={"Content-Encoding": "zstd"})
    assert "unsupported content encoding 'zstd'" in str(failure(server.url("/page")))


def test_a_corrupt_gzip_body_is_an_error(server: LocalServer) -> None:
    server.static("/page", b"\x1f\x8b\x08\x00not gzip at all", headers={"Content-Encoding": "gzip"})
    assert "could not decompress the gzip body" in str(failure(server.url("/page")))


@pytest.mark.parametrize("kind", ["gzip", "br"])
def test_a_decompression_bomb_is_stopped_early(server: LocalServer, kind: str) -> None:
    limit = 1024 * 1024
    if kind == "gzip":
        server.gzip_bomb("/bomb")
    else:
        server.brotli_bomb("/bomb")
    tracemalloc.start()
    try:
        started = time.monotonic()
        error = failure(server.url("/bomb"), quick(max_bytes=limit, robots=False))
        elapsed = time.monotonic() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(error) == f"{server.url('/bomb')}: body over 1,048,576 bytes"
    assert elapsed < 3
    assert peak < 16 * limit  # 200 MB expanded in one go would show here


def test_the_default_limit_is_ten_megabytes(server: LocalServer) -> None:
    server.gzip_bomb("/bomb")
    error = failure(server.url("/bomb"), quick(max_bytes=FetchSettings().max_bytes, robots=False))
    assert str(error) == f"{server.url('/bomb')}: body over 10,485,760 bytes"
    assert not error.retryable


def test_a_body_of_exactly_max_bytes_is_accepted_and_one_more_is_not(server: LocalServer) -> None:
    server.static("/exact", bytes(1000))
    server.static("/over", bytes(1001))
    server.route("/streamed", Reply(body=[bytes(500), bytes(501)]))
    settings = quick(max_bytes=1000)
    assert len(fetch(server.url("/exact"), settings).body) == 1000
    assert str(failure(server.url("/over"), settings)).endswith("body over 1,000 bytes")
    assert str(failure(server.url("/streamed"), settings)).endswith("body over 1,000 bytes")


# Time limits.


def test_a_trickling_server_is_cut_off_at_total_seconds(server: LocalServer) -> None:
    server.trickle("/slow", chunks=200, interval=0.05)
    started = time.monotonic()
    error = failure(server.url("/slow"), quick(total_seconds=0.5, robots=False))
    assert str(error) == f"{server.url('/slow')}: timed out after 0.5 s"
    assert time.monotonic() - started < 2
    assert error.retryable
    assert len(server.received_at("/slow")) == 1  # the same trickle again would only waste another half second


def test_a_silent_server_times_out_and_is_retried(server: LocalServer) -> None:
    server.slow("/silent", delay=2.0)
    error = failure(server.url("/silent"), quick(read_timeout=0.2, retries=2, robots=False))
    assert "timed out waiting for data (nothing for 0.2 s)" in str(error)
    assert "gave up after 3 attempts" in str(error)
    assert error.retryable
    assert len(server.received_at("/silent")) == 3


# Status codes and retries.


def test_a_404_is_an_error_with_its_status_and_is_not_retried(server: LocalServer) -> None:
    error = failure(server.url("/missing"))
    assert str(error) == f"{server.url('/missing')}: HTTP 404 Not Found"
    assert error.status == 404 and not error.retryable and not error.gone
    assert len(server.received_at("/missing")) == 1


def test_a_410_means_gone(server: LocalServer) -> None:
    server.static("/retired-feed", status=410)
    error = failure(server.url("/retired-feed"))
    assert str(error) == f"{server.url('/retired-feed')}: HTTP 410 Gone"
    assert error.gone and error.status == 410 and not error.retryable
    assert len(server.received_at("/retired-feed")) == 1


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
def test_a_passing_failure_is_retried(server: LocalServer, status: int) -> None:
    server.sequence("/feed", Reply(status), Reply(200, b"<rss/>"))
    assert fetch(server.url("/feed")).body == b"<rss/>"
    assert len(server.received_at("/feed")) == 2


def test_a_dropped_connection_is_retried(server: LocalServer) -> None:
    server.sequence("/feed", Reply(drop=True), Reply(200, b"<rss/>"))
    assert fetch(server.url("/feed")).body == b"<rss/>"
    assert len(server.received_at("/feed")) == 2


def test_a_refused_connection_is_retried_then_reported() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    error = failure(f"http://127.0.0.1:{port}/feed", quick(retries=1, robots=False))
    assert "network error (ConnectError" in str(error)
    assert "gave up after 2 attempts" in str(error)
    assert error.retryable and error.status is None


def test_a_lasting_failure_is_raised_as_retryable_after_the_retries(server: LocalServer) -> None:
    server.static("/feed", status=503)
    error = failure(server.url("/feed"), quick(retries=3))
    assert str(error) == f"{server.url('/feed')}: HTTP 503 Service Unavailable (gave up after 4 attempts)"
    assert error.retryable and error.status == 503
    assert len(server.received_at("/feed")) == 4


def test_other_client_errors_are_not_retried(server: LocalServer) -> None:
    server.static("/feed", status=403)
    error = failure(server.url("/feed"))
    assert error.status == 403 and not error.retryable
    assert len(server.received_at("/feed")) == 1


def test_retry_after_seconds_is_honoured(server: LocalServer) -> None:
    server.sequence("/feed", Reply(429, headers={"Retry-After": "1"}), Reply(200, b"<rss/>"))
    assert fetch(server.url("/feed"), quick(backoff_max=5.0)).body == b"<rss/>"
    first, second = server.received_at("/feed")
    assert second.time - first.time >= 0.95


@pytest.mark.parametrize("retry_after", ["120", "date in 120 s"])
def test_a_retry_after_beyond_backoff_max_is_not_retried_early(server: LocalServer, retry_after: str) -> None:
    if retry_after.startswith("date"):  # made when the test runs: a date made at collection goes stale
        retry_after = formatdate(time.time() + 120, usegmt=True)
    server.sequence("/feed", Reply(429, headers={"Retry-After": retry_after}), Reply(200, b"<rss/>"))
    started = time.monotonic()
    error = failure(server.url("/feed"), quick(backoff_max=5.0))
    assert time.monotonic() - started < 1
    assert "HTTP 429 Too Many Requests (server asks to retry after" in str(error)
    assert error.retryable and error.status == 429
    assert len(server.received_at("/feed")) == 1


def test_backoff_is_capped_by_backoff_max(server: LocalServer) -> None:
    server.static("/feed", status=500)
    started = time.monotonic()
    failure(server.url("/feed"), quick(backoff_seconds=10.0, backoff_max=0.05, retries=3, robots=False))
    assert time.monotonic() - started < 1.5


# Politeness to each host.


def test_requests_to_one_host_start_host_delay_apart(server: LocalServer) -> None:
    server.static("/page", b"hello")
    with Fetcher(quick(host_delay=0.2)) as fetcher, ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: fetcher.fetch(server.url("/page")), range(4)))
    starts = sorted(request.time for request in server.received)
    assert len(starts) == 5  # robots.txt and four pages
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    assert min(gaps) >= 0.17, gaps


def test_other_hosts_do_not_wait_for_one_host(server: LocalServer) -> None:
    server.static("/page", b"hello")
    urls = [server.url("/page"), f"http://localhost:{server.port}/page"]
    with Fetcher(quick(host_delay=2.0, robots=False)) as fetcher, ThreadPoolExecutor(2) as pool:
        started = time.monotonic()
        list(pool.map(fetcher.fetch, urls))
    assert time.monotonic() - started < 1.5
    assert sorted(request.host.split(":")[0] for request in server.received) == ["127.0.0.1", "localhost"]


def test_at_most_host_concurrency_requests_are_in_flight(server: LocalServer) -> None:
    server.slow("/slow", delay=0.3)
    with Fetcher(quick(host_concurrency=2, robots=False)) as fetcher, ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda _: fetcher.fetch(server.url("/slow")), range(6)))
    assert [result.body for result in results] == [b"late"] * 6
    assert server.most_in_flight("/slow") == 2


def test_one_fetcher_serves_many_threads(server: LocalServer) -> None:
    for n in range(20):
        server.static(f"/article/{n}", f"article {n}".encode())
    with Fetcher(quick(host_concurrency=4)) as fetcher, ThreadPoolExecutor(8) as pool:
        bodies = list(pool.map(lambda n: fetcher.fetch(server.url(f"/article/{n}")).body, range(20)))
    assert bodies == [f"article {n}".encode() for n in range(20)]
    assert len(server.received_at("/robots.txt")) == 1


# robots.txt.


def test_robots_txt_rules_for_newsloom_are_obeyed_and_read_once(server: LocalServer) -> None:
    server.robots("User-agent: *\nDisallow: /\n\nUser-agent: newsloom\nDisallow: /private\n")
    server.static("/public", b"open")
    server.static("/private/memo", b"closed")
    with Fetcher(quick()) as fetcher:
        assert fetcher.fetch(server.url("/public")).body == b"open"
        with pytest.raises(FetchError) as raised:
            fetcher.fetch(server.url("/private/memo"))
        fetcher.fetch(server.url("/public"))
    assert str(raised.value) == f"{server.url('/private/memo')}: robots.txt disallows this URL"
    assert "/private/memo" not in server.paths()
    assert len(server.received_at("/robots.txt")) == 1


def test_rules_for_other_agents_do_not_apply(server: LocalServer) -> None:
    server.robots("User-agent: otherbot\nDisallow: /\n")
    server.static("/page", b"hello")
    assert fetch(server.url("/page")).body == b"hello"


def test_rules_for_every_agent_apply(server: LocalServer) -> None:
    server.robots("User-agent: *\nDisallow: /drafts/\n")
    server.static("/drafts/one", b"draft")
    assert str(failure(server.url("/drafts/one"))).endswith("robots.txt disallows this URL")


def test_the_product_token_of_a_custom_user_agent_is_matched(server: LocalServer) -> None:
    server.robots("User-agent: acmebot\nDisallow: /\n")
    server.static("/page", b"hello")
    settings = quick(user_agent="AcmeBot/2.0 (+https://acme.example/bot)")
    assert "robots.txt disallows" in str(failure(server.url("/page"), settings))
    assert fetch(server.url("/page")).body == b"hello"  # newsloom itself is not addressed


def test_a_redirect_into_a_disallowed_path_is_refused_on_the_hop(server: LocalServer) -> None:
    server.robots("User-agent: newsloom\nDisallow: /private\n")
    server.redirect("/go", "/private/memo")
    error = failure(server.url("/go"))
    assert (
        str(error) == f"{server.url('/go')}: redirected to {server.url('/private/memo')}, robots.txt disallows this URL"
    )
    assert "/private/memo" not in server.paths()


@pytest.mark.parametrize("status", [401, 403, 404])
def test_a_missing_robots_txt_allows_everything(server: LocalServer, status: int) -> None:
    server.robots("User-agent: *\nDisallow: /\n", status=status)
    server.static("/page", b"hello")
    assert fetch(server.url("/page")).body == b"hello"


@pytest.mark.parametrize("broken", [Reply(500, b"User-agent: *\nDisallow: /\n"), Reply(drop=True)])
def test_an_unreadable_robots_txt_allows_and_is_logged(
    server: LocalServer, caplog: pytest.LogCaptureFixture, broken: Reply
) -> None:
    server.route("/robots.txt", broken)
    server.static("/page", b"hello")
    with caplog.at_level(logging.WARNING, logger="newsloom.ingest.fetch"):
        assert fetch(server.url("/page")).body == b"hello"
    assert any("robots.txt" in record.getMessage() for record in caplog.records)


def test_robots_can_be_turned_off(server: LocalServer) -> None:
    server.robots("User-agent: *\nDisallow: /\n")
    server.static("/page", b"hello")
    assert fetch(server.url("/page"), quick(robots=False)).body == b"hello"
    assert server.paths() == ["/page"]


def test_threads_share_one_reading_of_robots_txt(server: LocalServer) -> None:
    server.route("/robots.txt", Reply(body=b"User-agent: *\nAllow: /\n", delay=0.2))
    server.static("/page", b"hello")
    with Fetcher(quick(host_concurrency=8)) as fetcher, ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: fetcher.fetch(server.url("/page")), range(8)))
    assert len(server.received_at("/robots.txt")) == 1
    assert len(server.received_at("/page")) == 8


# The objects themselves.


def test_a_fetch_error_survives_pickling() -> None:
    error = FetchError("https://x.example/feed", "HTTP 503 Service Unavailable", 503, retryable=True, gone=False)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.url, copy.reason, copy.status, copy.retryable, copy.gone) == (
        "https://x.example/feed",
        "HTTP 503 Service Unavailable",
        503,
        True,
        False,
    )
    assert str(copy) == "https://x.example/feed: HTTP 503 Service Unavailable"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"host_concurrency": 0}, "FetchSettings.host_concurrency must be greater than 0"),
        ({"retries": -1}, "FetchSettings.retries must be 0 or more"),
        ({"user_agent": " "}, "FetchSettings.user_agent must not be empty"),
    ],
)
def test_settings_that_cannot_work_are_refused(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FetchSettings(**change)


def test_a_closed_fetcher_refuses_to_fetch(server: LocalServer) -> None:
    server.static("/page", b"hello")
    with Fetcher(quick()) as fetcher:
        fetcher.fetch(server.url("/page"))
    with pytest.raises(RuntimeError, match="closed"):
        fetcher.fetch(server.url("/page"))
