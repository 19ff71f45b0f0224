"""A brief as Markdown: each sentence followed by numbered citations that resolve to outlet, title and link."""

from __future__ import annotations

import re

from newsloom.model import Brief, Sentence, format_time

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|])")


def escape_markdown(text: str) -> str:
    """Article text is shown as written, never read as Markdown or HTML."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def brief_markdown(brief: Brief) -> str:
    numbers: dict[str, int] = {}

    def cite(sentence: Sentence) -> str:
        marks = []
        for citation in sentence.sources:
            number = numbers.setdefault(citation.article_id, len(numbers) + 1)
            marks.append(f"[{number}]")
        return escape_markdown(sentence.text) + " " + "".join(marks)

    lines = [f"# {escape_markdown(brief.headline)}", ""]
    if brief.dek:
        lines += [f"*{cite(brief.dek)}*", ""]
    for paragraph in brief.paragraphs:
        lines += [" ".join(cite(s) for s in paragraph), ""]
    lines += [f"**Coverage:** {escape_markdown(brief.coverage.line())}", ""]
    lines += ["**Sources**", ""]
    for article_id, number in numbers.items():
        citation = brief.citations.get(article_id)
        outlet = escape_markdown(citation.outlet) if citation else "Unknown outlet"
        title = f" — {escape_markdown(citation.title)}" if citation and citation.title else ""
        link = f" <{citation.url}>" if citation and citation.url and _safe_url(citation.url) else ""
        lines.append(f"{number}. {outlet}{title} (id {escape_markdown(article_id)}){link}")
    uncited = [c for aid, c in brief.citations.items() if aid not in numbers]
    if uncited:
        lines += ["", "Also covered by: " + ", ".join(sorted({escape_markdown(c.outlet) for c in uncited}))]
    footer = f"story {brief.story_id} · brief v{brief.version} · {brief.writer} writer" if brief.story_id else ""
    if brief.created_at:
        footer += f" · {format_time(brief.created_at, human=True)}"
    if footer:
        lines += ["", f"_{footer.strip(' ·')}_"]
    return "\n".join(lines).rstrip() + "\n"


def _safe_url(url: str) -> bool:
    return url.startswith(("https://", "http://")) and not any(ch in url for ch in "<> \n")
