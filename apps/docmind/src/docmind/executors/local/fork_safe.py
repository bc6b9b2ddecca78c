"""First module of the worker server's preload: nothing a worker inherits can be left locked.

The worker server (``forkserver``) imports its preload in order (``worker_server.preload_modules``): this
module first, the stages' preloads after it. The server forks every worker from a single thread (a thread
alive at a ``fork`` may hold a lock that the child then inherits locked forever), so no preload may leave
a thread running. tqdm (used by ``bm25s``) starts a monitor thread with its first progress bar: its
monitor is switched off before anything creates one. tqdm also guards its bars with a lock shared
*between processes* (a semaphore), created by its first bar: created in the server, every worker would
share it, and a worker killed by a cancel while holding it would hang every later worker. Workers show no
bars: a plain per-process lock is enough.
"""

import threading

from tqdm import tqdm

tqdm.monitor_interval = 0
tqdm.set_lock(threading.RLock())
