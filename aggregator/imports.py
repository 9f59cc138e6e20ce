"""Importing a library without the optional parts of it we never use.

Some libraries load extras at import time whenever they find them installed:
sqlite-utils imports numpy (to map numpy's number types to column types; the store
never hands it a numpy value), httpx imports its command-line client, which loads
rich, click and pygments. Each costs every process that imports the library time and
memory at start (numpy 15 MB and 0.1 s; httpx's client 6 MB and 0.04 s), and the
worker, every command and the publishing helper start often. :func:`without` hides
such a module while the library is imported; the library's own fallback for a missing
extra takes over.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["without"]


@contextmanager
def without(*modules: str) -> Iterator[None]:
    """Imports in this block cannot load `modules` (importing one raises
    ImportError), except those that are loaded already; afterwards they can again."""
    hidden = [name for name in modules if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        for name in hidden:
            del sys.modules[name]
