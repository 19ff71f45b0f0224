import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from factories import ferry_articles, make_stream, orchestra_article, records, write_jsonl
from newsloom.cli import main
from newsloom.store.sqlite import SQLiteStore
from newsloom.stories.terms import story_id_for


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_module(*argv: str, home: Path, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLOOM_")}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"), XDG_CONFIG_HOME=str(home / "config"))
    env.update(extra_env or {})
    return subprocess.run(
        [sys.executable, "-m", "newsloom", *argv], capture_output=True, text=True, env=env, timeout=120, check=False
    )


@pytest.fixture
def ferry_file(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "ferry.jsonl", records([*ferry_articles(), orchestra_article()]))


@pytest.fixture
def ingested(capsys: pytest.CaptureFixture[str], ferry_file: Path, db_path: Path) -> Path:
    code, out, _ = run(capsys, "--db", str(db_path), "ingest", str(ferry_file))
    assert code == 0
    assert "5 new articles" in out
    return db_path


# -- cluster: the scripted contract -----------------------------------------------------------------------------
def test_cluster_writes_one_line_per_valid_article_in_order_and_needs_no_database(tmp_path: Path) -> None:
    stream, _ = make_stream(25, seed=8)
    lines = [json.dumps(r) for r in stream]
    lines.insert(3, "{broken json")
    lines.insert(10, '{"id": "no-text"}')
    lines.insert(12, "")
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    output = tmp_path / "out" / "stories.jsonl"
    output.parent.mkdir()
    home = tmp_path / "home"
    home.mkdir()
    result = run_module("cluster", str(source), "--output", str(output), home=home)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [row["id"] for row in rows] == [r["id"] for r in stream]
    assert all(set(row) == {"id", "story"} and row["story"].startswith("st-") for row in rows)
    assert rows[0]["story"] == story_id_for(str(stream[0]["id"]))
    assert f"{source}:4" in result.stderr and f"{source}:11" in result.stderr
    assert result.stdout == ""
    # No store anywhere: not in the data folder, not in the working folders (onnxruntime keeps a file of its own).
    stores = [p for p in tmp_path.rglob("*.db") if ".onnxruntime" not in p.parts]
    assert not stores


def test_cluster_to_standard_output_groups_one_event(capsys: pytest.CaptureFixture[str], ferry_file: Path) -> None:
    code, out, _ = run(capsys, "cluster", str(ferry_file))
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    ferry = story_id_for("ferry-wire")
    assert rows == [
        {"id": "ferry-wire", "story": ferry},
        {"id": "ferry-valley", "story": ferry},
        {"id": "ferry-coastal", "story": ferry},
        {"id": "ferry-northgate", "story": ferry},
        {"id": "orchestra-1", "story": story_id_for("orchestra-1")},
    ]


def test_cluster_is_deterministic(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    stream, _ = make_stream(20, seed=3)
    source = write_jsonl(tmp_path / "s.jsonl", stream)
    first = run(capsys, "cluster", str(source))
    second = run(capsys, "cluster", str(source))
    assert first[0] == second[0] == 0
    assert first[1] == second[1] and len(first[1].splitlines()) == len(stream)


def test_cluster_of_a_missing_file_fails_with_a_message(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, "cluster", str(tmp_path / "missing.jsonl"))
    assert code == 1
    assert "no such file" in err
    assert out == ""


# -- brief: the scripted contract -------------------------------------------------------------------------------
@pytest.mark.parametrize("limit", [20, 50, 120])
def test_brief_json_shape_and_word_limit(capsys: pytest.CaptureFixture[str], tmp_path: Path, limit: int) -> None:
    source = write_jsonl(tmp_path / "ferry.jsonl", records(ferry_articles()))
    code, out, _ = run(capsys, "brief", str(source), "--format", "json", "--max-words", str(limit))
    assert code == 0
    data = json.loads(out)
    assert isinstance(data["headline"], str) and data["headline"]
    assert isinstance(data["dek"], str)
    assert isinstance(data["paragraphs"], list)
    input_ids = {a.id for a in ferry_articles()}
    body_words = 0
    for paragraph in data["paragraphs"]:
        assert isinstance(paragraph, list) and paragraph
        for sentence in paragraph:
            assert isinstance(sentence["text"], str) and sentence["text"]
            assert sentence["sources"] and set(sentence["sources"]) <= input_ids
            body_words += len(sentence["text"].split())
    assert set(data["dek_sources"]) <= input_ids
    assert body_words + len(data["dek"].split()) <= limit
    if limit >= 50:
        assert body_words > 0


def test_brief_markdown_has_a_heading_and_sources(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "ferry.jsonl", records(ferry_articles()))
    code, out, _ = run(capsys, "brief", str(source), "--format", "md")
    assert code == 0
    assert out.startswith("# ")
    assert "**Sources**" in out
    assert "(id ferry-wire)" in out


def test_check_reads_the_brief_that_brief_printed(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "ferry.jsonl", records(ferry_articles()))
    _, markdown, _ = run(capsys, "brief", str(source))
    brief = tmp_path / "b.md"
    brief.write_text(markdown, encoding="utf-8")
    code, out, _ = run(capsys, "check", str(brief), "--against", str(source), "--format", "text")
    assert code == 0, out
    last = out.rstrip().splitlines()[-1]
    assert last.startswith("read as markdown brief: ") and "not checked, as not claims (heading " in last
    assert "UNSUPPORTED" not in out and "Key players" not in out and "Coverage:" not in out
    bare = tmp_path / "b"  # no suffix: the content says it is a brief
    bare.write_text(markdown, encoding="utf-8")
    assert run(capsys, "check", str(bare), "--against", str(source), "--format", "text")[1] == out


def test_brief_from_standard_input() -> None:
    text = "".join(json.dumps(r) + "\n" for r in records(ferry_articles()))
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLOOM_")}
    result = subprocess.run(
        [sys.executable, "-m", "newsloom", "brief", "-", "--format", "json"],
        input=text,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["coverage"]["articles"] == 4


def test_brief_rejects_a_non_positive_limit_and_empty_input(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "ferry.jsonl", records(ferry_articles()))
    code, _, err = run(capsys, "brief", str(source), "--max-words", "0")
    assert code == 1 and "--max-words" in err
    empty = tmp_path / "empty.jsonl"
    empty.write_text('{"id": "x"}\n', encoding="utf-8")
    code, _, err = run(capsys, "brief", str(empty))
    assert code == 1 and "no readable article" in err


# -- commands on a store --------------------------------------------------------------------------------------
def test_ingest_reports_and_status_counts(capsys: pytest.CaptureFixture[str], ingested: Path) -> None:
    code, out, _ = run(capsys, "status", "--db", str(ingested))
    assert code == 0
    assert str(ingested) in out
    for line in ("articles: 5", "syndication groups: 4", "stories: 2", "briefs: 2", "quarantined: 0"):
        assert line in out


def test_ingest_again_adds_nothing(capsys: pytest.CaptureFixture[str], ingested: Path, ferry_file: Path) -> None:
    code, out, _ = run(capsys, "ingest", str(ferry_file), "--db", str(ingested))
    assert code == 0
    assert "0 new articles (5 already stored, 0 rejected)" in out


def test_stories_json_lists_newest_first(capsys: pytest.CaptureFixture[str], ingested: Path) -> None:
    code, out, _ = run(capsys, "--db", str(ingested), "stories", "--json")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in rows] == [story_id_for("orchestra-1"), story_id_for("ferry-wire")]
    assert rows[1]["articles"] == 4 and rows[1]["independent_sources"] == 3
    assert rows[1]["last_published"] == "2031-05-12T15:00:00Z"


def test_stories_sorted_top_with_outlets_and_words_muted_and_preferred(
    capsys: pytest.CaptureFixture[str], ingested: Path
) -> None:
    ferry, orchestra = story_id_for("ferry-wire"), story_id_for("orchestra-1")

    def rows(*options: str) -> list[dict[str, object]]:
        code, out, _ = run(capsys, "--db", str(ingested), "stories", "--json", *options)
        assert code == 0
        return [json.loads(line) for line in out.splitlines()]

    # The ferry: three sources, all within the six hours up to its latest report (15:00), an hour before the
    # orchestra's one source (16:00): (3 + 2 * 3) * 0.5 ** (1 / 12) against 1 + 2 * 1.
    top = rows("--sort", "top")
    assert [r["id"] for r in top] == [ferry, orchestra]
    assert top[0]["top_score"] == pytest.approx(9 * 0.5 ** (1 / 12), abs=1e-4) and top[1]["top_score"] == 3.0
    assert rows("--order", "top") == top
    # Muting: the counts leave the outlet out (its name in any case), and a story it alone told is hidden.
    muted = rows("--sort", "top", "--mute-outlet", "northgate POST", "--mute-outlet", "The Summit Observer")
    assert [r["id"] for r in muted] == [ferry]
    assert muted[0]["articles"] == 3 and muted[0]["independent_sources"] == 2 and muted[0]["muted_articles"] == 1
    assert "Northgate Post" not in muted[0]["outlets"]  # type: ignore[operator]
    assert [r["id"] for r in rows("--mute-word", "Philharmonic")] == [ferry]
    preferred = rows("--prefer-outlet", "Coastal Times")
    assert [(r["id"], r["preferred"]) for r in preferred] == [(ferry, True), (orchestra, False)]
    assert rows("--sort", "top") == top  # nothing changed in the store

    code, out, err = run(capsys, "--db", str(ingested), "stories", "--sort", "top", "--mute-outlet", "Nowhere Times")
    assert code == 0 and "no outlet named 'Nowhere Times'" in err and "score" in out
    code, _, err = run(capsys, "--db", str(ingested), "stories", "--mute-word", "ferry", "--mute-word", "orchestra")
    assert code == 0 and "no stories left" in err


def test_stories_table_names_every_story(capsys: pytest.CaptureFixture[str], ingested: Path) -> None:
    code, out, _ = run(capsys, "stories", "--db", str(ingested))
    assert code == 0
    assert story_id_for("ferry-wire") in out and story_id_for("orchestra-1") in out
    assert "Corvell Philharmonic" in out


def test_stories_of_an_empty_store_says_how_to_add_some(capsys: pytest.CaptureFixture[str], db_path: Path) -> None:
    code, out, err = run(capsys, "stories", "--db", str(db_path))
    assert code == 0
    assert "newsloom ingest" in err
    assert story_id_for("ferry-wire") not in out


def test_show_by_prefix_in_markdown_and_json(capsys: pytest.CaptureFixture[str], ingested: Path) -> None:
    ferry = story_id_for("ferry-wire")
    code, out, _ = run(capsys, "show", ferry[:6], "--db", str(ingested))
    assert code == 0
    assert out.startswith("# ")
    assert "Meridian Wire" in out and "(id ferry-wire)" in out
    assert f"story {ferry}" in out

    code, out, _ = run(capsys, "show", ferry, "--format", "json", "--articles", "--db", str(ingested))
    assert code == 0
    data = json.loads(out)
    assert data["story"] == ferry
    assert [a["id"] for a in data["articles"]] == ["ferry-wire", "ferry-valley", "ferry-coastal", "ferry-northgate"]
    assert data["coverage"]["independent_sources"] == 3


def test_show_unknown_or_ambiguous_story_fails_with_a_message(
    capsys: pytest.CaptureFixture[str], ingested: Path
) -> None:
    code, out, err = run(capsys, "show", "st-nope", "--db", str(ingested))
    assert code == 1
    assert "no story 'st-nope'" in err
    assert out == ""
    code, _, err = run(capsys, "show", "st-", "--db", str(ingested))
    assert code == 1
    assert "several" in err


def test_show_an_earlier_version(capsys: pytest.CaptureFixture[str], ingested: Path) -> None:
    ferry = story_id_for("ferry-wire")
    code, out, _ = run(capsys, "show", ferry, "--version", "1", "--format", "json", "--db", str(ingested))
    assert code == 0 and json.loads(out)["version"] == 1
    code, _, err = run(capsys, "show", ferry, "--version", "9", "--db", str(ingested))
    assert code == 1 and "version 9" in err


def test_quarantine_lists_rejected_lines(capsys: pytest.CaptureFixture[str], tmp_path: Path, db_path: Path) -> None:
    code, out, _ = run(capsys, "quarantine", "--db", str(db_path))
    assert code == 0 and "nothing in quarantine" in out
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "ok", "title": "Dam opens on the Harl"}\n{oops\n', encoding="utf-8")
    for _ in range(2):
        code, _, err = run(capsys, "--db", str(db_path), "ingest", str(bad))
        assert code == 0
        assert "bad.jsonl" in err
    code, out, _ = run(capsys, "quarantine", "--db", str(db_path))
    assert code == 0
    assert f"{bad}:2" in out
    assert "invalid JSON" in out
    assert "seen 2 times" in out


def test_db_from_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, ingested: Path
) -> None:
    monkeypatch.setenv("NEWSLOOM_DB", str(ingested))
    code, out, _ = run(capsys, "status")
    assert code == 0
    assert "articles: 5" in out


def test_db_flag_wins_over_the_environment(tmp_path: Path, ferry_file: Path) -> None:
    home = tmp_path / "home"
    env_db, flag_db = tmp_path / "env.db", tmp_path / "flag.db"
    result = run_module(
        "--db", str(flag_db), "ingest", str(ferry_file), home=home, extra_env={"NEWSLOOM_DB": str(env_db)}
    )
    assert result.returncode == 0, result.stderr
    assert flag_db.is_file() and not env_db.exists()
    result = run_module("status", home=home, extra_env={"NEWSLOOM_DB": str(flag_db)})
    assert result.returncode == 0
    assert "articles: 5" in result.stdout


def test_default_store_lives_in_the_data_folder(tmp_path: Path, ferry_file: Path) -> None:
    home = tmp_path / "home"
    result = run_module("ingest", str(ferry_file), home=home)
    assert result.returncode == 0, result.stderr
    default = home / "data" / "newsloom" / "newsloom.db"
    assert default.is_file()
    with SQLiteStore(default) as store:
        assert store.counts()["articles"] == 5


def test_a_store_that_is_not_sqlite_is_a_clear_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    notes = tmp_path / "notes.db"
    notes.write_text("not a database\n" * 100, encoding="utf-8")
    code, _, err = run(capsys, "status", "--db", str(notes))
    assert code == 1
    assert "cannot open the store" in err


def test_ingest_of_only_missing_paths_fails(capsys: pytest.CaptureFixture[str], tmp_path: Path, db_path: Path) -> None:
    code, _, err = run(capsys, "ingest", str(tmp_path / "nothing.jsonl"), "--db", str(db_path))
    assert code == 1
    assert "no such file or folder" in err


def test_unknown_config_key_is_an_error(capsys: pytest.CaptureFixture[str], tmp_path: Path, db_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[cluster]\nthreshhold = 0.2\n", encoding="utf-8")
    code, _, err = run(capsys, "status", "--config", str(config), "--db", str(db_path))
    assert code == 1
    assert "threshhold" in err


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys)
    assert code == 2
    assert "usage: newsloom" in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out.startswith("newsloom ")


def test_a_story_argument_that_looks_like_markup_is_an_ordinary_error(
    capsys: pytest.CaptureFixture[str], ingested: Path
) -> None:
    code, _, err = run(capsys, "show", "[/x]", "--db", str(ingested))
    assert code == 1
    assert "no story '[/x]'" in err


def test_rejections_from_a_path_that_looks_like_markup_are_reported(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, db_path: Path
) -> None:
    bad = tmp_path / "[" / "b]" / "feed.jsonl"  # the path contains "[/b]"
    bad.parent.mkdir(parents=True)
    bad.write_text("{oops\n", encoding="utf-8")
    code, _, err = run(capsys, "--db", str(db_path), "ingest", str(bad))
    assert code == 0
    assert "feed.jsonl" in err
    code, out, _ = run(capsys, "--db", str(db_path), "quarantine")
    assert code == 0
    assert f"{bad}:1" in out
