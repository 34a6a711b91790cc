"""The candidates and edges of the local executor, against their plain definitions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import urai.corpus.pipeline as pl
from urai.corpus.families import ClusterConfig, Edge, choose_candidates, is_edge


def _shards(tmp: Path, n: int, per: int, rng: np.random.Generator) -> list[dict[str, np.ndarray]]:
    """Random signatures over a small fingerprint vocabulary (many ties and shared
    fingerprints, some buckets over the cap), written as the signature stage writes them."""
    w = pl.Workdir(tmp)
    out = []
    for i, lo in enumerate(range(0, n, per)):
        seqs = np.arange(lo, min(n, lo + per), dtype=np.int64)
        base = [np.unique(rng.integers(0, 400, rng.integers(0, 30))) for _ in seqs]
        query = [np.unique(np.r_[b, rng.integers(0, 400, 5)]) for b in base]
        fo, ff = pl._csr(base)
        qo, qf = pl._csr(query)
        arrays = {"seq": seqs, "fo": fo, "ff": ff, "qo": qo, "qf": qf}
        pl._save_npz(w.part("sig", i, "npz"), **arrays)
        out.append(arrays)
    return out


def _reference(sig: list[dict[str, np.ndarray]], rank: np.ndarray, is_rep: np.ndarray,
               cfg: ClusterConfig) -> set[tuple[int, int, int]]:
    """Every candidate from the full shared-fingerprint counts through trace's vote."""
    holders: dict[int, list[int]] = {}
    n_base: dict[int, int] = {}
    for s in sig:
        for k, d in enumerate(s["seq"].tolist()):
            fps = s["ff"][s["fo"][k]:s["fo"][k + 1]].tolist()
            n_base[d] = len(fps)
            if is_rep[d]:
                for h in fps:
                    holders.setdefault(h, []).append(d)
    out = set()
    for s in sig:
        for k, d in enumerate(s["seq"].tolist()):
            if not is_rep[d]:
                continue
            shared: dict[int, int] = {}
            for h in s["qf"][s["qo"][k]:s["qo"][k + 1]].tolist():
                docs = holders.get(h, [])
                if len(docs) > cfg.df_cap:
                    continue
                for c in docs:
                    if c != d:
                        shared[c] = shared.get(c, 0) + 1
            out |= {(d, c, sh) for c, sh, _ in
                    choose_candidates(shared, n_base[d], rank.__getitem__, cfg)}
    return out


@pytest.mark.parametrize("rows", [10**9, 50])
def test_candidates_are_trace_votes_over_all_shared_documents(tmp_path: Path, monkeypatch,
                                                              rows: int) -> None:
    rng = np.random.default_rng(7)
    n = 300
    sig = _shards(tmp_path, n, 70, rng)
    cfg = ClusterConfig(df_cap=25, verify=4, shard_size=100)
    rank = rng.permutation(n).astype(np.int64)  # ids not in seq order: ties go by id
    is_rep = rng.random(n) > 0.1
    monkeypatch.setattr(pl, "CAND_ROWS", rows)  # 50: the expansion in many slices
    ex = pl.LocalExecutor(tmp_path, cfg, jobs=1)
    pl._STATE.clear()
    pl._STATE["cfg"] = cfg
    files = [np.load(ex.w.part("sig", i, "npz")) for i in range(len(sig))]
    ex._candidates(files, rank, is_rep, len(sig))
    got = set()
    for i in range(len(sig)):
        c = np.load(ex.w.part("cand", i, "npz"))
        got |= set(zip(c["q"].tolist(), c["c"].tolist(), c["s"].tolist(), strict=True))
    want = _reference(sig, rank, is_rep, cfg)
    assert len(want) > 200  # the crawl has candidates to find
    assert got == want


def test_edge_table_keeps_the_edges_of_each_component() -> None:
    cfg = ClusterConfig()
    rng = np.random.default_rng(3)
    a = rng.integers(0, 50, 400)
    b = a + rng.integers(1, 20, 400)
    ca, cb = rng.random(400).round(3), rng.random(400).round(3)
    table = pl.EdgeTable(a, b, ca, cb).verified(cfg)
    edges = [Edge(int(x), int(y), float(p), float(q)) for x, y, p, q in zip(a, b, ca, cb,
                                                                          strict=True)]
    good = [e for e in edges if is_edge(e, cfg)]
    assert 0 < len(good) < len(edges)
    comp = sorted({int(x) for x in rng.integers(0, 70, 30)})
    want = [e for x in comp for e in good if e.a == x]
    assert table.of(comp) == want



def _resolver(dates: list, probs: list, edges: dict, known: bool, asked: list[int]) -> object:
    """A resolver over members 0..n-1 (probabilities given, or asked through ``spun_of``)."""
    from urai.corpus.families import Member, _Resolver

    mem = {d: Member(d, f"id{d:02d}", dates[d], probs[d] if known else None)
           for d in range(len(dates))}

    def spun_of(d: int) -> float | None:
        asked.append(d)
        return probs[d]

    text = " ".join(f"w{i}" for i in range(60))
    r = _Resolver(mem, dict(edges), lambda d: text, None, ClusterConfig(), lambda a, b: 1.0,
                  spun_of=None if known else spun_of)
    r.adj = {}
    for a, b in edges:
        r.adj.setdefault(a, []).append(b)
        r.adj.setdefault(b, []).append(a)
    return r


@pytest.mark.parametrize("seed", range(6))
def test_needed_screens_choose_the_original_every_probability_would(seed: int) -> None:
    """``_Resolver.choose`` with lazily asked probabilities (``spun="needed"``) against the
    smallest ``original_key`` with every member's probability known, on random components
    (tied dates, ties in centrality, probabilities around the cut, unknown ones)."""
    rng = np.random.default_rng(seed)
    fewer = 0
    for _ in range(150):
        n = int(rng.integers(2, 9))
        dates = [None if rng.random() < 0.6 else float(rng.integers(0, 3)) for _ in range(n)]
        probs = [None if rng.random() < 0.1 else float(rng.choice([0.1, 0.3, 0.49, 0.5, 0.9]))
                 for _ in range(n)]
        edges = {(a, b): Edge(a, b, float(rng.choice([0.3, 0.6, 1.0])),
                              float(rng.choice([0.3, 0.6, 1.0])))
                 for a in range(n) for b in range(a + 1, n) if rng.random() < 0.6}
        asked: list[int] = []
        pool = set(range(n))
        want = _resolver(dates, probs, edges, True, []).choose(pool, pool)
        assert _resolver(dates, probs, edges, False, asked).choose(pool, pool) == want
        assert len(asked) == len(set(asked))  # never twice for one member
        fewer += len(asked) < n
    assert fewer > 50  # and most components need fewer screens than members


@pytest.mark.parametrize("limit", [200, 3])
def test_swaps_of_blocks_are_the_alignments_swaps(limit: int) -> None:
    """The resolve stage's swaps from the blocks and prepared words equal ``swaps_of`` of
    the alignment (its ops' texts tokenised again), for spun copies of several rates."""
    import random

    import urai
    from tests.corpus.conftest import article
    from urai.corpus.families import align_prepared_blocks, prepare, swaps_of, swaps_of_blocks
    from urai.lang.thesaurus import default_thesaurus

    th = default_thesaurus()
    cfg = ClusterConfig()
    rng = random.Random(5)
    seen = 0
    for k in range(8):
        src = article(rng)
        copy = urai.spin(src, rate=0.1 + 0.1 * (k % 5), seed=k).text
        q, s = prepare(copy, th), prepare(src, th)
        al, blocks = align_prepared_blocks(q, s, th, cfg)
        got = swaps_of_blocks(blocks, q, s, limit)
        assert got == swaps_of(al, limit)
        seen += len(got)
    assert seen > 8
