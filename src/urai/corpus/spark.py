"""The Spark executor of ``urai cluster`` (``--engine spark``; ``pip install 'urai[spark]'``
and Java 17).

The same steps as the local executor, as RDD stages over the read stage's Parquet shards
(``DIR/.work/docs/``), each calling the one definition in :mod:`urai.corpus.families`:

signatures (``mapPartitions``: :func:`~urai.corpus.families.signature`) -> exact duplicates
(``groupByKey`` on the text hash) -> buckets (``groupByKey`` on the fingerprint, at most
``df_cap`` documents) -> candidates (join of the query fingerprints with the buckets,
``reduceByKey`` of shared fingerprints, :func:`~urai.corpus.families.choose_candidates`) ->
verified pairs (join with the texts, :func:`~urai.corpus.families.verify_pair`) ->
connected components (min-label propagation until no label changes) -> original choice
(``cogroup`` of members and edges per component,
:func:`urai.corpus.pipeline.resolve_with`). Only the assignments of family members come
back to the driver.

Without a configured master (``master=`` / ``--spark-master``, or ``spark.master`` from
``spark-submit``) a local session with ``jobs`` cores is started.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from urai.corpus.families import ClusterConfig, Edge
from urai.errors import MissingDependencyError, ResourceError

__all__ = ["SparkExecutor", "spark_session"]

_FP: dict[str, Any] = {}


def _fp(cfg: ClusterConfig) -> Any:
    key = repr(cfg.index_config())
    fp = _FP.get(key)
    if fp is None:
        from urai.trace.fingerprint import Fingerprinter

        fp = _FP[key] = Fingerprinter(cfg.index_config())
    return fp


def spark_session(master: str | None = None, jobs: int = 1, app: str = "urai-cluster") -> Any:
    """The active Spark session, or a new one (local[jobs] unless a master is configured)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise MissingDependencyError.for_extra("pyspark", "spark") from None
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        raise ResourceError("the Spark engine needs Java 17 and none was found (no java on PATH,"
                            " no JAVA_HOME); install it, e.g. apt-get install -y "
                            "openjdk-17-jre-headless")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    b = SparkSession.builder.appName(app)
    if master:
        b = b.master(master)
    elif not os.environ.get("SPARK_MASTER") and "spark.master" not in os.environ.get(
            "PYSPARK_SUBMIT_ARGS", ""):
        b = b.master(f"local[{jobs}]")
    b = (b.config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions",
                                                       str(max(2, 2 * jobs)))
         .config("spark.ui.showConsoleProgress", "false")
         .config("spark.driver.memory", os.environ.get("URAI_SPARK_DRIVER_MEMORY", "2g")))
    try:
        return b.getOrCreate()
    except Exception as exc:  # noqa: BLE001 - JVM start-up failures come as assorted errors
        raise ResourceError(f"cannot start Spark ({type(exc).__name__}: "
                            f"{str(exc).splitlines()[0][:200] if str(exc) else ''})") from None


class SparkExecutor:
    """Runs the cluster stages on Spark; ``cluster(corpus)`` returns what
    :meth:`urai.corpus.pipeline.LocalExecutor.cluster` returns."""

    def __init__(self, work: Path, cfg: ClusterConfig, *, master: str | None = None,
                 jobs: int = 1) -> None:
        self.work = Path(work)
        self.cfg = cfg
        self.master = master
        self.jobs = jobs
        self.times: dict[str, float] = {}

    def cluster(self, corpus: Any) -> tuple[list[dict[str, Any]], dict[int, int]]:
        from urai.corpus.families import parse_date

        t0 = time.perf_counter()
        spark = spark_session(self.master, self.jobs)
        self.times["spark_start"] = round(time.perf_counter() - t0, 3)
        cfg = self.cfg
        sc = spark.sparkContext
        parts = max(2, sc.defaultParallelism)
        sc.setLogLevel("ERROR")
        t0 = time.perf_counter()
        docs = (spark.read.parquet(str(self.work / "docs")).select("seq", "id", "text", "date")
                .rdd.map(lambda r: (int(r[0]), (r[1], r[2], parse_date(r[3]))))
                .repartition(parts).cache())

        def sig_part(it: Any) -> Any:
            from urai.corpus.families import signature

            fp = _fp(cfg)
            for seq, (ident, text, date) in it:
                s = signature(fp, text)
                spun = None
                if cfg.spun == "all":
                    from urai.corpus.pipeline import _spun

                    spun = _spun(text)
                yield seq, (ident, date, s.fps.tolist(), s.qfps.tolist(), len(s.fps), s.digest,
                            spun)

        sigs = docs.mapPartitions(sig_part).cache()
        sigs.count()
        self.times["signatures"] = round(time.perf_counter() - t0, 3)

        t0 = time.perf_counter()

        def dup_groups(kv: Any) -> Any:
            group = sorted(kv[1], key=lambda m: (m[1] if m[1] is not None else float("inf"),
                                                 m[2]))
            rep = group[0][0]
            return [(m[0], rep) for m in group[1:]]

        dup_rdd = (sigs.map(lambda kv: (kv[1][5], (kv[0], kv[1][1], kv[1][0])))
                   .groupByKey(parts).filter(lambda kv: len(kv[1]) > 1).flatMap(dup_groups))
        dups = dict(dup_rdd.collect())
        dset = sc.broadcast(set(dups))
        reps = sigs.filter(lambda kv: kv[0] not in dset.value)
        cap = cfg.df_cap
        buckets = (reps.flatMap(lambda kv: [(h, (kv[0], kv[1][0])) for h in kv[1][2]])
                   .groupByKey(parts).mapValues(list).filter(lambda kv: len(kv[1]) <= cap))
        query = reps.flatMap(lambda kv: [(h, (kv[0], kv[1][0])) for h in kv[1][3]])
        shared = (query.join(buckets, parts)
                  .flatMap(lambda kv: [((kv[1][0], c), 1) for c in kv[1][1]
                                       if c[0] != kv[1][0][0]])
                  .reduceByKey(lambda x, y: x + y, parts))
        n_base = reps.map(lambda kv: (kv[0], kv[1][4]))

        def pick(kv: Any) -> Any:
            from urai.corpus.families import choose_candidates

            q, (cands, nb) = kv
            qseq, qid = q
            counts = {c[0]: n for c, n in cands}
            idof = {c[0]: c[1] for c, _ in cands}
            for c, _, _ in choose_candidates(counts, nb, idof.__getitem__, cfg):
                yield (qseq, c) if qid < idof[c] else (c, qseq)

        pairs = (shared.map(lambda kv: (kv[0][0][0], (kv[0][0], (kv[0][1], kv[1]))))
                 .groupByKey(parts).mapValues(list).join(n_base, parts)
                 .map(lambda kv: (kv[1][0][0][0], ([x[1] for x in kv[1][0]], kv[1][1])))
                 .flatMap(pick).distinct(parts).cache())
        pairs.count()
        self.times["candidates"] = round(time.perf_counter() - t0, 3)

        t0 = time.perf_counter()
        texts = docs.mapValues(lambda v: v[1])

        def verify_part(it: Any) -> Any:
            from urai.corpus.families import verify_pair

            th = _fp(cfg).thesaurus
            for a, ta, b, tb in it:
                e = verify_pair(a, ta, b, tb, th, cfg)
                yield e.a, e.b, e.cov_a, e.cov_b

        edges_rdd = (pairs.join(texts, parts).map(lambda kv: (kv[1][0], (kv[0], kv[1][1])))
                     .join(texts, parts).map(lambda kv: (kv[1][0][0], kv[1][0][1], kv[0], kv[1][1]))
                     .mapPartitions(verify_part))
        from urai.corpus.families import is_edge

        good = edges_rdd.filter(lambda e: is_edge(Edge(*e), cfg)).cache()
        good.count()
        self.times["verify"] = round(time.perf_counter() - t0, 3)

        t0 = time.perf_counter()
        labels = _components(good.map(lambda e: (e[0], e[1])), parts)
        assigned = self._resolve(sigs, docs, good, labels, parts)
        self.times["resolve"] = round(time.perf_counter() - t0, 3)
        if cfg.spun == "all":
            from urai.corpus.pipeline import add_unique_spun

            add_unique_spun(assigned, dict(sigs.map(lambda kv: (kv[0], kv[1][6])).collect()),
                            dups)
        docs.unpersist()
        sigs.unpersist()
        good.unpersist()
        pairs.unpersist()
        return assigned, dups

    def _resolve(self, sigs: Any, docs: Any, good: Any, labels: Any, parts: int
                 ) -> list[dict[str, Any]]:
        cfg = self.cfg
        info = sigs.map(lambda kv: (kv[0], (kv[1][0], kv[1][1], kv[1][6])))
        texts = docs.mapValues(lambda v: v[1])
        members = (labels.join(info, parts).join(texts, parts)
                   .map(lambda kv: (kv[1][0][0], (kv[0], (kv[1][0][1][0], kv[1][1],
                                                          kv[1][0][1][1], kv[1][0][1][2])))))
        edges = (good.map(lambda e: (e[0], e)).join(labels, parts)
                 .map(lambda kv: (kv[1][1], kv[1][0])))

        def resolve(kv: Any) -> Any:
            from urai.corpus.pipeline import assignment_json, resolve_with

            _, (mems, es) = kv
            ids, dates, texts, spun = {}, {}, {}, {}
            for seq, (ident, text, date, sp) in mems:
                ids[seq], dates[seq], texts[seq], spun[seq] = ident, date, text, sp
            out = resolve_with(sorted(ids), cfg, texts.__getitem__, _fp(cfg), ids, dates, spun,
                               [Edge(*e) for e in es])
            return [assignment_json(a, sp) for a, sp in out]

        return members.cogroup(edges, parts).flatMap(resolve).collect()


def _components(edges: Any, parts: int) -> Any:
    """``(node, component label)`` for every node of an edge RDD: each node takes the smallest
    label among itself and its neighbours until no label changes (the label is the
    component's smallest node)."""
    both = edges.flatMap(lambda e: [(e[0], e[1]), (e[1], e[0])]).distinct(parts).cache()
    labels = both.map(lambda kv: (kv[0], kv[0])).reduceByKey(min, parts).cache()
    while True:
        new = (both.join(labels, parts).map(lambda kv: (kv[1][0], kv[1][1]))
               .union(labels).reduceByKey(min, parts).cache())
        changed = new.join(labels, parts).filter(lambda kv: kv[1][0] != kv[1][1]).count()
        labels.unpersist()
        labels = new
        if changed == 0:
            break
    both.unpersist()
    return labels
