"""``docmind app``: replace this process with ``streamlit run`` on the DocMind app.

Streamlit's own configuration is honoured: ``.streamlit/config.toml`` (global and in the working
folder), ``STREAMLIT_*`` environment variables and ``--section.option`` arguments, which are passed
through unchanged (a repeated option, such as ``--server.allowedHosts``, keeps every value). DocMind's
preferences (headless, no usage statistics, a minimal toolbar and, unless the server's address is
chosen, the browser address ``localhost``) apply only to options the person has not set anywhere.
``--port N`` is a shorthand for ``--server.port N``; without either, Streamlit picks the port, and
the URL it prints is the real one.

Exposure (``docmind.exposure``, ADR-058): unless the person chose ``server.address``, the app listens
on loopback (``127.0.0.1``). A chosen address that is not loopback needs ``DOCMIND_APP_TOKEN``;
without it the command refuses in one line and starts nothing. On a loopback address the app accepts
only the loopback host names (``server.allowedHosts``, unless the person set it), so a web page
whose domain is rebound to 127.0.0.1 cannot drive it.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TypeGuard

from docmind.cli.context import CommandError, settings_for
from docmind.exposure import (
    LOOPBACK_ADDRESS,
    LOOPBACK_HOSTS,
    TOKEN_VARIABLE,
    UNIX_SOCKET_PREFIX,
    app_token,
    exposure_refusal,
    is_loopback,
)

ADDRESS = "server.address"
ALLOWED_HOSTS = "server.allowedHosts"
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

Options = dict[str, list[str]]
"""Streamlit options by name, each with its values in the order given."""


def streamlit_options(tokens: Sequence[str]) -> Options:
    """Parse pass-through ``--section.option VALUE`` / ``--section.option=VALUE`` tokens, in order.

    Raises:
        CommandError: a token is not a Streamlit option, or an option has no value.
    """
    options: Options = {}
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
        options.setdefault(name, []).append(value)
    return options


def run(args: argparse.Namespace) -> int:
    """Start Streamlit on the app (this process becomes Streamlit; returns only on failure).

    Raises:
        CommandError: the chosen address is not loopback and ``DOCMIND_APP_TOKEN`` is not set.
    """
    settings = settings_for(args)
    options = {name: list(values) for name, values in args.streamlit_options.items()}
    if args.port is not None:
        options["server.port"] = [str(args.port)]
    from docmind.ui.streamlit_config import effective_value, set_by_person  # loads Streamlit

    chosen = set_by_person([*PREFERENCES, *QUIET_ADDRESS, ADDRESS, ALLOWED_HOSTS], options)
    preferred = dict(PREFERENCES)
    if ADDRESS in chosen:
        value = effective_value(ADDRESS, options)
        address = str(value) if value is not None else None
        refusal = exposure_refusal(address)
        if refusal is not None:
            raise CommandError(f"app: {refusal}")
    else:
        address = LOOPBACK_ADDRESS
        preferred |= QUIET_ADDRESS | {ADDRESS: LOOPBACK_ADDRESS}
    for name, value in preferred.items():
        if name not in chosen:
            options[name] = [value]
    if ALLOWED_HOSTS not in chosen and _on_loopback_port(address):
        options[ALLOWED_HOSTS] = list(dict.fromkeys((*LOOPBACK_HOSTS, address)))
    os.environ["DOCMIND_DATA_DIR"] = str(settings.data_dir)
    script = Path(__file__).resolve().parent.parent / "ui" / "streamlit_app.py"
    argv = [sys.executable, "-m", "streamlit", "run", str(script)]
    for name, values in options.items():
        for value in values:
            argv += [f"--{name}", value]
    data_dir = settings.data_dir.resolve()
    print(
        f"DocMind: starting the app {_reach(address)} (data dir: {data_dir}); Streamlit prints its URL",
        flush=True,
    )
    os.execv(sys.executable, argv)  # noqa: S606 - an argument list, no shell involved


def _on_loopback_port(address: str | None) -> TypeGuard[str]:
    """Whether the app listens on a loopback TCP port (a Unix socket sits behind a proxy naming the host)."""
    return is_loopback(address) and not str(address).startswith(UNIX_SOCKET_PREFIX)


def _reach(address: str | None) -> str:
    """Who can open the app, for the start line (never the token itself)."""
    where = address or "every interface"
    if app_token() is not None:
        return f"on {where}; every browser must enter {TOKEN_VARIABLE}"
    return f"for this machine only ({where})"
