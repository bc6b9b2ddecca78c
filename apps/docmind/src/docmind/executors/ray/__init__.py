"""The Ray implementation of the executor seam.

Importing the package sets two of Ray's switches (each unless already set), before any module of it
imports Ray, which reads them at its own import:

- ``RAY_ENABLE_UV_RUN_RUNTIME_ENV=0``: under ``uv run docmind …`` Ray would otherwise pack the whole
  working directory, a project's virtual environment included (gigabytes), into every job's runtime
  environment.
- ``RAY_DISABLE_FAILURE_SIGNAL_HANDLER=1``: Ray's core installs a stack dump for signals in the
  connecting process, SIGTERM included and before the handler that cancels the job, so a service
  manager's stop (SIGTERM to the group) would put a C++ stack dump beside the command's one line.
"""

import os

os.environ.setdefault("RAY_ENABLE_UV_RUN_RUNTIME_ENV", "0")
os.environ.setdefault("RAY_DISABLE_FAILURE_SIGNAL_HANDLER", "1")
