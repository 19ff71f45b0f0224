"""Sources: each yields raw ``Article`` objects, or ``Rejected`` ones for input it could not read."""

from newsloom.ingest.files import SUPPORTED_SUFFIXES, find_files, read_file, read_paths
from newsloom.ingest.records import BadRecord, article_from_record

__all__ = ["SUPPORTED_SUFFIXES", "BadRecord", "article_from_record", "find_files", "read_file", "read_paths"]
