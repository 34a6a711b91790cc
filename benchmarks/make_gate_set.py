"""Write the small fixed quality-gate set ``tests/data/gate/gate.jsonl`` (CI needs no shared data).

    python benchmarks/make_gate_set.py [--n 40]

The first ``n`` IndoSum fold-05 articles (never used for training; CC BY-SA 4.0) with 120-450
words, each clean and spun by the *evaluation* spinner (``evalspin.eval_spinner()``, not
urai's dictionary) at 10 % and 35 %. One JSON object per line::

    {"id", "kind": "clean"|"spun", "rate", "text",
     "edits": [{"start", "end", "observed", "original"}]}

``edits`` are the gold substitutions with offsets into ``text``.
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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="write the quality-gate set")
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--out", type=Path, default=OUT)
    a = ap.parse_args(argv)
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
