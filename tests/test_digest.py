"""The digest (`newsloom digest`, drivers/digest.py, present/digest.py): the top stories of a period with what
changed in each, printed as Markdown or HTML, sent to an SMTP server the test starts on 127.0.0.1, and served as an
Atom feed of daily digests. Every outlet, person and event here is made up."""

from __future__ import annotations

import email
import socket
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from xml.etree import ElementTree

import feedparser
import httpx
import pytest
from aiosmtpd.controller import Controller

from factories import ferry_articles, orchestra_article, records, write_jsonl
from newsloom.cli import main
from newsloom.config import Settings
from newsloom.drivers.digest import gather_digest, period_start
from newsloom.serve import create_app
from newsloom.store.sqlite import SQLiteStore
from served import served

ATOM = "{http://www.w3.org/2005/Atom}"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def next_second() -> datetime:
    """A moment on a whole second after every article stored so far (the store keeps times to the second)."""
    time.sleep(1.05)
    return datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(scope="module")
def two_rounds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, datetime, datetime]:
    """A store that took the ferry fire in two rounds: the wire, its reprint and Coastal Times (14 hurt) with an
    unrelated orchestra story first; then Northgate Post (19 hurt, and the fleet's age). Returns the store and the
    times the first round began and the second."""
    folder = tmp_path_factory.mktemp("digest")
    db = folder / "digest.db"
    ferry = ferry_articles()
    first = write_jsonl(folder / "first.jsonl", records([*ferry[:3], orchestra_article()]))
    second = write_jsonl(folder / "second.jsonl", records(ferry[3:]))
    began = datetime.now(UTC).replace(microsecond=0)
    assert main(["--db", str(db), "ingest", str(first)]) == 0
    between = next_second()
    assert main(["--db", str(db), "ingest", str(second)]) == 0
    return db, began, between


def test_a_period_is_a_length_back_from_now_or_a_time() -> None:
    now = datetime(2031, 5, 13, 12, 0, tzinfo=UTC)
    assert period_start("24h", now) == now - timedelta(hours=24)
    assert period_start("90m", now) == now - timedelta(minutes=90)
    assert period_start("2d", now) == now - timedelta(days=2)
    assert period_start("2031-05-12T08:00:00Z", now) == datetime(2031, 5, 12, 8, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="not a length of time or a time"):
        period_start("yesterday-ish", now)
    with pytest.raises(ValueError, match="in the future"):
        period_start("2031-06-01", now)


def test_the_second_rounds_digest_shows_what_it_brought(two_rounds: tuple[Path, datetime, datetime]) -> None:
    db, began, between = two_rounds
    store = SQLiteStore(str(db))
    try:
        digest = gather_digest(store, between, datetime.now(UTC) + timedelta(seconds=2))
        everything = gather_digest(store, began, datetime.now(UTC) + timedelta(seconds=2))
    finally:
        store.close()
    # Only the ferry story took a report in the second round; the orchestra story had none.
    [ferry] = digest.stories
    assert ferry.story.id.startswith("st-") and not ferry.is_new
    assert ferry.changes is not None
    assert ferry.changes.counts() == {"new_facts": 1, "new_outlets": 1, "changed": 1}
    assert ferry.news_line() == "1 new fact, 1 new outlet, 1 changed figure"
    assert [c.outlet for c in ferry.links] == ["Northgate Post"]  # the report that brought the news
    # Over both rounds, both stories are new; the ferry fire (three outlets) comes before the orchestra (one).
    assert [entry.is_new for entry in everything.stories] == [True, True]
    assert everything.stories[0].story.id == ferry.story.id
    assert everything.stories[0].news_line() == "New story: 3 independent sources"


def test_digest_command_prints_markdown_and_html(
    capsys: pytest.CaptureFixture[str], two_rounds: tuple[Path, datetime, datetime], tmp_path: Path
) -> None:
    db, _, between = two_rounds
    code, out, err = run(capsys, "--db", str(db), "digest", "--since", between.isoformat(), "--top", "5")
    assert code == 0, err
    assert out.startswith("# newsloom digest, ") and ": 1 story" in out.splitlines()[0]
    assert "**1 new fact, 1 new outlet, 1 changed figure**" in out
    assert "- Now also reported by Northgate Post" in out
    assert "- Changed number: 14 (Meridian Wire, Coastal Times) → 19 (Northgate Post)" in out
    assert "[Northgate Post](https://northgatepost.example/2031/05/12/brisk-sound-fleet)" in out
    page = tmp_path / "digest.html"
    code, _, err = run(
        capsys, "--db", str(db), "digest", "--since", "1h", "--format", "html", "-o", str(page),
        "--base-url", "https://news.example",
    )  # fmt: skip
    assert code == 0 and "digest of 2 stories" in err, err
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and "<script" not in html
    assert 'href="https://news.example/stories/st-' in html and "New story: 3 independent sources" in html


def test_digest_refuses_unclear_options(capsys: pytest.CaptureFixture[str], two_rounds: tuple) -> None:
    db = str(two_rounds[0])
    code, _, err = run(capsys, "--db", db, "digest", "--since", "last week")
    assert code == 1 and "not a length of time or a time" in err
    code, _, err = run(capsys, "--db", db, "digest", "--to", "reader@example.org")
    assert code == 1 and "--to and --smtp go together" in err
    code, _, err = run(capsys, "--db", db, "digest", "--top", "0")
    assert code == 1 and "--top must be at least 1" in err


class Mailbox:
    """What the SMTP server the test runs received: each message as bytes, with its envelope."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        got = envelope  # an aiosmtpd Envelope
        self.received.append((got.mail_from, list(got.rcpt_tos), got.content))  # type: ignore[attr-defined]
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, Mailbox]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, mailbox
    finally:
        controller.stop()


def test_the_digest_arrives_at_an_smtp_server_as_a_multipart_email(
    capsys: pytest.CaptureFixture[str], two_rounds: tuple[Path, datetime, datetime], smtp_server: tuple[int, Mailbox]
) -> None:
    db, _, between = two_rounds
    port, mailbox = smtp_server
    code, _, err = run(
        capsys, "--db", str(db), "digest", "--since", between.isoformat(), "--to", "reader@example.org",
        "--to", "editor@example.org", "--smtp", f"127.0.0.1:{port}", "--from", "desk@newsloom.example",
    )  # fmt: skip
    assert code == 0, err
    assert "sent to reader@example.org, editor@example.org" in err
    [(sender, recipients, content)] = mailbox.received
    assert sender == "desk@newsloom.example" and recipients == ["reader@example.org", "editor@example.org"]
    message = email.message_from_bytes(content, policy=default)
    assert isinstance(message, EmailMessage)
    assert message["Subject"].startswith("newsloom digest, ") and message["Subject"].endswith(": 1 story")
    assert message.get_content_type() == "multipart/alternative"
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert plain is not None and html is not None
    assert "1 new fact, 1 new outlet, 1 changed figure" in plain.get_content()
    assert "Now also reported by Northgate Post" in html.get_content()


def test_a_server_that_is_not_there_is_a_clear_error(
    capsys: pytest.CaptureFixture[str], two_rounds: tuple[Path, datetime, datetime]
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    code, _, err = run(
        capsys, "--db", str(two_rounds[0]), "digest", "--to", "reader@example.org", "--smtp", f"127.0.0.1:{port}"
    )
    assert code == 1 and f"could not send the digest through 127.0.0.1:{port}" in err


def test_digest_text_is_escaped_everywhere(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hostile = replace(
        orchestra_article(),
        title="Corvell names *Raszek* as 1 < 2 & <i>more</i>",
        outlet="Summit & Sons [Observer](javascript:alert(1))",
    )
    db = tmp_path / "hostile.db"
    assert main(["--db", str(db), "ingest", str(write_jsonl(tmp_path / "h.jsonl", records([hostile])))]) == 0
    capsys.readouterr()
    code, out, _ = run(capsys, "--db", str(db), "digest", "--since", "1h")
    assert code == 0 and ": 1 story" in out
    assert r"names \*Raszek\*" in out and r"Sons \[Observer\](javascript:alert(1))" in out
    page = tmp_path / "h.html"
    assert main(["--db", str(db), "digest", "--since", "1h", "--format", "html", "-o", str(page)]) == 0
    html = page.read_text(encoding="utf-8")
    assert 'href="javascript' not in html and "<i>" not in html
    assert "Summit &amp; Sons [Observer](javascript:alert(1))</a>" in html


def test_the_daily_digests_feed(two_rounds: tuple[Path, datetime, datetime]) -> None:
    db = two_rounds[0]
    with served(create_app(str(db), Settings(db=str(db)))) as site:
        response = httpx.get(site + "/feeds/digest.atom", params={"days": 2, "top": 5})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/atom+xml")
        assert httpx.get(site + "/feeds/digest.atom", params={"days": 0}).status_code == 422
        schema = httpx.get(site + "/api/openapi.json").json()
        assert "/feeds/digest.atom" in schema["paths"]
    feed = ElementTree.fromstring(response.content)
    [entry] = feed.findall(f"{ATOM}entry")  # everything was stored today
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    assert entry.findtext(f"{ATOM}id", "").endswith(f"/feeds/digest.atom#{today}")
    assert entry.findtext(f"{ATOM}title", "").endswith(": 2 stories")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo and len(parsed.entries) == 1
    assert "New story: 3 independent sources" in parsed.entries[0].content[0].value
