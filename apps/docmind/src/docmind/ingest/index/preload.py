"""The worker server's preload of the index build's libraries, before the parse stage's preload.

Imported by every worker server except the light one of ``docmind ingest`` on local workers
(``docmind.executors.local.worker_server``): a process that runs many jobs (the app) pays these imports once
and then builds every job's index without them: the segment writer and FAISS (embeddings are on by
default). ``docmind.ingest.parse.preload`` follows it; then the server lowers its priority and freezes
the collector for everything loaded.
"""

import faiss  # noqa: F401

import docmind.ingest.index.build
import docmind.ingest.index.update  # noqa: F401
