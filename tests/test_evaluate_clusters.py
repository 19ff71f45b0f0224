"""`newsloom evaluate clusters`: the stream through the stories stage, scored against gold labels."""

import json
from pathlib import Path

import pytest

from newsloom.cli import main

DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_demo_stream_scores_perfectly_against_its_gold_labels(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "evaluate", "clusters", str(DEMO / "articles.jsonl"), str(DEMO / "gold.jsonl"), "--format", "json"
    )
    assert code == 0
    report = json.loads(out)
    assert report["bcubed"]["f1"] == pytest.approx(1.0)
    assert report["pairwise"]["f1"] == pytest.approx(1.0)
    assert report["nmi"] == pytest.approx(1.0) and report["ari"] == pytest.approx(1.0)
    assert report["stories"] == report["gold_stories"] == 13
    assert report["articles"] == 46 and report["articles_per_second"] > 0


def test_a_wrong_gold_standard_scores_low_and_the_table_names_every_figure(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    lines = [json.loads(line) for line in (DEMO / "gold.jsonl").read_text().splitlines() if line.strip()]
    everything_one_story = tmp_path / "gold.jsonl"
    everything_one_story.write_text("".join(json.dumps({"id": g["id"], "label": 1}) + "\n" for g in lines))
    code, out, _ = run(capsys, "evaluate", "clusters", str(DEMO / "articles.jsonl"), str(everything_one_story))
    assert code == 0
    for figure in ("B-cubed", "pairwise", "NMI", "ARI", "stories found 13", "in gold 1", "articles"):
        assert figure in out
    assert "1.000" in out  # precision against a single gold story is perfect...
    assert "NMI 0.000" in out  # ...and the stories share no information with it


def test_bad_gold_files_are_clear_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    broken = tmp_path / "gold.jsonl"
    broken.write_text('{"id": "a1", "label": "x"}\n{"id": "a2"}\n')
    code, _, err = run(capsys, "evaluate", "clusters", str(DEMO / "articles.jsonl"), str(broken))
    assert code == 1 and f"{broken}:2" in err
    unrelated = tmp_path / "other.jsonl"
    unrelated.write_text('{"id": "zz-1", "label": "x"}\n')
    code, _, err = run(capsys, "evaluate", "clusters", str(DEMO / "articles.jsonl"), str(unrelated))
    assert code == 1 and "ids" in err
    code, _, err = run(capsys, "evaluate", "clusters", str(tmp_path / "missing.jsonl"), str(unrelated))
    assert code == 1 and "no such file" in err


def test_check_prints_the_json_contract_and_exits_3_when_a_sentence_is_not_supported(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    stated = "The city of Port Alder closed the Alder Harbor Bridge to all traffic early on Monday."
    draft = tmp_path / "draft.md"
    draft.write_text(f"{stated} The ministry also announced a moon base on Tuesday.\n", encoding="utf-8")
    code, out, _ = run(capsys, "check", str(draft), "--against", str(DEMO / "articles.jsonl"), "--format", "json")
    report = json.loads(out)
    assert code == 3
    assert [s["label"] for s in report["sentences"]] == ["supported", "unsupported"]
    assert report["sentences"][0]["evidence"] and {"id", "sentence"} <= set(report["sentences"][0]["evidence"][0])
    assert report["summary"]["supported"] == 1 and report["summary"]["sentences"] == 2
    code, _, err = run(capsys, "check", str(tmp_path / "missing.md"), "--against", str(DEMO / "articles.jsonl"))
    assert code == 1 and "no such file" in err
