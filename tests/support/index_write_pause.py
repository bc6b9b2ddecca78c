"""A forkserver preload that pauses every worker just before it writes the search index.

Imported only by a forkserver, which the instrumented CLI (``tests/reliability/cli_child.py``) told
to preload it: ``BM25Stage.write`` first says ``PAUSED index.write`` on stderr, then waits at the FIFO
gate named by ``DOCMIND_TEST_GATE``, then writes. A test can kill the CLI while a worker is held
mid-build, exactly where a worker that outlived its parent would go on writing into a workspace.
"""

import os
import sys
from pathlib import Path

from docmind.ingest.index_stage import BM25Stage

from tests.support.fifo_gate import hold

_write = BM25Stage.write


def _paused_write(self: BM25Stage) -> None:
    print("PAUSED index.write", file=sys.stderr, flush=True)
    hold(Path(os.environ["DOCMIND_TEST_GATE"]))
    _write(self)


BM25Stage.write = _paused_write  # type: ignore[method-assign]
