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
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsloom.cluster import ClusterSettings
from newsloom.dedup import SyndicationSettings
from newsloom.fetch import FetchSettings
from newsloom.serve.settings import ServeSettings
from newsloom.watch import WatchSettings
from newsloom.write.extractive import WriterSettings


class ConfigError(ValueError):
    """A setting that cannot be used; the message names the setting and where it came from."""


def _user_folder(kind: str) -> Path:
    """The per-user data or config folder of this platform, without a dependency for it."""
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
        return base / "newsloom"
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / "newsloom"
    variable, fallback = ("XDG_DATA_HOME", ".local/share") if kind == "data" else ("XDG_CONFIG_HOME", ".config")
    return Path(os.environ.get(variable) or home / fallback) / "newsloom"


def default_db_path() -> Path:
    return _user_folder("data") / "newsloom.db"


def default_config_path() -> Path:
    return _user_folder("config") / "config.toml"


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
