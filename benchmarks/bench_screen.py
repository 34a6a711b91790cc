"""Benchmark of ``urai.screen`` (fast document-level verdict) against the full ``urai.check``
and the most-frequent-synonym baseline, in one run.

    python benchmarks/bench_screen.py [--articles 300] [--leipzig 600] [--out PATH]

* Evaluation data as in ``bench_check.py``: the first ``--articles`` IndoSum fold-05 articles,
  clean and spun by the evaluation spinner (``evalspin.eval_spinner``: a hand-written list
  plus Wordnet Bahasa, not urai's dictionary) at 5-50 %, and ``--leipzig`` Leipzig
  pseudo-articles as extra clean text. Neither was used to train or tune the screen
  (``urai/train_screen.py`` reads folds 01-04 only).
* Per rate: document precision / recall / F1 of ``verdict == "spun"`` for the screen, the
  cascade (``urai.Cascade``: the screen, then the full check for what the screen does
  not call clean), the full check and the baseline (document threshold tuned on training folds,
  ``bench_check.tuned_baseline``); and the share of documents the screen *passes on* (verdict
  other than ``clean``), which is what a screen-then-check pipeline sends to the full check.
* Throughput: one process, BLAS pinned to one thread, ~400-word documents (150 clean + 150
  spun at 20 %), one warm-up, best of 3 passes by CPU time (``bench_check.best_rate``);
  screen, full check and baseline on the same documents, with ratios.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402
from bench_check import (  # noqa: E402
    RATES,
    best_rate,
    leipzig_pseudo_articles,
    prf,
    throughput_documents,
    tuned_baseline,
)
from evalspin import eval_spinner, shared_data_dir  # noqa: E402
from machine import cpu_model  # noqa: E402

from urai.build.corpora import iter_indosum_articles  # noqa: E402
from urai.detect.detector import Detector  # noqa: E402
from urai.detect.screener import Cascade, Screener  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="benchmark urai.detect.screener")
    ap.add_argument("--articles", type=int, default=300)
    ap.add_argument("--leipzig", type=int, default=600)
    ap.add_argument("--out", type=Path, default=HERE.parent / "docs" / "benchmarks" / "screen.md",
                    help="markdown file for the tables ('' to only print them)")
    a = ap.parse_args(argv)
    t_start = time.time()
    shared = shared_data_dir()
    det = Detector()
    scr = Screener()
    base = tuned_baseline(det, shared)
    spinner = eval_spinner()
    fold5 = [t for _, t in iter_indosum_articles(
        shared / "corpus" / "indosum-dev" / "dev.05.jsonl")][: a.articles]
    leip = leipzig_pseudo_articles(shared, limit=a.leipzig)
    clean = fold5 + leip

    def judge(texts: list[str]) -> dict[str, np.ndarray]:
        s = [scr.check(t) for t in texts]
        c = [det.check(t) for t in texts]
        return {"screen": np.array([r.verdict == "spun" for r in s]),
                "passed": np.array([r.verdict not in ("clean", "too_short", "not_indonesian")
                                    for r in s]),
                "check": np.array([r.verdict == "spun" for r in c]),
                "baseline": np.array([base.run(t)[0] > base.x for t in texts]),
                "p": np.array([r.spun_probability if r.spun_probability is not None
                               else np.nan for r in s])}

    cj = judge(clean)
    cj["cascade"] = cj["passed"] & cj["check"]
    n5 = len(fold5)
    probs = [cj["p"]]
    labels = [np.zeros(len(clean))]
    rows = []
    for rate in RATES:
        sj = judge([spinner.spin(t, rate, 1000 + i).text for i, t in enumerate(fold5)])
        probs.append(sj["p"])
        labels.append(np.ones(n5))
        row = [f"{int(rate * 100)}%"]
        sj["cascade"] = sj["passed"] & sj["check"]
        for k in ("screen", "cascade", "check", "baseline"):
            tp = int(sj[k].sum())
            fp = int(cj[k][:n5].sum())
            p, r, f = prf(tp, fp, n5 - tp)
            row += [f"{p:.3f}", f"{r:.3f}", f"**{f:.3f}**" if k == "screen" else f"{f:.3f}"]
        row.append(f"{sj['passed'].mean():.3f}")
        rows.append(row)
    P = np.concatenate(probs)
    Y = np.concatenate(labels)
    ok = ~np.isnan(P)
    brier = float(np.mean((P[ok] - Y[ok]) ** 2))

    docs = throughput_documents(150)
    cascade = Cascade(scr, det)
    t_screen = best_rate(scr.check, docs)
    t_check = best_rate(det.check, docs)
    t_cascade = best_rate(cascade.check, docs)
    t_cascade_clean = best_rate(cascade.check, docs[:150])
    t_check_clean = best_rate(det.check, docs[:150])
    t_base = best_rate(base.run, docs)

    fp = {k: (int(cj[k][:n5].sum()), int(cj[k][n5:].sum())) for k in
          ("screen", "cascade", "check", "baseline")}
    lines = [
        "## urai.detect.screener: document-level screening",
        "",
        f"Run {time.strftime('%Y-%m-%d')} on {platform.machine()} ({cpu_model()}), "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, one process, "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}; "
        f"{time.time() - t_start:.0f} s in all.",
        f"{n5} IndoSum fold-05 articles spun by the evaluation spinner, {len(leip)} Leipzig "
        "pseudo-articles as extra clean text. `spun` = verdict `spun`; *passed on* = the share "
        "of spun documents the screen does not call `clean` (what a screen-then-check "
        "pipeline hands to the full check).",
        "",
        "| rate | screen P | screen R | screen F1 | cascade P | cascade R | cascade F1 | check P "
        "| check R | check F1 | baseline P | baseline R | baseline F1 | screen passes on |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        *("| " + " | ".join(r) + " |" for r in rows),
        "",
        "| clean text | screen | cascade | full check | baseline |",
        "|---|---|---|---|---|",
        f"| false positives, fold 05 ({n5}) | {fp['screen'][0]} | {fp['cascade'][0]} | "
        f"{fp['check'][0]} | {fp['baseline'][0]} |",
        f"| false positives, Leipzig ({len(leip)}) | {fp['screen'][1]} | {fp['cascade'][1]} | "
        f"{fp['check'][1]} | {fp['baseline'][1]} |",
        f"| clean documents the screen passes on to the full check | "
        f"{cj['passed'].mean():.3f} | | | |",
        "",
        "| throughput (~400-word docs, one core) | docs/s | vs full check |",
        "|---|---|---|",
        f"| urai.detect.screener | {t_screen:.0f} | {t_screen / t_check:.1f}x |",
        f"| urai.detect.detector | {t_check:.0f} | 1.0x |",
        f"| screen, then check what it does not call clean (`Cascade`) | {t_cascade:.0f} | "
        f"{t_cascade / t_check:.1f}x |",
        f"| the same on the 150 clean documents only (a crawl of mostly clean text) | "
        f"{t_cascade_clean:.0f} | {t_cascade_clean / t_check_clean:.1f}x (vs check on them, "
        f"{t_check_clean:.0f}) |",
        f"| baseline (most frequent synonym) | {t_base:.0f} | {t_base / t_check:.1f}x |",
        "",
        f"Screen calibration: Brier score {brier:.3f} over all {int(ok.sum())} scored "
        "documents (clean and spun at every rate).",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if a.out and str(a.out) not in ("", "."):
        notes = HERE.parent / "docs" / "benchmarks" / "screen_notes.md"
        extra = notes.read_text(encoding="utf-8") if notes.is_file() else ""
        a.out.parent.mkdir(parents=True, exist_ok=True)
        a.out.write_text(text + ("\n" + extra if extra else ""), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
