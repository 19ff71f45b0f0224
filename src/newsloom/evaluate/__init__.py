"""Measuring newsloom: clustering metrics and dataset loaders."""
