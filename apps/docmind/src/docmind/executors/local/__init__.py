"""Local worker processes: forked from a fork server of our own (``forkserver``), on public APIs only.

``pool`` is what the pipeline uses (``WorkerPool``: tasks, progress notes, crash isolation, cancel);
``worker_server`` the process's one fork server and its preload (``fork_safe`` first, then the stages').
``forkserver`` is the parent's side of the server (start it, spawn a worker, stop it); ``worker_process``
the parent's handle of one worker; ``server_main`` and ``worker_main`` what runs inside the server and
inside a worker; ``protocol`` the messages between them; ``stop_signals`` how the server and its workers
treat SIGINT/SIGTERM.
"""
