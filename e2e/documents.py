"""The E2E corpus: real documents made once per session (fpdf2 PDFs, docx, html, md, broken files).

fpdf2 needs ~1.5 s for a 40-page PDF, pypdf parses it in ~0.17 s: generating a unique PDF per
file would cost far more than the jobs that read them. So a few *base* PDFs are generated (in
parallel) and a long corpus is made of *variants*: byte copies of a base with a unique PDF comment
appended after ``%%EOF``. A variant is still a valid PDF with a text layer, its content hash is
unique, so the ingestion engine parses every variant for real (no cache hit, no dedupe on upload).
"""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from tests.support.bad_files import truncated_pdf
from tests.support.corpus import make_docx, make_html, make_pdf, make_text

BASE_PDFS = 6
PAGES_PER_PDF = 40
# Calibrated on 2 cores: 144 variants of 40 pages keep a cold job in its parse phase for ~8 s (after
# ~7 s of worker start-up in a fresh server), long enough for every mid-job action of the suites.
LONG_FILES = int(os.environ.get("DOCMIND_E2E_LONG_FILES", "144"))

UPLOAD_PHRASE = "tangerine zeppelin moonquake"
# The broken files and the reason the engine gives for each.
BROKEN_REASONS = {
    "empty.txt": "empty file",
    "junk.txt": "binary content, not text",
    "truncated.pdf": "damaged PDF",
}
SEED_PHRASE = "obsidian hummingbird cartography"


@dataclass(frozen=True)
class E2ECorpus:
    """Paths of the session's generated documents."""

    root: Path
    bases: tuple[Path, ...]
    uploads: tuple[Path, ...]
    broken: tuple[Path, ...]
    seed: Path

    def long_corpus(self, folder: Path, *, tag: str, count: int = LONG_FILES) -> list[Path]:
        """Write ``count`` unique PDF variants into ``folder`` (``tag`` makes them unique per call)."""
        folder.mkdir(parents=True, exist_ok=True)
        made = []
        for number in range(count):
            base = self.bases[number % len(self.bases)]
            target = folder / f"{tag}-report-{number:03d}.pdf"
            target.write_bytes(base.read_bytes() + f"%docmind-e2e {tag} {number}\n".encode())
            made.append(target)
        return made

    def copy_into(self, folder: Path, files: tuple[Path, ...] | list[Path]) -> list[Path]:
        """Copy ``files`` into ``folder`` (e.g. a data dir's managed documents folder)."""
        folder.mkdir(parents=True, exist_ok=True)
        return [Path(shutil.copy2(path, folder / path.name)) for path in files]


def _base_pdf(args: tuple[Path, int]) -> Path:
    path, seed = args
    return make_pdf(path, pages=PAGES_PER_PDF, seed=seed)


def build_corpus(root: Path) -> E2ECorpus:
    """Generate every document the suites need under ``root`` (deterministic content)."""
    bases_dir, uploads_dir, broken_dir, seed_dir = (
        root / name for name in ("bases", "uploads", "broken", "seed")
    )
    jobs = [(bases_dir / f"base-{i}.pdf", 100 + i) for i in range(BASE_PDFS)]
    # spawn, not fork: the test process already runs Playwright's driver threads.
    with ProcessPoolExecutor(max_workers=2, mp_context=get_context("spawn")) as pool:
        bases = tuple(pool.map(_base_pdf, jobs))
    uploads = (
        make_pdf(uploads_dir / "field-notes.pdf", pages=3, seed=11, phrase=UPLOAD_PHRASE),
        make_docx(uploads_dir / "minutes.docx", paragraphs=6, seed=12),
        make_html(uploads_dir / "brochure.html", paragraphs=6, seed=13),
        make_text(uploads_dir / "readme.md", paragraphs=6, seed=14),
    )
    broken_dir.mkdir(parents=True, exist_ok=True)
    empty = broken_dir / "empty.txt"
    empty.write_bytes(b"")
    junk = broken_dir / "junk.txt"
    junk.write_bytes(bytes(range(256)) * 16)
    truncated = truncated_pdf(broken_dir / "truncated.pdf", bases[0])
    make_pdf(seed_dir / "seed-notes.pdf", pages=2, seed=21, phrase=SEED_PHRASE)
    make_text(seed_dir / "seed-readme.md", paragraphs=4, seed=22)
    return E2ECorpus(root=root, bases=bases, uploads=uploads, broken=(empty, junk, truncated), seed=seed_dir)
