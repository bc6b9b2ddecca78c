"""``docmind jobs``: the job history of the data dir, newest first, as text or JSON."""

from __future__ import annotations

import argparse
from typing import Any

from docmind_jobs import JobRecord, JobState

from docmind.cli.context import EXIT_OK, emit_json, open_service
from docmind.job_view import outcome_sentence


def jobs(args: argparse.Namespace) -> int:
    """Print the job history, newest first."""
    service = open_service(args)
    try:
        records = service.jobs.list(limit=100)
    finally:
        service.close()
    if args.json:
        emit_json([_job_json(r) for r in records])
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
