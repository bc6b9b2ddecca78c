"""The one way the app writes a moment: ``2026-01-31 14:05:09 UTC``."""

from __future__ import annotations

from datetime import UTC, datetime


def format_time(moment: datetime | None) -> str:
    """``moment`` in UTC as ``YYYY-MM-DD HH:MM:SS UTC``; ``""`` for ``None`` (naive means UTC)."""
    if moment is None:
        return ""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return f"{aware.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"
