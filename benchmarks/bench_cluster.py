"""Benchmark of ``urai cluster`` (issue 14) on a synthetic crawl with ground truth, with the
peers in the same run.

    python benchmarks/bench_cluster.py --docs 20000 --jobs 1 2 --spark --peers
    python benchmarks/bench_cluster.py --docs 100000 --jobs 2 --out docs/benchmarks/cluster.md

The crawl is ``benchmarks/crawlgen.py`` (fold 05 + Leipzig + synthetic distractors; spun
copies by the evaluation spinner in random and farm mode, excerpts, stitched, verbatim,
changed headlines; other outlets' same-event reports and unrelated documents that must stay
alone). Every engine run is a separate process (``python -c 'urai.cluster(...)'``): wall
time, docs/s, peak RSS (sum over the process and its workers, sampled every 0.2 s; a page
shared by forked workers counts in each) and peak PSS (the same sum of proportional set sizes:
a shared page counts once in all).

Quality: pairwise precision/recall/F1 over all pairs of documents put in one family, the
adjusted Rand index, original-choice accuracy (truth families of two or more whose
predicted original is the true one), the largest predicted family mixing truth families.

Peers, as users run them, on the same crawl: datatrove's MinHash dedup pipeline
(``MinhashDedupSignature`` -> ``Buckets`` -> ``Cluster`` -> ``Filter``, default
``MinhashConfig``, local executor) and rensa (``RMinHash``, 128 permutations, word 5-gram
shingles as in its README, ``RMinHashLSH`` at threshold 0.5); a peer's cluster is a family,
its first document kept.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from machine import cpu_model  # noqa: E402


def _pss(p: int) -> int:
    """Proportional set size of ``p`` in bytes (a page shared by k processes counts 1/k)."""
    with open(f"/proc/{p}/smaps_rollup") as fh:
        for line in fh:
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    return 0


#: the peak PSS (sum over the tree) of the last :func:`run_measured`
PSS = [0]


def rss_tree(pid: int, cpu: dict[int, float] | None = None, pss: list[int] | None = None
             ) -> int:
    """Resident bytes of ``pid`` and all its descendants; ``cpu``: updated with each one's own
    CPU seconds (user + system, without reaped children) as last seen; ``pss``: its one
    element set to the sum of their proportional set sizes (forked workers' shared pages
    counted once)."""
    kids: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
                kids.setdefault(ppid, []).append(int(d))
            except (OSError, IndexError, ValueError):
                pass
    tot, todo, ptot = 0, [pid], 0
    while todo:
        p = todo.pop()
        todo.extend(kids.get(p, ()))
        try:
            with open(f"/proc/{p}/statm") as fh:
                tot += int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            if pss is not None:
                ptot += _pss(p)
            if cpu is not None:
                with open(f"/proc/{p}/stat") as fh:
                    f = fh.read().rsplit(")", 1)[1].split()
                cpu[p] = (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            pass
    if pss is not None:
        pss[0] = ptot
    return tot


#: CPU seconds (user + system) of every measured process tree so far: on a machine shared
#: with other jobs, wall time is inflated by a varying amount, CPU time much less
CPU = [0.0]


def _children_cpu() -> float:
    import resource

    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run_measured(code: str, env: dict[str, str] | None = None, python: str | None = None,
                 argv: list[str] | None = None) -> tuple[float, int, str]:
    """Run ``python -c code`` (or ``python argv...``) with nice; (seconds, peak RSS bytes,
    stdout). ``python``: another interpreter (a peer installed in its own virtualenv)."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile("w+", encoding="utf-8") as fo, \
            tempfile.TemporaryFile("w+", encoding="utf-8") as fe:
        cmd = [python or sys.executable, *(argv if argv is not None else ["-c", code])]
        cpu0 = _children_cpu()
        p = subprocess.Popen(["nice", *cmd], stdout=fo, stderr=fe,
                             text=True, env={**os.environ, **(env or {})})
        peak = 0
        seen: dict[int, float] = {}
        PSS[0] = 0
        cur = [0]
        while p.poll() is None:
            peak = max(peak, rss_tree(p.pid, seen, cur))
            PSS[0] = max(PSS[0], cur[0])
            time.sleep(0.2)
        p.wait()
        # the reaped tree (rusage) or the sampled one (a JVM the driver does not wait for)
        CPU[0] += max(_children_cpu() - cpu0, sum(seen.values()))
        fo.seek(0)
        fe.seek(0)
        out, err = fo.read(), fe.read()
    if p.returncode != 0:
        raise SystemExit(f"benchmark step failed ({p.returncode}): {err.strip()[-300:]}")
    return time.perf_counter() - t0, peak, out


# -- quality ----------------------------------------------------------------------------------
def _c2(n: int) -> int:
    return n * (n - 1) // 2


def quality(pred: dict[str, str], truth: dict[str, str], pred_orig: dict[str, str] | None,
            kinds: dict[str, str], same_text: dict[str, str] | None = None
            ) -> dict[str, float]:
    """Pairwise P/R/F1, ARI, original accuracy (a predicted original with the same text up
    to case and spacing as the true one counts as right: no method can tell them apart),
    the largest mixed family, recall per copy kind, same-event reports merged."""
    same_text = same_text or {}
    ids = list(truth)
    cells = Counter((pred[i], truth[i]) for i in ids)
    a = Counter(pred[i] for i in ids)
    b = Counter(truth[i] for i in ids)
    tp = sum(_c2(n) for n in cells.values())
    pp = sum(_c2(n) for n in a.values())
    tt = sum(_c2(n) for n in b.values())
    prec = tp / pp if pp else 1.0
    rec = tp / tt if tt else 1.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    total = _c2(len(ids))
    exp = pp * tt / total if total else 0.0
    mx = (pp + tt) / 2
    ari = (tp - exp) / (mx - exp) if mx != exp else 1.0
    res = {"precision": prec, "recall": rec, "f1": f1, "ari": ari}
    if pred_orig is not None:
        fams: dict[str, list[str]] = {}
        for i in ids:
            fams.setdefault(truth[i], []).append(i)
        ok = n = 0
        for f, mem in fams.items():
            if len(mem) < 2:
                continue
            n += 1
            po = Counter(pred_orig[i] for i in mem).most_common(1)[0][0]
            ok += po == f or (po in same_text and same_text.get(po) == same_text.get(f))
        res["original_accuracy"] = ok / n if n else 1.0
    truths_of: dict[str, set[str]] = {}
    for i in ids:
        truths_of.setdefault(pred[i], set()).add(truth[i])
    mixed = [(a[p], p) for p, ts in truths_of.items() if len(ts) > 1]
    res["largest_false_family"] = max((n for n, _ in mixed), default=0)
    res["mixed_families"] = len(mixed)
    # recall per copy kind: copies put in their original's family
    per: dict[str, list[int]] = {}
    for i in ids:
        k = kinds[i]
        if k in ("original", "unrelated", "same_event"):
            continue
        per.setdefault(k, []).append(pred[i] == pred[truth[i]])
    for k, v in sorted(per.items()):
        res[f"recall_{k}"] = sum(v) / len(v)
    alone = [i for i in ids if kinds[i] == "same_event"]
    res["same_event_merged"] = sum(a[pred[i]] > 1 for i in alone) / max(1, len(alone))
    return res


# -- runs -------------------------------------------------------------------------------------
def run_urai(crawl: Path, out: Path, engine: str, jobs: int, src: Path | None = None
             ) -> tuple[dict, float, int]:
    """One ``urai.cluster`` run; ``src``: a source tree (``DIR/src`` first on the path: a
    git worktree of another commit, for a baseline in the same run)."""
    code = (f"import urai.corpus.clustering as c, json; s = c.cluster([{str(crawl)!r}], "
            f"{str(out)!r}, engine={engine!r}, jobs={jobs}); print(json.dumps(s['seconds'])); "
            "print(json.dumps(s.get('parent_peak_mb', {})))")
    env = {"PYSPARK_PYTHON": sys.executable, "SPARK_LOCAL_IP": "127.0.0.1"}
    if src is not None:
        env["PYTHONPATH"] = str(src / "src")
    secs, peak, stdout = run_measured(code, env)
    import pyarrow.parquet as pq

    rows = pq.read_table(out / "documents.parquet",
                         columns=["id", "family_id", "original_id"]).to_pylist()
    # the seconds per stage, then (since the fourth session) the main process's peaks
    dicts = [json.loads(x) for x in stdout.strip().splitlines()[-2:] if x.startswith("{")]
    stages = next(d for d in reversed(dicts) if "total" in d)
    peaks = next((d for d in reversed(dicts) if "total" not in d), {})
    return {"rows": rows, "stages": stages, "peak_mb": peaks}, secs, peak


def run_datatrove(crawl: Path, work: Path, jobs: int, python: str | None = None
                  ) -> tuple[dict[str, str], float, int]:
    code = f"""
import json
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.dedup import MinhashDedupSignature
from datatrove.pipeline.dedup.minhash import (MinhashConfig, MinhashDedupBuckets,
    MinhashDedupCluster, MinhashDedupFilter)
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter
cfg = MinhashConfig()
W = {str(work)!r}
rd = lambda: JsonlReader({str(crawl.parent)!r}, glob_pattern={crawl.name!r})
LocalPipelineExecutor(pipeline=[rd(), MinhashDedupSignature(output_folder=W + "/sigs",
    config=cfg)], tasks={jobs}, workers={jobs}, logging_dir=W + "/l1").run()
LocalPipelineExecutor(pipeline=[MinhashDedupBuckets(input_folder=W + "/sigs",
    output_folder=W + "/buckets", config=cfg)], tasks=cfg.num_buckets, workers={jobs},
    logging_dir=W + "/l2").run()
LocalPipelineExecutor(pipeline=[MinhashDedupCluster(input_folder=W + "/buckets",
    output_folder=W + "/remove_ids", config=cfg, save_cluster_id=True)], tasks=1,
    logging_dir=W + "/l3").run()
LocalPipelineExecutor(pipeline=[rd(), MinhashDedupFilter(input_folder=W + "/remove_ids",
    exclusion_writer=JsonlWriter(W + "/removed"), load_cluster_ids=True),
    JsonlWriter(W + "/kept")], tasks={jobs}, workers={jobs}, logging_dir=W + "/l4").run()
"""
    secs, peak, _ = run_measured(code, python=python)
    import gzip

    pred: dict[str, str] = {}
    for sub in ("kept", "removed"):
        for f in sorted((work / sub).glob("*")):
            op = gzip.open if f.suffix == ".gz" else open
            with op(f, "rt", encoding="utf-8") as fh:
                for line in fh:
                    d = json.loads(line)
                    cid = d.get("metadata", {}).get("minhash_cluster_id")
                    pred[d["id"]] = f"c{cid}" if cid is not None and cid != -1 else d["id"]
    return pred, secs, peak


def run_text_dedup(crawl: Path, work: Path, python: str | None = None
                   ) -> tuple[dict[str, str], float, int]:
    """text-dedup's MinHash (``python -m text_dedup.minhash``, its defaults: 5-grams, 250
    permutations, threshold 0.7) on the crawl as a local JSON dataset; ``--debug`` makes it
    write its union-find (``uf.pkl``), from which the clusters are read (row -> root row)."""
    argv = ["-m", "text_dedup.minhash", "--path", "json", "--data_files", str(crawl),
            "--split", "train", "--cache_dir", str(work / "cache"), "--output",
            str(work / "out"), "--column", "text", "--debug"]
    secs, peak, _ = run_measured("", {"HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"},
                                 python=python, argv=argv)
    code = f"""
import json, pickle
uf = pickle.load(open({str(work / "out" / "uf.pkl")!r}, "rb"))
print(json.dumps({{i: uf.find(i) for i in list(uf.parent)}}))
"""
    _, _, out = run_measured(code, python=python)
    root = {int(k): v for k, v in json.loads(out.strip().splitlines()[-1]).items()}
    ids = [json.loads(line)["id"] for line in open(crawl, encoding="utf-8")]
    return {d: ids[root.get(i, i)] for i, d in enumerate(ids)}, secs, peak


def run_rensa(crawl: Path) -> tuple[dict[str, str], float, int]:
    code = f"""
import json, re
from rensa import RMinHash, RMinHashLSH
ids, mhs = [], []
lsh = RMinHashLSH(threshold=0.5, num_perm=128, num_bands=16)
for line in open({str(crawl)!r}, encoding="utf-8"):
    d = json.loads(line)
    w = re.findall(r"\\w+", d["text"].lower())
    m = RMinHash(num_perm=128, seed=42)
    m.update([" ".join(w[i:i + 5]) for i in range(max(1, len(w) - 4))])
    lsh.insert(len(ids), m)
    ids.append(d["id"]); mhs.append(m)
parent = list(range(len(ids)))
def find(x):
    while parent[x] != x:
        parent[x] = parent[parent[x]]; x = parent[x]
    return x
for i, m in enumerate(mhs):
    for j in lsh.query(m):
        if j != i and m.jaccard(mhs[j]) >= 0.5:
            a, b = find(i), find(j)
            if a != b: parent[max(a, b)] = min(a, b)
print(json.dumps({{ids[i]: ids[find(i)] for i in range(len(ids))}}))
"""
    secs, peak, out = run_measured(code)
    return json.loads(out.strip().splitlines()[-1]), secs, peak


def machine() -> str:
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (f"{cpu_model()}, {os.cpu_count()} cores (shared with other jobs), Python "
            f"{platform.python_version()}, {when}")


def evaluate(out: Path, crawl_dir: Path) -> dict[str, float]:
    """Quality of an existing ``urai cluster`` output directory against a crawl's truth."""
    import hashlib

    import pyarrow.parquet as pq

    tl = [json.loads(x) for x in open(crawl_dir / "truth.jsonl", encoding="utf-8")]
    same = {}
    for line in open(crawl_dir / "crawl.jsonl", encoding="utf-8"):
        d = json.loads(line)
        same[d["id"]] = hashlib.blake2b(" ".join(d["text"].lower().split()).encode(),
                                        digest_size=8).hexdigest()
    rows = pq.read_table(out / "documents.parquet",
                         columns=["id", "family_id", "original_id"]).to_pylist()
    return quality({r["id"]: r["family_id"] for r in rows}, {t["id"]: t["family"] for t in tl},
                   {r["id"]: r["original_id"] for r in rows}, {t["id"]: t["kind"] for t in tl},
                   same)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=20000)
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--spark", action="store_true", help="also the Spark engine (2 cores)")
    ap.add_argument("--peers", action="store_true", help="datatrove and rensa in the same run")
    ap.add_argument("--crawl", type=Path, default=None, help="reuse a crawlgen directory")
    ap.add_argument("--datatrove-python", default=None,
                    help="the python of a virtualenv with datatrove[processing] and spacy")
    ap.add_argument("--text-dedup-python", default=None,
                    help="the python of a virtualenv with text-dedup")
    ap.add_argument("--out", type=Path, default=None, help="append the table to this file")
    ap.add_argument("--src", type=Path, default=None,
                    help="run urai from this source tree (a git worktree) instead of the "
                         "installed one")
    ap.add_argument("--baseline-src", type=Path, default=None,
                    help="also run the local engine from this source tree (a worktree of an "
                         "earlier commit, with the same compiled _core copied in): the "
                         "baseline rows of the same run")
    ap.add_argument("--keep", action="store_true",
                    help="keep the temporary directory (outputs, work files) for inspection")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    try:
        bench(a, tmp)
    finally:
        if a.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:  # a 1M run leaves ~5 GB of work files and outputs there
            shutil.rmtree(tmp, ignore_errors=True)


def bench(a: argparse.Namespace, tmp: Path) -> None:
    crawl_dir = a.crawl or tmp / "crawl"
    if not (crawl_dir / "crawl.jsonl").exists():
        t0 = time.perf_counter()
        subprocess.run([sys.executable, str(HERE / "crawlgen.py"), "--docs", str(a.docs),
                        "--out", str(crawl_dir)], check=True)
        print(f"crawl generated in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    crawl = crawl_dir / "crawl.jsonl"
    tl = [json.loads(x) for x in open(crawl_dir / "truth.jsonl", encoding="utf-8")]
    truth = {t["id"]: t["family"] for t in tl}
    import hashlib

    same_text = {}
    for line in open(crawl, encoding="utf-8"):
        d = json.loads(line)
        norm = " ".join(d["text"].lower().split()).encode()
        same_text[d["id"]] = hashlib.blake2b(norm, digest_size=8).hexdigest()
    kinds = {t["id"]: t["kind"] for t in tl}
    n = len(truth)
    results: list[tuple[str, dict, float, int, int]] = []
    runs = [("local", j, a.baseline_src) for j in a.jobs] if a.baseline_src else []
    runs += [("local", j, a.src) for j in a.jobs] + ([("spark", 2, a.src)] if a.spark else [])
    for k, (engine, jobs, src) in enumerate(runs):
        c0 = CPU[0]
        r, secs, peak = run_urai(crawl, tmp / f"out-{engine}-{jobs}-{k}", engine, jobs, src)
        pred = {x["id"]: x["family_id"] for x in r["rows"]}
        orig = {x["id"]: x["original_id"] for x in r["rows"]}
        q = quality(pred, truth, orig, kinds, same_text)
        q["stages"] = r["stages"]
        q["peak_mb"] = r["peak_mb"]
        q["cpu"] = CPU[0] - c0
        q["pss"] = PSS[0]
        base = " (baseline)" if a.baseline_src and src == a.baseline_src else ""
        results.append((f"urai {engine}, {jobs} core{'s' if jobs > 1 else ''}{base}", q, secs,
                        peak, jobs))
        print(results[-1][0], f"{secs:.1f}s", {k: round(v, 4) for k, v in q.items()
                                              if isinstance(v, float)}, file=sys.stderr)
    if a.peers:
        for name, fn in (("datatrove MinHash (default)", lambda: run_datatrove(
                crawl, tmp / "dt", 2, a.datatrove_python)),
                ("text-dedup MinHash (default)", lambda: run_text_dedup(
                    crawl, tmp / "td", a.text_dedup_python)),
                ("rensa MinHashLSH t=0.5", lambda: run_rensa(crawl))):
            c0 = CPU[0]
            try:
                pred, secs, peak = fn()
            except (SystemExit, ImportError) as exc:
                print(f"{name}: not run ({exc})", file=sys.stderr)
                continue
            missing = [i for i in truth if i not in pred]
            for i in missing:  # a peer that drops a document: count it as its own family
                pred[i] = i
            q = quality(pred, truth, None, kinds)
            q["dropped"] = len(missing)
            q["cpu"] = CPU[0] - c0
            q["pss"] = PSS[0]
            results.append((name, q, secs, peak, 2 if name.startswith("datatrove") else 1))
            print(name, f"{secs:.1f}s", file=sys.stderr)
    table = render(results, n)
    print(table)
    if a.out:
        with open(a.out, "a", encoding="utf-8") as fh:
            fh.write(f"\n### {n:,} documents — {machine()}\n\n{table}\n")


def _keyed_table(title: str, rows: list[tuple[str, dict]], fmt: str) -> list[str]:
    """A table of one row per run over the keys of its dictionary (stages)."""
    if not rows:
        return []
    keys = list(dict.fromkeys(k for _, d in rows for k in d))
    return ["", f"| {title} | " + " | ".join(keys) + " |", "|" + "---|" * (len(keys) + 1),
            *(f"| {name} | " + " | ".join(fmt.format(d.get(k, 0)) for k in keys) + " |"
              for name, d in rows)]


def render(results: list[tuple[str, dict, float, int, int]], n: int) -> str:
    # "vs urai 1 core" is relative to this tree's 1-worker run, not a --baseline-src one
    base = next((r for r in results if r[0].startswith("urai local, 1")
                 and not r[0].endswith("(baseline)")), results[0])
    cols = ["method", "pairwise P", "R", "F1", "ARI", "original ok", "largest false family",
            "same-event merged", "wall s", "docs/s", "docs/s/core", "vs urai 1 core",
            "peak RSS", "peak PSS", "CPU s", "docs per CPU s", "CPU vs baseline"]
    baseline = {r[4]: r[1].get("cpu") for r in results if r[0].endswith("(baseline)")}
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for name, q, secs, peak, cores in results:
        dps = n / secs
        lines.append("| " + " | ".join([
            name, f"{q['precision']:.3f}", f"{q['recall']:.3f}", f"{q['f1']:.3f}",
            f"{q['ari']:.3f}",
            f"{q['original_accuracy']:.3f}" if "original_accuracy" in q else "—",
            str(q["largest_false_family"]), f"{q['same_event_merged']:.3f}", f"{secs:.1f}",
            f"{dps:,.0f}", f"{dps / cores:,.0f}", f"{base[2] / secs:.2f}x",
            f"{peak / 2**20:,.0f} MB", f"{q.get('pss', 0) / 2**20:,.0f} MB",
            f"{q.get('cpu', 0):.0f}",
            f"{n / q['cpu']:,.0f}" if q.get("cpu") else "—",
            f"{q['cpu'] / baseline[cores]:.2f}x" if baseline.get(cores) and q.get("cpu")
            else "—"]) + " |")
    kinds = sorted({k for _, q, *_ in results for k in q if k.startswith("recall_")})
    lines += ["", "| method | " + " | ".join(k.removeprefix("recall_") for k in kinds) + " |",
              "|" + "---|" * (len(kinds) + 1)]
    for name, q, *_ in results:
        lines.append(f"| {name} (recall per copy kind) | "
                     + " | ".join(f"{q.get(k, float('nan')):.3f}" for k in kinds) + " |")
    for title, key, fmt in (("seconds per stage", "stages", "{:.1f}"),
                            ("main process peak RSS (MB) at the end of", "peak_mb", "{:,}")):
        lines += _keyed_table(title, [(name, q[key]) for name, q, *_ in results if q.get(key)],
                              fmt)
    return "\n".join(lines)


if __name__ == "__main__":
    main()
