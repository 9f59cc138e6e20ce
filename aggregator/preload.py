"""Imported once by the worker pool's fork server (:mod:`aggregator.pool`): the
parsing code, its libraries and the language model are loaded there, and every
worker forked from it starts with them already in memory (shared, copy-on-write),
instead of spending a second loading them again.

The garbage collector is then frozen: objects made so far are never scanned again,
so a collection in a worker does not write to (and so copy) the shared pages that
hold them.
"""

import gc

from . import (  # noqa: F401
    calendar,
    dedupe,
    identify,
    minhash,
    normalize,
    parse,
    reading,
    scrape,
    similarity,
)

identify.load()
similarity.fingerprint("preload", "")  # draws the MinHash permutations once, here
gc.collect()
gc.freeze()
