"""The upload batch's one-line summary and the app's one time format."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from docmind.timefmt import format_time
from docmind.upload_summary import upload_summary
from docmind.uploads import DUPLICATE, REFUSED, SAVED


def test_the_summary_counts_every_outcome() -> None:
    assert upload_summary([SAVED] * 99 + [DUPLICATE]) == "99 saved · 1 already present · 0 refused"
    assert upload_summary([REFUSED, SAVED]) == "1 saved · 0 already present · 1 refused"
    assert upload_summary([]) == "0 saved · 0 already present · 0 refused"


def test_one_time_format() -> None:
    moment = datetime(2026, 1, 31, 14, 5, 9, 123456, tzinfo=UTC)
    assert format_time(moment) == "2026-01-31 14:05:09 UTC"
    assert format_time(moment.astimezone(timezone(timedelta(hours=2)))) == "2026-01-31 14:05:09 UTC"
    assert format_time(moment.replace(tzinfo=None)) == "2026-01-31 14:05:09 UTC"
    assert format_time(None) == ""
