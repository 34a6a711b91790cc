"""Choose how the check's adaptive pass runs, on training folds only (issue 13, speed).

    nice python benchmarks/tune_adaptive_pass.py [--articles 300] [--lm SAVED.npz]

The adaptive pass of a document that looks spun used to start again from the evidence with
the observed neighbours (decode, re-score, decode). ``CheckConfig(adaptive_warm=True)``
continues from the first pass's last state instead (its evidence already re-scored with the
first pass's restorations in place), ``adaptive_rounds`` decodes that many rounds. This
compares them at several adaptive offsets, as ``tune_doclevel.py --heldout`` does: an LM
trained on quarters 0-1 of the IndoSum training articles (+ kumparan; saved to ``--save``,
reloaded with ``--lm``), scored on quarter 2-3 articles spun in farm mode (q = 0.8, farms
seeded apart from the benchmark's) and in random mode at 35 %, and the same articles clean.
Fold 05 and Leipzig are never read. Rule: the cheapest setting whose farm and random
restoration are within 0.005 of the default's (or above) with over-correction at most the
default's + 0.05 points in both modes.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_restore import false_positives, score  # noqa: E402
from evalspin import eval_spinner, farm_dictionaries, shared_data_dir  # noqa: E402

from urai.build.common import half_of, heldout_lm, training_articles  # noqa: E402
from urai.detect.detector import CheckConfig, Detector  # noqa: E402
from urai.lang.lm import load_lm  # noqa: E402
from urai.lang.tokenize import sentences  # noqa: E402

#: the passes before the fourth session (no warm pass, two rounds, no early stop): the
#: defaults are the new passes now, so every setting below says what it turns off
PREVIOUS: dict[str, object] = dict(adaptive_warm=False, adaptive_rounds=2, early_clean=None)

GRIDS: dict[str, tuple[dict[str, object], ...]] = {"warm": (
    PREVIOUS,
    dict(adaptive_warm=False, adaptive_rounds=1),
    dict(adaptive_warm=True, adaptive_rounds=2),
    dict(adaptive_warm=True, adaptive_rounds=1),
    dict(adaptive_warm=True, adaptive_rounds=1, adaptive_offset=-2.0),
    dict(adaptive_warm=True, adaptive_rounds=1, adaptive_offset=-1.5),
), "candidates": (  # fewer candidates per word (the token model was trained with 20)
    PREVIOUS,
    dict(adaptive_warm=True, adaptive_rounds=1),
    dict(adaptive_warm=True, adaptive_rounds=1, max_candidates=16),
    dict(adaptive_warm=True, adaptive_rounds=1, max_candidates=12),
    dict(adaptive_warm=True, adaptive_rounds=1, max_candidates=8),
), "candidates2": (  # 12-14 candidates at higher adaptive costs
    PREVIOUS,
    dict(adaptive_warm=True, adaptive_rounds=1),
    dict(adaptive_warm=True, adaptive_rounds=1, max_candidates=14, adaptive_offset=-1.5),
    dict(adaptive_warm=True, adaptive_rounds=1, max_candidates=12, adaptive_offset=-1.5),
    dict(adaptive_warm=True, adaptive_rounds=1, max_candidates=12, adaptive_offset=-1.25),
    dict(adaptive_warm=True, adaptive_rounds=1, max_candidates=12, adaptive_offset=-1.0),
), "early": (  # no second first-pass round for documents that look clearly clean / spun
    PREVIOUS,
    dict(adaptive_warm=True, adaptive_rounds=1, early_clean=None),
    dict(adaptive_warm=True, adaptive_rounds=1, early_clean=0.05),
    dict(adaptive_warm=True, adaptive_rounds=1, early_clean=0.05, early_spun=0.99),
    dict(adaptive_warm=True, adaptive_rounds=1, early_clean=0.05, early_spun=0.999),
), "margin": (  # fewer positions in the joint decoding
    dict(),
    dict(decode_margin=2.5),
    dict(decode_margin=2.0),
)}


def _head(text: str, k: int) -> str:
    """The first ``k`` sentences of ``text``."""
    ss = [s for s in sentences(text) if s][:k]
    return text[ss[0][0].start : ss[-1][-1].end] if ss else text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=300)
    ap.add_argument("--lm", type=Path, default=None, help="a saved held-out LM (--save)")
    ap.add_argument("--save", type=Path, default=None, help="save the held-out LM here")
    ap.add_argument("--grid", choices=tuple(GRIDS), default="warm")
    args = ap.parse_args(argv)
    shared = shared_data_dir()
    every = training_articles(shared)
    if args.lm is not None:
        lm = load_lm(args.lm)
    else:
        lm = heldout_lm(shared, [t for aid, t in every if half_of(aid) < 2])
        if args.save is not None:  # and use it as reloaded (quantised), as --lm will
            lm = load_lm(lm.save(args.save))
    arts = [t for aid, t in every if half_of(aid) >= 2][-args.articles:]
    base = Detector(lm=lm)
    farms = [f.spinner() for f in farm_dictionaries(5, seed=99)]
    ev = eval_spinner()
    farm = [farms[i % len(farms)].spin_consistent(t, 0.8, 500 + i) for i, t in enumerate(arts)]
    rnd = [ev.spin(t, 0.35, 500 + i) for i, t in enumerate(arts)]
    # clean short texts: the first 5 sentences of every held-out training article
    short = [_head(t, 5) for aid, t in every if half_of(aid) >= 2]
    print(f"{len(arts)} held-out training articles (quarters 2-3), LM of quarters 0-1; "
          f"{len(short)} clean 5-sentence excerpts of quarter 2-3 articles")
    print("| setting | farm spun | farm R | farm restored | farm over | random spun | random R | "
          "random restored | random over | clean spun/uncertain | clean words changed | "
          "short spun/uncertain | CPU s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for g in GRIDS[args.grid]:
        det = base.with_config(CheckConfig(**g))  # type: ignore[arg-type]
        c0 = time.process_time()
        tf, tr = score(det, farm), score(det, rnd)
        f, r = tf.row(0, 1), tr.row(0, 1)
        sp, unc, ch = false_positives(det, arts)
        ssp, sunc, _ = false_positives(det, short)
        cpu = time.process_time() - c0
        print(f"| {g} | {tf.detected}/{tf.docs} | {f['token_r']:.3f} | {f['restored']:.3f} | "
              f"{100 * f['over']:.2f}% | {tr.detected}/{tr.docs} | {r['token_r']:.3f} | "
              f"{r['restored']:.3f} | {100 * r['over']:.2f}% | {sp}/{unc} | {ch} | "
              f"{ssp}/{sunc} | {cpu:.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
