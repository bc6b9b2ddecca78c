"""Sources: two folders ingested one after the other (the CLI, then the page) both stay searchable;
the page adds only folders under DOCMIND_SOURCE_ROOTS, the CLI any folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from e2e import cli
from e2e.app import JOB_TIMEOUT, UI_TIMEOUT, DocMindApp
from e2e.server import StreamlitServer
from tests.support.corpus import make_docx, make_pdf, make_text

FIRST_PHRASE = "marigold telescope"
SECOND_PHRASE = "juniper anvil"


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two library folders outside the data dir: a few real documents each."""
    root = tmp_path_factory.mktemp("library")
    first, second = root / "field-reports", root / "archive"
    make_pdf(first / "harbour-survey.pdf", pages=2, seed=31, phrase=FIRST_PHRASE)
    make_text(first / "crew-notes.md", seed=32)
    make_docx(second / "ledger.docx", seed=33, phrase=SECOND_PHRASE)
    make_text(second / "index.rst", seed=34)
    (second / "scan.tiff").write_bytes(b"II*\x00" + bytes(4996))  # not a supported type: skipped
    return first, second


@pytest.fixture(scope="module")
def server_env(folders: tuple[Path, Path]) -> dict[str, str]:
    """The library folder is the one root the page may add sources from."""
    return {"DOCMIND_SOURCE_ROOTS": str(folders[0].parent)}


def test_a_second_folder_does_not_drop_the_first(
    app: DocMindApp, server: StreamlitServer, folders: tuple[Path, Path]
) -> None:
    first, second = folders
    data = server.data_dir

    # (0) From the page, a folder outside the source roots is refused in one line; nothing is added.
    app.add_source(Path("/etc"))
    refusal = f"Refused: cannot add /etc: it is not under the allowed source roots {first.parent}"
    expect(app.sources.get_by_test_id("stAlert")).to_have_text(f"{refusal} (DOCMIND_SOURCE_ROOTS)")
    assert cli.docmind_json("sources", "list", data_dir=data) == []

    # (1) The first folder through the CLI, on the server's data dir: it becomes a source.
    result = cli.docmind("ingest", str(first), data_dir=data)
    assert result.returncode == 0, result.stderr
    assert f"added source {first}" in result.stdout
    app.reload()
    expect(app.sources).to_contain_text(str(first), timeout=UI_TIMEOUT)
    one = app.snapshot_id()
    assert one is not None and one == cli.current_snapshot(data)

    # (2) The second through the page: add it as a source, then ingest the whole corpus.
    app.add_source(second)
    expect(app.sources.get_by_test_id("stAlert")).to_contain_text(f"Added source {second}")
    expect(app.sources).to_contain_text(str(second))
    app.start()
    app.expect_state("Succeeded")
    expect(app.panel).to_contain_text("4 / 4 files")
    expect(app.panel).to_contain_text("0 removed")
    app.wait_until_settled()
    two = app.snapshot_id()
    assert two is not None and two != one and two == cli.current_snapshot(data)
    listed = cli.docmind_json("sources", "list", data_dir=data)
    assert [source["path"] for source in listed] == [str(first), str(second)]
    # The corpus table lists the skipped file with its real size (5,000 bytes) and the whole reason.
    corpus = app.page.locator(".st-key-documents_corpus").get_by_test_id("stDataFrame")
    skipped = corpus.locator("tr[role=row]").filter(has_text="archive/scan.tiff")
    expect(skipped).to_contain_text("skipped")
    expect(skipped).to_contain_text("4.9")
    expect(skipped).to_contain_text("unsupported file type .tiff")

    # (3) The first folder's document is still found on the Search page, and so is the second's.
    app.go_to("Search")
    results = app.search(FIRST_PHRASE)
    # The server's first search loads the search libraries: an engine-bound wait, as for a job.
    first_hit = results.locator("p").first
    expect(first_hit).to_contain_text("field-reports/harbour-survey.pdf · page 2", timeout=JOB_TIMEOUT)
    results = app.search(SECOND_PHRASE)
    expect(results.locator("p").first).to_contain_text("archive/ledger.docx", timeout=UI_TIMEOUT)
