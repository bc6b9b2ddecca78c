"""The seam between the pipeline and where its heavy tasks run: this machine's workers, or Ray.

The pipeline hands per-file tasks (parse + split) and per-batch calls (embedding) to a
:class:`TaskExecutor` and streams their outcomes back; nothing above this seam knows which one
runs. Two implementations: :class:`~docmind.ingest.parallel.WorkerPool` (worker processes on this
machine) and :class:`~docmind.ingest.ray_executor.RayExecutor` (tasks and an actor on a Ray
cluster). The driver, the process running the job, keeps everything else: the writer lock, the
scan, the cache look-ups, progress, cancel, the index build (always in a local worker) and the
atomic publish.

Contract of every executor, bound to one job's cancel event:
- ``process_files`` yields one outcome per task in completion order, pulling tasks lazily and
  holding a bounded number in flight; when an indexed outcome is yielded, its chunks are in the
  driver's chunk cache. A worker (or node) that dies fails only its own file.
- ``call`` runs ``fn(argument)`` in a long-lived worker (a model loaded by one call stays loaded for
  the next) and returns the result, or raises ``WorkerTaskError`` / ``WorkerCrashedError``.
- Progress from inside a task (``task_progress``: the pages of a long PDF) reaches the ``on_progress``
  callbacks where the executor has a way back from its workers: the local pool does; Ray tasks do
  not (a file moves when it is done, and embedding calls are kept short instead).
- Both raise :class:`~docmind.ingest.parallel.IngestCancelled` as soon as the cancel event is set,
  after stopping what is in flight; finished files stay cached.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Protocol, TypeVar

from docmind.ingest.parallel import FileProgress, WorkerPool
from docmind.ingest.progress import IngestProgress
from docmind.ingest.ray_runtime import RAY_MISSING, RayUnavailableError
from docmind.ingest.task_progress import TaskProgress
from docmind.ingest.worker import FileOutcome, FileTask
from docmind.ingest.worker_server import warm_worker_server
from docmind.settings import Settings

T = TypeVar("T")
R = TypeVar("R")


class TaskExecutor(Protocol):
    """Where per-file tasks and per-batch calls run; see the module docstring for the contract."""

    @property
    def worker_count(self) -> int:
        """How many workers hold or will soon hold tasks (0: the first task starts them)."""
        ...

    def process_files(
        self, tasks: Iterable[FileTask], on_progress: FileProgress | None = None
    ) -> Iterator[FileOutcome]:
        """Yield one outcome per task, in completion order."""
        ...

    def call(
        self, fn: Callable[[T], R], argument: T, on_progress: Callable[[TaskProgress], None] | None = None
    ) -> R:
        """Run ``fn(argument)`` in a long-lived worker and return its result."""
        ...

    def release_idle(self, keep: int) -> None:
        """Give back idle workers beyond ``keep`` (and the memory they hold)."""
        ...


@contextmanager
def task_executor(
    settings: Settings, local: WorkerPool, cancel: threading.Event, progress: IngestProgress
) -> Iterator[TaskExecutor]:
    """The executor that ``settings.executor`` names; ``local`` serves as the local one.

    With Ray, a missing Ray package fails the job at once (``RayUnavailableError``), and the cluster is
    reached first (a runtime of this process is reused), so an unreachable
    address fails the job before any work (``RayUnavailableError``); meanwhile the local worker
    server starts in the background, ready for the index build when the Ray stages end.
    """
    if settings.executor == "local":
        yield local
        return
    try:
        from docmind.ingest.ray_executor import RayExecutor
    except ImportError as exc:
        raise RayUnavailableError(RAY_MISSING) from exc

    warm_worker_server()
    progress.emit("connecting to Ray", force=True)
    with RayExecutor.connect(settings, cancel) as executor:
        yield executor
