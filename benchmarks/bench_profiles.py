"""Benchmark spinner profiles: restoration with a learned profile, and attribution.

    nice python benchmarks/bench_profiles.py [--articles 100] [--farms 10] [--out PATH]

* Farms: ``evalspin.farm_dictionaries(10)`` (as ``bench_restore.py``), farm mode.
* Learning: for each farm, N in {5, 20, 100} pairs (copy, source) of IndoSum training
  articles (folds 01-04, a different slice per farm) spun by that farm at q = 0.8;
  ``urai.corpus.profiling.learn_profile``.
* Restoration: fold-05 articles (``--articles``, article i spun by farm i % farms at q), checked
  with the profile of the farm that spun them: token P/R, restoration (exact), over-correction;
  the same copies without a profile in the same run as the reference.
* Attribution: ``urai.detect.profile.attribute`` over the farms' profiles (N = 5 / 20 / 100)
  for every fold-05 copy; accuracy = share whose best profile is the farm that spun it.
* Same run: N = 20 with the previous session's rule at seen words (``logit(swap
  probability) + 2 ln(10) lm_delta > 0``, no veto of the detector by the policy:
  ``CheckConfig(profile_policy_seen=False, profile_policy_veto=None)``) and
  with the selection policy's unseen-word restorations on (``profile_policy=True``).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_restore import score  # noqa: E402
from evalspin import farm_dictionaries, shared_data_dir  # noqa: E402
from machine import cpu_model  # noqa: E402

from urai.build.common import training_articles  # noqa: E402
from urai.build.corpora import iter_indosum_articles  # noqa: E402
from urai.corpus.profiling import learn_profile  # noqa: E402
from urai.detect.detector import CheckConfig, Detector  # noqa: E402
from urai.detect.profile import attribute  # noqa: E402
from urai.lang.tokenize import tokenize  # noqa: E402

NS = (5, 20, 100)
QS = (0.5, 0.8, 1.0)
LEARN_Q = 0.8


def words_of(text: str) -> list[str]:
    return [t.norm.rstrip(".") for t in tokenize(text) if t.kind in ("word", "abbr")]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=100)
    ap.add_argument("--farms", type=int, default=10)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)
    shared = shared_data_dir()
    fold5 = [t for _, t in iter_indosum_articles(
        shared / "corpus" / "indosum-dev" / "dev.05.jsonl")][: args.articles]
    train = [t for _, t in training_articles(shared)]
    farms = farm_dictionaries(args.farms)
    spinners = [f.spinner() for f in farms]
    t0 = time.perf_counter()
    profiles: dict[int, list] = {n: [] for n in NS}
    for k, sp in enumerate(spinners):
        arts = train[k * max(NS): (k + 1) * max(NS)]
        pairs = [(sp.spin_consistent(a, LEARN_Q, 1000 * k + i).text, a)
                 for i, a in enumerate(arts)]
        for n in NS:
            profiles[n].append(learn_profile(pairs[:n], name=farms[k].name))
    learn_s = time.perf_counter() - t0
    det = Detector()
    previous = det.with_config(CheckConfig(profile_policy_seen=False, profile_policy_veto=None))
    unseen = det.with_config(CheckConfig(profile_policy=True))
    lines = [f"# bench_profiles ({time.strftime('%Y-%m-%d %H:%M')}, {cpu_model()}, "
             f"{platform.python_version()})", "",
             f"{len(farms)} farms; profiles learned from N training-fold pairs per farm "
             f"(q = {LEARN_Q}; all {len(farms) * sum(NS)} learnings took {learn_s:.1f} s); "
             f"{len(fold5)} fold-05 copies per q, article i by farm i % {len(farms)}.", "",
             "| q | profile | token P | token R | restored | ceiling (urai candidates) | "
             "over-correction | docs/s |", "|---|---|---|---|---|---|---|---|"]
    attribution = {n: [0, 0] for n in NS}
    for q in QS:
        spun = [spinners[i % len(spinners)].spin_consistent(t, q, 77 + i)
                for i, t in enumerate(fold5)]
        by_farm: dict[int, list] = {}
        for i, sr in enumerate(spun):
            by_farm.setdefault(i % len(spinners), []).append(sr)
        runs = [(det, n, "" if n is None else f"N = {n}") for n in (None, *NS)]
        runs += [(previous, 20, "previous rule: N = 20"),
                 (unseen, 20, "+ unseen-word policy: N = 20")]
        for d, n, label in runs:
            tally = None
            for k, docs in by_farm.items():
                t = score(d, docs, profiles[n][k] if n else None)
                if tally is None:
                    tally = t
                else:
                    tally.add(t)
            assert tally is not None
            r = tally.row(0, 1)
            label = label or "none"
            lines.append(f"| {q} | {label} | {r['token_p']:.3f} | {r['token_r']:.3f} | "
                         f"{r['restored']:.3f} | {r['ceiling']:.3f} | {100 * r['over']:.2f}% "
                         f"| {tally.docs / tally.seconds:.0f} |")
            print(lines[-1], flush=True)
        for n in NS:
            named = {p.name: p for p in profiles[n]}
            for i, sr in enumerate(spun):
                best = attribute(words_of(sr.text), named)[0][0]
                attribution[n][0] += best == farms[i % len(farms)].name
                attribution[n][1] += 1
    lines += ["", f"| attribution among {len(farms)} farms, one copy | N = 5 | N = 20 | N = 100 |",
              "|---|---|---|---|",
              "| top-1 accuracy (all q) | " + " | ".join(
                  f"{attribution[n][0] / attribution[n][1]:.3f} ({attribution[n][0]}/"
                  f"{attribution[n][1]})" for n in NS) + " |"]
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
