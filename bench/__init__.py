"""Benchmarks: run from the project root, e.g. ``python -m bench.record_supports``."""
