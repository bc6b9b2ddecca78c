"""Forkserver preload of the index build's libraries, before the worker preload.

Imported by every worker server except the light one of ``docmind ingest`` on local workers
(``docmind.ingest.worker_server``): a process that runs many jobs (the app) pays these imports once
and then builds every job's index without them. The BM25 library and the dense stage's (FAISS and
LlamaIndex's FAISS store: embeddings are on by default). ``worker_preload`` follows it (it ignores
the stop signals, lowers the priority and freezes the collector for everything loaded).
"""

import faiss  # noqa: F401
import llama_index.vector_stores.faiss  # noqa: F401

import docmind.ingest.index_build  # noqa: F401
from docmind.ingest.index_stage import warm_index_imports

warm_index_imports(None)
