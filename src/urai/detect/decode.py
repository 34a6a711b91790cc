"""Joint restoration: decode each sentence over the lattice of synonym alternatives.

Every mutable position offers the observed word plus its candidates, each with the token
model's logit ``z(i, c)`` (:mod:`urai.detect.engine`). A restoration of a sentence is one choice per
position; its score is

    g(D) + sum over changed i of (r(i, c_i) - threshold)

where ``g`` is the token model's piecewise-linear LM term, ``D`` the log10 LM gain of the
*whole* restored sentence over the observed one, ``r(i, c)`` is ``z(i, c)`` minus its LM
terms (the non-LM part of the logit: frequency prior, thesaurus weight, ...) and
``threshold`` is the cost of changing a word, which keeps clean text untouched. The
unchanged sentence scores 0.

Under a trigram model two positions interact only when they are at most two words apart,
so the positions whose best candidate is *competitive* (``z > threshold - margin``) are cut
into clusters of such neighbours. A lone position is decided exactly by its own logit (for it
``D`` is the local delta); a cluster is decoded exactly by enumerating the product of its
top options (at most :data:`MAX_COMBOS`), which for a trigram LM is what Viterbi over the
lattice computes, with all the cluster windows of a document scored in one LM call. Every
other position keeps its observed word.

The confidence of a change is ``sigmoid`` of the score margin between the chosen restoration
and the same restoration with that one word put back (for a lone word: ``sigmoid(z)``, the
calibrated token probability).
"""

from __future__ import annotations

import numpy as np

from urai.detect.evidence import N_LM_TERMS, Analysis, Decoded, lm_terms, sigmoid

__all__ = ["Decoded", "decode", "rank_candidates", "MAX_COMBOS"]

#: largest number of joint restorations enumerated for one cluster
MAX_COMBOS = 256
#: longer runs of competitive neighbours are cut into clusters of at most this many
#: positions (2 ** 8 = MAX_COMBOS: each keeps at least its best alternative)
MAX_CLUSTER = 8


def rank_candidates(z: np.ndarray, ptr: np.ndarray) -> np.ndarray:
    """Candidate rows of every position sorted best first (the order of
    ``np.lexsort((-z, owner))`` for CSR groups ``ptr``: ties keep their row order).

    Positions have at most a few dozen candidates, so one stable sort of a padded
    ``positions x candidates`` matrix beats a lexsort over all rows.
    """
    m = len(ptr) - 1
    if m == 0:
        return np.zeros(0, dtype=np.int64)
    counts = np.diff(ptr)
    owner = np.repeat(np.arange(m), counts)
    col = np.arange(len(z)) - ptr[owner]
    pad = np.full((m, int(counts.max())), np.inf)
    pad[owner, col] = -z
    srt = np.argsort(pad, axis=1, kind="stable")
    return (ptr[:-1, None] + srt)[np.arange(pad.shape[1])[None, :] < counts[:, None]]


def decode(
    an: Analysis,
    z: np.ndarray,
    lm: object,
    *,
    threshold: float,
    w_lm: np.ndarray,
    margin: float = 3.0,
    eos: int = 2,
    context: np.ndarray | None = None,
) -> Decoded:
    """Choose the restoration of every sentence of ``an`` (see the module docstring).

    ``context`` (default ``an.seq``) supplies the words around each cluster: after a first
    pass the caller passes the sequence with its restorations applied.
    """
    m = an.n_mutable
    if m == 0:
        e = np.zeros(0)
        return Decoded(np.zeros(0, dtype=np.int64), e, e, np.zeros(0, dtype=np.int64), 0.0)
    order = rank_candidates(z, an.cand_ptr)  # candidates of each position, best first
    best = order[an.cand_ptr[:-1]]
    z_best = z[best]
    choice = np.full(m, -1, dtype=np.int64)
    conf = np.zeros(m)
    comp = np.flatnonzero(z_best > threshold - margin)
    lm_gain = 0.0
    if len(comp) == 0:
        return Decoded(choice, conf, z_best, best, 0.0)
    ps = an.pos_seq[comp]
    breaks = np.flatnonzero(np.diff(ps) > 2) + 1
    starts = np.concatenate([[0], breaks])
    sizes = np.diff(np.concatenate([starts, [len(comp)]]))
    delta = an.X[:, 0]
    # lone positions: decided by their own logit (vectorised)
    lone = comp[starts[sizes == 1]]
    lone = lone[z_best[lone] > threshold]
    if len(lone):
        choice[lone] = best[lone]
        conf[lone] = sigmoid(z_best[lone])
        lm_gain += float(delta[best[lone]].sum())
    multi: list[np.ndarray] = []
    for st, sz in zip(starts[sizes > 1].tolist(), sizes[sizes > 1].tolist(), strict=True):
        g = comp[st : st + sz]
        if sz > MAX_CLUSTER:
            multi.extend(np.array_split(g, -(-sz // MAX_CLUSTER)))
        else:
            multi.append(g)
    if not multi:
        return Decoded(choice, conf, z_best, best, lm_gain)

    nonlm = z - an.X[:, :N_LM_TERMS] @ w_lm
    seq = an.seq
    ctx = seq if context is None else context
    ptr = an.cand_ptr
    pos_seq = an.pos_seq
    # options of a position: the observed word plus its top-k candidates with a competitive
    # logit (candidates are sorted best first, so that is a prefix of length min(k, n_ok))
    n_ok = np.bincount(an.cand_pos[z > threshold - margin], minlength=m).tolist()
    # per cluster (Python ints, a few per cluster): k and the radices of the product
    col_j: list[int] = []
    col_radix: list[int] = []
    col_stride: list[int] = []
    cl_ncol: list[int] = []
    cl_C: list[int] = []
    cl_off: list[int] = []
    cl_L: list[int] = []
    ps_list = pos_seq.tolist()
    for g in multi:
        gl = g.tolist()
        ok = [n_ok[j] for j in gl]
        k = 3
        while True:
            radix = [1 + min(k, o) for o in ok]
            size = 1
            for r in radix:
                size *= r
            if size <= MAX_COMBOS or k == 1:
                break
            k -= 1
        stride = [1] * len(radix)
        for c in range(len(radix) - 2, -1, -1):
            stride[c] = stride[c + 1] * radix[c + 1]
        col_j.extend(gl)
        col_radix.extend(radix)
        col_stride.extend(stride)
        cl_ncol.append(len(gl))
        cl_C.append(min(size, MAX_COMBOS))
        off = ps_list[gl[0]] - 2
        cl_off.append(off)
        cl_L.append(ps_list[gl[-1]] + 3 - off)
    # all joint restorations of all clusters at once: combo t of cluster cc has option
    # digits (ci // stride) % radix per column (itertools.product order, combo 0 = observed)
    ncl = len(multi)
    C_a = np.asarray(cl_C, dtype=np.int64)
    ncol_a = np.asarray(cl_ncol, dtype=np.int64)
    cj = np.asarray(col_j, dtype=np.int64)
    cradix = np.asarray(col_radix, dtype=np.int64)
    cstride = np.asarray(col_stride, dtype=np.int64)
    colstart = np.zeros(ncl, dtype=np.int64)
    np.cumsum(ncol_a[:-1], out=colstart[1:])
    cs = np.zeros(ncl, dtype=np.int64)  # first combo of each cluster
    np.cumsum(C_a[:-1], out=cs[1:])
    T = int(C_a.sum())
    cc = np.repeat(np.arange(ncl), C_a)
    ci = np.arange(T) - cs[cc]
    pcount = ncol_a[cc]
    pair_combo = np.repeat(np.arange(T), pcount)
    pstart = np.zeros(T, dtype=np.int64)
    np.cumsum(pcount[:-1], out=pstart[1:])
    pair_col = np.repeat(colstart[cc], pcount) + (np.arange(len(pair_combo))
                                                  - np.repeat(pstart, pcount))
    digit = (ci[pair_combo] // cstride[pair_col]) % cradix[pair_col]
    ch = digit > 0
    r0 = np.maximum(np.where(ch, order[ptr[cj[pair_col]] + np.maximum(digit - 1, 0)], -1), 0)
    extra = np.bincount(pair_combo, weights=np.where(ch, nonlm[r0] - threshold, 0.0),
                        minlength=T)
    D = _cluster_lm_gain(an, lm, ctx, order, eos, cl_off, cl_L, cj, cradix, cstride, cl_ncol,
                         cs, cc, ci)
    raw = lm_terms(D) @ w_lm + extra  # extra includes -threshold per change
    segmax = np.maximum.reduceat(raw, cs)
    first = np.minimum.reduceat(np.where(raw == segmax[cc], np.arange(T), T), cs)
    z_l = z
    for c in np.flatnonzero(segmax > 0.0).tolist():
        c0 = int(cs[c])
        C = cl_C[c]
        b = int(first[c]) - c0
        lm_gain += float(D[c0 + b])
        a0 = int(colstart[c])
        radix = col_radix[a0 : a0 + cl_ncol[c]]
        stride = col_stride[a0 : a0 + cl_ncol[c]]
        gl = col_j[a0 : a0 + cl_ncol[c]]
        dig = [(b // st) % r for st, r in zip(stride, radix, strict=True)]
        nb = sum(d > 0 for d in dig)
        logit_b = raw[c0 + b] + threshold * nb
        for col, j in enumerate(gl):
            oi = dig[col]
            if oi == 0:
                continue
            choice[j] = order[ptr[j] + oi - 1]
            # index of the reverted combo in the product enumeration
            idx = b - oi * stride[col]
            if idx < C:
                logit_r = raw[c0 + idx] + threshold * (nb - 1)
                conf[j] = sigmoid(float(logit_b - logit_r))
            else:
                conf[j] = sigmoid(float(z_l[choice[j]]))
    return Decoded(choice, conf, z_best, best, lm_gain)


def _cluster_lm_gain(
    an: Analysis, lm: object, ctx: np.ndarray, order: np.ndarray, eos: int,
    cl_off: list[int], cl_L: list[int], cj: np.ndarray, cradix: np.ndarray,
    cstride: np.ndarray, cl_ncol: list[int], cs: np.ndarray, cc: np.ndarray, ci: np.ndarray,
) -> np.ndarray:
    """log10 LM gain ``D`` of every joint restoration (combo) of every cluster over the
    cluster's observed words (combo 0).

    A trigram window sees at most three positions of its cluster, so instead of scoring all
    windows of every combo (most of them repeat across combos) each window is scored once per
    *instantiation* of the positions it covers, and a combo's total is the sum over its
    windows of the matching instantiation (exactly the same numbers, far fewer LM rows).
    """
    seq, ptr, pos_seq, cand_ids = an.seq, an.cand_ptr, an.pos_seq, an.cand_ids
    ncl = len(cl_off)
    col_cl = np.repeat(np.arange(ncl), cl_ncol)
    # the column standing at each seq index (clusters cut from one long run are within two
    # words of each other, so a window only counts the columns of its own cluster)
    colmap = np.full(len(ctx) + 2, -1, dtype=np.int64)
    colmap[pos_seq[cj]] = np.arange(len(cj))
    # windows: cluster, first seq index, covered column per slot q = 0..2 (-1: none)
    nwin = np.asarray(cl_L, dtype=np.int64) - 2
    NW = int(nwin.sum())
    wfirst = np.zeros(ncl, dtype=np.int64)
    np.cumsum(nwin[:-1], out=wfirst[1:])
    w_cl = np.repeat(np.arange(ncl), nwin)
    at = np.repeat(np.asarray(cl_off, dtype=np.int64), nwin) + (np.arange(NW) - wfirst[w_cl])
    wcol = np.empty((3, NW), dtype=np.int64)
    wrad = np.empty((3, NW), dtype=np.int64)
    for q in range(3):
        k = colmap[at + q]
        k = np.where((k >= 0) & (col_cl[np.maximum(k, 0)] == w_cl), k, -1)
        wcol[q] = k
        wrad[q] = np.where(k >= 0, cradix[np.maximum(k, 0)], 1)
    wn = wrad[0] * wrad[1] * wrad[2]  # instantiations of each window
    # local strides: slot 0 most significant
    wls = np.ones_like(wrad)
    wls[1] = wrad[2]
    wls[0] = wrad[1] * wrad[2]
    ibase = np.zeros(NW, dtype=np.int64)
    np.cumsum(wn[:-1], out=ibase[1:])
    NI = int(wn.sum())
    iw = np.repeat(np.arange(NW), wn)  # window of each instantiation
    iu = np.arange(NI) - ibase[iw]
    rows = np.empty((NI, 3), dtype=np.int64)
    for q in range(3):
        base = ctx[at[iw] + q]
        k = wcol[q, iw]
        covered = k >= 0
        d = (iu // wls[q, iw]) % wrad[q, iw]
        j = cj[np.maximum(k, 0)]
        cand = cand_ids[order[ptr[j] + np.maximum(d - 1, 0)]]
        rows[:, q] = np.where(covered, np.where(d > 0, cand, seq[pos_seq[j]]), base)
    lp = lm.logprob_ids(rows)  # type: ignore[attr-defined]
    lp = np.where(ctx[at[iw] + 1] != eos, lp, 0.0)  # no window is centred on </s>
    # every combo of a cluster sums one instantiation of each window of the cluster
    per = nwin[cc]  # windows of each combo
    pc = np.repeat(np.arange(len(cc)), per)  # (combo, window) pairs
    pstart = np.zeros(len(cc), dtype=np.int64)
    np.cumsum(per[:-1], out=pstart[1:])
    pw = np.repeat(wfirst[cc], per) + (np.arange(len(pc)) - np.repeat(pstart, per))
    idx = ibase[pw].copy()
    t = ci[pc]
    for q in range(3):
        k = wcol[q, pw]
        ok = k >= 0
        kk = np.maximum(k, 0)
        idx += np.where(ok, (t // cstride[kk]) % cradix[kk], 0) * wls[q, pw]
    tot = np.bincount(pc, weights=lp[idx], minlength=len(cc))
    return tot - tot[cs[cc]]
