"""Fast, deterministic generators of real documents for the benchmark corpus.

``tests.support.corpus.make_pdf`` lays text out with fpdf2's ``multi_cell`` (about 45 ms a page):
fine for tests, too slow for thousands of benchmark pages. Here the text is wrapped once with
:mod:`textwrap` and drawn line by line with ``FPDF.text`` (about 1 ms a page). The PDFs are still
real fpdf2 PDFs with a text layer on every page; some carry JPEG photos (seeded noise, smoothed)
so the corpus reaches a realistic size in bytes without needing thousands of pages. HTML, Markdown,
reST and text files come from the shared generators in ``tests.support.corpus``.
"""

from __future__ import annotations

import io
import random
import textwrap
from datetime import UTC, datetime
from pathlib import Path

from tests.support.corpus import make_html, make_text, sentences

_FONTS = ("Helvetica", "Times", "Courier")
_LINE_MM = 5.0
_TOP_MM = 22.0
_BOTTOM_MM = 280.0


def jpeg_photo(rng: random.Random, width: int, height: int, *, grain: int = 4) -> bytes:
    """A photo-like JPEG: seeded colour noise scaled up (``grain``) so it compresses like a photo."""
    from PIL import Image

    small_w, small_h = max(1, width // grain), max(1, height // grain)
    small = Image.frombytes("RGB", (small_w, small_h), rng.randbytes(small_w * small_h * 3))
    image = small.resize((width, height), Image.Resampling.BICUBIC)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def text_pdf(
    path: Path,
    *,
    pages: int,
    seed: int,
    title: str,
    image_every: int = 0,
    image_px: tuple[int, int] = (900, 700),
    sentences_per_page: int = 36,
) -> Path:
    """Write a PDF of ``pages`` text pages; every ``image_every``-th page also carries a photo.

    Args:
        path: where to write (parents are created).
        pages: number of pages; each has a heading and wrapped paragraphs (a text layer).
        seed: makes the content (words and photos) reproducible; another seed, other content.
        title: the heading repeated on each page with the page number.
        image_every: 0 for text only; N puts a photo on pages 1, 1+N, 1+2N, ...
        image_px: pixel size of each photo (bigger photos, bigger file; parse cost unchanged).
        sentences_per_page: how much text a text-only page carries.
    """
    from fpdf import FPDF

    rng = random.Random(seed)
    pdf = FPDF(format="A4")
    pdf.set_creation_date(datetime(2024, 1, 1, tzinfo=UTC))  # reproducible bytes
    pdf.set_auto_page_break(False)
    font = _FONTS[seed % len(_FONTS)]
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.set_font(font, style="B", size=13)
        pdf.text(15, 14, f"{title} - section {number}")
        pdf.set_font(font, size=10)
        top = _TOP_MM
        count = sentences_per_page
        if image_every and (number - 1) % image_every == 0:
            photo = io.BytesIO(jpeg_photo(rng, *image_px))
            pdf.image(photo, x=15, y=top, w=120)
            top += 120 * image_px[1] / image_px[0] + 6
            count = sentences_per_page // 3
        _draw_text(pdf, sentences(rng, count), top)
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


def _draw_text(pdf: object, text: str, top: float) -> None:
    y = top
    for paragraph in textwrap.wrap(text, 600):
        for line in textwrap.wrap(paragraph, 98):
            if y > _BOTTOM_MM:
                return
            pdf.text(15, y, line)  # type: ignore[attr-defined]
            y += _LINE_MM
        y += _LINE_MM / 2


def html_page(path: Path, *, seed: int, paragraphs: int) -> Path:
    """An HTML page (tags, script and style) from the shared generator."""
    return make_html(path, paragraphs=paragraphs, seed=seed)


def text_note(path: Path, *, seed: int, paragraphs: int) -> Path:
    """A text, Markdown or reST file (by suffix) from the shared generator."""
    return make_text(path, paragraphs=paragraphs, seed=seed)


def vary_copy(source: Path, target: Path, copy: int) -> Path:
    """Copy a real document so that its bytes (and content hash) differ for copy number ``copy``.

    PDFs get an incremental update that sets a subject (pages and text layer unchanged); HTML
    gets one more paragraph; text files one more line.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    suffix = source.suffix.lower()
    if suffix == ".pdf":
        from pypdf import PdfWriter

        writer = PdfWriter(str(source), incremental=True)
        writer.add_metadata({"/Subject": f"benchmark copy {copy}"})
        with target.open("wb") as handle:
            writer.write(handle)
    elif suffix in (".html", ".htm"):
        text = source.read_text(encoding="utf-8", errors="replace")
        target.write_text(text + f"\n<p>Benchmark copy {copy}.</p>\n", encoding="utf-8")
    else:
        text = source.read_text(encoding="utf-8", errors="replace")
        target.write_text(text + f"\nBenchmark copy {copy}.\n", encoding="utf-8")
    return target
