"""The watch loop end to end: a real HTTP server on 127.0.0.1, feeds and pages, bad feeds, kill -9 and restart."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from httpserver import LocalServer, Reply
from newsloom.cli import main
from newsloom.evaluate.metrics import bcubed
from newsloom.text.urls import canonical_url
from newsroom_site import demo_articles, mount_demo, opml

FAST = {
    "NEWSLOOM_FETCH_HOST_DELAY": "0",
    "NEWSLOOM_FETCH_HOST_CONCURRENCY": "8",
    "NEWSLOOM_FETCH_BACKOFF_SECONDS": "0.01",
    "NEWSLOOM_FETCH_TOTAL_SECONDS": "3",
    "NEWSLOOM_FETCH_READ_TIMEOUT": "2",
}


@pytest.fixture
def fast_fetching(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in FAST.items():
        monkeypatch.setenv(key, value)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def stored(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql).fetchall()


@pytest.mark.usefixtures("fast_fetching")
def test_watch_once_follows_an_opml_of_feeds_into_stories(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = str(tmp_path / "news.db")
    with LocalServer() as server:
        feeds = mount_demo(server, conditional=True)
        subscriptions = tmp_path / "feeds.opml"
        subscriptions.write_text(opml(feeds), encoding="utf-8")
        code, out, _ = run(capsys, "--db", db, "feeds", "add", "--allow-private", str(subscriptions))
        assert code == 0 and f"{len(feeds)} feed(s) added" in out

        code, out, err = run(capsys, "--db", db, "watch", "--once", "--allow-private", "--interval", "0s")
        assert code == 0, err
        assert "46 new articles" in out

        # Every page was fetched: articles carry the full text, not the one-sentence summary.
        texts = {row[0]: row[1] for row in stored(Path(db), "SELECT canonical_url, text FROM articles")}
        assert len(texts) == 46
        assert all(len(str(text).split()) >= 100 for text in texts.values())
        # The canonical URL drops the tracking parameter the page's <link rel="canonical"> carries.
        assert not any("utm_source" in str(url) for url in texts)

        # The stories agree with the demo's gold labels as well as when the corpus is read from a file.
        gold_by_url = {server.url(f"/{_slug(a['source'])}/{a['id']}.html"): a["id"] for a in demo_articles()}
        labels = {
            json.loads(line)["id"]: json.loads(line)["label"]
            for line in (Path(__file__).parent.parent / "examples/demo/gold.jsonl").read_text().splitlines()
        }
        rows = stored(Path(db), "SELECT canonical_url, story_id FROM articles")
        by_canonical = {canonical_url(url): article_id for url, article_id in gold_by_url.items()}
        predicted = {by_canonical[str(url)]: str(story) for url, story in rows}
        assert bcubed(predicted, labels).f1 >= 0.9

        # A second round: the feeds answer 304 Not Modified, nothing changes.
        code, out, err = run(capsys, "--db", db, "watch", "--once", "--allow-private", "--interval", "0s")
        assert code == 0
        assert "0 new articles" in out and "not modified" in err
        feed_requests = [r for r in server.received if r.path.endswith("/feed.xml")]
        assert any("if-none-match" in r.headers for r in feed_requests)

        code, out, _ = run(capsys, "--db", db, "feeds", "list", "--json")
        listed = [json.loads(line) for line in out.splitlines()]
        assert {f["url"] for f in listed} == set(feeds)
        assert sum(f["articles_seen"] for f in listed) == 46
        assert all(f["status"] == "ok" and f["last_success"] for f in listed)

        code, out, _ = run(capsys, "--db", db, "feeds", "export")
        assert code == 0 and out.count("xmlUrl=") == len(feeds)


def billion_laughs(levels: int = 9) -> bytes:
    """The classic entity-expansion bomb: a few hundred bytes that expand to a billion 'lol's."""
    entities = ['<!ENTITY lol0 "lol">']
    entities += [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels + 1)]
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [{"".join(entities)}]>\n'
        f'<rss version="2.0"><channel><title>&lol{levels};</title></channel></rss>'
    ).encode()


def _slug(outlet: str) -> str:
    from newsroom_site import outlet_slug

    return outlet_slug(outlet)


@pytest.mark.usefixtures("fast_fetching")
def test_bad_feeds_are_recorded_and_the_good_ones_carry_on(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = str(tmp_path / "news.db")
    with LocalServer() as server:
        feeds = mount_demo(server)
        good = next(iter(feeds))
        server.static("/missing.xml", b"not here", status=404)
        server.static("/gone.xml", b"", status=410)
        server.static("/broken.xml", b"<rss><channel><title>Half", headers={"Content-Type": "application/rss+xml"})
        server.static(
            "/page.xml", b"<!DOCTYPE html><html><body><p>Hello</p></body></html>", headers={"Content-Type": "text/html"}
        )
        bomb = billion_laughs()
        server.static("/bomb.xml", bomb, headers={"Content-Type": "application/rss+xml"})
        server.gzip_bomb("/zip-bomb.xml")
        server.trickle("/slow.xml", chunks=50, interval=0.2)
        server.sequence("/flaky.xml", Reply(503), Reply(503), Reply(503), Reply(503), Reply(503))
        bad = ["/missing.xml", "/gone.xml", "/broken.xml", "/page.xml", "/bomb.xml", "/zip-bomb.xml", "/slow.xml"]
        bad.append("/flaky.xml")
        urls = [good] + [server.url(path) for path in bad]
        code, _, _ = run(capsys, "--db", db, "feeds", "add", "--no-check", "--allow-private", *urls)
        assert code == 0

        code, out, _ = run(capsys, "--db", db, "watch", "--once", "--allow-private")
        assert code == 0
        assert stored(Path(db), "SELECT count(*) FROM articles")[0][0] >= 1  # the good feed's entries went in

        code, out, _ = run(capsys, "--db", db, "feeds", "list", "--json")
        health = {f["url"]: f for f in map(json.loads, out.splitlines())}
        assert health[good]["status"] == "ok"
        expectations = {
            "/missing.xml": "404",
            "/gone.xml": "410",
            "/broken.xml": "",
            "/page.xml": "HTML page",
            "/bomb.xml": "entities",
            "/zip-bomb.xml": "bytes",
            "/slow.xml": "timed out",
            "/flaky.xml": "503",
        }
        for path, words in expectations.items():
            feed = health[server.url(path)]
            assert feed["status"] != "ok", path
            assert feed["last_error"] or feed["retired"], path
            assert words in (feed["last_error"] or feed["retired"] or ""), (path, feed["last_error"])
        assert health[server.url("/gone.xml")]["status"] == "retired"
        assert health[server.url("/missing.xml")]["status"].startswith("failing")

        # The failing feeds wait longer before their next poll than a healthy feed's interval.
        assert health[server.url("/missing.xml")]["next_poll"] > health[good]["last_success"]


def test_the_fetcher_refuses_loopback_unless_allowed(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = str(tmp_path / "news.db")
    with LocalServer() as server:
        feeds = mount_demo(server)
        url = next(iter(feeds))
        code, _, err = run(capsys, "--db", db, "feeds", "add", url)
        assert code == 1
        assert "127.0.0.1" in err and "allow" in err
        # Unread feeds are vetted too: with the check skipped, and every feed of an OPML file.
        subscriptions = tmp_path / "feeds.opml"
        subscriptions.write_text(opml({url: "Local", "http://169.254.169.254/latest/": "Metadata"}), encoding="utf-8")
        for unread in (["--no-check", url], ["--no-check", "http://[::ffff:127.0.0.1]/feed"], [str(subscriptions)]):
            code, out, err = run(capsys, "--db", db, "feeds", "add", *unread)
            assert code == 1 and "refused" in err and "0 feed(s) added" in out, unread
        assert run(capsys, "--db", db, "feeds", "list", "--json")[1] == ""
        code, out, _ = run(capsys, "--db", db, "feeds", "add", "--allow-private", url)
        assert code == 0 and "following" in out


@pytest.mark.usefixtures("fast_fetching")
def test_ingest_url_extracts_a_page(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = str(tmp_path / "news.db")
    with LocalServer() as server:
        mount_demo(server)
        article = demo_articles()[0]
        url = server.url(f"/{_slug(article['source'])}/{article['id']}.html")
        code, out, err = run(capsys, "--db", db, "ingest", "--allow-private", url)
        assert code == 0, err
        assert "1 new article" in out
        title, outlet, text = stored(Path(db), "SELECT title, outlet, text FROM articles")[0]
        assert title == article["title"]
        assert outlet == article["source"]
        assert "Subscribe to our newsletter" not in str(text)
        assert str(text).split()[:5] == article["text"].split()[:5] or article["text"][:80] in str(text)


def test_watch_killed_mid_ingest_and_restarted_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    db = tmp_path / "news.db"
    env = {**os.environ, **FAST, "NEWSLOOM_BATCH_SIZE": "2", "NEWSLOOM_DB": str(db)}
    with LocalServer() as server:
        feeds = mount_demo(server)
        subscriptions = tmp_path / "feeds.opml"
        subscriptions.write_text(opml(feeds), encoding="utf-8")
        newsloom = [sys.executable, "-m", "newsloom"]
        subprocess.run(
            [*newsloom, "feeds", "add", "--allow-private", str(subscriptions)], env=env, check=True, capture_output=True
        )

        watcher = subprocess.Popen(
            [*newsloom, "watch", "--allow-private", "--interval", "1s"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                count = stored(db, "SELECT count(*) FROM articles")[0][0] if db.exists() else 0
                if 0 < int(count) < 46:  # type: ignore[call-overload]
                    break
                time.sleep(0.01)
            watcher.send_signal(signal.SIGKILL)
        finally:
            watcher.wait(timeout=30)
        partial = stored(db, "SELECT count(*) FROM articles")[0][0]
        assert 0 < int(partial) < 46  # type: ignore[call-overload]

        time.sleep(1.2)  # every feed is due again
        restart = subprocess.run(
            [*newsloom, "watch", "--once", "--allow-private", "--interval", "1s"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert restart.returncode == 0, restart.stderr

    ids = [row[0] for row in stored(db, "SELECT id FROM articles")]
    urls = [row[0] for row in stored(db, "SELECT canonical_url FROM articles")]
    assert len(ids) == 46 and len(set(urls)) == 46  # nothing lost, nothing twice
    orphans = stored(db, "SELECT count(*) FROM articles a LEFT JOIN stories s ON s.id = a.story_id WHERE s.id IS NULL")
    assert orphans[0][0] == 0
    counts = stored(db, "SELECT s.articles, (SELECT count(*) FROM articles a WHERE a.story_id = s.id) FROM stories s")
    assert all(a == b for a, b in counts)
    # Each feed counted its articles with the batch that stored them, so the kill left no count behind.
    assert stored(db, "SELECT sum(articles_seen) FROM feeds") == [(46,)]


def test_watch_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    db = tmp_path / "news.db"
    env = {**os.environ, **FAST, "NEWSLOOM_DB": str(db)}
    with LocalServer() as server:
        feeds = mount_demo(server)
        newsloom = [sys.executable, "-m", "newsloom"]
        subprocess.run(
            [*newsloom, "feeds", "add", "--no-check", "--allow-private", *feeds],
            env=env,
            check=True,
            capture_output=True,
        )
        watcher = subprocess.Popen(
            [*newsloom, "watch", "--allow-private", "--interval", "1h"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # wait for the first round to finish: every feed recorded
            polled = stored(db, "SELECT count(*) FROM feeds WHERE last_success IS NOT NULL") if db.exists() else [(0,)]
            if polled[0][0] == len(feeds):
                break
            time.sleep(0.05)
        watcher.send_signal(signal.SIGINT)
        out, err = watcher.communicate(timeout=20)
    assert watcher.returncode == 0, err
    assert "stopping" in err
    assert "round done" in out
    assert stored(db, "SELECT count(*) FROM articles")[0][0] == 46
