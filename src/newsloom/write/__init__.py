"""Writers turn a story's articles into a brief; renderers show a brief to people."""

from newsloom.write.extractive import WriterSettings, align_claims, coverage_of, write_brief
from newsloom.write.render import brief_markdown

__all__ = ["WriterSettings", "align_claims", "brief_markdown", "coverage_of", "write_brief"]
