"""Shared fixtures: the demo corpus, a temporary store, and an environment that cannot see the user's settings."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from newsloom.store import Store, open_store
from pgserver import PostgresServer, PostgresUnavailable, start_server

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


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server of our own for the session, on 127.0.0.1 (installed first on a bare Debian CI machine)."""
    try:
        server = start_server()
    except PostgresUnavailable as error:
        if os.environ.get("CI"):
            pytest.fail(f"the PostgreSQL store tests need a server: {error}")
        pytest.skip(str(error))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test."""
    url = postgres_server.new_database()
    yield url
    postgres_server.drop_database(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_address(request: pytest.FixtureRequest, db_path: Path) -> str:
    """Where a test's store lives, once for each kind of store: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return str(db_path)
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def new_store_address(request: pytest.FixtureRequest, store_address: str, tmp_path: Path) -> Callable[[str], str]:
    """Another empty store of the kind ``store_address`` is, for tests that need several (``name`` tells them apart)."""

    def make(name: str) -> str:
        if store_address.startswith("postgresql://"):
            server: PostgresServer = request.getfixturevalue("postgres_server")
            return server.new_database()
        return str(tmp_path / "stores" / f"{name}.db")

    return make


@pytest.fixture
def store(store_address: str) -> Iterator[Store]:
    opened = open_store(store_address)
    try:
        yield opened
    finally:
        opened.close()
