"""``docmind`` entry point: argument parsing and dispatch to one function per command.

Exit codes: 0 success; 1 failure (nothing published, damage found, bad input); 2 usage error;
3 another ingestion holds the index; 130 cancelled by SIGINT/SIGTERM.

Signals are caught before anything else happens: this module imports only what catching them
needs, and everything else inside the functions, after `Interrupts.install` (see
``docmind.cli.interrupts``).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from docmind.cli.interrupts import CommandInterrupted, Interrupts

if TYPE_CHECKING:
    import argparse

EPILOG = """exit codes: 0 ok, 1 failed / nothing published / damage found, 2 usage,
3 another ingestion holds the index, 130 cancelled (SIGINT/SIGTERM).
Every command honours DOCMIND_DATA_DIR (default: ./.docmind-data)."""


EXIT_INTERRUPTED = 130
"""Exit code of a command stopped by SIGINT/SIGTERM, as ``context.EXIT_CANCELLED`` (heavy to import)."""


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (also documents every command in ``--help``)."""
    import argparse
    from pathlib import Path

    from docmind.cli import commands, ingest_command

    parser = argparse.ArgumentParser(
        prog="docmind",
        description="DocMind: ingest documents into versioned, atomically published search snapshots.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir", type=Path, help="data dir (default: $DOCMIND_DATA_DIR or ./.docmind-data)"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ingest = sub.add_parser(
        "ingest",
        parents=[common],
        help="build and publish a new snapshot of the corpus",
        description="Ingest the managed documents folder, each SOURCE (file or folder, recursive) and the "
        "library folders (DOCMIND_LIBRARY_DIRS), then publish a new snapshot. Ctrl-C cancels: nothing is "
        "published and finished files stay cached.",
    )
    ingest.add_argument("sources", nargs="*", type=Path, metavar="SOURCE")
    ingest.add_argument("--json", action="store_true", help="JSON lines: progress events, then a summary")
    ingest.set_defaults(handler=ingest_command.run, routes_signals=True)

    snaps = sub.add_parser("snapshots", parents=[common], help="list snapshots; the active one is marked")
    snaps.add_argument("--json", action="store_true")
    snaps.set_defaults(handler=commands.snapshots)

    activate = sub.add_parser("activate", parents=[common], help="make a snapshot active (rollback)")
    activate.add_argument("snapshot_id", metavar="SNAPSHOT_ID")
    activate.set_defaults(handler=commands.activate)

    search = sub.add_parser("search", parents=[common], help="search the active snapshot")
    search.add_argument("query", metavar="QUERY")
    search.add_argument("-k", type=int, default=5, help="number of hits (default 5)")
    search.add_argument("--json", action="store_true")
    search.set_defaults(handler=commands.search)

    verify = sub.add_parser("verify", parents=[common], help="verify every snapshot and CURRENT")
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(handler=commands.verify)

    jobs = sub.add_parser("jobs", parents=[common], help="job history")
    jobs.add_argument("--json", action="store_true")
    jobs.set_defaults(handler=commands.jobs)

    app = sub.add_parser("app", parents=[common], help="start the Streamlit app on http://localhost:8501")
    app.add_argument("--port", type=int, default=8501)
    app.set_defaults(handler=commands.app)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit code."""
    interrupts = Interrupts.install()
    try:
        return _run(argv, interrupts)
    except CommandInterrupted:
        print("docmind: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        interrupts.restore()


def _run(argv: Sequence[str] | None, interrupts: Interrupts) -> int:
    import logging

    from docmind.cli.context import CommandError, OneLineFormatter, fail

    handler = logging.StreamHandler()
    handler.setFormatter(OneLineFormatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    args = build_parser().parse_args(argv)
    args.interrupts = interrupts
    if not getattr(args, "routes_signals", False):
        interrupts.stop_on_signal()
    try:
        return args.handler(args)
    except CommandError as exc:
        return fail(str(exc))


if __name__ == "__main__":
    sys.exit(main())
