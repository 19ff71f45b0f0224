"""newsloom: news from many outlets into stories, and for each story one neutral brief that cites its sources.

The public names below load their modules on first use, so ``import newsloom`` (and every command of the CLI)
starts without the models and libraries it does not need.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

from newsloom.version import __version__

if TYPE_CHECKING:
    from newsloom.analyze.changes import what_changed
    from newsloom.config import Settings, load_settings
    from newsloom.desk import Desk
    from newsloom.drivers.changes import changes_since
    from newsloom.drivers.pipeline import IngestReport, Pipeline, assign_stories, brief_from_articles
    from newsloom.ingest import read_file, read_paths
    from newsloom.model import Article, Brief, Citation, Coverage, Rejected, Sentence, Story, WhatChanged
    from newsloom.normalize import normalize
    from newsloom.present.render import brief_markdown, changes_markdown
    from newsloom.store import Store, StoreError, open_store
    from newsloom.stories.clusterer import StoryClusterer
    from newsloom.stories.settings import ClusterSettings
    from newsloom.syndication import SyndicationIndex, SyndicationSettings
    from newsloom.write.extractive import write_brief

logging.getLogger(__name__).addHandler(logging.NullHandler())

# Each public name and the module it lives in.
_PUBLIC = {
    "Article": "newsloom.model",
    "Brief": "newsloom.model",
    "Citation": "newsloom.model",
    "ClusterSettings": "newsloom.stories.settings",
    "Coverage": "newsloom.model",
    "Desk": "newsloom.desk",
    "IngestReport": "newsloom.drivers.pipeline",
    "Pipeline": "newsloom.drivers.pipeline",
    "Rejected": "newsloom.model",
    "Sentence": "newsloom.model",
    "Settings": "newsloom.config",
    "Store": "newsloom.store",
    "StoreError": "newsloom.store",
    "Story": "newsloom.model",
    "StoryClusterer": "newsloom.stories.clusterer",
    "SyndicationIndex": "newsloom.syndication",
    "SyndicationSettings": "newsloom.syndication",
    "assign_stories": "newsloom.drivers.pipeline",
    "brief_from_articles": "newsloom.drivers.pipeline",
    "brief_markdown": "newsloom.present.render",
    "load_settings": "newsloom.config",
    "normalize": "newsloom.normalize",
    "open_store": "newsloom.store",
    "read_file": "newsloom.ingest",
    "read_paths": "newsloom.ingest",
    "write_brief": "newsloom.write.extractive",
    "WhatChanged": "newsloom.model",
    "what_changed": "newsloom.analyze.changes",
    "changes_since": "newsloom.drivers.changes",
    "changes_markdown": "newsloom.present.render",
}

__all__ = [
    "Article",
    "Brief",
    "Citation",
    "ClusterSettings",
    "Coverage",
    "Desk",
    "IngestReport",
    "Pipeline",
    "Rejected",
    "Sentence",
    "Settings",
    "Store",
    "StoreError",
    "Story",
    "StoryClusterer",
    "SyndicationIndex",
    "SyndicationSettings",
    "WhatChanged",
    "__version__",
    "assign_stories",
    "brief_from_articles",
    "brief_markdown",
    "changes_markdown",
    "changes_since",
    "load_settings",
    "normalize",
    "open_store",
    "read_file",
    "read_paths",
    "what_changed",
    "write_brief",
]


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'newsloom' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # the next look-up is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_PUBLIC])
