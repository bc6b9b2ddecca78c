"""A child process for the cross-process tests: `python jobs_child.py MODE DB [options]`.

Modes:
    hold     submit a job holding key "shared" that reports progress and stops when cancelled; print
             "running <job_id>"; wait for the job; print "finished <state>".
    exit     submit a job, print "running <job_id>", then fall off the end of the script: the exit hooks must
             stop the job. Options: honour|ignore (does the job honour cancel).
    signal   like hold, with signal handlers installed; the parent sends SIGTERM.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from docmind_jobs import JobContext, JobManager, JobRegistry


def say(line: str) -> None:
    print(line, flush=True)


def honour(ctx: JobContext) -> str:
    ctx.cancel_event.wait()
    ctx.raise_if_cancelled()
    return "unreachable"


def ignore(ctx: JobContext) -> str:
    threading.Event().wait()  # never set: this job ignores cancel
    return "unreachable"


def main() -> None:
    mode, db = sys.argv[1], Path(sys.argv[2])
    options = set(sys.argv[3:])
    registry = JobRegistry(db, progress_interval=0.0)
    manager = JobManager(registry=registry, cancel_poll_interval=0.05)
    manager.install_exit_hooks(timeout=1.5, signals=mode == "signal")
    started = threading.Event()

    def job(ctx: JobContext) -> str:
        ctx.report("work", done=1, total=2, item="a.txt")
        started.set()  # only once the report is stored: a parent that kills this process then finds it
        return (ignore if "ignore" in options else honour)(ctx)

    job_id = manager.submit("child", job, exclusive_key="shared", owner="child")
    started.wait(10)
    say(f"running {job_id}")
    if mode == "exit":
        return
    record = manager.wait(job_id)
    say(f"finished {record.state.value}")


if __name__ == "__main__":
    main()
