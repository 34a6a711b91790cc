"""Throughput of ``Detector().check`` on ~400-word documents, and an output dump.

    python benchmarks/bench_check_speed.py [--docs 150] [--dump out.jsonl]
    python benchmarks/bench_check_speed.py --compare base.jsonl new.jsonl

* Documents: the first IndoSum fold-05 articles (detokenised as in ``bench_check.py``), cut
  or concatenated to 400 words (``bench_check.to_400_words``), ``--docs`` clean ones and
  ``--docs`` copies spun at 20 % by the evaluation spinner (``evalspin.eval_spinner``).
* One process, BLAS threads pinned to 1 (via ``bench_check``); one warm-up call, then the
  best of ``--repeat`` timed passes over all documents. Also times, on the same documents,
  the Python/numpy reference implementation of the same detector (``Detector(accelerate=
  False)``, what runs where the compiled kernels of ``urai._core`` were not built; skip with
  ``--no-reference``) and the most-frequent-synonym baseline (``bench_check.Baseline``).
  ``--pure`` measures (and dumps) the reference instead of the compiled kernels.
* ``--jobs J`` also times :class:`urai.corpus.local.BatchChecker` (what ``urai check --jobs J`` and
  ``urai.check_many(jobs=J)`` use) with J worker processes over the same documents, after one
  untimed pass, and prints its rate (wall clock: several processes) as a multiple of the
  single-process rate.
* ``--tree-kernel`` evaluates the re-scorer's boosted trees with
  :meth:`urai.detect.kernels.EngineCore.tree_logit` (bit for bit ``TreeModel.logit``), as
  the check will once :mod:`urai.detect.rescore` calls it.
* The load averages at the start and end of the timing are printed: other processes on the
  machine slow both urai and the baseline, so the same-run ratio is the figure to compare.
* Rates are documents per second of CPU time of the process (``bench_check.best_rate``).
  ``--stages`` also times the analysis alone (``Engine.analyse_text``: tokens, candidate
  rows, LM and cloze evidence, logits), the analysis with the decoding passes
  (``Detector.analyse``), and the check of the clean and of the spun documents apart.
* ``--ref REF [--rounds K]``: the same measure, in the same run, of urai at git commit
  ``REF`` (its ``src/`` exported with ``git archive`` to a temporary directory, with this
  tree's compiled ``urai._core`` beside it, or ``--ref-core``'s) and of this tree, each in
  its own subprocess, alternating, ``K`` times: a table of check and baseline rates (lowest
  - highest over the rounds) and their same-process ratio; also the rates of the check with
  its ``to_dict`` JSON (``urai check --json``) and of ``urai restore --json``'s object.
* ``--dump PATH`` writes every ``CheckResult.to_dict()`` (one JSON line per document);
  ``--compare A B`` checks two dumps: identical verdicts, substitutions (offsets, words) and
  restored text, and every probability/feature/confidence within ``--tol`` (default 1e-6;
  confidences are rounded to 4 decimals by ``to_dict``, so they are compared to 1e-4).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from bench_check import Baseline, best_rate, reference_rate, throughput_documents  # noqa: E402
from machine import cpu_model  # noqa: E402

from urai.corpus.local import BatchChecker  # noqa: E402
from urai.detect.detector import Detector  # noqa: E402


def _close(a: object, b: object, tol: float, path: str, errs: list[str]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            errs.append(f"{path}: keys differ")
            return
        for k in a:
            t = 1e-4 + 1e-9 if k == "confidence" else tol
            _close(a[k], b[k], t, f"{path}.{k}", errs)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            errs.append(f"{path}: lengths {len(a)} != {len(b)}")
            return
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _close(x, y, tol, f"{path}[{i}]", errs)
    elif isinstance(a, float) or isinstance(b, float):
        if a is None or b is None or not math.isclose(a, b, rel_tol=0.0, abs_tol=tol):
            errs.append(f"{path}: {a!r} != {b!r}")
    elif a != b:
        errs.append(f"{path}: {a!r} != {b!r}")


def compare(pa: Path, pb: Path, tol: float) -> int:
    A = [json.loads(x) for x in pa.read_text(encoding="utf-8").splitlines()]
    B = [json.loads(x) for x in pb.read_text(encoding="utf-8").splitlines()]
    errs: list[str] = []
    _close(A, B, tol, "docs", errs)
    exact = sum(a == b for a, b in zip(A, B, strict=False))
    print(f"{len(A)} vs {len(B)} documents; {exact} byte-identical dicts; "
          f"{len(errs)} differences beyond tolerance")
    for e in errs[:20]:
        print("  ", e)
    return 1 if errs else 0


def _load() -> str:
    """The 1/5/15-minute load averages, or "n/a" where the system has none."""
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def export(ref: str, into: Path, core: Path | None) -> Path:
    """``src/`` of commit ``ref`` under ``into``, with a compiled extension (``core``, or
    this tree's) beside it."""
    arch = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "src"], check=True,
                          capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=arch, check=True)
    sos = [core] if core is not None else list((ROOT / "src" / "urai").glob("_core*.so"))
    for so in sos:
        shutil.copy2(so, into / "src" / "urai" / so.name)
    return into / "src"


def _restore_obj(r: object) -> dict[str, object]:
    """What ``urai restore --json`` writes of a result (``urai.corpus.jobs``), less the
    source and id."""
    return {"verdict": r.verdict, "changes": len(r.substitutions),  # type: ignore[attr-defined]
            "restored_text": r.restored_text}  # type: ignore[attr-defined]


def child(docs_n: int, repeat: int) -> int:
    """One measurement in this process: check and baseline rates as a JSON line."""
    import urai

    docs = throughput_documents(docs_n)
    det = Detector()
    base = Baseline(det)
    for d in docs:  # one untimed pass: per-word caches warm, as in main()
        det.check(d)
        base.run(d)
    rate = best_rate(det.check, docs, repeat)
    brate = best_rate(base.run, docs, repeat)
    jrate = best_rate(lambda d: json.dumps(det.check(d).to_dict(), ensure_ascii=False),
                      docs, repeat)
    rrate = best_rate(lambda d: json.dumps(_restore_obj(det.check(d)), ensure_ascii=False),
                      docs, repeat)
    print(json.dumps({"check": rate, "baseline": brate, "check_json": jrate,
                      "restore_json": rrate, "urai": urai.__file__}))
    return 0


def same_run(ref: str, rounds: int, docs_n: int, repeat: int, core: Path | None) -> int:
    """This tree against commit ``ref``, alternating subprocesses (see the module doc)."""
    with tempfile.TemporaryDirectory(prefix="urai-ref-") as tmp:
        paths = {f"{ref} (before)": export(ref, Path(tmp), core),
                 "this tree": ROOT / "src"}
        res: dict[str, list[dict[str, float]]] = {k: [] for k in paths}
        print(f"load average at start: {_load()}")
        for _ in range(rounds):
            for name, src in paths.items():
                env = dict(os.environ, PYTHONPATH=str(src), OPENBLAS_NUM_THREADS="1")
                out = subprocess.run([sys.executable, __file__, "--child", "--docs",
                                      str(docs_n), "--repeat", str(repeat)], env=env,
                                     check=True, capture_output=True, text=True).stdout
                r = json.loads(out.strip().splitlines()[-1])
                if not r["urai"].startswith(str(src)):
                    raise SystemExit(f"{name}: imported {r['urai']}, not {src}")
                res[name].append(r)
        print(f"load average at end: {_load()}")

    def span(v: list[float], fmt: str) -> str:
        return f"{min(v):{fmt}}-{max(v):{fmt}}" if len(v) > 1 else f"{v[0]:{fmt}}"

    print(f"\n{rounds} rounds, {2 * docs_n} documents, best of {repeat} passes per process; "
          "docs/s of CPU time")
    print("| | check, docs/s of CPU time | baseline, same process | ratio | "
          "check + to_dict + JSON | restore JSON |")
    print("|---|---|---|---|---|---|")
    for name, rs in res.items():
        print(f"| {name} | {span([r['check'] for r in rs], ',.0f')} | "
              f"{span([r['baseline'] for r in rs], ',.0f')} | "
              f"{span([r['check'] / r['baseline'] for r in rs], '.2f')}x | "
              f"{span([r['check_json'] for r in rs], ',.0f')} | "
              f"{span([r['restore_json'] for r in rs], ',.0f')} |")
    a, b = res[f"{ref} (before)"], res["this tree"]
    sp = [y["check"] / x["check"] for x, y in zip(a, b, strict=True)]
    print(f"this tree / {ref}, round by round: {', '.join(f'{x:.2f}x' for x in sp)}")
    for key, what in (("check_json", "check + to_dict + JSON"), ("restore_json", "restore JSON")):
        sp = [y[key] / x[key] for x, y in zip(a, b, strict=True)]
        print(f"  {what}: {', '.join(f'{x:.2f}x' for x in sp)}")
    return 0


def batch_rate(det: Detector, docs: list[str], jobs: int, repeat: int) -> float:
    """Documents per second of ``BatchChecker(det, jobs=jobs)`` over ``docs``: one untimed
    pass (worker start-up, per-word caches), then the best of ``repeat`` passes."""
    with BatchChecker(det, jobs=jobs) as checker:
        best = math.inf
        for k in range(repeat + 1):
            t0 = time.perf_counter()
            for _ in checker.results((i, d) for i, d in enumerate(docs)):
                pass
            if k:
                best = min(best, time.perf_counter() - t0)
    return len(docs) / best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="throughput of urai check on 400-word docs")
    ap.add_argument("--docs", type=int, default=150, help="clean docs (and as many spun)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dump", type=Path, default=None)
    ap.add_argument("--compare", type=Path, nargs=2, default=None)
    ap.add_argument("--tol", type=float, default=1e-6)
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--no-reference", action="store_true",
                    help="do not time the Python/numpy reference implementation")
    ap.add_argument("--pure", action="store_true",
                    help="measure and dump the Python/numpy reference instead of urai._core")
    ap.add_argument("--tree-kernel", action="store_true",
                    help="evaluate the re-scorer's trees with EngineCore.tree_logit (what the "
                         "check does once urai.detect.rescore calls it)")
    ap.add_argument("--jobs", type=int, default=0,
                    help="also time urai.check_many with this many worker processes")
    ap.add_argument("--stages", action="store_true",
                    help="also time the analysis alone, analysis + decoding, clean / spun only")
    ap.add_argument("--ref", default=None,
                    help="also measure urai at this git commit, same run (see the module doc)")
    ap.add_argument("--rounds", type=int, default=3, help="with --ref: alternating rounds")
    ap.add_argument("--ref-core", type=Path, default=None,
                    help="with --ref: the compiled urai._core to use for it")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.compare:
        return compare(*a.compare, a.tol)
    if a.child:
        return child(a.docs, a.repeat)
    if a.ref:
        print(f"machine: {platform.machine()} ({cpu_model()}), {os.cpu_count()} cores, "
              f"Python {platform.python_version()}")
        return same_run(a.ref, a.rounds, a.docs, a.repeat, a.ref_core)
    from urai.detect.kernels import status

    docs = throughput_documents(a.docs)
    if a.pure:  # no kernel at all, the LM's included
        os.environ["URAI_PURE_PYTHON"] = "1"
    det = Detector(accelerate=not a.pure)
    print(f"machine: {platform.machine()} ({cpu_model()}), {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, 1 process, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}")
    print(f"load average at start: {_load()} (a shared machine: compare rates within a run)")
    print(f"documents: {len(docs)} (~400 words; {a.docs} clean + {a.docs} spun at 20 %)")
    if a.tree_kernel and det.engine.core is not None:
        from urai.detect import rescore

        core = det.engine.core
        rescore.TreeModel.logit = (  # type: ignore[method-assign]
            lambda self, X: core.tree_logit(self, X))
        print("re-scorer trees: urai._core.tree_logit (--tree-kernel)")
    impl = status() if det.engine.core is not None else "Python/numpy reference"
    print(f"implementation: {impl}")
    t0 = time.process_time()
    for d in docs:  # the first pass of this process: every word is new to the caches
        det.check(d)
    cold = len(docs) / (time.process_time() - t0)
    print(f"urai check, first pass (cold per-word caches): {cold:.1f} docs/s")
    rate = best_rate(det.check, docs, a.repeat)
    print(f"urai check: {rate:.1f} docs/s of CPU time (best of {a.repeat}; "
          f"{1000 / rate:.2f} CPU ms/doc)")
    if a.stages:
        for name, part in (("the analysis alone (Engine.analyse_text)", det.engine.analyse_text),
                           ("analysis and decoding passes (no result objects)", det.analyse)):
            r = best_rate(part, docs, a.repeat)
            print(f"  {name}: {r:.1f} docs/s ({1000 / r:.2f} CPU ms/doc)")
        for name, sub in (("clean", docs[: a.docs]), ("spun at 20 %", docs[a.docs:])):
            r = best_rate(det.check, sub, a.repeat)
            print(f"  check, the {name} documents only: {r:.1f} docs/s ({1000 / r:.2f} ms)")
    if not a.pure and not a.no_reference:
        rrate = reference_rate(docs, a.repeat)
        print(f"reference (Python/numpy, same detector): {rrate:.1f} docs/s "
              f"(compiled kernels: {rate / rrate:.1f} x)")
    if a.jobs > 1:
        jrate = batch_rate(det, docs, a.jobs, a.repeat)
        print(f"urai.check_many, {a.jobs} worker processes: {jrate:.1f} docs/s "
              f"({jrate / rate:.2f} x one process)")
    if not a.no_baseline:
        brate = best_rate(Baseline(det).run, docs, a.repeat)
        print(f"baseline (most frequent synonym): {brate:.0f} docs/s "
              f"(urai check: {rate / brate:.2f} x)")
    print(f"load average at end: {_load()}")
    if a.dump:
        results = [det.check(d) for d in docs]
        with open(a.dump, "w", encoding="utf-8") as fh:
            for r in results:
                fh.write(json.dumps(r.to_dict(), ensure_ascii=False, sort_keys=True) + "\n")
        print(f"dumped {len(results)} results to {a.dump}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
