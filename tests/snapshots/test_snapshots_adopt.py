"""Files shared by snapshots: hard-linked, never read again, freed with the last snapshot naming them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from docmind_snapshots import SnapshotCommitError, SnapshotStore, seals

Publish = Callable[..., Any]


def test_adopted_files_are_shared_and_not_read_again(
    root: Path, publish: Publish, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SnapshotStore(root, retention=1)
    first = publish(store, {"seg/big.bin": b"x" * 100_000, "seg/small.txt": b"small", "corpus.json": b"{}"})
    recorded = {e.path: e.sha256 for e in store.manifest(first.id).files}
    hashed: list[str] = []
    real = seals.fsync_and_hash

    def counting(top: Path, relative: str) -> Any:
        hashed.append(relative)
        return real(top, relative)

    monkeypatch.setattr(seals, "fsync_and_hash", counting)
    with store.begin("test") as ws:
        assert ws.adopt(first.id, ["seg/big.bin", "seg/small.txt"]) == 2
        (ws.path / "corpus.json").write_bytes(b'{"new": true}')
        ws.seal_all()
        second = ws.commit()
    assert hashed == ["corpus.json"]  # the adopted files kept their checksums
    assert [info.id for info in store.list()] == [second.id]  # retention (1 kept) removed the first ...
    new = store.path_of(second.id)
    assert (new / "seg" / "big.bin").read_bytes() == b"x" * 100_000  # ... and its shared files live on
    assert (new / "seg" / "big.bin").stat().st_nlink == 1
    assert store.verify(second.id).ok
    entries = {e.path: e.sha256 for e in store.manifest(second.id).files}
    assert entries["seg/big.bin"] == recorded["seg/big.bin"]
    assert entries["seg/small.txt"] == recorded["seg/small.txt"]


def test_an_adopted_file_is_one_inode_while_both_snapshots_exist(root: Path, publish: Publish) -> None:
    store = SnapshotStore(root)
    first = publish(store, {"seg/a.bin": b"a" * 1000})
    with store.begin("test") as ws:
        ws.adopt(first.id, ["seg/a.bin"])
        second = ws.commit()
    a, b = store.path_of(first.id) / "seg" / "a.bin", store.path_of(second.id) / "seg" / "a.bin"
    assert a.stat().st_ino == b.stat().st_ino and a.stat().st_nlink == 2
    store.delete(first.id)
    assert b.read_bytes() == b"a" * 1000 and b.stat().st_nlink == 1


def test_adopting_a_file_the_source_does_not_list_is_refused(root: Path, publish: Publish) -> None:
    store = SnapshotStore(root)
    first = publish(store)
    with store.begin("test") as ws, pytest.raises(SnapshotCommitError, match="not a file of snapshot"):
        ws.adopt(first.id, ["nope.txt"])
