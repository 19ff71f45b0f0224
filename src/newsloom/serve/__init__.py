"""Serve it: the HTTP API under /api/, the web reader, and feeds of briefs under /feeds/.

``create_app(location)`` builds the ASGI application over a store; ``newsloom serve`` runs it with uvicorn. The web
framework is imported only when an application is built, so reading settings stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from newsloom.config import ServeSettings

if TYPE_CHECKING:
    from fastapi import FastAPI

    from newsloom.config import Settings

__all__ = ["ServeSettings", "create_app"]


def create_app(location: str, settings: Settings | None = None) -> FastAPI:
    """The application over the store at ``location`` (a ``--db`` value), with ``settings.serve`` and the rest."""
    from newsloom.serve.app import create_app as build

    return build(location, settings)
