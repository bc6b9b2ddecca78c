"""docmind_jobs: generic background jobs with bounded progress, cooperative cancel and persistent history.

Knows nothing of documents, Streamlit or LlamaIndex (an import-linter contract). Start with
:class:`JobManager`; see ``docs/specs/jobs.md`` for states, transitions, the registry schema and shutdown.
"""

from docmind_jobs.clock import Clock, utc_now
from docmind_jobs.context import JobContext
from docmind_jobs.errors import (
    InvalidTransitionError,
    JobCancelled,
    JobConflictError,
    JobError,
    JobFailed,
    JobNotFoundError,
    ManagerClosedError,
    RegistryError,
    check_transition,
)
from docmind_jobs.events import (
    EVENT_PROGRESS,
    EVENT_STATE,
    IN_FLIGHT_LIMIT,
    ITEM_LIMIT,
    MESSAGE_LIMIT,
    InFlightItem,
    ProgressEvent,
)
from docmind_jobs.executors import DaemonThreadPoolExecutor, ExecutorFactory, InlineExecutor
from docmind_jobs.job import JobFunction
from docmind_jobs.manager import SHUTDOWN_ERROR, JobManager, describe_error
from docmind_jobs.records import CancelOutcome, CancelResult, JobRecord
from docmind_jobs.registry import INTERRUPTED_ERROR, SCHEMA_VERSION, JobRegistry
from docmind_jobs.states import ACTIVE_STATES, TERMINAL_STATES, TRANSITIONS, JobState

__all__ = [
    "ACTIVE_STATES",
    "EVENT_PROGRESS",
    "EVENT_STATE",
    "INTERRUPTED_ERROR",
    "IN_FLIGHT_LIMIT",
    "ITEM_LIMIT",
    "MESSAGE_LIMIT",
    "SCHEMA_VERSION",
    "SHUTDOWN_ERROR",
    "TERMINAL_STATES",
    "TRANSITIONS",
    "CancelOutcome",
    "CancelResult",
    "Clock",
    "DaemonThreadPoolExecutor",
    "ExecutorFactory",
    "InFlightItem",
    "InlineExecutor",
    "InvalidTransitionError",
    "JobCancelled",
    "JobConflictError",
    "JobContext",
    "JobError",
    "JobFailed",
    "JobFunction",
    "JobManager",
    "JobNotFoundError",
    "JobRecord",
    "JobRegistry",
    "JobState",
    "ManagerClosedError",
    "ProgressEvent",
    "RegistryError",
    "check_transition",
    "describe_error",
    "utc_now",
]
