"""Joint restoration: decode each sentence over the lattice of synonym alternatives.

Every mutable position offers the observed word plus its candidates, each with the token
model's logit ``z(i, c)`` (:mod:`urai.detect`). A restoration of a sentence is one choice per
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

import itertools
from dataclasses import dataclass

import numpy as np

from urai.detect import N_LM_TERMS, Analysis, lm_terms, sigmoid

__all__ = ["Decoded", "decode", "MAX_COMBOS"]

#: largest number of joint restorations enumerated for one cluster
MAX_COMBOS = 256
#: longer runs of competitive neighbours are cut into clusters of at most this many
#: positions (2 ** 8 = MAX_COMBOS: each keeps at least its best alternative)
MAX_CLUSTER = 8


@dataclass(slots=True)
class Decoded:
    """Decisions per mutable position (arrays of length ``analysis.n_mutable``)."""

    choice: np.ndarray  # candidate row chosen (index into analysis candidates) or -1
    confidence: np.ndarray  # confidence of the change (0 where unchanged)
    z_best: np.ndarray  # best candidate logit per position
    best: np.ndarray  # best candidate row per position
    lm_gain: float  # log10 LM gain of the restored document over the observed one


def _segment_best(z: np.ndarray, owner: np.ndarray, ptr: np.ndarray) -> np.ndarray:
    order = np.lexsort((-z, owner))
    return order[ptr[:-1]]


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
    order = np.lexsort((-z, an.cand_pos))  # candidates of each position, best first
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
    row_blocks: list[np.ndarray] = []
    mask_blocks: list[np.ndarray] = []
    meta: list[tuple[np.ndarray, list[np.ndarray], np.ndarray, int, int, np.ndarray]] = []
    for g in multi:
        opts: list[np.ndarray] = []
        k = 3
        while True:
            opts = []
            for j in g:
                lo, hi = an.cand_ptr[j], an.cand_ptr[j + 1]
                rows = order[lo : min(hi, lo + k)]
                rows = rows[z[rows] > threshold - margin]
                opts.append(np.concatenate([[-1], rows]))
            size = int(np.prod([len(o) for o in opts]))
            if size <= MAX_COMBOS or k == 1:
                break
            k -= 1
        combos = np.array(list(itertools.islice(
            itertools.product(*[range(len(o)) for o in opts]), MAX_COMBOS)),
            dtype=np.int64)  # (C, k) option indexes; combo 0 = all observed
        pseq = an.pos_seq[g]
        lo_s, hi_s = int(pseq[0]), int(pseq[-1]) + 2
        off = lo_s - 2
        base = ctx[off : hi_s + 1]
        C = len(combos)
        mat = np.tile(base, (C, 1))
        extra = np.zeros(C)
        for col, (j, o) in enumerate(zip(g, opts, strict=True)):
            rows = o[combos[:, col]]
            ch = rows >= 0
            ids = np.where(ch, an.cand_ids[np.maximum(rows, 0)], seq[an.pos_seq[j]])
            mat[:, an.pos_seq[j] - off] = ids
            extra += np.where(ch, nonlm[np.maximum(rows, 0)] - threshold, 0.0)
        L = mat.shape[1]
        win = np.lib.stride_tricks.sliding_window_view(mat, 3, axis=1)  # (C, W, 3)
        valid = base[1 : L - 1] != eos  # middle word of window e is base[e-1]
        row_blocks.append(win.reshape(-1, 3))
        mask_blocks.append(np.tile(valid, C))
        meta.append((g, opts, combos, C, L - 2, extra))
    lp = lm.logprob_ids(np.concatenate(row_blocks))  # type: ignore[attr-defined]
    lp = np.where(np.concatenate(mask_blocks), lp, 0.0)
    at = 0
    for g, opts, combos, C, W, extra in meta:
        tot = lp[at : at + C * W].reshape(C, W).sum(axis=1)
        at += C * W
        D = tot - tot[0]
        raw = lm_terms(D) @ w_lm + extra  # extra includes -threshold per change
        b = int(np.argmax(raw))
        if raw[b] <= 0.0:
            continue
        lm_gain += float(D[b])
        nchanged_thr = combos[b] > 0
        logit_b = raw[b] + threshold * int(nchanged_thr.sum())
        for col, j in enumerate(g):
            oi = combos[b, col]
            if oi == 0:
                continue
            choice[j] = opts[col][oi]
            rev = combos[b].copy()
            rev[col] = 0
            # index of the reverted combo in the product enumeration
            idx = 0
            for c2, o in enumerate(opts):
                idx = idx * len(o) + int(rev[c2])
            if idx < C:
                nrev = int((combos[idx] > 0).sum())
                logit_r = raw[idx] + threshold * nrev
                conf[j] = sigmoid(float(logit_b - logit_r))
            else:
                conf[j] = sigmoid(float(z[choice[j]]))
    return Decoded(choice, conf, z_best, best, lm_gain)

