"""Forkserver preload for a long-lived worker server: the index libraries, before the worker preload.

Imported only when the worker server is warmed with them (``worker_server.warm_worker_server``): the
app, which pays these imports once in the background and then builds every job's index without them,
and the local side of a Ray job, idle while Ray parses. The BM25 library and the dense stage's
(FAISS and LlamaIndex's FAISS store: embeddings are on by default). ``worker_preload`` follows it
(it ignores the stop signals, lowers the priority and freezes the collector for everything loaded).
"""

import faiss  # noqa: F401
import llama_index.vector_stores.faiss  # noqa: F401

import docmind.ingest.index_build  # noqa: F401
from docmind.ingest.index_stage import warm_index_imports

warm_index_imports(None)
