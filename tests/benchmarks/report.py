"""Figures and their report: ``results/latest.json``, ``results/latest.md`` and the README's table.

A :class:`Figure` is one measured number with its target (``>=`` or ``<=`` a threshold) and
whether the target is met. There is no pass/fail on absolute times: the harness always exits 0
when it could measure, and the report says which targets are met.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Figure:
    """One reported figure: ``value`` compared with ``threshold`` by ``op``."""

    key: str
    title: str
    value: float
    unit: str
    op: str
    threshold: float
    summary: str
    details: dict[str, Any] = field(default_factory=dict)
    error: str = ""

    @property
    def met(self) -> bool | None:
        """Whether the target is met (``None`` when the figure could not be measured)."""
        if self.error or math.isnan(self.value):
            return None
        return self.value >= self.threshold if self.op == ">=" else self.value <= self.threshold

    @property
    def target(self) -> str:
        """The target as text, e.g. ``>= 1.8x``."""
        sign = "≥" if self.op == ">=" else "≤"
        return f"{sign} {_fmt(self.threshold)}{self.unit}"

    @property
    def measured(self) -> str:
        """The measured value as text."""
        return "n/a" if math.isnan(self.value) else f"{_fmt(self.value)}{self.unit}"

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (with ``target``, ``met`` and ``measured`` spelled out)."""
        data = asdict(self)
        data.update(target=self.target, met=self.met, measured=self.measured)
        if math.isnan(self.value):
            data["value"] = None
        return data


def failed_figure(key: str, title: str, unit: str, op: str, threshold: float, error: str) -> Figure:
    """A figure that could not be measured (the run goes on; the report shows why)."""
    return Figure(key, title, float("nan"), unit, op, threshold, "not measured", error=error)


def _fmt(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _met_text(met: bool | None) -> str:
    return {True: "met", False: "**NOT met**", None: "not measured"}[met]


def markdown(figures: list[Figure], meta: dict[str, Any]) -> str:
    """The Markdown report: machine, corpus, the table, then per-figure notes."""
    machine = meta["machine"]
    corpus = meta.get("corpus", {})
    main = corpus.get("main", {})
    lines = [
        "# DocMind benchmark results",
        "",
        f"Run {meta['finished']} · `{meta['command']}` · {meta['rounds']} round(s) · "
        f"{meta['duration_s']:.0f} s total",
        "",
        f"Machine: {machine['cores']} cores · {machine['cpu_model']} · {machine['memory_gib']} GiB · "
        f"Python {machine['python']} · git {machine.get('git', {}).get('commit', '?')} "
        f"({machine.get('git', {}).get('app_tree', '?')})",
        "",
        f"Corpus ({corpus.get('profile', '?')}): {main.get('files', '?')} files, "
        f"{main.get('bytes', 0) / 1e6:.1f} MB, {main.get('pdf_pages', '?')} PDF pages "
        f"(largest: `{main.get('largest', '?')}`, {main.get('largest_bytes', 0) / 1e6:.1f} MB); "
        f"4x corpus {corpus.get('x4_total_files', '?')} files, "
        f"{corpus.get('x4_total_bytes', 0) / 1e6:.0f} MB.",
        "",
        *_remeasured_lines(meta),
        "| figure | measured | target | result | how (medians) |",
        "|---|---|---|---|---|",
    ]
    for fig in figures:
        summary = fig.summary if not fig.error else f"error: {fig.error[:200]}"
        lines.append(f"| {fig.title} | {fig.measured} | {fig.target} | {_met_text(fig.met)} | {summary} |")
    missed = [f.title for f in figures if f.met is False]
    lines += ["", f"Targets missed: {', '.join(missed) if missed else 'none'}.", ""]
    notes = meta.get("notes", [])
    if notes:
        lines += ["## Notes", "", *[f"- {n}" for n in notes], ""]
    return "\n".join(lines)


def _remeasured_lines(meta: dict[str, Any]) -> list[str]:
    """One line per later ``--only ... --out latest`` run whose figures replaced this run's."""
    lines = []
    for entry in meta.get("remeasured", []):
        main = entry.get("corpus_main") or {}
        corpus = f"; corpus {main['files']} files, {main['bytes'] / 1e6:.1f} MB" if main else ""
        groups = ", ".join(entry.get("groups") or [])
        lines.append(f"Re-measured {entry.get('at')}: {groups} ({entry.get('rounds')} round(s){corpus}).")
    return [*lines, ""] if lines else []


README = Path(__file__).resolve().parents[2] / "README.md"
README_START, README_END = "<!-- benchmark-table:start -->", "<!-- benchmark-table:end -->"


def update_readme(report_md: str, readme: Path = README) -> bool:
    """Put the report's header lines and table between the README's benchmark markers; False if absent."""
    text = readme.read_text(encoding="utf-8")
    if README_START not in text or README_END not in text:
        return False
    kept = [line for line in report_md.splitlines()[2:] if not line.startswith("Targets missed")]
    table = "\n".join(kept[: kept.index("## Notes")] if "## Notes" in kept else kept).strip()
    head, rest = text.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    replaced = f"{head}{README_START}\n{table}\n{README_END}{tail}"
    tmp = readme.with_suffix(".md.tmp")
    tmp.write_text(replaced, encoding="utf-8")
    tmp.replace(readme)
    return True


def _from_json(data: dict[str, Any]) -> Figure:
    fields = ("key", "title", "value", "unit", "op", "threshold", "summary", "details", "error")
    kept = {k: data[k] for k in fields if k in data}
    if kept.get("value") is None:
        kept["value"] = float("nan")
    return Figure(**kept)


def merge(
    figures: list[Figure], meta: dict[str, Any], *, stem: str, results: Path = RESULTS
) -> tuple[Path, Path]:
    """Replace the figures with the same keys in an existing ``<stem>.json``; keep the rest.

    Used by ``--only ... --out latest`` to re-measure some figures (after a fix) without a full run;
    the meta records which groups were re-measured and when.
    """
    path = results / f"{stem}.json"
    if not path.exists():
        return write(figures, meta, stem=stem, results=results)
    old = json.loads(path.read_text(encoding="utf-8"))
    fresh = {f.key: f for f in figures}
    combined = [fresh.pop(d["key"]) if d["key"] in fresh else _from_json(d) for d in old["figures"]]
    combined += list(fresh.values())
    old_meta = old["meta"]
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    remeasured = [
        *old_meta.get("remeasured", []),
        {
            "groups": meta.get("groups"),
            "at": stamp,
            "engine_source": meta.get("engine_source"),
            "rounds": meta.get("rounds"),
            "corpus_main": meta.get("corpus", {}).get("main", {}),
        },
    ]
    notes = [*old_meta.get("notes", [])]
    notes.append(f"Re-measured {', '.join(meta.get('groups', []))} at {stamp} (`{meta.get('command')}`).")
    merged = {**old_meta, "remeasured": remeasured, "notes": notes}
    merged.pop("finished", None)
    return write(combined, merged, stem=stem, results=results, finished=old_meta.get("finished"))


def write(
    figures: list[Figure],
    meta: dict[str, Any],
    *,
    stem: str = "latest",
    results: Path = RESULTS,
    finished: str | None = None,
) -> tuple[Path, Path]:
    """Write ``<stem>.json`` and ``<stem>.md`` atomically; return their paths."""
    results.mkdir(parents=True, exist_ok=True)
    meta = {**meta, "finished": finished or datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}
    payload = {"meta": meta, "figures": [f.to_json() for f in figures]}
    json_path, md_path = results / f"{stem}.json", results / f"{stem}.md"
    for path, text in (
        (json_path, json.dumps(payload, indent=1, default=str)),
        (md_path, markdown(figures, meta)),
    ):
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(text + "\n", encoding="utf-8")
        tmp.replace(path)
    if stem == "latest" and results == RESULTS:
        update_readme(md_path.read_text(encoding="utf-8"))
    return json_path, md_path
