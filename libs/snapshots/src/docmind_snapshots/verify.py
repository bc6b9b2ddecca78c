"""Verification of a snapshot directory against its manifest.

A deep verification reads every file once, streaming (1 MiB blocks); a shallow one only looks at each
file's presence and size (what opening a store checks: it never reads the whole snapshot). Neither follows
a path outside the snapshot. Both report; they never repair. A file that is missing, of the wrong size or
content is damage; a file that cannot be read (``EIO``, too many open files) is reported as ``unreadable``,
which is not damage.
"""

from __future__ import annotations

from pathlib import Path

from docmind_snapshots.layout import MANIFEST
from docmind_snapshots.manifest import BadManifestError, Manifest, hash_file, read_manifest, relative_files
from docmind_snapshots.models import Problem, VerifyReport


def verify_snapshot(snapshot_dir: Path, *, deep: bool = True) -> VerifyReport:
    """Check `snapshot_dir` against its manifest (`deep`: checksums too, else sizes only).

    Problems found: ``bad_manifest`` (missing, invalid, wrong id), ``missing_file``, ``size_mismatch``,
    ``checksum_mismatch``, ``unsafe_path`` (a symlink leading outside the snapshot), ``extra_file`` — damage —
    and ``unreadable`` (a read error, not damage).

    Args:
        snapshot_dir: A directory that exists; the caller turns a missing one into `SnapshotNotFoundError`.
        deep: Read every file and compare checksums (else presence and sizes only).

    Returns:
        The report; ``ok`` is true only when there are no problems.
    """
    snapshot_id = snapshot_dir.name
    try:
        manifest = read_manifest(snapshot_dir)
    except FileNotFoundError:
        problem = Problem(kind="bad_manifest", path=MANIFEST, message=f"{MANIFEST} is missing")
        return VerifyReport(snapshot_id=snapshot_id, ok=False, problems=(problem,))
    except BadManifestError as exc:
        problem = Problem(kind="bad_manifest", path=MANIFEST, message=str(exc))
        return VerifyReport(snapshot_id=snapshot_id, ok=False, problems=(problem,))
    except OSError as exc:
        message = f"{MANIFEST} cannot be read: {exc.strerror or exc}"
        problem = Problem(kind="unreadable", path=MANIFEST, message=message)
        return VerifyReport(snapshot_id=snapshot_id, ok=False, problems=(problem,))
    problems = _check_files(snapshot_dir, manifest, deep=deep)
    return VerifyReport(snapshot_id=snapshot_id, ok=not problems, problems=tuple(problems))


def _check_files(snapshot_dir: Path, manifest: Manifest, *, deep: bool) -> list[Problem]:
    problems: list[Problem] = []
    top = snapshot_dir.resolve()
    for entry in manifest.files:
        path = snapshot_dir / entry.path
        if not path.resolve().is_relative_to(top):
            problems.append(
                Problem(
                    kind="unsafe_path", path=entry.path, message=f"{entry.path} leads outside the snapshot"
                )
            )
            continue
        try:
            size = path.stat().st_size
            if size != entry.size:
                message = f"{entry.path} has {size} bytes, the manifest says {entry.size}"
                problems.append(Problem(kind="size_mismatch", path=entry.path, message=message))
                continue
            if not deep:
                continue
            _, digest = hash_file(path)
        except FileNotFoundError:
            problems.append(Problem(kind="missing_file", path=entry.path, message=f"{entry.path} is missing"))
            continue
        except OSError as exc:
            message = f"{entry.path} cannot be read: {exc.strerror or exc}"
            problems.append(Problem(kind="unreadable", path=entry.path, message=message))
            continue
        if digest != entry.sha256:
            message = f"{entry.path} content does not match its checksum"
            problems.append(Problem(kind="checksum_mismatch", path=entry.path, message=message))
    listed = {entry.path for entry in manifest.files} | {MANIFEST}
    problems.extend(
        Problem(kind="extra_file", path=extra, message=f"{extra} is not listed in the manifest")
        for extra in relative_files(snapshot_dir)
        if extra not in listed
    )
    return problems
