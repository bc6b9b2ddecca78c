"""`SnapshotStore`: a directory of immutable snapshot directories with one active pointer.

Locking contract (see also `docmind_snapshots.locking`):

* **Who may write.** Only the holder of the store's writer lock: one `Workspace` (from `begin`) or one
  management call (`activate`, `delete`, `apply_retention`) at a time, across threads and processes. Others
  get `WriterBusyError` naming the holder. Recovery cleans up only when it can take the lock.
* **What readers see.** Readers never lock. CURRENT is replaced atomically, and a snapshot directory appears
  in ``snapshots/`` by one rename once complete and fsynced, so a reader sees either the previous state or the
  new one, never a partial snapshot. Published snapshots are never modified.
* **Reader rule.** A reader that needs the files pins the snapshot with `open` (a pin file per open, per
  process); while pinned, the snapshot is neither deleted (`SnapshotInUseError`) nor removed by retention, so
  the yielded path stays valid until the ``with`` block ends. The active snapshot is never deleted either.
  Pins of dead processes are ignored.
"""

from __future__ import annotations

import builtins
import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

from docmind_snapshots import pins
from docmind_snapshots.deletion import (
    delete_snapshot,
    retention_victims,
    snapshot_ids_on_disk,
)
from docmind_snapshots.errors import (
    SnapshotDamagedError,
    SnapshotError,
    SnapshotInUseError,
    SnapshotNotFoundError,
)
from docmind_snapshots.ids import try_parse_snapshot_id, validate_snapshot_id
from docmind_snapshots.layout import MANIFEST, Kind, Layout
from docmind_snapshots.locking import WriterLease, WriterLock
from docmind_snapshots.manifest import BadManifestError, Manifest, read_manifest
from docmind_snapshots.models import CurrentRepair, Problem, RecoveryReport, SnapshotInfo, VerifyReport
from docmind_snapshots.pointer import read_current_id, read_current_text, write_current
from docmind_snapshots.recovery import fall_back, recover
from docmind_snapshots.verify import verify_snapshot
from docmind_snapshots.workspace import Workspace

_log = logging.getLogger("docmind_snapshots")
_READ_RETRIES = 5


class SnapshotStore:
    """A store of immutable snapshot directories under `root`; opening it runs recovery.

    Attributes:
        root: The resolved store root.
        retention: How many of the newest snapshots retention keeps (the active one is kept in addition).
        recovery: What recovery found and fixed when this instance was opened.
    """

    def __init__(self, root: Path, *, retention: int = 5) -> None:
        """Open (creating if needed) the store at `root` and run recovery.

        Raises:
            ValueError: `retention` is below 1.
            OSError: The root cannot be created or listed.
        """
        if retention < 1:
            raise ValueError(f"retention must keep at least one snapshot, not {retention}")
        self._layout = Layout.create(root)
        self._lock = WriterLock(self._layout.writer_lock, self._layout.writer_owner)
        self.root = self._layout.root
        self.retention = retention
        self.recovery: RecoveryReport = recover(self._layout, self._lock)

    def __repr__(self) -> str:
        return f"SnapshotStore({str(self.root)!r}, retention={self.retention})"

    # -- writing ---------------------------------------------------------------------------------------------

    def begin(self, owner: str = "", timeout: float = 0.0) -> Workspace:
        """Take the writer lock and return a fresh workspace in ``<root>/tmp``.

        Args:
            owner: Names this writer in other writers' `WriterBusyError` messages (e.g. ``"ingest job 12"``).
            timeout: Seconds to wait for the lock; 0 fails at once if it is held.

        Raises:
            WriterBusyError: Another writer holds the lock; the message and `holder` name it.
        """
        lease = self._lock.acquire(owner, timeout)
        path = self._layout.new_workspace_dir()
        try:
            path.mkdir()
        except BaseException:
            lease.release()
            raise
        return Workspace(self, self._layout, lease, path, owner)

    # -- reading (never locks) -------------------------------------------------------------------------------

    def current(self) -> SnapshotInfo | None:
        """Return the active snapshot, or None when no snapshot is active.

        Raises:
            SnapshotNotFoundError: CURRENT names a snapshot that no longer exists (reopening the store repairs
            it). SnapshotDamagedError: The active snapshot's manifest is unusable.
        """
        for _ in range(_READ_RETRIES):
            snapshot_id = read_current_id(self._layout)
            if snapshot_id is None:
                return None
            try:
                return read_manifest(self._layout.snapshots / snapshot_id).info(active=True)
            except FileNotFoundError:
                if read_current_id(self._layout) != snapshot_id:
                    continue  # a writer switched CURRENT and retention removed the old one meanwhile
                raise SnapshotNotFoundError(snapshot_id, "is named by CURRENT but does not exist") from None
            except BadManifestError as exc:
                problem = Problem(kind="bad_manifest", path=MANIFEST, message=str(exc))
                raise SnapshotDamagedError(snapshot_id, (problem,)) from exc
        return None

    def list(self) -> builtins.list[SnapshotInfo]:
        """Return every readable snapshot, newest first, with the active one flagged.

        Snapshots whose manifest is unusable are left out (`verify_all` reports them).
        """
        active = read_current_id(self._layout)
        infos: builtins.list[SnapshotInfo] = []
        for snapshot_id in snapshot_ids_on_disk(self._layout):
            try:
                manifest = read_manifest(self._layout.snapshots / snapshot_id)
            except (FileNotFoundError, BadManifestError):
                continue
            infos.append(manifest.info(active=snapshot_id == active))
        return infos

    def path_of(self, snapshot_id: str) -> Path:
        """Return the directory of a snapshot (not pinned: use `open` to keep it from being deleted).

        Raises:
            InvalidSnapshotIdError: `snapshot_id` is not an id.
            SnapshotNotFoundError: There is no such snapshot.
            UnsafePathError: The path resolves outside the store.
        """
        path = self._layout.snapshot_dir(snapshot_id)
        if not path.is_dir() or path.is_symlink():
            raise SnapshotNotFoundError(snapshot_id)
        return path

    @contextlib.contextmanager
    def open(self, snapshot_id: str) -> Iterator[Path]:
        """Pin a snapshot and yield its directory, which stays valid until the block ends.

        Raises:
            InvalidSnapshotIdError: `snapshot_id` is not an id.
            SnapshotNotFoundError: There is no such snapshot, or it is being deleted.
        """
        path, pin = self._pin(snapshot_id)
        try:
            yield path
        finally:
            pins.remove_marker(pin)

    @contextlib.contextmanager
    def open_current(self) -> Iterator[Path | None]:
        """Pin the active snapshot and yield its directory (its name is the id), or None if none is active.

        Retries if the active snapshot changes and the old one is removed between reading CURRENT and pinning.

        Raises:
            SnapshotNotFoundError: CURRENT names a snapshot that does not exist.
        """
        pinned: tuple[Path, Path] | None = None
        for _ in range(_READ_RETRIES):
            snapshot_id = read_current_id(self._layout)
            if snapshot_id is None:
                break
            try:
                pinned = self._pin(snapshot_id)
                break
            except SnapshotNotFoundError:
                if read_current_id(self._layout) == snapshot_id:
                    raise
        if pinned is None:
            yield None
            return
        try:
            yield pinned[0]
        finally:
            pins.remove_marker(pinned[1])

    def manifest(self, snapshot_id: str) -> Manifest:
        """The manifest of a published snapshot (every file's path, size and SHA-256; the metadata).

        Raises:
            InvalidSnapshotIdError: `snapshot_id` is not an id.
            SnapshotNotFoundError: There is no such snapshot.
            SnapshotDamagedError: Its manifest is unusable.
            OSError: The manifest cannot be read.
        """
        path = self.path_of(snapshot_id)
        try:
            return read_manifest(path)
        except FileNotFoundError:
            raise SnapshotNotFoundError(snapshot_id) from None
        except BadManifestError as exc:
            problem = Problem(kind="bad_manifest", path=MANIFEST, message=str(exc))
            raise SnapshotDamagedError(snapshot_id, (problem,)) from exc

    def verify(self, snapshot_id: str) -> VerifyReport:
        """Verify one snapshot's files against its manifest (pinned while it runs).

        Raises:
            InvalidSnapshotIdError: `snapshot_id` is not an id.
            SnapshotNotFoundError: There is no such snapshot.
        """
        with self.open(snapshot_id) as path:
            return verify_snapshot(path)

    def verify_all(self) -> builtins.list[VerifyReport]:
        """Verify every snapshot, newest first, plus a ``"CURRENT"`` report if CURRENT is unusable.

        A snapshot that disappears while this runs (deleted by a writer) is skipped.
        """
        reports: builtins.list[VerifyReport] = []
        for snapshot_id in snapshot_ids_on_disk(self._layout):
            with contextlib.suppress(SnapshotNotFoundError):
                reports.append(self.verify(snapshot_id))
        problem = self._current_problem()
        if problem is not None:
            reports.append(VerifyReport(snapshot_id="CURRENT", ok=False, problems=(problem,)))
        return reports

    # -- managing (under the writer lock) --------------------------------------------------------------------

    def activate(self, snapshot_id: str, *, timeout: float = 0.0) -> SnapshotInfo:
        """Make a snapshot the active one (e.g. roll back), after verifying it.

        Raises:
            InvalidSnapshotIdError: `snapshot_id` is not an id.
            SnapshotNotFoundError: There is no such snapshot.
            SnapshotDamagedError: It fails verification; CURRENT is unchanged.
            WriterBusyError: Another writer holds the store.
            SnapshotError: CURRENT could not be written (the message says why).
        """
        validate_snapshot_id(snapshot_id)
        with self._locked(f"activating {snapshot_id}", timeout):
            report = self.verify(snapshot_id)
            if not report.ok:
                raise SnapshotDamagedError(snapshot_id, report.problems)
            try:
                write_current(self._layout, snapshot_id)
            except OSError as exc:
                raise SnapshotError(f"could not activate {snapshot_id}: {exc.strerror or exc}") from exc
            return read_manifest(self._layout.snapshots / snapshot_id).info(active=True)

    def fall_back_from(self, snapshot_id: str, reason: str, *, timeout: float = 0.0) -> CurrentRepair | None:
        """Make CURRENT leave a damaged snapshot for the newest one that verifies (or none), if it names it.

        For a reader that found damage (a checksum that does not match) in the active snapshot. The damage
        is confirmed first by verifying the snapshot in full: a snapshot that verifies (or merely cannot be
        read now) is left active and None is returned. The repair is logged as a warning.

        Raises:
            WriterBusyError: Another writer holds the store.
            OSError: CURRENT could not be read or written.
        """
        validate_snapshot_id(snapshot_id)
        with self._locked(f"falling back from the damaged snapshot {snapshot_id}", timeout):
            if read_current_text(self._layout) != snapshot_id:
                return None
            report = verify_snapshot(self._layout.snapshots / snapshot_id)
            if not report.damaged:
                return None
            problem = f"snapshot {snapshot_id} is damaged ({reason}; {report.problems[0].message})"
            repair, _ = fall_back(self._layout, snapshot_id, problem)
            return repair

    def delete(self, snapshot_id: str, *, timeout: float = 0.0) -> None:
        """Delete a snapshot that is neither active nor open by a live reader.

        Raises:
            InvalidSnapshotIdError: `snapshot_id` is not an id.
            SnapshotNotFoundError: There is no such snapshot.
            SnapshotActiveError: It is the active snapshot.
            SnapshotInUseError: A live reader has it open.
            WriterBusyError: Another writer holds the store.
            SnapshotError: The filesystem refused (the message says why).
        """
        validate_snapshot_id(snapshot_id)
        with self._locked(f"deleting {snapshot_id}", timeout):
            try:
                delete_snapshot(self._layout, snapshot_id, read_current_id(self._layout))
            except OSError as exc:
                raise SnapshotError(f"could not delete {snapshot_id}: {exc.strerror or exc}") from exc

    def apply_retention(self, *, timeout: float = 0.0) -> builtins.list[str]:
        """Delete all but the newest `retention` snapshots, sparing the active one and pinned ones.

        Returns:
            The ids deleted, newest first.

        Raises:
            WriterBusyError: Another writer holds the store.
        """
        with self._locked("applying retention", timeout):
            return self._retain()

    # -- internals shared with Workspace ---------------------------------------------------------------------

    def _retain(self) -> builtins.list[str]:
        victims = retention_victims(
            snapshot_ids_on_disk(self._layout),
            self.retention,
            read_current_id(self._layout),
            pins.pinned_ids(self._layout),
        )
        deleted: builtins.list[str] = []
        for snapshot_id in victims:
            try:
                delete_snapshot(self._layout, snapshot_id, read_current_id(self._layout))
            except (SnapshotInUseError, SnapshotNotFoundError):
                continue
            except (OSError, SnapshotError) as exc:
                _log.warning("retention could not delete snapshot %s: %s", snapshot_id, exc)
                continue
            deleted.append(snapshot_id)
        return deleted

    def retain_after_commit(self) -> None:
        """Apply retention if the writer lock is free right now (step (8) of a commit); never raises."""
        lease = self._lock.try_acquire("applying retention after a commit")
        if lease is None:
            return  # another writer got in first; its own commit applies retention
        try:
            self._retain()
        except Exception:  # the commit already succeeded; retention is housekeeping
            _log.exception("retention after commit failed in %s", self.root)
        finally:
            lease.release()

    @contextlib.contextmanager
    def _locked(self, owner: str, timeout: float) -> Iterator[WriterLease]:
        lease = self._lock.acquire(owner, timeout)
        try:
            yield lease
        finally:
            lease.release()

    def _pin(self, snapshot_id: str) -> tuple[Path, Path]:
        path = self._layout.snapshot_dir(snapshot_id)
        pin = pins.create_marker(self._layout, snapshot_id, Kind.PIN)
        try:
            if pins.live_pids(self._layout, snapshot_id, Kind.DELETE_INTENT):
                raise SnapshotNotFoundError(snapshot_id, "is being deleted")
            if not path.is_dir() or path.is_symlink():
                raise SnapshotNotFoundError(snapshot_id)
        except BaseException:
            pins.remove_marker(pin)
            raise
        return path, pin

    def _current_problem(self) -> Problem | None:
        try:
            text = read_current_text(self._layout)
        except OSError as exc:
            return Problem(kind="bad_current", message=f"CURRENT cannot be read: {exc.strerror or exc}")
        if text is None:
            if snapshot_ids_on_disk(self._layout):
                return Problem(kind="bad_current", message="CURRENT is missing although snapshots exist")
            return None
        if try_parse_snapshot_id(text) is None:
            return Problem(
                kind="bad_current", message=f"CURRENT does not contain a snapshot id ({text[:60]!r})"
            )
        target = self._layout.snapshots / text
        if not target.is_dir() or target.is_symlink():
            return Problem(kind="bad_current", message=f"CURRENT names snapshot {text}, which does not exist")
        return None
