"""Forkserver preload for a long-lived worker server: the index libraries, before the worker preload.

Imported only when the worker server is warmed with them (``parallel.warm_worker_server``): the app,
which pays these seconds once in the background and then builds every job's index without them, and
the local side of a Ray job, idle while Ray parses. ``docmind.ingest.worker_preload`` follows it (it
ignores the stop signals, lowers the priority and freezes the collector for everything loaded).
"""

import docmind.ingest.index_build  # noqa: F401
from docmind.ingest.index_stage import warm_index_imports

warm_index_imports(None)
