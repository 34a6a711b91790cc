"""``urai.cluster``: find spun families across a crawl, choose each original, write the
results (and a clean corpus).

>>> import urai                                                      # doctest: +SKIP
>>> s = urai.cluster(["crawl/*.jsonl.zst"], "out/", jobs=2,           # doctest: +SKIP
...                  config=urai.ClusterConfig(threshold=0.3))
>>> s["families"], s["roles"]["copy"]                                # doctest: +SKIP

The steps are :mod:`urai.corpus.families` (one definition for every engine); the local
executor is :mod:`urai.corpus.pipeline`, the Spark one :mod:`urai.corpus.spark`; the outputs
are written by :mod:`urai.corpus.report`. ``docs/cluster.md`` describes the outputs and the
original-choice rule.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from urai.corpus.families import ClusterConfig
from urai.corpus.pipeline import LocalExecutor, parent_peak_mb
from urai.corpus.readers import FieldMap
from urai.errors import ConfigError, InputError

__all__ = ["cluster", "ClusterConfig", "FieldMap", "ENGINES"]

ENGINES = ("local", "spark")


def _state(out: Path, inputs: Sequence[str], cfg: ClusterConfig, fields: FieldMap,
           resume: bool) -> Path:
    work = out / ".work"
    want = {"version": 1, "inputs": list(inputs), "config": cfg.result_fields(),
            "fields": {k: getattr(fields, k) for k in ("id", "text", "date", "url", "title")}}
    path = work / "state.json"
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{out}: exists and is not a directory; give a directory for --out")
    if path.exists():
        if not resume:
            raise ConfigError(f"{out}: already holds a cluster run; pass --resume to finish it "
                              "or give another --out")
        have = json.loads(path.read_text(encoding="utf-8"))
        if have != want:
            diff = [k for k in want if have.get(k) != want[k]]
            raise ConfigError(f"{out}: --resume with other {', '.join(diff)} than the run "
                              "there; give the same inputs and settings, or another --out")
    elif (out / "documents.parquet").exists():
        raise ConfigError(f"{out}: already holds cluster results; give another --out")
    work.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(json.dumps(want, indent=1), encoding="utf-8")
    return work


def cluster(inputs: Sequence[str] | str, out: str | Path, *, engine: str = "local",
            config: ClusterConfig | None = None, jobs: int = 1, resume: bool = False,
            write_clean: bool = False, fields: FieldMap | None = None, progress: bool = False,
            spark_master: str | None = None, echo: Callable[[str], Any] | None = None
            ) -> dict[str, Any]:
    """Cluster the documents of ``inputs`` into families and write the results to ``out``
    (created). Returns the summary (also in ``out/summary.json``)."""
    if isinstance(inputs, (str, Path)):
        inputs = [str(inputs)]
    inputs = [str(x) for x in inputs]
    if not inputs:
        raise InputError("no inputs given")
    if engine not in ENGINES:
        raise ConfigError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    if config is not None and not isinstance(config, ClusterConfig):
        raise ConfigError("config must be a ClusterConfig")
    cfg = config or ClusterConfig()
    fields = fields or FieldMap()
    out = Path(out)
    t_start = time.perf_counter()
    work = _state(out, inputs, cfg, fields, resume)
    ex = LocalExecutor(work, cfg, jobs=jobs, progress=progress)
    corpus = ex.read(inputs, fields)
    if corpus.n == 0:
        reasons = sorted({r.reason for r in corpus.rejected})[:3]
        raise InputError(f"no document to cluster: {len(corpus.rejected)} of "
                         f"{corpus.read_rows} inputs rejected ({'; '.join(reasons)})")
    if engine == "spark":
        from urai.corpus.spark import SparkExecutor

        sx = SparkExecutor(work, cfg, master=spark_master, jobs=jobs)
        assigned, dups = sx.cluster(corpus)
        times = {"read": ex.times["read"], **sx.times}
    else:
        assigned, dups = ex.cluster(corpus)
        times = dict(ex.times)
    peak_mb = dict(ex.peak_mb)
    return _write(out, work, inputs, cfg, fields, corpus, assigned, dups, times, t_start,
                  engine, jobs, write_clean, echo, peak_mb)


def _shard_text(work: Path, shard_size: int) -> Callable[[int], str]:
    """A document's text by seq from the read stage's shards (the report needs a few)."""
    import pyarrow.parquet as pq

    cache: dict[int, list[str]] = {}

    def text(seq: int) -> str:
        shard = seq // shard_size
        if shard not in cache:
            cache.clear()
            cache[shard] = pq.read_table(work / "docs" / f"part-{shard:05d}.parquet",
                                         columns=["text"]).column("text").to_pylist()
        return cache[shard][seq - shard * shard_size]

    return text


#: copies per profile task
PROFILE_CHUNK = 4000


def _profile_task(args: tuple[str, list[tuple[str, str | None, str]], str]) -> int:
    """Build and write the ``family`` or ``site`` profiles of one task's copies, given as
    ``(family_id, site, packed swaps)``."""
    from urai.corpus.profiles import build_profiles, write_profiles
    from urai.corpus.report import unpack_swaps

    kind, copies, root = args
    rows = ({"family_id": f, "site": s, "swaps": unpack_swaps(p)} for f, s, p in copies)
    return write_profiles((p for p in build_profiles(rows) if p.kind == kind), Path(root))


def _write_profiles(rows: list[dict[str, Any]], root: Path, jobs: int) -> int:
    """``profiles/`` (:mod:`urai.corpus.profiles`, per family and per site), built a group
    of families (or of sites) at a time, so no process holds every profile, in ``jobs``
    *spawned* workers (a worker forked from this process would map every row: the tree's
    resident memory would count them once per process); returns how many files."""
    groups: dict[str, dict[str, list[int]]] = {"family": {}, "site": {}}
    for k, r in enumerate(rows):
        if r["role"] == "copy" and r["swaps"]:
            groups["family"].setdefault(r["family_id"], []).append(k)
            if r["site"]:
                groups["site"].setdefault(r["site"], []).append(k)
    tasks: list[tuple[str, list[tuple[str, str | None, str]], str]] = []
    for kind, by in groups.items():
        cur: list[tuple[str, str | None, str]] = []
        for key in sorted(by):
            cur.extend((rows[k]["family_id"], None, rows[k]["swaps"]) if kind == "family"
                       else ("_", rows[k]["site"], rows[k]["swaps"]) for k in by[key])
            if len(cur) >= PROFILE_CHUNK:
                tasks.append((kind, cur, str(root)))
                cur = []
        if cur:
            tasks.append((kind, cur, str(root)))
    del groups
    if jobs > 1 and len(tasks) > 1:
        import multiprocessing as mp

        with mp.get_context("spawn").Pool(jobs) as pool:
            for _ in pool.imap_unordered(_profile_task, tasks):
                pass
    else:
        for t in tasks:
            _profile_task(t)
    return sum(1 for _ in root.rglob("*.json")) if root.exists() else 0


def _write(out: Path, work: Path, inputs: Sequence[str], cfg: ClusterConfig, fields: FieldMap,
           corpus: Any, assigned: Iterable[dict[str, Any]], dups: dict[int, int],
           times: dict[str, float], t_start: float, engine: str, jobs: int, write_clean: bool,
           echo: Callable[[str], Any] | None, peak_mb: dict[str, int] | None = None
           ) -> dict[str, Any]:
    from urai.corpus import report

    t0 = time.perf_counter()
    rows = report.assemble(corpus.ids, corpus.sources, corpus.urls, assigned, dups)
    fams = report.families_of(rows)
    report.write_parquet_outputs(out, rows, fams)
    prof_dir = out / "profiles"
    if prof_dir.exists():
        import shutil

        shutil.rmtree(prof_dir)
    n_prof = _write_profiles(rows, prof_dir, jobs)
    clean: dict[str, int] = {}
    if write_clean:
        keep = {r["id"] for r in rows if r["role"] in ("original", "unique")}
        clean = report.write_clean(out, inputs, keep, fields, cfg.max_doc_bytes)
    times["write"] = round(time.perf_counter() - t0, 3)
    times["total"] = round(time.perf_counter() - t_start, 3)
    summary = report.summary_of(rows, fams, corpus.rejected, corpus.read_rows, times, {
        "engine": engine, "jobs": jobs, "profiles": n_prof, "clean_files": clean,
        "bad_dates": corpus.bad_dates, "config": cfg.to_dict(),
        # the main process's peak resident memory at the end of each stage (MB)
        "parent_peak_mb": {**(peak_mb or {}), "write": parent_peak_mb()}})
    assert summary["processed"] + summary["rejected"] == summary["documents_in"], summary
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1) + "\n",
                                      encoding="utf-8")
    seq_of = {ident: s for s, ident in enumerate(corpus.ids)}
    from urai.lang.thesaurus import default_thesaurus

    text = _shard_text(work, cfg.shard_size)  # every engine writes docs/ (the read stage)
    page = report.render_html(summary, rows, fams, lambda i: text(seq_of[i]),
                              default_thesaurus())
    (out / "report.html").write_text(page, encoding="utf-8")
    if echo is not None:
        report.print_summary(summary, echo)
    return summary
