"""Train ``urai/lang/id/data/detector.json``: the token model, change cost and document model.

Run from the repository (needs the shared data, not shipped)::

    python -m urai.build.train_detector [--shared ../shared/data] [--out PATH] [--limit N]

Data: IndoSum folds 01-04 only, minus every article id that also appears in fold 05 (the
evaluation fold), detokenised to realistic text (:func:`urai.build.corpora.detokenize_indosum`).
Spun copies are made with urai's **own** spinner (:class:`urai.simulate.spinner.Spinner` over urai's
thesaurus); the benchmarks evaluate with a different dictionary (``benchmarks/evalspin.py``),
so these weights are never judged on the spinner they were trained with.

Cross-fitting: the shipped LM was trained on these very articles, so on them its evidence is
far stronger than on unseen text. Articles are split in two halves, A and B, by a hash of
their id, and features of A are computed with an LM trained on B + kumparan (and vice versa),
which reproduces the unseen-text situation the detector meets in use.

Steps:

1. token model: each article of A is spun at a rate drawn from {0, 5, 10, 20, 35, 50}%; every
   (mutable position, candidate) row of :class:`urai.detect.engine.Engine` gets label 1 when the
   position was substituted and the candidate is the original word; a logistic regression
   over :data:`urai.detect.engine.TOKEN_FEATURES` is fitted;
2. change cost: on spun copies of half of B the logit threshold is the smallest value on a
   grid that keeps over-correction (unspun words changed / unspun words) <= 0.8%;
3. document model: each article of B gives a clean copy and a copy spun at a random rate;
   a logistic regression over :data:`urai.detect.features.DOC_FEATURES` is fitted and its Brier
   score and reliability on a held-out quarter are recorded in the provenance.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import numpy as np

from urai.build.common import half_of, heldout_lm, shared_dir, training_articles
from urai.build.train_cloze import heldout_cloze
from urai.detect.detector import CheckConfig, Detector
from urai.detect.engine import Engine
from urai.detect.evidence import TOKEN_FEATURES
from urai.detect.features import (
    DETECTOR_PATH,
    DOC_FEATURES,
    DetectorModel,
    LogisticModel,
    fit_logistic,
)
from urai.lang.freq import default_frequency
from urai.lang.id import default_stopwords
from urai.lang.thesaurus import default_thesaurus
from urai.lang.tokenize import tokenize
from urai.simulate.spinner import Spinner

__all__ = ["train", "main", "RATES", "training_articles", "shared_dir"]

RATES = (0.05, 0.10, 0.20, 0.35, 0.50)


def _token_rows(engine, spinner, text: str, rate: float, seed: int):  # type: ignore[no-untyped-def]

    r = spinner.spin(text, rate, seed) if rate > 0 else None
    spun = r.text if r else text
    gold = {e.start: e.original.lower() for e in r.edits} if r else {}
    an = engine.analyse(tokenize(spun))
    if not an.n_mutable:
        return an, None, gold
    starts = np.array([an.tokens[t].start for t in an.pos_tok])
    orig = [gold.get(int(s)) for s in starts]
    y = np.array([1.0 if orig[o] is not None and orig[o] == w else 0.0
                  for o, w in zip(an.cand_pos, an.cand_words, strict=True)])
    return an, y, gold


def train(shared: Path, out: Path, limit: int | None = None, seed: int = 13,
          cloze_a: Path | None = None, cloze_b: Path | None = None,
          use_cloze: bool = True) -> dict:
    """Train all detector weights and write ``out``; returns the provenance dict.

    ``cloze_a`` / ``cloze_b``: pre-trained held-out cloze models for the features of half A
    (trained on B) and half B (trained on A); trained here when not given."""

    t0 = time.time()
    rng = random.Random(seed)
    arts = training_articles(shared)
    if limit:
        rng.shuffle(arts)
        arts = arts[:limit]
    A = [a for a in arts if half_of(a[0]) < 2]
    B = [a for a in arts if half_of(a[0]) >= 2]
    max_candidates = 20
    lm_for_a = heldout_lm(shared, [t for _, t in B])
    lm_for_b = heldout_lm(shared, [t for _, t in A])
    print(f"held-out LMs trained ({time.time() - t0:.0f}s)", file=sys.stderr)
    cz_a = cz_b = None
    if use_cloze:
        cz_a = heldout_cloze(shared, [t for _, t in B], lm_for_a, cloze_a)
        cz_b = heldout_cloze(shared, [t for _, t in A], lm_for_b, cloze_b)
        print(f"held-out cloze models ready ({time.time() - t0:.0f}s)", file=sys.stderr)
    engine = Engine(lm_for_a, default_thesaurus(), default_frequency(), default_stopwords(),
                    max_candidates=max_candidates, cloze=cz_a)
    spinner = Spinner()
    # 1. token model
    Xs, ys = [], []
    for i, (_, text) in enumerate(A):
        rate = rng.choice((0.0,) + RATES)
        an, y, _ = _token_rows(engine, spinner, text, rate, seed + i)
        if y is not None:
            Xs.append(an.X)
            ys.append(y)
    X = np.vstack(Xs)
    y = np.concatenate(ys)
    token = fit_logistic(X, y, TOKEN_FEATURES, l2=1.0)
    print(f"token model: {len(y)} rows, {int(y.sum())} positive; "
          f"weights {dict(zip(TOKEN_FEATURES, np.round(token.weights, 3), strict=True))}",
          file=sys.stderr)
    dummy_doc = LogisticModel(DOC_FEATURES, np.zeros(len(DOC_FEATURES)), 0.0)

    # 2. change threshold on spun copies of half of B
    def det_at(th: float) -> Detector:
        # the global cost is tuned without the document-adaptive one
        return Detector(CheckConfig(adaptive=False),
                        model=DetectorModel(token, dummy_doc, th, max_candidates, {}),
                        lm=lm_for_b, thesaurus=engine.thesaurus, frequency=engine.frequency,
                        cloze=cz_b if cz_b is not None else False)

    tune = [(text, rng.choice(RATES), seed + 10_000 + i) for i, (_, text) in enumerate(B[::2])]
    spun_tune = [spinner.spin(t, r, s) for t, r, s in tune]
    grid = [-0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0]
    chosen = grid[-1]
    tuning = []
    for th in grid:
        det = det_at(th)
        tp = fp = sub = untouched = exact = 0
        for r in spun_tune:
            an, dec, _ = det.analyse(r.text)
            gold = {e.start: e.original.lower() for e in r.edits}
            sub += len(gold)
            untouched += an.n_words - len(gold)
            for j in np.flatnonzero(dec.choice >= 0):
                st = an.tokens[int(an.pos_tok[j])].start
                if st in gold:
                    tp += 1
                    exact += an.cand_words[int(dec.choice[j])] == gold[st]
                else:
                    fp += 1
        oc = fp / max(untouched, 1)
        tuning.append({"threshold": th, "token_precision": tp / max(tp + fp, 1),
                       "token_recall": tp / max(sub, 1), "restored_exact": exact / max(sub, 1),
                       "over_correction": oc})
        print(f"threshold {th}: {tuning[-1]}", file=sys.stderr)
        if oc <= 0.008 and chosen == grid[-1]:
            chosen = th
    # 3. document model
    det = det_at(chosen)
    F, Y, R = [], [], []
    for i, (_, text) in enumerate(B):
        rate = rng.choice(RATES)
        for lab, t in ((0, text), (1, spinner.spin(text, rate, seed + 20_000 + i).text)):
            an, _, f = det.analyse(t)
            if an.n_words < 25:
                continue
            F.append(f)
            Y.append(lab)
            R.append(rate if lab else 0.0)
    F_arr, Y_arr = np.array(F), np.array(Y, dtype=float)
    idx = np.arange(len(Y_arr))
    held = idx % 4 == 3
    doc_fit = fit_logistic(F_arr[~held], Y_arr[~held], DOC_FEATURES, l2=0.5)
    p = doc_fit.prob(F_arr[held])
    brier = float(np.mean((p - Y_arr[held]) ** 2))
    rel = []
    for lo in np.arange(0, 1, 0.1):
        sel = (p >= lo) & (p < lo + 0.1 + (lo >= 0.9) * 1e-9)
        if sel.any():
            rel.append({"bin": f"{lo:.1f}-{lo + 0.1:.1f}", "n": int(sel.sum()),
                        "mean_p": round(float(p[sel].mean()), 4),
                        "observed": round(float(Y_arr[held][sel].mean()), 4)})
    doc = fit_logistic(F_arr, Y_arr, DOC_FEATURES, l2=0.5)
    prov = {
        "trained": time.strftime("%Y-%m-%d"),
        "data": "IndoSum dev folds 01-04 minus any id in fold 05 (CC BY-SA 4.0), detokenised",
        "spinner": "urai.simulate.spinner.Spinner() over urai's own thesaurus (training only)",
        "rates": [0.0, *RATES],
        "articles": {"token_model": len(A), "doc_model": len(B)},
        "token_rows": int(len(y)),
        "cloze": ("held-out cloze models (urai.build.train_cloze) for each half" if use_cloze
                  else "not used"),
        "threshold_tuning": tuning,
        "change_threshold_rule": "smallest grid value with over-correction <= 0.8%",
        "doc_holdout": {"n": int(held.sum()), "brier": round(brier, 5), "reliability": rel},
        "seconds": round(time.time() - t0, 1),
    }
    model = DetectorModel(token, doc, chosen, max_candidates, prov)
    model.save(out)
    print(f"wrote {out} (threshold {chosen}, holdout Brier {brier:.4f}, "
          f"{time.time() - t0:.0f}s)", file=sys.stderr)
    return prov


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=None, help="shared data directory")
    ap.add_argument("--out", type=Path, default=DETECTOR_PATH)
    ap.add_argument("--limit", type=int, default=None, help="use only N training articles")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--cloze-a", type=Path, default=None,
                    help="held-out cloze model for half A's features (trained on half B)")
    ap.add_argument("--cloze-b", type=Path, default=None,
                    help="held-out cloze model for half B's features (trained on half A)")
    ap.add_argument("--no-cloze", action="store_true", help="train without cloze features")
    a = ap.parse_args(argv)
    shared = shared_dir(a.shared)
    if shared is None:
        return 2
    train(shared, a.out, a.limit, a.seed, a.cloze_a, a.cloze_b, not a.no_cloze)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
