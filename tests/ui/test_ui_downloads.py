"""The Search page offers a download only for files of the active snapshot's corpus (AppTest, real jobs)."""

from __future__ import annotations

from pathlib import Path

from docmind.runtime import process_service
from streamlit.testing.v1 import AppTest

from tests.support.corpus import make_text
from tests.ui.conftest import page

PHRASE = "cormorant lantern"


def _ingest() -> None:
    service = process_service()
    record = service.jobs.wait(service.start_ingestion(owner="test"), timeout=120)
    assert record.state.value == "Succeeded", record.error


def _downloads(at: AppTest) -> list[str]:
    return [b.proto.label for b in at.get("download_button")]


def _captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption if c.value.startswith(("No download", "The source file"))]


def test_a_download_is_offered_only_while_the_hit_is_a_file_of_the_corpus(
    data_dir: Path, tmp_path: Path
) -> None:
    shelf = tmp_path / "shelf"
    make_text(shelf / "notes.md", phrase=PHRASE)
    make_text(data_dir / "documents" / "upload.md", phrase=PHRASE, seed=2)
    secret = tmp_path / "private" / "keys.md"
    make_text(secret, seed=3)
    process_service().library.add(shelf)
    _ingest()
    at = AppTest.from_file(page("search"), default_timeout=30).run()
    at.text_input(key="search_query").input(PHRASE).run()
    assert not at.exception
    assert _downloads(at) == ["Download the document", "Download the document"] and _captions(at) == []

    # The indexed file is replaced by a symlink to a file outside its source: the index still finds
    # it, but the page serves nothing.
    (shelf / "notes.md").unlink()
    (shelf / "notes.md").symlink_to(secret)
    (data_dir / "documents" / "upload.md").unlink()
    at.run()
    assert _downloads(at) == []
    assert sorted(_captions(at)) == [
        "No download: the file now leads outside its source folder.",
        "The source file is no longer on disk.",
    ]

    process_service().library.remove(shelf)  # the source leaves the corpus; the snapshot still has it
    at.run()
    assert "No download: its source folder is no longer part of the corpus." in _captions(at)
    assert _downloads(at) == []
