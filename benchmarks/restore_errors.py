"""Where the missing restorations go: an error analysis of farm-mode restoration.

    nice python benchmarks/restore_errors.py [--articles 40] [--qs 0.5,0.8,1.0]

Training folds only: an LM trained on quarters 0-1 of the IndoSum training articles
(+ kumparan; ``urai.build.common.heldout_lm``) checks quarter 2-3 articles spun in farm
mode by the evaluation spinner's farm dictionaries (``evalspin.farm_dictionaries``, seeded
apart from the benchmarks' farms). This reproduces fold 05's restoration level without
looking at fold 05.

Every gold substitution goes into one class, from the check's final decoding:

* ``restored``: the original was written back;
* ``(b) wrong original``: the word was changed, to another candidate;
* ``(b') other candidate preferred``: unchanged, and another candidate has the position's
  best final logit (the decoder would have written that one);
* ``(c) flagged, dropped``: unchanged, the original has the best final logit and is within
  ``decode_margin`` of the change cost (the decoder considered it) — split into above the
  cost (the joint decoder's LM context rejected it) and at most 1 / 1-2 / 2-3 below it;
* ``(a) never flagged``: unchanged, the original has the best logit but it is more than
  ``decode_margin`` below the cost (or the document got no adaptive pass);
* ``(d) outside the ceiling``: the original is not among urai's candidates for the word
  (``(d') pruned``: it is among the thesaurus candidates but not among the
  ``max_candidates`` the analysis kept; ``not a mutable position``: the word has none).

The over-correction (changes at untouched words) is split the same way by the final logit.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import sys  # noqa: E402
from collections import Counter  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from evalspin import farm_dictionaries, shared_data_dir  # noqa: E402

from urai.detect.detector import CheckConfig, Detector  # noqa: E402
from urai.detect.evidence import FUNCTION_WORD  # noqa: E402

CLASSES = ("restored", "(b) wrong original", "(b') other candidate preferred",
           "(c) above the cost, decoder said no", "(c) <= 1 below the cost",
           "(c) 1-2 below the cost", "(c) 2-3 below the cost", "(a) never flagged",
           "(a) no adaptive pass", "(d') pruned candidate", "(d) outside the ceiling",
           "(d) not a mutable position")


def heldout_setup(articles: int, lm_path: str | None) -> tuple[object, list[str]]:
    """(held-out LM, quarter 2-3 training articles)."""
    from urai.build.common import half_of, heldout_lm, training_articles

    shared = shared_data_dir()
    every = training_articles(shared)
    lm = (heldout_lm(shared, [t for aid, t in every if half_of(aid) < 2])
          if lm_path is None else lm_path)
    arts = [t for aid, t in every if half_of(aid) >= 2][-articles:]
    return lm, arts


def classify(det: Detector, sr: object, tally: Counter, detail: Counter) -> None:
    """Add the classes of ``sr``'s gold edits (and of its over-corrections) to ``tally``;
    ``detail``: restored / missed counts by (function word, occurrences of the type)."""
    an, dec, feats, bias, p = det._analyse(sr.text)  # type: ignore[attr-defined]
    cfg = det.config
    adaptive = p is not None and p >= cfg.adaptive_min_p or (
        p is None and float(det.model.doc.prob(feats[None, :])[0]) >= cfg.adaptive_min_p)
    th = det.adaptive_threshold(feats) if adaptive else det.threshold
    z = an.z if an.z is not None else det.model.token.logit(an.X)
    zf = z + (bias.bias if bias is not None else 0.0)
    tok_of = {t.start: i for i, t in enumerate(an.tokens)}
    pos_of = {int(t): j for j, t in enumerate(an.pos_tok)}
    obs_count = Counter(t.text.lower() for t in an.tokens if t.kind == "word")
    gold_tok = set()
    for e in sr.edits:  # type: ignore[attr-defined]
        ti = tok_of.get(e.start)
        j = pos_of.get(ti) if ti is not None else None
        gold_tok.add(ti)
        if j is None:
            tally["(d) not a mutable position"] += 1
            continue
        lo, hi = int(an.cand_ptr[j]), int(an.cand_ptr[j + 1])
        words = [an.cand_words[r] for r in range(lo, hi)]
        orig = e.original.lower()
        fw = bool(an.X[lo, FUNCTION_WORD] > 0)
        k = obs_count[e.observed.lower()]
        kb = "1" if k == 1 else "2-3" if k <= 3 else "4+"
        if orig not in words:
            wl = det.engine.word_lists(e.observed.lower())
            tally["(d') pruned candidate" if wl and orig in wl[0]
                  else "(d) outside the ceiling"] += 1
            continue
        r = lo + words.index(orig)
        ch = int(dec.choice[j])
        best = lo + int(np.argmax(zf[lo:hi]))
        if ch == r:
            c = "restored"
        elif ch >= 0:
            c = "(b) wrong original"
        elif not adaptive:
            c = "(a) no adaptive pass"
        elif best != r:
            c = "(b') other candidate preferred"
        else:
            gap = th - zf[r]
            c = ("(c) above the cost, decoder said no" if gap < 0 else
                 "(c) <= 1 below the cost" if gap <= 1 else
                 "(c) 1-2 below the cost" if gap <= 2 else
                 "(c) 2-3 below the cost" if gap <= cfg.decode_margin else
                 "(a) never flagged")
        tally[c] += 1
        if c != "restored" and c != "(a) no adaptive pass":
            rank = int((zf[lo:hi] > zf[r]).sum()) + 1
            gap = th - zf[r]
            gb = ("above" if gap < 0 else "0-1" if gap <= 1 else "1-2" if gap <= 2
                  else "2-3" if gap <= 3 else "3-5" if gap <= 5 else ">5")
            tally[("grid", min(rank, 3), gb)] += 1
        detail[("function" if fw else "content", kb, c == "restored")] += 1
    # over-corrections: changes at words the spinner left alone, by their final logit
    for j in np.flatnonzero(dec.choice >= 0):
        if int(an.pos_tok[j]) in gold_tok:
            continue
        r = int(dec.choice[j])
        k = obs_count[an.tokens[int(an.pos_tok[j])].text.lower()]
        fw = bool(an.X[r, FUNCTION_WORD] > 0)
        tally["over"] += 1
        tally["over, function word" if fw else "over, content word"] += 1
        tally["over, type once" if k == 1 else "over, type 2+"] += 1
        tally["over, bias > 0.5" if bias is not None and bias.bias[r] > 0.5
              else "over, bias <= 0.5"] += 1
    tally["untouched"] += sr.words - len(sr.edits)  # type: ignore[attr-defined]
    tally["gold"] += len(sr.edits)  # type: ignore[attr-defined]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=40)
    ap.add_argument("--qs", default="0.5,0.8,1.0")
    ap.add_argument("--lm", default=None, help="a saved held-out LM (NgramLM.save)")
    ap.add_argument("--config", default="{}", help="CheckConfig overrides, a Python dict")
    args = ap.parse_args(argv)
    lm, arts = heldout_setup(args.articles, args.lm)
    det = Detector(CheckConfig(**eval(args.config)), lm=lm)  # noqa: S307 (a local tool)
    farms = [f.spinner() for f in farm_dictionaries(5, seed=99)]
    qs = [float(q) for q in args.qs.split(",")]
    tallies = {}
    details = {}
    for q in qs:
        t: Counter = Counter()
        d: Counter = Counter()
        for i, text in enumerate(arts):
            classify(det, farms[i % len(farms)].spin_consistent(text, q, 500 + i), t, d)
        tallies[q], details[q] = t, d
    print(f"{len(arts)} held-out quarter 2-3 articles, farm mode, config {args.config}\n")
    print("| class | " + " | ".join(f"q={q}" for q in qs) + " |")
    print("|---|" + "---|" * len(qs))
    for c in CLASSES:
        print(f"| {c} | " + " | ".join(
            f"{tallies[q][c] / max(tallies[q]['gold'], 1):.3f}" for q in qs) + " |")
    print("| substitutions | " + " | ".join(str(tallies[q]["gold"]) for q in qs) + " |")
    for c in ("over", "over, function word", "over, content word", "over, type once",
              "over, type 2+", "over, bias > 0.5", "over, bias <= 0.5"):
        print(f"| {c} (share of untouched) | " + " | ".join(
            f"{100 * tallies[q][c] / max(tallies[q]['untouched'], 1):.2f}%" for q in qs) + " |")
    print("\nmissed within the candidates (b, b', c, a), by the original's rank among its "
          "position's final logits and its logit's distance below the change cost "
          "(share of all substitutions; q = " + ", ".join(map(str, qs)) + "):")
    gbs = ("above", "0-1", "1-2", "2-3", "3-5", ">5")
    print("| original's rank | " + " | ".join(gbs) + " |")
    print("|---|" + "---|" * len(gbs))
    for rank in (1, 2, 3):
        print(f"| {rank if rank < 3 else '3+'} | " + " | ".join(
            " / ".join(f"{tallies[q][('grid', rank, gb)] / max(tallies[q]['gold'], 1):.3f}"
                       for q in qs) for gb in gbs) + " |")
    print("\nrestored share within the candidates, by observed word kind and type count:")
    print("| kind | occurrences | " + " | ".join(f"q={q} (n)" for q in qs) + " |")
    print("|---|---|" + "---|" * len(qs))
    for kind in ("function", "content"):
        for kb in ("1", "2-3", "4+"):
            cells = []
            for q in qs:
                ok, miss = details[q][(kind, kb, True)], details[q][(kind, kb, False)]
                cells.append(f"{ok / max(ok + miss, 1):.2f} ({ok + miss})")
            print(f"| {kind} | {kb} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
