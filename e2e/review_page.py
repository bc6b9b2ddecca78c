"""The HTML review page of a run: every screenshot with its baseline and the diff, side by side.

Written at the end of every E2E session to ``artifacts/e2e/review.html`` from the comparisons the
run made; image paths are relative so the ``artifacts/`` folder can be uploaded as it is.
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from pathlib import Path

from e2e.visual import MATCH, MISMATCH, MISSING, UPDATED, Comparison

_COLOURS = {MATCH: "#1b7f3b", MISMATCH: "#b3261e", MISSING: "#b26a00", UPDATED: "#1f5fa8"}
_STYLE = """
body { font-family: sans-serif; margin: 1.5rem; color: #222; }
table.summary { border-collapse: collapse; margin-bottom: 2rem; }
table.summary td, table.summary th { border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: left; }
section { border-top: 2px solid #ddd; padding-top: 0.8rem; margin-bottom: 2rem; }
.status { color: white; padding: 0.1rem 0.5rem; border-radius: 0.3rem; font-weight: bold; }
.images { display: flex; gap: 1rem; align-items: flex-start; }
figure { margin: 0; flex: 1; min-width: 0; }
figure img { max-width: 100%; border: 1px solid #bbb; }
figcaption { font-size: 0.85rem; color: #555; margin-bottom: 0.3rem; }
"""


def _img(path: Path | None, base: Path, caption: str) -> str:
    if path is None or not path.exists():
        return f"<figure><figcaption>{caption}</figcaption><p>(none)</p></figure>"
    rel = html.escape(os.path.relpath(path, base))
    image = f'<a href="{rel}"><img src="{rel}" alt="{caption}"></a>'
    return f"<figure><figcaption>{caption}</figcaption>{image}</figure>"


def _badge(status: str) -> str:
    return f'<span class="status" style="background:{_COLOURS.get(status, "#555")}">{status}</span>'


def write_review_page(comparisons: Sequence[Comparison], target: Path, order: Sequence[str] = ()) -> Path:
    """Write the review page for ``comparisons`` to ``target`` and return it.

    Screenshots are named ``<target>-<state>``; they are listed in the order of ``order`` (states),
    then by name.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    base = target.parent
    rank = {state: number for number, state in enumerate(order)}

    def key(comparison: Comparison) -> tuple[int, str, str]:
        state = comparison.name.split("-", 1)[-1]
        return rank.get(state, len(rank)), state, comparison.name

    ordered = sorted(comparisons, key=key)
    rows = "".join(
        f'<tr><td><a href="#{html.escape(c.name)}">{html.escape(c.name)}</a></td><td>{_badge(c.status)}</td>'
        f"<td>{c.fraction:.3%}</td><td>{html.escape(c.test)}</td></tr>"
        for c in ordered
    )
    sections = "".join(
        f'<section id="{html.escape(c.name)}"><h2>{html.escape(c.name)} {_badge(c.status)}</h2>'
        f"<p>{html.escape(c.message)}<br><small>{html.escape(c.test)}</small></p>"
        f'<div class="images">{_img(c.expected, base, "baseline")}{_img(c.actual, base, "actual")}'
        f"{_img(c.diff, base, 'diff (red: differs beyond the threshold)')}</div></section>"
        for c in ordered
    )
    failed = sum(c.failed for c in comparisons)
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>DocMind E2E visual review</title>"
        f"<style>{_STYLE}</style></head><body><h1>DocMind E2E visual review</h1>"
        f"<p>{len(comparisons)} screenshots, {failed} need attention. "
        "Masked (magenta) areas hold dynamic text.</p>"
        "<table class='summary'><tr><th>screenshot</th><th>status</th><th>differs</th><th>test</th></tr>"
        f"{rows}</table>{sections}</body></html>"
    )
    target.write_text(page, encoding="utf-8")
    return target
