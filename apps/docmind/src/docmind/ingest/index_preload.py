"""Forkserver preload of the index build's libraries, before the worker preload.

Imported by every worker server except the light one of ``docmind ingest`` on local workers
(``docmind.ingest.worker_server``): a process that runs many jobs (the app) pays these imports once
and then builds every job's index without them: the segment writer and FAISS (embeddings are on by
default). ``worker_preload`` follows it (it ignores the stop signals, lowers the priority and freezes
the collector for everything loaded).
"""

import faiss  # noqa: F401

import docmind.ingest.index_build
import docmind.ingest.index_update  # noqa: F401
