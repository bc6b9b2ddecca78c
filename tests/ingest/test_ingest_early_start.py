"""`docmind ingest` starts the worker server as it starts, exactly when it will parse locally."""

from __future__ import annotations

import pytest
from docmind.cli.early_start import command_of, parses_locally


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["ingest", "docs"], "ingest"),
        (["--data-dir", "ingest", "search", "x"], "search"),
        (["--data-dir=somewhere", "ingest"], "ingest"),
        (["--json"], None),
        ([], None),
    ],
)
def test_the_command_word_skips_options_and_the_data_dir(argv: list[str], command: str | None) -> None:
    assert command_of(argv) == command


@pytest.mark.parametrize(
    ("argv", "local"),
    [
        (["ingest"], True),
        (["ingest", "papers", "--only", "--json"], True),
        (["--data-dir", "d", "ingest", "papers"], True),
        (["sources", "add", "ingest"], False),
        (["search", "ingest"], False),
        (["ingest", "--executor", "ray"], False),
        (["ingest", "--executor=ray"], False),
        (["ingest", "--executor", "local"], True),
        (["ingest", "--executor=local"], True),
        (["ingest", "--ray-address=127.0.0.1:6379"], False),
        (["ingest", "--help"], False),
        (["ingest", "-h"], False),
    ],
)
def test_only_a_local_ingest_starts_the_server_early(
    argv: list[str], local: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DOCMIND_EXECUTOR", raising=False)
    assert parses_locally(argv) is local


def test_an_executor_from_the_environment_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCMIND_EXECUTOR", "ray")
    assert not parses_locally(["ingest", "papers"])
    assert parses_locally(["ingest", "papers", "--executor", "local"])
    monkeypatch.setenv("DOCMIND_EXECUTOR", "local")
    assert parses_locally(["ingest", "papers"])
