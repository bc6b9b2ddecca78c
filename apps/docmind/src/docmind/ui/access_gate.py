"""The access gate: the first thing the entry point runs, before any page or navigation.

- No token (``DOCMIND_APP_TOKEN`` unset) and a loopback ``server.address``: the app is this
  machine's own; the gate lets everything through.
- No token and any other address (Streamlit's effective option, so a bare ``streamlit run`` is
  covered too): one line says why, and nothing else renders.
- A token, at any address: until this browser session has entered it, the session sees a password
  field and, after a wrong entry, one line saying so. Nothing else renders, so no page, component or
  download exists for the session. Success is remembered in the session (``ACCESS_GRANTED``); a new
  session (reload, another tab) asks again.

The entry is compared in constant time, then removed from the session state; it is never logged
or shown.
"""

from __future__ import annotations

import streamlit as st

from docmind.exposure import TOKEN_VARIABLE, app_token, exposure_refusal, token_matches
from docmind.ui import session_keys as keys

ENTRY_KEY = "access_token_entry"
ENTRY_LABEL = "Access token"
WRONG_ENTRY = "Wrong access token."


def require_access() -> None:
    """Return if this session may use the app; otherwise render only the gate and stop the run."""
    refusal = exposure_refusal(st.get_option("server.address"))
    if refusal is not None:
        st.error(f"DocMind is {refusal}.")
        st.stop()
    if app_token() is None or st.session_state.get(keys.ACCESS_GRANTED) is True:
        return
    st.text_input(
        ENTRY_LABEL,
        type="password",
        key=ENTRY_KEY,
        on_change=_check_entry,
        help=f"This DocMind asks every browser for its access token ({TOKEN_VARIABLE} on the server).",
    )
    if st.session_state[keys.ACCESS_REFUSED]:
        st.error(WRONG_ENTRY)
    st.stop()


def _check_entry() -> None:
    """Compare the entry with the token; forget the entry either way (a callback may reset its widget)."""
    entry = st.session_state.get(ENTRY_KEY) or ""
    st.session_state[ENTRY_KEY] = ""
    token = app_token()
    granted = token is not None and bool(entry) and token_matches(entry, token)
    st.session_state[keys.ACCESS_GRANTED] = granted
    st.session_state[keys.ACCESS_REFUSED] = not granted
