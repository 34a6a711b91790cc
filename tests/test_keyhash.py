"""``urai.lang.keyhash``: the hashed look-up gives exactly what a binary search over the sorted keys
gives, for present and absent keys, short and long probe chains."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from urai.lang.keyhash import EMPTY, KeyHash, lookup_sorted

_keys = st.lists(st.integers(0, 2**40), min_size=0, max_size=300, unique=True)


@settings(max_examples=120, deadline=None)
@given(_keys, st.lists(st.integers(0, 2**40), max_size=200), st.integers(1, 4))
def test_get_equals_binary_search(keys: list[int], extra: list[int], probes: int) -> None:
    k = np.array(sorted(keys), dtype=np.uint64)
    logp = np.arange(len(k), dtype=np.float32) * -0.5 - 1.0
    bow = np.arange(len(k), dtype=np.float32) * 0.25
    h = KeyHash(k, (logp, bow))
    h.max_probes = probes  # short limits exercise the binary-search fallback
    q = np.array(keys[: len(keys) // 2] + extra, dtype=np.uint64)
    pos, found = lookup_sorted(k, q)
    for j, vals in enumerate((logp, bow)):
        got, gfound = h.get(q, j)
        assert np.array_equal(gfound, found)
        assert np.array_equal(got, np.where(found, vals[pos] if len(k) else 0, 0))


def test_clustered_keys_make_long_chains_and_still_agree() -> None:
    # keys that share their high bits land in neighbouring slots: long probe chains
    k = np.arange(5000, dtype=np.uint64) << np.uint64(20)
    v = np.linspace(-5, 0, len(k)).astype(np.float32)
    h = KeyHash(k, (v,))
    q = np.concatenate([k[::7], k[::11] + np.uint64(1)])
    got, found = h.get(q, 0)
    pos, want_found = lookup_sorted(k, q)
    assert np.array_equal(found, want_found) and found.sum() == len(k[::7])
    assert np.array_equal(got, np.where(want_found, v[pos], 0))


def test_the_empty_mark_cannot_be_a_key() -> None:
    with pytest.raises(ValueError, match="64 bits"):
        KeyHash(np.array([1, EMPTY], dtype=np.uint64))
