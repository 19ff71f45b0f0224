"""URLs and dates: newsloom's ``canonical_url`` and ``parse_date`` against the libraries that come with trafilatura.

Two labelled sets written for the project (fictional sites, no real data):

- ``benchmarks/data/url_pairs.jsonl``: pairs of addresses (``a``, ``b``) with ``same`` true when both name one
  article (tracking parameters, AMP variants, mobile hosts, default ports, host case, trailing slashes, fragments,
  index pages, session ids, percent-encoding, IDN hosts, www) and false when they name two (parameters that pick the
  article such as ``?id=`` or ``?p=``, another page or language edition, path case, hash-bang pages, an escaped
  slash, look-alike hosts). A function gets a pair right when it gives both one canonical form exactly when
  ``same`` says so. The costly error is a *false merge*: the store keeps the first article and drops the second.
- ``benchmarks/data/dates.jsonl``: dates as feeds, JSON records and pages write them (RFC 822 with numeric and
  named zones, ISO 8601 variants, epoch seconds and milliseconds, English, French, German, Spanish, Russian, Arabic
  and Chinese dates as news sites print them, two-digit years, numeric day/month orders, relative dates, garbage)
  with the UTC moment meant, or null where the value must be refused: relative dates (``parse_date`` has no clock of
  the writing: records are read long after), a numeric day/month order only the outlet's locale could settle, and
  garbage. A time without a zone is UTC, as everywhere in newsloom.

Candidates: newsloom's functions (and, with ``--baseline-urls``/``--baseline-dates``, an older copy of
``text/urls.py``/``text/dates.py``), courlan's ``normalize_url`` (default and strict) and ``clean_url``;
``dateutil.parser.parse``, ``dateparser.parse`` (default settings in UTC, and strict: absolute dates with day, month
and year only) and htmldate's string parser ``try_date_expr`` (a day, no time: scored on the day).

Speed is microseconds per call over the whole set, fastest of ``--repeats`` runs (caches cleared before each run
where a function keeps one), and, for dates, over the forms feeds and records write on every article (RFC 822,
ISO 8601, epoch), plus the slowest single call (hostile input must not hang a parser).

Run ``python benchmarks/urls_and_dates.py --help``; ``--write-docs`` records the figures in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import shlex
import sys
import time
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from newsloom.text import dates as newsloom_dates
from newsloom.text import urls as newsloom_urls
from throughput import write_docs

REPO = Path(__file__).resolve().parent.parent
URL_PAIRS = REPO / "benchmarks" / "data" / "url_pairs.jsonl"
DATES = REPO / "benchmarks" / "data" / "dates.jsonl"
DEFAULT_DOCS = REPO / "docs" / "benchmarks.md"
EVERY_ARTICLE = ("rfc822", "iso8601", "epoch")  # what feeds and records write on every article

Canonical = Callable[[str], str | None]
Parser = Callable[[Any], datetime | None]


def _load(path: Path, name: str) -> ModuleType:
    """An older copy of a newsloom text module (``git show REV:src/newsloom/text/urls.py > old_urls.py``)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _clear_caches(function: object) -> None:
    clear = getattr(function, "cache_clear", None)
    if clear:
        clear()


# -- URL candidates ------------------------------------------------------------------------------------------------
def _guarded(function: Callable[[str], str | None]) -> Canonical:
    def canonical(url: str) -> str | None:
        try:
            return function(url)
        except Exception:  # a library that raises on an address gives it no canonical form
            return None

    return canonical


def url_candidates(baseline: Path | None) -> dict[str, tuple[Canonical, str]]:
    from courlan import clean_url, normalize_url

    found: dict[str, tuple[Canonical, str]] = {
        "newsloom": (newsloom_urls.canonical_url, "`canonical_url` of this tree"),
    }
    if baseline:
        old = _load(baseline, "baseline_urls")
        found["newsloom baseline"] = (old.canonical_url, f"`canonical_url` of {baseline.name}")
    found |= {
        "courlan normalize_url": (_guarded(normalize_url), "`normalize_url(url)`, the defaults"),
        "courlan normalize_url strict": (
            _guarded(lambda url: normalize_url(url, strict=True, trailing_slash=False)),
            "`normalize_url(url, strict=True, trailing_slash=False)`: known parameters only, no fragment",
        ),
        "courlan clean_url": (_guarded(clean_url), "`clean_url(url)`: `scrub_url` then `normalize_url`"),
    }
    return found


def score_urls(canonical: Canonical, pairs: list[dict[str, Any]]) -> dict[str, Any]:
    by_case: dict[str, Counter[str]] = defaultdict(Counter)
    wrong: list[str] = []
    totals: Counter[str] = Counter()
    for pair in pairs:
        a, b = canonical(pair["a"]), canonical(pair["b"])
        merged = a is not None and a == b
        right = merged == pair["same"]
        by_case[pair["case"]]["right" if right else "wrong"] += 1
        totals["right" if right else "wrong"] += 1
        if pair.get("held_out"):
            totals["held out"] += 1
            totals["held out right"] += right
        if not right:
            totals["false merge" if merged else "missed"] += 1
            wrong.append(f"{pair['id']} ({pair['case']}): {pair['a']} | {pair['b']} -> {a} | {b}")
    return {"by_case": by_case, "totals": totals, "wrong": wrong}


def url_speed(canonical: Canonical, urls: list[str], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        _clear_caches(canonical)
        start = time.perf_counter()
        for url in urls:
            canonical(url)
        best = min(best, time.perf_counter() - start)
    return best / len(urls) * 1e6


# -- date candidates -----------------------------------------------------------------------------------------------
def _in_utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0)


def _refusing(function: Callable[[str], datetime | None]) -> Parser:
    def parse(value: Any) -> datetime | None:
        if value is None or value == "":
            return None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # dateutil warns about zone names it does not know
                return _in_utc(function(str(value)))
        except Exception:  # a parser that raises refused the value
            return None

    return parse


def _newsloom_parser(module: ModuleType) -> Parser:
    def parse(value: Any) -> datetime | None:
        try:
            return module.parse_date(value)  # type: ignore[no-any-return]
        except module.UnreadableDate:
            return None

    return parse


def date_candidates(baseline: Path | None) -> dict[str, tuple[Parser, str]]:
    import dateparser
    from dateutil import parser as dateutil_parser
    from htmldate.extractors import try_date_expr

    found: dict[str, tuple[Parser, str]] = {"newsloom": (_newsloom_parser(newsloom_dates), "`parse_date` of this tree")}
    if baseline:
        found["newsloom baseline"] = (
            _newsloom_parser(_load(baseline, "baseline_dates")),
            f"`parse_date` of {baseline.name}",
        )
    in_utc = {"TIMEZONE": "UTC", "TO_TIMEZONE": "UTC", "RETURN_AS_TIMEZONE_AWARE": True}
    strict = in_utc | {"PARSERS": ["timestamp", "absolute-time"], "REQUIRE_PARTS": ["day", "month", "year"]}
    earliest, latest = datetime(1995, 1, 1), datetime(2100, 1, 1)

    def htmldate_day(text: str) -> datetime | None:
        found = try_date_expr(text, "%Y-%m-%d", True, earliest, latest)
        return datetime.strptime(found, "%Y-%m-%d") if found else None

    found |= {
        "dateutil": (_refusing(dateutil_parser.parse), "`dateutil.parser.parse(text)`"),
        "dateparser": (
            _refusing(lambda text: dateparser.parse(text, settings=in_utc)),
            "`dateparser.parse(text)`, in UTC, other settings default",
        ),
        "dateparser strict": (
            _refusing(lambda text: dateparser.parse(text, settings=strict)),
            "`dateparser.parse`: `PARSERS` timestamp and absolute-time, `REQUIRE_PARTS` day, month, year",
        ),
        "htmldate (day only)": (
            _refusing(htmldate_day),
            "htmldate's `try_date_expr(text, '%Y-%m-%d', extensive_search=True, ...)`: a day, scored on the day",
        ),
    }
    return found


def _expected(row: dict[str, Any]) -> datetime | None:
    return datetime.fromisoformat(row["expected"].replace("Z", "+00:00")) if row["expected"] else None


def score_dates(parse: Parser, rows: list[dict[str, Any]], day_only: bool) -> dict[str, Any]:
    by_case: dict[str, Counter[str]] = defaultdict(Counter)
    totals: Counter[str] = Counter()
    wrong: list[str] = []
    slowest = (0.0, "")
    for row in rows:
        expected = _expected(row)
        start = time.perf_counter()
        got = parse(row["value"])
        took = time.perf_counter() - start
        slowest = max(slowest, (took, json.dumps(row["value"], ensure_ascii=False)[:40]))
        if expected is None or got is None:
            right = got is None and expected is None
        elif day_only:
            right = got.date() == expected.date()
        else:
            right = got == expected
        day_right = right or (got is not None and expected is not None and got.date() == expected.date())
        by_case[row["case"]]["right" if right else "wrong"] += 1
        totals["right" if right else "wrong"] += 1
        totals["day right"] += day_right
        if row.get("held_out"):
            totals["held out"] += 1
            totals["held out right"] += right
        if not right:
            kind = "refused" if got is None else "accepted garbage" if expected is None else "wrong moment"
            totals[kind] += 1
            wrong.append(
                f"{row['id']} ({row['case']}): {json.dumps(row['value'], ensure_ascii=False)[:60]} -> "
                f"{got.isoformat() if got else None} (expected {row['expected']})"
            )
    return {"by_case": by_case, "totals": totals, "wrong": wrong, "slowest": slowest}


def date_speed(parse: Parser, values: list[Any], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        _clear_caches(getattr(newsloom_dates, "_in_words", None))  # each run asks dateparser afresh
        start = time.perf_counter()
        for value in values:
            parse(value)
        best = min(best, time.perf_counter() - start)
    return best / len(values) * 1e6


# -- the report ----------------------------------------------------------------------------------------------------
def _read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _cell(counts: Counter[str]) -> str:
    return f"{counts['right']}/{counts['right'] + counts['wrong']}"


def url_section(pairs: list[dict[str, Any]], repeats: int, baseline: Path | None) -> tuple[list[str], list[str]]:
    candidates = url_candidates(baseline)
    cases = list(dict.fromkeys(p["case"] for p in pairs))
    urls = [u for p in pairs for u in (p["a"], p["b"])]
    same = sum(p["same"] for p in pairs)
    held_out = sum(bool(p.get("held_out")) for p in pairs)
    lines = [
        f"**URLs** — {len(pairs)} pairs written for the project (`benchmarks/data/url_pairs.jsonl`), {same} naming one "
        f"article and {len(pairs) - same} naming two; *held out*: the {held_out} pairs written after newsloom's "
        "rules were fixed, not used to change them. *False merges*: two articles given one canonical form (the store "
        "keeps the first, drops the second); *missed*: one article given two (it is stored twice). Speed: µs per "
        f"call over the {len(urls)} addresses, fastest of {repeats} runs, caches cleared.",
        "",
        "| function | right | held out | false merges | missed | µs per call | what |",
        "|---|---|---|---|---|---|---|",
    ]
    errors: list[str] = []
    results = {}
    for name, (canonical, what) in candidates.items():
        result = score_urls(canonical, pairs)
        results[name] = result
        totals = result["totals"]
        micro = url_speed(canonical, urls, repeats)
        lines.append(
            f"| {name} | {totals['right']}/{len(pairs)} | {totals['held out right']}/{totals['held out']} | "
            f"{totals['false merge']} | {totals['missed']} | "
            f"{micro:.1f} | {what} |"
        )
        errors += ["", f"### {name}", *result["wrong"]]
        print(f"measured {name}", file=sys.stderr)
    return lines + by_case(candidates, cases, results, "Pairs `canonical_url` gets wrong"), errors


def date_section(rows: list[dict[str, Any]], repeats: int, baseline: Path | None) -> tuple[list[str], list[str]]:
    candidates = date_candidates(baseline)
    cases = list(dict.fromkeys(r["case"] for r in rows))
    values = [r["value"] for r in rows]
    common = [r["value"] for r in rows if r["case"] in EVERY_ARTICLE]
    refused = sum(r["expected"] is None for r in rows)
    held_out = sum(bool(r.get("held_out")) for r in rows)
    lines = [
        f"**Dates** — {len(rows)} values written for the project (`benchmarks/data/dates.jsonl`), {refused} of them "
        "to be refused (relative dates, day/month orders only a locale settles, garbage); *held out*: the "
        f"{held_out} values written after newsloom's rules were fixed. *Right*: the UTC moment to the second, or a "
        "refusal where one is due; *day right*: at least the day; *wrong moment*: a date, not the one meant; "
        "*accepted*: a date for a value to be refused; *refused*: no date for a date. Speed: µs per call over the "
        f"whole set and over the {len(common)} RFC 822, ISO 8601 and epoch values that feeds and records write on "
        f"every article, fastest of {repeats} runs (after a first call has loaded what each loads; newsloom's cache "
        "of dates in words cleared before each run); *slowest*: the slowest single call of the scoring run (for "
        "newsloom, its first date in words: dateparser loads its languages).",
        "",
        "| parser | right | held out | day right | wrong moment | accepted | refused | µs per call (all) "
        "| µs (feed forms) | slowest ms | what |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    errors: list[str] = []
    results = {}
    for name, (parse, what) in candidates.items():
        parse(rows[0]["value"])  # load what it loads before any clock
        result = score_dates(parse, rows, day_only=name.endswith("(day only)"))
        results[name] = result
        totals = result["totals"]
        slow_ms, slow_value = result["slowest"]
        lines.append(
            f"| {name} | {totals['right']}/{len(rows)} | {totals['held out right']}/{totals['held out']} | "
            f"{totals['day right']} | {totals['wrong moment']} | "
            f"{totals['accepted garbage']} | {totals['refused']} | {date_speed(parse, values, repeats):.1f} | "
            f"{date_speed(parse, common, repeats):.1f} | {slow_ms * 1000:.1f} ({slow_value}) | {what} |"
        )
        errors += ["", f"### {name}", *result["wrong"]]
        print(f"measured {name}", file=sys.stderr)
    return lines + by_case(candidates, cases, results, "Values `parse_date` gets wrong"), errors


def by_case(candidates: Any, cases: list[str], results: dict[str, Any], wrong: str) -> list[str]:
    """Each candidate's score by kind of case, then what newsloom gets wrong."""
    lines = ["", "| case | " + " | ".join(candidates) + " |", "|---" * (len(candidates) + 1) + "|"]
    for case in cases:
        lines.append(f"| {case} | " + " | ".join(_cell(results[n]["by_case"][case]) for n in candidates) + " |")
    ours = results["newsloom"]["wrong"]
    lines += ["", f"{wrong} ({len(ours)}):", ""]
    return lines + ([f"- {line}" for line in ours] or ["- none"])


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=5, help="timing runs per function; the fastest counts")
    parser.add_argument("--baseline-urls", type=Path, help="also measure another urls.py (an older newsloom's)")
    parser.add_argument("--baseline-dates", type=Path, help="also measure another dates.py (an older newsloom's)")
    parser.add_argument("--errors", action="store_true", help="print every value each function gets wrong")
    parser.add_argument("--write-docs", action="store_true", help="record the figures in docs/benchmarks.md")
    parser.add_argument("--docs", type=Path, default=DEFAULT_DOCS, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    shown = [Path(sys.argv[0]).name if argv is None else "urls_and_dates.py", *(argv or sys.argv[1:])]
    header = [
        f"Run {datetime.now(UTC):%Y-%m-%d} on {platform.machine()}, Python {platform.python_version()}: "
        f"`{shlex.join(['python', 'benchmarks/' + shown[0], *shown[1:]])}`",
        "",
    ]
    url_lines, url_errors = url_section(_read(URL_PAIRS), args.repeats, args.baseline_urls)
    date_lines, date_errors = date_section(_read(DATES), args.repeats, args.baseline_dates)
    section = "\n".join([*header, *url_lines, "", *date_lines])
    print(section)
    if args.errors:
        print("\n## Everything each function gets wrong")
        print("\n".join([*url_errors, *date_errors]))
    if args.write_docs:
        write_docs(args.docs, section, name="urls_and_dates", heading="URLs and dates")
        print(f"\nwrote the urls_and_dates section of {args.docs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
