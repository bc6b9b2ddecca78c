"""The injectable clock: every timestamp the package records comes from a ``Clock``.

Tests pass a fake clock so that time-based rules (TTL expiry, progress throttling) run without sleeping.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]
"""A callable returning the current time as a timezone-aware UTC ``datetime``."""


def utc_now() -> datetime:
    """Return the current time, timezone-aware, in UTC."""
    return datetime.now(UTC)
