"""Start-up stays light: ``newsloom --help``, ``--version``, ``stories`` and ``show`` load none of the models and
heavy libraries other commands need. Checked on the modules a fresh interpreter holds afterwards, not on a clock
(docs/benchmarks.md has the seconds)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from factories import ferry_articles, orchestra_article, records, write_jsonl
from newsloom.cli import main
from newsloom.stories.terms import story_id_for

# Each of these takes from a tenth of a second to seconds to import, and reading the store needs none of them.
HEAVY = (
    "spacy",
    "onnxruntime",
    "datasketch",
    "scipy",
    "fastapi",
    "numpy",
    "httpx",
    "rapidfuzz",
    "trafilatura",
    "feedparser",
    "tokenizers",
    "uvicorn",
)


def run_fresh(tmp_path: Path, *argv: str) -> tuple[int, list[str]]:
    """``newsloom ARGV`` in a new interpreter: its exit status, and the heavy modules loaded by then."""
    report = tmp_path / "modules.json"
    probe = f"""
import contextlib, io, json, sys
from newsloom.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    try:
        code = main({list(argv)!r})
    except SystemExit as exit:
        code = exit.code
heavy = sorted(name for name in {HEAVY!r} if name in sys.modules)
open({str(report)!r}, "w").write(json.dumps({{"code": code, "heavy": heavy}}))
"""
    subprocess.run([sys.executable, "-c", probe], check=True, timeout=120)
    found = json.loads(report.read_text())
    return found["code"], found["heavy"]


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["show", "--help"], []])
def test_the_parser_loads_no_heavy_module(tmp_path: Path, argv: list[str]) -> None:
    code, heavy = run_fresh(tmp_path, *argv)
    assert code in (0, 2)  # no command: the help, and status 2
    assert heavy == []


def test_reading_stories_and_a_brief_loads_no_heavy_module(tmp_path: Path) -> None:
    db = str(tmp_path / "newsloom.db")
    articles = write_jsonl(tmp_path / "ferry.jsonl", records([*ferry_articles(), orchestra_article()]))
    assert main(["--db", db, "ingest", str(articles)]) == 0
    ferry = story_id_for("ferry-wire")
    muted = ["stories", "--sort", "top", "--mute-outlet", "Coastal Times", "--prefer-outlet", "Northgate Post"]
    for argv in (["stories"], ["stories", "--json"], muted, ["show", ferry], ["show", ferry, "--articles"], ["status"]):
        assert run_fresh(tmp_path, "--db", db, *argv) == (0, []), argv
