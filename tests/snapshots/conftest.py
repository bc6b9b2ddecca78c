"""Fixtures for the snapshot store tests."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from docmind_snapshots import SnapshotInfo, SnapshotStore
from pydantic import JsonValue

CHILD = Path(__file__).with_name("snapshots_child.py")

Files = dict[str, bytes]


def write_files(top: Path, files: Files) -> None:
    for relative, data in files.items():
        path = top / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.fixture
def store(root: Path) -> SnapshotStore:
    return SnapshotStore(root)


Publish = Callable[..., SnapshotInfo]


@pytest.fixture
def publish() -> Publish:
    """Commit a snapshot holding `files` (default: one small file) into `store`."""

    def _publish(
        store: SnapshotStore, files: Files | None = None, *, activate: bool = True, **metadata: JsonValue
    ) -> SnapshotInfo:
        with store.begin("test") as ws:
            write_files(
                ws.path, files if files is not None else {"a.txt": b"alpha", "sub/b.bin": b"\x00\x01"}
            )
            return ws.commit(metadata, activate=activate)

    return _publish


def _leftovers(root: Path) -> list[str]:
    tmp = sorted(p.name for p in (root / "tmp").iterdir()) if (root / "tmp").exists() else []
    temps = sorted(p.name for p in root.iterdir() if ".tmp-" in p.name) if root.exists() else []
    return tmp + temps


@pytest.fixture
def leftovers() -> Callable[[Path], list[str]]:
    """Entries of tmp/ (workspaces, trash) and temp files at the root: all must be gone after recovery."""
    return _leftovers


@pytest.fixture
def files_writer() -> Callable[[Path, Files], None]:
    return write_files


class Child:
    """A helper process running snapshots_child.py, talking line by line over pipes."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(CHILD), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def read_line(self) -> str:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            err = self.proc.stderr.read() if self.proc.stderr else ""
            raise AssertionError(f"child {self.pid} ended without output; stderr:\n{err}")
        return line.rstrip("\n")

    def expect(self, prefix: str) -> str:
        line = self.read_line()
        assert line.startswith(prefix), f"expected {prefix!r} from child, got {line!r}"
        return line

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=10)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.kill()
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def spawn() -> Iterator[Callable[..., Child]]:
    children: list[Child] = []

    def _spawn(*args: str) -> Child:
        child = Child(*args)
        children.append(child)
        return child

    yield _spawn
    for child in children:
        child.close()
