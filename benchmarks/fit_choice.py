"""Fit the original-choice model (``urai.detect.doclevel.CHOICE_WEIGHTS``) on training folds.

    nice python benchmarks/fit_choice.py [--articles 400] [--lm SAVED_LM]

An LM trained on quarters 0-1 of the training articles (+ kumparan) checks the last
``--articles`` quarter 2-3 articles spun by 5 evaluation farms (seed 99) at q 0.5 / 0.8 /
1.0 and by the evaluation spinner at 35 %. At every gold substitution whose original is
among the position's candidates, a conditional logit (softmax over the candidates) is fitted
on the first half of the articles and its top-1 accuracy reported on the second half, beside
the final logit alone. Prints the weights in ``CHOICE_WEIGHTS`` order. Folds 01-04 only.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from evalspin import eval_spinner, farm_dictionaries  # noqa: E402
from restore_errors import heldout_setup  # noqa: E402

from urai.detect.detector import CheckConfig, Detector  # noqa: E402
from urai.detect.doclevel import CountModel, candidate_counts  # noqa: E402
from urai.detect.evidence import (  # noqa: E402
    CLOZE_DELTA,
    FUNCTION_WORD,
    LM_DELTA,
    UNI_DELTA,
    UNI_OBS,
)

NAMES = ("final logit", "count ratio / 4", "log1p(count in text)", "log(words served)",
         "uni_delta", "lm_delta", "cloze_delta", "occurs in text")


def features(an, z: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The choice features of every row (the columns of :data:`NAMES`)."""
    n = len(z)
    x = an.X
    _, seen, k_w = candidate_counts(an, np.arange(n), with_observed=True)
    llr = CountModel().type_llr(an.n_words, x[:, UNI_OBS], x[:, UNI_OBS] + x[:, UNI_DELTA],
                                k_w, seen, x[:, FUNCTION_WORD] > 0)
    llr = np.clip(np.nan_to_num(llr, neginf=-12.0), -12.0, 12.0)
    obs = an.obs_ids[an.cand_pos].astype(np.int64)
    cand = an.cand_ids.astype(np.int64)
    span = int(obs.max()) - int(obs.min()) + 1
    pairs = np.unique(cand * span + (obs - int(obs.min())))
    cid, hub_n = np.unique(pairs // span, return_counts=True)
    hub = hub_n[np.searchsorted(cid, cand)].astype(np.float64)
    return np.column_stack([z, llr / 4.0, np.log1p(seen), np.log(hub), x[:, UNI_DELTA],
                            x[:, LM_DELTA], x[:, CLOZE_DELTA], (seen > 0).astype(float)])


def collect(det: Detector, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(feature rows, group id per row, 1 at each group's original) over the gold positions."""
    farms = [f.spinner() for f in farm_dictionaries(5, seed=99)]
    ev = eval_spinner()
    rows, gid, y = [], [], []
    g = 0
    for i, text in enumerate(texts):
        spun = [farms[i % 5].spin_consistent(text, q, 500 + i) for q in (0.5, 0.8, 1.0)]
        spun.append(ev.spin(text, 0.35, 500 + i))
        for sr in spun:
            an, _, _, bias, _ = det._analyse(sr.text)
            if bias is None:
                continue
            f = features(an, an.z + bias.bias)
            tok_of = {t.start: k for k, t in enumerate(an.tokens)}
            pos_of = {int(t): j for j, t in enumerate(an.pos_tok)}
            for e in sr.edits:
                j = pos_of.get(tok_of.get(e.start, -1))
                if j is None:
                    continue
                lo, hi = int(an.cand_ptr[j]), int(an.cand_ptr[j + 1])
                lab = np.array([an.cand_words[r] == e.original.lower() for r in range(lo, hi)])
                if lab.sum() != 1:
                    continue
                rows.append(f[lo:hi])
                gid.append(np.full(hi - lo, g))
                y.append(lab.astype(float))
                g += 1
    return np.concatenate(rows), np.concatenate(gid), np.concatenate(y)


def fit(f: np.ndarray, gid: np.ndarray, y: np.ndarray, iters: int = 300,
        l2: float = 1e-3) -> np.ndarray:
    """Conditional-logit weights by gradient ascent (vectorised over groups)."""
    w = np.zeros(f.shape[1])
    w[0] = 1.0
    starts = np.flatnonzero(np.r_[True, gid[1:] != gid[:-1]])
    ng = len(starts)
    for _ in range(iters):
        s = f @ w
        s = s - np.maximum.reduceat(s, starts)[gid]
        e = np.exp(s)
        p = e / np.add.reduceat(e, starts)[gid]
        grad = ((y - p)[:, None] * f).sum(axis=0) / ng - l2 * w
        w += 0.5 * grad
    return w


def top1(f: np.ndarray, gid: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    s = f @ w
    starts = np.flatnonzero(np.r_[True, gid[1:] != gid[:-1]])
    best = s == np.maximum.reduceat(s, starts)[gid]
    return float(np.add.reduceat(best * y, starts).clip(0, 1).mean())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=400)
    ap.add_argument("--lm", default=None, help="a saved held-out LM (NgramLM.save)")
    args = ap.parse_args(argv)
    lm, arts = heldout_setup(args.articles, args.lm)
    det = Detector(CheckConfig(), lm=lm)
    half = len(arts) // 2
    train = collect(det, arts[:half])
    test = collect(det, arts[half:])
    w = fit(*train)
    print(f"{len(np.unique(train[1]))} training / {len(np.unique(test[1]))} test gold positions")
    for name, v in zip(NAMES, w, strict=True):
        print(f"  {name}: {v:.3f}")
    one = np.zeros(len(w))
    one[0] = 1.0
    print(f"top-1 on the test half: final logit alone {top1(*test, one):.3f}, "
          f"choice model {top1(*test, w):.3f}")
    print("CHOICE_WEIGHTS = (" + ", ".join(f"{v:.3g}" for v in w) + ")")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
