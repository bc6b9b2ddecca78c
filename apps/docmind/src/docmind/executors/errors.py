"""The errors of the executor seam, shared by every implementation (this machine's workers, Ray).

Code above the seam catches these and nothing of an implementation: a cancelled job, a worker that died,
a task that raised, a worker that could not start, and a Ray cluster that is not there.
"""

from __future__ import annotations

from docmind_jobs import JobFailed

RAY_MISSING = "the Ray executor needs Ray: install DocMind with its ray extra (docmind[ray])"


class IngestCancelled(Exception):
    """The cancel event was set while work was in progress."""


class WorkerCrashedError(RuntimeError):
    """A worker process died while running a task."""


class WorkerTaskError(RuntimeError):
    """A task raised inside a worker; the message names the original error type and text."""


class WorkerStartError(RuntimeError):
    """A worker process could not be started (and no cancel explains it)."""


class RayUnavailableError(JobFailed):
    """Ray is not installed, or no Ray cluster answers at the address; the message says which."""
