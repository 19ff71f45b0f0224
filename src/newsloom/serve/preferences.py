"""The reader's outlets and words, kept in the reader's browser: one cookie, which the server reads.

The settings page (``/settings``) writes it; the river, story pages and search read it. It holds the same
parameters the API takes (``mute_outlet``, ``prefer_outlet``, ``mute_word``, each repeated), as a query string,
percent-encoded whole so that it holds only the characters a cookie may. Nothing is stored on the server: muting
hides, and unmuting (or clearing the cookie) brings everything back.
"""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode

from starlette.requests import cookie_parser

from newsloom.store.base import Preferences

COOKIE = "newsloom_reader"
MOST_COOKIE_BYTES = 3800  # a browser keeps a cookie of about 4 kB, name and attributes included
KEPT_SECONDS = 400 * 24 * 3600  # the longest a browser keeps a cookie


def preferences_from(pairs: Iterable[tuple[str, str]]) -> Preferences:
    """Preferences from parameters: ``mute_outlet``, ``prefer_outlet`` and ``mute_word``, each as often as needed, and
    ``mute_words`` (the settings form's box: one word or phrase a line)."""
    muted, preferred, words = [], [], []
    for name, value in pairs:
        if name == "mute_outlet":
            muted.append(value)
        elif name == "prefer_outlet":
            preferred.append(value)
        elif name == "mute_word":
            words.append(value)
        elif name == "mute_words":
            words.extend(value.splitlines())
    return Preferences(tuple(muted), tuple(preferred), tuple(words))


def query_string(preferences: Preferences) -> str:
    """The preferences as parameters, in one spelling (each list sorted): what the cookie holds, and what answers
    are cached under."""
    pairs = [("mute_outlet", o) for o in preferences.mute_outlets]
    pairs += [("prefer_outlet", o) for o in preferences.prefer_outlets]
    pairs += [("mute_word", w) for w in preferences.mute_words]
    return urlencode(pairs)


def cookie_value(preferences: Preferences) -> str:
    """The cookie's value: the query string, percent-encoded again (letters, digits, ``%``, ``-._~`` only)."""
    return quote(query_string(preferences), safe="")


def from_cookie(value: str | None) -> Preferences:
    """The preferences a cookie's value holds (none when it is missing, too long or not ours)."""
    if not value or len(value) > MOST_COOKIE_BYTES:
        return Preferences()
    return preferences_from(parse_qsl(unquote(value)))


@lru_cache(maxsize=1024)
def _of_header(header: bytes) -> tuple[Preferences, str]:
    """The preferences a Cookie header holds, and their query string (a reader sends the same header each time:
    read once, then looked up, as the page cache asks for it before every answer)."""
    chosen = from_cookie(cookie_parser(header.decode("latin-1")).get(COOKIE))
    return chosen, query_string(chosen)


def of_scope(scope: MutableMapping[str, Any]) -> Preferences:
    """The preferences a request's cookie holds."""
    return keyed_of_scope(scope)[0]


def keyed_of_scope(scope: MutableMapping[str, Any]) -> tuple[Preferences, str]:
    """The preferences a request's cookie holds, and their query string (empty when there are none)."""
    for name, header in scope.get("headers", []):
        if name == b"cookie":
            return _of_header(header)
    return Preferences(), ""


def set_cookie(preferences: Preferences, secure: bool) -> str:
    """A Set-Cookie header's value that keeps the preferences in the browser (or forgets them, when there are none).

    HttpOnly: no script reads it; SameSite=Lax: another site's page cannot send it along with its own requests."""
    attributes = "Path=/; SameSite=Lax; HttpOnly" + ("; Secure" if secure else "")
    if not preferences:
        return f"{COOKIE}=; Max-Age=0; {attributes}"
    return f"{COOKIE}={cookie_value(preferences)}; Max-Age={KEPT_SECONDS}; {attributes}"
