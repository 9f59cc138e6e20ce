"""Imported once by the worker pool's fork server (:mod:`aggregator.pool`): the
parsing code, its libraries and the language model are loaded there, and every
worker forked from it starts with them already in memory (shared, copy-on-write),
instead of spending a second loading them again.
"""

from . import identify, update  # noqa: F401

identify.load()
