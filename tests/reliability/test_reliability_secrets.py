"""Secrets in document content never leak into progress, logs, job records or error messages (NFR-021).

A unique token (``SECRET-<uuid hex>``) is placed only in document *content* — a text file, a PDF, a Word
file, an HTML ``<title>``, a text file that turns into invalid UTF-8 right after the token, and binary junk
that starts with it — never in a file name. It is ingested twice: by the real CLI (``--json``, stdout and
stderr captured) and by a `DocMind` in this process with every logger at DEBUG and the file descriptors
captured (worker processes write to them). Then the token must be absent from every progress event, log
line, stderr line, job record (``docmind jobs --json``, the in-memory record, the raw ``jobs.sqlite*``
bytes), error message, ``corpus.json`` and manifest — and present where it belongs: the index and
``docmind search``.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import uuid
from pathlib import Path

import pytest
from docmind.service import DocMind
from docmind.settings import Settings
from docmind_jobs import JobState
from docmind_snapshots import fsops

from tests.reliability.reliability_support import cli, running_child
from tests.support.cli import json_lines
from tests.support.corpus import make_docx, make_pdf, make_text

TOKEN = f"SECRET-{uuid.uuid4().hex}"
NEEDLES = (TOKEN.encode(), TOKEN.split("-", 1)[1].encode())  # the hex part alone, as a tokenizer sees it


def leaks(blob: str | bytes) -> bool:
    data = blob.encode("utf-8", "replace") if isinstance(blob, str) else blob
    lowered = data.lower()
    return any(needle.lower() in lowered for needle in NEEDLES)


@pytest.fixture(scope="module")
def secret_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("secret-src") / "vault"
    make_text(src / "notes.txt", paragraphs=4, seed=1, phrase=f"The access code is {TOKEN} keep it safe")
    make_pdf(src / "report.pdf", pages=2, seed=2, phrase=TOKEN)
    make_docx(src / "letter.docx", seed=3, phrase=TOKEN)
    (src / "page.html").write_text(
        f"<html><head><title>{TOKEN}</title></head><body><p>Quarterly page body text.</p></body></html>"
    )
    (src / "broken.txt").write_bytes(f"prefix {TOKEN} ".encode() + b"\xff\xfe\xfa not utf-8 any more")
    (src / "junk.txt").write_bytes(TOKEN.encode() + b"\x00\x01\x02" * 500)
    return src


def _assert_no_leak(where: str, blob: str | bytes) -> None:
    assert not leaks(blob), f"the secret leaked into {where}"


def _assert_findable(data: Path) -> None:
    found = cli("search", TOKEN, "-k", "10", "--json", "--data-dir", str(data))
    assert found.code == 0, found.stderr
    hits = json.loads(found.stdout)
    files = {hit["file"] for hit in hits}
    assert {"vault/notes.txt", "vault/report.pdf", "vault/letter.docx", "vault/page.html"} <= files, hits
    assert any(TOKEN in hit["excerpt"] for hit in hits), hits
    current = json.loads(cli("verify", "--json", "--data-dir", str(data)).stdout)["current"]
    index = data / "index" / "snapshots" / current / "segments"
    assert any(leaks(p.read_bytes()) for p in index.rglob("*") if p.is_file()), "the token is not indexed"


def _assert_records_clean(data: Path) -> None:
    jobs = cli("jobs", "--json", "--data-dir", str(data))
    assert jobs.code == 0
    _assert_no_leak("docmind jobs --json", jobs.stdout + jobs.stderr)
    for path in data.glob("jobs.sqlite*"):
        _assert_no_leak(path.name, path.read_bytes())
    for snapshot in (data / "index" / "snapshots").iterdir():
        _assert_no_leak(f"{snapshot.name}/corpus.json", (snapshot / "corpus.json").read_bytes())
        _assert_no_leak(f"{snapshot.name}/MANIFEST.json", (snapshot / "MANIFEST.json").read_bytes())
        for header in snapshot.glob("segments/*/meta.json"):  # the file names a segment holds, never text
            _assert_no_leak(f"{snapshot.name}/{header.relative_to(snapshot)}", header.read_bytes())


def test_secret_through_the_cli(tmp_path: Path, secret_source: Path) -> None:
    data = tmp_path / "data"
    with running_child(data, "ingest", str(secret_source), "--json", "--data-dir", str(data)) as child:
        assert child.wait(180) == 0, child.err.text()
    lines = json_lines(child.out.text())
    assert lines[-1]["event"] == "summary"
    failed = {f["path"]: f["error"] for f in lines[-1]["files_failed"]}
    assert set(failed) == {"vault/broken.txt", "vault/junk.txt"}, failed
    _assert_no_leak("the --json progress lines and summary", child.out.text())
    _assert_no_leak("the CLI's stderr", child.err.text())
    _assert_records_clean(data)
    _assert_findable(data)


def test_secret_in_process_with_debug_logging(
    tmp_path: Path,
    secret_source: Path,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        logging.getLogger(name).setLevel(logging.DEBUG)
    data = tmp_path / "data"
    src = tmp_path / "vault"
    shutil.copytree(secret_source, src)
    service = DocMind(Settings(data_dir=data, workers=1))
    try:
        ok_id = service.start_ingestion([src])
        ok = service.jobs.wait(ok_id, timeout=180)
        assert ok.state is JobState.SUCCEEDED, ok
        events = service.jobs.events_since(ok_id, 0)
        summary = service.outcome(ok_id)

        make_text(src / "more.md", phrase=f"another mention of {TOKEN}")  # force a new commit

        def failing_write(fd: int, data: bytes | memoryview) -> int:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        monkeypatch.setattr(fsops, "write", failing_write)  # a failure whose message must not carry content
        bad_id = service.start_ingestion([src])
        bad = service.jobs.wait(bad_id, timeout=180)
        monkeypatch.undo()
        assert bad.state is JobState.FAILED and bad.error, bad
        bad_events = service.jobs.events_since(bad_id, 0)
        outcome = service.outcome(bad_id)
    finally:
        service.close()
    for name in list(logging.root.manager.loggerDict):
        logging.getLogger(name).setLevel(logging.NOTSET)

    for record in (ok, bad):
        _assert_no_leak(f"job record {record.id}", record.model_dump_json())
    for event in [*events, *bad_events]:
        _assert_no_leak(f"progress event {event.seq}", event.model_dump_json())
    assert summary is not None and not isinstance(summary, BaseException)
    _assert_no_leak("the ingestion summary", summary.model_dump_json())
    _assert_no_leak("the failure", f"{bad.error} {outcome!r} {outcome}")
    assert caplog.records, "nothing was logged at all: the capture is not working"
    for entry in caplog.records:
        _assert_no_leak(f"log record from {entry.name}", entry.getMessage() + (entry.exc_text or ""))
    _assert_no_leak("the captured log text", caplog.text)
    captured = capfd.readouterr()
    _assert_no_leak("stdout/stderr of this process and its workers", captured.out + captured.err)
    _assert_records_clean(data)
    _assert_findable(data)
