"""The ``docmind`` commands on the snapshot store: snapshots, activate, verify, optimize.

Each opens the snapshot store alone (``context.open_snapshots``, its recovery included), not the
job history or the sources, except ``verify``: it checks the whole data dir, so it opens the job
history and the sources too, and a broken one fails it. ``search`` and ``jobs`` live in modules of
their own (``search_command``, ``jobs_command``): a command imports only what it uses.
"""

from __future__ import annotations

import argparse
from typing import Any

from docmind_snapshots import (
    RecoveryReport,
    SnapshotError,
    SnapshotInfo,
    SnapshotStore,
    VerifyReport,
    WriterBusyError,
)

from docmind.cli.context import EXIT_BUSY, EXIT_FAILED, EXIT_OK, emit_json, fail, open_service, open_snapshots
from docmind.segments import layout
from docmind.segments.meta import read_segment_meta


def snapshots(args: argparse.Namespace) -> int:
    """List snapshots, newest first; the active one is marked with ``*``."""
    _, store = open_snapshots(args)
    infos = store.list()
    if args.json:
        emit_json([_snapshot_json(info) for info in infos])
        return EXIT_OK
    if not infos:
        print("no snapshots yet: run `docmind ingest`")
    for info in infos:
        meta = info.metadata
        mark = "*" if info.active else " "
        print(
            f"{mark} {info.id}  {info.created:%Y-%m-%d %H:%M:%S}  "
            f"{meta.get('files_total', '?')} documents  {meta.get('chunks', '?')} chunks  "
            f"{info.size_bytes} bytes"
        )
    return EXIT_OK


def _snapshot_json(info: SnapshotInfo) -> dict[str, Any]:
    """``files``: the documents the snapshot lists; ``stored_files``: the files the snapshot itself holds."""
    return {
        "id": info.id,
        "active": info.active,
        "created": info.created.isoformat(),
        "files": info.metadata.get("files_total"),
        "chunks": info.metadata.get("chunks"),
        "size_bytes": info.size_bytes,
        "stored_files": info.stored_files,
        "metadata": info.metadata,
    }


def activate(args: argparse.Namespace) -> int:
    """Make ``SNAPSHOT_ID`` the active snapshot."""
    _, store = open_snapshots(args)
    try:
        store.activate(args.snapshot_id)
    except SnapshotError as exc:
        return fail(str(exc))
    print(f"active snapshot: {args.snapshot_id}")
    return EXIT_OK


def verify(args: argparse.Namespace) -> int:
    """Verify every snapshot and CURRENT; exit 1 if anything is damaged.

    Opening the data dir runs recovery first, which may repair things (a CURRENT that named a
    missing or damaged snapshot, leftovers of a crash): those repairs are listed too. The exit code
    says whether damage remains after them. A job history or source list that cannot be opened fails
    the command in one line, as for ``ingest`` and ``jobs``.
    """
    store = open_service(args).store
    recovery = store.recovery
    reports = store.verify_all()
    repairs = repairs_made(recovery)
    active = store.current()
    fell_back = _fall_back_if_damaged(store, active.id if active else None, reports)
    if fell_back:
        repairs.append(fell_back)
    current = store.current()
    covered = {
        r.snapshot_id: damaged_files(store, r) for r in reports if r.damaged and r.snapshot_id != "CURRENT"
    }
    damaged = [r for r in reports if not r.ok]
    if args.json:
        emit_json(
            {
                "ok": not damaged,
                "current": current.id if current else None,
                "snapshots": [
                    r.model_dump(mode="json") | {"documents_affected": covered.get(r.snapshot_id, [])}
                    for r in reports
                ],
                "repairs": repairs,
                "recovery": recovery.model_dump(mode="json"),
            }
        )
    else:
        for repair in repairs:
            print(f"repaired on opening: {repair}")
        for report in reports:
            status = "ok" if report.ok else "DAMAGED: " + "; ".join(p.message for p in report.problems)
            files = covered.get(report.snapshot_id)
            if files:
                status += f"; documents affected: {', '.join(files[:5])}" + (
                    f" (+{len(files) - 5} more)" if len(files) > 5 else ""
                )
            print(f"{report.snapshot_id}: {status}")
        print(f"CURRENT: {current.id if current else '(none)'}")
    return EXIT_FAILED if damaged else EXIT_OK


def _fall_back_if_damaged(
    store: SnapshotStore, active: str | None, reports: list[VerifyReport]
) -> str | None:
    """Move CURRENT off the active snapshot when verification found it damaged; say what was done."""
    report = next((r for r in reports if r.snapshot_id == active), None)
    if active is None or report is None or not report.damaged:
        return None
    try:
        repair = store.fall_back_from(active, "docmind verify found it damaged")
    except WriterBusyError as exc:
        return f"the active snapshot {active} is damaged; not repaired now: {exc}"
    if repair is None:
        return None
    now = f"it now names {repair.to_id}" if repair.to_id else "no snapshot is active"
    return f"{repair.reason}; {now}"


def damaged_files(store: SnapshotStore, report: VerifyReport) -> list[str]:
    """The documents whose chunks live in the damaged segments of ``report``'s snapshot."""
    segments = {p.path.split("/")[1] for p in report.problems if p.path.startswith(f"{layout.SEGMENTS_DIR}/")}
    files: list[str] = []
    for name in sorted(segments):
        try:
            meta = read_segment_meta(store.path_of(report.snapshot_id) / layout.segment_dir(name))
        except (OSError, ValueError, SnapshotError):
            files.append(f"(every document of segment {name}: its header is unreadable)")
            continue
        files.extend(span.path for span in meta.files)
    return files


def optimize(args: argparse.Namespace) -> int:
    """Merge the active snapshot's segments now and publish the result (nothing if nothing would change)."""
    from docmind.ingest.optimize import optimize as run_optimize

    _, store = open_snapshots(args)
    try:
        result = run_optimize(store, lambda message: print(message, flush=True))
    except WriterBusyError as exc:
        return fail(str(exc), EXIT_BUSY)
    except SnapshotError as exc:
        return fail(str(exc))
    if result.snapshot_id is None:
        print("nothing to optimize: there is no snapshot yet")
    elif not result.changed:
        segments = f"{result.segments_after} segment(s)"
        print(f"nothing to optimize: {result.snapshot_id} has {segments} and no deleted chunks")
    else:
        merged = f"{result.segments_before} segments merged into {result.segments_after}"
        print(f"published {result.snapshot_id}: {merged}")
    return EXIT_OK


def repairs_made(recovery: RecoveryReport) -> list[str]:
    """One sentence per kind of repair that opening the snapshot store made."""
    repairs = []
    fixed = recovery.current_repaired
    if fixed is not None:
        now = f"it now names {fixed.to_id}" if fixed.to_id else "no snapshot is active"
        repairs.append(f"{fixed.reason}; {now}")
    removed = [
        (recovery.removed_workspaces, "unfinished snapshot workspace"),
        (recovery.removed_trash, "half-deleted snapshot"),
        (recovery.removed_temp_files, "temporary file"),
        (recovery.removed_pins, "stale reader pin"),
    ]
    repairs.extend(
        f"removed {len(items)} {what}(s) left by a stopped process" for items, what in removed if items
    )
    return repairs
