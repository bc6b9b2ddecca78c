"""``docmind ingest``: run an ingestion job in this process and follow it to the end.

SIGINT and SIGTERM cancel cooperatively (exit 130, nothing published), whenever they come: one
that came before the job existed cancels it as soon as it does (``docmind.cli.interrupts``).
Output: a rich progress bar on a TTY, JSON lines with ``--json``, otherwise one summary line.
"""

from __future__ import annotations

import argparse
import json
import sys

from docmind_jobs import JobState

from docmind.cli.context import EXIT_BUSY, EXIT_CANCELLED, EXIT_FAILED, EXIT_OK, fail, open_service
from docmind.cli.progress_view import JsonView, PlainView, ProgressView, RichView
from docmind.ingest.summary import IngestSummary
from docmind.service import DocMind, IngestionBusyError

_FOLLOW_INTERVAL = 0.1


def run(args: argparse.Namespace) -> int:
    """Run ``docmind ingest`` and return its exit code."""
    service = open_service(args)
    try:
        return _ingest(service, args)
    finally:
        service.close()


def _ingest(service: DocMind, args: argparse.Namespace) -> int:
    missing = [str(p) for p in args.sources if not p.exists()]
    if missing:
        return fail(f"source not found: {', '.join(missing)}")
    active = service.active_ingestion()
    if active is not None:
        return fail(f"another ingestion holds the index: job {active.id} ({active.state.value})", EXIT_BUSY)
    try:
        job_id = service.start_ingestion(args.sources, owner="cli")
    except IngestionBusyError as exc:
        return fail(str(exc), EXIT_BUSY)
    args.interrupts.cancel_with(lambda: service.jobs.cancel(job_id))
    view: ProgressView = JsonView() if args.json else RichView() if sys.stdout.isatty() else PlainView()
    try:
        record = _follow(service, job_id, view)
    finally:
        view.close()
    return _finish(service, job_id, record.state, args.json, record.error or "")


def _follow(service: DocMind, job_id: str, view: ProgressView):
    cursor = 0
    while True:
        try:
            record = service.jobs.wait(job_id, timeout=_FOLLOW_INTERVAL)
        except TimeoutError:
            record = service.jobs.get(job_id)
        for event in service.jobs.events_since(job_id, cursor):
            cursor = event.seq
            view.show(event)
        if record is not None and record.state.is_terminal:
            return record


def _finish(service: DocMind, job_id: str, state: JobState, as_json: bool, error: str) -> int:
    outcome = service.outcome(job_id)
    if state == JobState.SUCCEEDED and isinstance(outcome, IngestSummary):
        _print_summary(outcome, as_json)
        return EXIT_OK
    if state in (JobState.CANCELLED, JobState.INTERRUPTED):
        return fail("ingestion cancelled; nothing was published", EXIT_CANCELLED)
    if isinstance(outcome, IngestionBusyError):
        return fail(str(outcome), EXIT_BUSY)
    return fail(f"ingestion failed: {error or 'unknown error'}; nothing was published", EXIT_FAILED)


def _print_summary(summary: IngestSummary, as_json: bool) -> None:
    if as_json:
        print(json.dumps(summary.model_dump(mode="json")), flush=True)
        return
    print(
        f"published {summary.snapshot_id}: {summary.files_total} files "
        f"({summary.files_indexed} indexed, {summary.files_cached} cached, "
        f"{len(summary.files_failed)} failed), "
        f"{summary.chunks} chunks in {summary.seconds:.1f} s"
    )
    for failed in summary.files_failed:
        print(f"  failed: {failed.path}: {failed.error}")
