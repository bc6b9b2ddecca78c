"""Generate real documents (PDF, DOCX, HTML, Markdown, reST, text) for tests and benchmarks.

Everything is deterministic for a given seed. PDFs are real PDFs with a text layer (fpdf2);
Word files are real .docx (python-docx). Two PDFs shipped by Debian packages are used where
present (``SYSTEM_PDFS``).
"""

from __future__ import annotations

import random
from pathlib import Path

SYSTEM_PDFS = (
    Path("/usr/share/doc/libtasn1-doc/libtasn1.pdf"),
    Path("/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf"),
)

_VOCABULARY = [
    "ingestion",
    "snapshot",
    "archive",
    "ledger",
    "harbour",
    "lantern",
    "meadow",
    "quartz",
    "river",
    "summit",
    "timber",
    "velvet",
    "orbit",
    "signal",
    "vector",
    "kernel",
    "packet",
    "module",
    "buffer",
    "cursor",
    "thread",
    "fragment",
    "index",
    "corpus",
    "parser",
    "gallery",
    "window",
    "portal",
    "beacon",
    "canyon",
    "delta",
    "ember",
    "falcon",
    "glacier",
    "horizon",
    "island",
    "jungle",
    "kettle",
    "lagoon",
    "marble",
    "nectar",
    "oasis",
    "pepper",
    "quiver",
    "saddle",
    "tundra",
    "umbra",
    "valley",
    "walnut",
    "yonder",
    "zephyr",
    "account",
    "balance",
    "contract",
    "delivery",
    "estimate",
    "finance",
    "invoice",
    "journal",
    "margin",
    "payment",
    "quarter",
    "revenue",
    "schedule",
    "transfer",
    "voucher",
    "warranty",
    "analysis",
    "budget",
    "capital",
    "dividend",
    "equity",
    "forecast",
]


def sentences(rng: random.Random, count: int) -> str:
    """``count`` pseudo-English sentences."""
    out = []
    for _ in range(count):
        words = rng.choices(_VOCABULARY, k=rng.randint(8, 18))
        out.append(" ".join(words).capitalize() + ".")
    return " ".join(out)


def make_pdf(
    path: Path, *, pages: int, seed: int = 0, phrase: str = "", sentences_per_page: int = 40
) -> Path:
    """Write a real PDF with ``pages`` text pages; ``phrase`` lands on the last page."""
    from fpdf import FPDF

    rng = random.Random(seed)
    pdf = FPDF()
    pdf.set_font("Helvetica", size=10)
    for number in range(1, pages + 1):
        pdf.add_page()
        text = sentences(rng, sentences_per_page)
        if phrase and number == pages:
            text += f" {phrase}."
        pdf.multi_cell(0, 5, text)
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


def make_docx(path: Path, *, paragraphs: int = 5, seed: int = 0, phrase: str = "") -> Path:
    """Write a real Word document."""
    import docx

    rng = random.Random(seed)
    document = docx.Document()
    document.add_heading("Generated document", level=1)
    for _ in range(paragraphs):
        document.add_paragraph(sentences(rng, 6))
    if phrase:
        document.add_paragraph(phrase)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def make_html(path: Path, *, paragraphs: int = 5, seed: int = 0, phrase: str = "") -> Path:
    """Write an HTML page with tags, a script and a style block (which must not be indexed)."""
    rng = random.Random(seed)
    body = "".join(f"<p>{sentences(rng, 6)}</p>" for _ in range(paragraphs))
    if phrase:
        body += f"<p><b>{phrase}</b></p>"
    html = (
        "<html><head><title>Generated</title><style>.hidden{color:red}</style>"
        "<script>var scriptOnlyToken = 1;</script></head>"
        f"<body><h1>Generated page</h1>{body}</body></html>"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path


def make_text(path: Path, *, paragraphs: int = 5, seed: int = 0, phrase: str = "") -> Path:
    """Write a text/Markdown/reST file (format chosen by the suffix of ``path``)."""
    rng = random.Random(seed)
    title = "Generated notes"
    if path.suffix == ".md":
        head = f"# {title}\n\n"
    elif path.suffix == ".rst":
        head = f"{title}\n{'=' * len(title)}\n\n"
    else:
        head = f"{title}\n\n"
    body = "\n\n".join(sentences(rng, 6) for _ in range(paragraphs))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(head + body + (f"\n\n{phrase}\n" if phrase else "\n"), encoding="utf-8")
    return path


def make_mixed_corpus(root: Path, *, pdfs: int, pages: int, texts: int = 0, seed: int = 0) -> list[Path]:
    """A folder of ``pdfs`` PDFs of ``pages`` pages plus ``texts`` text/markdown/html files."""
    made = [make_pdf(root / f"report-{i:03d}.pdf", pages=pages, seed=seed + i) for i in range(pdfs)]
    makers = (
        (make_text, ".md"),
        (make_text, ".txt"),
        (make_html, ".html"),
        (make_text, ".rst"),
    )
    for i in range(texts):
        maker, suffix = makers[i % len(makers)]
        made.append(maker(root / f"note-{i:03d}{suffix}", paragraphs=30, seed=seed + 1000 + i))
    return made
