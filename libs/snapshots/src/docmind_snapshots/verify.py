"""Verification of a snapshot directory against its manifest.

Verification reads every file once, streaming (1 MiB blocks), and never follows a path outside the snapshot.
It reports; it never repairs.
"""

from __future__ import annotations

from pathlib import Path

from docmind_snapshots.layout import MANIFEST
from docmind_snapshots.manifest import BadManifestError, Manifest, hash_file, read_manifest, relative_files
from docmind_snapshots.models import Problem, VerifyReport


def verify_snapshot(snapshot_dir: Path) -> VerifyReport:
    """Check `snapshot_dir` against its manifest.

    Problems found: ``bad_manifest`` (missing, unreadable, invalid, wrong id), ``missing_file``,
    ``size_mismatch``, ``checksum_mismatch``, ``unsafe_path`` (a symlink leading outside the snapshot) and
    ``extra_file``.

    Args:
        snapshot_dir: A directory that exists; the caller turns a missing one into `SnapshotNotFoundError`.

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
    problems = _check_files(snapshot_dir, manifest)
    return VerifyReport(snapshot_id=snapshot_id, ok=not problems, problems=tuple(problems))


def _check_files(snapshot_dir: Path, manifest: Manifest) -> list[Problem]:
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
            _, digest = hash_file(path)
        except FileNotFoundError:
            problems.append(Problem(kind="missing_file", path=entry.path, message=f"{entry.path} is missing"))
            continue
        except OSError as exc:
            message = f"{entry.path} cannot be read: {exc.strerror or exc}"
            problems.append(Problem(kind="missing_file", path=entry.path, message=message))
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
