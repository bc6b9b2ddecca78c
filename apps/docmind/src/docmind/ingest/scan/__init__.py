"""Scanning the sources and telling what changed against the active snapshot."""
