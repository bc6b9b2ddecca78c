"""Forkserver preload: import and warm the workers once so forked workers start ready."""

import docmind.ingest.index_build  # noqa: F401
from docmind.ingest.index_stage import warm_index_imports
from docmind.ingest.worker import warm_up

warm_up()
warm_index_imports()
