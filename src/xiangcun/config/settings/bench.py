"""Benchmarks: like local, without debug overhead (DEBUG keeps every SQL query in memory)."""

from .local import *  # noqa: F403

DEBUG = False
