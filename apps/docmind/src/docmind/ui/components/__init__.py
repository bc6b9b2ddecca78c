"""Reusable UI components built from plain ``st.*`` primitives."""
