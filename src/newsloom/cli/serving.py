"""The commands that publish the store: serve (reader, API, feeds over HTTP) and export (briefs to a file)."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from rich.console import Console

from newsloom.cli.common import UserError, write_output
from newsloom.config import Settings
from newsloom.store import open_store
from newsloom.text.counts import plural


def serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Serve the store over HTTP: the web reader at /, the JSON API under /api/ (schema at "
        "/api/openapi.json) and Atom, RSS and JSON feeds of briefs under /feeds/. Reads the same store the watch "
        "loop writes. Listens on 127.0.0.1:8000 unless told otherwise ([serve] host/port). Writes (POST articles, "
        "feeds) need the token from [serve] token or NEWSLOOM_SERVE_TOKEN; without one they are refused."
    )
    parser.add_argument("--host", help="the address to listen on (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, help="the port (default 8000)")


def run_serve(args: argparse.Namespace, settings: Settings, out: Console, err: Console) -> int:
    changes = {k: v for k, v in {"host": args.host, "port": args.port}.items() if v is not None}
    settings = dataclasses.replace(settings, serve=dataclasses.replace(settings.serve, **changes))
    try:
        import uvicorn

        from newsloom.serve import create_app
    except ImportError as error:  # pragma: no cover - both are dependencies
        raise UserError(f"serving needs fastapi and uvicorn ({error}); reinstall newsloom") from error
    serve = settings.serve
    app = create_app(settings.db, settings)
    shown = f"[{serve.host}]" if ":" in serve.host else serve.host
    err.print(f"newsloom reader at http://{shown}:{serve.port}/ · API /api/ · feeds /feeds/briefs.atom · Ctrl-C stops")
    if serve.host not in ("127.0.0.1", "localhost", "::1"):
        err.print(f"listening on {serve.host}: other machines can read this store")
        if not serve.allowed_hosts and not serve.base_url:
            err.print(
                "requests are answered only when their Host is "
                + ", ".join(sorted(serve.host_names))
                + ": set [serve] allowed_hosts (NEWSLOOM_SERVE_ALLOWED_HOSTS) to the names readers use"
            )
    if not serve.token:
        err.print("writes are off (no [serve] token or NEWSLOOM_SERVE_TOKEN): reading only")
    verbose = (getattr(args, "verbose", 0) or 0) > 0
    uvicorn.run(
        app,
        host=serve.host,
        port=serve.port,
        log_level="info" if verbose else "warning",
        access_log=verbose,
        server_header=False,
    )
    return 0


def export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Write each story's latest brief, newest story first: md (Markdown, as `show` prints), html "
        '(one page that needs nothing else) or jsonl ({"story": ..., "brief": ...} per line).'
    )
    parser.add_argument("--format", choices=("md", "html", "jsonl"), default="md", help="md (default), html or jsonl")
    parser.add_argument("--output", "-o", default="-", help="where to write (default: standard output)")
    parser.add_argument("--story", action="append", metavar="STORY", help="only this story (repeatable)")
    parser.add_argument("--outlet", help="only stories this outlet covered")
    parser.add_argument("--entity", help="only stories about this key player")
    parser.add_argument("--limit", type=int, metavar="N", help="at most N stories")


def run_export(args: argparse.Namespace, settings: Settings, out: Console, err: Console) -> int:
    from newsloom.present.export import export_briefs, export_to_path
    from newsloom.store.base import StoryQuery

    query = None
    if args.outlet or args.entity or args.limit:
        if args.limit is not None and args.limit < 1:
            raise UserError("--limit must be 1 or more")
        query = StoryQuery(outlet=args.outlet, entity=args.entity, limit=args.limit or 1_000_000_000)
    store = open_store(settings.db)
    try:
        if args.output == "-":
            written = export_briefs(store, args.format, sys.stdout, query, args.story)
        else:
            written = export_to_path(store, args.format, Path(args.output), query, args.story)
    finally:
        store.close()
    err.print(
        f"{written} brief{'s' if written != 1 else ''} exported" + ("" if args.output == "-" else f" -> {args.output}")
    )
    return 0


def digest_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Write the top stories of a period (by default the last 24 hours), best first, each with its headline, "
        "dek, what changed in it since the period began (the previous digest: new facts, new outlets, changed "
        "figures, new and settled disputes) and links to the reports. Prints Markdown or HTML, or sends it as an "
        "email (plain text and HTML) with --to and --smtp. Briefs are brought up to date first."
    )
    parser.add_argument(
        "--since", default="24h", help="the period: a length back from now (24h, 90m, 2d, 1w) or a time (default 24h)"
    )
    parser.add_argument("--top", type=int, default=10, metavar="N", help="how many stories (default 10)")
    parser.add_argument("--format", choices=("md", "html"), default="md", help="md (default) or html")
    parser.add_argument("--output", "-o", default="-", help="where to write (default: standard output)")
    parser.add_argument("--base-url", help="the reader's public address, to link each story's page ([serve] base_url)")
    parser.add_argument("--title", default="newsloom digest", help="the digest's title and the email's subject")
    mail = parser.add_argument_group("sending it by email")
    mail.add_argument("--to", action="append", metavar="ADDRESS", help="send the digest to this address (repeatable)")
    mail.add_argument("--smtp", metavar="HOST:PORT", help="the SMTP server to send through (port 25 by default)")
    mail.add_argument("--from", dest="sender", default="newsloom@localhost", help="the sender's address")
    mail.add_argument(
        "--starttls",
        action="store_true",
        help="switch to TLS before sending; with NEWSLOOM_SMTP_USER and NEWSLOOM_SMTP_PASSWORD set, log in too",
    )


def run_digest(args: argparse.Namespace, settings: Settings, out: Console, err: Console) -> int:
    import os
    from datetime import UTC, datetime

    from newsloom.drivers.digest import gather_digest, period_start
    from newsloom.drivers.pipeline import Pipeline
    from newsloom.present.digest import digest_email, digest_html, digest_markdown
    from newsloom.present.pages import page_templates

    if bool(args.to) != bool(args.smtp):
        raise UserError("--to and --smtp go together: the address to send to and the server to send through")
    host, port = _smtp_address(args.smtp) if args.smtp else ("", 0)
    now = datetime.now(UTC)
    start = period_start(args.since, now)
    store = open_store(settings.db)
    try:
        pipeline = Pipeline(settings, store)
        digest = gather_digest(
            store,
            start,
            now,
            top=args.top,
            base_url=args.base_url or settings.serve.base_url or None,
            title=args.title,
            write_briefs=pipeline.write_briefs,
        )
    finally:
        store.close()
    templates = page_templates(settings.serve.site_title)
    if args.to:
        import smtplib

        message = digest_email(digest, templates, args.sender, args.to)
        try:
            with smtplib.SMTP(host, port, timeout=60) as smtp:
                if args.starttls:
                    smtp.starttls()
                    user, password = os.environ.get("NEWSLOOM_SMTP_USER"), os.environ.get("NEWSLOOM_SMTP_PASSWORD")
                    if user and password:
                        smtp.login(user, password)
                refused = smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as error:
            raise UserError(f"could not send the digest through {host}:{port}: {error}") from None
        sent = [a for a in args.to if a not in refused]
        err.print(f"digest of {plural(len(digest.stories), 'story')} sent to {', '.join(sent)} through {host}:{port}")
        if refused:
            err.print(f"refused by the server: {', '.join(refused)}")
            return 1
        return 0
    text = digest_markdown(digest) if args.format == "md" else digest_html(digest, templates)
    write_output(text, args.output, err, f"digest of {plural(len(digest.stories), 'story')}")
    return 0


def _smtp_address(text: str) -> tuple[str, int]:
    host, colon, port = text.rpartition(":")
    if not colon:
        return text, 25
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise UserError(f"--smtp: write HOST:PORT (e.g. 127.0.0.1:25), not '{text}'")
    return host.strip("[]"), int(port)
