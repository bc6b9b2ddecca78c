"""Recovery, run every time a store is opened.

Rules (see docs/specs/snapshots.md):

1. Every name under the root is classified by the strict parser; names the store does not own are strays —
   reported in `RecoveryReport.strays`, never touched.
2. If the writer lock can be taken without waiting, no live writer exists: remove every workspace, trash
   directory, ``CURRENT``/``writer.owner`` temp file and delete intent, and the pins of dead processes; then
   check CURRENT (3). If the lock is busy, a live writer owns those files: leave them, only report on CURRENT.
3. CURRENT must name a snapshot whose manifest is readable and whose every file is present with its size
   (a shallow check: opening never reads a whole snapshot; checksums are for `docmind verify` and readers).
   If it is missing its target, not an id, or the target is damaged (a file missing or of another size), point
   it at the newest snapshot that verifies in full (or remove it when none does). If CURRENT is absent while
   snapshots exist, activate the newest one that verifies. Every change is logged as a warning on the
   ``docmind_snapshots`` logger.
4. A read error (``EIO``, too many open files) is not damage: it is raised as the ``OSError`` it is and
   nothing is changed, so a transient fault never rolls the index back.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

from docmind_snapshots import pins
from docmind_snapshots.deletion import snapshot_ids_on_disk
from docmind_snapshots.durable import remove_tree
from docmind_snapshots.ids import try_parse_snapshot_id
from docmind_snapshots.layout import PINS_DIR, SNAPSHOTS_DIR, TMP_DIR, Kind, Layout, classify
from docmind_snapshots.locking import WriterLock
from docmind_snapshots.manifest import BadManifestError, read_manifest
from docmind_snapshots.models import CurrentRepair, RecoveryReport
from docmind_snapshots.pointer import clear_current, read_current_text, write_current
from docmind_snapshots.verify import verify_snapshot

_log = logging.getLogger("docmind_snapshots")

_EXPECTED_DIRS = {Kind.SNAPSHOTS_DIR, Kind.TMP_DIR, Kind.PINS_DIR, Kind.SNAPSHOT, Kind.WORKSPACE, Kind.TRASH}


def recover(layout: Layout, lock: WriterLock) -> RecoveryReport:
    """Bring the store at `layout` back to its invariants and report what was done (see the module rules).

    Raises:
        OSError: The store directories cannot be listed, or a repair could not be written.
    """
    lease = lock.try_acquire("snapshot store recovery")
    # Scanned after the lock attempt: with the lock held, no writer can add or finish a workspace meanwhile.
    owned, strays = _scan(layout)
    for stray in strays:
        _log.info("leaving unrecognised entry %s in snapshot store %s alone", stray, layout.root)
    if lease is None:
        warnings = _check_current_only(layout)
        return RecoveryReport(writer_active=True, strays=tuple(strays), warnings=tuple(warnings))
    try:
        removed = {kind: _remove_all(layout, owned.get(kind, [])) for kind in _CLEANED}
        removed_pins = pins.remove_dead_markers(layout)
        repair, warnings = _repair_current(layout)
    finally:
        lease.release()
    return RecoveryReport(
        removed_workspaces=tuple(removed[Kind.WORKSPACE]),
        removed_trash=tuple(removed[Kind.TRASH]),
        removed_temp_files=tuple(removed[Kind.CURRENT_TEMP] + removed[Kind.WRITER_OWNER_TEMP]),
        removed_pins=tuple(removed[Kind.DELETE_INTENT] + removed_pins),
        current_repaired=repair,
        strays=tuple(strays),
        warnings=tuple(warnings),
    )


_CLEANED = (Kind.WORKSPACE, Kind.TRASH, Kind.CURRENT_TEMP, Kind.WRITER_OWNER_TEMP, Kind.DELETE_INTENT)


def _scan(layout: Layout) -> tuple[dict[Kind, list[str]], list[str]]:
    owned: dict[Kind, list[str]] = {}
    strays: list[str] = []
    for folder in ("", SNAPSHOTS_DIR, TMP_DIR, PINS_DIR):
        base = layout.root / folder if folder else layout.root
        for name in sorted(entry.name for entry in base.iterdir()):
            relative = f"{folder}/{name}" if folder else name
            kind = classify(relative)
            path = base / name
            is_real_dir = path.is_dir() and not path.is_symlink()
            if kind is None or (kind in _EXPECTED_DIRS) != is_real_dir:
                strays.append(relative)
            else:
                owned.setdefault(kind, []).append(relative)
    return owned, strays


def _remove_all(layout: Layout, relatives: list[str]) -> list[str]:
    removed: list[str] = []
    for relative in relatives:
        path = layout.root / relative
        if path.is_dir() and not path.is_symlink():
            remove_tree(path)
        else:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        removed.append(relative)
    return removed


def _problem_with_current(layout: Layout, text: str | None, *, shallow: bool) -> str | None:
    """Return why CURRENT (whose content is `text`) is unusable, or None if it is fine.

    Raises:
        OSError: a file could not be read (a read error is not damage; see the module rules).
    """
    if text is None:
        return "CURRENT is missing" if snapshot_ids_on_disk(layout) else None
    if try_parse_snapshot_id(text) is None:
        return f"CURRENT does not contain a snapshot id ({text[:60]!r})"
    target = layout.snapshots / text
    if not target.is_dir() or target.is_symlink():
        return f"CURRENT names snapshot {text}, which does not exist"
    if not shallow:
        try:
            read_manifest(target)
        except BadManifestError as exc:
            return f"CURRENT names snapshot {text}, whose manifest is unusable: {exc}"
        return None
    report = verify_snapshot(target, deep=False)
    unreadable = [p for p in report.problems if p.kind == "unreadable"]
    if unreadable:
        raise OSError(f"snapshot {text}: {unreadable[0].message}")
    if not report.ok:
        return f"CURRENT names snapshot {text}, which fails verification: {report.problems[0].message}"
    return None


def _check_current_only(layout: Layout) -> list[str]:
    text = read_current_text(layout)
    problem = _problem_with_current(layout, text, shallow=False)
    if problem is None:
        return []
    message = f"{problem}; not repaired because another writer holds the store"
    _log.warning("snapshot store %s: %s", layout.root, message)
    return [message]


def _repair_current(layout: Layout) -> tuple[CurrentRepair | None, list[str]]:
    text = read_current_text(layout)
    problem = _problem_with_current(layout, text, shallow=True)
    if problem is None:
        return None, []
    return fall_back(layout, text, problem)


def fall_back(layout: Layout, text: str | None, problem: str) -> tuple[CurrentRepair | None, list[str]]:
    """Point CURRENT (naming `text`) at the newest other snapshot that verifies in full, or remove it.

    The caller holds the writer lock and has found `problem`, a damage, with what CURRENT names.
    """
    fallback = _newest_verifying(layout, exclude=text)
    if fallback is not None:
        write_current(layout, fallback)
        message = f"{problem}; activated snapshot {fallback}, the newest that verifies"
        repair = CurrentRepair(from_id=text, to_id=fallback, reason=problem)
    elif text is not None:
        clear_current(layout)
        message = f"{problem}; no snapshot verifies, so CURRENT was removed and no snapshot is active"
        repair = CurrentRepair(from_id=text, to_id=None, reason=problem)
    else:
        message = f"{problem}; no snapshot verifies, so no snapshot is active"
        repair = None
    _log.warning("snapshot store %s: %s", layout.root, message)
    return repair, [message]


def _newest_verifying(layout: Layout, exclude: str | None) -> str | None:
    for snapshot_id in snapshot_ids_on_disk(layout):
        if snapshot_id != exclude and verify_snapshot(Path(layout.snapshots / snapshot_id)).ok:
            return snapshot_id
    return None
