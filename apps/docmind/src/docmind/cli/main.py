"""``docmind`` entry point: argument parsing and dispatch to one function per command.

Exit codes: 0 success; 1 failure (nothing published, damage found, bad input); 2 usage error;
3 another ingestion holds the index; 130 cancelled by SIGINT/SIGTERM.

Signals are caught before anything else happens: this module imports only what catching them
needs, and everything else inside the functions, after `Interrupts.install` (see
``docmind.cli.interrupts``). Right after it, an ingest that will parse locally starts the worker
server in the background (``docmind.cli.early_start``), while the command imports the rest; the
worker server an ingest started ends with the command. The program (`run`, the ``docmind`` entry
point) then ends the process as ``docmind.cli.process_exit`` says; `main` is the same command for a
caller in the same process.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

from docmind.cli.early_start import worker_server_started_early
from docmind.cli.interrupts import CommandInterrupted, Interrupts
from docmind.cli.process_exit import exit_process

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable

    Handler = Callable[[argparse.Namespace], int]

EPILOG = """exit codes: 0 ok, 1 failed / nothing published / damage found / refused, 2 usage,
3 another ingestion holds the index, 130 cancelled (SIGINT/SIGTERM).
Every command accepts --data-dir before or after the command name and honours DOCMIND_DATA_DIR
(default: ./.docmind-data)."""
DATA_DIR_HELP = "data dir (default: $DOCMIND_DATA_DIR or ./.docmind-data)"


EXIT_INTERRUPTED = 130
"""Exit code of a command stopped by SIGINT/SIGTERM: ``context.EXIT_CANCELLED``, without the import."""


def lazy_handler(module: str, name: str) -> Handler:
    """The function ``name`` of ``docmind.cli.<module>``, imported only when the command runs.

    The parser names every command's function without importing it: a command loads its own
    modules and no other command's (``docmind search --mode bm25`` never loads the ingestion
    engine, the job view or Streamlit).
    """

    def run(args: argparse.Namespace) -> int:
        from importlib import import_module

        command: Handler = getattr(import_module(f"docmind.cli.{module}"), name)
        return command(args)

    return run


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (also documents every command in ``--help``); it imports no command."""
    import argparse
    from pathlib import Path

    parser = argparse.ArgumentParser(
        prog="docmind",
        description="DocMind: ingest documents into versioned, atomically published search snapshots.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--data-dir", type=Path, default=None, help=DATA_DIR_HELP)
    # After the command, --data-dir leaves the namespace alone unless given, so both places work.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS, help=DATA_DIR_HELP)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ingest = sub.add_parser(
        "ingest",
        parents=[common],
        help="build and publish a new snapshot of the corpus",
        description="Ingest the corpus (the managed documents folder, the registered sources and the "
        "DOCMIND_LIBRARY_DIRS folders) and publish a new snapshot; when nothing changed, nothing is "
        "published. Each PATH joins the corpus first: a folder is registered as a source, a file is "
        "copied into the documents folder. With --only, exactly the PATHs are ingested (nothing is "
        "registered) and what the new snapshot drops is stated first. Ctrl-C cancels: nothing is "
        "published and finished files stay cached.",
    )
    ingest.add_argument("sources", nargs="*", type=Path, metavar="PATH")
    ingest.add_argument(
        "--only",
        action="store_true",
        help="ingest exactly the PATHs, once (the rest of the corpus is dropped)",
    )
    ingest.add_argument(
        "--executor",
        choices=("local", "ray"),
        default=argparse.SUPPRESS,
        help="where parsing, splitting and embedding run: worker processes here, or a Ray cluster "
        "(default: DOCMIND_EXECUTOR, else local)",
    )
    ingest.add_argument(
        "--ray-address",
        metavar="ADDR",
        default=argparse.SUPPRESS,
        help="the Ray cluster: HOST:PORT, or auto for the cluster this machine belongs to "
        "(default: DOCMIND_RAY_ADDRESS, else a Ray runtime started on this machine); implies --executor ray",
    )
    ingest.add_argument("--json", action="store_true", help="JSON lines: notes, progress events, a summary")
    ingest.set_defaults(handler=lazy_handler("ingest_command", "run"), routes_signals=True)

    sources = sub.add_parser(
        "sources",
        parents=[common],
        help="the library folders that make up the corpus",
        description="List, add or remove the source folders ingested with the documents folder.",
    )
    actions = sources.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", parents=[common], help="list the sources and their documents")
    listing.add_argument("--json", action="store_true")
    for name, text in (("add", "register a folder as a source"), ("remove", "forget a source")):
        action = actions.add_parser(name, parents=[common], help=text)
        action.add_argument("path", type=Path, metavar="PATH")
        action.add_argument("--json", action="store_true")
    sources.set_defaults(handler=lazy_handler("sources_command", "run"))

    snaps = sub.add_parser("snapshots", parents=[common], help="list snapshots; the active one is marked")
    snaps.add_argument("--json", action="store_true")
    snaps.set_defaults(handler=lazy_handler("commands", "snapshots"))

    activate = sub.add_parser("activate", parents=[common], help="make a snapshot active (rollback)")
    activate.add_argument("snapshot_id", metavar="SNAPSHOT_ID")
    activate.set_defaults(handler=lazy_handler("commands", "activate"))

    search = sub.add_parser("search", parents=[common], help="search the active snapshot")
    search.add_argument("query", metavar="QUERY")
    search.add_argument("-k", type=int, default=5, help="number of hits (default 5)")
    search.add_argument(
        "--mode",
        choices=["hybrid", "bm25", "dense"],
        default=None,
        help="retrieval: hybrid (BM25 + dense vectors, fused; the default when the snapshot has vectors), "
        "bm25 (keywords) or dense (meaning)",
    )
    search.add_argument("--json", action="store_true")
    search.set_defaults(handler=lazy_handler("search_command", "search"))

    verify = sub.add_parser("verify", parents=[common], help="verify every snapshot and CURRENT")
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(handler=lazy_handler("commands", "verify"))

    optimize = sub.add_parser(
        "optimize", parents=[common], help="merge the index's segments now (ingestions merge as they go)"
    )
    optimize.set_defaults(handler=lazy_handler("commands", "optimize"))

    jobs = sub.add_parser("jobs", parents=[common], help="job history")
    jobs.add_argument("--json", action="store_true")
    jobs.set_defaults(handler=lazy_handler("jobs_command", "jobs"))

    app = sub.add_parser(
        "app",
        parents=[common],
        allow_abbrev=False,
        help="start the Streamlit app",
        description="Start the Streamlit app, on 127.0.0.1 (this machine only) unless --server.address says "
        "otherwise; an address that is not loopback needs DOCMIND_APP_TOKEN, which every browser must then "
        "enter. Streamlit's configuration applies (.streamlit/config.toml, STREAMLIT_* variables); Streamlit "
        "options such as --server.port 8502 are passed through.",
    )
    app.add_argument("--port", type=int, default=None, help="shorthand for --server.port")
    app.set_defaults(handler=lazy_handler("app_command", "run"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit code, for a caller that goes on (its signal handlers come back)."""
    interrupts = Interrupts.install()
    try:
        return _command(argv, interrupts)
    finally:
        interrupts.restore()


def run() -> NoReturn:
    """The ``docmind`` program: run the command of ``sys.argv``, then end the process with its exit code.

    Signals stay caught until the process is gone (``docmind.cli.process_exit``).
    """
    interrupts = Interrupts.install()
    exit_process(_command(None, interrupts), interrupts)


def _command(argv: Sequence[str] | None, interrupts: Interrupts) -> int:
    try:
        with worker_server_started_early(sys.argv[1:] if argv is None else argv):
            return _run(argv, interrupts)
    except CommandInterrupted:
        print("docmind: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _run(argv: Sequence[str] | None, interrupts: Interrupts) -> int:
    import logging

    from docmind.cli.context import CommandError, OneLineFormatter, fail

    handler = logging.StreamHandler()
    handler.setFormatter(OneLineFormatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    # A job's explained failure is logged as a warning by the manager; the command reports it itself,
    # in one line, so only errors of the job machinery reach the terminal.
    logging.getLogger("docmind_jobs").setLevel(logging.ERROR)
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if args.command == "app":
        from docmind.cli import app_command

        try:
            args.streamlit_options = app_command.streamlit_options(extra)
        except CommandError as exc:
            parser.error(str(exc))
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.interrupts = interrupts
    if not getattr(args, "routes_signals", False):
        interrupts.stop_on_signal()
    try:
        return args.handler(args)
    except CommandError as exc:
        return fail(str(exc))


if __name__ == "__main__":
    run()
