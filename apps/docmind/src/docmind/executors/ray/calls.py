"""Parallel calls on Ray: ``fn(argument)`` for a list of arguments, each a task, spread over the nodes.

Every call is a streaming task (``tasks.run_reporting``) asking for one CPU, submitted at once with
Ray's ``SPREAD`` strategy (as the parse tasks are): Ray runs as many as the cluster has CPUs and
queues the rest. A call's progress notes reach ``on_progress`` as they come; its result is kept
until every call is done, and the results come back in the arguments' order.

A call is not retried (``max_retries=0``): it may have written half its output (a segment folder),
which only its caller can judge. Errors: a call that raised is ``WorkerTaskError``; a call whose
worker or node died is ``WorkerCrashedError``; either way, and on a cancel (``IngestCancelled``),
the calls still running are cancelled with ``ray.cancel(force=True)`` (their workers are killed)
before the error is raised.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import ray
from ray.exceptions import RayError, RayTaskError

from docmind.executors.errors import WorkerCrashedError, WorkerTaskError
from docmind.executors.ray.tasks import Finished, run_reporting
from docmind.executors.ray.waiting import first_ready
from docmind.executors.task_context import TaskProgress

T = TypeVar("T")
R = TypeVar("R")
_reporting_task = ray.remote(run_reporting)


def call_each(
    fn: Callable[[T], R],
    arguments: Sequence[T],
    cancel: threading.Event,
    on_progress: Callable[[int, TaskProgress], None] | None = None,
) -> list[R]:
    """Run ``fn(argument)`` for every argument as a Ray task; the results in the arguments' order.

    ``on_progress`` hears each call's progress notes with the position of its argument.

    Raises:
        IngestCancelled: as soon as ``cancel`` is set (the calls still running are cancelled).
        WorkerTaskError: ``fn`` raised for an argument (the message names the original error).
        WorkerCrashedError: the worker or node running a call died.
    """
    options = _reporting_task.options(max_retries=0, scheduling_strategy="SPREAD")
    running: dict[Any, int] = {options.remote(fn, argument): i for i, argument in enumerate(arguments)}
    results: dict[int, R] = {}
    try:
        while running:
            for stream in first_ready(list(running), cancel):
                item = _next(stream)
                position = running[stream]
                if isinstance(item, Finished):
                    results[position] = item.value
                    del running[stream]
                elif on_progress is not None:
                    on_progress(position, item)
    finally:
        for stream in running:
            ray.cancel(stream, force=True)
    return [results[position] for position in range(len(arguments))]


def _next(stream: Any) -> TaskProgress | Finished:
    """The next item of a call that has one ready, or the seam's error for the call."""
    try:
        item: Any = ray.get(next(stream))
    except StopIteration as exc:  # a stream ends only after its Finished item
        raise WorkerCrashedError("a Ray call ended without its result") from exc
    except RayTaskError as exc:
        cause = exc.cause
        raise WorkerTaskError(f"{type(cause).__name__}: {cause}") from exc
    except RayError as exc:
        raise WorkerCrashedError(f"the Ray worker or node running it died ({type(exc).__name__})") from exc
    return item
