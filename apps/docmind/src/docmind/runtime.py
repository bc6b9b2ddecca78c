"""The process-wide DocMind service for the Streamlit server.

It lives in this plain module (not in ``st.cache_resource`` state) so it survives "Clear cache"
and script edits; ``docmind.ui.runtime.service`` is the Streamlit accessor. Opening it also starts
the worker server in the background, so the first job's workers start at once, and, with
``DOCMIND_EXECUTOR=ray``, the one Ray connection every job of the app reuses. Exit hooks cancel a
running job when the server stops, so SIGTERM ends the process within seconds.
"""

from __future__ import annotations

import threading
from importlib import import_module

from docmind.executors.local.worker_server import warm_worker_server
from docmind.service import DocMind
from docmind.settings import Settings

_lock = threading.Lock()
_service: DocMind | None = None


def process_service() -> DocMind:
    """Return the service for this process, opening it (and running recovery) on first use."""
    global _service
    with _lock:
        if _service is None:
            settings = Settings()
            _service = DocMind(settings)
            _service.jobs.install_exit_hooks()
            warm_worker_server()
            # The service imports the ingestion pipeline at the first ingestion (the CLI's reads never
            # do); the app imports it now, so the first Start does not wait for it.
            import_module("docmind.ingest.pipeline")
            if settings.executor == "ray":
                from docmind.executors.ray.runtime import start_connecting

                start_connecting(settings.ray_address, settings.workers)
        return _service


def close_process_service(timeout: float = 3.0) -> None:
    """Shut the service down (cancel jobs, wait up to ``timeout``); the next call opens a new one."""
    global _service
    with _lock:
        service, _service = _service, None
    if service is not None:
        service.close(timeout)
