"""A workspace: a private directory in which one writer builds the next snapshot, then publishes it whole.

The workspace holds the store's writer lock from `SnapshotStore.begin` until it is committed or aborted.
Nothing in it is visible to readers until step (6) of `Workspace.commit` replaces CURRENT.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import shutil
import stat
import weakref
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import Protocol, Self

from pydantic import JsonValue, TypeAdapter, ValidationError

from docmind_snapshots import fsops, seals
from docmind_snapshots.deletion import highest_counter
from docmind_snapshots.durable import fsync_dir, remove_tree, write_new_file
from docmind_snapshots.errors import SnapshotCommitError, SnapshotError
from docmind_snapshots.ids import format_snapshot_id
from docmind_snapshots.layout import MANIFEST, Layout
from docmind_snapshots.locking import WriterLease
from docmind_snapshots.manifest import FileEntry, Manifest
from docmind_snapshots.models import SnapshotInfo
from docmind_snapshots.pointer import read_current_id, write_current
from docmind_snapshots.seals import Seal, stamp


class SnapshotSource(Protocol):
    """What a workspace needs of its store (``SnapshotStore`` is one): published snapshots and retention."""

    def manifest(self, snapshot_id: str) -> Manifest:
        """The manifest of a published snapshot."""
        ...

    def open(self, snapshot_id: str) -> AbstractContextManager[Path]:
        """Pin a published snapshot and give its directory for the block."""
        ...

    def retain_after_commit(self) -> None:
        """Apply retention after a commit if the writer lock is free; never raises."""
        ...


_log = logging.getLogger("docmind_snapshots")
_METADATA = TypeAdapter(dict[str, JsonValue])


def _discard(path: Path, lease: WriterLease) -> None:
    """Remove a workspace and release its lock; also the finalizer of a workspace dropped while open."""
    try:
        remove_tree(path)
    except OSError as exc:
        _log.warning("could not remove workspace %s: %s (recovery will remove it)", path, exc)
    finally:
        lease.release()


class Workspace:
    """A directory to fill with the files of the next snapshot; a context manager.

    Write files anywhere under `path`, then call `commit`. Leaving the ``with`` block by an exception, calling
    `abort`, or leaving it without committing removes the directory and releases the writer lock. A workspace
    is single-use: after `commit` or `abort` every further call raises `SnapshotError`.

    Attributes:
        path: The workspace directory (``<root>/tmp/ws-<pid>-<token>``), on the store's filesystem.
        owner: The owner text given to `SnapshotStore.begin`.
    """

    def __init__(
        self, store: SnapshotSource, layout: Layout, lease: WriterLease, path: Path, owner: str
    ) -> None:
        self.path = path
        self.owner = owner
        self._store = store
        self._layout = layout
        self._lease = lease
        self._closed = False
        self._sealed: dict[str, Seal] = {}
        # A workspace garbage-collected while open must not hold the writer lock until the process exits.
        self._finalizer = weakref.finalize(self, _discard, path, lease)

    @property
    def closed(self) -> bool:
        """Whether the workspace was committed or aborted."""
        return self._closed

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._closed:
            return
        if exc_type is None:
            _log.warning("workspace %s was left without commit(); discarding it", self.path.name)
        self.abort()

    def abort(self) -> None:
        """Remove the workspace and release the writer lock (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self._finalizer.detach()
        _discard(self.path, self._lease)

    def adopt(self, snapshot_id: str, relatives: Iterable[str]) -> int:
        """Bring files of a published snapshot into the workspace, unchanged, at the same relative paths.

        Each file is hard-linked (copied where the file system cannot link), so a file shared by many
        snapshots is stored once and freed when the last snapshot naming it is deleted. A linked file keeps
        the checksum the source's manifest records, so `commit` does not read it again; a copy is hashed at
        commit as any new file. The source is pinned while this runs. Returns how many files were brought.

        Raises:
            SnapshotNotFoundError: The source snapshot does not exist.
            SnapshotCommitError: A relative path is not a file of the source's manifest.
            SnapshotError: The workspace was already committed or aborted.
            OSError: A link or copy failed.
        """
        if self._closed:
            raise SnapshotError(f"workspace {self.path.name} was already committed or aborted")
        entries = {entry.path: entry for entry in self._store.manifest(snapshot_id).files}
        count = 0
        with self._store.open(snapshot_id) as source:
            for relative in relatives:
                entry = entries.get(relative)
                if entry is None:
                    raise SnapshotCommitError(f"{relative} is not a file of snapshot {snapshot_id}")
                target = self.path / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.link(source / relative, target)
                except OSError as exc:
                    if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
                        raise
                    shutil.copyfile(source / relative, target)
                else:
                    self._sealed[relative] = Seal(entry=entry, stamp=stamp(target))
                count += 1
        return count

    def seal_all(self, checkpoint: Callable[[], None] = lambda: None) -> int:
        """Fsync and hash every file now in the workspace, so that `commit` need not; return how many.

        For writers that have finished their files before they commit: the bytes are hashed while still
        in the page cache and step (2) of `commit` then only checks each sealed file's stamp (size,
        modification and change times, inode). A file written after its seal shows a new stamp and is
        hashed again at commit, so sealing saves work but never puts a stale checksum in a manifest.
        Files added after the call are hashed at commit as usual; files sealed before (by an earlier call or
        `adopt`) whose stamp has not changed are not read again.

        Args:
            checkpoint: Called before each file; whatever it raises stops the sealing and propagates
                (a writer's cancel). Files sealed so far stay sealed, the others are hashed at commit.

        Raises:
            SnapshotCommitError: The workspace holds an entry `commit` would refuse (see its step 1).
            SnapshotError: The workspace was already committed or aborted.
            OSError: A file cannot be read or synced.
        """
        if self._closed:
            raise SnapshotError(f"workspace {self.path.name} was already committed or aborted")
        for relative in _check_tree(self.path):
            sealed = self._sealed.get(relative)
            if sealed is None or sealed.stamp != stamp(self.path / relative):
                checkpoint()
                self._sealed[relative] = seals.seal_file(self.path, relative)
        return len(self._sealed)

    def record_seals(self, made: Iterable[Seal]) -> int:
        """Take seals made where the files were written (`seals.seal_file`); return how many were taken.

        For writers whose files are finished by other processes or machines: each of those fsyncs
        and hashes its files after its last write to them and returns the seals, and the writer
        records them here, so neither `seal_all` nor `commit` reads those files again. The caller
        vouches that each seal was made by `seal_file` on this workspace's file. A seal is used only
        while the file's stamp is the one it holds, exactly as for `seal_all`: a file written after
        its seal, or whose stamp reads otherwise here, is hashed again; a seal of a file that no
        longer exists is never used.

        Raises:
            SnapshotCommitError: A seal names a path that is absolute or leaves the workspace.
            SnapshotError: The workspace was already committed or aborted.
        """
        if self._closed:
            raise SnapshotError(f"workspace {self.path.name} was already committed or aborted")
        count = 0
        for seal in made:
            relative = PurePosixPath(seal.entry.path)
            if relative.is_absolute() or ".." in relative.parts or not relative.parts:
                raise _refuse(seal.entry.path, "is not a path inside the workspace")
            self._sealed[seal.entry.path] = seal
            count += 1
        return count

    def _entry(self, relative: str) -> FileEntry:
        """Step (2) for one file: its sealed entry if its stamp is unchanged, else fsync and hash it."""
        sealed = self._sealed.get(relative)
        if sealed is not None and sealed.stamp == stamp(self.path / relative):
            return sealed.entry
        return seals.fsync_and_hash(self.path, relative)

    def commit(
        self, metadata: Mapping[str, JsonValue] | None = None, *, activate: bool = True
    ) -> SnapshotInfo:
        """Publish the workspace as a new immutable snapshot.

        Steps (``# (n)`` in the code):

        1. Refuse symlinks that are absolute, dangling, lead outside the workspace or to a directory, special
           files, and a top-level ``MANIFEST.json`` (reserved).
        2. Fsync every file, hashing it (SHA-256, 1 MiB blocks) in the same read — except files sealed by
           `seal_all` or `record_seals` whose stamp has not changed since.
        3. Write ``MANIFEST.json`` (id, UTC creation time, every file's path/size/sha256, `metadata`),
           fsynced.
        4. Fsync every directory of the workspace, deepest first.
        5. Rename the workspace to ``snapshots/<id>`` and fsync ``snapshots/``.
        6. If `activate`, atomically replace CURRENT (temp file → write → fsync → ``os.replace`` → fsync
           root).
        7. Release the writer lock.
        8. Apply retention (best effort: failures are logged, and skipped if another writer already holds the
           lock).

        Nothing is visible before (6); after (6) the new snapshot is complete. On any failure the workspace
        (or the renamed snapshot) is removed, CURRENT is left as it was, the lock is released and
        `SnapshotCommitError` is raised, chained from the underlying error.

        Args:
            metadata: JSON-compatible dict stored in the manifest and returned in `SnapshotInfo.metadata`.
            activate: Make the new snapshot the active one. With False it is published but CURRENT is
                unchanged.

        Returns:
            The published snapshot.

        Raises:
            SnapshotCommitError: Publishing failed; nothing was published.
            SnapshotError: The workspace was already committed or aborted.
        """
        if self._closed:
            raise SnapshotError(f"workspace {self.path.name} was already committed or aborted")
        self._closed = True
        self._finalizer.detach()
        previous = read_current_id(self._layout)
        progress = _Progress()
        try:
            info = self._publish(metadata, activate, progress)
        except BaseException as exc:
            note = self._undo(progress, previous)
            if isinstance(exc, SnapshotCommitError):
                raise
            if isinstance(exc, OSError):
                reason = exc.strerror or str(exc)
                where = f" ({exc.filename})" if exc.filename else ""
                outcome = note or "nothing was published"
                message = f"could not publish the snapshot: {reason}{where}; {outcome}"
                raise SnapshotCommitError(message) from exc
            raise
        finally:
            self._lease.release()  # (7)
        fsops.checkpoint("commit.8")
        self._store.retain_after_commit()  # (8)
        return info

    def _publish(
        self, metadata: Mapping[str, JsonValue] | None, activate: bool, progress: _Progress
    ) -> SnapshotInfo:
        layout = self._layout
        fsops.checkpoint("commit.1")
        files = _check_tree(self.path)  # (1)
        try:
            caller_metadata = _METADATA.validate_python(dict(metadata or {}))
        except ValidationError as exc:
            raise SnapshotCommitError(
                f"snapshot metadata must be JSON values: {exc.errors()[0]['msg']}"
            ) from exc
        fsops.checkpoint("commit.2")
        entries = [self._entry(relative) for relative in files]  # (2)
        fsops.checkpoint("commit.3")
        created = datetime.now(UTC).replace(microsecond=0)
        snapshot_id = format_snapshot_id(highest_counter(self._layout) + 1, created)
        manifest = Manifest(id=snapshot_id, created=created, files=tuple(entries), metadata=caller_metadata)
        write_new_file(self.path / MANIFEST, manifest.to_bytes())  # (3)
        fsops.checkpoint("commit.4")
        _fsync_dirs(self.path)  # (4)
        fsops.checkpoint("commit.5")
        target = layout.snapshot_dir(snapshot_id)
        fsops.rename(self.path, target)  # (5)
        progress.published = target
        fsync_dir(layout.snapshots)
        if activate:
            fsops.checkpoint("commit.6")
            progress.current_touched = True
            write_current(layout, snapshot_id)  # (6)
        fsops.checkpoint("commit.7")
        return manifest.info(active=activate or read_current_id(layout) == snapshot_id)

    def _undo(self, progress: _Progress, previous: str | None) -> str:
        """Remove what a failed commit left; return "" or, if CURRENT could not be restored, a note."""
        layout = self._layout
        published = progress.published
        if published is not None and progress.current_touched and read_current_id(layout) == published.name:
            # The replace happened, the directory fsync after it failed: point CURRENT back.
            try:
                if previous is None:
                    with contextlib.suppress(FileNotFoundError):
                        layout.current.unlink()
                else:
                    write_current(layout, previous, durable=False)
            except OSError as exc:
                _log.error("could not restore CURRENT after a failed commit: %s", exc)
                return f"restoring CURRENT failed too, so snapshot {published.name} remains active"
        target = published if published is not None else self.path
        if published is not None:
            with contextlib.suppress(OSError):
                trash = layout.new_trash_dir(published.name)
                published.rename(trash)  # not via fsops: cleanup must work while a test injects faults
                target = trash
        try:
            remove_tree(target)
        except OSError as exc:
            _log.warning("could not remove %s after a failed commit: %s (recovery will)", target, exc)
        return ""


class _Progress:
    """How far a commit got, for `Workspace._undo`."""

    def __init__(self) -> None:
        self.published: Path | None = None
        self.current_touched = False


def _refuse(relative: str, why: str) -> SnapshotCommitError:
    return SnapshotCommitError(f"cannot publish the workspace: {relative} {why}; nothing was published")


def _check_tree(top: Path) -> list[str]:
    """Step (1): return the sorted relative paths of the files to publish, refusing unsafe entries."""
    if (top / MANIFEST).exists() or (top / MANIFEST).is_symlink():
        raise _refuse(MANIFEST, "is a reserved name")
    real_top = top.resolve()
    files: list[str] = []
    for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
        base = Path(dirpath)
        for name in [*dirnames, *filenames]:
            path = base / name
            relative = path.relative_to(top).as_posix()
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                _check_symlink(path, relative, real_top)
                files.append(relative)
            elif stat.S_ISREG(mode):
                files.append(relative)
            elif not stat.S_ISDIR(mode):
                raise _refuse(relative, "is not a regular file, directory or symlink")
    return sorted(files)


def _check_symlink(path: Path, relative: str, real_top: Path) -> None:
    target = path.readlink()
    if target.is_absolute():
        raise _refuse(relative, f"is an absolute symlink ({target}); only relative links inside are allowed")
    resolved = path.resolve()
    if not resolved.is_relative_to(real_top):
        raise _refuse(relative, f"is a symlink pointing outside the workspace ({target})")
    if not resolved.exists():
        raise _refuse(relative, f"is a dangling symlink ({target})")
    if resolved.is_dir():
        raise _refuse(relative, "is a symlink to a directory, which snapshots do not support")


def _fsync_dirs(top: Path) -> None:
    """Step (4): fsync every directory under `top`, deepest first, then `top`."""
    for dirpath, _dirnames, _filenames in os.walk(top, topdown=False, followlinks=False):
        fsync_dir(Path(dirpath))
