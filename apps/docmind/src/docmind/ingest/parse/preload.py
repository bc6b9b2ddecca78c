"""The parse stage's preload: import and warm what parsing and splitting need, so forked workers start ready.

Only that: no LlamaIndex, NLTK, bm25s or SciPy (a test holds it), so the first file of a one-shot
command waits for a light preload. The index libraries come from ``docmind.ingest.index.preload`` when
asked for. The worker server (``docmind.executors.local.worker_server``) imports this module at the job's
CPU priority, after ``fork_safe`` (which makes tqdm safe to fork), and then lowers its priority and
freezes its heap before it forks any worker.
"""

import docmind.ingest.parse.html_text  # noqa: F401
from docmind.ingest.parse.file_task import warm_up

warm_up()
