"""Scanning the corpus: which files exist, which are supported, which are skipped and why.

Sources are folders (walked recursively) or single files. Hidden files and folders are
skipped; symlinks are followed only while they stay inside their source; symlink loops,
unsupported extensions and files over the size limit are reported as skipped with a reason.
Scanning never reads file contents.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

SUPPORTED_EXTENSIONS = frozenset({".pdf", ".txt", ".md", ".rst", ".html", ".htm", ".docx"})


@dataclass(frozen=True)
class Source:
    """A root the corpus is gathered from; ``label`` names it in manifests and the UI."""

    path: Path
    label: str


@dataclass(frozen=True)
class CorpusFile:
    """A supported file to ingest; ``rel`` is unique across the corpus and safe to show."""

    path: Path
    rel: str
    source: str
    size: int


@dataclass(frozen=True)
class SkippedFile:
    """A file that is not ingested, with a human reason."""

    rel: str
    source: str
    reason: str


@dataclass(frozen=True)
class Corpus:
    """The result of a scan: files in a stable order, plus what was skipped."""

    files: tuple[CorpusFile, ...]
    skipped: tuple[SkippedFile, ...]

    @property
    def total_bytes(self) -> int:
        """Sum of the sizes of the files to ingest."""
        return sum(f.size for f in self.files)


def scan(sources: Iterable[Source], *, max_file_bytes: int) -> Corpus:
    """Walk every source and classify each file found.

    Args:
        sources: roots to scan; a missing root is reported as skipped, not raised.
        max_file_bytes: files larger than this are skipped with a reason (never read).

    Returns:
        The corpus with files sorted by their relative name.
    """
    files: dict[str, CorpusFile] = {}
    skipped: list[SkippedFile] = []
    for source in sources:
        for entry in _walk(source, skipped):
            rel = _display_name(source, entry)
            reason = _reject_reason(entry, max_file_bytes)
            if reason:
                skipped.append(SkippedFile(rel, source.label, reason))
            elif rel not in files:
                files[rel] = CorpusFile(entry, rel, source.label, entry.stat().st_size)
    return Corpus(tuple(files[k] for k in sorted(files)), tuple(skipped))


def _walk(source: Source, skipped: list[SkippedFile]) -> Iterator[Path]:
    root = source.path
    if not root.exists():
        skipped.append(SkippedFile(str(root), source.label, "source not found"))
        return
    if root.is_file():
        yield root
        return
    real_root = root.resolve()
    seen_dirs: set[tuple[int, int]] = set()

    def on_error(err: OSError) -> None:
        skipped.append(SkippedFile(_safe_name(str(err.filename)), source.label, err.strerror or "unreadable"))

    for dirpath, dirnames, filenames in os.walk(root, followlinks=True, onerror=on_error):
        current = Path(dirpath)
        stat = current.stat()
        if (stat.st_dev, stat.st_ino) in seen_dirs:
            skipped.append(SkippedFile(_rel(root, current), source.label, "symlink loop"))
            dirnames.clear()
            continue
        seen_dirs.add((stat.st_dev, stat.st_ino))
        kept = []
        for name in sorted(dirnames):
            child = current / name
            if name.startswith("."):
                continue
            if child.is_symlink() and not _inside(child, real_root):
                skipped.append(SkippedFile(_rel(root, child), source.label, "symlink leaves the source"))
                continue
            kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            child = current / name
            if name.startswith("."):
                continue
            if child.is_symlink() and not _inside(child, real_root):
                skipped.append(SkippedFile(_rel(root, child), source.label, "symlink leaves the source"))
                continue
            yield child


def _reject_reason(path: Path, max_file_bytes: int) -> str:
    if path.suffix.lower() not in SUPPORTED_EXTENSIONS:
        return f"unsupported file type {path.suffix or '(none)'}"
    try:
        stat = path.stat()
    except OSError as exc:
        return exc.strerror or "unreadable"
    if not path.is_file():
        return "not a regular file"
    if stat.st_size > max_file_bytes:
        return f"larger than the limit of {max_file_bytes // (1024 * 1024)} MiB"
    return ""


def _inside(path: Path, real_root: Path) -> bool:
    try:
        path.resolve().relative_to(real_root)
    except (ValueError, OSError, RuntimeError):
        return False
    return True


def _rel(root: Path, path: Path) -> str:
    try:
        return _safe_name(path.relative_to(root).as_posix())
    except ValueError:
        return _safe_name(path.name)


def _display_name(source: Source, path: Path) -> str:
    base = _rel(source.path, path) if source.path.is_dir() else _safe_name(path.name)
    return base if source.label == "documents" else f"{source.label}/{base}"


def _safe_name(name: str) -> str:
    """Make a name printable on one line (newlines and control characters become ``?``)."""
    return "".join(ch if ch.isprintable() else "?" for ch in name)
