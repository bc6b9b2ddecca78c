"""Snapshot ids: ``snap-<counter>-<UTC time>``, e.g. ``snap-000042-20261129T120000Z``.

The counter is at least six decimal digits, zero-padded, and grows by one per commit (computed under the
writer lock as the highest counter present + 1); the time is when the snapshot was committed, in UTC, to the
second. Sorting by counter sorts by commit order. The grammar is strict: anything else — other prefixes,
separators, path components, upper/lower case variations — is not a snapshot id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from docmind_snapshots.errors import InvalidSnapshotIdError

_ID_RE = re.compile(
    r"snap-(?P<counter>[0-9]{6,12})-"
    r"(?P<year>[0-9]{4})(?P<month>[0-9]{2})(?P<day>[0-9]{2})"
    r"T(?P<hour>[0-9]{2})(?P<minute>[0-9]{2})(?P<second>[0-9]{2})Z"
)
_TIME_FORMAT = "%Y%m%dT%H%M%SZ"
_TIME_FIELDS = ("year", "month", "day", "hour", "minute", "second")


@dataclass(frozen=True, order=True, slots=True)
class SnapshotId:
    """A parsed snapshot id; instances order by counter (commit order)."""

    counter: int
    created: datetime

    def __str__(self) -> str:
        return format_snapshot_id(self.counter, self.created)


def format_snapshot_id(counter: int, created: datetime) -> str:
    """Return the id for `counter` committed at `created` (converted to UTC).

    Raises:
        ValueError: `counter` is negative or has more than 12 digits.
    """
    if not 0 <= counter < 10**12:
        raise ValueError(f"snapshot counter out of range: {counter}")
    return f"snap-{counter:06d}-{created.astimezone(UTC).strftime(_TIME_FORMAT)}"


def try_parse_snapshot_id(value: str) -> SnapshotId | None:
    """Parse `value` as a snapshot id, returning None for anything that is not one."""
    match = _ID_RE.fullmatch(value)
    if match is None:
        return None
    try:
        # Built from the fields, not with strptime: its first call costs a process tens of milliseconds
        # (it imports _strptime and compiles the locale's patterns), and every command opening the
        # store parses ids.
        created = datetime(*(int(match[name]) for name in _TIME_FIELDS), tzinfo=UTC)
    except ValueError:  # e.g. month 13: matches the shape, is not a time
        return None
    parsed = SnapshotId(int(match["counter"]), created)
    # One spelling per id: "snap-0000042-..." would otherwise alias "snap-000042-...".
    return parsed if str(parsed) == value else None


def parse_snapshot_id(value: object) -> SnapshotId:
    """Parse `value` as a snapshot id.

    Raises:
        InvalidSnapshotIdError: `value` is not a string in the snapshot id grammar (this covers every path
            traversal attempt such as ``"../x"`` or ``"snap-1/../../etc"``).
    """
    parsed = try_parse_snapshot_id(value) if isinstance(value, str) else None
    if parsed is None:
        raise InvalidSnapshotIdError(str(value))
    return parsed


def validate_snapshot_id(value: object) -> str:
    """Return `value` unchanged if it is a snapshot id.

    Raises:
        InvalidSnapshotIdError: It is not.
    """
    parse_snapshot_id(value)
    assert isinstance(value, str)
    return value
