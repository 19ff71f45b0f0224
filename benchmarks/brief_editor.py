"""Briefs as an editor reads them, on the demo corpus: the counts `summaries.py` prints, where outlets are known.

The summary sets carry no outlet names (every article is "Unknown outlet"), so nothing there is attributed and the
count of "According to X" sentences another outlet also states is 0 of 0. The demo corpus (``examples/demo``,
written for the project: fictional outlets, several reports of each event) names its outlets; its stories are read
from its gold labels. For each budget (the writer's default, then 250, 100 and 40 words), over every story's brief:

- fill: words printed / budget, and the briefs filling at least 95% when the sources hold twice the budget;
- the dek is the story's most central opening statement (``summaries.most_central_opening``, judged apart from the
  writer);
- deks and paragraphs opening on a pronoun (target 0);
- "According to X" sentences that another outlet also states (statement matcher: covers 0.7, no conflict; target 0).

Run ``python benchmarks/brief_editor.py``; ``--write-docs`` records the table in docs/benchmarks.md between the
"brief-editor" markers.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from pathlib import Path

from newsloom.ingest import read_file
from newsloom.model import Article
from newsloom.normalize import normalize
from newsloom.syndication import SyndicationIndex
from newsloom.write.extractive import write_brief
from newsloom.write.settings import WriterSettings
from summaries import editor_counts
from throughput import add_write_docs_option

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "examples" / "demo"
BUDGETS: tuple[int | None, ...] = (None, 250, 100, 40)


def demo_stories() -> dict[str, list[Article]]:
    """The demo corpus's stories by their gold labels, normalized with syndication groups as the writer gets them."""
    labels = {}
    for line in (DEMO / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            labels[row["id"]] = row["label"]
    index = SyndicationIndex()
    stories: dict[str, list[Article]] = defaultdict(list)
    for item in read_file(DEMO / "articles.jsonl"):
        if isinstance(item, Article) and item.id in labels:
            article = normalize(item)
            index.assign(article)
            stories[labels[item.id]].append(article)
    return dict(sorted(stories.items()))


def run() -> str:
    stories = demo_stories()
    rows = [
        "| budget | briefs | fill | filling 95% (sources hold 2x) | dek = most central opening | pronoun-led openings "
        '| "According to X" another outlet states |',
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for budget in BUDGETS:
        words = budget or WriterSettings().max_words
        totals: Counter[str] = Counter()
        for story, articles in stories.items():
            brief = write_brief(articles, story_id=story, max_words=budget)
            totals.update(editor_counts(brief, articles, words))
        briefs = totals["briefs"]
        rows.append(
            f"| {budget or f'default ({words})'} | {int(briefs)} | {totals['fill'] / briefs:.1%} "
            f"| {int(totals['filled'])} of {int(totals['holding'])} | {int(totals['central_dek'])} of {int(briefs)} "
            f"| {int(totals['dangling'])} of {int(totals['openings'])} "
            f"| {int(totals['stated_elsewhere'])} of {int(totals['attributions'])} |"
        )
    multi = sum(1 for articles in stories.values() if len({a.display_outlet for a in articles}) > 1)
    return "\n".join(
        [
            f"Demo corpus: {len(stories)} stories ({multi} told by several outlets), their briefs at each budget.",
            "",
            *rows,
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    add_write_docs_option(parser, "brief-editor")
    args = parser.parse_args(argv)
    section = run()
    print(section)
    if args.write_docs:
        from throughput import write_docs

        write_docs(args.write_docs, section, "brief-editor", "Briefs as an editor reads them (demo corpus)")
        print(f"\nwrote {args.write_docs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
