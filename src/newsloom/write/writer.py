"""Writers: what turns a story's articles into a brief. The extractive writer is the default; the LLM writer opt-in.

Every writer has one verb, ``write(articles, story_id=None, max_words=None) -> Brief``, and the brief records which
writer (``Brief.writer``) and which model (``Brief.model``) produced it. ``load_writer`` builds the one the
settings name (``[writer] kind``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Protocol

from newsloom.model import Article, Brief
from newsloom.write.extractive import write_brief
from newsloom.write.settings import WriterSettings

WRITERS = ("extractive", "llm")


class Writer(Protocol):
    """Writes a story's brief from its articles (normalized, with syndication groups)."""

    name: str

    @property
    def model(self) -> str | None:
        """The model behind the writer's briefs (None when there is none)."""
        ...

    def write(
        self, articles: Sequence[Article], story_id: str | None = None, max_words: int | None = None
    ) -> Brief: ...


class ExtractiveWriter:
    """Briefs made only of sentences the sources wrote (``newsloom.write.extractive``): offline and fast."""

    name = "extractive"
    model = None

    def __init__(self, settings: WriterSettings | None = None) -> None:
        self.settings = settings or WriterSettings()

    def write(self, articles: Sequence[Article], story_id: str | None = None, max_words: int | None = None) -> Brief:
        return write_brief(articles, story_id=story_id, max_words=max_words, settings=self.settings)


def load_writer(settings: WriterSettings | None = None, environ: Mapping[str, str] | None = None) -> Writer:
    """The writer the settings name: ``kind`` "extractive" (default) or "llm" (with its model or endpoint).

    The LLM writer's model is loaded here (an in-process model once per process); an endpoint is only contacted
    when a brief is written, and a failure there falls back to the extractive brief with the reason recorded.
    """
    settings = settings or WriterSettings()
    if settings.kind == "extractive":
        return ExtractiveWriter(settings)
    if settings.kind != "llm":
        raise ValueError(f"unknown writer {settings.kind!r}: choose one of {', '.join(WRITERS)}")
    from newsloom.write.llm import LLMWriter
    from newsloom.write.llm_backends import open_backend

    backend = open_backend(
        model=settings.model,
        endpoint=settings.endpoint,
        api_key_env=settings.api_key_env,
        timeout=settings.timeout,
        context=settings.context,
        threads=settings.threads,
        environ=os.environ if environ is None else environ,
    )
    return LLMWriter(backend, settings)


def written_by(brief: Brief, settings: WriterSettings) -> bool:
    """Whether a brief is what the writer the settings name would publish (its kind, model and judge)."""
    if settings.kind == "extractive":
        return brief.verification is None
    verification = brief.verification
    if verification is None or verification.writer != settings.kind or verification.fallback:
        return False
    from newsloom.write.llm_backends import LLMError, model_name

    try:
        expected = model_name(settings.model, settings.endpoint)
    except LLMError:
        return False
    judged = any(s.judge is not None for s in verification.sentences)
    return verification.model == expected and (judged or not settings.judge)
