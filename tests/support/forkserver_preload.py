"""A fork server preload for the tests: it records where and at which CPU priority it was imported.

If ``DOCMIND_TEST_PRELOAD_LOG`` names a file, each import appends its process id there: a test counts how
often the preload ran.
"""

import os

IMPORTED_IN = os.getpid()
PRIORITY_AT_IMPORT = os.getpriority(os.PRIO_PROCESS, 0)

if log := os.environ.get("DOCMIND_TEST_PRELOAD_LOG"):
    with open(log, "a") as handle:  # noqa: PTH123 - the smallest possible preload
        handle.write(f"{IMPORTED_IN}\n")
