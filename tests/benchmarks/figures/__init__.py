"""The benchmark figures: each module measures one or a few figures and returns ``Figure`` objects.

Every figure function takes a :class:`Context` (corpus, rounds, scratch space, shared results)
and returns a list of :class:`tests.benchmarks.report.Figure`.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.benchmarks.corpus import BenchCorpus


@dataclass
class Context:
    """What every figure needs: the corpus, how many rounds, where to put scratch data and logs."""

    corpus: BenchCorpus
    rounds: int
    quick: bool
    work: Path
    logs: Path
    seed: int = 20260
    shared: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def quiet(self, label: str, max_wait: float = 30.0) -> None:
        """Wait (bounded) for other processes to leave the CPUs idle; note it when they did not."""
        from tests.benchmarks.measure import wait_for_quiet

        waited = wait_for_quiet(max_wait=max_wait)
        self.shared.setdefault("quiet_waits", []).append((label, round(waited, 1)))
        if waited >= max_wait:
            self.notes.append(
                f"{label}: the machine was still busy with other processes after {max_wait:.0f} s"
            )

    def fresh_dir(self, name: str) -> Path:
        """A new empty directory under the scratch space (a fresh data dir for a cold run)."""
        return Path(tempfile.mkdtemp(prefix=f"{name}-", dir=self.work))

    @staticmethod
    def discard(path: Path) -> None:
        """Remove a scratch directory (data dirs grow by tens of MB per run)."""
        shutil.rmtree(path, ignore_errors=True)
