"""The joint decoder's cluster scoring against a naive enumeration (shipped LM, no mocks)."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from urai.detect.decode import _cluster_lm_gain, rank_candidates
from urai.detect.detector import default_detector
from urai.detect.engine import near_positions
from urai.lang.tokenize import tokenize

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _naive_gain(an, lm, ctx, order, eos, clusters):  # type: ignore[no-untyped-def]
    """D of every combo by rebuilding each restored span and scoring all of its windows."""
    out = []
    for cols, radix in clusters:
        ps = [int(an.pos_seq[j]) for j in cols]
        off, end = ps[0] - 2, ps[-1] + 3
        totals = []
        for digits in itertools.product(*(range(r) for r in radix)):
            span = ctx[off:end].copy()
            for j, p, d in zip(cols, ps, digits, strict=True):
                span[p - off] = (an.seq[p] if d == 0
                                 else an.cand_ids[order[an.cand_ptr[j] + d - 1]])
            rows = np.stack([span[:-2], span[1:-1], span[2:]], axis=1)
            lp = lm.logprob_ids(rows)
            lp = np.where(ctx[off + 1 : end - 1] != eos, lp, 0.0)
            totals.append(float(lp.sum()))
        out.extend(np.asarray(totals) - totals[0])
    return np.asarray(out)


@pytest.mark.parametrize("name", ["spun_article.txt", "clean_article.txt"])
def test_cluster_gain_matches_naive_enumeration(name: str) -> None:
    det = default_detector()
    an = det.engine.analyse(tokenize((EXAMPLES / name).read_text(encoding="utf-8")))
    z = det.model.token.logit(an.X)
    order = np.lexsort((-z, an.cand_pos))
    rng = random.Random(7)
    ps = an.pos_seq.tolist()
    # runs of positions at most two words apart, cut at random (clusters of 1..4 columns;
    # neighbouring clusters cut from one run stay within two words of each other)
    runs: list[list[int]] = [[0]]
    for j in range(1, an.n_mutable):
        if ps[j] - ps[j - 1] <= 2 and len(runs[-1]) < 4 and rng.random() < 0.8:
            runs[-1].append(j)
        else:
            runs.append([j])
    clusters = []
    for cols in runs:
        n = np.diff(an.cand_ptr)[cols]
        radix = [1 + min(int(c), rng.randint(1, 3)) for c in n]
        clusters.append((cols, radix))
    assert any(len(c) > 1 for c, _ in clusters)
    col_j = [j for c, _ in clusters for j in c]
    col_radix = [r for _, rs in clusters for r in rs]
    col_stride, cl_C = [], []
    for _, rs in clusters:
        st = [int(np.prod(rs[k + 1 :])) for k in range(len(rs))]
        col_stride.extend(st)
        cl_C.append(int(np.prod(rs)))
    cl_ncol = [len(c) for c, _ in clusters]
    cl_off = [ps[c[0]] - 2 for c, _ in clusters]
    cl_L = [ps[c[-1]] + 3 - off for (c, _), off in zip(clusters, cl_off, strict=True)]
    C_a = np.asarray(cl_C)
    cs = np.concatenate([[0], np.cumsum(C_a)[:-1]])
    cc = np.repeat(np.arange(len(clusters)), C_a)
    ci = np.arange(int(C_a.sum())) - cs[cc]
    # a context with some restorations applied (as in the second decoding round)
    ctx = an.seq.copy()
    for j in range(0, an.n_mutable, 5):
        ctx[an.pos_seq[j]] = an.cand_ids[an.cand_ptr[j]]
    fast = _cluster_lm_gain(an, det.engine.lm, ctx, order, det.engine.eos, cl_off, cl_L,
                            np.asarray(col_j), np.asarray(col_radix),
                            np.asarray(col_stride), cl_ncol, cs, cc, ci)
    naive = _naive_gain(an, det.engine.lm, ctx, order, det.engine.eos, clusters)
    assert fast.shape == naive.shape
    np.testing.assert_allclose(fast, naive, atol=1e-9)


def test_rank_candidates_is_a_stable_per_position_sort() -> None:
    rng = np.random.default_rng(3)
    for _ in range(50):
        counts = rng.integers(1, 8, size=rng.integers(1, 30))
        ptr = np.concatenate([[0], np.cumsum(counts)])
        z = rng.integers(-3, 3, size=int(ptr[-1])).astype(float)  # many ties
        owner = np.repeat(np.arange(len(counts)), counts)
        assert np.array_equal(rank_candidates(z, ptr), np.lexsort((-z, owner)))


@settings(max_examples=200, deadline=None)
@given(st.integers(8, 60).flatmap(lambda n: st.tuples(
    st.just(n),
    st.lists(st.integers(2, n - 3), unique=True).map(sorted),
    st.lists(st.integers(2, n - 3), unique=True).map(sorted))))
def test_near_positions_is_the_distance_rule(case: tuple[int, list[int], list[int]]) -> None:
    """Slots with a changed word one or two places away (never the slot itself)."""
    n, slots, changed = case
    pseq = np.asarray(slots, dtype=np.int64)
    near = np.asarray(changed, dtype=np.int64)
    want = [j for j, p in enumerate(slots) if any(0 < abs(p - c) <= 2 for c in changed)]
    assert near_positions(pseq, near, n).tolist() == want
