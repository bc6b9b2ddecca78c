"""A forkserver preload that pauses every worker just before it writes the search index.

Imported only by a forkserver, which the instrumented CLI (``tests/reliability/cli_child.py``) told
to preload it, or by every process of a test's Streamlit server (``tests/support/pause_site``):
``SegmentWriter.finish`` first says ``PAUSED index.write`` on stderr, then waits at the
FIFO gate named by ``DOCMIND_TEST_GATE``, then writes. A test can kill the CLI while a worker is held
mid-build, exactly where a worker that outlived its parent would go on writing into a workspace.
"""

import os
import sys
from pathlib import Path

from docmind.segments.meta import SegmentMeta
from docmind.segments.writer import SegmentWriter

from tests.support.fifo_gate import hold

_finish = SegmentWriter.finish


def _paused_finish(self: SegmentWriter) -> SegmentMeta:
    print("PAUSED index.write", file=sys.stderr, flush=True)
    hold(Path(os.environ["DOCMIND_TEST_GATE"]))
    return _finish(self)


SegmentWriter.finish = _paused_finish  # type: ignore[method-assign]
