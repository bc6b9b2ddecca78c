"""Which Chromium the browser tests drive (the E2E suite and the reliability suite's server trials).

``make test`` provides one first (``make browser``): ``DOCMIND_CHROMIUM`` names a binary, or is
``bundled`` for Playwright's own download (CI); otherwise a system ``chromium`` on PATH is used. No
browser at all is a setup error that ends the session with what to do: a browser test is never skipped.
"""

from __future__ import annotations

import os
import shutil

import pytest


def chromium_executable() -> str | None:
    """``DOCMIND_CHROMIUM`` (a path; ``bundled``: ``None``, Playwright's own), else ``chromium`` on PATH."""
    chosen = os.environ.get("DOCMIND_CHROMIUM", "")
    if chosen == "bundled":
        return None
    if chosen:
        return chosen
    for name in ("chromium", "chromium-browser", "chromium-headless-shell"):
        found = shutil.which(name)
        if found:
            return found
    pytest.exit("no Chromium found: run `make browser`, or set DOCMIND_CHROMIUM (a path, or `bundled`)", 2)
