"""The one-line summary of a batch of uploads ("99 saved · 1 already present · 0 refused")."""

from __future__ import annotations

from collections.abc import Sequence

from docmind.uploads import DUPLICATE, REFUSED, SAVED


def upload_summary(statuses: Sequence[str]) -> str:
    """Count ``statuses`` (``saved`` / ``duplicate`` / ``refused``) into the summary line."""
    saved = sum(s == SAVED for s in statuses)
    present = sum(s == DUPLICATE for s in statuses)
    refused = sum(s == REFUSED for s in statuses)
    return f"{saved} saved · {present} already present · {refused} refused"
