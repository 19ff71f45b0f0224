"""The fetcher's settings (``[fetch]`` in the config file), kept apart so reading them loads no HTTP client."""

from __future__ import annotations

from dataclasses import dataclass

from newsloom.version import __version__


@dataclass(frozen=True)
class FetchSettings:
    """How the fetcher behaves on the web: identity, time and size limits, retries, politeness, safety."""

    user_agent: str = f"newsloom/{__version__} (news reader; respects robots.txt)"
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    # A whole response (headers and body) must arrive within this many seconds.
    total_seconds: float = 60.0
    # Cap on the decompressed body; a bigger one is an error, never a truncated body.
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    retries: int = 3
    backoff_seconds: float = 1.0
    backoff_max: float = 60.0
    host_delay: float = 1.0
    host_concurrency: int = 2
    robots: bool = True
    allow_private_networks: bool = False

    def __post_init__(self) -> None:
        positive = {
            "connect_timeout": self.connect_timeout,
            "read_timeout": self.read_timeout,
            "total_seconds": self.total_seconds,
            "max_bytes": self.max_bytes,
            "host_concurrency": self.host_concurrency,
        }
        for name, value in positive.items():
            if value <= 0:
                raise ValueError(f"FetchSettings.{name} must be greater than 0, got {value!r}")
        not_negative = {
            "max_redirects": self.max_redirects,
            "retries": self.retries,
            "backoff_seconds": self.backoff_seconds,
            "backoff_max": self.backoff_max,
            "host_delay": self.host_delay,
        }
        for name, value in not_negative.items():
            if value < 0:
                raise ValueError(f"FetchSettings.{name} must be 0 or more, got {value!r}")
        if not self.user_agent.strip():
            raise ValueError("FetchSettings.user_agent must not be empty")
