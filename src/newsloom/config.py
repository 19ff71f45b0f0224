"""Settings in layers: defaults < config file < environment < command-line flags.

The config file is TOML (``--config PATH``, ``NEWSLOOM_CONFIG``, or ``config.toml`` in the user's config folder);
it sets only the keys it names::

    db = "~/news/newsloom.db"
    [cluster]
    threshold = 0.18
    [writer]
    max_words = 200

Environment variables: ``NEWSLOOM_DB``, and ``NEWSLOOM_<SECTION>_<KEY>`` for the rest (``NEWSLOOM_CLUSTER_THRESHOLD``,
``NEWSLOOM_FETCH_ALLOW_PRIVATE_NETWORKS=1``, ``NEWSLOOM_WATCH_INTERVAL_SECONDS=300``, ``NEWSLOOM_SERVE_TOKEN``).
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
    proxy (default: the address each request came to). ``max_body_bytes``: the largest write request read.
    ``cached_pages``: how many rendered answers are kept until the store changes (0: render every request).
    """

    host: str = "127.0.0.1"
    port: int = 8000
    token: str = ""
    cors_origins: str = ""
    base_url: str = ""
    page_size: int = 30
    max_body_bytes: int = 5 * 1024 * 1024
    site_title: str = "newsloom"
    cached_pages: int = 512

    def __post_init__(self) -> None:
        if not 0 < self.port < 65536:
            raise ValueError(f"port must be between 1 and 65535, not {self.port}")
        if not 1 <= self.page_size <= 200:
            raise ValueError(f"page_size must be between 1 and 200, not {self.page_size}")
        if self.cached_pages < 0:
            raise ValueError(f"cached_pages must not be negative, not {self.cached_pages}")
        if self.base_url and not self.base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must start with http:// or https://, not {self.base_url!r}")

    @property
    def origins(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]


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


_SECTIONS = {
    "cluster": ClusterSettings,
    "syndication": SyndicationSettings,
    "writer": WriterSettings,
    "fetch": FetchSettings,
    "watch": WatchSettings,
    "serve": ServeSettings,
}


def _coerce(value: Any, kind: type, where: str) -> Any:
    try:
        if kind is bool and isinstance(value, str):
            return value.strip().lower() in ("1", "true", "yes", "on")
        return kind(value)
    except (TypeError, ValueError) as error:
        raise ConfigError(f"{where}: expected {kind.__name__}, got {value!r}") from error


def _section(kind: type, current: Any, values: Mapping[str, Any], where: str) -> Any:
    fields = {f.name: f for f in dataclasses.fields(kind)}
    changes = {}
    for key, value in values.items():
        if key not in fields:
            raise ConfigError(f"{where}: unknown setting '{key}' (known: {', '.join(sorted(fields))})")
        kind_of = type(getattr(current, key))
        changes[key] = _coerce(value, kind_of, f"{where}.{key}")
    try:
        return dataclasses.replace(current, **changes)
    except ValueError as error:  # a section that checks its own values
        raise ConfigError(f"{where}: {error}") from error


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
        settings = _apply(settings, data, str(path))
    elif explicit:
        raise ConfigError(f"config file {path} does not exist")
    settings = _apply(settings, _from_environment(environ), "environment")
    if db:
        settings.db = db
    return settings


def _apply(settings: Settings, data: Mapping[str, Any], where: str) -> Settings:
    for key, value in data.items():
        if key in _SECTIONS:
            if not isinstance(value, Mapping):
                raise ConfigError(f"{where}: [{key}] must be a table of settings")
            setattr(settings, key, _section(_SECTIONS[key], getattr(settings, key), value, f"{where} [{key}]"))
        elif key == "db":
            settings.db = str(value)
        elif key == "batch_size":
            settings.batch_size = _coerce(value, int, f"{where}: batch_size")
        else:
            raise ConfigError(f"{where}: unknown setting '{key}'")
    return settings


def _from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if environ.get("NEWSLOOM_DB"):
        data["db"] = environ["NEWSLOOM_DB"]
    if environ.get("NEWSLOOM_BATCH_SIZE"):
        data["batch_size"] = environ["NEWSLOOM_BATCH_SIZE"]
    for section, kind in _SECTIONS.items():
        for f in dataclasses.fields(kind):
            name = f"NEWSLOOM_{section}_{f.name}".upper()
            if name in environ:
                data.setdefault(section, {})[f.name] = environ[name]
    return data
