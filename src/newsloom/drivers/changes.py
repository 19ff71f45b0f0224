"""What changed in a stored story since a brief version or a time, and what a new brief version brings: the store's
side of ``analyze/changes.py``, shared by the ingest loop (which records the news with each brief version), the
``changes`` command, the API and the reader.

The articles known at a brief version are those it was written from (its citations name every article of the story
then, cited in a sentence or not); the articles known at a time are those the store held by then.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from newsloom.analyze.changes import ChangeSettings, what_changed
from newsloom.model import Article, Brief, WhatChanged
from newsloom.store.base import Store

Since = int | datetime  # a brief version, or a time

_AGO = re.compile(r"(\d+(?:\.\d+)?)\s*(m|min|h|d|w)", re.IGNORECASE)
_UNITS = {"m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}


def parse_since(text: str, relative: bool = True, now: datetime | None = None) -> Since:
    """A brief version ("3"), a time in ISO 8601 ("2031-05-12T09:00:00Z"; one without a zone is UTC) or, when
    ``relative``, a while ago ("90m", "24h", "3d", "2w")."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    found = _AGO.fullmatch(text)
    if found and relative:
        return (now or datetime.now(UTC)) - timedelta(seconds=float(found[1]) * _UNITS[found[2].lower()])
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        ago = ", or a while ago (24h, 3d)" if relative else ""
        raise ValueError(
            f"not a brief version or a time: '{text}' (write a version number, a time as 2031-05-12T09:00:00Z{ago})"
        ) from None
    try:
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except OverflowError as error:
        raise ValueError("the time falls outside the years 1 to 9999 in UTC") from error


class NoSuchVersion(LookupError):
    """The story has no brief version of that number."""


def changes_since(
    store: Store, story_id: str, since: Since | None = None, settings: ChangeSettings | None = None
) -> WhatChanged:
    """What changed in the story (its id as stored) since brief version ``since`` or the time ``since``; by default
    since the version before its latest brief (version 0, or a story with no brief yet: since before its first
    brief, when every fact is new). Raises ``NoSuchVersion`` for a version the story never had."""
    latest = store.brief(story_id)
    now = store.story_articles(story_id)
    if since is None:
        since = latest.version - 1 if latest is not None else 0
    if isinstance(since, datetime):
        arrivals = store.story_arrivals(story_id)
        before = [a for a in now if a.id in arrivals and arrivals[a.id] <= since]
        version, moment = None, since
    elif since == 0:
        before, version, moment = [], 0, None
    else:
        earlier = store.brief(story_id, since) if 0 < since <= (latest.version if latest else 0) else None
        if earlier is None:
            raise NoSuchVersion(f"story {story_id} has no brief version {since}")
        before = articles_of(store, earlier, now)
        version, moment = since, earlier.created_at
    return what_changed(
        before,
        now,
        story_id=story_id,
        since_version=version,
        since_time=moment,
        version=latest.version if latest is not None else None,
        brief=latest,
        settings=settings,
    )


def articles_of(store: Store, brief: Brief, known: Sequence[Article] = ()) -> list[Article]:
    """The articles a brief was written from (those of ``known`` are not read again)."""
    by_id = {a.id: a for a in known}
    missing = [i for i in brief.citations if i not in by_id]
    by_id.update((a.id, a) for a in store.articles(missing))
    return [by_id[i] for i in brief.citations if i in by_id]


def news_of(
    store: Store, story_id: str, articles: Sequence[Article], settings: ChangeSettings | None = None
) -> dict[str, int]:
    """What a new brief version written from ``articles`` brings since the story's latest stored one, as the store
    keeps it (``WhatChanged.counts()``; ``{"new_story": 1}`` for a story's first brief)."""
    previous = store.brief(story_id)
    if previous is None:
        return {"new_story": 1}
    return what_changed(articles_of(store, previous, articles), articles, settings=settings).counts()
