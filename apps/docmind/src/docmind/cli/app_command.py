"""``docmind app``: replace this process with ``streamlit run`` on the DocMind app.

Streamlit's own configuration is honoured: ``.streamlit/config.toml`` (global and in the working
folder), ``STREAMLIT_*`` environment variables and ``--section.option`` arguments, which are passed
through unchanged. DocMind's preferences (headless, no usage statistics, a minimal toolbar and,
unless the server's address is chosen, the browser address ``localhost``) apply only to options the
person has not set anywhere. ``--port N`` is a shorthand for
``--server.port N``; without either, Streamlit picks the port, and the URL it prints is the real one.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from docmind.cli.context import CommandError, settings_for

PREFERENCES = {
    "server.headless": "true",
    "browser.gatherUsageStats": "false",
    "client.toolbarMode": "minimal",
}
# Without an address, Streamlit asks a web service for this machine's external IP at start (offline:
# "Did not auto detect external IP"); naming the browser address prints one URL and asks nothing.
# Not applied when the person chose the server's address: Streamlit then prints that one.
QUIET_ADDRESS = {"browser.serverAddress": "localhost"}
_OPTION = re.compile(r"^--([a-z][A-Za-z]*\.[a-z][A-Za-z]*)(?:=(.*))?$", re.DOTALL)


def streamlit_options(tokens: Sequence[str]) -> dict[str, str]:
    """Parse pass-through ``--section.option VALUE`` / ``--section.option=VALUE`` tokens, in order.

    Raises:
        CommandError: a token is not a Streamlit option, or an option has no value.
    """
    options: dict[str, str] = {}
    rest = list(tokens)
    while rest:
        token = rest.pop(0)
        match = _OPTION.match(token)
        if match is None:
            raise CommandError(
                f"app: unrecognized argument {token!r} (Streamlit options look like --server.port 8502)"
            )
        name, value = match.group(1), match.group(2)
        if value is None:
            if not rest or rest[0].startswith("--"):
                raise CommandError(f"app: {token} needs a value")
            value = rest.pop(0)
        options[name] = value
    return options


def run(args: argparse.Namespace) -> int:
    """Start Streamlit on the app (this process becomes Streamlit; returns only on failure)."""
    settings = settings_for(args)
    options = dict(args.streamlit_options)
    if args.port is not None:
        options["server.port"] = str(args.port)
    from docmind.ui.streamlit_config import set_by_person  # loads Streamlit: only this command needs it

    chosen = set_by_person([*PREFERENCES, *QUIET_ADDRESS, "server.address"], options)
    preferred = PREFERENCES if "server.address" in chosen else PREFERENCES | QUIET_ADDRESS
    options |= {name: value for name, value in preferred.items() if name not in chosen}
    os.environ["DOCMIND_DATA_DIR"] = str(settings.data_dir)
    script = Path(__file__).resolve().parent.parent / "ui" / "streamlit_app.py"
    argv = [sys.executable, "-m", "streamlit", "run", str(script)]
    for name, value in options.items():
        argv += [f"--{name}", value]
    print(
        f"DocMind: starting the app (data dir: {settings.data_dir.resolve()}); Streamlit prints its URL",
        flush=True,
    )
    os.execv(sys.executable, argv)  # noqa: S606 - an argument list, no shell involved
