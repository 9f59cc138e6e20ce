"""MinHash signatures of shingle sets, as datasketch 2 computes them with
``MinHash(num_perm, seed, scheme="affine32")``. This module owns numpy.

Written out here because importing datasketch imports scipy (about 60 MB in every
parser process and 0.6 s at start) for these few array operations; the test suite
checks against datasketch itself that the signatures are the same
(tests/test_similarity.py). Its own module so that only the processes that make
fingerprints (the parser processes) load numpy: in the main process it would cost
15 MB and 0.1 s at every start, for nothing (:mod:`aggregator.similarity` imports it
when it first makes a fingerprint).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Collection
from typing import Final

import numpy as np

_sha1: Final = hashlib.sha1
_SHA1_WORDS: Final = hashlib.sha1().digest_size // 4


@functools.cache
def _permutations(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``count`` affine permutations ``h -> a * h + b (mod 2**32)``, ``a`` odd, drawn
    from ``seed`` exactly as datasketch 2's ``MinHash(scheme="affine32")`` draws them."""
    generator = np.random.RandomState(seed)
    a = generator.randint(0, 1 << 31, count, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, count, dtype=np.uint32)
    return a, b


def signature(shingles: Collection[str], *, count: int, seed: int) -> tuple[int, ...]:
    """The signature of a non-empty set of shingles: ``count`` 32-bit values.

    Each shingle is hashed as datasketch's default ``sha1_hash32`` does (the first 4
    bytes of its UTF-8 SHA-1, little-endian), for all shingles at once without a
    Python call per shingle; then the MurmurHash3 finalizer as a pre-mix, each
    permutation, and the minimum of each."""
    digests = b"".join([_sha1(s.encode("utf-8")).digest() for s in shingles])
    hashes = np.frombuffer(digests, dtype="<u4")[::_SHA1_WORDS].astype(np.uint32)
    mixed = hashes ^ (hashes >> np.uint32(16))
    mixed = mixed * np.uint32(0x85EBCA6B)
    mixed = mixed ^ (mixed >> np.uint32(13))
    mixed = mixed * np.uint32(0xC2B2AE35)
    mixed = mixed ^ (mixed >> np.uint32(16))
    a, b = _permutations(count, seed)
    values: list[int] = (mixed.reshape(-1, 1) * a + b).min(axis=0).tolist()
    return tuple(values)
