"""Cancel during the steps that run in the job's own thread without workers: the scan and the seal.

Each test sets the cancel from inside the step (a seam that counts the step's work and sets the
event partway) and checks that the step stops at its next file, the job ends cancelled and nothing
is published.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from docmind.executors.errors import IngestCancelled
from docmind.ingest.scan import corpus
from docmind_snapshots import SnapshotStore, seals

from tests.support.corpus import make_text
from tests.support.datadir import workspaces_left
from tests.support.run_engine import ingest

FOLDERS, FILES_PER_FOLDER = 40, 100


def _large_tree(root: Path) -> int:
    for folder in range(FOLDERS):
        (root / f"folder-{folder:02d}").mkdir(parents=True)
        for file in range(FILES_PER_FOLDER):
            (root / f"folder-{folder:02d}" / f"note-{file:03d}.md").write_text(f"note {folder} {file}\n")
    return FOLDERS * FILES_PER_FOLDER


def test_a_cancel_during_a_long_scan_stops_it_at_the_next_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    total = _large_tree(tmp_path / "docs")
    cancel = threading.Event()
    examined: list[str] = []
    real_examine = corpus._stat_or_reason

    def examine_then_cancel(path: str, max_file_bytes: int) -> tuple[os.stat_result | None, str]:
        examined.append(path)
        if len(examined) == 100:
            cancel.set()
        return real_examine(path, max_file_bytes)

    monkeypatch.setattr(corpus, "_stat_or_reason", examine_then_cancel)
    with pytest.raises(IngestCancelled):
        ingest(tmp_path / "data", tmp_path / "docs", cancel=cancel)
    assert len(examined) == 100, f"the scan went on to {len(examined)} of {total} files after the cancel"
    assert SnapshotStore(tmp_path / "data" / "index").current() is None
    assert workspaces_left(tmp_path / "data") == []


def test_a_cancel_during_the_seal_stops_it_at_the_next_file_and_publishes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = tmp_path / "docs"
    make_text(docs / "first.md", phrase="published before")
    published = ingest(tmp_path / "data", docs).snapshot_id
    make_text(docs / "second.md", phrase="never published")
    cancel = threading.Event()
    sealed: list[str] = []
    real_seal = seals.fsync_and_hash

    def seal_then_cancel(top: Path, relative: str) -> object:
        sealed.append(relative)
        cancel.set()  # the first file of the seal is being hashed when the cancel comes
        return real_seal(top, relative)

    monkeypatch.setattr(seals, "fsync_and_hash", seal_then_cancel)
    with pytest.raises(IngestCancelled):
        ingest(tmp_path / "data", docs, cancel=cancel)
    assert len(sealed) == 1, f"the seal went on to {len(sealed)} files after the cancel"
    current = SnapshotStore(tmp_path / "data" / "index").current()
    assert current is not None and current.id == published
    assert workspaces_left(tmp_path / "data") == []
