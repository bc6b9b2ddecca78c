"""Hostile and broken inputs for failure-isolation tests."""

from __future__ import annotations

from pathlib import Path

from tests.support.corpus import make_pdf


def truncated_pdf(path: Path, source: Path) -> Path:
    """The first third of a real PDF."""
    data = source.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    return path


def encrypted_pdf(path: Path, source: Path) -> Path:
    """A real PDF encrypted with a user password."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(source).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret-password", owner_password="owner")
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def image_only_pdf(path: Path) -> Path:
    """A PDF whose pages carry drawings but no text layer."""
    from fpdf import FPDF

    pdf = FPDF()
    for _ in range(2):
        pdf.add_page()
        pdf.rect(20, 20, 100, 60, style="F")
    pdf.output(str(path))
    return path


def write_bad_files(folder: Path, tmp: Path) -> dict[str, str]:
    """Write one of each broken file into ``folder``; returns name → expected reason fragment."""
    folder.mkdir(parents=True, exist_ok=True)
    good = make_pdf(tmp / "source.pdf", pages=3, seed=7)
    truncated_pdf(folder / "truncated.pdf", good)
    encrypted_pdf(folder / "encrypted.pdf", good)
    image_only_pdf(folder / "scanned.pdf")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "junk.txt").write_bytes(bytes(range(256)) * 64)
    (folder / "latin1.md").write_bytes("caf\xe9 cr\xe8me br\xfbl\xe9e".encode("latin-1"))
    (folder / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    return {
        "truncated.pdf": "PDF",
        "encrypted.pdf": "encrypted",
        "scanned.pdf": "no text layer",
        "empty.txt": "empty",
        "junk.txt": "binary",
        "latin1.md": "not valid UTF-8",
        "broken.docx": "damaged Word file",
    }
