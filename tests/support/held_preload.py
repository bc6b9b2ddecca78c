"""A forkserver preload that holds the forkserver's start-up until the test lets it go.

Imported only by a forkserver, which a test's child process told to preload it (through
``docmind.executors.local.worker_server.FORKSERVER_PRELOAD``): it says ``PRELOAD HELD`` on stderr, then waits
at the FIFO gate named by ``DOCMIND_TEST_GATE``. Until the test releases the gate, every worker
start of that process waits, as it waits for a real preload that takes seconds.
"""

import os
import sys
from pathlib import Path

from tests.support.fifo_gate import hold

print("PRELOAD HELD", file=sys.stderr, flush=True)
hold(Path(os.environ["DOCMIND_TEST_GATE"]))
