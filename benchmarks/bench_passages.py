"""Passage-level trace benchmark (issue 12): PAN-style reuse cases against urai, a BM25
baseline and today's whole-document trace, in one run.

    python benchmarks/bench_passages.py --docs 100000 --out docs/benchmarks/passages.md
    python benchmarks/bench_passages.py --docs 20000 --tune   # thresholds, folds 01-04 only

Index: IndoSum (minus held-out articles, as in ``bench_trace.py``), the Wordnet Bahasa
glossary documents of ``pancorpus.py`` and same-topic distractors up to ``--docs``.
Evaluation cases come from indexed fold-05 articles and odd-numbered glossary documents,
with Leipzig sentences as clean text; ``--tune`` uses fold 01-04 articles, even-numbered
glossary documents and held-out fold 01-04 articles as clean text.

Query sets:

* ``paragraph``: one obfuscated passage alone (every obfuscation x length bucket x genre);
  recall@1 = the best match is the passage's source (or an indexed copy of its text);
* ``documents``: clean text of 300-1,500 words with 1-3 passages of different sources
  (random obfuscation, bucket and genre) inserted between sentences; PAN's precision,
  recall, granularity and plagdet over the returned passages (characters on both sides),
  the located characters of the query (right source, right place), and whether every source
  was returned (``--top 10``);
* ``free``: clean text only (must match nothing);
* ``long``: ~2,000-word documents with two passages (latency).

Baselines in the same run: ``bm25s`` (BM25 over lower-cased words of every indexed
document; the top document is its answer) and today's trace (``Index.trace(passages=False)``:
immutable shingles, whole-text coverage, no passages).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_trace import corpus_batches, machine, split_sets, thash  # noqa: E402
from distractors import DistractorGenerator, load_indosum  # noqa: E402
from evalspin import shared_data_dir  # noqa: E402
from pancorpus import (  # noqa: E402
    BUCKETS,
    OBFUSCATIONS,
    Case,
    PanBuilder,
    Query,
    Source,
    boilerplate,
    glossary_sources,
    leipzig_sentences,
    news_sources,
    sentences_of,
)

from urai.corpus.sources import Record  # noqa: E402
from urai.trace.fingerprint import fast_words  # noqa: E402
from urai.trace.index import Index, IndexConfig  # noqa: E402

BATCH = 5000


# -- corpus ------------------------------------------------------------------------------------
def all_batches(gloss: list[Source], pool, gen, n_docs: int):
    recs = [Record(g.id, g.text, title=g.id) for g in gloss]
    yield recs
    yield from corpus_batches(pool, gen, n_docs - len(recs))


def build(db: Path, gloss, pool, gen, n_docs: int, reuse: bool) -> dict:
    meta = db.with_suffix(".ingest.json")
    if reuse and db.exists() and meta.exists():
        return json.loads(meta.read_text())
    for suffix in ("", "-wal", "-shm"):
        p = Path(str(db) + suffix)
        if p.exists():
            p.unlink()
    t_add = cpu = 0.0
    n = 0
    with Index(db) as idx:
        for batch in all_batches(gloss, pool, gen, n_docs):
            t0, c0 = time.perf_counter(), time.process_time()
            idx.add(batch, batch_size=BATCH)
            t_add += time.perf_counter() - t0
            cpu += time.process_time() - c0
            n += len(batch)
            if n % 100_000 < len(batch):
                print(f"  urai: {n} docs, {n / t_add:.0f} docs/s", file=sys.stderr, flush=True)
        idx._store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        st = idx.stats()
    out = {"docs": st.docs, "seconds": t_add, "docs_per_s": n / t_add,
           "docs_per_cpu_s": n / cpu, "size_bytes": st.size_bytes, "postings": st.fingerprints}
    meta.write_text(json.dumps(out))
    return out


def make_queries(b: PanBuilder, news: list[Source], gloss: list[Source], filler: list[str],
                 per_cell: int, n_docs: int, n_free: int, n_long: int, seed: int):
    rng = random.Random(seed)
    para: list[Query] = []
    k = 0
    for srcs, n in ((news, per_cell), (gloss, max(1, per_cell // 2))):
        for kind in OBFUSCATIONS:
            for bucket in BUCKETS:
                got = 0
                while got < n:
                    k += 1
                    made = b.case(rng.choice(srcs), kind, bucket, seed * 100_000 + k)
                    if made is None:
                        continue
                    text, case = made
                    para.append(Query(f"p{k}", text, (case,)))
                    got += 1

    def inserts(m: int):
        nonlocal k
        out = []
        used: set[str] = set()
        while len(out) < m:
            k += 1
            srcs = news if rng.random() < 0.75 else gloss
            src = rng.choice(srcs)
            if src.id in used:
                continue
            made = b.case(src, rng.choice(OBFUSCATIONS), rng.choice(BUCKETS),
                          seed * 100_000 + k)
            if made is not None:
                used.add(src.id)
                out.append(made)
        return out

    docs = [b.document(f"d{i}", filler, rng.randint(300, 1500), inserts(rng.randint(1, 3)),
                       rng) for i in range(n_docs)]
    free = [b.document(f"f{i}", filler, rng.randint(300, 1500), [], rng)
            for i in range(n_free)]
    long = [b.document(f"l{i}", filler, 1800, inserts(2), rng) for i in range(n_long)]
    return para, docs, free, long


# -- PAN measures -------------------------------------------------------------------------------
def _ov(a0: int, a1: int, b0: int, b1: int) -> tuple[int, int] | None:
    lo, hi = max(a0, b0), min(a1, b1)
    return (lo, hi) if hi > lo else None


def _union_len(spans: list[tuple[int, int]]) -> int:
    total, end = 0, -1
    for a, c in sorted(spans):
        if c <= end:
            continue
        total += c - max(a, end)
        end = c
    return total


def _overlap_chars(pairs) -> tuple[int, int]:
    """``(characters, overlapping pairs)``: the union over ``pairs`` of (case, detection)
    of their overlap in the query plus in the source (a pair counts where both overlap)."""
    qs, ss = [], []
    for c, (q0, q1, s0, s1) in pairs:
        a = _ov(c.q_start, c.q_end, q0, q1)
        b = _ov(c.src_start, c.src_end, s0, s1)
        if a and b:
            qs.append(a)
            ss.append(b)
    return _union_len(qs) + _union_len(ss), len(qs)


def pan_measures(cases: list[tuple[str, Case]], dets: list[tuple[str, str, int, int, int, int]],
                 same) -> dict[str, float]:
    """PAN text alignment (Potthast et al. 2010): char-level precision/recall over both
    documents of a pair, granularity and plagdet. ``cases``: (query id, Case); ``dets``:
    (query id, source id, q0, q1, s0, s1)."""
    by_q: dict[str, list[tuple[str, tuple[int, int, int, int]]]] = defaultdict(list)
    for qid, sid, *span in dets:
        by_q[qid].append((sid, tuple(span)))
    cases_by_q: dict[str, list[Case]] = defaultdict(list)
    for qid, c in cases:
        cases_by_q[qid].append(c)
    rec_sum = 0.0
    gran: list[int] = []
    for qid, c in cases:
        chars, n = _overlap_chars((c, span) for sid, span in by_q.get(qid, ())
                                  if same(sid, c.source_id))
        rec_sum += chars / ((c.q_end - c.q_start) + (c.src_end - c.src_start))
        if n:
            gran.append(n)
    prec_sum = 0.0
    for qid, sid, q0, q1, s0, s1 in dets:
        chars, _ = _overlap_chars((c, (q0, q1, s0, s1)) for c in cases_by_q.get(qid, ())
                                  if same(sid, c.source_id))
        prec_sum += chars / ((q1 - q0) + (s1 - s0))
    rec = rec_sum / len(cases) if cases else 0.0
    prec = prec_sum / len(dets) if dets else 0.0
    g = float(np.mean(gran)) if gran else 1.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"precision": prec, "recall": rec, "granularity": g,
            "plagdet": f1 / np.log2(1 + g)}


def located_chars(queries: list[Query], answers: dict[str, list], same) -> tuple[float, float]:
    """Query characters: recall = case characters inside a returned passage of the case's
    source; precision = returned passage characters inside a case of that source."""
    hit = total = det_ok = det_total = 0
    for q in queries:
        ps = [(m_id, p) for m_id, passages in answers[q.id] for p in passages]
        for c in q.cases:
            total += c.q_end - c.q_start
            hit += _union_len([o for m_id, p in ps if same(m_id, c.source_id)
                               for o in [_ov(c.q_start, c.q_end, p.query_start, p.query_end)]
                               if o])
        for m_id, p in ps:
            det_total += p.query_end - p.query_start
            det_ok += _union_len([o for c in q.cases if same(m_id, c.source_id)
                                  for o in [_ov(c.q_start, c.q_end, p.query_start, p.query_end)]
                                  if o])
    return (hit / total if total else 0.0), (det_ok / det_total if det_total else 1.0)


# -- runs --------------------------------------------------------------------------------------
#: query id -> ids of the documents it only shares short text with (TraceResult.shared)
SHARED: dict[str, list[str]] = {}


def run_urai(idx: Index, queries: list[Query], passages: bool, top: int,
             keep_shared: bool = True):
    out = {}
    times = []
    for q in queries[:3]:
        idx.trace(q.text, top=top, passages=passages)
    for q in queries:
        t0 = time.perf_counter()
        res = idx.trace(q.text, top=top, passages=passages)
        times.append((time.perf_counter() - t0) * 1000)
        out[q.id] = [(m.id, m.passages) for m in res.matches]
        if passages and keep_shared:
            SHARED[q.id] = [x.id for x in res.shared]
    return out, times


def run_bm25(gloss, pool, gen, n_docs: int, queries: list[Query]):
    import bm25s

    ids: list[str] = []
    corpus: list[list[str]] = []
    for batch in all_batches(gloss, pool, gen, n_docs):
        for r in batch:
            ids.append(r.id)
            corpus.append(fast_words(r.text))
    t0 = time.perf_counter()
    model = bm25s.BM25()
    model.index(corpus, show_progress=False)
    t_index = time.perf_counter() - t0
    del corpus
    out = {}
    times = []
    for q in queries:
        t0 = time.perf_counter()
        toks = fast_words(q.text)
        res, _ = model.retrieve([toks], k=1, show_progress=False, n_threads=1)
        times.append((time.perf_counter() - t0) * 1000)
        out[q.id] = [(ids[int(res[0][0])], ())]
    return out, times, t_index


def recall_table(queries: list[Query], answers: dict[str, list], same) -> dict[str, float]:
    cells: dict[str, list[bool]] = defaultdict(list)
    for q in queries:
        c = q.cases[0]
        got = answers[q.id]
        ok = bool(got) and same(got[0][0], c.source_id)
        for key in (f"obf:{c.obfuscation}", f"len:{c.bucket}", f"genre:{c.genre}",
                    f"cell:{c.genre}:{c.obfuscation}", f"ob:{c.obfuscation}:{c.bucket}", "all"):
            cells[key].append(ok)
    return {k: float(np.mean(v)) for k, v in cells.items()}


def pct(xs: list[float], p: float) -> float:
    return float(np.percentile(xs, p)) if xs else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--per-cell", type=int, default=20,
                    help="news paragraph queries per obfuscation x bucket (glossary: half)")
    ap.add_argument("--documents", type=int, default=150)
    ap.add_argument("--free", type=int, default=100)
    ap.add_argument("--long", type=int, default=30)
    ap.add_argument("--top", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--keep-db", type=Path, default=None)
    ap.add_argument("--no-baseline", action="store_true", help="no BM25 baseline")
    ap.add_argument("--no-today", action="store_true", help="no whole-document trace run")
    ap.add_argument("--tune", action="store_true")
    ap.add_argument("--rerank-ab", action="store_true",
                    help="also run urai with rerank=0 (no lexical re-ranking) in the same run")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--write-gate", type=Path, default=None,
                    help="write the CI gate set (tests/trace/data/gate.jsonl.gz) and stop")
    args = ap.parse_args()
    if args.write_gate:
        write_gate(args.write_gate, args.seed)
        return

    shared = shared_data_dir()
    arts = load_indosum(shared)
    pool, held_eval, held_tune = split_sets(arts, args.seed)
    gloss = glossary_sources(shared)
    gen = DistractorGenerator(pool, seed=args.seed)
    text_hash = {a.id: thash(t.text) for a, t in zip(pool, news_sources(pool), strict=True)}
    text_hash.update({g.id: thash(g.text) for g in gloss})

    def same(a: str, b: str) -> bool:
        return a == b or (a in text_hash and text_hash.get(a) == text_hash.get(b))

    db = args.keep_db or Path(f"/tmp/urai-passages-{args.docs}.db")
    print(f"machine: {machine()}", file=sys.stderr)
    ing = build(db, gloss, pool, gen, args.docs, reuse=args.keep_db is not None)
    print(f"  ingest {ing['docs_per_s']:.0f} docs/s, {ing['size_bytes'] / ing['docs']:.0f} "
          "bytes/doc", file=sys.stderr)
    avoid = boilerplate(news_sources(arts))
    b = PanBuilder(shared, seed=args.seed, avoid=avoid)
    if args.tune:
        news = news_sources([a for a in pool if a.fold < 5])
        gl = gloss[0::2]
        filler = [s for a in news_sources(held_tune) for s in
                  (a.text[x:y] for x, y in sentences_of(a.text))
                  if len(s.split()) >= 6 and s not in avoid]
    else:
        news = news_sources([a for a in pool if a.fold == 5])
        gl = gloss[1::2]
        filler = leipzig_sentences(shared)
    para, docs, free, long = make_queries(b, news, gl, filler, args.per_cell, args.documents,
                                          args.free, args.long, args.seed + (7 if args.tune
                                                                             else 0))
    print(f"{len(para)} paragraph queries, {len(docs)} documents, {len(free)} free, "
          f"{len(long)} long", file=sys.stderr)
    if args.tune:
        tune(db, para, docs, free, same)
        return
    res: dict[str, dict] = {}
    with Index(db, create=False, readonly=True) as idx:
        # the vocabulary of the queries is looked up once before timing (a word urai has
        # not seen costs ~0.5 ms of thesaurus/morphology work once per process, in both
        # modes; a long-running service knows most words)
        t0 = time.perf_counter()
        for q in para + docs + free + long:
            idx._fp.channels(q.text, query=True)
        print(f"  vocabulary warm-up {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        for name, flag in (("urai", True), ("today", False))[:1 if args.no_today else 2]:
            pa, pt = run_urai(idx, para, flag, args.top)
            da, dtm = run_urai(idx, docs, flag, args.top)
            fa, _ = run_urai(idx, free, flag, args.top)
            la, lt = run_urai(idx, long, flag, args.top)
            res[name] = {"para": pa, "pt": pt, "docs": da, "dt": dtm, "free": fa, "lt": lt}
            print(f"  {name} done", file=sys.stderr)
    if args.rerank_ab:  # after urai's run: the page cache favours this one, if any
        with Index(db, create=False, readonly=True, config=IndexConfig(rerank=0)) as idx:
            runs = {k: run_urai(idx, qs, True, args.top, keep_shared=False)
                    for k, qs in (("para", para), ("docs", docs), ("free", free), ("long", long))}
        res["rerank0"] = {"para": runs["para"][0], "pt": runs["para"][1],
                          "docs": runs["docs"][0], "dt": runs["docs"][1],
                          "free": runs["free"][0], "lt": runs["long"][1]}
        print("  rerank=0 done", file=sys.stderr)
    if not args.no_baseline:
        pa, pt, t_idx = run_bm25(gloss, pool, gen, args.docs, para)
        res["bm25"] = {"para": pa, "pt": pt, "t_index": t_idx}
    report(res, para, docs, free, long, ing, args, same)


def write_gate(path: Path, seed: int) -> None:
    """A small fixed set for ``tests/test_quality_gate_trace.py``: 240 indexed sources
    (fold-05 articles and odd glossary documents; the same sources as the evaluation),
    paragraph queries (every obfuscation, 25-50 and 50-100 words, 3 news + 1 glossary
    each), 12 documents with 1-3 passages and 12 plagiarism-free documents. The clean text
    is held-out fold 01-04 articles (the Leipzig sample may not be shipped)."""
    import gzip

    shared = shared_data_dir()
    arts = load_indosum(shared)
    pool, _, held_tune = split_sets(arts, seed)
    rng = random.Random(seed + 12)
    news = rng.sample(news_sources([a for a in pool if a.fold == 5]), 200)
    gl = glossary_sources(shared)[1::2][:40]
    avoid = boilerplate(news_sources(arts))
    filler = [s for a in news_sources(held_tune) for s in
              (a.text[x:y] for x, y in sentences_of(a.text))
              if len(s.split()) >= 6 and s not in avoid]
    b = PanBuilder(shared, seed=seed, avoid=avoid)
    para: list[Query] = []
    k = 0
    for srcs, n in ((news, 3), (gl, 1)):
        for kind in OBFUSCATIONS:
            for bucket in BUCKETS[:2]:
                got = 0
                while got < n:
                    k += 1
                    made = b.case(rng.choice(srcs), kind, bucket, 4242 + k)
                    if made is not None:
                        para.append(Query(f"p{k}", made[0], (made[1],)))
                        got += 1
    docs = []
    for i in range(12):
        ins = []
        for src in rng.sample(news[:150] + gl, rng.randint(1, 3)):
            made = None
            while made is None:
                k += 1
                made = b.case(src, rng.choice(OBFUSCATIONS), rng.choice(BUCKETS[:2]),
                              4242 + k)
            ins.append(made)
        docs.append(b.document(f"d{i}", filler, rng.randint(300, 800), ins, rng))
    free = [b.document(f"f{i}", filler, rng.randint(300, 800), [], rng) for i in range(12)]
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for src in news + gl:
            fh.write(json.dumps({"type": "source", "id": src.id, "text": src.text},
                                ensure_ascii=False) + "\n")
        for group, qs in (("paragraph", para), ("document", docs), ("free", free)):
            for q in qs:
                fh.write(json.dumps({"type": group, "id": q.id, "text": q.text, "cases": [
                    {"source_id": c.source_id, "genre": c.genre, "obfuscation": c.obfuscation,
                     "bucket": c.bucket, "q_start": c.q_start, "q_end": c.q_end,
                     "src_start": c.src_start, "src_end": c.src_end} for c in q.cases]},
                    ensure_ascii=False) + "\n")
    print(f"{path}: {len(news) + len(gl)} sources, {len(para)} paragraphs, {len(docs)} "
          f"documents, {len(free)} free", file=sys.stderr)


def tune(db: Path, para, docs, free, same) -> None:
    """Detection vs. false matches over a grid of (passage_words, passage_similarity, the
    extra similarity of a bag-only ``paraphrased`` passage)."""
    from urai.trace import scoring

    default = scoring.PARAPHRASE_MARGIN
    for pw, ps, margin in ((20, 0.6, 0.1), (20, 0.6, 0.15), (20, 0.6, 0.2), (25, 0.6, 0.15),
                           (30, 0.6, 0.15)):
        scoring.PARAPHRASE_MARGIN = margin
        try:
            cfg = IndexConfig(passage_words=pw, passage_similarity=ps)
            with Index(db, create=False, readonly=True, config=cfg) as idx:
                pa, _ = run_urai(idx, para, True, 10)
                fa, _ = run_urai(idx, free, True, 10)
                da, _ = run_urai(idx, docs, True, 10)
        finally:
            scoring.PARAPHRASE_MARGIN = default
        r = recall_table(para, pa, same)
        n_false = sum(bool(v) for v in fa.values())
        lr, lp = located_chars(docs, da, same)
        found = [[any(same(m, c.source_id) for m, _ in da[q.id]) for c in q.cases] for q in docs]
        every = float(np.mean([all(f) for f in found]))
        print(f"passage_words {pw:3d} sim {ps:.2f} margin {margin:.2f}: recall@1 {r['all']:.3f} "
              + " ".join(f"{k[4:]}={v:.2f}" for k, v in r.items() if k.startswith(("obf:", "len:")))
              + f" | free docs matched {n_false}/{len(free)} | docs located R {lr:.3f} "
              f"P {lp:.3f}, every source returned {every:.3f}", flush=True)


def report(res, para, docs, free, long, ing, args, same) -> None:
    lines = []
    names = [n for n in ("urai", "rerank0", "today", "bm25") if n in res]
    label = {"urai": "urai (passages)", "rerank0": "urai, rerank=0",
             "today": "today's trace (whole-document)",
             "bm25": "BM25 (bm25s, words)"}
    rt = {n: recall_table(para, res[n]["para"], same) for n in names}
    lines.append("| paragraph queries: recall@1 | n | " + " | ".join(label[n] for n in names)
                 + " |")
    lines.append("|---|---|" + "---|" * len(names))
    counts = defaultdict(int)
    for q in para:
        c = q.cases[0]
        for key in (f"obf:{c.obfuscation}", f"len:{c.bucket}", f"genre:{c.genre}", "all"):
            counts[key] += 1
    keys = ([f"obf:{o}" for o in OBFUSCATIONS] + [f"len:{a}-{b}" for a, b in BUCKETS]
            + ["genre:news", "genre:glossary", "all"])
    for key in keys:
        lines.append(f"| {key.split(':', 1)[-1]} | {counts[key]} | "
                     + " | ".join(f"{rt[n].get(key, float('nan')):.3f}" for n in names) + " |")
    lines.append("")
    lines.append("| glossary genre, recall@1 by obfuscation | " + " | ".join(
        label[n] for n in names) + " |")
    lines.append("|---|" + "---|" * len(names))
    for o in OBFUSCATIONS:
        lines.append(f"| {o} | " + " | ".join(
            f"{rt[n].get(f'cell:glossary:{o}', float('nan')):.3f}" for n in names) + " |")
    lines.append("")
    lines.append("| urai recall@1 by obfuscation and length (both genres) | " + " | ".join(
        f"{lo}-{hi} words" for lo, hi in BUCKETS) + " |")
    lines.append("|---|" + "---|" * len(BUCKETS))
    for o in OBFUSCATIONS:
        lines.append(f"| {o} | " + " | ".join(
            f"{rt['urai'].get(f'ob:{o}:{lo}-{hi}', float('nan')):.3f}" for lo, hi in BUCKETS)
            + " |")
    lines.append("")
    cases = [(q.id, c) for q in docs for c in q.cases]
    traced = [n for n in ("urai", "rerank0", "today") if n in res]
    lines.append("| documents with 1-3 passages | " + " | ".join(label[n] for n in traced)
                 + " |")
    lines.append("|---|" + "---|" * len(traced))
    rows: dict[str, list[str]] = defaultdict(list)
    for n in traced:
        da = res[n]["docs"]
        dets = [(qid, m_id, p.query_start, p.query_end, p.source_start, p.source_end)
                for qid, ms in da.items() for m_id, ps in ms for p in ps]
        pm = pan_measures(cases, dets, same)
        lr, lp = located_chars(docs, da, same)
        every = np.mean([all(any(same(m, c.source_id) for m, _ in da[q.id]) for c in q.cases)
                         for q in docs])
        found = np.mean([any(same(m, c.source_id) for m, _ in da[q.id])
                         for q in docs for c in q.cases])
        wrong = sum(sum(not any(same(m, c.source_id) for c in q.cases) for m, _ in da[q.id])
                    for q in docs)
        n_ret = sum(len(da[q.id]) for q in docs)
        rows["PAN plagdet"].append(f"{pm['plagdet']:.3f}")
        rows["PAN precision / recall"].append(f"{pm['precision']:.3f} / {pm['recall']:.3f}")
        rows["PAN granularity"].append(f"{pm['granularity']:.3f}")
        rows["located query chars: recall / precision"].append(f"{lr:.3f} / {lp:.3f}")
        rows["sources found (of all passages)"].append(f"{found:.3f}")
        rows["documents with every source returned"].append(f"{every:.3f}")
        rows["returned matches that are no source"].append(f"{wrong} of {n_ret}")
        fa = res[n]["free"]
        rows["plagiarism-free documents matched"].append(
            f"{sum(bool(v) for v in fa.values())} of {len(free)}")
        rows["plagiarism-free documents with shared text only (`shared`)"].append(
            f"{sum(bool(SHARED.get(q.id)) and not fa[q.id] for q in free)} of {len(free)}"
            if n == "urai" else "n/a")
    for k, v in rows.items():
        lines.append(f"| {k} | " + " | ".join(v) + " |")
    lines.append("")
    lines.append("| latency, ms (p50 / p95) | " + " | ".join(label[n] for n in names) + " |")
    lines.append("|---|" + "---|" * len(names))
    lines.append("| paragraph (25-300 words) | " + " | ".join(
        f"{pct(res[n]['pt'], 50):.1f} / {pct(res[n]['pt'], 95):.1f}" for n in names) + " |")
    lines.append("| document 300-1,500 words | " + " | ".join(
        f"{pct(res[n]['dt'], 50):.1f} / {pct(res[n]['dt'], 95):.1f}" if "dt" in res[n]
        else "n/a" for n in names) + " |")
    lines.append("| document ~2,000 words | " + " | ".join(
        f"{pct(res[n]['lt'], 50):.1f} / {pct(res[n]['lt'], 95):.1f}" if "lt" in res[n]
        else "n/a" for n in names) + " |")
    lines.append("")
    lines.append(f"Index: {ing['docs']:,} documents, ingest {ing['docs_per_s']:,.0f} docs/s "
                 f"of wall time in one process ({ing.get('docs_per_cpu_s', float('nan')):,.0f}"
                 f" per CPU second of that process: docs/s/core on a machine shared with "
                 f"other jobs), {ing['size_bytes'] / ing['docs']:,.0f} bytes per document "
                 f"on disk ({ing['postings'] / ing['docs']:.1f} postings per document).")
    if "bm25" in res:
        lines.append(f"BM25 index built in {res['bm25']['t_index']:.0f} s (in memory).")
    md = "\n".join(lines)
    print(md)
    if args.out:
        with open(args.out, "a", encoding="utf-8") as fh:
            fh.write(f"\n### {args.docs:,} documents\n\n{machine()}; {len(para)} paragraph "
                     f"queries, {len(docs)} documents ({len(cases)} passages), {len(free)} "
                     f"plagiarism-free, {len(long)} long.\n\n{md}\n")


if __name__ == "__main__":
    main()
