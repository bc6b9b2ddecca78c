"""The corpus table: skipped files with their real size and whole reason, columns of fixed widths."""

from __future__ import annotations

import json
from pathlib import Path

from docmind.ui.corpus_table import CHAR_PX, NAME_PX, text_width
from streamlit.testing.v1 import AppTest

from tests.support.corpus import make_text
from tests.ui.conftest import page


def test_a_skipped_file_shows_its_size_and_whole_reason_in_fixed_columns(data_dir: Path) -> None:
    documents = data_dir / "documents"
    make_text(documents / "notes.md", phrase="orca notebook")
    (documents / "archive.tar.gz").write_bytes(b"x" * 5000)
    at = AppTest.from_file(page("documents"), default_timeout=30).run()
    assert not at.exception
    table = at.dataframe[0]
    rows = {row["name"]: row for row in table.value.to_dict("records")}
    assert rows["archive.tar.gz"]["status"] == "skipped"
    assert rows["archive.tar.gz"]["size (KB)"] == 4.9
    assert rows["archive.tar.gz"]["note"] == "unsupported file type .gz"
    columns = json.loads(table.proto.columns)
    widths = {name: config["width"] for name, config in columns.items() if not config.get("hidden")}
    # Every width is fixed by the server (the browser measures nothing), and the note fits whole.
    assert all(isinstance(width, int) for width in widths.values()), widths
    assert widths["note"] >= len("unsupported file type .gz") * CHAR_PX


def test_the_note_column_grows_with_its_longest_reason_and_the_name_column_is_bounded() -> None:
    reason = "cannot parse: " + "the document's cross-reference table is damaged beyond repair " * 3
    assert text_width([reason, "damaged PDF"], 120) >= len(reason) * CHAR_PX
    assert text_width([], 120) == 120
    assert text_width(["n" * 500], *NAME_PX) == NAME_PX[1]
