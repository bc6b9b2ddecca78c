"""A publish and a retention landing between a reader's read of CURRENT and its open of the snapshot.

The seam wraps the snapshot store's pin creation (``docmind_snapshots.pins.create_marker``): at this
process's first pin, before the pin exists, another store instance makes a newer snapshot active and
applies a real retention that keeps one snapshot, so the snapshot the reader read in CURRENT is gone
by the time its pin looks for it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from docmind_snapshots import SnapshotStore, pins
from docmind_snapshots.layout import Kind


def retention_at_the_first_pin(monkeypatch: pytest.MonkeyPatch, root: Path, activate: str) -> list[str]:
    """At the first pin: activate ``activate`` in the store at ``root``, then apply retention (keep 1).

    Returns:
        A list that receives the ids the retention deleted.
    """
    real_create = pins.create_marker
    deleted: list[str] = []
    fired: list[str] = []

    def create_marker(layout: object, snapshot_id: str, kind: Kind) -> Path:
        if kind is Kind.PIN and not fired:
            fired.append(snapshot_id)  # first: the writer below pins snapshots too
            writer = SnapshotStore(root, retention=1)
            writer.activate(activate)
            deleted.extend(writer.apply_retention())
        return real_create(layout, snapshot_id, kind)  # type: ignore[arg-type]

    monkeypatch.setattr(pins, "create_marker", create_marker)
    return deleted
