"""Saving uploaded files into the managed documents folder, safely.

Names are sanitised (no folders, no ``..``, no control characters, no hidden names, a supported extension),
every path is checked to stay inside the folder, files are written atomically and exclusively
(``docmind_snapshots.atomic_write_bytes``: a name taken meanwhile, say by another tab uploading the same name,
is never overwritten; the next free name is used), content already present under any name is not stored twice,
and files over the size limit are refused without being written.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from docmind_snapshots import atomic_write_bytes, is_temporary

from docmind.ingest.scan.content_hashes import file_sha256
from docmind.ingest.scan.corpus import SUPPORTED_EXTENSIONS, format_size

SAVED = "saved"
DUPLICATE = "duplicate"
REFUSED = "refused"
_MAX_NAME = 120


@dataclass(frozen=True)
class UploadResult:
    """What happened to one upload; ``note`` is the sentence shown to the person."""

    name: str
    status: str
    note: str


def sanitize_name(name: str) -> str:
    """Reduce an uploaded name to a safe single file name (may return ``""`` if nothing is left)."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if ch.isprintable())
    name = re.sub(r"[\x00-\x1f<>:\"|?*]", "_", name).strip().lstrip(".").strip()
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    stem = stem[: _MAX_NAME - len(ext) - 1].strip() or "document"
    return f"{stem}.{ext.lower()}" if ext else stem


def save_upload(folder: Path, name: str, data: bytes, *, max_bytes: int) -> UploadResult:
    """Save ``data`` under a sanitised ``name`` in ``folder``; never raises for bad input."""
    safe = sanitize_name(name)
    ext = Path(safe).suffix.lower()
    if ext not in SUPPORTED_EXTENSIONS:
        return UploadResult(name, REFUSED, f"{name}: unsupported file type {ext or '(none)'}")
    if len(data) > max_bytes:
        return UploadResult(name, REFUSED, f"{name}: larger than the limit of {format_size(max_bytes)}")
    digest = hashlib.sha256(data).hexdigest()
    existing = _find_same_content(folder, digest, len(data))
    if existing is not None:
        return UploadResult(name, DUPLICATE, f"{name}: same content as {existing.name}, not stored again")
    names = _free_names(folder, safe)
    while True:
        target = next(names)
        try:
            atomic_write_bytes(target, data, exclusive=True, hidden=True)
        except FileExistsError:
            continue  # taken since we looked (another upload of the same name): try the next one
        renamed = "" if target.name == name else f" (saved as {target.name})"
        return UploadResult(target.name, SAVED, f"{name}: saved{renamed}")


def _find_same_content(folder: Path, digest: str, size: int) -> Path | None:
    for path in folder.iterdir():
        if (
            path.is_file()
            and not path.is_symlink()
            and not is_temporary(path.name)
            and path.stat().st_size == size
            and file_sha256(path) == digest
        ):
            return path
    return None


def _free_names(folder: Path, name: str) -> Iterator[Path]:
    """``name``, then ``stem (2).ext``, ``stem (3).ext``…, skipping names in use, all inside ``folder``.

    Raises:
        ValueError: a candidate would resolve outside the folder.
    """
    root = folder.resolve()
    stem, ext = Path(name).stem, Path(name).suffix
    candidate, n = root / name, 2
    while True:
        if not (candidate.exists() or candidate.is_symlink()):  # a dangling link must not be written through
            if candidate.resolve().parent != root:
                raise ValueError(f"refusing to write outside {root}")
            yield candidate
        candidate, n = root / f"{stem} ({n}){ext}", n + 1


def remove_document(folder: Path, name: str) -> bool:
    """Delete ``name`` from the managed folder; refuses anything outside it. Returns whether it existed."""
    root = folder.resolve()
    target = (root / name).resolve()
    if target.parent != root or not target.is_file():
        return False
    target.unlink()
    return True
