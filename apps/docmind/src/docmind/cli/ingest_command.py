"""``docmind ingest``: run an ingestion job in this process and follow it to the end.

Each PATH joins the corpus first (``docmind.corpus_additions``: a folder becomes a source, a file
is copied into the documents folder) and the whole corpus is ingested; with ``--only`` exactly the
PATHs are ingested and what the new snapshot will drop from the active one is stated before the
job starts. SIGINT and SIGTERM cancel cooperatively (exit 130, nothing published), whenever they
come: one that came before the job existed cancels it as soon as it does (``docmind.cli.interrupts``).
Output: a note per PATH, then a rich progress bar on a TTY, JSON lines with ``--json``
(``{"event": "source"}``, ``{"event": "document"}``, ``{"event": "dropping"}`` notes, progress
events, the summary), otherwise the notes and one summary line.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from docmind_jobs import JobState

from docmind.cli.context import (
    EXIT_BUSY,
    EXIT_CANCELLED,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    fail,
    open_service,
)
from docmind.cli.progress_view import JsonView, PlainView, ProgressView, RichView
from docmind.corpus_additions import add_to_corpus
from docmind.ingest.publish.summary import SAMPLE, IngestSummary, count_phrase
from docmind.service import DocMind, IngestionBusyError
from docmind.sources import SourceRefusedError

_FOLLOW_INTERVAL = 0.1


def run(args: argparse.Namespace) -> int:
    """Run ``docmind ingest`` and return its exit code."""
    service = open_service(args)
    try:
        return _ingest(service, args)
    finally:
        service.close()


def _ingest(service: DocMind, args: argparse.Namespace) -> int:
    if args.only and not args.sources:
        return fail("--only needs at least one PATH", EXIT_USAGE)
    missing = [str(p) for p in args.sources if not p.exists()]
    if missing:
        return fail(f"not found: {', '.join(missing)}")
    active = service.active_ingestion()
    if active is not None:
        return fail(f"another ingestion holds the index: job {active.id} ({active.state.value})", EXIT_BUSY)
    try:
        if args.only:
            _state_drops(service.removed_by(service.only_sources(args.sources)), args.json)
            job_id = service.start_ingestion(args.sources, owner="cli")
        else:
            _join_corpus(service, args.sources, args.json)
            job_id = service.start_ingestion(owner="cli")
    except SourceRefusedError as exc:
        return fail(str(exc))
    except IngestionBusyError as exc:
        return fail(str(exc), EXIT_BUSY)
    args.interrupts.cancel_with(lambda: service.jobs.cancel(job_id))
    view: ProgressView = JsonView() if args.json else RichView() if sys.stdout.isatty() else PlainView()
    try:
        record = _follow(service, job_id, view)
    finally:
        view.close()
    return _finish(service, job_id, record.state, args.json, record.error or "")


def _join_corpus(service: DocMind, paths: list[Path], as_json: bool) -> None:
    for addition in add_to_corpus(service, paths):
        if as_json:
            _emit(
                event=addition.kind,
                path=str(addition.path),
                status=addition.status,
                name=addition.name,
                note=addition.note,
            )
        else:
            print(addition.note, flush=True)


def _state_drops(removed: list[str], as_json: bool) -> None:
    if as_json:
        _emit(event="dropping", files_removed=len(removed), files_removed_sample=removed[:SAMPLE])
        return
    if not removed:
        print("--only: the new snapshot keeps every file of the active one", flush=True)
        return
    names = ", ".join(removed[:SAMPLE]) + ("…" if len(removed) > SAMPLE else "")
    print(f"--only: publishing drops {len(removed)} file(s) of the active snapshot: {names}", flush=True)


def _emit(**payload: object) -> None:
    print(json.dumps(payload), flush=True)


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
    """Print the summary: one JSON line, or the counts with what changed, then the files that failed.

    The text also lists the first ``SAMPLE`` skipped files with their reasons, and warns on stderr
    of each empty source folder (in JSON they are ``files_skipped_sample`` and ``empty_sources``).
    """
    if as_json:
        print(json.dumps(summary.model_dump(mode="json")), flush=True)
        return
    removed = count_phrase(summary.files_removed, summary.files_removed_sample, "removed")
    skipped = f"{summary.files_skipped} skipped"
    if not summary.changed:
        print(
            f"nothing changed; {summary.snapshot_id} stays active: {summary.files_total} files, "
            f"{removed}, {skipped}, {summary.chunks} chunks (checked in {summary.seconds:.1f} s)"
        )
    else:
        added = count_phrase(summary.files_added, summary.files_added_sample, "added")
        changed = count_phrase(summary.files_changed, summary.files_changed_sample, "changed")
        print(
            f"published {summary.snapshot_id}: {summary.files_total} files "
            f"({summary.files_indexed} indexed, {summary.files_cached} cached, "
            f"{len(summary.files_failed)} failed), {added}, {changed}, {removed}, {skipped}, "
            f"{summary.chunks} chunks in {summary.seconds:.1f} s"
        )
        if summary.embed_model:
            on_runtime = f" on {summary.embed_runtime}" if summary.embed_runtime else ""
            print(
                f"  vectors: {summary.windows_total} windows of {summary.embed_window} word pieces "
                f"({summary.windows_embedded} embedded, {summary.windows_cached} from the cache) "
                f"by {summary.embed_model}{on_runtime}, {summary.coverage or 0:.0%} of the text covered"
            )
    if summary.ray_workers:
        workers = summary.ray_workers
        files = sum(worker.files for worker in workers)
        nodes = len({worker.node_id for worker in workers})
        print(f"  on Ray: {files} files parsed by {len(workers)} worker processes on {nodes} node(s)")
    for failed in summary.files_failed:
        print(f"  failed: {failed.path}: {failed.error}")
    for note in summary.files_skipped_sample:
        print(f"  skipped: {note.path}: {note.reason}")
    if summary.files_skipped > len(summary.files_skipped_sample):
        print(f"  … and {summary.files_skipped - len(summary.files_skipped_sample)} more skipped")
    sys.stdout.flush()
    for folder in summary.empty_sources:
        print(
            f"docmind: warning: source folder {folder} is empty: nothing in it was ingested", file=sys.stderr
        )
