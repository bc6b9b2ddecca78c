"""The single-writer lock of a store.

Locking contract:

* **Writers.** At most one writer per store, across threads and processes. A writer is whoever holds
  ``<root>/writer.lock``: an OS lock (``flock`` through `filelock`) taken by one process, plus a per-process
  `threading.Lock` so that two threads of the same process — which would otherwise share `filelock`'s
  reentrant hold — exclude each other too. The lock is not reentrant: a thread holding it that asks again is
  refused. Everything that changes the store (commit, activate, delete, retention, recovery's cleanup) happens
  under it.
* **Dead holders.** The kernel drops an ``flock`` when its process dies, so a crashed writer never blocks the
  next one. ``writer.lock`` itself is never deleted (deleting a lock file races with late openers).
* **Holder description.** After acquiring, the holder writes ``writer.owner`` (owner text, pid, host, since)
  so a refused writer can say who is writing; it is removed just before release. It is advisory: a stale one
  left by a dead process is simply overwritten by the next holder.
* **Readers** never take this lock; see `docmind_snapshots.store` for what they see.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import filelock
from pydantic import ValidationError

from docmind_snapshots import fsops
from docmind_snapshots.durable import atomic_write_bytes
from docmind_snapshots.errors import WriterBusyError
from docmind_snapshots.models import WriterHolder

_log = logging.getLogger("docmind_snapshots")
_POLL_INTERVAL = 0.02
WAIT_CHECKPOINT = "writer_lock.wait"
"""The `fsops.checkpoint` passed when a writer finds the lock held and starts waiting for it."""


@dataclass(slots=True)
class _ProcessSlot:
    """The in-process half of a store's lock: shared by every `WriterLock` on the same lock file."""

    thread_lock: threading.Lock
    file_lock: Any  # filelock.BaseFileLock; typed loosely because filelock aliases FileLock per platform


_registry_guard = threading.Lock()
_registry: dict[str, _ProcessSlot] = {}


def _forget_after_fork() -> None:
    # A forked child does not hold its parent's lock even if the parent did at fork time; start afresh.
    global _registry_guard, _registry
    _registry_guard = threading.Lock()
    _registry = {}


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)


def _slot_for(lock_path: Path) -> _ProcessSlot:
    key = os.path.normcase(os.path.realpath(lock_path))
    with _registry_guard:
        slot = _registry.get(key)
        if slot is None:
            file_lock = filelock.FileLock(
                lock_path,
                timeout=0,
                thread_local=False,  # the hold belongs to the process; our thread_lock excludes threads
                preserve_lock_file=True,  # never unlink writer.lock: unlinking a lock file races with openers
            )
            slot = _ProcessSlot(threading.Lock(), file_lock)
            _registry[key] = slot
        return slot


class WriterLease:
    """Proof of holding the writer lock; `release` is idempotent and may be called from any thread."""

    def __init__(self, slot: _ProcessSlot, owner_path: Path) -> None:
        self._slot = slot
        self._owner_path = owner_path
        self._released = False
        self._guard = threading.Lock()

    @property
    def released(self) -> bool:
        """Whether `release` has run."""
        return self._released

    def release(self) -> None:
        """Remove the holder sidecar, then release the OS lock and the in-process lock."""
        with self._guard:
            if self._released:
                return
            self._released = True
        try:
            with contextlib.suppress(OSError):
                self._owner_path.unlink(missing_ok=True)
            self._slot.file_lock.release()
        finally:
            self._slot.thread_lock.release()


class WriterLock:
    """The writer lock of one store (``writer.lock`` + ``writer.owner`` under the root)."""

    def __init__(self, lock_path: Path, owner_path: Path) -> None:
        self._lock_path = lock_path
        self._owner_path = owner_path
        self._slot = _slot_for(lock_path)

    def acquire(self, owner: str, timeout: float = 0.0) -> WriterLease:
        """Take the lock, waiting at most `timeout` seconds, and record `owner` in ``writer.owner``.

        Args:
            owner: Free text naming the writer in other writers' error messages.
            timeout: Seconds to wait; 0 tries once.

        Returns:
            The lease; call `WriterLease.release` when done.

        Raises:
            WriterBusyError: Another thread or process holds the lock past the timeout; the error names it.
            ValueError: `timeout` is negative.
        """
        if timeout < 0:
            raise ValueError(f"timeout must be >= 0, not {timeout}")
        deadline = time.monotonic() + timeout
        got_thread = self._slot.thread_lock.acquire(blocking=False)
        if not got_thread and timeout > 0:
            fsops.checkpoint(WAIT_CHECKPOINT)
            got_thread = self._slot.thread_lock.acquire(timeout=timeout)
        if not got_thread:
            raise WriterBusyError(self.holder())
        try:
            try:
                self._slot.file_lock.acquire(blocking=False)
            except filelock.Timeout:
                remaining = max(0.0, deadline - time.monotonic())
                if remaining <= 0:
                    raise
                fsops.checkpoint(WAIT_CHECKPOINT)
                self._slot.file_lock.acquire(timeout=remaining, poll_interval=min(_POLL_INTERVAL, remaining))
        except filelock.Timeout:
            self._slot.thread_lock.release()
            raise WriterBusyError(self.holder()) from None
        except BaseException:
            self._slot.thread_lock.release()
            raise
        self._write_owner(owner)
        return WriterLease(self._slot, self._owner_path)

    def try_acquire(self, owner: str) -> WriterLease | None:
        """Take the lock if it is free right now; None if someone holds it."""
        try:
            return self.acquire(owner, timeout=0.0)
        except WriterBusyError:
            return None

    def holder(self) -> WriterHolder | None:
        """Read ``writer.owner``; None if it is absent or unreadable (never raises)."""
        try:
            return WriterHolder.model_validate_json(self._owner_path.read_bytes())
        except (OSError, ValidationError):
            return None

    def _write_owner(self, owner: str) -> None:
        holder = WriterHolder(
            owner=owner, pid=os.getpid(), host=socket.gethostname(), since=datetime.now(UTC)
        )
        data = json.dumps(holder.model_dump(mode="json")).encode()
        try:
            # Advisory only: not fsynced, and a failure must not stop the writer (the lock itself is held).
            atomic_write_bytes(self._owner_path, data, durable=False)
        except OSError as exc:
            _log.warning("could not record the snapshot writer in %s: %s", self._owner_path, exc)
