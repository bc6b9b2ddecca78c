"""Persistent job history in SQLite, shared by every process that opens the same file.

Locking contract:
    * Each ``JobRegistry`` holds one connection (``check_same_thread=False``) guarded by a lock, in WAL mode
      with a busy timeout, so readers never block the writer and several processes can share the file.
    * Decisions that read then write (the exclusive-key check at insert, marking dead owners' jobs
      Interrupted) run inside ``BEGIN IMMEDIATE``, so two processes cannot both take the same key.
    * A row leaves an active state (Queued, Running, Cancelling) once; terminal rows are never rewritten.
      Each state write carries the event ``seq`` as ``version`` and is applied only if newer, so writes that
      reach the database out of order cannot move a job backwards.

Liveness: a row names its process by pid *and* start time. When the registry is opened, and whenever a read
meets an active row, rows whose process is gone become ``Interrupted`` with error ``INTERRUPTED_ERROR``.

Expiry: finished jobs older than ``ttl`` (by ``finished``) are deleted at open and by ``prune()``; active jobs
never expire. The schema version is ``PRAGMA user_version``; a newer one than this code knows is refused.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from docmind_jobs.clock import Clock, utc_now
from docmind_jobs.errors import RegistryError
from docmind_jobs.events import ProgressEvent
from docmind_jobs.process import ProcessIdentity, is_alive
from docmind_jobs.records import JobRecord
from docmind_jobs.states import ACTIVE_STATES, JobState

SCHEMA_VERSION = 1
INTERRUPTED_ERROR = "interrupted: the process running it stopped"
BUSY_TIMEOUT_MS = 10_000

ACTIVE_SQL_STATES = tuple(sorted(state.value for state in ACTIVE_STATES))
"""The active state words, taken from `ACTIVE_STATES`."""
_ACTIVE = "(" + ", ".join(f"'{word}'" for word in ACTIVE_SQL_STATES) + ")"
"""The SQL list every query uses for "an active row" (``state IN _ACTIVE``); built from enum words only."""
_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS jobs (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        owner TEXT,
        state TEXT NOT NULL,
        exclusive_key TEXT,
        created TEXT NOT NULL,
        started TEXT,
        finished TEXT,
        progress TEXT,
        summary TEXT NOT NULL DEFAULT '{}',
        error TEXT,
        result TEXT,
        pid INTEGER NOT NULL,
        process_started REAL NOT NULL,
        manager_id TEXT NOT NULL,
        cancel_requested INTEGER NOT NULL DEFAULT 0,
        version INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX IF NOT EXISTS jobs_by_key ON jobs (exclusive_key, state)",
    "CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state)",
    "CREATE INDEX IF NOT EXISTS jobs_by_created ON jobs (created)",
)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat(timespec="microseconds")


def _when(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _record(row: sqlite3.Row) -> JobRecord:
    created = _when(row["created"])
    assert created is not None  # NOT NULL column
    return JobRecord(
        id=row["id"],
        kind=row["kind"],
        owner=row["owner"],
        state=JobState(row["state"]),
        created=created,
        started=_when(row["started"]),
        finished=_when(row["finished"]),
        exclusive_key=row["exclusive_key"],
        progress=None if row["progress"] is None else ProgressEvent.model_validate_json(row["progress"]),
        error=row["error"],
        result=row["result"],
        pid=row["pid"],
        summary=json.loads(row["summary"]),
        cancel_requested=bool(row["cancel_requested"]),
    )


def _owner(row: sqlite3.Row) -> ProcessIdentity:
    return ProcessIdentity(row["pid"], row["process_started"])


class JobRegistry:
    """The SQLite job history. See the module docstring for the locking, liveness and expiry contracts.

    Args:
        path: The database file; its parent directory is created if missing.
        clock: Source of "now" for Interrupted timestamps and expiry.
        ttl: How long finished jobs are kept.
        progress_interval: Minimum seconds between two progress writes of one job (state changes are always
            written); the manager applies it.
    """

    def __init__(
        self,
        path: Path,
        *,
        clock: Clock = utc_now,
        ttl: timedelta = timedelta(days=30),
        progress_interval: float = 0.5,
    ) -> None:
        self.path = Path(path)
        self.ttl = ttl
        self.progress_interval = progress_interval
        self._clock = clock
        self._lock = threading.RLock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._conn: sqlite3.Connection | None = conn
        conn.row_factory = sqlite3.Row
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            self._migrate()
            self.recover()
            self.prune()
        except BaseException:
            self.close()
            raise

    # -- lifecycle -------------------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection; idempotent. Later calls raise ``RegistryError``."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> JobRegistry:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RegistryError(f"job registry {self.path} is closed")
        return self._conn

    def _migrate(self) -> None:
        with self._transaction() as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise RegistryError(
                    f"job registry {self.path} has schema version {version}; this code knows {SCHEMA_VERSION}"
                )
            for statement in _SCHEMA:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    # -- writes ----------------------------------------------------------------------------------------------

    def insert(self, record: JobRecord, *, process: ProcessIdentity, manager_id: str) -> JobRecord | None:
        """Record a new job, unless a live job of another manager holds its exclusive key.

        Runs in one ``BEGIN IMMEDIATE`` transaction: the key check and the insert are atomic across processes.
        Active rows with the same key whose process is gone are marked Interrupted on the way. Rows of
        ``manager_id`` itself are ignored: that manager's memory is the truth about its own jobs.

        Returns:
            None when the job was recorded; otherwise the record of the live job holding the key.
        """
        with self._transaction() as conn:
            if record.exclusive_key is not None:
                rows = conn.execute(
                    f"SELECT * FROM jobs WHERE exclusive_key = ? AND manager_id != ? AND state IN {_ACTIVE}",
                    (record.exclusive_key, manager_id),
                ).fetchall()
                for row in self._interrupt_dead(conn, rows):
                    if JobState(row["state"]).is_active:
                        return _record(row)
            conn.execute(
                "INSERT INTO jobs (id, kind, owner, state, exclusive_key, created, summary, pid,"
                " process_started, manager_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.id,
                    record.kind,
                    record.owner,
                    record.state.value,
                    record.exclusive_key,
                    _iso(record.created),
                    json.dumps(record.summary),
                    process.pid,
                    process.started,
                    manager_id,
                ),
            )
        return None

    def save(self, record: JobRecord, *, version: int) -> None:
        """Write a job's state, timestamps, latest event, error and result.

        Applied only while the row is active and ``version`` (the state event's seq) is newer than the stored
        one, so out-of-order writes never move a job backwards and terminal rows stay as first written.
        """
        progress = None if record.progress is None else record.progress.model_dump_json()
        with self._lock:
            self._connection().execute(
                "UPDATE jobs SET state = ?, started = ?, finished = ?, progress = ?, error = ?, result = ?,"
                " cancel_requested = MAX(cancel_requested, ?), version = ?"
                f" WHERE id = ? AND version < ? AND state IN {_ACTIVE}",
                (
                    record.state.value,
                    _iso(record.started),
                    _iso(record.finished),
                    progress,
                    record.error,
                    record.result,
                    int(record.cancel_requested),
                    version,
                    record.id,
                    version,
                ),
            )

    def save_progress(self, job_id: str, event: ProgressEvent) -> None:
        """Write a job's latest progress event, unless a newer state was already written."""
        with self._lock:
            self._connection().execute(
                f"UPDATE jobs SET progress = ? WHERE id = ? AND version < ? AND state IN {_ACTIVE}",
                (event.model_dump_json(), job_id, event.seq),
            )

    def request_cancel(self, job_id: str) -> JobRecord | None:
        """Flag an active job for cancellation by its own manager; return its row after, or None."""
        with self._lock:
            self._connection().execute(
                f"UPDATE jobs SET cancel_requested = 1 WHERE id = ? AND state IN {_ACTIVE}",
                (job_id,),
            )
        return self.get(job_id)

    def recover(self) -> list[str]:
        """Mark every active job whose process is gone as Interrupted; return their ids."""
        with self._transaction() as conn:
            rows = conn.execute(f"SELECT * FROM jobs WHERE state IN {_ACTIVE}").fetchall()
            rows = self._interrupt_dead(conn, rows)
        return [row["id"] for row in rows if row["state"] == JobState.INTERRUPTED]

    def prune(self) -> int:
        """Delete finished jobs that ended more than ``ttl`` ago; return how many were deleted."""
        cutoff = _iso(self._clock() - self.ttl)
        with self._transaction() as conn:
            cursor = conn.execute(
                f"DELETE FROM jobs WHERE finished IS NOT NULL AND finished < ? AND state NOT IN {_ACTIVE}",
                (cutoff,),
            )
            return cursor.rowcount

    def _interrupt_dead(self, conn: sqlite3.Connection, rows: list[sqlite3.Row]) -> list[sqlite3.Row]:
        """Within an open transaction, mark active rows of dead processes Interrupted; return rows as now."""
        result: list[sqlite3.Row] = []
        for row in rows:
            if JobState(row["state"]).is_active and not is_alive(_owner(row)):
                conn.execute(
                    f"UPDATE jobs SET state = ?, error = ?, finished = ? WHERE id = ? AND state IN {_ACTIVE}",
                    (JobState.INTERRUPTED.value, INTERRUPTED_ERROR, _iso(self._clock()), row["id"]),
                )
                row = conn.execute("SELECT * FROM jobs WHERE id = ?", (row["id"],)).fetchone()
            result.append(row)
        return result

    # -- reads -----------------------------------------------------------------------------------------------

    def _read(self, sql: str, params: tuple[object, ...]) -> list[JobRecord]:
        with self._lock:
            rows = self._connection().execute(sql, params).fetchall()
            if any(JobState(row["state"]).is_active and not is_alive(_owner(row)) for row in rows):
                with self._transaction() as conn:
                    rows = self._interrupt_dead(conn, rows)
        return [_record(row) for row in rows]

    def get(self, job_id: str) -> JobRecord | None:
        """Return the job's record, or None if unknown (or expired)."""
        records = self._read("SELECT * FROM jobs WHERE id = ?", (job_id,))
        return records[0] if records else None

    def find_active(self, exclusive_key: str, *, exclude_manager: str | None = None) -> JobRecord | None:
        """Return a live job holding ``exclusive_key``, ignoring the jobs of ``exclude_manager``."""
        records = self._read(
            f"SELECT * FROM jobs WHERE exclusive_key = ? AND manager_id != ? AND state IN {_ACTIVE}",
            (exclusive_key, exclude_manager or ""),
        )
        return next((record for record in records if record.state.is_active), None)

    def cancel_requests(self, manager_id: str) -> list[str]:
        """Return the ids of ``manager_id``'s active jobs that another process asked to cancel."""
        with self._lock:
            rows = (
                self._connection()
                .execute(
                    "SELECT id FROM jobs WHERE manager_id = ? AND cancel_requested = 1"
                    f" AND state IN {_ACTIVE}",
                    (manager_id,),
                )
                .fetchall()
            )
        return [row["id"] for row in rows]

    def list(self, limit: int = 50) -> list[JobRecord]:
        """Return up to ``limit`` jobs, newest first."""
        return self._read("SELECT * FROM jobs ORDER BY created DESC, rowid DESC LIMIT ?", (limit,))
