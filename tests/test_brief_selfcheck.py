"""Every demo story's brief, checked against its own story with `newsloom check`: every claim read, every one supported.

The demo corpus goes into a store as `newsloom ingest` puts it; then, for each story newsloom found, the brief is
written out as a user gets it (`show` in Markdown and JSON, `export --format html`, the reader's story page, and
`brief STORY.jsonl` with no store) and checked with the real command. A brief prints only sentences its sources
wrote, so anything short of 100% supported, or a claim the checker did not read, is a fault of the reading.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import DEMO
from newsloom.analyze.reading import brief_claims
from newsloom.cli import main
from newsloom.config import Settings
from newsloom.drivers.pipeline import Pipeline
from newsloom.ingest import read_file
from newsloom.model import Brief
from newsloom.serve import create_app
from newsloom.store import open_store


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo corpus ingested, with default settings, and every story briefed."""
    db = tmp_path_factory.mktemp("selfcheck") / "demo.db"
    store = open_store(str(db))
    try:
        Pipeline(Settings(db=str(db)), store).ingest(read_file(DEMO / "articles.jsonl"))
    finally:
        store.close()
    return db


@pytest.fixture(scope="module")
def story_ids(demo_store: Path) -> list[str]:
    store = open_store(str(demo_store))
    try:
        return [story.id for story in store.stories(limit=100)]
    finally:
        store.close()


def newsloom(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def claims_of(capsys: pytest.CaptureFixture[str], db: Path, story_id: str) -> list[str]:
    _, out = newsloom(capsys, "--db", str(db), "show", story_id, "--format", "json")
    return [s.text for s in brief_claims(Brief.from_json(json.loads(out)))]


def check(capsys: pytest.CaptureFixture[str], db: Path, path: Path, against: str) -> dict[str, object]:
    code, out = newsloom(capsys, "--db", str(db), "check", str(path), "--against", against, "--format", "json")
    report: dict[str, object] = json.loads(out)
    assert code in (0, 3)
    return report


def faults(report: dict[str, object], claims: list[str], where: str) -> Iterator[str]:
    """What is wrong with a brief's check: a claim not read as the brief holds it, or a claim not supported."""
    sentences: list[dict[str, str]] = report["sentences"]  # type: ignore[assignment]
    read = [s["text"] for s in sentences]
    if read != claims:
        yield f"{where}: read {len(read)} sentences for {len(claims)} claims: {sorted(set(read) ^ set(claims))}"
    for sentence in sentences:
        if sentence["label"] != "supported":
            yield f"{where}: {sentence['label']}: {sentence['text']} ({sentence['reason']})"


def test_the_demo_has_its_stories(story_ids: list[str]) -> None:
    assert len(story_ids) >= 10


@pytest.mark.parametrize("kind", ["md", "json", "html"])
def test_every_stored_brief_is_all_supported_as_show_and_export_print_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, demo_store: Path, story_ids: list[str], kind: str
) -> None:
    found = []
    for story_id in story_ids:
        path = tmp_path / f"{story_id}.{kind}"
        if kind == "html":
            exported = newsloom(
                capsys, "--db", str(demo_store), "export", "--format", "html", "--story", story_id, "-o", str(path)
            )
            assert exported[0] == 0
        else:
            _, out = newsloom(capsys, "--db", str(demo_store), "show", story_id, "--format", kind)
            path.write_text(out, encoding="utf-8")
        report = check(capsys, demo_store, path, story_id)
        assert report["read_as"] == {"md": "markdown brief", "json": "json brief", "html": "html"}[kind]
        found += faults(report, claims_of(capsys, demo_store, story_id), f"{story_id} ({kind})")
    assert not found, "\n".join(found)


def test_every_story_page_of_the_reader_is_all_supported(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, demo_store: Path, story_ids: list[str]
) -> None:
    found = []
    with TestClient(create_app(str(demo_store), Settings(db=str(demo_store))), base_url="http://127.0.0.1") as client:
        pages = {story_id: client.get(f"/stories/{story_id}").text for story_id in story_ids}
    for story_id, page in pages.items():
        path = tmp_path / f"{story_id}.html"
        path.write_text(page, encoding="utf-8")
        found += faults(check(capsys, demo_store, path, story_id), claims_of(capsys, demo_store, story_id), story_id)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("kind", ["md", "json"])
def test_a_brief_written_from_a_story_file_is_all_supported_against_that_file(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    demo_store: Path,
    story_ids: list[str],
    demo_records: list[dict[str, object]],
    kind: str,
) -> None:
    """The command from the issue: `newsloom brief story.jsonl > b.md; newsloom check b.md --against story.jsonl`."""
    store = open_store(str(demo_store))
    try:
        members = {story_id: {a.id for a in store.story_articles(story_id)} for story_id in story_ids}
    finally:
        store.close()
    found = []
    for story_id, ids in members.items():
        articles = tmp_path / f"{story_id}.jsonl"
        articles.write_text("".join(json.dumps(r) + "\n" for r in demo_records if r["id"] in ids), encoding="utf-8")
        _, written = newsloom(capsys, "brief", str(articles), "--format", kind)
        brief = tmp_path / f"{story_id}-brief.{kind}"
        brief.write_text(written, encoding="utf-8")
        _, data = newsloom(capsys, "brief", str(articles), "--format", "json")
        claims = [s.text for s in brief_claims(Brief.from_json(json.loads(data)))]
        found += faults(check(capsys, demo_store, brief, str(articles)), claims, f"{story_id} ({kind})")
    assert not found, "\n".join(found)
