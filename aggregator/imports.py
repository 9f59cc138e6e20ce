"""Importing a library without the optional parts of it we never use.

Some libraries load extras at import time whenever they find them installed:
sqlite-utils imports numpy (to map numpy's number types to column types; the store
never hands it a numpy value), httpx imports its command-line client, which loads
rich, click and pygments. Each costs every process that imports the library time and
memory at start (numpy 15 MB and 0.1 s; httpx's client 6 MB and 0.04 s), and the
worker, every command and the publishing helper start often. :func:`load` imports
such a library with the extra hidden, so that the library's own fallback for a
missing extra takes over; a version of the library that cannot do without it after
all is imported as it is, so an upgrade costs at most the time, never a crash.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Collection, Iterator
from contextlib import contextmanager

__all__ = ["load"]


def load(library: str, *, without: Collection[str]) -> None:
    """Import `library` with the modules `without` hidden from it, unless it is loaded
    already; then ``import library`` where it is used finds it loaded."""
    if library in sys.modules:
        return
    try:
        with _hidden(without):
            importlib.import_module(library)
    except ImportError as error:
        if error.name not in without:
            raise
        importlib.import_module(library)  # this version needs it after all


@contextmanager
def _hidden(modules: Collection[str]) -> Iterator[None]:
    """Imports in this block cannot load `modules` (importing one raises
    ImportError), except those loaded already; afterwards they can again."""
    hidden = [name for name in modules if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        for name in hidden:
            del sys.modules[name]
