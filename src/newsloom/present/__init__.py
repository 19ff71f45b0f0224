"""Presentation shared by the server, the CLI and exports: a brief as Markdown, as page views, as a file."""
