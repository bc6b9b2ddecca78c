"""Scanning the corpus: which files exist, which are supported, which are skipped and why.

Sources are folders (walked recursively) or single files. Hidden files and folders are
skipped; symlinks are followed only while they stay inside their source; symlink loops,
unsupported extensions and files over the size limit are reported as skipped with a reason.
A source folder in which the walk finds no file at all is reported as empty (the managed
``documents`` folder excepted: it is empty whenever everything lives in sources).
Scanning never reads file contents. A scan of a large tree takes seconds: the caller's
``checkpoint`` runs before each folder and each file, and may raise to stop it (a cancel).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISREG

SUPPORTED_EXTENSIONS = frozenset({".pdf", ".txt", ".md", ".rst", ".html", ".htm", ".docx"})
DOCUMENTS_LABEL = "documents"
"""The label of the managed documents folder, whose files are named without a prefix."""


@dataclass(frozen=True)
class Source:
    """A root the corpus is gathered from; ``label`` names it in manifests and the UI."""

    path: Path
    label: str


@dataclass(frozen=True)
class CorpusFile:
    """A supported file to ingest; ``rel`` is unique across the corpus and safe to show.

    ``location`` is where the file is (a string: a scan of a large tree makes no ``Path`` per file;
    ``path`` makes one). ``stamp`` identifies the file's state as the scan saw it (size, modification
    and change times, inode): any write changes it. ``changed_ns`` is the later of the two times.
    """

    location: str
    rel: str
    source: str
    size: int
    stamp: str = ""
    changed_ns: int = 0

    @property
    def path(self) -> Path:
        """Where the file is, as a path."""
        return Path(self.location)


@dataclass(frozen=True)
class SkippedFile:
    """A file that is not ingested, with a human reason.

    ``size`` is the file's size in bytes when it is a regular file the scan could stat (an
    unsupported type, a file over the limit), else ``None`` (a missing source, a link that leaves
    the source or loops, an unreadable folder).
    """

    rel: str
    source: str
    reason: str
    size: int | None = None


@dataclass(frozen=True)
class Corpus:
    """The result of a scan: files in a stable order, what was skipped, and the empty source folders."""

    files: tuple[CorpusFile, ...]
    skipped: tuple[SkippedFile, ...]
    empty_sources: tuple[str, ...] = ()

    @property
    def total_bytes(self) -> int:
        """Sum of the sizes of the files to ingest."""
        return sum(f.size for f in self.files)


def scan(
    sources: Iterable[Source],
    *,
    max_file_bytes: int,
    on_found: Callable[[int], None] | None = None,
    checkpoint: Callable[[], None] = lambda: None,
) -> Corpus:
    """Walk every source and classify each file found.

    Args:
        sources: roots to scan; a missing root is reported as skipped, not raised.
        max_file_bytes: files larger than this are skipped with a reason (never read).
        on_found: told how many files were found so far, after each one (a long walk shows it moves).
        checkpoint: called before each folder and each file; whatever it raises stops the scan.

    Returns:
        The corpus with files sorted by their relative name.
    """
    files: dict[str, CorpusFile] = {}
    skipped: list[SkippedFile] = []
    empty: list[str] = []
    for source in sources:
        before = len(files) + len(skipped)
        name_of = _namer(source)
        for entry in _walk(source, skipped, checkpoint):
            checkpoint()
            rel = name_of(entry)
            stat, reason = _stat_or_reason(entry, max_file_bytes)
            if stat is None:
                skipped.append(SkippedFile(rel, source.label, reason, _regular_file_size(entry)))
            elif rel not in files:
                stamp = f"{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ctime_ns}:{stat.st_ino}"
                changed = max(stat.st_mtime_ns, stat.st_ctime_ns)
                files[rel] = CorpusFile(entry, rel, source.label, stat.st_size, stamp, changed)
            if on_found is not None:
                on_found(len(files) + len(skipped))
        found = len(files) + len(skipped) > before
        if not found and source.label != DOCUMENTS_LABEL and source.path.is_dir():
            empty.append(str(source.path))
    return Corpus(tuple(files[k] for k in sorted(files)), tuple(skipped), tuple(empty))


def is_empty_folder(root: Path) -> bool:
    """True when walking the folder ``root`` finds no file (hidden ones aside), as ``scan`` reports it.

    Stops at the first file, so it is cheap for a folder that is not empty.
    """
    if not root.is_dir():
        return False
    seen: set[tuple[int, int]] = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        stat = Path(dirpath).stat()
        if any(not name.startswith(".") for name in filenames) or (stat.st_dev, stat.st_ino) in seen:
            return False  # a file, or a symlink loop (which the scan reports as skipped)
        seen.add((stat.st_dev, stat.st_ino))
        dirnames[:] = [name for name in dirnames if not name.startswith(".")]
    return True


def unavailable_reason(root: Path) -> str:
    """Why the source root ``root`` (a folder or a file) cannot be scanned; ``""`` when it can."""
    try:
        if root.is_dir():
            with os.scandir(root) as entries:
                next(entries, None)
            return ""
        if root.is_file():
            with root.open("rb"):
                return ""
    except OSError as exc:
        return (exc.strerror or type(exc).__name__).lower()
    if root.is_symlink() and not root.exists():
        return "symlink loop or dangling link"
    return "not a folder or a regular file" if root.exists() else "no such folder"


def _walk(source: Source, skipped: list[SkippedFile], checkpoint: Callable[[], None]) -> Iterator[str]:
    """The paths of the files of ``source`` to classify, folder by folder in name order.

    ``os.scandir`` gives each entry's kind with the listing: only links cost a system call here, and
    the paths stay strings (a large tree makes no object per file it skips).
    """
    root = source.path
    if not root.exists():
        skipped.append(SkippedFile(str(root), source.label, "source not found"))
        return
    if root.is_file():
        yield str(root)
        return
    real_root = root.resolve()
    seen_dirs: set[tuple[int, int]] = set()
    folders = [str(root)]
    while folders:
        checkpoint()
        current = folders.pop()
        try:
            stat = Path(current).stat()
            with os.scandir(current) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as err:
            skipped.append(
                SkippedFile(_display_name(source, Path(current)), source.label, err.strerror or "unreadable")
            )
            continue
        if (stat.st_dev, stat.st_ino) in seen_dirs:
            skipped.append(SkippedFile(_display_name(source, Path(current)), source.label, "symlink loop"))
            continue
        seen_dirs.add((stat.st_dev, stat.st_ino))
        subfolders = []
        for entry in entries:
            if not _followed(source, entry, real_root, skipped):
                continue
            if _is_dir(entry):
                subfolders.append(entry.path)
            else:
                yield entry.path
        folders.extend(reversed(subfolders))


def _followed(source: Source, entry: os.DirEntry[str], real_root: Path, skipped: list[SkippedFile]) -> bool:
    """Whether the walk follows ``entry``: not hidden, and not a link that loops or leaves the source.

    Such a link is added to ``skipped`` with the reason.
    """
    if entry.name.startswith("."):
        return False
    if not entry.is_symlink():
        return True
    problem = _symlink_problem(Path(entry.path), real_root)
    if problem:
        skipped.append(SkippedFile(_display_name(source, Path(entry.path)), source.label, problem))
    return not problem


def _is_dir(entry: os.DirEntry[str]) -> bool:
    """Whether ``entry`` is a folder, following a link (an entry that cannot be checked counts as a file)."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def _stat_or_reason(path: str, max_file_bytes: int) -> tuple[os.stat_result | None, str]:
    """The file's ``stat`` (one call) when it is to be ingested; else ``None`` and why it is not."""
    suffix = os.path.splitext(path)[1]  # noqa: PTH122 - a string path: no Path object per file
    if suffix.lower() not in SUPPORTED_EXTENSIONS:
        return None, f"unsupported file type {suffix or '(none)'}"
    try:
        stat = os.stat(path)  # noqa: PTH116 - a string path: no Path object per file
    except OSError as exc:
        return None, exc.strerror or "unreadable"
    if not S_ISREG(stat.st_mode):
        return None, "not a regular file"
    if stat.st_size > max_file_bytes:
        return None, f"larger than the limit of {format_size(max_file_bytes)}"
    return stat, ""


def _regular_file_size(path: str) -> int | None:
    try:
        stat = os.stat(path)  # noqa: PTH116 - a string path, as the walk gives it
    except OSError:
        return None
    return stat.st_size if S_ISREG(stat.st_mode) else None


def format_size(size: int) -> str:
    """A size for people: ``209715200`` → ``200 MiB``, ``65536`` → ``64 KiB``, ``900`` → ``900 bytes``."""
    for unit, factor in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if size >= factor:
            value = size / factor
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{size} bytes"


def _symlink_problem(path: Path, real_root: Path) -> str:
    """Why the symlink ``path`` is not followed; ``""`` for a link that stays inside (or no link)."""
    if not path.is_symlink():
        return ""
    try:
        path.resolve().relative_to(real_root)
    except RuntimeError:  # Path.resolve raises it for a loop of links
        return "symlink loop"
    except (ValueError, OSError):
        return "symlink leaves the source"
    return ""


def _rel(root: Path, path: Path) -> str:
    try:
        return _safe_name(path.relative_to(root).as_posix())
    except ValueError:
        return _safe_name(path.name)


def _display_name(source: Source, path: Path) -> str:
    return _namer(source)(str(path))


def _namer(source: Source) -> Callable[[str], str]:
    """How ``scan`` names the files of ``source`` (the root's kind looked up once, not per file).

    A file under the root is named by its path below it, prefixed by the source's label (none for
    the documents folder); a source that is one file is named by the file's name.
    """
    is_dir = source.path.is_dir()
    prefix = "" if source.label == DOCUMENTS_LABEL else f"{source.label}/"
    root = f"{source.path}{os.sep}"

    def name(path: str) -> str:
        if not is_dir:
            return prefix + _safe_name(Path(path).name)
        if path.startswith(root) and os.sep == "/":  # below the root: the cheap, common case
            return prefix + _safe_name(path[len(root) :])
        return prefix + _rel(source.path, Path(path))

    return name


def _safe_name(name: str) -> str:
    """Make a name printable on one line (newlines and control characters become ``?``)."""
    if name.isprintable():
        return name
    return "".join(ch if ch.isprintable() else "?" for ch in name)
