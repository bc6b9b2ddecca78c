"""Test-wide defaults: the keyword-only engine, unless a test asks for embeddings.

Embedding with the real model costs seconds per document on two cores; the tests about jobs,
snapshots, corpus and pages do not depend on vectors, so they run keyword-only
(``DOCMIND_EMBED=off``, inherited by every CLI and server subprocess). The embedding tests set
``DOCMIND_EMBED=on`` themselves and run the real model.

Ray, in the tests that use it, runs on loopback only: ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`` is Ray's
switch for a one-machine runtime that advertises 127.0.0.1 instead of the machine's address. Its
``uv run`` integration is off (``RAY_ENABLE_UV_RUN_RUNTIME_ENV=0``, as ``docmind.executors.ray.runtime``
sets it): test modules import Ray before DocMind does.

Converted embedding models (``docmind.embed.openvino_model``) are kept under ``.pytest_cache`` rather
than the user's cache folder, so the suite converts the packaged model once and leaves the home
folder alone; the tests of the conversion itself use folders of their own.
"""

import os
from pathlib import Path

os.environ.setdefault("DOCMIND_EMBED", "off")
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
os.environ.setdefault("RAY_ENABLE_UV_RUN_RUNTIME_ENV", "0")
MODEL_CACHE = Path(__file__).resolve().parent / ".pytest_cache" / "models"
os.environ.setdefault("DOCMIND_MODEL_CACHE", str(MODEL_CACHE))
