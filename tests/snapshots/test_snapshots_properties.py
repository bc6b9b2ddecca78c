"""Stateful property test: random begin/commit/abort/activate/delete/pin/damage/reopen sequences keep the
store's invariants and agree with a simple model."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from pathlib import Path

import pytest
from docmind_snapshots import (
    SnapshotActiveError,
    SnapshotDamagedError,
    SnapshotInUseError,
    SnapshotStore,
    Workspace,
    WriterBusyError,
    parse_snapshot_id,
)
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

RETENTION = 2
names = st.sampled_from(["a.txt", "b.bin", "sub/c.txt", "sub/deeper/d", "e"])
contents = st.dictionaries(names, st.binary(max_size=64), min_size=1, max_size=4)


class StoreMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="snapshots-prop-"))
        self.root = self.tmp / "store"
        self.store = SnapshotStore(self.root, retention=RETENTION)
        self.snapshots: dict[str, dict[str, bytes]] = {}
        self.active: str | None = None
        self.damaged: set[str] = set()
        self.ws: Workspace | None = None
        self.ws_files: dict[str, bytes] = {}
        self.pins: list[tuple[str, contextlib.ExitStack]] = []
        self.commits = 0

    # -- helpers ---------------------------------------------------------------------------------------------

    def newest_first(self) -> list[str]:
        return sorted(self.snapshots, key=lambda sid: parse_snapshot_id(sid).counter, reverse=True)

    def pinned(self) -> set[str]:
        return {sid for sid, _ in self.pins}

    def model_retention(self) -> None:
        spared = set(self.newest_first()[:RETENTION]) | self.pinned()
        if self.active is not None:
            spared.add(self.active)
        for sid in list(self.snapshots):
            if sid not in spared:
                del self.snapshots[sid]
                self.damaged.discard(sid)

    # -- rules -----------------------------------------------------------------------------------------------

    @precondition(lambda self: self.ws is None)
    @rule(files=contents)
    def begin(self, files: dict[str, bytes]) -> None:
        self.ws = self.store.begin("property test")
        for relative, data in files.items():
            path = self.ws.path / relative
            if path.parent.is_file() or path.is_dir():
                continue  # a name clash between a file and a directory of the drawn set
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            self.ws_files[relative] = data

    @precondition(lambda self: self.ws is not None)
    @rule()
    def begin_again_is_refused(self) -> None:
        with pytest.raises(WriterBusyError):
            self.store.begin()

    @precondition(lambda self: self.ws is not None and self.ws_files)
    @rule(activate=st.booleans())
    def commit(self, activate: bool) -> None:
        assert self.ws is not None
        self.commits += 1
        info = self.ws.commit({"n": self.commits}, activate=activate)
        self.snapshots[info.id] = dict(self.ws_files)
        if activate:
            self.active = info.id
        self.ws, self.ws_files = None, {}
        self.model_retention()

    @precondition(lambda self: self.ws is not None)
    @rule(by_exception=st.booleans())
    def abort(self, by_exception: bool) -> None:
        assert self.ws is not None
        if by_exception:
            with pytest.raises(KeyError), self.ws:
                raise KeyError("abandon")
        else:
            self.ws.abort()
        self.ws, self.ws_files = None, {}

    @precondition(lambda self: self.ws is None and self.snapshots)
    @rule(data=st.data())
    def activate(self, data: st.DataObject) -> None:
        sid = data.draw(st.sampled_from(sorted(self.snapshots)))
        if sid in self.damaged:
            with pytest.raises(SnapshotDamagedError):
                self.store.activate(sid)
        else:
            self.store.activate(sid)
            self.active = sid

    @precondition(lambda self: self.ws is None and self.snapshots)
    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        sid = data.draw(st.sampled_from(sorted(self.snapshots)))
        if sid == self.active:
            with pytest.raises(SnapshotActiveError):
                self.store.delete(sid)
        elif sid in self.pinned():
            with pytest.raises(SnapshotInUseError):
                self.store.delete(sid)
        else:
            self.store.delete(sid)
            del self.snapshots[sid]
            self.damaged.discard(sid)

    @precondition(lambda self: self.ws is None and self.pinned() - {self.active})
    @rule(data=st.data())
    def delete_pinned_is_refused(self, data: st.DataObject) -> None:
        sid = data.draw(st.sampled_from(sorted(self.pinned() - {self.active})))
        with pytest.raises(SnapshotInUseError):
            self.store.delete(sid)
        with self.store.open(sid) as path:
            assert path.is_dir()

    @precondition(lambda self: self.snapshots)
    @rule(data=st.data())
    def pin(self, data: st.DataObject) -> None:
        sid = data.draw(st.sampled_from(sorted(self.snapshots)))
        stack = contextlib.ExitStack()
        path = stack.enter_context(self.store.open(sid))
        assert path.name == sid
        self.pins.append((sid, stack))

    @precondition(lambda self: self.pins)
    @rule(data=st.data())
    def unpin(self, data: st.DataObject) -> None:
        index = data.draw(st.integers(0, len(self.pins) - 1))
        _, stack = self.pins.pop(index)
        stack.close()

    @precondition(lambda self: self.snapshots)
    @rule(data=st.data())
    def damage(self, data: st.DataObject) -> None:
        sid = data.draw(st.sampled_from(sorted(self.snapshots)))
        relative = sorted(self.snapshots[sid])[0]
        with (self.root / "snapshots" / sid / relative).open("ab") as stream:
            stream.write(b"!")
        self.damaged.add(sid)

    @precondition(lambda self: self.ws is None)
    @rule(plant_leftovers=st.booleans())
    def reopen(self, plant_leftovers: bool) -> None:
        if plant_leftovers:
            (self.root / "tmp" / "ws-1-0123456789ab").mkdir()
            (self.root / "CURRENT.tmp-0123456789abcdef").write_text("junk")
        self.store = SnapshotStore(self.root, retention=RETENTION)
        if self.active is None or self.active in self.damaged:
            healthy = [sid for sid in self.newest_first() if sid not in self.damaged]
            self.active = healthy[0] if healthy else None
        assert self.store.recovery.removed_workspaces == (
            ("tmp/ws-1-0123456789ab",) if plant_leftovers else ()
        )

    # -- invariants ------------------------------------------------------------------------------------------

    @invariant()
    def active_matches_the_model_and_verifies(self) -> None:
        current = self.store.current()
        assert (current.id if current else None) == self.active
        if self.active is not None and self.active not in self.damaged:
            assert self.store.verify(self.active).ok

    @invariant()
    def snapshots_match_the_model(self) -> None:
        listed = self.store.list()
        assert [i.id for i in listed] == self.newest_first()
        assert [i.id for i in listed if i.active] == ([self.active] if self.active else [])
        for sid, files in self.snapshots.items():
            if sid in self.damaged:
                continue
            top = self.root / "snapshots" / sid
            assert {rel: (top / rel).read_bytes() for rel in files} == files

    @invariant()
    def only_the_open_workspace_is_in_tmp(self) -> None:
        expected = [self.ws.path.name] if self.ws is not None else []
        assert sorted(p.name for p in (self.root / "tmp").iterdir()) == expected

    def teardown(self) -> None:
        for _, stack in self.pins:
            stack.close()
        if self.ws is not None:
            self.ws.abort()
        shutil.rmtree(self.tmp, ignore_errors=True)


StoreMachine.TestCase.settings = settings(
    max_examples=30,
    stateful_step_count=25,
    deadline=None,
    database=None,  # no example files written into the repository
    suppress_health_check=[HealthCheck.too_slow],
)
TestSnapshotStoreProperties = StoreMachine.TestCase
