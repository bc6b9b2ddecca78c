"""Real documents from Debian packages: TeX-made PDF manuals and their HTML, the Python library
reference's HTML pages, plus system files.

``apt-get download PKG`` fetches a ``.deb`` (no install), ``dpkg -x`` unpacks it into the cache;
``*.pdf.gz`` manuals are gunzipped. Everything is cached under ``<cache>/debian`` so the network
is used once per machine. When apt cannot fetch (offline), the corpus is built from what is
present and the generated documents alone; the manifest records which real files were used.
"""

from __future__ import annotations

import gzip
import shutil
import subprocess
from pathlib import Path

PACKAGES = ("bash-doc", "gnu-standards")
PYTHON_DOCS = "python3.11-doc"
PYTHON_PAGES = 120
SYSTEM_PDFS = (
    Path("/usr/share/doc/libtasn1-doc/libtasn1.pdf"),
    Path("/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf"),
)
LICENSES = Path("/usr/share/common-licenses")
_WANTED = (".pdf", ".pdf.gz", ".html")
_MAX_BYTES = 8 * 1024 * 1024


def fetch_packages(cache: Path, packages: tuple[str, ...] = PACKAGES) -> list[Path]:
    """Download and unpack ``packages`` once; return the real PDF and HTML documents they hold."""
    return _documents(_unpacked(cache / "debian", packages))


def python_doc_pages(cache: Path, count: int = PYTHON_PAGES) -> list[Path]:
    """The first ``count`` pages (by name) of the Python library reference Debian ships as HTML.

    Real Sphinx pages (navigation, code blocks, tables, entities), fetched once like the packages.
    """
    library = _unpacked(cache / "debian-python", (PYTHON_DOCS,)) / "usr/share/doc/python3.11/html/library"
    if not library.is_dir():
        return []
    pages = [p for p in sorted(library.glob("*.html")) if p.is_file() and not p.is_symlink()]
    return [p for p in pages if p.stat().st_size <= _MAX_BYTES][:count]


def _unpacked(root: Path, packages: tuple[str, ...]) -> Path:
    """Download and unpack ``packages`` into ``root/x`` once (kept for later builds); return ``root/x``."""
    done = root / ".done"
    if not done.exists():
        debs = root / "debs"
        unpacked = root / "x"
        shutil.rmtree(root, ignore_errors=True)
        debs.mkdir(parents=True)
        for package in packages:
            result = subprocess.run(
                ["apt-get", "download", package],
                cwd=debs,
                capture_output=True,
                text=True,
                timeout=180,
                check=False,
            )
            if result.returncode != 0:
                print(f"[corpus] apt-get download {package} failed: {result.stderr.strip()[-200:]}")
        for deb in sorted(debs.glob("*.deb")):
            subprocess.run(["dpkg", "-x", str(deb), str(unpacked)], check=True, timeout=120)
        _gunzip_pdfs(unpacked)
        done.write_text("\n".join(packages), encoding="utf-8")
    return root / "x"


def _gunzip_pdfs(root: Path) -> None:
    if not root.exists():
        return
    for packed in sorted(root.rglob("*.pdf.gz")):
        target = packed.with_suffix("")
        with gzip.open(packed, "rb") as src, target.open("wb") as dst:
            shutil.copyfileobj(src, dst)
        packed.unlink()


def _documents(root: Path) -> list[Path]:
    """Real (non-symlink) PDF/HTML files, one per name, smallest path first for stability."""
    if not root.exists():
        return []
    found: dict[str, Path] = {}
    for path in sorted(root.rglob("*")):
        if path.is_symlink() or not path.is_file() or path.stat().st_size > _MAX_BYTES:
            continue
        if path.name.endswith(_WANTED) and "examples" not in path.parts:
            found.setdefault(path.name, path)
    return [found[name] for name in sorted(found)]


def system_pdfs() -> list[Path]:
    """The two PDFs every machine of this kind ships (those that exist)."""
    return [p for p in SYSTEM_PDFS if p.is_file()]


def license_texts(limit: int = 17) -> list[Path]:
    """Plain-text licence files from ``/usr/share/common-licenses`` (real prose)."""
    if not LICENSES.is_dir():
        return []
    texts = [p for p in sorted(LICENSES.iterdir()) if p.is_file() and not p.is_symlink()]
    return texts[:limit]
