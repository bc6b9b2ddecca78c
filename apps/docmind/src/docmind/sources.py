"""The corpus's source folders: the ones registered in the data dir, and the environment's.

The corpus is the managed ``documents/`` folder plus these folders. Registered sources are rows of
``sources.sqlite`` in the data dir, so the app, its other tabs and the CLI share them and they
survive restarts; ``DOCMIND_LIBRARY_DIRS`` adds folders from the environment that are not stored.

Rules, checked by ``SourceRegistry.add`` (a refusal is one line and changes nothing):

- a source is an existing, readable folder, stored as its absolute path with symlinks resolved;
- it is neither inside the data dir nor contains it;
- no source is, lies inside or contains another one, so each file belongs to one source;
- its label, the prefix of its files' names in the index, is unique in the corpus and fixed when
  the folder is added, so a file keeps its name from one snapshot to the next;
- when the caller gives ``roots`` (the app: ``DOCMIND_SOURCE_ROOTS``), the folder, symlinks
  resolved, lies in one of them. This is checked before anything else, so a refusal says nothing
  about a path outside the roots (not even whether it exists). The CLI gives no roots.

Concurrency: the checks and the insert run in one ``BEGIN IMMEDIATE`` transaction, so two processes
adding overlapping folders at once cannot both succeed. SQLite keeps the file whole through crashes.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from docmind.ingest.scan.corpus import DOCUMENTS_LABEL, Source, scan, unavailable_reason

REGISTERED = "registered"
ENVIRONMENT = "environment"
ENVIRONMENT_VARIABLE = "DOCMIND_LIBRARY_DIRS"
ROOTS_VARIABLE = "DOCMIND_SOURCE_ROOTS"
_BUSY_TIMEOUT_S = 10.0
_SCHEMA = """CREATE TABLE IF NOT EXISTS sources (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    path TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL UNIQUE,
    added TEXT NOT NULL
)"""


@dataclass(frozen=True)
class LibrarySource:
    """A source folder of the corpus; ``origin`` is ``registered`` or ``environment``."""

    path: Path
    label: str
    origin: str

    def as_source(self) -> Source:
        """The scan root for this folder."""
        return Source(self.path, self.label)


@dataclass(frozen=True)
class SourceStatus:
    """A source as a listing shows it: ``problem`` is ``""`` when readable, ``files`` counts its documents."""

    source: LibrarySource
    problem: str
    files: int | None


class SourceRefusedError(Exception):
    """A path was refused as a source (or could not be removed); the message is one line for people."""


class SourceRegistry:
    """The registered sources of one data dir, plus the environment's; safe across threads and processes.

    Args:
        db: The SQLite file (created when missing).
        data_root: The data dir, which no source may overlap.
        environment: Folders from ``DOCMIND_LIBRARY_DIRS``.
    """

    def __init__(self, db: Path, *, data_root: Path, environment: Sequence[Path] = ()) -> None:
        self._db = db
        self._data_root = data_root.resolve()
        self._environment = tuple(environment)
        with self._connection() as connection:
            connection.execute(_SCHEMA)

    def all(self) -> list[LibrarySource]:
        """Every source: the registered ones in the order they were added, then the environment's."""
        with self._connection() as connection:
            return self._all(connection)

    def covering(self, path: Path) -> LibrarySource | None:
        """The source that is ``path`` or contains it, if any."""
        target = _lenient_resolve(path)
        for source in self.all():
            if target == source.path or source.path in target.parents:
                return source
        return None

    def check(self, path: Path) -> Path:
        """Return the folder ``path`` would be registered as, or refuse it.

        Raises:
            SourceRefusedError: ``path`` breaks a rule (see the module docstring); the message says which.
        """
        with self._connection() as connection:
            return self._check(path, self._all(connection), None)

    def add(self, path: Path, *, roots: Sequence[Path] | None = None) -> LibrarySource:
        """Register the folder ``path`` and return it with its label.

        Args:
            path: The folder, as typed (``~`` is expanded; a relative path is taken from the working folder).
            roots: When given, the folder (symlinks resolved) must lie in one of these folders; ``None``
                allows any folder (the CLI, run by the local user).

        Raises:
            SourceRefusedError: ``path`` breaks a rule; nothing was stored.
        """
        with self._connection() as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                sources = self._all(connection)
                folder = self._check(path, sources, roots)
                label = free_label(folder, {DOCUMENTS_LABEL, *(s.label for s in sources)})
                connection.execute(
                    "INSERT INTO sources (path, label, added) VALUES (?, ?, ?)",
                    (str(folder), label, datetime.now(UTC).isoformat(timespec="seconds")),
                )
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
        return LibrarySource(folder, label, REGISTERED)

    def remove(self, path: Path) -> LibrarySource:
        """Forget the registered source ``path`` (it need not exist any more) and return it.

        Raises:
            SourceRefusedError: ``path`` is not a registered source.
        """
        names = {str(absolute_path(path)), str(_lenient_resolve(path))}
        with self._connection() as connection:
            connection.execute("BEGIN IMMEDIATE")
            row = None
            for name in names:
                row = (
                    row
                    or connection.execute(
                        "SELECT path, label FROM sources WHERE path = ?", (name,)
                    ).fetchone()
                )
            if row is not None:
                connection.execute("DELETE FROM sources WHERE path = ?", (row[0],))
            connection.execute("COMMIT")
            environment = [s for s in self._all(connection) if s.origin == ENVIRONMENT]
        if row is not None:
            return LibrarySource(Path(row[0]), row[1], REGISTERED)
        why = "it is not a registered source (see `docmind sources list`)"
        if any(str(s.path) in names for s in environment):
            why = f"it comes from {ENVIRONMENT_VARIABLE}; change that variable instead"
        raise SourceRefusedError(f"cannot remove {absolute_path(path)}: {why}")

    def statuses(self, max_file_bytes: int) -> list[SourceStatus]:
        """Every source with its problem (missing, unreadable) or its number of documents."""
        return [status_of(source, max_file_bytes) for source in self.all()]

    # -- internals ----------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        connection = sqlite3.connect(self._db, timeout=_BUSY_TIMEOUT_S, isolation_level=None)
        try:
            yield connection
        finally:
            connection.close()

    def _all(self, connection: sqlite3.Connection) -> list[LibrarySource]:
        rows = connection.execute("SELECT path, label FROM sources ORDER BY position").fetchall()
        sources = [LibrarySource(Path(path), label, REGISTERED) for path, label in rows]
        taken = {DOCUMENTS_LABEL, *(s.label for s in sources)}
        known = {s.path for s in sources}
        for raw in self._environment:
            folder = _lenient_resolve(raw)
            if folder in known:
                continue
            label = free_label(folder, taken)
            taken.add(label)
            known.add(folder)
            sources.append(LibrarySource(folder, label, ENVIRONMENT))
        return sources

    def _check(self, path: Path, sources: list[LibrarySource], roots: Sequence[Path] | None) -> Path:
        shown = absolute_path(path)
        if roots is not None:
            _require_inside(roots, _lenient_resolve(path), shown)
        try:
            folder = path.expanduser().resolve(strict=True)
        except RuntimeError:  # Path.resolve raises it for a loop of symlinks
            raise SourceRefusedError(f"cannot add {shown}: symlink loop") from None
        except FileNotFoundError:
            raise SourceRefusedError(f"cannot add {shown}: no such folder") from None
        except OSError as exc:
            raise SourceRefusedError(
                f"cannot add {shown}: {(exc.strerror or 'unreadable').lower()}"
            ) from None
        if roots is not None:
            _require_inside(roots, folder, shown)  # the folder registered, not only the one first seen
        if not folder.is_dir():
            what = "a file" if folder.is_file() else "not a regular folder"
            raise SourceRefusedError(f"cannot add {shown}: it is {what}, not a folder")
        problem = unavailable_reason(folder)
        if problem:
            raise SourceRefusedError(f"cannot add {shown}: {problem}")
        if folder == self._data_root or self._data_root in folder.parents:
            raise SourceRefusedError(f"cannot add {shown}: it is inside the data dir {self._data_root}")
        if folder in self._data_root.parents:
            raise SourceRefusedError(f"cannot add {shown}: it contains the data dir {self._data_root}")
        for source in sources:
            if folder == source.path:
                what = (
                    "registered" if source.origin == REGISTERED else f"a source from {ENVIRONMENT_VARIABLE}"
                )
                raise SourceRefusedError(f"cannot add {shown}: it is already {what}")
            if source.path in folder.parents:
                raise SourceRefusedError(f"cannot add {shown}: it is inside the source {source.path}")
            if folder in source.path.parents:
                raise SourceRefusedError(f"cannot add {shown}: it contains the source {source.path}")
        return folder


def status_of(source: LibrarySource, max_file_bytes: int) -> SourceStatus:
    """Why ``source`` cannot be scanned, or how many documents it holds (a scan: no file is read)."""
    problem = unavailable_reason(source.path)
    files = None if problem else len(scan([source.as_source()], max_file_bytes=max_file_bytes).files)
    return SourceStatus(source, problem, files)


def _require_inside(roots: Sequence[Path], folder: Path, shown: Path) -> None:
    """Refuse ``folder`` (resolved) unless it is one of ``roots`` or lies inside one (roots resolved too)."""
    resolved = [_lenient_resolve(root) for root in roots]
    if any(folder == root or root in folder.parents for root in resolved):
        return
    if not resolved:
        raise SourceRefusedError(
            f"cannot add {shown}: {ROOTS_VARIABLE} is empty, so no folder may be added here"
        )
    allowed = ", ".join(str(root) for root in resolved)
    raise SourceRefusedError(
        f"cannot add {shown}: it is not under the allowed source roots {allowed} ({ROOTS_VARIABLE})"
    )


def absolute_path(path: Path) -> Path:
    """``path`` made absolute and normalised, symlinks kept as written (how paths are shown)."""
    return Path(os.path.abspath(path.expanduser()))  # noqa: PTH100 - resolve() would follow symlinks


def _lenient_resolve(path: Path) -> Path:
    """``path`` resolved as far as it exists (a missing folder or a symlink loop stays as written)."""
    try:
        return path.expanduser().resolve()
    except (RuntimeError, OSError):
        return absolute_path(path)


def free_label(folder: Path, taken: set[str]) -> str:
    """The folder's name (printable), with ``-2``, ``-3``… appended while it is in ``taken``."""
    base = "".join(ch if ch.isprintable() else "?" for ch in folder.name) or "source"
    label, number = base, 2
    while label in taken:
        label, number = f"{base}-{number}", number + 1
    return label
