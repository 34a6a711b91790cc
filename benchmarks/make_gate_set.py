"""Write the small fixed quality-gate set ``tests/data/gate/gate.jsonl`` (CI needs no shared data).

    python benchmarks/make_gate_set.py [--n 40]

The first ``n`` IndoSum fold-05 articles (never used for training; CC BY-SA 4.0) with 120-450
words, each clean and spun by the *evaluation* spinner (``evalspin.eval_spinner()``, not
urai's dictionary) at 10 % and 35 %. One JSON object per line::

    {"id", "kind": "clean"|"spun", "rate", "text",
     "edits": [{"start", "end", "observed", "original"}]}

``edits`` are the gold substitutions with offsets into ``text``.

``--farm`` writes the farm-mode part instead: ``tests/data/gate/farm.jsonl`` (the first
``--farm-n`` such fold-05 articles, article k spun by farm k % 5 of
``evalspin.farm_dictionaries(10)`` at q = 0.8 with ``Spinner.spin_consistent``; lines as above
plus ``"farm"``) and ``tests/data/gate/profiles/<farm>.json``, each farm's profile learned from
20 pairs of IndoSum *training* articles (folds 01-04) as ``bench_profiles.py`` learns them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from evalspin import eval_spinner, shared_data_dir  # noqa: E402

from urai.build.corpora import iter_indosum_articles  # noqa: E402

OUT = HERE.parent / "tests" / "data" / "gate" / "gate.jsonl"
RATES = (0.10, 0.35)
FARMS = 5
FARM_Q = 0.8
FARM_PAIRS = 20


def gate_articles(n: int) -> list[tuple[str, str]]:
    """The first ``n`` fold-05 articles with 120-450 words."""
    path = shared_data_dir() / "corpus" / "indosum-dev" / "dev.05.jsonl"
    out = []
    for aid, text in iter_indosum_articles(path):
        if 120 <= len(text.split()) <= 450:
            out.append((aid, text))
            if len(out) >= n:
                break
    return out


def write_farm(n: int, root: Path) -> None:
    from evalspin import farm_dictionaries

    from urai.build.common import training_articles
    from urai.corpus.profiling import learn_profile

    farms = farm_dictionaries(10)[:FARMS]
    spinners = [f.spinner() for f in farms]
    train = [t for _, t in training_articles(shared_data_dir())]
    (root / "profiles").mkdir(parents=True, exist_ok=True)
    for k, sp in enumerate(spinners):  # the same learning pairs as bench_profiles.py
        arts = train[k * 100: k * 100 + FARM_PAIRS]
        pairs = [(sp.spin_consistent(a, FARM_Q, 1000 * k + i).text, a)
                 for i, a in enumerate(arts)]
        learn_profile(pairs, name=farms[k].name).save(root / "profiles" / f"{farms[k].name}.json")
    with open(root / "farm.jsonl", "w", encoding="utf-8") as fh:
        for k, (aid, text) in enumerate(gate_articles(n)):
            s = spinners[k % FARMS].spin_consistent(text, FARM_Q, seed=300 + k)
            fh.write(json.dumps({
                "id": aid, "kind": "spun", "rate": FARM_Q, "farm": farms[k % FARMS].name,
                "text": s.text, "edits": [{"start": e.start, "end": e.end,
                                           "observed": e.observed, "original": e.original}
                                          for e in s.edits]}, ensure_ascii=False) + "\n")
    print(f"wrote {root / 'farm.jsonl'} and {FARMS} profiles in {root / 'profiles'}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="write the quality-gate set")
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--farm", action="store_true", help="write the farm-mode part instead")
    ap.add_argument("--farm-n", type=int, default=20)
    a = ap.parse_args(argv)
    if a.farm:
        write_farm(a.farm_n, a.out.parent)
        return 0
    spinner = eval_spinner()
    path = shared_data_dir() / "corpus" / "indosum-dev" / "dev.05.jsonl"
    rows = []
    k = 0
    for aid, text in iter_indosum_articles(path):
        n_words = len(text.split())
        if not 120 <= n_words <= 450:
            continue
        rows.append({"id": aid, "kind": "clean", "rate": 0.0, "text": text, "edits": []})
        for j, rate in enumerate(RATES):
            s = spinner.spin(text, rate, seed=100 * k + j)
            rows.append({
                "id": aid, "kind": "spun", "rate": rate, "text": s.text,
                "edits": [{"start": e.start, "end": e.end, "observed": e.observed,
                           "original": e.original} for e in s.edits],
            })
        k += 1
        if k >= a.n:
            break
    a.out.parent.mkdir(parents=True, exist_ok=True)
    with open(a.out, "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} documents to {a.out} ({a.out.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
