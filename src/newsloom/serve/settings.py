"""The server's settings (``[serve]`` in the config file, ``NEWSLOOM_SERVE_*`` in the environment).

Kept apart from the server itself so reading the settings never imports the web framework.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServeSettings:
    """Where the server listens and who may write.

    ``token``: the bearer token write requests must send (``Authorization: Bearer TOKEN``); when empty, every write
    is refused, never open. ``cors_origins``: comma-separated origins whose pages may call the API from a browser
    (none by default). ``base_url``: the public address feeds and exports link to, when the server sits behind a
    proxy (default: the address each request came to). ``max_body_bytes``: the largest write request read.
    ``cached_pages``: how many rendered answers are kept until the store changes (0: render every request).
    """

    host: str = "127.0.0.1"
    port: int = 8000
    token: str = ""
    cors_origins: str = ""
    base_url: str = ""
    page_size: int = 30
    max_body_bytes: int = 5 * 1024 * 1024
    site_title: str = "newsloom"
    cached_pages: int = 512

    def __post_init__(self) -> None:
        if not 0 < self.port < 65536:
            raise ValueError(f"port must be between 1 and 65535, not {self.port}")
        if not 1 <= self.page_size <= 200:
            raise ValueError(f"page_size must be between 1 and 200, not {self.page_size}")
        if self.cached_pages < 0:
            raise ValueError(f"cached_pages must not be negative, not {self.cached_pages}")
        if self.base_url and not self.base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must start with http:// or https://, not {self.base_url!r}")

    @property
    def origins(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]
