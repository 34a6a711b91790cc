"""Check the document-adaptive change cost ``c0`` on training folds only (never fold 05).

    python benchmarks/tune_adaptive_cost.py [--articles 150] [--cloze held_out_cloze_for_B.npz]

Half B of ``train_detector``'s split (IndoSum folds 01-04 minus fold-05 ids) is scored with
the LM and cloze model that never saw it (trained on half A + kumparan; ``--cloze`` takes a
pre-trained one, else it is trained here, which needs torch), its first ``--articles``
articles spun by the evaluation spinner at 10 % and 35 %, and the settings of
``bench_check.ADAPT_SETTINGS`` are compared. Rule: the lowest ``c0`` whose token precision
stays >= 0.90 and over-correction <= 1 %.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_check import ADAPT_SETTINGS, adaptive_sweep  # noqa: E402
from evalspin import eval_spinner, shared_data_dir  # noqa: E402

from urai.build.common import half_of, heldout_lm, training_articles
from urai.build.train_cloze import heldout_cloze  # noqa: E402
from urai.detect.detector import Detector  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=150)
    ap.add_argument("--cloze", type=Path, default=None)
    a = ap.parse_args(argv)
    shared = shared_data_dir()
    arts = training_articles(shared)
    A = [t for i, t in arts if half_of(i) < 2]
    B = [t for i, t in arts if half_of(i) >= 2]
    lm = heldout_lm(shared, A)
    det = Detector(lm=lm, cloze=heldout_cloze(shared, A, lm, a.cloze))
    spinner = eval_spinner(shared)
    docs = [spinner.spin(t, rate, 3000 + i) for rate in (0.10, 0.35)
            for i, t in enumerate(B[: a.articles])]
    rows = adaptive_sweep(det, docs)
    print("| setting | floor | token P | token R | restored exactly | over-correction |")
    print("|---|---|---|---|---|---|")
    for label, floor, p, r, ex, oc in rows:
        print(f"| {label} | {floor} | {p:.3f} | {r:.3f} | {ex:.3f} | {oc:.4f} |")
    ok = [(s[2], row) for s, row in zip(ADAPT_SETTINGS, rows, strict=True)
          if s[1] and row[2] >= 0.90 and row[5] <= 0.01]
    print(f"rule (lowest c0 with token P >= 0.90 and over-correction <= 1%): "
          f"{min(ok)[0] if ok else 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
