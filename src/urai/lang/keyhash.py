"""Vectorised look-ups of packed n-gram keys: binary search and an open-addressing hash.

:class:`urai.lang.lm.NgramLM` stores each order as a sorted ``uint64`` key array with parallel
value arrays (log-probability, backoff). :func:`lookup_sorted` finds a batch of keys by binary
search, about 20 dependent memory reads per key on a million-key order. :class:`KeyHash`
answers the same batch in about one read per key. It is a linear-probing table at load
factor at most 0.5 that keeps the key and the values of each slot *in slot order*, so a
probe that hits already points at the values: one random read per probe round and one per
value, with no slot-to-position indirection in between. Queries whose probe chain is longer
than :attr:`KeyHash.max_probes` fall back to one binary search. Both give the same answers,
and the LM tests compare every score with kenlm.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["KeyHash", "lookup_sorted"]

_HASH_MULT = np.uint64(0x9E3779B97F4A7C15)
#: marks an empty slot; packed keys never use all 64 bits (checked at build)
EMPTY = np.uint64(0xFFFFFFFFFFFFFFFF)


def lookup_sorted(keys: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of ``q`` in sorted ``keys`` and a found mask (positions clipped)."""
    if len(keys) == 0:
        return np.zeros(len(q), dtype=np.intp), np.zeros(len(q), dtype=bool)
    pos = np.searchsorted(keys, q)
    np.minimum(pos, len(keys) - 1, out=pos)
    return pos, keys[pos] == q


class KeyHash:
    """Open-addressing (linear probing) hash of a sorted key array and its value arrays.

    ``get(q, k)`` gives, for every query key, value array ``k`` at that key (0 where the key
    is absent) and a found mask: the same as ``values[k][pos]`` after :func:`lookup_sorted`.
    Built once per model and order, vectorised.
    """

    #: probing rounds before the remaining queries fall back to a binary search (3 was the
    #: fastest of 1-4 on real LM rows)
    max_probes = 3

    def __init__(self, keys: np.ndarray, values: Sequence[np.ndarray] = ()) -> None:
        n = len(keys)
        if n and keys.max() == EMPTY:
            raise ValueError("a key uses all 64 bits; it would collide with the empty mark")
        bits = max(4, (2 * n).bit_length())  # load factor <= 0.5
        size = 1 << bits
        self.shift = np.uint64(64 - bits)
        self.mask = size - 1
        tpos = np.full(size, -1, dtype=np.int64)
        pend = np.arange(n, dtype=np.int64)
        slot = self._home(keys)
        while len(pend):
            free = np.flatnonzero(tpos[slot] < 0)
            _, first = np.unique(slot[free], return_index=True)
            win = free[first]  # one key per free slot takes it
            tpos[slot[win]] = pend[win]
            lose = np.ones(len(pend), dtype=bool)
            lose[win] = False
            pend = pend[lose]
            slot = (slot[lose] + 1) & self.mask
        occupied = tpos >= 0
        at = np.maximum(tpos, 0)
        self.tkey = np.where(occupied, keys[at] if n else 0, EMPTY).astype(np.uint64)
        self.tvals = [np.where(occupied, v[at] if n else 0, 0).astype(v.dtype) for v in values]
        self.keys = keys
        self.values = list(values)

    def _home(self, q: np.ndarray) -> np.ndarray:
        return ((q * _HASH_MULT) >> self.shift).astype(np.intp)

    def dtype(self, k: int) -> np.dtype:
        return self.tvals[k].dtype

    def get(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """``(values[k] at each query key, found)``; 0 where a key is absent."""
        nq = len(q)
        tvals = self.tvals[k]
        out = np.zeros(nq, dtype=tvals.dtype)
        found = np.zeros(nq, dtype=bool)
        idx = np.arange(nq)
        slot = self._home(q)
        qq = q
        tkey = self.tkey
        for _ in range(self.max_probes):
            if not len(idx):
                break
            tk = tkey[slot]
            hit = tk == qq
            hi = idx[hit]
            out[hi] = tvals[slot[hit]]
            found[hi] = True
            cont = ~hit & (tk != EMPTY)
            idx = idx[cont]
            qq = qq[cont]
            slot = (slot[cont] + 1) & self.mask
        if len(idx):
            # the few queries still probing (a long chain decides how many rounds a batch
            # takes): one binary search over the sorted keys finishes them, same answers
            pos, f = lookup_sorted(self.keys, qq)
            out[idx] = np.where(f, self.values[k][pos], 0)
            found[idx] = f
        return out, found
