"""Benchmark of ``urai trace`` (issue 4) against a datasketch MinHashLSH baseline.

    python benchmarks/bench_trace.py --docs 100000            # writes docs/benchmarks/trace.md
    python benchmarks/bench_trace.py --docs 1000000 --no-baseline --keep-db /tmp/u1m.db
    python benchmarks/bench_trace.py --docs 20000 --tune      # threshold study on folds 01-04

Corpus: IndoSum (all five dev folds, deduplicated by id) minus the held-out articles, plus
synthetic same-topic distractors (``benchmarks/distractors.py``) up to ``--docs``.
Held out (never indexed, never used to make distractors): 200 random fold-05 articles (the
*unrelated* evaluation queries) and 100 random fold 01-04 articles (unrelated queries of the
threshold study).

Queries (evaluation: indexed fold-05 articles; ``--tune``: indexed fold 01-04 articles), all
spun by the evaluation spinner of ``benchmarks/evalspin.py`` (a dictionary urai does not use):
``unspun`` copies, copies spun at 10/30/50%, ``half`` (first half of the paragraphs, spun
30%), ``stitched`` (first half of one article + second half of another, spun 30%; both
sources must be found) and ``unrelated`` held-out articles of the same categories (must not
match). Recall@1 counts a hit when the best match is the source or an indexed article with
the identical text (IndoSum repeats a few texts under two ids).

Baseline, in the same run: datasketch MinHashLSH, 128 permutations, raw lower-cased word
5-grams, thresholds 0.5 and 0.8; candidates ranked by estimated Jaccard.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import random
import sqlite3
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from distractors import Article, DistractorGenerator, article_text, load_indosum  # noqa: E402
from evalspin import eval_spinner, shared_data_dir  # noqa: E402
from machine import cpu_model  # noqa: E402

from urai.corpus.sources import Record  # noqa: E402
from urai.trace.fingerprint import fast_words  # noqa: E402
from urai.trace.index import Index, IndexConfig  # noqa: E402

BATCH = 5000


def machine() -> str:
    return (f"{cpu_model()}, {os.cpu_count()} cores (shared with other jobs), Python "
            f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
            f"{dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}")


def thash(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def split_sets(arts: list[Article], seed: int):
    rng = random.Random(seed)
    f5 = [a for a in arts if a.fold == 5]
    f14 = [a for a in arts if a.fold < 5]
    held_eval = set(a.id for a in rng.sample(f5, 200))
    held_tune = set(a.id for a in rng.sample(f14, 100))
    pool = [a for a in arts if a.id not in held_eval and a.id not in held_tune]
    return pool, [a for a in arts if a.id in held_eval], [a for a in arts if a.id in held_tune]


def corpus_batches(pool: list[Article], gen: DistractorGenerator, n_docs: int):
    """Batches of Records: the IndoSum pool, then distractors up to n_docs in total."""
    recs = [Record(a.id, article_text(a.paragraphs), title=a.id, url=a.url) for a in pool]
    for i in range(0, min(len(recs), n_docs), BATCH):
        yield recs[i: min(i + BATCH, n_docs)]
    n_dis = max(0, n_docs - len(recs))
    for start in range(0, n_dis, BATCH):
        yield [Record(ident, text) for ident, _, text in gen.iter(start, min(n_dis, start + BATCH))]


def make_queries(sources: list[Article], unrelated: list[Article], n: int, seed: int):
    sp = eval_spinner()
    rng = random.Random(seed + 7)
    src = rng.sample(sources, min(n, len(sources)))
    qs: list[tuple[str, str, tuple[str, ...]]] = []  # (type, text, expected ids)
    for k, a in enumerate(src):
        text = article_text(a.paragraphs)
        qs.append(("unspun", text, (a.id,)))
        for rate in (0.1, 0.3, 0.5):
            qs.append((f"spun{int(rate * 100)}", sp.spin(text, rate, seed + k).text, (a.id,)))
        paras = a.paragraphs
        half = article_text(paras[: max(1, len(paras) // 2)])
        qs.append(("half", sp.spin(half, 0.3, seed + k).text, (a.id,)))
        b = src[(k + 1) % len(src)]
        bp = b.paragraphs
        stitched = article_text(paras[: max(1, len(paras) // 2)]) + "\n\n" + \
            article_text(bp[len(bp) // 2:])
        qs.append(("stitched", sp.spin(stitched, 0.3, seed + k).text, (a.id, b.id)))
    for k, a in enumerate(unrelated[:n]):
        qs.append(("unrelated", sp.spin(article_text(a.paragraphs), 0.3, seed + k).text, ()))
    return qs


# -- urai ------------------------------------------------------------------------------------
def build_urai(db: Path, pool, gen, n_docs: int, reuse: bool) -> dict:
    if db.exists() and reuse:
        with Index(db, create=False) as idx:
            if len(idx) >= n_docs:
                meta = db.with_suffix(".ingest.json")
                if meta.exists():
                    return json.loads(meta.read_text())
    for suffix in ("", "-wal", "-shm"):
        p = Path(str(db) + suffix)
        if p.exists():
            p.unlink()
    t_add = cpu = 0.0
    n = 0
    with Index(db) as idx:
        for batch in corpus_batches(pool, gen, n_docs):
            t0, c0 = time.perf_counter(), time.process_time()
            idx.add(batch, batch_size=BATCH)
            t_add += time.perf_counter() - t0
            cpu += time.process_time() - c0
            n += len(batch)
            if n % 100_000 < BATCH:
                print(f"  urai: {n} docs, {n / t_add:.0f} docs/s", file=sys.stderr, flush=True)
        st = idx.stats()
    out = {"docs": st.docs, "seconds": t_add, "docs_per_s": n / t_add,
           "docs_per_cpu_s": n / cpu, "size_bytes": Path(db).stat().st_size,
           "fingerprints": st.fingerprints}
    db.with_suffix(".ingest.json").write_text(json.dumps(out))
    return out


def run_urai(db: Path, queries, dup_of: dict[str, str], threshold: float | None = None,
             config: IndexConfig | None = None, passages: bool = True):
    """One row per query: (type, expected ids, matched ids, coverages, ms, shared ids)."""
    rows = []
    with Index(db, create=False, readonly=True, config=config) as idx:
        for q in queries[:5]:  # warm-up (thesaurus caches, page cache)
            idx.trace(q[1], passages=passages)
        for qtype, text, expect in queries:
            t0 = time.perf_counter()
            res = idx.trace(text, threshold=threshold, passages=passages)
            dt_ms = (time.perf_counter() - t0) * 1000
            rows.append((qtype, expect, [m.id for m in res.matches],
                         [m.coverage for m in res.matches], dt_ms, [x.id for x in res.shared]))
    return rows


def same(a: str, b: str, dup_of: dict[str, str]) -> bool:
    return a == b or (a in dup_of and dup_of.get(a) == dup_of.get(b))


def summarise(rows, dup_of) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    types = sorted({r[0] for r in rows}, key=lambda t: (
        ["unspun", "spun10", "spun30", "spun50", "half", "stitched", "unrelated"].index(t)))
    returned = correct = 0
    for t in types:
        rs = [r for r in rows if r[0] == t]
        if t == "unrelated":
            out[t] = {"n": len(rs), "false_match_rate": sum(bool(r[2]) for r in rs) / len(rs),
                      "shared_rate": sum(bool(r[5:] and r[5]) for r in rs) / len(rs)}
            returned += sum(len(r[2]) for r in rs)
            continue
        if t == "stitched":
            hit = sum(all(any(same(m, e, dup_of) for m in r[2]) for e in r[1]) for r in rs)
            out[t] = {"n": len(rs), "both_found": hit / len(rs),
                      "recall@1": sum(bool(r[2]) and any(same(r[2][0], e, dup_of)
                                                         for e in r[1]) for r in rs) / len(rs)}
        else:
            out[t] = {"n": len(rs), "recall@1": sum(
                bool(r[2]) and same(r[2][0], r[1][0], dup_of) for r in rs) / len(rs)}
        for r in rs:
            returned += len(r[2])
            correct += sum(any(same(m, e, dup_of) for e in r[1]) for m in r[2])
    out["_all"] = {"precision": correct / returned if returned else 1.0,
                   "p50_ms": float(np.percentile([r[4] for r in rows], 50)),
                   "p95_ms": float(np.percentile([r[4] for r in rows], 95))}
    return out


# -- datasketch baseline -----------------------------------------------------------------------
def shingles5(text: str) -> list[bytes]:
    w = fast_words(text)
    return [" ".join(w[i: i + 5]).encode() for i in range(max(0, len(w) - 4))] or \
        [" ".join(w).encode()]


def run_baseline(pool, gen, n_docs: int, queries, dup_of):
    from datasketch import MinHash, MinHashLSH

    lshs = {th: MinHashLSH(threshold=th, num_perm=128) for th in (0.5, 0.8)}
    sigs: dict[str, MinHash] = {}
    t_hash = 0.0
    t_ins = dict.fromkeys(lshs, 0.0)
    n = 0
    for batch in corpus_batches(pool, gen, n_docs):
        for rec in batch:
            t0 = time.perf_counter()
            m = MinHash(num_perm=128)
            m.update_batch(shingles5(rec.text))
            t_hash += time.perf_counter() - t0
            for th, lsh in lshs.items():
                t0 = time.perf_counter()
                lsh.insert(rec.id, m, check_duplication=False)
                t_ins[th] += time.perf_counter() - t0
            sigs[rec.id] = m
            n += 1
    result = {}
    for th, lsh in lshs.items():
        rows = []
        for qtype, text, expect in queries:
            t0 = time.perf_counter()
            m = MinHash(num_perm=128)
            m.update_batch(shingles5(text))
            cands = sorted(lsh.query(m), key=lambda c: -m.jaccard(sigs[c]))
            rows.append((qtype, expect, cands[:5], [], (time.perf_counter() - t0) * 1000))
        s = summarise(rows, dup_of)
        s["_all"]["docs_per_s"] = n / (t_hash + t_ins[th])
        result[th] = s
    return result


# -- report ------------------------------------------------------------------------------------
QTYPES = ["unspun", "spun10", "spun30", "spun50", "half", "stitched"]


def table(results: dict, out: Path, args) -> str:
    lines = []
    head = "| metric | " + " | ".join(results) + " |"
    lines += [head, "|" + "---|" * (len(results) + 1)]

    def row(name, fn):
        cells = []
        for r in results.values():
            try:
                v = fn(r)
            except KeyError:
                v = None
            cells.append("n/a" if v is None else v)
        lines.append(f"| {name} | " + " | ".join(cells) + " |")

    for t in QTYPES:
        key = "both_found" if t == "stitched" else "recall@1"
        label = "stitched: both sources found" if t == "stitched" else f"recall@1 {t}"
        row(label, lambda r, t=t, key=key: f"{r['q'][t][key]:.3f}")
    row("false-match rate, unrelated same-topic",
        lambda r: f"{r['q']['unrelated']['false_match_rate']:.3f}")
    row("unrelated with shared text only (TraceResult.shared)",
        lambda r: f"{r['q']['unrelated']['shared_rate']:.3f}" if r.get("sh") else None)
    row("precision of returned matches", lambda r: f"{r['q']['_all']['precision']:.3f}")
    row("ingest docs/s (1 process = 1 core)", lambda r: f"{r['ingest']:.0f}")
    row("query latency p50 / p95 (ms)",
        lambda r: f"{r['q']['_all']['p50_ms']:.1f} / {r['q']['_all']['p95_ms']:.1f}")
    row("index size on disk", lambda r: (f"{r['size'] / 1e6:.0f} MB" if r.get("size")
                                         else None))
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=200, help="source articles per query type")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--keep-db", type=Path, default=None,
                    help="index path to keep (and reuse on a re-run: resumable)")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--no-whole", action="store_true",
                    help="no whole-document (passages=False) run beside the default trace")
    ap.add_argument("--baseline-max-docs", type=int, default=100_000)
    ap.add_argument("--tune", action="store_true",
                    help="threshold study: queries from folds 01-04, coverage distributions")
    ap.add_argument("--min-block", type=int, default=None, help="override IndexConfig.min_block")
    ap.add_argument("--out", type=Path, default=None, help="append results to this markdown")
    args = ap.parse_args()

    shared = shared_data_dir()
    arts = load_indosum(shared)
    pool, held_eval, held_tune = split_sets(arts, args.seed)
    dup: dict[str, str] = {}
    for a in pool:
        dup[a.id] = thash(article_text(a.paragraphs))
    gen = DistractorGenerator(pool, seed=args.seed)
    db = args.keep_db or Path(f"/tmp/urai-bench-{args.docs}.db")
    print(f"machine: {machine()}", file=sys.stderr)
    print(f"indexing {args.docs} docs ({len(pool)} IndoSum + distractors) into {db}",
          file=sys.stderr)
    ing = build_urai(db, pool, gen, args.docs, reuse=args.keep_db is not None)
    print(f"  urai ingest {ing['docs_per_s']:.0f} docs/s, {ing['size_bytes'] / 1e6:.0f} MB",
          file=sys.stderr)
    if args.tune:
        srcs = [a for a in pool if a.fold < 5]
        queries = make_queries(srcs, held_tune, args.queries, args.seed + 1)
        cfg = IndexConfig(min_block=args.min_block) if args.min_block else None
        rows = run_urai(db, queries, dup, threshold=0.0, config=cfg)
        for t in QTYPES + ["unrelated"]:
            covs = []
            for r in rows:
                if r[0] != t:
                    continue
                if t == "unrelated":
                    covs.append(r[3][0] if r[3] else 0.0)
                    continue
                for e in r[1]:  # coverage of each expected source (0 when not found)
                    covs.append(next((c for m, c in zip(r[2], r[3], strict=True)
                                      if same(m, e, dup)), 0.0))
            q = np.percentile(covs, [0, 1, 5, 50, 95, 100]) if covs else []
            print(f"{t:10s} best-match coverage min/p1/p5/p50/p95/max: "
                  + " ".join(f"{x:.3f}" for x in q))
        return
    srcs = [a for a in pool if a.fold == 5]
    queries = make_queries(srcs, held_eval, args.queries, args.seed)
    print(f"{len(queries)} queries", file=sys.stderr)
    rows = run_urai(db, queries, dup)
    results = {f"urai ({args.docs:,} docs)": {"q": summarise(rows, dup),
                                             "ingest": ing["docs_per_s"],
                                             "size": ing["size_bytes"], "sh": True}}
    if not args.no_whole:  # the whole-document trace (--whole-document) in the same run
        wrows = run_urai(db, queries, dup, passages=False)
        results[f"urai --whole-document ({args.docs:,} docs)"] = {
            "q": summarise(wrows, dup), "ingest": ing["docs_per_s"],
            "size": ing["size_bytes"], "wd": True}
    if not args.no_baseline:
        bdocs = min(args.docs, args.baseline_max_docs)
        print(f"datasketch baseline at {bdocs} docs", file=sys.stderr)
        base = run_baseline(pool, gen, bdocs, queries, dup)
        for th, s in base.items():
            results[f"MinHashLSH t={th} ({bdocs:,} docs)"] = {
                "q": s, "ingest": s["_all"]["docs_per_s"], "size": None}
    md = table(results, Path("."), args)
    print(md)
    if args.out:
        with open(args.out, "a", encoding="utf-8") as fh:
            fh.write(f"\n### {args.docs:,} documents\n\n{machine()}; {len(queries)} queries "
                     f"({args.queries} per type).\n\n{md}\n")
    print(json.dumps({k: v for k, v in results.items()}, default=float), file=sys.stderr)


if __name__ == "__main__":
    main()
