"""The Spark executor of ``urai cluster`` (``--engine spark``; ``pip install 'urai[spark]'``
and Java 17).

The same steps as the local executor, as RDD stages over the read stage's Parquet shards
(``DIR/.work/docs/``), each calling the one definition in :mod:`urai.corpus.families`:

signatures (``mapInArrow``: :func:`~urai.corpus.families.signature`, fingerprints as Arrow
lists) -> exact duplicates (``groupBy`` of the text hash) -> buckets (``explode`` and
``groupBy`` of the fingerprints, at most ``df_cap`` documents) -> candidates (join of the
query fingerprints with the buckets, ``groupBy`` count of shared fingerprints, then
:func:`~urai.corpus.families.choose_candidates` per document) -> verified pairs (DataFrame
joins with the texts, ``mapInArrow`` of :func:`~urai.corpus.families.verify_pair`) ->
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


_SIG_SCHEMA = ("seq long, id string, date double, fps array<long>, qfps array<long>, "
               "nbase long, digest long, spun double")


def _list_array(arrays: list[Any]) -> Any:
    """A pyarrow ``list<int64>`` column from int64 arrays (CSR offsets, no Python ints)."""
    import pyarrow as pa

    from urai.corpus.pipeline import _csr

    off, flat = _csr(arrays)
    if len(flat) >= 2**31:  # list<int64> has int32 offsets; batches are far smaller
        raise ValueError(f"an Arrow batch of {len(flat)} fingerprints is too large")
    return pa.ListArray.from_arrays(pa.array(off, pa.int32()), pa.array(flat, pa.int64()))


class SparkExecutor:
    """Runs the cluster stages on Spark; ``cluster(corpus)`` returns what
    :meth:`urai.corpus.pipeline.LocalExecutor.cluster` returns.

    The columnar stages (fingerprint buckets, shared-fingerprint counts, exact duplicates,
    the joins with the texts) are DataFrame operations in the JVM; the Python steps
    (signatures, verification) run over Arrow batches (``mapInArrow``: numpy arrays in and
    out, no per-fingerprint Python objects); candidate choice and the original choice are
    RDD steps over one row per document / per component."""

    def __init__(self, work: Path, cfg: ClusterConfig, *, master: str | None = None,
                 jobs: int = 1) -> None:
        self.work = Path(work)
        self.cfg = cfg
        self.master = master
        self.jobs = jobs
        self.times: dict[str, float] = {}

    def cluster(self, corpus: Any) -> tuple[list[dict[str, Any]], dict[int, int]]:
        from pyspark.sql import functions as F

        t0 = time.perf_counter()
        spark = spark_session(self.master, self.jobs)
        self.times["spark_start"] = round(time.perf_counter() - t0, 3)
        cfg = self.cfg
        sc = spark.sparkContext
        parts = max(2, sc.defaultParallelism)
        sc.setLogLevel("ERROR")
        t0 = time.perf_counter()
        docs = (spark.read.parquet(str(self.work / "docs")).select("seq", "id", "text", "date")
                .repartition(parts, "seq").cache())

        def sig_batches(batches: Any) -> Any:
            import numpy as np
            import pyarrow as pa

            from urai.corpus.families import parse_date, signature

            fp = _fp(cfg)
            for b in batches:
                texts = b.column("text").to_pylist()
                sigs = [signature(fp, t) for t in texts]
                spun = [None] * len(texts)
                if cfg.spun == "all":
                    from urai.corpus.pipeline import _spun

                    spun = [_spun(t) for t in texts]
                yield pa.RecordBatch.from_arrays([
                    b.column("seq"), b.column("id"),
                    pa.array([parse_date(d) for d in b.column("date").to_pylist()],
                             pa.float64()),
                    _list_array([x.fps for x in sigs]), _list_array([x.qfps for x in sigs]),
                    pa.array(np.array([len(x.fps) for x in sigs], np.int64)),
                    pa.array(np.array([x.digest for x in sigs], np.int64)),
                    pa.array(spun, pa.float64())],
                    names=["seq", "id", "date", "fps", "qfps", "nbase", "digest", "spun"])

        sigs = docs.mapInArrow(sig_batches, _SIG_SCHEMA).cache()
        sigs.count()
        self.times["signatures"] = round(time.perf_counter() - t0, 3)

        t0 = time.perf_counter()
        groups = (sigs.groupBy("digest").agg(F.count("*").alias("n"), F.collect_list(
            F.struct("seq", "date", "id")).alias("m")).where("n > 1").select("m").collect())
        dups: dict[int, int] = {}
        for (members,) in groups:  # the local engine's rule: earliest date, then smallest id
            group = sorted(members, key=lambda m: (m[1] if m[1] is not None else float("inf"),
                                                   m[2]))
            dups.update((m[0], group[0][0]) for m in group[1:])
        reps = sigs
        if dups:
            dup_df = spark.createDataFrame([(k,) for k in sorted(dups)], "seq long")
            reps = sigs.join(F.broadcast(dup_df), "seq", "left_anti")
        base = reps.select(F.col("seq").alias("c"), F.col("id").alias("cid"),
                           F.explode("fps").alias("h"))
        keep = base.groupBy("h").count().where(F.col("count") <= cfg.df_cap).select("h")
        query = reps.select(F.col("seq").alias("q"), F.explode("qfps").alias("h"))
        shared = (query.join(base.join(keep, "h"), "h").where("q != c")
                  .groupBy("q", "c", "cid").count())
        cand = (shared.groupBy("q").agg(F.collect_list(F.struct("c", "cid", "count"))
                                        .alias("cs"))
                .join(reps.select(F.col("seq").alias("q"), F.col("id").alias("qid"), "nbase"),
                      "q"))

        def pick(row: Any) -> Any:
            from urai.corpus.families import choose_candidates

            counts = {c: n for c, _, n in row.cs}
            idof = {c: i for c, i, _ in row.cs}
            for c, _, _ in choose_candidates(counts, row.nbase, idof.__getitem__, cfg):
                yield (row.q, c) if row.qid < idof[c] else (c, row.q)

        pairs = spark.createDataFrame(cand.rdd.flatMap(pick), "a long, b long").distinct()
        self.times["candidates"] = round(time.perf_counter() - t0, 3)

        t0 = time.perf_counter()
        texts = docs.select("seq", "text")
        joined = (pairs.join(texts.toDF("a", "ta"), "a").join(texts.toDF("b", "tb"), "b")
                  .select("a", "ta", "b", "tb"))

        def verify_batches(batches: Any) -> Any:
            import numpy as np
            import pyarrow as pa

            from urai.corpus.families import is_edge, text_keys, verify_pair

            th = _fp(cfg).thesaurus
            keys: dict[int, list[str]] = {}

            def key(seq: int, text: str) -> list[str]:
                k = keys.get(seq)
                if k is None:
                    if len(keys) > 4000:
                        keys.clear()
                    k = keys[seq] = text_keys(text, th)
                return k

            for b in batches:
                out: list[tuple[int, int, float, float]] = []
                for a, ta, bb, tb in zip(*(b.column(c).to_pylist()
                                           for c in ("a", "ta", "b", "tb")), strict=True):
                    e = verify_pair(a, key(a, ta), bb, key(bb, tb), th, cfg)
                    if is_edge(e, cfg):
                        out.append((e.a, e.b, e.cov_a, e.cov_b))
                cols = list(zip(*out, strict=True)) if out else [(), (), (), ()]
                yield pa.RecordBatch.from_arrays(
                    [pa.array(np.array(cols[0], np.int64)), pa.array(np.array(cols[1], np.int64)),
                     pa.array(np.array(cols[2], np.float64)),
                     pa.array(np.array(cols[3], np.float64))], names=["a", "b", "ca", "cb"])

        good = joined.mapInArrow(verify_batches, "a long, b long, ca double, cb double").cache()
        good.count()
        self.times["verify"] = round(time.perf_counter() - t0, 3)

        t0 = time.perf_counter()
        labels = _components(good.rdd.map(lambda r: (r[0], r[1])), parts)
        assigned = self._resolve(spark, sigs, texts, good, labels, parts)
        self.times["resolve"] = round(time.perf_counter() - t0, 3)
        if cfg.spun == "all":
            from urai.corpus.pipeline import add_unique_spun

            add_unique_spun(assigned, {
                s: (None if sp is None or sp != sp else sp)
                for s, sp in sigs.select("seq", "spun").collect()}, dups)
        for df in (docs, sigs, good):
            df.unpersist()
        return assigned, dups

    def _resolve(self, spark: Any, sigs: Any, texts: Any, good: Any, labels: Any, parts: int
                 ) -> list[dict[str, Any]]:
        cfg = self.cfg
        lab = spark.createDataFrame(labels, "seq long, label long")
        members = (lab.join(sigs.select("seq", "id", "date", "spun", "fps", "qfps"), "seq")
                   .join(texts, "seq").rdd
                   .map(lambda r: (r.label, (r.seq, r.id, r.text, r.date, r.spun, r.fps,
                                             r.qfps))))
        edges = (good.join(lab.toDF("a", "label"), "a").rdd
                 .map(lambda r: (r.label, (r.a, r.b, r.ca, r.cb))))

        def resolve(kv: Any) -> Any:
            import numpy as np

            from urai.corpus.pipeline import assignment_json, resolve_with

            _, (mems, es) = kv
            ids, dates, txt, spun, fps = {}, {}, {}, {}, {}
            for seq, ident, text, date, sp, f, q in mems:
                ids[seq], dates[seq], txt[seq], spun[seq] = ident, date, text, sp
                fps[seq] = (np.array(f, np.int64), np.array(q, np.int64))
            out = resolve_with(sorted(ids), cfg, txt.__getitem__, _fp(cfg), ids, dates, spun,
                               [Edge(*e) for e in es], fps.__getitem__)
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
