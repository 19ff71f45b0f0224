"""A digest out of the store: the top stories reported in a period, each with its latest brief and what changed in
it since the period began (the previous digest), for ``newsloom digest`` and the digests feed.

A story first stored in the period is new: all of it is news, and the digest says so rather than listing every
fact. For a story that was there before, the changes are ``analyze.changes.what_changed`` between the articles
stored before the period began and the articles now. Briefs are brought up to date first, so the dek and the
facts marked in it are those of the reports the digest counts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from newsloom.analyze.changes import what_changed
from newsloom.drivers.changes import parse_since
from newsloom.model import Article, Citation, Story, format_time
from newsloom.present.digest import Digest, DigestStory
from newsloom.present.views import story_path
from newsloom.store import Store
from newsloom.store.base import top_key

DEFAULT_TOP = 10
MOST_LINKS = 5


def period_start(since: str, now: datetime) -> datetime:
    """Where a period given as ``--since`` begins: a length back from ``now`` ("24h", "90m", "2d", "1w") or a
    time ("2026-12-06T08:00:00Z", "2026-12-06"). A clear error for anything else, or for a time after ``now``."""
    try:
        moment = parse_since(since, relative=True, now=now)
    except ValueError:
        moment = None
    if not isinstance(moment, datetime):  # nothing read, or a brief version number
        raise ValueError(
            f"--since: not a length of time or a time: '{since}' (write e.g. 24h, 2d, or 2026-12-06T08:00Z)"
        )
    if moment > now:
        raise ValueError(f"--since: {format_time(moment)} is in the future")
    return moment


def gather_digest(
    store: Store,
    start: datetime,
    end: datetime | None = None,
    top: int = DEFAULT_TOP,
    base_url: str | None = None,
    title: str = "newsloom digest",
    write_briefs: Callable[[list[str]], object] | None = None,
) -> Digest:
    """The ``top`` stories reported since ``start``, best first, each with what changed in it since ``start``.

    ``write_briefs``: brings the chosen stories' briefs up to date (the CLI passes the pipeline's); None leaves the
    briefs as stored. ``base_url``: the reader's address, for a link to each story's page.
    """
    if top < 1:
        raise ValueError(f"--top must be at least 1, got {top}")
    # Times are stored to the second: the period's ends are too, so an article falls in one period only, and one
    # stored in the second the period ends in is in it.
    start = start.replace(microsecond=0)
    end = end or datetime.now(UTC)
    if end.microsecond:
        end = end.replace(microsecond=0) + timedelta(seconds=1)
    stored = store.stories_stored(start, end)
    stories = [story for story_id in stored if (story := store.story(story_id)) is not None]
    stories.sort(key=lambda s: importance(s, stored.get(s.id, 0), end), reverse=True)
    entries = [entry for story in stories[:top] if (entry := _digest_story(store, story, start, end, base_url))]
    stale = set(store.stale_stories())
    todo = [e.story.id for e in entries if e.story.id in stale or e.brief is None]
    if write_briefs is not None and todo:
        write_briefs(todo)
        entries = [_digest_story(store, e.story, start, end, base_url) or e for e in entries]
    return Digest(start, end, entries, title)


def importance(story: Story, new_reports: int, end: datetime) -> tuple[float, int]:
    """How a digest orders its stories: as the "top" order ranks them (independent sources, halved every
    ``TOP_HALF_LIFE_HOURS`` since the latest report: ``store.base.top_key``, the order of ``top_score`` at any time
    without its underflow for old stories), then by how many of their reports came in during the period."""
    latest = story.last_published or story.updated_at or end
    return (top_key(story.independent_sources, 0, latest), new_reports)


def _digest_story(
    store: Store, story: Story, start: datetime, end: datetime, base_url: str | None
) -> DigestStory | None:
    """The story as the digest of [start, end) shows it; None when none of its reports was stored in that time."""
    arrivals = store.story_arrivals(story.id)
    articles = [a for a in store.story_articles(story.id) if arrivals.get(a.id, start) < end]
    before = [a for a in articles if arrivals.get(a.id, start) < start]
    fresh = [a for a in articles if arrivals.get(a.id, start) >= start]
    if not fresh:
        return None
    brief = store.brief(story.id)
    changes = None
    if before:
        version = brief.version if brief else None
        changes = what_changed(before, articles, story_id=story.id, since_time=start, brief=brief, version=version)
    url = f"{base_url.rstrip('/')}{story_path(story.id)}" if base_url else None
    return DigestStory(story, brief, changes, _links(fresh), url)


def _links(articles: list[Article]) -> list[Citation]:
    """One report per outlet, newest first, at most ``MOST_LINKS``."""
    newest = sorted(articles, key=lambda a: a.published or datetime.min.replace(tzinfo=UTC), reverse=True)
    chosen: dict[str, Citation] = {}
    for article in newest:
        outlet = article.display_outlet
        if outlet not in chosen:
            chosen[outlet] = Citation(article.id, outlet, article.url, article.title)
        if len(chosen) == MOST_LINKS:
            break
    return list(chosen.values())
