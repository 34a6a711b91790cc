"""Ingest speed of ``urai index add`` against an older urai and datasketch, in one run.

    python benchmarks/bench_ingest_trace.py --docs 30000 --ref 3324c98

The same ``--docs`` documents (IndoSum minus the held-out articles of ``bench_trace.py``,
then same-topic distractors) are indexed into a fresh SQLite file under ``/tmp`` by

* urai of this tree,
* urai of the git commit ``--ref`` (exported with ``git archive`` to a temporary directory,
  with this tree's compiled ``urai._core`` copied beside it; run in a subprocess), and
* datasketch ``MinHashLSH`` (t=0.5, 128 permutations, word 5-grams, as ``bench_trace.py``).

Each is timed in CPU seconds of its own process (``time.process_time``; the machine is shared,
so wall time says more about the other jobs than about the code) and in wall seconds; the
table gives documents per CPU second, per wall second and bytes on disk per document, and the
ratio of each to datasketch.

    python benchmarks/bench_ingest_trace.py --fingerprints 5000

times only the fingerprinting of ``--fingerprints`` documents (after a warm-up of 3,000 that
fills the word tables), with the compiled kernels and with the Python/numpy reference
(``Fingerprinter(accelerate=False)``) in the same process: the index side
(``index_many``, what ``urai index add`` runs) and the cluster wing's signature
(``fingerprints_count`` plus query ``fingerprints``), in CPU microseconds per document, and
checks that both give byte-identical fingerprints.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from bench_trace import corpus_batches, machine, split_sets  # noqa: E402
from distractors import DistractorGenerator, load_indosum  # noqa: E402
from evalspin import shared_data_dir  # noqa: E402


def batches(n_docs: int):
    arts = load_indosum(shared_data_dir())
    pool, _, _ = split_sets(arts, 0)
    return list(corpus_batches(pool, DistractorGenerator(pool, seed=0), n_docs))


def run_urai(n_docs: int, db: Path) -> dict:
    from urai.trace.index import Index

    data = batches(n_docs)
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    cpu = wall = 0.0
    per_100k: list[float] = []  # CPU seconds of each 100,000 documents (growth with size)
    done = 0
    with Index(db) as idx:
        for batch in data:
            t0, c0 = time.perf_counter(), time.process_time()
            idx.add(batch, batch_size=len(batch))
            wall += time.perf_counter() - t0
            dc = time.process_time() - c0
            cpu += dc
            if done // 100_000 == len(per_100k):
                per_100k.append(0.0)
            per_100k[-1] += dc
            done += len(batch)
        idx._store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = idx.stats().size_bytes
    n = sum(len(b) for b in data)
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    return {"docs": n, "cpu_s": cpu, "wall_s": wall, "bytes_per_doc": size / n,
            "cpu_s_per_100k": [round(x, 1) for x in per_100k]}


def run_datasketch(n_docs: int) -> dict:
    from bench_trace import shingles5
    from datasketch import MinHash, MinHashLSH

    data = batches(n_docs)
    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    cpu = wall = 0.0
    for batch in data:
        t0, c0 = time.perf_counter(), time.process_time()
        for rec in batch:
            m = MinHash(num_perm=128)
            m.update_batch(shingles5(rec.text))
            lsh.insert(rec.id, m, check_duplication=False)
        wall += time.perf_counter() - t0
        cpu += time.process_time() - c0
    return {"docs": sum(len(b) for b in data), "cpu_s": cpu, "wall_s": wall,
            "bytes_per_doc": float("nan")}


def time_fingerprints(n_docs: int, warm: int = 3000) -> None:
    import numpy as np

    from urai.trace.fingerprint import Fingerprinter

    texts = [r.text for b in batches(warm + n_docs) for r in b]
    warmup, texts = texts[:warm], texts[warm:]
    rows = []
    outs: dict[str, list] = {}
    for name, acc in (("C kernels", True), ("Python/numpy reference", False)):
        fp = Fingerprinter(accelerate=acc)
        assert (fp._core is not None) == acc, "urai._core is not built"
        fp.index_many(warmup)
        c0 = time.process_time()
        ix = [fp.index_many(texts[i: i + 1000]) for i in range(0, len(texts), 1000)]
        t_index = time.process_time() - c0
        c0 = time.process_time()
        sig = [(fp.fingerprints_count(t), fp.fingerprints(t, query=True)) for t in texts]
        t_sig = time.process_time() - c0
        c0 = time.process_time()
        pairs = [fp.fingerprints_pair(t) for t in texts]
        t_pair = time.process_time() - c0
        assert all(p[0].tobytes() == q[0][0].tobytes() and p[1].tobytes() == q[1].tobytes()
                   for p, q in zip(pairs, sig, strict=True))
        outs[name] = [ix, sig]
        rows.append((name, t_index, t_sig, t_pair))
    a, b = outs["C kernels"], outs["Python/numpy reference"]
    same = all(
        [x.tobytes() for x in p[0]] == [y.tobytes() for y in q[0]] and p[1] == q[1]
        and p[2].tobytes() == q[2].tobytes() and np.array_equal(p[3], q[3])
        for p, q in zip(a[0], b[0], strict=True)
    ) and all(p[0][0].tobytes() == q[0][0].tobytes() and p[0][1] == q[0][1]
              and p[1].tobytes() == q[1].tobytes() for p, q in zip(a[1], b[1], strict=True))
    n = len(texts)
    ref_i, ref_s = rows[1][1], rows[1][2]
    print(f"| fingerprints of {n:,} documents | index side (index_many), us/doc | vs reference "
          "| cluster signature (two calls), us/doc | vs reference | fingerprints_pair, us/doc "
          "| vs reference (two calls) |")
    print("|---|---|---|---|---|---|---|")
    for name, ti, ts, tp in rows:
        print(f"| {name} | {ti / n * 1e6:,.0f} | {ref_i / ti:.2f}x | {ts / n * 1e6:,.0f} | "
              f"{ref_s / ts:.2f}x | {tp / n * 1e6:,.0f} | {ref_s / tp:.2f}x |")
    print(f"byte-identical fingerprints: {same}")


def export(ref: str, into: Path) -> Path:
    """``src/`` of commit ``ref`` under ``into``, with this tree's compiled extension."""
    arch = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "src"], check=True,
                          capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=arch, check=True)
    for so in (ROOT / "src" / "urai").glob("_core*.so"):
        shutil.copy2(so, into / "src" / "urai" / so.name)
    return into / "src"


def in_subprocess(mode: str, n_docs: int, pythonpath: Path | None, db: Path) -> dict:
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    out = subprocess.run([sys.executable, __file__, "--child", mode, "--docs", str(n_docs),
                          "--db", str(db)], check=True, capture_output=True, text=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--docs", type=int, default=30_000)
    ap.add_argument("--ref", default=None, help="git commit of the older urai to compare")
    ap.add_argument("--db", type=Path, default=None)
    ap.add_argument("--no-datasketch", action="store_true",
                    help="urai only (a 1M build: datasketch's LSH of 1M sketches is not run)")
    ap.add_argument("--fingerprints", type=int, default=0,
                    help="only time the fingerprinting of this many documents (C vs Python)")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.fingerprints:
        print(f"machine: {machine()}")
        time_fingerprints(args.fingerprints)
        return
    if args.child:
        if args.child == "urai":
            import urai

            res = run_urai(args.docs, args.db)
            res["urai_file"] = urai.__file__
        else:
            res = run_datasketch(args.docs)
        print(json.dumps(res))
        return
    print(f"machine: {machine()}", file=sys.stderr)
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="urai-ingest-") as tmp:
        db = Path(tmp) / "ingest.db"
        results["urai (this tree)"] = in_subprocess("urai", args.docs, ROOT / "src", db)
        if args.ref:
            src = export(args.ref, Path(tmp))
            results[f"urai {args.ref}"] = in_subprocess("urai", args.docs, src, db)
        if not args.no_datasketch:
            results["datasketch MinHashLSH t=0.5"] = in_subprocess("datasketch", args.docs,
                                                                   None, db)
    ds = results.get("datasketch MinHashLSH t=0.5")
    base = ds["docs"] / ds["cpu_s"] if ds else float("nan")
    print(f"| ingest of {args.docs:,} documents | docs per CPU second | docs/s wall | "
          "bytes/doc | vs datasketch (CPU) |")
    print("|---|---|---|---|---|")
    for name, r in results.items():
        per_cpu = r["docs"] / r["cpu_s"]
        ratio = "n/a" if math.isnan(base) else f"{per_cpu / base:.2f}x"
        size = "n/a" if math.isnan(r["bytes_per_doc"]) else f"{r['bytes_per_doc']:,.0f}"
        print(f"| {name} | {per_cpu:,.0f} | {r['docs'] / r['wall_s']:,.0f} | "
              f"{size} | {ratio} |")
    print(json.dumps(results), file=sys.stderr)


if __name__ == "__main__":
    main()
