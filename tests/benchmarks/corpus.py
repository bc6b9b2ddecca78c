"""The benchmark corpus: generated and real documents, built once and cached (git-ignored).

Layout under ``tests/benchmarks/.corpus/<profile>-v<N>/``::

    main/                1x corpus: the one every cold-ingest figure uses
      a-large/handbook.pdf   the largest PDF (sorts first, so it is the first file a worker parses)
      brochures/  reports/   fpdf2 PDFs with a text layer on every page, some with photos
      html/  notes/          generated HTML, Markdown, reST and text
      real/                  Debian manuals (TeX PDFs + HTML), 120 pages of the Python library
                             reference (HTML), the two system PDFs, licence texts
    x4/copy-1..3/        the same corpus with other content (other seeds; real files varied), so
                         ``main`` + the three copies is the 4x corpus and no file hits the cache
    extra/added-report.pdf   the one file added for the "re-ingest after adding one file" figure
    manifest.json        sizes, page counts and a digest of every file

Run ``python -m tests.benchmarks.corpus [--quick] [--force]`` to build it ahead of time.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.benchmarks import debian_docs, docgen

CORPUS_VERSION = 2
CACHE = Path(__file__).resolve().parent / ".corpus"
COPIES = 3

Job = tuple[str, str, dict[str, Any]]


@dataclass(frozen=True)
class Profile:
    """How big each part of the corpus is."""

    name: str
    handbook_pages: int
    reports: int
    report_pages: tuple[int, int]
    brochures: int
    html: int
    notes: int
    paragraphs: tuple[int, int]
    debian: bool
    licenses: int


FULL = Profile("full", 360, 24, (15, 60), 6, 100, 200, (5, 40), True, 17)
QUICK = Profile("quick", 60, 4, (10, 25), 1, 10, 20, (5, 20), False, 4)


@dataclass(frozen=True)
class BenchCorpus:
    """Paths of a built corpus and its manifest."""

    root: Path
    main: Path
    copies: tuple[Path, ...]
    extra_file: Path
    largest_pdf: Path
    manifest: dict[str, Any]

    @property
    def x4_sources(self) -> tuple[Path, ...]:
        """The sources of the 4x corpus: the 1x corpus and its three variants."""
        return (self.main, *self.copies)


def _generated_jobs(profile: Profile, out: Path, copy: int) -> list[Job]:
    """What to generate for one copy of the corpus (``copy`` 0 is the 1x corpus)."""
    base = copy * 100_000
    rng = random.Random(f"layout-{profile.name}")
    jobs: list[Job] = [
        (
            "pdf",
            str(out / "a-large" / "handbook.pdf"),
            {
                "pages": profile.handbook_pages,
                "seed": base + 1,
                "title": "Operations handbook",
                "image_every": 12,
            },
        )
    ]
    for i in range(profile.reports):
        pages = rng.randint(*profile.report_pages)
        spec = {"pages": pages, "seed": base + 100 + i, "title": f"Quarterly report {i:02d}"}
        jobs.append(
            (
                "pdf",
                str(out / "reports" / f"report-{i:02d}.pdf"),
                {**spec, "image_every": 20, "image_px": (700, 500)},
            )
        )
    for i in range(profile.brochures):
        spec = {"pages": 5, "seed": base + 300 + i, "title": f"Product brochure {i}", "image_every": 1}
        jobs.append(("pdf", str(out / "brochures" / f"brochure-{i}.pdf"), spec))
    for i in range(profile.html):
        jobs.append(
            (
                "html",
                str(out / "html" / f"page-{i:03d}.html"),
                {"seed": base + 1000 + i, "paragraphs": rng.randint(*profile.paragraphs)},
            )
        )
    suffixes = (".md", ".txt", ".rst")
    for i in range(profile.notes):
        path = out / "notes" / f"note-{i:03d}{suffixes[i % 3]}"
        jobs.append(
            ("text", str(path), {"seed": base + 5000 + i, "paragraphs": rng.randint(*profile.paragraphs)})
        )
    return jobs


def _run_job(job: Job) -> str:
    kind, path, spec = job
    target = Path(path)
    if kind == "pdf":
        docgen.text_pdf(target, **spec)
    elif kind == "html":
        docgen.html_page(target, **spec)
    elif kind == "text":
        docgen.text_note(target, **spec)
    else:
        docgen.vary_copy(Path(spec["source"]), target, spec["copy"])
    return path


def _real_documents(profile: Profile) -> list[tuple[Path, str]]:
    """Real files to include, each with its name inside ``real/``."""
    found: list[tuple[Path, str]] = [(p, p.name) for p in debian_docs.system_pdfs()]
    if profile.debian:
        found += [(p, f"{p.parent.name}-{p.name}") for p in debian_docs.fetch_packages(CACHE)]
        found += [(p, f"python-{p.name}") for p in debian_docs.python_doc_pages(CACHE)]
    found += [(p, f"license-{p.name}.txt") for p in debian_docs.license_texts(profile.licenses)]
    return found


def _real_jobs(real: list[tuple[Path, str]], out: Path, copy: int) -> list[Job]:
    jobs: list[Job] = []
    for source, name in real:
        target = out / "real" / name
        if copy == 0:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        else:
            jobs.append(("vary", str(target), {"source": str(source), "copy": copy}))
    return jobs


def _build(profile: Profile, root: Path) -> None:
    started = time.monotonic()
    tmp = root.with_name(root.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    real = _real_documents(profile)
    jobs: list[Job] = []
    for copy in range(COPIES + 1):
        out = tmp / "main" if copy == 0 else tmp / "x4" / f"copy-{copy}"
        jobs += _generated_jobs(profile, out, copy)
        jobs += _real_jobs(real, out, copy)
    extra = {"pages": 40, "seed": 999_999, "title": "Added report", "image_every": 20, "image_px": (700, 500)}
    jobs.append(("pdf", str(tmp / "extra" / "added-report.pdf"), extra))
    jobs.sort(key=lambda j: -int(j[2].get("pages", 1)))  # long jobs first: better packing
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        list(pool.map(_run_job, jobs, chunksize=4))
    manifest = _manifest(tmp, profile, time.monotonic() - started)
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    shutil.rmtree(root, ignore_errors=True)
    tmp.rename(root)


def _pdf_pages(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(str(path)).pages)


def _describe(folder: Path) -> dict[str, Any]:
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    by_kind: dict[str, dict[str, int]] = {}
    digest = hashlib.sha256()
    for path in files:
        kind = path.suffix.lower().lstrip(".")
        slot = by_kind.setdefault(kind, {"files": 0, "bytes": 0, "pages": 0})
        slot["files"] += 1
        slot["bytes"] += path.stat().st_size
        if kind == "pdf":
            slot["pages"] += _pdf_pages(path)
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    pdfs = [p for p in files if p.suffix.lower() == ".pdf"] or files
    largest = max(pdfs, key=lambda p: p.stat().st_size)
    return {
        "files": len(files),
        "bytes": sum(s["bytes"] for s in by_kind.values()),
        "pdf_pages": by_kind.get("pdf", {}).get("pages", 0),
        "by_kind": by_kind,
        "largest": largest.relative_to(folder).as_posix(),
        "largest_bytes": largest.stat().st_size,
        "digest": digest.hexdigest()[:16],
    }


def _manifest(root: Path, profile: Profile, seconds: float) -> dict[str, Any]:
    main = _describe(root / "main")
    copies = [_describe(root / "x4" / f"copy-{i}") for i in range(1, COPIES + 1)]
    return {
        "version": CORPUS_VERSION,
        "profile": profile.name,
        "build_seconds": round(seconds, 1),
        "main": main,
        "x4_total_bytes": main["bytes"] + sum(c["bytes"] for c in copies),
        "x4_total_files": main["files"] + sum(c["files"] for c in copies),
        "extra_file_bytes": (root / "extra" / "added-report.pdf").stat().st_size,
    }


def ensure_corpus(quick: bool = False, *, force: bool = False) -> BenchCorpus:
    """Build the corpus unless a complete cached copy exists; return its paths."""
    profile = QUICK if quick else FULL
    root = CACHE / f"{profile.name}-v{CORPUS_VERSION}"
    if force or not (root / "manifest.json").exists():
        print(f"[corpus] building the {profile.name} corpus in {root} ...", flush=True)
        _build(profile, root)
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    main = root / "main"
    return BenchCorpus(
        root=root,
        main=main,
        copies=tuple(root / "x4" / f"copy-{i}" for i in range(1, COPIES + 1)),
        extra_file=root / "extra" / "added-report.pdf",
        largest_pdf=main / manifest["main"]["largest"],
        manifest=manifest,
    )


def warm_page_cache(folders: tuple[Path, ...]) -> int:
    """Read every file once so the first timed run does not pay for cold disk reads."""
    total = 0
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file():
                total += len(path.read_bytes())
    return total


def main() -> None:
    """Build (or show) the corpus."""
    parser = argparse.ArgumentParser(description="Build the benchmark corpus.")
    parser.add_argument("--quick", action="store_true", help="the small corpus used by --quick runs")
    parser.add_argument("--force", action="store_true", help="rebuild even if cached")
    args = parser.parse_args()
    corpus = ensure_corpus(args.quick, force=args.force)
    print(json.dumps(corpus.manifest, indent=1))


if __name__ == "__main__":
    main()
