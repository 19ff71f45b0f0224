"""The reader's page templates, shared by the server and the HTML export: every value escaped unless a view marks
it safe."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from newsloom.model import Article, Brief, Story, format_time
from newsloom.present.views import (
    BriefView,
    ChartRow,
    SourceMark,
    article_path,
    brief_view,
    reports_view,
    story_path,
)
from newsloom.store.base import MATCH_END, MATCH_START, Report
from newsloom.text.counts import plural
from newsloom.version import __version__

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"  # the reader's styles, script and icon


def page_templates(site_title: str = "newsloom") -> Environment:
    """The reader's templates, every value escaped unless a view marks it safe."""
    templates = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # the templates ship with the package: no look at their files on every render
    )
    templates.filters.update(
        when=_when,
        iso=_iso,
        marked=_marked,
        plural=_plural,
        story_path=story_path,
        article_path=article_path,
        chart_dots=_chart_dots,
    )
    templates.globals["site_title"] = site_title
    templates.globals["version"] = __version__
    return templates


# A story page writes the same few times many times over (each citation's article, in two forms).
@lru_cache(maxsize=4096)
def _when(moment: datetime | None) -> str:
    return format_time(moment, human=True) or "undated"


@lru_cache(maxsize=4096)
def _iso(moment: datetime | None) -> str | None:
    return format_time(moment)


def _marked(snippet: str) -> Markup:
    """A search snippet escaped, then its match markers turned into highlighting."""
    text = str(escape(snippet))
    opened = text.count(MATCH_START) - text.count(MATCH_END)
    text = text.replace(MATCH_START, "<mark>").replace(MATCH_END, "</mark>") + "</mark>" * max(0, opened)
    return Markup(text)


def _chart_dots(row: ChartRow) -> Markup:
    """A chart row's dots as SVG, each titled (escaped) with what it stands for. Written here rather than as a loop
    in the template: a big story's chart has a hundred dots or more, and this is several times cheaper."""
    y = float(row.y)
    return Markup(
        "".join(
            f'<circle class="chart-dot" cx="{float(dot.x)}" cy="{y}" r="{float(dot.radius)}">'
            f"<title>{escape(dot.label)}</title></circle>"
            for dot in row.dots
        )
    )


def _plural(count: int, word: str, many: str | None = None) -> str:
    return plural(count, word, many)


@dataclass(frozen=True)
class BriefParts:
    """The parts of a story page that come from its brief alone (and the articles it cites), rendered and escaped
    by the templates of ``_brief.html``. A stored brief version never changes, so a server renders them once per
    version and, for each page, only what comes from the story's articles (the chart, the list of reports).
    """

    headline: str
    dek: Markup  # the dek with its citation marks, or nothing
    body: Markup  # the brief's sections, where sources differ, key players
    coverage: str  # the coverage in a line, under the chart
    rest: Markup  # timeline, sources, fine print
    popovers: Markup  # one per cited article, and the sentence behind each citation mark, after the article
    version: int = 1  # the brief version they show


def brief_parts(templates: Environment, view: BriefView) -> BriefParts:
    """The brief's parts of its story page, each a macro of ``_brief.html``, called in reading order: the sentence
    behind each citation mark is collected as the marks are written, and written after them with the popovers."""
    macros: Any = templates.get_template("_brief.html").module  # its macros, called as functions
    quotes: list[SourceMark] = []  # each citation mark with the sentence behind it, in reading order
    dek = macros.dek(view, quotes)
    body = macros.body(view, quotes)
    rest = macros.rest(view, quotes)
    popovers = macros.popover_list(view, quotes)
    return BriefParts(view.headline, dek, body, view.coverage.line(), rest, popovers, view.version)


def story_page(
    templates: Environment,
    story: Story,
    brief: Brief | None,
    cited: Sequence[Article],
    reports: Sequence[Report],
    **context: object,
) -> str:
    """A story's page as the reader shows it: its brief with the articles it cites (``cited``), and the story's
    reports in publication order (``Store.story_reports``). The server renders the same, keeping the brief's parts."""
    parts = brief_parts(templates, brief_view(brief, cited)) if brief else None
    page = templates.get_template("story.html")
    return page.render(story=story, brief=parts, reports=reports_view(story.id, reports), **{"query": "", **context})
