"""Screenshot comparison against committed baselines (``e2e/__snapshots__/<name>.png``).

The comparison follows Streamlit's own e2e suite: pixelmatch with a per-pixel threshold of 0.05
and at most 0.2 % of the pixels allowed to differ. Dynamic parts are masked by the caller
(Playwright ``mask=``); animations are disabled and the caret hidden for every screenshot, and a
screenshot waits until the page's layout is final (fonts loaded, nothing moved for a few frames).

* missing baseline: the screenshot is written as the baseline and the test fails, so a person
  looks at it before it is committed;
* mismatch: actual, expected and diff images are written under ``artifacts/e2e/visual`` and the
  test fails;
* ``--update-baselines``: every screenshot replaces its baseline (the review page still shows the
  change against the old one).

Comparisons are soft within a test (all screenshots of a test are taken); the ``visual`` fixture
fails the test at teardown if any did not match.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageChops
from pixelmatch.contrib.PIL import pixelmatch
from playwright.sync_api import Locator, Page

PIXEL_THRESHOLD = 0.05
ALLOWED_FRACTION = 0.002
# A point in the page's right margin: no widget there, so nothing shows a hover state.
MOUSE_PARK = (1270, 700)
_AA_MARGIN = 2
# Consecutive animation frames in which the fonts are loaded, no element is still a loading
# skeleton (a data frame's code loads on first use: slow on busy cores) and no element moves or
# resizes: the data frames (canvases) have drawn with the loaded font and the last layout pass is done.
STABLE_FRAMES = 3
LAYOUT_TIMEOUT_MS = 30_000
LAYOUT_STABLE = """(frames) => {
  const state = window.__docmindLayout || (window.__docmindLayout = { last: '', same: 0 });
  const boxes = [...document.querySelectorAll('[data-testid=stElementContainer], canvas')].map((element) => {
    const box = element.getBoundingClientRect();
    return [box.x, box.y, box.width, box.height].map(Math.round).join(',');
  }).join(';');
  const ready = document.fonts.status === 'loaded' && !document.querySelector('[data-testid=stSkeleton]');
  state.same = ready && boxes === state.last ? state.same + 1 : 0;
  state.last = boxes;
  return state.same >= frames;
}"""

MATCH, MISMATCH, MISSING, UPDATED = "match", "mismatch", "missing", "updated"


@dataclass
class Comparison:
    """The outcome of one screenshot against its baseline."""

    name: str
    test: str
    status: str
    actual: Path
    expected: Path | None = None
    diff: Path | None = None
    mismatched: int = 0
    total: int = 0
    message: str = ""

    @property
    def fraction(self) -> float:
        """The share of pixels that differ beyond the per-pixel threshold."""
        return self.mismatched / self.total if self.total else 0.0

    @property
    def failed(self) -> bool:
        """Whether this comparison fails its test."""
        return self.status in (MISMATCH, MISSING)


@dataclass
class VisualReview:
    """Session-wide settings and every comparison made (the review page is built from it)."""

    baseline_dir: Path
    output_dir: Path
    update: bool
    comparisons: list[Comparison] = field(default_factory=list)

    def for_test(self, test: str) -> Snapshots:
        """A soft checker for one test."""
        return Snapshots(self, test)


def compare(actual: Image.Image, expected: Image.Image) -> tuple[int, Image.Image]:
    """Count pixels differing beyond the threshold; return the count and a diff image.

    Only the bounding box of the byte-level differences (plus a margin for pixelmatch's
    anti-aliasing detection) is compared, which keeps pure-Python pixelmatch fast.
    """
    actual, expected = actual.convert("RGBA"), expected.convert("RGBA")
    diff = Image.blend(expected.convert("L").convert("RGBA"), Image.new("RGBA", expected.size, "white"), 0.9)
    # alpha_only=False: by default Pillow bounds only the alpha channel of an RGBA image.
    box = ImageChops.difference(actual, expected).getbbox(alpha_only=False)
    if box is None:
        return 0, diff
    left, top, right, bottom = box
    box = (
        max(0, left - _AA_MARGIN),
        max(0, top - _AA_MARGIN),
        min(actual.width, right + _AA_MARGIN),
        min(actual.height, bottom + _AA_MARGIN),
    )
    region = Image.new("RGBA", (box[2] - box[0], box[3] - box[1]))
    mismatched = pixelmatch(actual.crop(box), expected.crop(box), region, threshold=PIXEL_THRESHOLD)
    diff.paste(region, box[:2])
    return mismatched, diff


def wait_for_stable_layout(page: Page) -> None:
    """Wait until nothing on ``page`` has moved or resized for `STABLE_FRAMES` frames, fonts loaded."""
    page.evaluate("window.__docmindLayout = undefined")
    page.wait_for_function(LAYOUT_STABLE, arg=STABLE_FRAMES, polling="raf", timeout=LAYOUT_TIMEOUT_MS)


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    temporary.replace(path)


class Snapshots:
    """Takes and compares the screenshots of one test; ``failures`` lists what did not match."""

    def __init__(self, review: VisualReview, test: str) -> None:
        self.review = review
        self.test = test
        self.results: list[Comparison] = []

    @property
    def failures(self) -> list[Comparison]:
        """Comparisons that fail the test."""
        return [c for c in self.results if c.failed]

    def check(self, name: str, target: Page | Locator, mask: Sequence[Locator] = ()) -> Comparison:
        """Screenshot ``target`` with ``mask`` applied and compare it with baseline ``name``."""
        page = target if isinstance(target, Page) else target.page
        page.mouse.move(*MOUSE_PARK)
        page.evaluate("document.activeElement instanceof HTMLElement && document.activeElement.blur()")
        page.evaluate("document.fonts.ready.then(() => true)")
        wait_for_stable_layout(page)
        out = self.review.output_dir
        out.mkdir(parents=True, exist_ok=True)
        actual_path = out / f"{name}.actual.png"
        image = target.screenshot(animations="disabled", caret="hide", mask=list(mask), scale="css")
        _write_atomically(actual_path, image)
        result = self._compare(name, actual_path)
        self.results.append(result)
        self.review.comparisons.append(result)
        return result

    def _compare(self, name: str, actual_path: Path) -> Comparison:
        baseline = self.review.baseline_dir / f"{name}.png"
        out = self.review.output_dir
        expected_path = out / f"{name}.expected.png"
        diff_path = out / f"{name}.diff.png"
        for stale in (expected_path, diff_path):
            stale.unlink(missing_ok=True)
        actual = Image.open(actual_path)
        total = actual.width * actual.height
        if not baseline.exists():
            baseline.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(actual_path, baseline)
            status = UPDATED if self.review.update else MISSING
            return Comparison(
                name, self.test, status, actual_path, total=total, message=f"new baseline: {baseline}"
            )
        shutil.copyfile(baseline, expected_path)
        expected = Image.open(expected_path)
        result = Comparison(name, self.test, MISMATCH, actual_path, expected_path, total=total)
        if expected.size != actual.size:
            result.message = f"size {actual.size} differs from the baseline's {expected.size}"
        else:
            result.mismatched, diff = compare(actual, expected)
            diff.save(diff_path)
            result.diff = diff_path
            if result.mismatched <= ALLOWED_FRACTION * total:
                result.status = MATCH
            result.message = (
                f"{result.mismatched} of {total} pixels differ "
                f"({result.fraction:.3%}; allowed {ALLOWED_FRACTION:.1%})"
            )
        if self.review.update and result.status != MATCH:
            shutil.copyfile(actual_path, baseline)
            result.status, result.message = UPDATED, f"baseline replaced ({result.message})"
        return result
