"""Shared test helpers: real document generation and data-dir checks."""
