"""The demo corpus served as live news (``examples/demo_site.py``), mounted on a test ``LocalServer``."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from httpserver import LocalServer

_PATH = Path(__file__).resolve().parent.parent / "examples" / "demo_site.py"
_spec = importlib.util.spec_from_file_location("demo_site", _PATH)
assert _spec is not None and _spec.loader is not None
demo_site = importlib.util.module_from_spec(_spec)
sys.modules["demo_site"] = demo_site
_spec.loader.exec_module(demo_site)

demo_articles = demo_site.demo_articles
outlet_slug = demo_site.outlet_slug
opml = demo_site.opml


def mount_demo(server: LocalServer, conditional: bool = False) -> dict[str, str]:
    """Serve every demo article as a page and every outlet as a feed; returns feed URL -> outlet."""
    routes, feeds = demo_site.build_site(server.url("/").rstrip("/"))
    for path, (content_type, body) in routes.items():
        if conditional and path.endswith("/feed.xml"):
            server.conditional(path, body, etag=demo_site.etag_of(body))
        else:
            server.static(path, body, headers={"Content-Type": content_type})
    return dict(feeds)
