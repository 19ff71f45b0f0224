"""Settings in layers: defaults < config file < environment < command-line flags.

The config file is TOML (``--config PATH``, ``NEWSLOOM_CONFIG``, or ``config.toml`` in the user's config folder);
it sets only the keys it names, at any depth::

    db = "~/news/newsloom.db"
    [cluster]
    threshold = 0.18
    [writer]
    max_words = 200
    [writer.weights]
    position = 0.3

Environment variables: ``NEWSLOOM_`` and a setting's dotted path in capitals, its dots as underscores:
``NEWSLOOM_DB``, ``NEWSLOOM_CLUSTER_THRESHOLD``, ``NEWSLOOM_FETCH_ALLOW_PRIVATE_NETWORKS=1``,
``NEWSLOOM_WRITER_WEIGHTS_POSITION=0.3``. Field names hold underscores too, so the names are not parsed: each is
made from the declared fields, ``NEWSLOOM_WRITER_MAX_WORDS`` can only be ``writer.max_words``, and a name two settings
would share is refused rather than guessed. A variable naming a table of settings as a whole
(``NEWSLOOM_WRITER_WEIGHTS``) is an error; variables naming no setting are left alone (other programs and the LLM
writer's API key share the prefix). Booleans read true/false, 1/0, yes/no or on/off.

Every value is converted to the type its settings class declares; a value that does not fit (an unknown key, a wrong
type, one the class itself rejects) is a ``ConfigError`` naming where it came from, the setting's dotted path, the
value and what was expected.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import tomllib
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from newsloom.folders import default_config_path, default_db_path
from newsloom.ingest.settings import FetchSettings
from newsloom.stories.settings import ClusterSettings
from newsloom.syndication import SyndicationSettings
from newsloom.write.settings import WriterSettings


@dataclass(frozen=True)
class WatchSettings:
    """How the watch loop polls feeds and fetches pages (``[watch]`` in the config file)."""

    interval_seconds: float = 600.0  # how often a healthy feed is polled
    max_backoff_seconds: float = 6 * 3600.0  # the longest wait after repeated failures
    fetch_pages: bool = True  # fetch the linked page when an entry brings only a summary
    summary_words: int = 150  # an entry with fewer words of text is taken for a summary
    pages_per_feed: int = 50  # at most this many pages fetched for one feed in one round
    workers: int = 8  # feeds and pages fetched at once (per-host limits still apply)


@dataclass(frozen=True)
class ServeSettings:
    """Where the server listens and who may write.

    ``token``: the bearer token write requests must send (``Authorization: Bearer TOKEN``); when empty, every write
    is refused, never open. ``cors_origins``: comma-separated origins whose pages may call the API from a browser
    (none by default). ``base_url``: the public address feeds and exports link to, when the server sits behind a
    proxy (default: the address each request came to). ``allowed_hosts``: comma-separated names a request's Host
    header may carry, ``*`` for any (default: ``host``, 127.0.0.1, localhost and ::1); base_url's host is always
    allowed, and a request for any other gets 400. ``max_body_bytes``: the largest write request read.
    ``cached_pages``: how many rendered answers are kept until the store changes (0: render every request).
    ``cached_briefs``: how many stories' briefs are kept rendered for their pages, each until the story has a new
    brief version (0: render the brief with every page the page cache does not hold).
    """

    host: str = "127.0.0.1"
    port: int = 8000
    token: str = ""
    cors_origins: str = ""
    base_url: str = ""
    allowed_hosts: str = ""
    page_size: int = 30
    max_body_bytes: int = 5 * 1024 * 1024
    site_title: str = "newsloom"
    cached_pages: int = 512
    cached_briefs: int = 256

    def __post_init__(self) -> None:
        if not 0 < self.port < 65536:
            raise ValueError(f"port must be between 1 and 65535, not {self.port}")
        if not 1 <= self.page_size <= 200:
            raise ValueError(f"page_size must be between 1 and 200, not {self.page_size}")
        if self.cached_pages < 0:
            raise ValueError(f"cached_pages must not be negative, not {self.cached_pages}")
        if self.cached_briefs < 0:
            raise ValueError(f"cached_briefs must not be negative, not {self.cached_briefs}")
        if self.base_url and not self.base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must start with http:// or https://, not {self.base_url!r}")

    @property
    def origins(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]

    @property
    def host_names(self) -> frozenset[str]:
        """The names a request's Host header may carry (in lower case, without a port); ``*`` allows any."""
        named = {h.strip().lower().strip("[]") for h in self.allowed_hosts.split(",") if h.strip()}
        names = named or {self.host.lower().strip("[]"), "127.0.0.1", "localhost", "::1"}
        public = urlsplit(self.base_url).hostname if self.base_url else None
        return frozenset(names | {public} if public else names)


class ConfigError(ValueError):
    """A setting that cannot be used; the message names the setting and where it came from."""


@dataclass
class Settings:
    db: str = field(default_factory=lambda: str(default_db_path()))
    batch_size: int = 256
    cluster: ClusterSettings = field(default_factory=ClusterSettings)
    syndication: SyndicationSettings = field(default_factory=SyndicationSettings)
    writer: WriterSettings = field(default_factory=WriterSettings)
    fetch: FetchSettings = field(default_factory=FetchSettings)
    watch: WatchSettings = field(default_factory=WatchSettings)
    serve: ServeSettings = field(default_factory=ServeSettings)


Place = tuple[str, ...]  # a setting's place: ("writer", "weights", "position")
Sources = Callable[[Place], str]  # where the value at a place came from, for messages


def load_settings(
    config_file: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
    db: str | None = None,
) -> Settings:
    """Settings from every layer; ``db`` is the command-line flag, the last word."""
    environ = os.environ if environ is None else environ
    settings = Settings()
    path = Path(config_file or environ.get("NEWSLOOM_CONFIG") or default_config_path()).expanduser()
    explicit = bool(config_file or environ.get("NEWSLOOM_CONFIG"))
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise ConfigError(f"{path}: not valid TOML: {error}") from error
        settings = _layer(settings, data, lambda _: str(path))
    elif explicit:
        raise ConfigError(f"config file {path} does not exist")
    data, names = _from_environment(environ)
    settings = _layer(settings, data, lambda place: f"environment variable {names[place]}")
    if db:
        settings.db = db
    return settings


def _layer(settings: Settings, data: Mapping[str, Any], sources: Sources) -> Settings:
    return typing.cast(Settings, _merged(settings, data, (), sources))


def _merged(current: Any, values: Any, place: Place, sources: Sources) -> Any:
    """``current`` with the keys ``values`` names converted to their declared types, at any depth."""
    kind: Any = type(current)
    if not isinstance(values, Mapping):
        raise ConfigError(
            f"{sources(place)}: {_dotted(place)} = {values!r}: expected a table [{_dotted(place)}] of settings "
            f"({kind.__name__})"
        )
    hints = _hints(kind)
    changes: dict[str, Any] = {}
    for key, value in values.items():
        here = (*place, key)
        if key not in hints:
            within = f" in [{_dotted(place)}]" if place else ""
            raise ConfigError(
                f"{sources(here)}: {_dotted(here)}: unknown setting '{key}'{within} (known: {', '.join(sorted(hints))})"
            )
        if _is_table(hints[key]):
            changes[key] = _merged(getattr(current, key), value, here, sources)
        else:
            changes[key] = _converted(value, hints[key], here, sources(here))
    try:
        return dataclasses.replace(current, **changes)
    except (TypeError, ValueError) as error:  # a settings class that checks its own values
        raise _rejected(current, changes, place, sources, error) from error


def _rejected(current: Any, changes: dict[str, Any], place: Place, sources: Sources, error: Exception) -> ConfigError:
    """The error naming the values a settings class refused: those it refuses alone, else all this layer set."""
    alone = [key for key in changes if not _accepts(current, key, changes[key])]
    culprits = alone or list(changes)
    where = ", ".join(dict.fromkeys(sources((*place, key)) for key in culprits))
    values = ", ".join(f"{_dotted((*place, key))} = {changes[key]!r}" for key in culprits)
    return ConfigError(f"{where}: {values}: {error}")


def _accepts(current: Any, key: str, value: Any) -> bool:
    try:
        dataclasses.replace(current, **{key: value})
    except (TypeError, ValueError):
        return False
    return True


_MISMATCH = object()  # what a value that does not fit its declared type converts to
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def _converted(value: Any, hint: Any, place: Place, source: str) -> Any:
    """``value`` (from TOML, or a string from the environment) as the declared type ``hint``."""
    converted = _convert(value, hint)
    if converted is _MISMATCH:
        raise ConfigError(f"{source}: {_dotted(place)} = {value!r}: expected {_type_name(hint)}")
    return converted


def _convert(value: Any, hint: Any) -> Any:
    """``value`` as ``hint``, or ``_MISMATCH``."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        # TOML has no null: an empty value stands for None, unless the setting could be an empty string.
        if value == "" and str not in args and type(None) in args:
            return None
        for member in args:
            if member is not type(None) and (converted := _convert(value, member)) is not _MISMATCH:
                return converted
        return _MISMATCH
    if origin in (tuple, list):
        # The environment writes a list with commas: NEWSLOOM_X_HOSTS="a.example, b.example".
        items = [item.strip() for item in value.split(",") if item.strip()] if isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            return _MISMATCH
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            if len(items) != len(args):
                return _MISMATCH
            kinds = list(args)
        else:
            kinds = [args[0]] * len(items)
        converted = [_convert(item, kind) for item, kind in zip(items, kinds, strict=True)]
        return _MISMATCH if _MISMATCH in converted else origin(converted)
    if hint is bool:
        return _boolean(value)
    if hint is int:
        return _integer(value)
    if hint is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        return _parsed(value, float)
    if hint is str:
        return value if isinstance(value, str) else _MISMATCH
    raise TypeError(f"settings of type {hint!r} cannot be read from a config file or the environment")


def _boolean(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    return _MISMATCH


def _integer(value: Any) -> Any:
    if isinstance(value, bool):
        return _MISMATCH
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else _MISMATCH  # 1e6 is a count; 2.5 is not one
    return _parsed(value, int)


def _parsed(value: Any, kind: Callable[[str], Any]) -> Any:
    if not isinstance(value, str):
        return _MISMATCH
    try:
        return kind(value.strip())
    except ValueError:
        return _MISMATCH


def _type_name(hint: Any) -> str:
    if _is_table(hint):
        return f"a table of settings ({hint.__name__})"
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return " or ".join("None" if arg is type(None) else _type_name(arg) for arg in typing.get_args(hint))
    if isinstance(hint, type) and not typing.get_args(hint):
        return hint.__name__
    return str(hint).replace("typing.", "")


def _from_environment(environ: Mapping[str, str]) -> tuple[dict[str, Any], dict[Place, str]]:
    """The environment's settings as nested tables, and each setting's variable name."""
    data: dict[str, Any] = {}
    names: dict[Place, str] = {}
    for name, places in _environment_places().items():
        if name not in environ:
            continue
        value = environ[name]
        if len(places) > 1:
            raise ConfigError(f"environment variable {name}: could name {' or '.join(map(_dotted, places))}")
        place = places[0]
        hint = _hint_at(place)
        if _is_table(hint):
            raise ConfigError(
                f"environment variable {name}: {_dotted(place)} = {value!r}: expected {_type_name(hint)}; "
                f"set its keys one at a time as {name}_<KEY> (keys: {', '.join(sorted(_hints(hint)))})"
            )
        if len(place) == 1 and not value:
            continue  # an empty NEWSLOOM_DB or NEWSLOOM_BATCH_SIZE leaves the default, as it always has
        table = data
        for key in place[:-1]:
            table = table.setdefault(key, {})
        table[place[-1]] = value
        names[place] = name
    return data, names


@functools.cache
def _environment_places() -> dict[str, list[Place]]:
    """Every environment variable name a setting or a table of settings has, with the places it names."""
    places: dict[str, list[Place]] = {}

    def walk(kind: Any, place: Place) -> None:
        for key, hint in _hints(kind).items():
            here = (*place, key)
            places.setdefault("NEWSLOOM_" + "_".join(here).upper(), []).append(here)
            if _is_table(hint):
                walk(hint, here)

    walk(Settings, ())
    return places


def _hint_at(place: Place) -> Any:
    hint: Any = Settings
    for key in place:
        hint = _hints(hint)[key]
    return hint


@functools.cache
def _hints(kind: Any) -> dict[str, Any]:
    """A settings class's fields set at construction, with their declared types (string annotations resolved)."""
    declared = typing.get_type_hints(kind)
    return {f.name: declared[f.name] for f in dataclasses.fields(kind) if f.init}


def _is_table(hint: Any) -> bool:
    return isinstance(hint, type) and dataclasses.is_dataclass(hint)


def _dotted(place: Place) -> str:
    return ".".join(place)
