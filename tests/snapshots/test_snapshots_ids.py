from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from docmind_snapshots import InvalidSnapshotIdError, format_snapshot_id, parse_snapshot_id
from docmind_snapshots.ids import try_parse_snapshot_id
from docmind_snapshots.layout import Kind, classify, parse_pin_name

WHEN = datetime(2026, 11, 29, 12, 0, 0, tzinfo=UTC)

BAD_IDS = [
    "",
    "../x",
    "snap-1/../../etc",
    "snap-000001-20261129T120000Z/..",
    "snap-000001-20261129T120000Z/../../etc/passwd",
    "/etc/passwd",
    "snap-1",
    "snap-000001",
    "SNAP-000001-20261129T120000Z",
    "snap-000001-20261129T120000z",
    "snap-000001-20261329T120000Z",  # month 13
    "snap-0000001-20261129T120000Z",  # non-canonical padding
    "snap-000001-20261129T120000Z\n",
    " snap-000001-20261129T120000Z",
    "snap-000001-20261129T120000Z.pin",
    "snap-00000a-20261129T120000Z",
]


def test_format_and_parse_round_trip() -> None:
    sid = format_snapshot_id(42, WHEN)
    assert sid == "snap-000042-20261129T120000Z"
    parsed = parse_snapshot_id(sid)
    assert parsed.counter == 42
    assert parsed.created == WHEN
    assert str(parsed) == sid


def test_format_converts_to_utc_and_widens_past_six_digits() -> None:
    local = WHEN.astimezone(timezone(timedelta(hours=5)))
    assert format_snapshot_id(1, local) == "snap-000001-20261129T120000Z"
    assert format_snapshot_id(1_234_567, WHEN) == "snap-1234567-20261129T120000Z"
    assert parse_snapshot_id("snap-1234567-20261129T120000Z").counter == 1_234_567


def test_ids_order_by_counter_not_time() -> None:
    older = parse_snapshot_id(format_snapshot_id(9, WHEN))
    newer = parse_snapshot_id(format_snapshot_id(10, WHEN - timedelta(days=1)))
    assert newer > older


@pytest.mark.parametrize("bad", BAD_IDS)
def test_bad_ids_are_refused(bad: str) -> None:
    assert try_parse_snapshot_id(bad) is None
    with pytest.raises(InvalidSnapshotIdError, match="not a valid snapshot id"):
        parse_snapshot_id(bad)


def test_non_string_is_refused() -> None:
    with pytest.raises(InvalidSnapshotIdError):
        parse_snapshot_id(42)


@pytest.mark.parametrize(
    ("relative", "kind"),
    [
        ("CURRENT", Kind.CURRENT),
        ("CURRENT.tmp-0123456789abcdef", Kind.CURRENT_TEMP),
        ("writer.lock", Kind.WRITER_LOCK),
        ("writer.owner", Kind.WRITER_OWNER),
        ("writer.owner.tmp-0123456789abcdef", Kind.WRITER_OWNER_TEMP),
        ("snapshots", Kind.SNAPSHOTS_DIR),
        ("tmp", Kind.TMP_DIR),
        ("pins", Kind.PINS_DIR),
        ("snapshots/snap-000001-20261129T120000Z", Kind.SNAPSHOT),
        ("tmp/ws-123-0123456789ab", Kind.WORKSPACE),
        ("tmp/trash-snap-000001-20261129T120000Z-0123456789ab", Kind.TRASH),
        ("pins/snap-000001-20261129T120000Z.77.0123456789ab.pin", Kind.PIN),
        ("pins/snap-000001-20261129T120000Z.77.0123456789ab.del", Kind.DELETE_INTENT),
    ],
)
def test_every_owned_name_is_recognised(relative: str, kind: Kind) -> None:
    assert classify(relative) is kind


@pytest.mark.parametrize(
    "relative",
    [
        "notes.txt",
        "CURRENT.tmp-xyz",
        "CURRENT.bak",
        "writer.lock.tmp-0123456789abcdef",
        "snapshots/snap-1",
        "snapshots/README",
        "tmp/ws-abc-0123456789ab",
        "tmp/workspace",
        "tmp/trash-snap-1-0123456789ab",
        "pins/snap-000001-20261129T120000Z.77.0123456789ab",
        "pins/snap-000001-20261129T120000Z.x.0123456789ab.pin",
        "snapshots/snap-000001-20261129T120000Z/MANIFEST.json",
        "other/thing",
    ],
)
def test_unknown_names_are_strays(relative: str) -> None:
    assert classify(relative) is None


def test_pin_names_parse() -> None:
    parsed = parse_pin_name("snap-000001-20261129T120000Z.77.0123456789ab.pin")
    assert parsed is not None
    assert (parsed.snapshot_id, parsed.pid, parsed.kind) == ("snap-000001-20261129T120000Z", 77, Kind.PIN)
    assert parse_pin_name("snap-000001-20261399T120000Z.77.0123456789ab.pin") is None
