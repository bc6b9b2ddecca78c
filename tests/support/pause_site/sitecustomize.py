"""Run by ``site`` at the start of every Python process that has this folder on ``PYTHONPATH``.

A real Streamlit server's worker forkserver and its workers are processes a test cannot instrument
from inside; with ``DOCMIND_TEST_GATE`` set (and the repository root on ``PYTHONPATH``), each of them
imports ``tests.support.index_write_pause``, so a worker of the server's ingestion says
``PAUSED index.write`` and waits at the gate just before it writes a segment: the job is held in its
index phase, where a signal to the server must cancel it.
"""

import os

if os.environ.get("DOCMIND_TEST_GATE"):
    import tests.support.index_write_pause  # noqa: F401
