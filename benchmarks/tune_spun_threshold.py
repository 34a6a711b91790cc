"""Choose ``CheckConfig.spun_threshold`` on training folds only (never fold 05 / Leipzig).

Usage::

    python benchmarks/tune_spun_threshold.py --half A|B --out probs_A.npz

IndoSum folds 01-04 minus fold-05 ids (:func:`urai.build.train_detector.training_articles`) are
split into the halves A / B of ``train_detector``; each half is scored with the cross-fitted
LM that never saw it (:func:`urai.build.train_detector.heldout_lm` over the other half + kumparan)
and the shipped token/document weights. For every article the script records
``spun_probability`` of the clean text and of copies spun by the evaluation spinner
(``evalspin.eval_spinner()``) at 5/10/20 % and by urai's own spinner at a random 5-50 %.
``--summarise`` prints false-positive rate and recall per threshold from the saved files.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from evalspin import eval_spinner, shared_data_dir  # noqa: E402

from urai.build.common import half_of, heldout_lm, training_articles  # noqa: E402
from urai.build.train_cloze import heldout_cloze  # noqa: E402
from urai.build.train_detector import RATES  # noqa: E402


def score_half(half: str, out: Path, limit: int | None = None,
               cloze: Path | None = None) -> None:
    from urai.detect.detector import Detector
    from urai.simulate.spinner import Spinner

    shared = shared_data_dir()
    arts = training_articles(shared)
    A = [t for a, t in arts if half_of(a) < 2]
    B = [t for a, t in arts if half_of(a) >= 2]
    mine, other = (A, B) if half == "A" else (B, A)
    if limit:
        mine = mine[:limit]
    lm = heldout_lm(shared, other)
    # the cloze model must not have seen ``mine`` either: the held-out one of train_detector
    # (python -m urai.build.train_cloze --articles <other half> --lm <that LM>), or trained here
    det = Detector(lm=lm, cloze=heldout_cloze(shared, other, lm, cloze))
    ev, own = eval_spinner(shared), Spinner()
    rng = random.Random(7)

    feats: dict[str, list[np.ndarray]] = {}

    def prob(t: str, key: str = "") -> float:
        an, _, f = det.analyse(t)
        if an.n_words < 25:
            f = np.full(len(f), np.nan)
        feats.setdefault(key, []).append(f)
        if an.n_words < 25:
            return float("nan")
        return float(det.model.doc.prob(f[None, :])[0])

    cols: dict[str, list[float]] = {"clean": [], "ev05": [], "ev10": [], "ev20": [], "own": []}
    for i, t in enumerate(mine):
        cols["clean"].append(prob(t, "clean"))
        for r in (5, 10, 20):
            cols[f"ev{r:02d}"].append(prob(ev.spin(t, r / 100, 1000 * r + i).text, f"ev{r:02d}"))
        cols["own"].append(prob(own.spin(t, rng.choice(RATES), 50_000 + i).text, "own"))
        if i % 200 == 0:
            print(half, i, file=sys.stderr, flush=True)
    np.savez(out, **{k: np.array(v) for k, v in cols.items()},
             **{f"F_{k}": np.array(v) for k, v in feats.items()})


def summarise(files: list[Path]) -> None:
    d: dict[str, np.ndarray] = {}
    for f in files:
        z = np.load(f)
        for k in (k for k in z.files if not k.startswith("F_")):
            d[k] = np.concatenate([d.get(k, np.zeros(0)), z[k]])
    d = {k: v[~np.isnan(v)] for k, v in d.items()}
    print("n:", {k: len(v) for k, v in d.items()})
    print("thr    FP      rec5   rec10  rec20  own    F1@10 (balanced)")
    chosen = None
    for th in np.round(np.arange(0.5, 0.9751, 0.025), 3):
        fp = float(np.mean(d["clean"] >= th))
        rec = float(np.mean(d["ev10"] >= th))
        prec = rec / max(rec + fp, 1e-12)
        f1 = 2 * prec * rec / max(prec + rec, 1e-12)
        if f1 >= 0.92:
            chosen = th
        print(f"{th:5.3f} {fp:.4f} "
              + " ".join(f"{np.mean(d[k] >= th):.4f}" for k in ("ev05", "ev10", "ev20", "own"))
              + f" {f1:.4f}")
    print(f"rule (largest threshold with F1 at 10% >= 0.92): {chosen}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--half", choices=("A", "B"))
    ap.add_argument("--out", type=Path)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--summarise", type=Path, nargs="*")
    ap.add_argument("--cloze", type=Path, default=None,
                    help="held-out cloze model for this half (default: train one, needs torch)")
    a = ap.parse_args()
    if a.summarise:
        summarise(a.summarise)
    else:
        score_half(a.half, a.out, a.limit, a.cloze)
    return 0


if __name__ == "__main__":
    sys.exit(main())
