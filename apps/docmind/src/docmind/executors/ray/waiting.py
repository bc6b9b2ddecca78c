"""Waiting on Ray results without missing a cancel: the driver polls its cancel event between short waits."""

from __future__ import annotations

import threading
from typing import Any

import ray

from docmind.executors.errors import IngestCancelled

POLL_SECONDS = 0.05
"""The longest a cancel waits for the driver to notice it."""


def first_ready(refs: list[Any], cancel: threading.Event) -> list[Any]:
    """Wait until some of ``refs`` are done; return those (every one done by then, at least one).

    Raises:
        IngestCancelled: the cancel event was set before any was done.
    """
    while True:
        if cancel.is_set():
            raise IngestCancelled
        ready, rest = ray.wait(refs, num_returns=1, timeout=POLL_SECONDS)
        if ready:
            more, _ = ray.wait(rest, num_returns=len(rest), timeout=0) if rest else ([], [])
            return ready + more
