"""The data dir's snapshot store opened on its own, for what reads or switches snapshots.

Opening creates the data dir's folders if needed, proves it writable and runs the store's recovery
(``docmind_snapshots.recovery``: a ``CURRENT`` that names a missing or damaged snapshot falls back,
leftovers of a crash are removed). The service (``docmind.service.DocMind``) opens the store this way
and then the job history and the sources; the CLI's snapshot commands (``search``, ``snapshots``,
``activate``, ``optimize``) open the store alone, so they load neither the job machinery nor the
ingestion engine, and a broken job history does not stop them (``verify``, which checks the whole
data dir, opens the service). The job history runs its own recovery (a job left running by a dead
process becomes Interrupted) whenever it is opened: by ``docmind jobs``, ``ingest``, ``sources`` and
the app, the places that show or start jobs.
"""

from __future__ import annotations

from docmind_snapshots import SnapshotError, SnapshotStore

from docmind.datadir import DataDir, unusable
from docmind.settings import Settings


def open_snapshot_store(settings: Settings) -> tuple[DataDir, SnapshotStore]:
    """The data dir of ``settings`` and its snapshot store, recovered.

    Raises:
        DataDirError: the data dir cannot be used; the message is one line naming the path and why.
    """
    data = DataDir(settings.data_dir).ensure()
    try:
        return data, SnapshotStore(data.index, retention=settings.retention)
    except (OSError, SnapshotError) as exc:
        raise unusable(data.root, exc) from exc
