"""The compiled block alignment (``urai._core.align_blocks``) against its Python reference."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from urai import kernels
from urai.errors import ConfigError
from urai.trace import align as al

pytestmark = pytest.mark.skipif(not kernels.enabled(), reason="urai._core was not built")

# a small alphabet, so that repeated a-grams, swaps, ties between candidates and used source
# positions all happen
_KEYS = st.lists(st.sampled_from("abcdefg"), max_size=80)


def _both(qk: list[str], sk: list[str], anchor: int, max_swap: int, min_block: int
          ) -> tuple[list[al.Block], list[al.Block]]:
    return (al._blocks(qk, sk, anchor, max_swap, min_block),
            al._blocks_py(qk, sk, anchor, max_swap, min_block))


@settings(max_examples=600, deadline=None)
@given(_KEYS, _KEYS, st.integers(1, 4), st.integers(0, 3), st.integers(1, 6))
def test_kernel_gives_the_reference_blocks(qk: list[str], sk: list[str], anchor: int,
                                           max_swap: int, min_block: int) -> None:
    c, py = _both(qk, sk, anchor, max_swap, min_block)
    assert c == py


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from("abcdefghij"), min_size=20, max_size=200), st.data())
def test_kernel_on_spun_and_shuffled_copies(sk: list[str], data: st.DataObject) -> None:
    # a copy of the source with words replaced by unknown ones, dropped and repeated
    qk: list[str] = []
    for w in sk:
        op = data.draw(st.integers(0, 9))
        if op == 0:
            qk.append("X" + w)  # a key the source lacks (-1 on the source side is not involved)
        elif op == 1:
            continue
        elif op == 2:
            qk += [w, w]
        else:
            qk.append(w)
    cut = data.draw(st.integers(0, len(qk)))
    qk = qk[cut:] + qk[:cut]  # reordered halves
    c, py = _both(qk, sk + ["Z"] * data.draw(st.integers(0, 3)), 3, 2, 5)
    assert c == py


def test_source_keys_the_query_lacks_never_match() -> None:
    qk = "a b c d e f g".split()
    sk = "x a b c d e f g y".split()
    (b,) = al.key_blocks(qk, sk)
    assert (b.qi, b.si, b.qn, b.sn) == (0, 1, 7, 7)
    assert al.key_blocks(qk, "x y z w v u t s".split()) == []


def test_key_blocks_validates() -> None:
    with pytest.raises(ConfigError):
        al.key_blocks(["a"], ["a"], anchor=0)


@given(st.lists(st.sampled_from("abcdef"), max_size=30), st.lists(st.sampled_from("abcdxyz"),
                                                                  max_size=30))
def test_key_ids_as_setdefault_and_get(qk: list[str], sk: list[str]) -> None:
    core = kernels.core()
    ids: dict[str, int] = {}
    ref: dict[str, int] = {}
    assert list(memoryview(core.key_ids(qk, ids, True)).cast("i")) == \
        [ref.setdefault(k, len(ref)) for k in qk]
    assert ids == ref
    assert list(memoryview(core.key_ids(sk, ids, False)).cast("i")) == [ref.get(k, -1) for k in sk]
    assert ids == ref  # a lookup adds nothing
