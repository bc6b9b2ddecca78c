"""The seam between the pipeline and where its heavy tasks run: this machine's workers, or Ray.

The pipeline hands per-file tasks (parse + split), streams of per-batch calls (embedding) and lists
of parallel calls (the index build's groups) to a :class:`TaskExecutor` and gets their outcomes
back; nothing above this seam knows which one runs. Two implementations:
:class:`~docmind.executors.local.pool.WorkerPool` (worker processes on this machine) and
:class:`~docmind.executors.ray.executor.RayExecutor` (tasks and a pool of actors on a Ray cluster).
The driver, the process running the job, keeps everything else: the writer lock, the scan, the
cache look-ups, progress, cancel, the merges (in a local worker) and the atomic publish.

Contract of every executor, bound to one job's cancel event:
- ``process_files`` yields one outcome per task in completion order, pulling tasks lazily and
  holding a bounded number in flight; when an indexed outcome is yielded, its chunks are in the
  driver's chunk cache. A worker (or node) that dies fails only its own file.
- The **batch workers** are long-lived: what a call loads (a model) stays loaded for the next. The
  local pool has one (a worker process); Ray has a pool of actors sized by the cluster.
  ``warm_up`` runs ``fn(argument)`` once in every batch worker (starting them) and waits for all;
  ``call_stream`` yields ``fn(argument)`` for a stream of arguments, in the arguments' order,
  pulling them lazily and keeping up to ``per_worker`` calls on each batch worker at once (one
  running, the next waiting beside it, so no worker waits for the driver between two calls).
  Both raise ``WorkerTaskError`` (``fn`` raised) or ``WorkerCrashedError`` (a batch worker died);
  a stream left before its end stops the batch workers that still held its calls.
- ``call_each`` runs ``fn(argument)`` for a list of arguments in parallel, up to ``size`` at once,
  and returns the results in the arguments' order. It raises ``WorkerTaskError`` (``fn`` raised) or
  ``WorkerCrashedError`` (a worker died): the local pool lets the other calls finish first, Ray
  cancels them. Ray spreads the calls over its nodes, one CPU each, and never retries one.
- Progress from inside a task (``task_progress``: the pages of a long PDF, the chunks of a segment
  build) reaches the ``on_progress`` callbacks where the executor has a way back from its workers:
  the local pool always; Ray for ``call_each`` (streaming tasks), not for its file tasks (a file
  moves when it is done) nor its batch calls (kept short instead).
- Both raise :class:`~docmind.executors.errors.IngestCancelled` as soon as the cancel event is set,
  after stopping what is in flight (Ray: ``ray.cancel(force=True)``, killing the tasks' workers);
  finished files stay cached.

Where the index phase builds its segments (:func:`segment_builders`): on the executor's workers when
they read and write the driver's paths (``shares_storage``: the local pool, and Ray with
``DOCMIND_RAY_DOCUMENTS=shared``), since a build reads the chunk cache and writes into the snapshot
workspace; otherwise (Ray with ``store``) on this machine's workers. Merges and the other single
calls always run in this machine's workers: :class:`LocalWorkers` is what the stages see of them,
made by :func:`local_workers`. Code above the seam imports this module and
``docmind.executors.errors``, never an implementation (an import contract holds it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol, TypeVar

from docmind.executors.errors import RAY_MISSING, RayUnavailableError
from docmind.executors.local.pool import FileProgress, WorkerPool
from docmind.executors.local.worker_server import preloads_index_libraries, warm_worker_server
from docmind.executors.task_context import TaskProgress
from docmind.ingest.parse.file_task import FileOutcome, FileTask
from docmind.ingest.progress.tracker import IngestProgress
from docmind.settings import Settings

T = TypeVar("T")
R = TypeVar("R")


class TaskExecutor(Protocol):
    """Where per-file tasks and per-batch calls run; see the module docstring for the contract."""

    @property
    def worker_count(self) -> int:
        """How many workers hold or will soon hold tasks (0: the first task starts them)."""
        ...

    @property
    def slots(self) -> int:
        """How many tasks may be in flight at once (``process_files`` never holds more)."""
        ...

    @property
    def size(self) -> int:
        """How many calls of ``call_each`` run at once (local: the pool's size; Ray: the cluster's CPUs)."""
        ...

    @property
    def shares_storage(self) -> bool:
        """Whether the workers read and write this machine's paths (the chunk cache, the workspace)."""
        ...

    def process_files(
        self, tasks: Iterable[FileTask], on_progress: FileProgress | None = None
    ) -> Iterator[FileOutcome]:
        """Yield one outcome per task, in completion order."""
        ...

    def warm_up(self, fn: Callable[[T], R], argument: T) -> list[R]:
        """Run ``fn(argument)`` once in every batch worker (starting them); return each one's result."""
        ...

    def call_stream(
        self, fn: Callable[[T], R], arguments: Iterable[T], per_worker: int = 2
    ) -> Generator[R, None, None]:
        """Yield ``fn(argument)`` per argument, in order, up to ``per_worker`` calls on each batch worker."""
        ...

    def call_each(
        self,
        fn: Callable[[T], R],
        arguments: Sequence[T],
        on_progress: Callable[[int, TaskProgress], None] | None = None,
    ) -> list[R]:
        """Run ``fn(argument)`` for every argument in parallel; the results in the arguments' order.

        ``on_progress`` hears each call's progress notes with the position of its argument.
        """
        ...

    def release_idle(self, keep: int) -> None:
        """Give back idle workers beyond ``keep`` (and the memory they hold); 0 stops the batch workers."""
        ...


class LocalWorkers(TaskExecutor, Protocol):
    """This machine's worker processes, as the pipeline and the index phase use them."""

    def call(
        self, fn: Callable[[T], R], argument: T, on_progress: Callable[[TaskProgress], None] | None = None
    ) -> R:
        """Run ``fn(argument)`` in a long-lived worker (the batch worker) and return its result."""
        ...

    def prepare(self, fn: Callable[[T], object], argument: T) -> None:
        """Run ``fn(argument)`` in the worker the next ``call`` uses, once no file is left for it."""
        ...


def local_workers(workers: int, cancel: threading.Event) -> AbstractContextManager[LocalWorkers]:
    """Up to ``workers`` worker processes of this machine, bound to ``cancel``; stopped on exit."""
    return WorkerPool(workers, cancel)


def segment_builders(executor: TaskExecutor, local: LocalWorkers) -> TaskExecutor:
    """Where the index phase builds new segments: ``executor`` when it shares storage, else ``local``."""
    return executor if executor.shares_storage else local


def index_libraries_preloaded() -> bool:
    """Whether local workers start with the index build's libraries loaded (else the build imports them)."""
    return preloads_index_libraries()


@contextmanager
def task_executor(
    settings: Settings, local: LocalWorkers, cancel: threading.Event, progress: IngestProgress
) -> Iterator[TaskExecutor]:
    """The executor that ``settings.executor`` names; ``local`` serves as the local one.

    With Ray, a missing Ray package fails the job at once (``RayUnavailableError``), and the cluster is
    reached first (a runtime of this process is reused), so an unreachable
    address fails the job before any work (``RayUnavailableError``); meanwhile the local worker
    server starts in the background, ready for the merges (and, in ``store`` mode, the index build)
    when the Ray stages end.
    """
    if settings.executor == "local":
        yield local
        return
    try:
        from docmind.executors.ray.executor import RayExecutor
    except ImportError as exc:
        raise RayUnavailableError(RAY_MISSING) from exc

    warm_worker_server()
    progress.emit("connecting to Ray", force=True)
    with RayExecutor.connect(settings, cancel) as executor:
        yield executor
