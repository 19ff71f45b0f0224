"""Shared fixtures: the demo corpus, a temporary store, and an environment that cannot see the user's settings."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsloom.store.sqlite import SQLiteStore

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "examples" / "demo"


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """No test reads or writes the user's data or config folders, or obeys their NEWSLOOM_* variables."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    for name in [n for n in os.environ if n.startswith("NEWSLOOM_")]:
        monkeypatch.delenv(name)
    return home


@pytest.fixture(scope="session")
def demo_articles() -> Path:
    return DEMO / "articles.jsonl"


@pytest.fixture(scope="session")
def demo_records(demo_articles: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in demo_articles.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def gold() -> dict[str, str]:
    """Demo article id -> true story label."""
    lines = (DEMO / "gold.jsonl").read_text(encoding="utf-8").splitlines()
    return {row["id"]: row["label"] for row in map(json.loads, lines)}


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "store" / "newsloom.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[SQLiteStore]:
    with SQLiteStore(db_path) as opened:
        yield opened
