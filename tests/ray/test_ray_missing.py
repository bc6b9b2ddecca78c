"""Without the Ray package, a Ray job fails at once with one line naming the extra to install."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from docmind.ingest.ray_runtime import RayUnavailableError

from tests.support.corpus import make_text
from tests.support.datadir import assert_store_whole
from tests.support.recorder import Recorder
from tests.support.run_engine import ingest


def test_a_ray_job_without_ray_installed_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_text(tmp_path / "docs" / "notes.md")
    monkeypatch.setitem(sys.modules, "ray", None)  # what an environment without the extra imports
    monkeypatch.delitem(sys.modules, "docmind.ingest.ray_executor", raising=False)
    recorder = Recorder()
    with pytest.raises(RayUnavailableError, match=r"docmind\[ray\]"):
        ingest(tmp_path / "data", tmp_path / "docs", executor="ray", reporter=recorder)
    assert {e["phase"] for e in recorder.events} <= {"scan"}
    assert assert_store_whole(tmp_path / "data") is None
