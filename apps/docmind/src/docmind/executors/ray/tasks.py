"""What runs on a Ray worker: one file's parse + split, a call that reports progress, and the batch actor.

A file reaches the worker either as a path every node can read (``shared``), which the worker
reads once, or as its bytes, sent by the driver through Ray's object store (``store``). Either
way the worker hashes the bytes it parses, so the outcome and the chunks carry the hash of what
was parsed, even for a file saved again after the driver hashed it. The worker returns the
outcome and the chunks; the driver writes them into its chunk cache, so nothing on a worker's
disk outlives the task. Workers run at the lower CPU priority of the local ones.

A reporting call (``run_reporting``, what ``RayExecutor.call_each`` runs: the index build) is a
streaming generator task: it yields the call's progress notes (``task_context.report_progress``)
as they come, then its result, so the driver sees a long build move.
"""

from __future__ import annotations

import os
import queue
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from docmind.executors import task_context
from docmind.executors.local.forkserver import WORKER_NICENESS
from docmind.executors.task_context import TaskProgress
from docmind.ingest.parse.chunk_cache import CacheEntry
from docmind.ingest.parse.file_task import FileOutcome, RayWorker, parse_document
from docmind.segments.file_status import FileStatus

_lowered = False


@dataclass(frozen=True)
class RemoteFile:
    """One file for a Ray worker (small and picklable); its bytes, if sent, travel beside it."""

    path: Path
    rel: str
    chunk_size: int
    chunk_overlap: int


def parse_remote(file: RemoteFile, data: bytes | None) -> tuple[FileOutcome, CacheEntry | None]:
    """Parse and split ``data`` (None: the bytes read from ``file.path``); never raises for a bad file.

    The outcome names this worker (``FileOutcome.ray_worker``): the job's summary says which Ray
    workers did the work.
    """
    _lower_priority_once()
    if data is None:
        try:
            data = file.path.read_bytes()
        except OSError as exc:
            reason = f"cannot read: {exc.strerror or type(exc).__name__}"
            return FileOutcome(file.rel, FileStatus.FAILED, error=reason), None
    outcome, entry = parse_document(
        file.path.name, data, file.rel, file.chunk_size, file.chunk_overlap, _never
    )
    return replace(outcome, ray_worker=_this_worker()), entry


@dataclass(frozen=True)
class Finished:
    """The last item a reporting call yields: the call's result (every item before is a ``TaskProgress``)."""

    value: Any


def run_reporting(fn: Callable[[Any], Any], argument: Any) -> Iterator[TaskProgress | Finished]:
    """Run ``fn(argument)``, yielding its progress notes as they come, then ``Finished(result)``.

    ``fn`` runs in a thread of this worker while this generator hands its notes to Ray; whatever
    ``fn`` raises is raised here after the notes sent before it (Ray's task error names it). A
    cancel kills the worker process (``ray.cancel(force=True)``), the thread with it.
    """
    _lower_priority_once()
    notes: queue.SimpleQueue[TaskProgress | Finished | BaseException] = queue.SimpleQueue()

    def call() -> None:
        try:
            notes.put(Finished(fn(argument)))
        except BaseException as exc:  # handed to the generator, which raises it as the task's error
            notes.put(exc)

    task_context.attach(notes.put, _never)
    task_context.task_started()
    try:
        threading.Thread(target=call, name="docmind-ray-call", daemon=True).start()
        while True:
            item = notes.get()
            if isinstance(item, BaseException):
                raise item
            yield item
            if isinstance(item, Finished):
                return
    finally:
        task_context.detach()


def _this_worker() -> RayWorker:
    import ray  # this module runs on Ray workers, where Ray is loaded already

    return RayWorker(socket.gethostname(), ray.get_runtime_context().get_node_id(), os.getpid())


def _never() -> bool:
    return False  # a cancelled Ray task is killed (``ray.cancel(force=True)``), not asked


def _lower_priority_once() -> None:
    """Lower this worker's CPU priority as the local fork server lowers its workers' (once per process).

    Workers saturate the cores; the process that serves pages and takes Cancel clicks must win the CPU.
    """
    global _lowered
    if not _lowered:
        os.nice(WORKER_NICENESS)
        _lowered = True


class BatchWorker:
    """A Ray actor running ``fn(argument)`` calls one at a time, in the order sent; what one loads stays."""

    def __init__(self) -> None:
        _lower_priority_once()

    def run(self, fn: Callable[[Any], Any], argument: Any) -> Any:
        """Return ``fn(argument)``."""
        return fn(argument)
