"""Running a command in a private mount namespace: a real full or read-only filesystem, invisible to the host.

Mounting needs ``CAP_SYS_ADMIN`` in a mount namespace. This machine may give it three ways, tried in
this order and the first that can mount a tmpfs is used for the whole session:

1. the test process is root: ``unshare --mount``;
2. unprivileged user namespaces are allowed (most Linux systems, not Ubuntu 24.04's default AppArmor
   policy): ``unshare --user --map-root-user --mount``, the command then runs as the namespace's root,
   which is this user outside;
3. passwordless ``sudo`` (GitHub's runners): ``sudo -n unshare --mount``, the setup runs as root and the
   command drops back to this user (``setpriv``) before it starts.

The command's environment travels inside the argv (``env -i``), since ``sudo`` resets it. The mounts
vanish with the namespace when the command exits: nothing to clean up. A machine that offers none of
the three fails the test with the reason; a test that needs a mount namespace is never skipped.
"""

from __future__ import annotations

import functools
import os
import shlex
import shutil
import subprocess
import tempfile

import pytest

_PRIVATE = ("--mount", "--propagation", "private")


def in_mount_namespace(setup: str, argv: list[str], env: dict[str, str]) -> list[str]:
    """The argv running ``argv`` with ``env`` in a private mount namespace, after ``sh -c setup``.

    ``setup`` runs as root of the namespace; ``argv`` runs as this user (or the namespace's root that
    stands for it). Fails the calling test when this machine cannot make a mount namespace.
    """
    entry = _entry()
    if entry is None:
        pytest.fail(
            "a private mount namespace is needed: run the tests as root, with passwordless sudo, "
            "or where unprivileged user namespaces are allowed"
        )
    prefix, drop = entry
    environment = [f"{name}={value}" for name, value in env.items()]
    return [*prefix, "sh", "-c", f'{setup} && exec "$@"', "sh", *drop, "env", "-i", *environment, *argv]


@functools.cache
def _entry() -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """The first way in (argv prefix, privilege drop for the command) that can mount a tmpfs here."""
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        return None
    drop = ("setpriv", f"--reuid={os.getuid()}", f"--regid={os.getgid()}", "--init-groups")
    candidates = [
        (("unshare", *_PRIVATE), ()),
        (("unshare", "--user", "--map-root-user", *_PRIVATE), ()),
    ]
    if shutil.which("sudo") is not None and shutil.which("setpriv") is not None:
        candidates.append((("sudo", "-n", "unshare", *_PRIVATE), drop))
    with tempfile.TemporaryDirectory(prefix="docmind-mount-probe-") as scratch:
        setup = (
            f"mount -t tmpfs -o size=64k tmpfs {shlex.quote(scratch)} && touch {shlex.quote(scratch)}/probe"
        )
        for prefix, then in candidates:
            argv = [*prefix, "sh", "-c", f'{setup} && exec "$@"', "sh", *then, "env", "-i", "true"]
            try:
                done = subprocess.run(argv, capture_output=True, timeout=60, check=False)
            except (OSError, subprocess.TimeoutExpired):
                continue
            if done.returncode == 0:
                return prefix, then
    return None
