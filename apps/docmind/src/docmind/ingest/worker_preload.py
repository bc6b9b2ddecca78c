"""Forkserver preload: import and warm what parsing and splitting need, so forked workers start ready.

Only that: no LlamaIndex, NLTK, bm25s or SciPy (a test holds it), so the first file of a one-shot
command waits for a light preload. The index libraries come from ``index_preload`` when asked for.

The forkserver lowers its CPU priority (``lower_priority``) once the preload is done, and every worker
inherits it; the preload itself (seconds of imports, once) runs at the job's priority, so that other
busy processes cannot starve it and keep the first file waiting (ADR-055). The forkserver ignores SIGINT
and SIGTERM first (the job's process decides; see ``worker_lifecycle``):
every worker it forks inherits that, and a worker whose parent vanished mid-start dies without a traceback.

Contract: nothing a worker inherits can be left locked by another process or thread.
- The forkserver keeps a single thread: a thread alive at a ``fork`` may hold a lock that the child
  then inherits locked forever. tqdm (used by ``bm25s``) starts a monitor thread with its first
  progress bar, so its monitor is switched off before anything creates one.
- tqdm guards its bars with a lock shared *between processes* (a semaphore), created by its first
  bar. Created here, every worker would share it, and a worker killed by a cancel while holding
  it would hang every later worker. Workers show no bars: a plain per-process lock is enough.

``gc.freeze()`` moves everything loaded so far out of the collector's reach: forked workers then
never write to those objects' GC headers, so more of the preloaded pages stay shared.
"""

import gc
import threading

from docmind.ingest.worker_lifecycle import (
    ignore_stop_signals,
    lower_priority,
    quiet_when_the_parent_vanished,
)

ignore_stop_signals()
quiet_when_the_parent_vanished()

from tqdm import tqdm  # noqa: E402

tqdm.monitor_interval = 0
tqdm.set_lock(threading.RLock())

import docmind.ingest.html_text  # noqa: E402, F401
from docmind.ingest.worker import warm_up  # noqa: E402

warm_up()
lower_priority()
gc.freeze()
