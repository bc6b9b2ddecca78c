"""SIGINT and SIGTERM in the CLI process: caught from the first moment, never a traceback.

The whole-group, every-moment proof against a real ``docmind ingest`` subprocess lives in
``tests/reliability/test_reliability_signals.py``; these tests pin the rules one by one, in process.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from docmind.cli import commands
from docmind.cli.interrupts import CommandInterrupted, Interrupts
from docmind.service import DocMind

from tests.reliability.reliability_support import cli
from tests.support.corpus import make_text


def test_a_signal_before_the_job_exists_cancels_it_as_soon_as_it_does() -> None:
    interrupts = Interrupts.install()
    try:
        os.kill(os.getpid(), signal.SIGTERM)  # remembered, nothing else: there is no job yet
        cancelled = threading.Event()
        interrupts.cancel_with(cancelled.set)
        assert cancelled.wait(10)
    finally:
        interrupts.restore()


def test_a_signal_stops_a_command_that_chose_to_stop() -> None:
    interrupts = Interrupts.install()
    try:
        interrupts.stop_on_signal()
        with pytest.raises(CommandInterrupted):
            os.kill(os.getpid(), signal.SIGINT)
            threading.Event().wait(10)  # the handler raises here, in this (the main) thread
    finally:
        interrupts.restore()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # the previous handler is back


def test_a_signal_after_the_command_is_over_is_only_remembered() -> None:
    # `uv run` forwards a terminal's Ctrl-C a second time: it must not act while the process ends.
    interrupts = Interrupts.install()
    try:
        interrupts.stop_on_signal()
        interrupts.settle()
        os.kill(os.getpid(), signal.SIGINT)  # would raise CommandInterrupted in this thread if acted on
        deadline = time.monotonic() + 10
        while interrupts.received is None and time.monotonic() < deadline:
            threading.Event().wait(0.01)  # the handler runs in this thread, between instructions
        assert interrupts.received == signal.SIGINT
    finally:
        interrupts.restore()


def test_ingest_signalled_before_its_job_starts_records_it_cancelled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, src = tmp_path / "data", tmp_path / "src"
    make_text(src / "notes.md")
    real_start = DocMind.start_ingestion

    def start_after_a_signal(self: DocMind, *args: Any, **kwargs: Any) -> str:
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while the CLI was still opening the data dir
        return real_start(self, *args, **kwargs)

    monkeypatch.setattr(DocMind, "start_ingestion", start_after_a_signal)
    result = cli("ingest", str(src), "--json", "--data-dir", str(data))
    assert result.code == 130
    assert result.stderr.splitlines() == ["docmind: ingestion cancelled; nothing was published"]
    jobs = json.loads(cli("jobs", "--json", "--data-dir", str(data)).stdout)
    assert [job["state"] for job in jobs] == ["Cancelled"]


def test_other_commands_end_in_one_line_on_a_signal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_snapshots = commands.snapshots

    def snapshots_interrupted(args: Any) -> int:
        os.kill(os.getpid(), signal.SIGTERM)
        threading.Event().wait(10)  # stopped here by the handler
        return real_snapshots(args)

    monkeypatch.setattr(commands, "snapshots", snapshots_interrupted)
    result = cli("snapshots", "--data-dir", str(tmp_path / "data"))
    assert (result.code, result.stderr.splitlines(), result.stdout) == (130, ["docmind: interrupted"], "")
