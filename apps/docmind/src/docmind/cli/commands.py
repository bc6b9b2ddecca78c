"""The small ``docmind`` commands: snapshots, activate, search, verify, optimize, jobs."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from docmind_jobs import JobRecord, JobState
from docmind_snapshots import (
    RecoveryReport,
    SnapshotError,
    SnapshotInfo,
    SnapshotStore,
    VerifyReport,
    WriterBusyError,
)

from docmind.cli.context import EXIT_BUSY, EXIT_FAILED, EXIT_OK, EXIT_USAGE, fail, open_service
from docmind.job_view import outcome_sentence
from docmind.search import NoSnapshotError, SearchModeError
from docmind.search import search as run_search
from docmind.segments import layout
from docmind.segments.meta import read_segment_meta


def _emit_json(payload: Any) -> None:
    print(json.dumps(payload, default=str), flush=True)


def snapshots(args: argparse.Namespace) -> int:
    """List snapshots, newest first; the active one is marked with ``*``."""
    service = open_service(args)
    try:
        infos = service.store.list()
        if args.json:
            _emit_json([_snapshot_json(info) for info in infos])
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
    finally:
        service.close()


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
    service = open_service(args)
    try:
        service.store.activate(args.snapshot_id)
    except SnapshotError as exc:
        return fail(str(exc))
    finally:
        service.close()
    print(f"active snapshot: {args.snapshot_id}")
    return EXIT_OK


def search(args: argparse.Namespace) -> int:
    """Search the active snapshot; print each hit's relevance (0-100), file, page, retrievers, score, passage.

    ``--json`` prints every field of each hit, each retriever's raw score among them.
    """
    if args.k < 1:
        return fail("-k must be at least 1", EXIT_USAGE)
    service = open_service(args)
    try:
        result = run_search(
            service.store, args.query, k=args.k, mode=args.mode, fusion=service.settings.fusion
        )
    except (NoSnapshotError, SearchModeError) as exc:
        return fail(str(exc))
    finally:
        service.close()
    if result.warning:
        print(f"docmind: {result.warning}", file=sys.stderr)
    if result.keyword_only:
        print("note: the active snapshot is keyword-only (no vectors): BM25 search", file=sys.stderr)
    if result.fallback:
        print(f"note: {result.fallback}: BM25 search only", file=sys.stderr)
    if args.json:
        _emit_json([hit.model_dump(mode="json") for hit in result.hits])
        return EXIT_OK
    if not result.hits:
        print("no matches")
    for hit in result.hits:
        page = f" p.{hit.page}" if hit.page else ""
        found = "+".join(hit.retrievers)
        heading = f"{hit.relevance:3d}/100  {hit.file}{page}  [{found}]  score {hit.score:.4g}"
        print(f"{heading}\n         {hit.excerpt}")
    return EXIT_OK


def verify(args: argparse.Namespace) -> int:
    """Verify every snapshot and CURRENT; exit 1 if anything is damaged.

    Opening the data dir runs recovery first, which may repair things (a CURRENT that named a
    missing or damaged snapshot, leftovers of a crash): those repairs are listed too. The exit code
    says whether damage remains after them.
    """
    service = open_service(args)
    try:
        store = service.store
        recovery = store.recovery
        reports = store.verify_all()
        repairs = repairs_made(recovery)
        active = store.current()
        fell_back = _fall_back_if_damaged(store, active.id if active else None, reports)
        if fell_back:
            repairs.append(fell_back)
        current = store.current()
        covered = {
            r.snapshot_id: damaged_files(store, r)
            for r in reports
            if r.damaged and r.snapshot_id != "CURRENT"
        }
    finally:
        service.close()
    damaged = [r for r in reports if not r.ok]
    if args.json:
        _emit_json(
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

    service = open_service(args)
    try:
        result = run_optimize(service.store, lambda message: print(message, flush=True))
    except WriterBusyError as exc:
        return fail(str(exc), EXIT_BUSY)
    except SnapshotError as exc:
        return fail(str(exc))
    finally:
        service.close()
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


def jobs(args: argparse.Namespace) -> int:
    """Print the job history, newest first."""
    service = open_service(args)
    try:
        records = service.jobs.list(limit=100)
    finally:
        service.close()
    if args.json:
        _emit_json([_job_json(r) for r in records])
        return EXIT_OK
    if not records:
        print("no jobs yet")
    for r in records:
        counts = r.progress.counts if r.progress else {}
        line = (
            f"{r.id}  {r.kind:<7} {r.state.value:<11} {r.created:%Y-%m-%d %H:%M:%S}  "
            f"files {int(counts.get('files_done', 0))}/{int(counts.get('files_total', 0))}  "
            f"failed {int(counts.get('files_failed', 0))}  removed {int(counts.get('files_removed', 0))}  "
            f"chunks {int(counts.get('chunks', 0))}  {outcome_sentence(r)}"
        )
        print(line + (f"  error: {r.error}" if r.error else ""))
    return EXIT_OK


def _job_json(record: JobRecord) -> dict[str, Any]:
    """``result`` is the snapshot the job left active; ``changed`` says whether it published it.

    ``changed`` is ``None`` for a job that did not succeed (it published nothing); ``outcome`` says
    it in words (``job_view.outcome_sentence``).
    """
    counts = record.progress.counts if record.progress else {}
    succeeded = record.state == JobState.SUCCEEDED
    return {
        "id": record.id,
        "kind": record.kind,
        "state": record.state.value,
        "owner": record.owner,
        "started": record.started,
        "finished": record.finished,
        "counts": counts,
        "error": record.error,
        "result": record.result,
        "changed": bool(counts.get("changed", 1)) if succeeded else None,
        "outcome": outcome_sentence(record),
    }
