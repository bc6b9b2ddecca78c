"""Forkserver preload: import and warm the worker once so forked workers start ready."""

from docmind.ingest.worker import warm_up

warm_up()
