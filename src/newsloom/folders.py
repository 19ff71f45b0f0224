"""Where newsloom keeps its files on this machine: the per-user data and config folders of each platform."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def user_folder(kind: str) -> Path:
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
    return user_folder("data") / "newsloom.db"


def default_config_path() -> Path:
    return user_folder("config") / "config.toml"
