"""Synthetic crawl with ground truth for ``bench_cluster.py`` (evaluation data only).

    python benchmarks/crawlgen.py --docs 20000 --out /tmp/crawl20k     # crawl.jsonl, truth.jsonl

Originals: IndoSum fold-05 articles, then Leipzig pseudo-articles (20 consecutive sentences),
then synthetic articles of ``benchmarks/distractors.py`` (built from the fold-05 pool), each
used once. About 12% of the documents are originals with copies (1-8 each, ~2.4 on average):

* ``spun``: the evaluation spinner (random mode), rate 10-50%;
* ``farm``: one of 10 evaluation farms (``evalspin.farm_dictionaries``: a fixed directed
  dictionary per farm, one substitute per word type in a document, each eligible occurrence
  changed with probability q = 10-50%), published on that farm's site;
* ``excerpt``: 40-60% of the paragraphs, spun 10-30%;
* ``stitched``: the first ~60% of this original and the last ~40% of another family's
  original, spun 20% (its truth family is that of the original it took more words from);
* ``verbatim``: the same text, spacing changed; ``headline``: a new headline line on top.

Documents that must stay alone: ``same_event`` (another outlet's report of an original's
event: its first sentence spun, the rest a synthetic article of the same beat with the
original's names put in), and ``unrelated`` (synthetic articles and Leipzig pseudo-articles).
Ids are random hex (their order says nothing). Half of the families are dated (original
first, copies 1-30 days later), half not; dates of singletons: half dated.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from distractors import DistractorGenerator, article_text, load_indosum  # noqa: E402
from evalspin import eval_spinner, farm_dictionaries, shared_data_dir  # noqa: E402

COPY_KINDS = (("spun", 30), ("farm", 25), ("excerpt", 10), ("stitched", 10),
              ("verbatim", 12), ("headline", 13))
_CAP = re.compile(r"\b[A-Z][a-z]{2,}\b")


def leipzig_articles(shared: Path, group: int = 20) -> list[str]:
    path = shared / "corpus" / "leipzig-news-2008-sample" / "ind_news_2008_sample25k.txt"
    sents = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            s = line.rstrip("\n").partition(" ")[2].strip()
            if s:
                sents.append(s)
    return [" ".join(sents[i:i + group]) for i in range(0, len(sents) - group + 1, group)]


def _id(seed: int, k: int) -> str:
    return hashlib.blake2b(f"{seed}:{k}".encode(), digest_size=6).hexdigest()


def _date(rng: random.Random, base: int | None, later: int = 0) -> str | None:
    if base is None:
        return None
    day = base + later
    return f"2017-{1 + (day // 28) % 12:02d}-{1 + day % 28:02d}T{rng.randrange(24):02d}:00:00Z"


def generate(n_docs: int, seed: int = 0) -> tuple[list[dict], list[dict]]:
    """``(records, truth)`` of a crawl of ``n_docs`` documents, shuffled."""
    shared = shared_data_dir()
    rng = random.Random(seed)
    arts = [a for a in load_indosum(shared) if a.fold == 5]
    gen = DistractorGenerator(arts, seed=seed + 7)
    sp = eval_spinner()
    farms = farm_dictionaries(10, seed=seed)
    farm_sp = [f.spinner() for f in farms]
    leip_all = leipzig_articles(shared)
    # originals may come from the first half, unrelated documents from the second
    real, leip = [article_text(a.paragraphs) for a in arts] + leip_all[:len(leip_all) // 2], \
        leip_all[len(leip_all) // 2:]
    rng.shuffle(real)
    n_fam = max(1, round(n_docs * 0.12))
    n_same = round(n_docs * 0.04)
    counter = {"k": 0, "d": 0}

    def new_id() -> str:
        counter["k"] += 1
        return _id(seed, counter["k"])

    def synthetic() -> str:
        counter["d"] += 1
        return gen.generate(counter["d"])[2]

    originals = [real[i] if i < len(real) else synthetic() for i in range(n_fam)]
    recs: list[dict] = []
    truth: list[dict] = []
    oid_of: dict[str, str] = {}

    def add(text: str, fam: str | None, kind: str, url: str, date: str | None) -> str:
        ident = new_id()
        recs.append({"id": ident, "text": text, "url": url, "date": date})
        truth.append({"id": ident, "family": fam or ident, "kind": kind})
        return ident

    for text in originals:
        oid_of.setdefault(text, new_id())
    sizes = [min(8, 1 + int(rng.expovariate(1 / 1.4))) for _ in range(n_fam)]
    for f, text in enumerate(originals):
        dated = rng.random() < 0.5
        base = rng.randrange(300) if dated else None
        oid = oid_of[text]
        recs.append({"id": oid, "text": text, "url": f"https://news{rng.randrange(30)}.id/a/{oid}",
                     "date": _date(rng, base)})
        truth.append({"id": oid, "family": oid, "kind": "original"})
        paras = [p for p in text.split("\n\n") if p.strip()]
        for _c in range(sizes[f]):
            kind = rng.choices([k for k, _ in COPY_KINDS], [w for _, w in COPY_KINDS])[0]
            s = rng.randrange(1 << 30)
            if kind == "spun":
                t = sp.spin(text, rng.uniform(0.1, 0.5), seed=s).text
                url = f"https://blog{rng.randrange(200)}.id/{s}"
            elif kind == "farm":
                k = rng.randrange(len(farms))
                t = farm_sp[k].spin_consistent(text, rng.uniform(0.1, 0.5), seed=s).text
                url = f"https://{farms[k].name}.id/{s}"
            elif kind == "excerpt":
                if len(paras) >= 3:
                    m = max(1, round(len(paras) * rng.uniform(0.4, 0.6)))
                    lo = rng.randrange(len(paras) - m + 1)
                    part = "\n\n".join(paras[lo:lo + m])
                else:  # one-paragraph texts (Leipzig): a run of sentences
                    words = text.split()
                    m = round(len(words) * rng.uniform(0.4, 0.6))
                    lo = rng.randrange(len(words) - m + 1)
                    part = " ".join(words[lo:lo + m])
                t = sp.spin(part, rng.uniform(0.1, 0.3), seed=s).text
                url = f"https://blog{rng.randrange(200)}.id/{s}"
            elif kind == "stitched":
                other = originals[(f + 1 + rng.randrange(n_fam - 1)) % n_fam] if n_fam > 1 \
                    else synthetic()
                w1, w2 = text.split(), other.split()
                p1, p2 = w1[:round(len(w1) * 0.6)], w2[round(len(w2) * 0.6):]
                t = sp.spin(" ".join(p1 + p2), 0.2, seed=s).text
                url = f"https://blog{rng.randrange(200)}.id/{s}"
                if len(p2) > len(p1) and other in oid_of:  # most of it is the other's
                    add(t, oid_of[other], kind, url, _date(rng, base, 1 + rng.randrange(30)))
                    continue
            elif kind == "verbatim":
                t = re.sub(r"\s+", "  ", text) if rng.random() < 0.5 else text
                url = f"https://mirror{rng.randrange(50)}.id/{s}"
            else:
                head = synthetic().split(".")[0][:120].strip()
                t = f"{head}.\n\n{text}"
                url = f"https://mirror{rng.randrange(50)}.id/{s}"
            add(t, oid, kind, url, _date(rng, base, 1 + rng.randrange(30)))
        if len(recs) >= n_docs:
            break
    # same-event reports of other outlets: must stay alone
    for i in range(n_same):
        if len(recs) >= n_docs:
            break
        text = originals[rng.randrange(len(originals))]
        first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
        names = _CAP.findall(text)[:6] or ["Jakarta"]
        body = synthetic()

        def put(m: re.Match[str], names: list[str] = names) -> str:
            return rng.choice(names) if rng.random() < 0.3 else m.group()

        body = _CAP.sub(put, body)
        t = sp.spin(first, 0.3, seed=i).text + " " + body
        add(t, None, "same_event", f"https://news{rng.randrange(30)}.id/b/{i}",
            _date(rng, rng.randrange(300) if rng.random() < 0.5 else None))
    li = 0
    while len(recs) < n_docs:
        if li < len(leip) and rng.random() < 0.05:
            t = leip[li]
            li += 1
        else:
            t = synthetic()
        add(t, None, "unrelated", f"https://site{rng.randrange(500)}.id/{len(recs)}",
            _date(rng, rng.randrange(300) if rng.random() < 0.5 else None))
    order = list(range(len(recs)))
    rng.shuffle(order)
    return [recs[i] for i in order][:n_docs], [truth[i] for i in order][:n_docs]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=20000)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    recs, truth = generate(a.docs, a.seed)
    a.out.mkdir(parents=True, exist_ok=True)
    with open(a.out / "crawl.jsonl", "w", encoding="utf-8") as fh:
        for r in recs:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    with open(a.out / "truth.jsonl", "w", encoding="utf-8") as fh:
        for t in truth:
            fh.write(json.dumps(t) + "\n")
    print(f"{len(recs)} documents -> {a.out}")


if __name__ == "__main__":
    main()
