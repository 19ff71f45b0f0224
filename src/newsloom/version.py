"""The one place newsloom's version is written (the package metadata reads it from here)."""

__version__ = "0.1.0"
