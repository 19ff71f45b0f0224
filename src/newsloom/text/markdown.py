"""Markdown as newsloom writes it: article text escaped, so it is shown as written, never read as Markdown or HTML."""

from __future__ import annotations

import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|])")


def escape_markdown(text: str) -> str:
    """Article text is shown as written, never read as Markdown or HTML."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)
