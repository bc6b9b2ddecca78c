"""A fork server preload that holds the server's preload until the test lets it go.

It creates ``<gate>.held`` (the test then knows the server is inside its preload), then waits at the FIFO
gate named by ``DOCMIND_TEST_GATE`` (``tests/support/fifo_gate.py``).
"""

import os
from pathlib import Path

from tests.support.fifo_gate import hold

_gate = Path(os.environ["DOCMIND_TEST_GATE"])
_gate.with_name(_gate.name + ".held").touch()
hold(_gate)
