"""The traceability table names code and tests that exist: every path and every ``file::test``."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TABLE = ROOT / "docs" / "specs" / "traceability.md"
_APP = "apps/…/"
_PATH = re.compile(r"\.(py|md|toml|yml|sh|json)$|/$")


def _named_paths() -> list[str]:
    """Every repository path the table names in backticks, braces expanded, ``…`` spelled out."""
    paths: list[str] = []
    for token in re.findall(r"`([^`\s]+)", TABLE.read_text(encoding="utf-8")):
        token = token.replace(_APP, "apps/docmind/src/")
        brace = re.search(r"\{([^}]+)\}", token)
        parts = brace.group(1).split(",") if brace else [""]
        expanded = [token.replace(brace.group(0), part) for part in parts] if brace else [token]
        paths.extend(item for item in expanded if _PATH.search(item.split("::")[0]))
    return paths


def test_every_path_in_the_table_exists() -> None:
    missing = [p for p in _named_paths() if not any(ROOT.glob(p.split("::")[0].rstrip("/")))]
    assert missing == []


def test_every_named_test_exists_in_its_file() -> None:
    missing = []
    for item in _named_paths():
        if "::" not in item:
            continue
        file, name = item.split("::", 1)
        source = (ROOT / file).read_text(encoding="utf-8") if (ROOT / file).is_file() else ""
        if not re.search(rf"^(async )?def {re.escape(name)}\(", source, re.M):
            missing.append(item)
    assert missing == []


def test_the_table_names_paths_at_all() -> None:
    assert len(_named_paths()) > 100
