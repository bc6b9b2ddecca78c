"""Who may reach the app: loopback by default, any other address only behind ``DOCMIND_APP_TOKEN``.

The contract (ADR-058), enforced twice: ``docmind app`` refuses to start on a non-loopback address
without a token, and the app itself renders nothing in that case (someone may run ``streamlit run``
directly). With a token, at any address, every browser session must enter it first
(``docmind.ui.access_gate``).

The token is read from the environment here and nowhere else, and never logged: it is deliberately
not a field of ``docmind.settings.Settings``, which travels with every job, so the secret stays in
one place. This module imports neither Streamlit nor the engine; the CLI and the app share it.
"""

from __future__ import annotations

import hmac
import ipaddress
import os

TOKEN_VARIABLE = "DOCMIND_APP_TOKEN"  # noqa: S105 - the variable's name, not a secret
LOOPBACK_ADDRESS = "127.0.0.1"
"""Where ``docmind app`` listens unless the person chose an address."""
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
"""The host names a browser uses for a loopback app (``server.allowedHosts``, against DNS rebinding)."""
UNIX_SOCKET_PREFIX = "unix://"


def app_token() -> str | None:
    """The access token from ``DOCMIND_APP_TOKEN``; ``None`` when unset or blank."""
    token = os.environ.get(TOKEN_VARIABLE, "")
    return token if token.strip() else None


def is_loopback(address: str | None) -> bool:
    """Whether a Streamlit ``server.address`` is reachable from this machine only.

    Loopback: an IP address in 127.0.0.0/8 or ``::1`` (also IPv4-mapped), the name ``localhost``,
    and a Unix socket (``unix://…``). Everything else is not: no address at all (Streamlit then
    listens on every interface), ``0.0.0.0``, ``::``, a LAN address and any other host name, which is
    never resolved here (a name's addresses can change; the decision must not).
    """
    if not address:
        return False
    if address.startswith(UNIX_SOCKET_PREFIX) or address.lower().rstrip(".") == "localhost":
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return ip.is_loopback or (mapped is not None and mapped.is_loopback)


def exposure_refusal(address: str | None) -> str | None:
    """The one-line refusal for serving on ``address`` without a token; ``None`` when it is allowed."""
    if is_loopback(address) or app_token() is not None:
        return None
    where = address or "every interface"
    return (
        f"refusing to serve on {where} without {TOKEN_VARIABLE}: set it to a secret that every browser "
        f"must then enter, or listen on loopback ({LOOPBACK_ADDRESS}, the default of docmind app)"
    )


def token_matches(given: str, token: str) -> bool:
    """Whether ``given`` is ``token``, compared in constant time (any characters, as UTF-8)."""
    return hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8"))
