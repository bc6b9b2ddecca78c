"""Fixed positions for content that comes and goes, so a rerun never shows a stale duplicate.

Streamlit identifies an element by its position in its parent block (its delta path), not by
what it is. A rerun rewrites the page position after position; until the run finishes, every
position it has not rewritten yet still shows the previous run's element, and a container drawn
where a container was keeps the old children until the new ones overwrite them. So when two
renders differ in their sequence of elements, the new render's element at position *n* stands
beside the previous render's element of the same kind at position *n + k* (two progress bars,
two Start buttons) until the whole run ends — seconds while a busy server renders the rest of
the page.

The rule: every render draws the same sequence of positions. A section whose content comes and
goes keeps its position in every render — a keyed container when it has something to show, an
empty placeholder (``st.empty()``, an element that takes no space) when not. The placeholder is an
element, so it replaces a previous container together with all its children in one step; a
container drawn where a container was (the same section, polled again) has its children updated
in place, without flicker.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st


def slot(key: str, render: Callable[[], None] | None) -> None:
    """Draw ``render`` inside ``st.container(key=key)``, or an empty placeholder when it is ``None``.

    Either way the slot takes exactly one position in its parent, so what follows it keeps its
    position from one render to the next.
    """
    if render is None:
        st.empty()
        return
    with st.container(key=key):
        render()
