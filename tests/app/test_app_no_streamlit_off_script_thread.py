"""Worker threads never call ``st.*``: nothing reachable from the job function imports Streamlit."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "apps" / "docmind" / "src" / "docmind"
JOB_SIDE_MODULES = [
    "docmind.service",
    "docmind.runtime",
    "docmind.ingest.pipeline",
    "docmind.executors.local.pool",
    "docmind.ingest.parse.file_task",
    "docmind.ingest.index.build",
    "docmind.ingest.index.update",
    "docmind.segments.snapshot_index",
    "docmind.ingest.index.listing",
    "docmind.search",
    "docmind.cli.main",
]


def test_job_side_modules_do_not_load_streamlit() -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {JOB_SIDE_MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "loaded = sorted(m for m in sys.modules if m == 'streamlit' or m.startswith('streamlit.'))\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_only_ui_modules_import_streamlit() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if "ui" in path.relative_to(PACKAGE).parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "streamlit" or n.startswith("streamlit.") for n in names):
                offenders.append(str(path.relative_to(PACKAGE)))
    assert offenders == []
