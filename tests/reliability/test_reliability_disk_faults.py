"""Disk faults: ENOSPC and EIO while an ingestion writes, and data dirs that cannot be used at all.

* Injected faults (portable): a real `DocMind` in this process runs an ingestion while one write fails —
  a write into the snapshot workspace (any ``open`` for writing under ``index/tmp``), a file fsync, the
  manifest write, the publish rename, or the ``CURRENT`` replace (the `docmind_snapshots.fsops` seam). The
  job must end Failed with the OS reason in ``JobRecord.error``; the previous snapshot stays active and
  verifies; no workspace or trash is left; the next ingestion succeeds.
* A real full disk: ``index/`` is a small tmpfs in a private mount namespace (as root, in a user
  namespace or through passwordless sudo: ``tests.support.mount_namespace``) and the index is rebuilt
  by a worker process, so ENOSPC hits a write the in-process seam cannot reach.
* Unusable data dirs — a regular file, a path under a file, ``index`` or ``index/snapshots`` being a file,
  a corrupt or unopenable ``jobs.sqlite``, a read-only filesystem (a read-only bind mount in a private mount
  namespace, since root ignores permission bits) — are refused at start with a clear message: `DataDirError`
  in process, exit 1 and one ``docmind: ...`` line without a traceback from the CLI.
"""

from __future__ import annotations

import builtins
import errno
import io
import json
import os
import shlex
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from docmind.datadir import DataDirError
from docmind.service import DocMind
from docmind.settings import Settings
from docmind_jobs import JobState
from docmind_snapshots import SnapshotStore, fsops

from tests.reliability.reliability_support import (
    REPO,
    cli,
    cli_env,
)
from tests.support.cli import docmind_argv, run_docmind
from tests.support.corpus import make_mixed_corpus, make_text
from tests.support.datadir import workspaces_left
from tests.support.mount_namespace import in_mount_namespace

FAULT_POINTS = ("workspace write", "file fsync", "manifest write", "publish rename", "CURRENT replace")
ERRNOS = {"ENOSPC": errno.ENOSPC, "EIO": errno.EIO}
JOB_TIMEOUT = 180.0


@contextmanager
def opened(data: Path) -> Iterator[DocMind]:
    service = DocMind(Settings(data_dir=data, workers=1))
    try:
        yield service
    finally:
        service.close()


def ingest(data: Path, src: Path) -> Any:
    with opened(data) as service:
        return service.jobs.wait(service.start_ingestion([src]), timeout=JOB_TIMEOUT)


@pytest.fixture(scope="module")
def store_with_snapshot(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A data dir whose active snapshot indexes a small generated corpus (made once per module)."""
    root = tmp_path_factory.mktemp("faults")
    src = root / "src"
    make_mixed_corpus(src, pdfs=2, pages=2, texts=2, seed=5)
    data = root / "data"
    assert ingest(data, src).state is JobState.SUCCEEDED
    return data, src


class Fault:
    """Makes one kind of write fail with ``OSError(err)``; ``fired`` counts the failures raised."""

    def __init__(self, point: str, err: int, data: Path) -> None:
        self.point, self.err, self.fired = point, err, 0
        self.workspaces = str((data / "index" / "tmp").resolve()) + os.sep

    def fail(self, filename: object = None) -> None:
        self.fired += 1
        raise OSError(self.err, os.strerror(self.err), None if filename is None else str(filename))

    def install(self, mp: pytest.MonkeyPatch) -> None:
        if self.point == "workspace write":
            self._wrap_open(mp)
        elif self.point == "file fsync":
            real_fsync = fsops.fsync

            def fsync(fd: int) -> None:
                if not Path(f"/proc/self/fd/{fd}").is_dir():
                    self.fail()
                real_fsync(fd)

            mp.setattr(fsops, "fsync", fsync)
        elif self.point == "manifest write":
            real_write = fsops.write

            def write(fd: int, data: bytes | memoryview) -> int:
                if b'"schema_version"' in bytes(data):
                    self.fail()
                return real_write(fd, data)

            mp.setattr(fsops, "write", write)
        elif self.point == "publish rename":

            def rename(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
                self.fail(src)

            mp.setattr(fsops, "rename", rename)
        else:
            real_replace = fsops.replace

            def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
                if Path(dst).name == "CURRENT":
                    self.fail(dst)
                real_replace(src, dst)

            mp.setattr(fsops, "replace", replace)

    def _wrap_open(self, mp: pytest.MonkeyPatch) -> None:
        """Fail every open for writing of a path inside a snapshot workspace (``index/tmp/ws-*``)."""

        def guard(real: Callable[..., Any]) -> Callable[..., Any]:
            def opener(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
                writing = any(flag in mode for flag in "wax+")
                if (
                    writing
                    and isinstance(file, str | os.PathLike)
                    and str(Path(os.fspath(file)).absolute()).startswith(self.workspaces)
                ):
                    self.fail(file)
                return real(file, mode, *args, **kwargs)

            return opener

        mp.setattr(io, "open", guard(io.open))
        mp.setattr(builtins, "open", guard(builtins.open))


@pytest.mark.parametrize("err_name", list(ERRNOS))
@pytest.mark.parametrize("point", FAULT_POINTS)
def test_disk_fault_fails_the_job_and_keeps_the_previous_snapshot(
    store_with_snapshot: tuple[Path, Path], point: str, err_name: str
) -> None:
    data, src = store_with_snapshot
    err = ERRNOS[err_name]
    before = SnapshotStore(data / "index").current()
    assert before is not None
    fault = Fault(point, err, data)
    # An unchanged corpus would publish nothing and never reach the fault.
    make_text(src / f"change-{point.replace(' ', '-')}-{err_name}.md", seed=err)
    with pytest.MonkeyPatch.context() as mp, opened(data) as service:
        fault.install(mp)
        record = service.jobs.wait(service.start_ingestion([src]), timeout=JOB_TIMEOUT)
    assert fault.fired >= 1, f"the {point} fault never fired"
    assert record.state is JobState.FAILED, record
    assert record.error and os.strerror(err) in record.error, record.error
    assert "Traceback" not in record.error and "\n" not in record.error

    store = SnapshotStore(data / "index")  # reopen: recovery runs
    current = store.current()
    assert current is not None and current.id == before.id
    assert all(report.ok for report in store.verify_all())
    assert workspaces_left(data) == []
    assert not list((data / "index").glob("CURRENT.tmp-*"))
    with opened(data) as service:
        persisted = service.jobs.get(record.id)
    assert persisted is not None and persisted.state is JobState.FAILED and persisted.error == record.error
    verify = cli("verify", "--json", "--data-dir", str(data))
    assert verify.code == 0 and json.loads(verify.stdout)["current"] == before.id
    assert ingest(data, src).state is JobState.SUCCEEDED  # the next commit succeeds


def test_cli_reports_a_disk_fault_in_one_line(
    store_with_snapshot: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    data, src = store_with_snapshot
    before = SnapshotStore(data / "index").current()
    make_text(src / "change-for-the-cli.md", seed=1)  # an unchanged corpus would publish nothing
    Fault("manifest write", errno.ENOSPC, data).install(monkeypatch)
    result = cli("ingest", str(src), "--json", "--data-dir", str(data))
    monkeypatch.undo()
    assert result.code == 1, result
    assert "No space left on device" in result.stderr and "nothing was published" in result.stderr
    current = SnapshotStore(data / "index").current()
    assert before is not None and current is not None and current.id == before.id


# -- a real full filesystem -------------------------------------------------------------------------------


def test_real_enospc_from_the_index_worker(tmp_path: Path) -> None:
    src = tmp_path / "src"
    made = make_mixed_corpus(src, pdfs=2, pages=3, texts=2, seed=9)
    data = tmp_path / "data"
    (data / "index").mkdir(parents=True)
    setup = f"mount -t tmpfs -o size=16m tmpfs {shlex.quote(str(data / 'index'))}"
    child = Path(__file__).with_name("enospc_child.py")
    argv = [sys.executable, str(child), str(data), str(src), str(made[0])]
    done = subprocess.run(
        in_mount_namespace(setup, argv, cli_env(data)),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["state"] == "Failed", report
    assert "No space left on device" in report["error"], report
    assert report["cli_code"] == 1, report
    assert "No space left on device" in report["cli_stderr"], report
    assert "Traceback" not in report["cli_stderr"], report["cli_stderr"]
    assert report["active"] == report["previous"], report
    assert report["verify_ok"] is True and report["workspaces"] == [], report
    assert report["jobs"][0][0] == "Failed" and report["jobs"][1][0] == "Failed", report["jobs"]
    assert report["after"] == "Succeeded", report


# -- unusable data dirs -----------------------------------------------------------------------------------


def _make_unusable(kind: str, root: Path) -> Path:
    data = root / "data"
    if kind == "a regular file":
        data.write_text("not a directory")
    elif kind == "under a regular file":
        (root / "file").write_text("not a directory")
        data = root / "file" / "data"
    elif kind == "index is a file":
        data.mkdir()
        (data / "index").write_text("not a directory")
    elif kind == "snapshots is a file":
        (data / "index").mkdir(parents=True)
        (data / "index" / "snapshots").write_text("not a directory")
    elif kind == "corrupt job registry":
        data.mkdir()
        (data / "jobs.sqlite").write_bytes(b"this is not an SQLite database " * 64)
    elif kind == "job registry is a folder":
        (data / "jobs.sqlite").mkdir(parents=True)
    return data


JOB_HISTORY_BROKEN = ("corrupt job registry", "job registry is a folder")
UNUSABLE = (
    "a regular file",
    "under a regular file",
    "index is a file",
    "snapshots is a file",
    "corrupt job registry",
    "job registry is a folder",
)


@pytest.mark.parametrize("kind", UNUSABLE)
def test_unusable_data_dir_is_refused_at_start(tmp_path: Path, kind: str) -> None:
    data = _make_unusable(kind, tmp_path)
    with pytest.raises(DataDirError) as caught:
        DocMind(Settings(data_dir=data))
    assert str(data) in str(caught.value)
    refused = [("ingest", str(tmp_path), "--json"), ("verify", "--json"), ("jobs", "--json")]
    if kind in JOB_HISTORY_BROKEN:
        # The snapshot commands open the snapshot store alone: a broken job history does not stop them.
        listed = cli("snapshots", "--data-dir", str(data))
        assert listed.code == 0 and listed.stderr == "", listed
        searched = cli("search", "anything", "--data-dir", str(data))
        assert searched.stderr == "docmind: there is no index yet: ingest some documents first\n", searched
    else:
        refused.append(("snapshots",))
    for argv in refused:
        result = cli(*argv, "--data-dir", str(data))  # an uncaught exception would escape main() here
        assert result.code == 1, (argv, result)
        assert result.stdout == "", (argv, result)
        assert result.stderr.startswith("docmind: ") and str(data) in result.stderr, (argv, result)


def test_unusable_data_dir_cli_subprocess_has_no_traceback(tmp_path: Path) -> None:
    data = _make_unusable("corrupt job registry", tmp_path)
    result = run_docmind(data, "ingest", str(tmp_path), "--json")
    assert result.returncode == 1, result
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("docmind: "), result.stderr
    assert "Traceback" not in result.stderr


def test_read_only_data_dir_is_refused_at_start(tmp_path: Path) -> None:
    src = tmp_path / "src"
    make_mixed_corpus(src, pdfs=0, pages=1, texts=2, seed=3)
    data = tmp_path / "data"
    first = run_docmind(data, "ingest", str(src), "--json")
    assert first.returncode == 0, first.stderr
    quoted = shlex.quote(str(data))
    read_only = f"mount --bind {quoted} {quoted} && mount -o remount,bind,ro {quoted}"
    for args in (("ingest", str(src), "--json"), ("verify",), ("jobs", "--json")):
        argv = in_mount_namespace(read_only, docmind_argv(*args, "--data-dir", str(data)), cli_env(data))
        result = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
        assert result.returncode == 1, (args, result)
        assert "Read-only file system" in result.stderr and str(data) in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr, result.stderr
    verify = run_docmind(data, "verify", "--json")  # writable again outside the namespace: nothing damaged
    assert verify.returncode == 0 and json.loads(verify.stdout)["ok"] is True
