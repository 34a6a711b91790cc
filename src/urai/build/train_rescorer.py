"""Train ``urai/lang/id/data/rescorer.json``: the document-aware re-scorer of the adaptive pass.

Run from the repository (needs the shared data, not shipped)::

    python -m urai.build.train_rescorer [--shared ../shared/data] [--out PATH] [--limit N]
        [--lm-a PATH] [--lm-b PATH]

Data: IndoSum folds 01-04 only (minus fold-05 ids), spun with urai's **own** spinner
(:class:`urai.simulate.spinner.Spinner`): in *farm mode* (``spin_consistent`` with one of
:data:`N_FARMS` directed dictionaries drawn here from urai's own thesaurus candidates: a
random 60 % of the common words, one substitute each, a rarer one preferred; q in
{0.5, 0.8, 1.0}) and in *random mode* (``spin`` at the detector's training rates), plus clean
articles and 5-sentence excerpts. The benchmarks' farms (``benchmarks/evalspin.py``) are never
used.

Cross-fitting as :mod:`urai.build.train_detector`: the shipped LM has seen these articles, so
the features of half A are computed with an LM trained on half B + kumparan and vice versa
(the shipped cloze model has seen both halves: only the LM is held out). Each document goes
through the detector's first pass exactly as :meth:`urai.detect.detector.Detector._analyse`
runs it; a document whose first-pass spun probability reaches ``adaptive_min_p`` (those the
re-scorer will see) gives one row per (position, candidate) with
:func:`urai.detect.rescore.rescore_features` and label 1 when the position was swapped and the
candidate is the original.

The model (boosted depth-2 trees, :func:`fit_trees`; ``--model logistic`` for a logistic
regression) is fitted on three quarters of the documents; the change cost is the smallest
threshold on a grid whose over-correction on the held-out quarter (each position's best row
changed when its log-odds exceeds the threshold) is at most ``--max-over`` in farm mode and
in random mode.
"""

from __future__ import annotations

import argparse
import pickle
import random
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from urai.build.common import half_of, heldout_lm, shared_dir, training_articles
from urai.detect.detector import CheckConfig, Detector
from urai.detect.features import doc_features, fit_logistic
from urai.detect.rescore import (
    RESCORE_FEATURES,
    RESCORER_PATH,
    Rescorer,
    TreeModel,
    rescore_features,
)
from urai.lang.freq import default_frequency
from urai.lang.lm import NgramLM
from urai.lang.thesaurus import default_thesaurus
from urai.lang.tokenize import sentences
from urai.simulate.spinner import Spinner

__all__ = ["train", "main", "draw_farms", "N_FARMS"]

N_FARMS = 6
#: keys share of the small-dictionary farms (``--small-farms``): a spinner that swaps a few
#: common words, function words among them, consistently (a low spin rate, strong types)
SMALL_INCLUDE = 0.15
FARM_QS = (0.5, 0.8, 1.0)
RATES = (0.05, 0.10, 0.20, 0.35, 0.50)
#: share of the negative rows the trees are fitted on
NEG_SHARE = 0.25
THRESHOLDS = tuple(np.round(np.arange(-3.0, 3.01, 0.25), 2).tolist())


def draw_farms(n: int = N_FARMS, seed: int = 0, include: float = 0.6
               ) -> list[dict[str, tuple[str]]]:
    """``n`` directed dictionaries over urai's own thesaurus (all its alternatives of a word,
    not only the detector's candidate list): each common word (zipf >= 3.3) with a
    single-word alternative is a key with probability ``include``, with one substitute drawn
    among its alternatives, among the rarer ones when it has any."""
    freq = default_frequency()
    thes = default_thesaurus()
    pools = []
    for w in sorted(w for w in freq if w.isalpha() and freq.zipf(w) >= 3.3):
        alts = sorted({a.surface for a in thes.alternatives(w)
                       if " " not in a.surface and a.surface != w})
        if alts:
            rarer = [a for a in alts if freq.zipf(a) < freq.zipf(w)]
            pools.append((w, rarer or alts))
    farms = []
    for k in range(n):
        rng = random.Random(f"{seed}-train-farm-{k}")
        farms.append({w: (rng.choice(alts),) for w, alts in pools if rng.random() < include})
    return farms


def _excerpt(text: str, n: int = 5) -> str:
    out = []
    for s in sentences(text)[:n]:
        out.append(text[s[0].start:s[-1].end])
    return " ".join(out)


def _doc_rows(det: Detector, text: str, gold: dict[int, str]
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int] | None:
    """First pass of ``text`` as the detector runs it; ``(F, y, pos, swapped_pos, words)`` of
    a document the adaptive pass would see, else None (``swapped_pos``: per mutable position,
    whether the spinner changed it)."""
    an = det.engine.analyse_text(text)
    if not an.n_mutable or an.n_words < det.config.min_words:
        return None
    saved: list[Any] = []
    an, dec, _ = det._decode(an, det.threshold, saved)
    feats = doc_features(an, dec)
    p = float(det.model.doc.prob(feats[None, :])[0])
    if p < det.config.adaptive_min_p:
        return None
    if saved:
        x0, z0, _ = saved[0]
        an.X[:] = x0
        if an.z is not None and z0 is not None:
            an.z[:] = z0
    z = an.z if an.z is not None else det.model.token.logit(an.X)
    F, _ = rescore_features(an, z, float(feats[4]), det.engine.unk)
    starts = [an.tokens[int(t)].start for t in an.pos_tok]
    orig = [gold.get(s) for s in starts]
    y = np.array([1.0 if orig[o] is not None and orig[o] == w else 0.0
                  for o, w in zip(an.cand_pos.tolist(), an.cand_words, strict=True)])
    return F, y, an.cand_pos.copy(), np.array([o is not None for o in orig]), an.n_words


def _decide(L: np.ndarray, pos: np.ndarray, th: float) -> np.ndarray:
    """Rows changed when each position's best row is decided alone by ``L > th``."""
    order = np.lexsort((-L, pos))
    first = np.ones(len(order), dtype=bool)
    first[1:] = pos[order][1:] != pos[order][:-1]
    best = order[first]
    return best[L[best] > th]


def fit_trees(X: np.ndarray, y: np.ndarray, *, trees: int = 150, rate: float = 0.3,
              bins: int = 32, l2: float = 10.0, min_hess: float = 5.0,
              sample_weight: np.ndarray | None = None) -> TreeModel:
    """Gradient-boosted depth-2 trees for the log-loss (Newton leaves, histogram splits on
    ``bins`` quantile bins per feature): a small nonlinear model with interactions of two
    features, evaluated in numpy (:class:`urai.detect.rescore.TreeModel`)."""
    n, d = X.shape
    sw = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    edges = []
    Xb = np.zeros((d, n), dtype=np.int64)  # one contiguous row per feature
    for j in range(d):
        e = np.unique(np.quantile(X[:, j], np.linspace(0, 1, bins + 1)[1:-1]))
        edges.append(e)
        Xb[j] = np.searchsorted(e, X[:, j], side="left")  # x <= e[k] -> bin <= k
    p0 = float(np.clip((sw * y).sum() / sw.sum(), 1e-6, 1 - 1e-6))
    bias = float(np.log(p0 / (1 - p0)))
    F = np.full(n, bias)
    sf, sv, lv = [], [], []

    def best_split(idx: np.ndarray, g: np.ndarray, h: np.ndarray) -> tuple[int, int, float]:
        gi, hi_ = (g, h) if len(idx) == n else (g[idx], h[idx])
        G, H = gi.sum(), hi_.sum()
        best = (0, -1, 0.0)
        for j in range(d):
            nb = len(edges[j]) + 1
            if nb < 2:
                continue
            xb = Xb[j] if len(idx) == n else Xb[j, idx]
            gh = np.bincount(xb, weights=gi, minlength=nb)
            hh = np.bincount(xb, weights=hi_, minlength=nb)
            GL, HL = np.cumsum(gh)[:-1], np.cumsum(hh)[:-1]
            GR, HR = G - GL, H - HL
            ok = (HL >= min_hess) & (HR >= min_hess)
            gain = np.where(ok, GL ** 2 / (HL + l2) + GR ** 2 / (HR + l2) - G ** 2 / (H + l2),
                            -np.inf)
            k = int(np.argmax(gain))
            if gain[k] > best[2]:
                best = (j, k, float(gain[k]))
        return best

    every = np.arange(n)
    for _ in range(trees):
        p = 1.0 / (1.0 + np.exp(-np.clip(F, -30, 30)))
        g, h = sw * (p - y), sw * p * (1.0 - p)
        j0, k0, _ = best_split(every, g, h)
        if k0 < 0:
            break
        right = Xb[j0] > k0
        node_f, node_v, leaves = [j0], [float(edges[j0][k0])], []
        for side in (False, True):
            idx = np.flatnonzero(right == side)
            j, k, _ = best_split(idx, g, h)
            if k < 0:  # no split: both leaves the same
                j, k = j0, k0
            node_f.append(j)
            node_v.append(float(edges[j][k]))
            hi = Xb[j, idx] > k
            for part in (idx[~hi], idx[hi]):
                leaves.append(-rate * g[part].sum() / (h[part].sum() + l2))
        sf.append(node_f)
        sv.append(node_v)
        lv.append(leaves)
        tm = TreeModel(RESCORE_FEATURES, np.array([node_f]), np.array([node_v]),
                       np.array([leaves]), 0.0)
        F += tm.logit(X)
    return TreeModel(RESCORE_FEATURES, np.array(sf, dtype=np.int64), np.array(sv),
                     np.array(lv), bias)


def _evaluate(model: Any, docs: list[dict[str, Any]], th: float) -> dict[str, float]:
    out: dict[str, float] = {}
    for mode in ("farm", "random", "clean"):
        sel = [d for d in docs if d["mode"] == mode]
        gold = exact = over = untouched = 0
        for d in sel:
            if d.get("_model") is not model:  # the logits once per model, not per threshold
                d["_model"], d["_L"] = model, model.logit(d["F"])
            ch = _decide(d["_L"], d["pos"], th)
            gold += d["swapped"]
            untouched += d["words"] - d["swapped"]
            exact += int(d["y"][ch].sum())
            over += int((~d["swapped_pos"][d["pos"][ch]]).sum())
        out[f"{mode}_docs"] = len(sel)
        out[f"{mode}_restored"] = exact / max(gold, 1)
        out[f"{mode}_over"] = over / max(untouched, 1)
    return out


def train(shared: Path, out: Path, limit: int | None = None, seed: int = 13,
          lm_a: Path | None = None, lm_b: Path | None = None, max_over: float = 0.008,
          kind: str = "trees", cache: Path | None = None, small_farms: int = 0
          ) -> dict[str, Any]:
    """Build the training rows (or read them from ``cache``, written when it does not
    exist), fit, choose the threshold, write ``out``; returns the provenance."""
    t0 = time.time()
    if cache is not None and cache.exists():
        with cache.open("rb") as fh:
            docs = pickle.load(fh)
        print(f"{len(docs)} documents from {cache}", file=sys.stderr)
    else:
        docs = _build_docs(shared, limit, seed, lm_a, lm_b, t0, small_farms)
        if cache is not None:
            with cache.open("wb") as fh:
                pickle.dump(docs, fh)
    return _fit(docs, out, kind, max_over, t0)


def _build_docs(shared: Path, limit: int | None, seed: int, lm_a: Path | None,
                lm_b: Path | None, t0: float, small_farms: int = 0) -> list[dict[str, Any]]:
    """The training documents: per document its rows, labels and counts."""
    rng = random.Random(seed)
    arts = training_articles(shared)
    rng.shuffle(arts)
    A = [a for a in arts if half_of(a[0]) < 2]
    B = [a for a in arts if half_of(a[0]) >= 2]
    # lm_on_x: trained on all of half x (for the other half's features)
    lm_on_a = NgramLM.load(lm_a) if lm_a else heldout_lm(shared, [t for _, t in A])
    lm_on_b = NgramLM.load(lm_b) if lm_b else heldout_lm(shared, [t for _, t in B])
    if limit:
        A, B = A[:limit], B[:limit]
    print(f"held-out LMs ready ({time.time() - t0:.0f}s)", file=sys.stderr)
    cfg = CheckConfig(adaptive=False, rescore=False)
    det_b = Detector(cfg, lm=lm_on_a)  # features of half B
    det_a = Detector(cfg, lm=lm_on_b, thesaurus=det_b.engine.thesaurus,
                     frequency=det_b.engine.frequency)
    farms = [Spinner(f, name=f"train-farm-{k}") for k, f in enumerate(
        draw_farms() + draw_farms(small_farms, seed=1, include=SMALL_INCLUDE))]
    own = Spinner()
    docs: list[dict[str, Any]] = []
    for half, det, part in (("A", det_a, A), ("B", det_b, B)):
        for i, (_, text) in enumerate(part):
            if rng.random() < 0.15:
                text = _excerpt(text)
            u = rng.random()
            if u < 0.5:
                mode = "farm"
                r = farms[rng.randrange(len(farms))].spin_consistent(
                    text, rng.choice(FARM_QS), seed + i)
            elif u < 0.85:
                mode = "random"
                r = own.spin(text, rng.choice(RATES), seed + 50_000 + i)
            else:
                mode, r = "clean", None
            spun = r.text if r is not None else text
            gold = {e.start: e.original.lower() for e in r.edits} if r is not None else {}
            got = _doc_rows(det, spun, gold)
            if got is None:
                continue
            F, y, pos, swapped_pos, words = got
            docs.append({"mode": mode, "F": F, "y": y, "pos": pos, "words": words,
                         "swapped": len(gold), "swapped_pos": swapped_pos, "half": half,
                         "held": i % 4 == 3})
        print(f"half {half}: {len(docs)} documents ({time.time() - t0:.0f}s)", file=sys.stderr)
    return docs


def _fit(docs: list[dict[str, Any]], out: Path, kind: str, max_over: float, t0: float
         ) -> dict[str, Any]:
    def fit(X: np.ndarray, y: np.ndarray) -> Any:
        if kind != "trees":
            return fit_logistic(X, y, RESCORE_FEATURES, l2=1.0)
        # every positive row, a fixed share of the negative rows (weighted back up)
        keep = (y > 0) | (np.random.default_rng(0).random(len(y)) < NEG_SHARE)
        w = np.where(y[keep] > 0, 1.0, 1.0 / NEG_SHARE)
        return fit_trees(X[keep], y[keep], sample_weight=w)

    fit_docs = [d for d in docs if not d["held"]]
    held_docs = [d for d in docs if d["held"]]
    X = np.vstack([d["F"] for d in fit_docs])
    y = np.concatenate([d["y"] for d in fit_docs])
    model = fit(X, y)
    print(f"fitted {kind} on {len(y)} rows ({time.time() - t0:.0f}s)", file=sys.stderr)
    tuning = []
    chosen = THRESHOLDS[-1]
    for th in THRESHOLDS:
        ev = _evaluate(model, held_docs, th)
        tuning.append({"threshold": th, **{k: round(v, 5) for k, v in ev.items()}})
        print(f"threshold {th}: {tuning[-1]}", file=sys.stderr)
        if chosen == THRESHOLDS[-1] and ev["farm_over"] <= max_over \
                and ev["random_over"] <= max_over:
            chosen = th
    prov = {
        "trained": time.strftime("%Y-%m-%d"),
        "data": "IndoSum dev folds 01-04 minus any id in fold 05 (CC BY-SA 4.0), detokenised",
        "spinner": (f"urai.simulate.spinner.Spinner: farm mode over {N_FARMS} directed "
                    "dictionaries drawn from urai's own thesaurus (q 0.5/0.8/1.0), random mode "
                    "at 5-50 %, clean; 15 % as 5-sentence excerpts"),
        "cross_fitting": "features of each half with an LM trained on the other half + kumparan",
        "documents": {"fit": len(fit_docs), "held_out": len(held_docs),
                      "by_mode": {m: sum(d["mode"] == m for d in docs)
                                  for m in ("farm", "random", "clean")}},
        "rows": int(len(y)),
        "model": ("150 boosted depth-2 trees (rate 0.3, 32 quantile bins, L2 10)"
                  if kind == "trees" else "logistic regression (L2 1)"),
        "threshold_rule": f"smallest grid value with held-out over-correction <= {max_over} "
                          "in farm and random mode",
        "threshold_tuning": tuning,
        "seconds": round(time.time() - t0, 1),
    }
    Rescorer(model, float(chosen), prov).save(out)
    print(f"wrote {out} (threshold {chosen}; {time.time() - t0:.0f}s)", file=sys.stderr)
    return prov


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=None, help="shared data directory")
    ap.add_argument("--out", type=Path, default=RESCORER_PATH)
    ap.add_argument("--limit", type=int, default=None, help="at most N articles per half")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--lm-a", type=Path, default=None, help="held-out LM trained on half A")
    ap.add_argument("--lm-b", type=Path, default=None, help="held-out LM trained on half B")
    ap.add_argument("--max-over", type=float, default=0.008)
    ap.add_argument("--model", choices=("trees", "logistic"), default="trees")
    ap.add_argument("--small-farms", type=int, default=0,
                    help="also farms over a small dictionary (15 %% of the common words)")
    ap.add_argument("--cache", type=Path, default=None,
                    help="pickle of the training rows: read when it exists, else written")
    a = ap.parse_args(argv)
    shared = shared_dir(a.shared)
    if shared is None:
        return 2
    train(shared, a.out, a.limit, a.seed, a.lm_a, a.lm_b, a.max_over, a.model, a.cache,
          a.small_farms)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
