"""newsloom: news from many outlets into stories, and for each story one neutral brief that cites its sources."""

from __future__ import annotations

import logging

__version__ = "0.1.0"

from newsloom.cluster import ClusterSettings, StoryClusterer
from newsloom.config import Settings, load_settings
from newsloom.dedup import SyndicationIndex, SyndicationSettings
from newsloom.ingest import read_file, read_paths
from newsloom.model import Article, Brief, Citation, Coverage, Rejected, Sentence, Story
from newsloom.normalize import normalize
from newsloom.pipeline import IngestReport, Pipeline, assign_stories, brief_from_articles
from newsloom.store import Store, StoreError, open_store
from newsloom.write import brief_markdown, write_brief

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "Article",
    "Brief",
    "Citation",
    "ClusterSettings",
    "Coverage",
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
    "__version__",
    "assign_stories",
    "brief_from_articles",
    "brief_markdown",
    "load_settings",
    "normalize",
    "open_store",
    "read_file",
    "read_paths",
    "write_brief",
]
