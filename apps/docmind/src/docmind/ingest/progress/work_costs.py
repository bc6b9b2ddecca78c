"""What the parse work left will cost, per format, scaled to this machine by what the job measured.

Bytes measure parsing work badly across formats: on the benchmark corpus a worker spends 0.005 s
per MB of a brochure PDF full of photos, 0.1–0.7 s per MB of a PDF of text, 0.19 s per MB of HTML
and 0.31 s per MB of plain text (CPU seconds of one worker, ``tests/benchmarks``). Pages measure PDFs
well (2.2–3.3 ms a page whatever their bytes). So every file gets a *reference cost*, the seconds
one worker of the reference machine would spend on it:

- a PDF ``PDF_SECONDS_PER_PAGE`` a page once its page count is known (a worker reports it as it
  reads, a finished file's outcome has it); before that its bytes at the PDFs' seconds per byte,
  measured on the PDFs whose pages are known and pulled towards ``SECONDS_PER_MB["pdf"]`` by a
  prior worth ``PDF_PRIOR_MB``;
- any other file its bytes at its format's ``SECONDS_PER_MB``; every file ``FILE_SECONDS`` more
  (dispatch, cache write).

This machine's *speed* is the worker-seconds measured on parsed files (finished, or in flight
with a known fraction read) over their reference costs; a busy or slower machine has a larger one.
The parse seconds left are speed × the reference cost left (files not started, the unread part of
files in flight, files known to come from the cache excepted) ÷ the concurrency measured
(worker-seconds spent ÷ seconds the phase ran). The index build is estimated from the chunks:
``INDEX_PER_PARSE`` × worker-seconds of parsing per chunk × the chunks the corpus will have (on
the reference machine building BM25 over a chunk costs a tenth of parsing and splitting it).
Times come from the caller's clock, so tests drive them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath

SECONDS_PER_MB = {"pdf": 0.15, "html": 0.19, "docx": 0.19, "text": 0.31}
PDF_SECONDS_PER_PAGE = 0.0025
PDF_PRIOR_MB = 8.0
FILE_SECONDS = 0.002
INDEX_PER_PARSE = 0.1
MIN_SECONDS = 0.25
"""The phase must have run this long before its concurrency means anything."""
MIN_MEASURED = 0.02
"""…and this share of the reference work must have been measured."""

_FORMATS = {".pdf": "pdf", ".html": "html", ".htm": "html", ".docx": "docx"}
_MB = 1_000_000


def format_of(name: str) -> str:
    """The cost format of a file name: ``pdf``, ``html``, ``docx`` or ``text``."""
    return _FORMATS.get(PurePosixPath(name).suffix.lower(), "text")


@dataclass
class _File:
    size: int
    kind: str
    started: float = 0.0
    pages: int = 0
    read: float = 0.0
    """Fraction read so far (pages read ÷ pages)."""


@dataclass
class ParseCosts:
    """The parse phase's files and what was measured on them; see the module docstring.

    Files not started are kept as sums per format, so an estimate costs the same for ten files or a
    hundred thousand; only the files in flight (a few per worker) are looked at one by one.
    """

    _sizes: dict[str, int] = field(default_factory=dict)
    _waiting_bytes: dict[str, int] = field(default_factory=dict)
    _waiting_files: int = 0
    _flight: dict[str, _File] = field(default_factory=dict)
    _first_start: float | None = None
    _busy_all: float = 0.0
    """Worker-seconds of every file a worker finished (the concurrency counts them all)."""
    _busy_done: float = 0.0
    """Worker-seconds of the files a worker parsed (the speed counts them)."""
    _reference_done: float = 0.0
    _parsed_chunks: int = 0
    _chunks: int = 0
    _pdf_bytes: float = 0.0
    _pdf_reference: float = 0.0

    def plan(self, files: dict[str, int], cached: set[str]) -> None:
        """The files to parse (relative name → bytes); those in ``cached`` will cost nothing."""
        self._sizes = {name: size for name, size in files.items() if name not in cached}
        self._waiting_bytes = {kind: 0 for kind in SECONDS_PER_MB}
        for name, size in self._sizes.items():
            self._waiting_bytes[format_of(name)] += size
        self._waiting_files = len(self._sizes)

    def started(self, name: str, now: float) -> None:
        """A worker took ``name`` at ``now``; told again, the file's clock starts over.

        The phase's clock starts with the first file a worker holds: a file handed out while the
        first worker was still starting is told again once a worker took it, and until a file is
        done the phase starts at the earliest start of those in flight.
        """
        size = self._stop_waiting(name)
        if size is not None:
            self._flight[name] = _File(size, format_of(name), now)
        elif name in self._flight:
            self._flight[name].started = now
        else:
            return
        if self._first_start is None or not self._busy_all:
            self._first_start = min(item.started for item in self._flight.values())

    def _stop_waiting(self, name: str) -> int | None:
        size = self._sizes.pop(name, None)
        if size is not None:
            self._waiting_bytes[format_of(name)] -= size
            self._waiting_files -= 1
        return size

    def moved(self, name: str, done: int, total: int) -> None:
        """A worker has read ``done`` of the ``total`` pages of ``name``."""
        item = self._flight.get(name)
        if item is not None and total > 0:
            item.pages, item.read = total, min(done / total, 1.0)

    def finished(self, name: str, now: float, *, pages: int, chunks: int, parsed: bool) -> None:
        """``name`` is done (``parsed``: by a worker, whose time counts) with ``pages`` and ``chunks``."""
        self._chunks += chunks
        item = self._flight.pop(name, None)
        if item is None:
            self._stop_waiting(name)  # answered without a worker (cached, unreadable): no time to count
            return
        self._busy_all += now - item.started
        if not parsed:
            return
        item.pages = pages or item.pages
        reference = self._reference(item)
        if item.kind == "pdf" and item.pages:
            self._pdf_bytes += item.size
            self._pdf_reference += reference
        self._busy_done += now - item.started
        self._reference_done += reference
        self._parsed_chunks += chunks

    def seconds_left(self, now: float) -> float | None:
        """Seconds until every file is parsed, or ``None`` before enough was measured."""
        speed, concurrency = self.speed(now), self._concurrency(now)
        if speed is None or concurrency is None:
            return None
        return self._work_left(now, speed) / concurrency

    def index_seconds(self, now: float) -> float | None:
        """Seconds the index build will take, from the chunks (``None`` before a file was parsed)."""
        speed = self.speed(now)
        if speed is None or not self._parsed_chunks:
            return None
        per_chunk = self._busy_done / self._parsed_chunks
        return INDEX_PER_PARSE * (per_chunk * self._chunks + self._work_left(now, speed))

    def _pdf_per_byte(self) -> float:
        prior = SECONDS_PER_MB["pdf"] * PDF_PRIOR_MB
        return (self._pdf_reference + prior) / (self._pdf_bytes + PDF_PRIOR_MB * _MB)

    def _reference(self, item: _File) -> float:
        if item.kind == "pdf":
            if item.pages:
                return FILE_SECONDS + item.pages * PDF_SECONDS_PER_PAGE
            return FILE_SECONDS + item.size * self._pdf_per_byte()
        return FILE_SECONDS + item.size / _MB * SECONDS_PER_MB[item.kind]

    def _waiting_reference(self) -> float:
        pdf = self._waiting_bytes.get("pdf", 0) * self._pdf_per_byte()
        others = sum(size / _MB * SECONDS_PER_MB[k] for k, size in self._waiting_bytes.items() if k != "pdf")
        return self._waiting_files * FILE_SECONDS + pdf + others

    def speed(self, now: float) -> float | None:
        """This machine's worker-seconds per reference second (``None`` before enough was measured).

        Measured on the files parsed, and on the part read of those in flight.
        """
        busy, reference, unread = self._busy_done, self._reference_done, self._waiting_reference()
        for item in self._flight.values():
            cost = self._reference(item)
            unread += cost * (1 - item.read)
            if item.read > 0:
                busy += now - item.started
                reference += cost * item.read
        if reference <= 0 or busy <= 0 or reference < MIN_MEASURED * (reference + unread):
            return None
        return busy / reference

    def _concurrency(self, now: float) -> float | None:
        """Workers busy on average since the first file was handed out."""
        if self._first_start is None or now - self._first_start < MIN_SECONDS:
            return None
        running = sum(now - item.started for item in self._flight.values())
        return max((self._busy_all + running) / (now - self._first_start), 1e-3)

    def _work_left(self, now: float, speed: float) -> float:
        """Worker-seconds left: files not started, and what is left of those in flight."""
        left = speed * self._waiting_reference()
        for item in self._flight.values():
            cost = speed * self._reference(item)
            if item.read > 0:
                left += cost * (1 - item.read)
            else:
                left += max(cost - (now - item.started), 0.0)
        return left
