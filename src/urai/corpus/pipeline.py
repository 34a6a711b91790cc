"""Steps and the local executor of ``urai cluster``.

A :class:`Step` turns documents into documents (``run(docs) -> docs``); the executor runs the
steps shard by shard. Everything a stage produces goes to ``DIR/.work/`` one file per shard
(written to a temporary name and renamed, so a file is either complete or absent), and a
killed run restarted with ``--resume`` redoes only the shards whose files are missing:

============  ======================================  =====================================
stage         unit                                    output (``DIR/.work/``)
============  ======================================  =====================================
read          the whole input (sequential, cheap)     ``docs/part-*.parquet``,
                                                      ``rejected.jsonl``, ``read.json``
signatures    a shard of documents (parallel)         ``sig/part-*.npz``, ``texts/part-*.sqlite``
candidates    a shard of documents                    ``cand/part-*.npz``
verify        a chunk of candidate pairs (parallel)   ``edges/part-*.npz``
resolve       a chunk of components (parallel)        ``resolve/part-*.jsonl``
============  ======================================  =====================================

Exact duplicates, buckets and connected components are recomputed from these files on every
run (they take seconds). Memory is bounded by the fingerprints (about 50 int64 per 400-word
article, ~0.4 GB at 1M documents) plus one shard; texts stay on disk (``texts/``, one SQLite
file per shard, :class:`ShardTexts`).
Workers are forked processes (``jobs``); the result never depends on their number.
"""

from __future__ import annotations

import gc
import json
import multiprocessing as mp
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from urai.corpus.families import (
    Assignment,
    ClusterConfig,
    Edge,
    Member,
    choose_candidates,
    connected_components,
    parse_date,
    resolve_component,
    signature,
    text_keys,
    verify_pair,
)
from urai.corpus.readers import Doc, FieldMap, read_inputs
from urai.corpus.workfiles import (
    EdgeTable,
    MemberFingerprints,
    ShardTexts,
    TextStore,
    Workdir,
    _atomic,
    _csr,
    _save_npz,
)
from urai.errors import ConfigError
from urai.records import Rejection

__all__ = ["Step", "SignatureStep", "Workdir", "LocalExecutor", "Corpus", "PAIR_CHUNK",
           "ShardTexts", "TextStore",
           "COMP_CHUNK", "EdgeTable"]

#: candidate pairs per verify work unit, members per resolve work unit (small enough that
#: the last unit of a stage does not leave a worker idle for long)
PAIR_CHUNK = 20_000
COMP_CHUNK = 1_500


class Step(Protocol):
    """One step of a corpus pipeline: documents in, documents (or results) out."""

    name: str

    def run(self, docs: Iterable[Any]) -> Iterable[Any]: ...


# -- the shared machinery of the workers (forked: read-only after fork) ------------------------
_STATE: dict[str, Any] = {}


def _fingerprinter() -> Any:
    fp = _STATE.get("fp")
    if fp is None:
        from urai.trace.fingerprint import Fingerprinter

        fp = _STATE["fp"] = Fingerprinter(_STATE["cfg"].index_config())
    return fp


def _thesaurus() -> Any:
    """The fingerprinter's thesaurus with memoised canonical keys (trace's
    :class:`~urai.trace.passages.MemoThesaurus`: the same keys, one look-up per distinct
    word of a worker instead of one normalisation per word of every text)."""
    th = _STATE.get("memo_th")
    if th is None:
        from urai.trace.passages import MemoThesaurus

        th = _STATE["memo_th"] = MemoThesaurus(_fingerprinter().thesaurus)
    return th


def _spun(text: str) -> float | None:
    from urai.detect.screener import screen

    p = screen(text).spun_probability
    return None if p is None else round(float(p), 6)


class SignatureStep:
    """Documents -> ``(seq, Signature, spun probability or None)``."""

    name = "signatures"

    def __init__(self, cfg: ClusterConfig) -> None:
        self.cfg = cfg

    def run(self, docs: Iterable[Doc]) -> Iterator[tuple[int, Any, float | None]]:
        _STATE.setdefault("cfg", self.cfg)
        fp = _fingerprinter()
        for d in docs:
            yield d.seq, signature(fp, d.text), (_spun(d.text) if self.cfg.spun == "all"
                                                 else None)



@dataclass
class Corpus:
    """What the read stage knows of the accepted documents, indexed by ``seq``."""

    ids: list[str]
    sources: list[str]
    urls: list[str | None]
    dates: list[str | None]
    titles: list[str | None]
    rejected: list[Rejection]
    read_rows: int
    bad_dates: int = 0
    times: dict[str, float] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.ids)


def _progress(total: int, desc: str, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc=f"cluster: {desc}", unit="shard", leave=False,
                disable=not enabled, file=sys.stderr)


# -- worker functions (module level: picklable) ----------------------------------------------
def _sig_shard(args: tuple[int, str, str, str]) -> int:
    i, docs_path, texts_path, out = args
    import pyarrow.parquet as pq

    t = pq.read_table(docs_path, columns=["seq", "text"]).to_pydict()
    tpath = Path(texts_path)  # the shard's text store first: a signature file implies it
    tmp = tpath.with_name(tpath.name + f".tmp{os.getpid()}")
    tmp.unlink(missing_ok=True)
    store = TextStore(tmp, write=True)
    try:
        store.put(list(zip(t["seq"], t["text"], strict=True)))
    finally:
        store.close()
    os.replace(tmp, tpath)
    docs = [Doc(s, "", x, "") for s, x in zip(t["seq"], t["text"], strict=True)]
    res = list(SignatureStep(_STATE["cfg"]).run(docs))
    fo, ff = _csr([r[1].fps for r in res])
    qo, qf = _csr([r[1].qfps for r in res])
    spun = np.array([np.nan if r[2] is None else r[2] for r in res], dtype=np.float64)
    _save_npz(Path(out), seq=np.array([r[0] for r in res], np.int64), fo=fo, ff=ff, qo=qo,
              qf=qf, nw=np.array([r[1].n_words for r in res], np.int64),
              dg=np.array([r[1].digest for r in res], np.int64), spun=spun)
    return i


#: the most (query fingerprint, bucket member) rows expanded at once in the candidates stage
CAND_ROWS = 4_000_000


def _cand_shard(args: tuple[int, str, str]) -> int:
    """Candidates of one shard's documents (see :meth:`LocalExecutor._candidates`)."""
    i, sig_path, out = args
    cfg: ClusterConfig = _STATE["cfg"]
    uniq, starts, df, d = _STATE["buckets"]
    rank, is_rep, n_base = _STATE["rank"], _STATE["is_rep"], _STATE["n_base"]
    with np.load(sig_path) as s:
        qo, qf, seqs = s["qo"], s["qf"], s["seq"]
    q = np.repeat(seqs, np.diff(qo))
    keep = is_rep[q]
    q, qf = q[keep], qf[keep]
    if len(uniq):
        pos = np.searchsorted(uniq, qf)
        pos_c = np.minimum(pos, len(uniq) - 1)
        ok = (pos < len(uniq)) & (uniq[pos_c] == qf) & (df[pos_c] <= cfg.df_cap)
    else:
        pos = pos_c = np.zeros(len(qf), np.int64)
        ok = np.zeros(len(qf), bool)
    q, pos = q[ok], pos_c[ok]
    cnt = df[pos]
    # expand in slices of whole query documents, so memory does not grow with bucket sizes
    rows = np.cumsum(cnt)
    bounds = [0]
    doc_end = np.flatnonzero(np.diff(q)) + 1 if len(q) else np.empty(0, np.int64)
    target = CAND_ROWS
    for e in doc_end.tolist():
        if rows[e - 1] >= target:
            bounds.append(e)
            target = rows[e - 1] + CAND_ROWS
    bounds.append(len(q))
    out_q: list[int] = []
    out_c: list[int] = []
    out_s: list[int] = []
    n = len(rank)
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        if lo == hi:
            continue
        qs_, ps_, cn_ = q[lo:hi], pos[lo:hi], cnt[lo:hi]
        tot = int(cn_.sum())
        qq = np.repeat(qs_, cn_)
        first = np.repeat(starts[ps_], cn_)
        within = np.arange(tot) - np.repeat(np.cumsum(cn_) - cn_, cn_)
        cc = d[first + within]
        del first, within
        m = cc != qq
        uk, shared = np.unique(qq[m] * n + cc[m], return_counts=True)
        del qq, cc, m
        qs, cs = uk // n, uk % n
        # each query's best ``verify`` candidates by (shared desc, id rank): exactly the ones
        # ``vote`` would rank first (its ties go to the first seen, i.e. the smaller id), so
        # ``vote`` sees only those instead of every document sharing a fingerprint
        o = np.lexsort((rank[cs], -shared, qs))
        qs, cs, shared = qs[o], cs[o], shared[o]
        gstart = np.r_[0, np.flatnonzero(np.diff(qs)) + 1]
        glen = np.diff(np.r_[gstart, len(qs)])
        within = np.arange(len(qs)) - np.repeat(gstart, glen)
        top = within < cfg.verify
        qs, cs, shared = qs[top], cs[top], shared[top]
        gb = np.flatnonzero(np.diff(qs)) + 1
        for a, b in zip(np.r_[0, gb].tolist(), np.r_[gb, len(qs)].tolist(), strict=True):
            if a == b:
                continue
            qd = int(qs[a])
            cand = dict(zip(cs[a:b].tolist(), shared[a:b].tolist(), strict=True))
            for c, sh, _ in choose_candidates(cand, int(n_base[qd]), rank.__getitem__, cfg):
                out_q.append(qd)
                out_c.append(c)
                out_s.append(sh)
    _save_npz(Path(out), q=np.array(out_q, np.int64), c=np.array(out_c, np.int64),
              s=np.array(out_s, np.int64))
    return i


def _verify_chunk(args: tuple[int, np.ndarray, np.ndarray, str]) -> int:
    i, a, b, out = args
    th = _thesaurus()
    cfg = _STATE["cfg"]
    texts = _store().get_many(np.union1d(a, b).tolist())
    keys = {s: text_keys(t, th) for s, t in texts.items()}  # once per document, not per pair
    del texts
    ca = np.empty(len(a))
    cb = np.empty(len(a))
    for k, (x, y) in enumerate(zip(a.tolist(), b.tolist(), strict=True)):
        e = verify_pair(x, keys[x], y, keys[y], th, cfg)
        ca[k], cb[k] = e.cov_a, e.cov_b
    _save_npz(Path(out), a=a, b=b, ca=ca, cb=cb)
    return i


def _store() -> ShardTexts:
    st = _STATE.get("store")
    if st is None or st[0] != os.getpid():
        st = _STATE["store"] = (os.getpid(), ShardTexts(_STATE["texts"],
                                                        _STATE["cfg"].shard_size))
    return st[1]


def _resolve_chunk(args: tuple[int, list[list[int]], str]) -> int:
    i, comps, out = args
    lines = [json.dumps(assignment_json(a, sp)) for comp in comps for a, sp in resolve_one(comp)]
    _atomic(Path(out), lambda tmp: tmp.write_text("".join(x + "\n" for x in lines)))
    return i


def resolve_one(comp: list[int]) -> list[tuple[Assignment, float | None]]:
    """Resolve one component in a worker (members, edges and texts from the shared state):
    each member's assignment and spun probability."""
    cfg: ClusterConfig = _STATE["cfg"]
    store = _store()
    return resolve_with(comp, cfg, store.get, _fingerprinter(), _STATE["ids"], _STATE["dates"],
                        _STATE["spun"], _STATE["edges_of"](comp), _STATE["fps"])


def resolve_with(comp: list[int], cfg: ClusterConfig, text: Callable[[int], str], fp: Any,
                 ids: Any, dates: Any, spun_all: Any, edges: list[Edge],
                 fps: Callable[[int], tuple[np.ndarray, np.ndarray]] | None = None
                 ) -> list[tuple[Assignment, float | None]]:
    """:func:`~urai.corpus.families.resolve_component` with the spun probabilities (the
    screen: for ``spun="members"`` of every member, for ``spun="needed"`` of the members the
    original choice is still undecided on, each at most once) and containment from
    fingerprints (``fps(doc)``: the signature stage's base and query fingerprints; recomputed
    from the text without it): shared by the local and the Spark executor."""
    members = []
    for d in comp:
        sp = spun_all[d] if spun_all is not None and len(spun_all) else None
        if cfg.spun == "members":
            sp = _spun(text(d))
        elif sp is not None and np.isnan(sp):
            sp = None
        elif sp is not None:
            sp = float(sp)
        members.append(Member(d, ids[d], dates[d], sp))
    asked: dict[int, float | None] = {}

    def spun_of(d: int) -> float | None:
        if d not in asked:
            asked[d] = _spun(text(d))
        return asked[d]
    sigs: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def sig(d: int) -> tuple[np.ndarray, np.ndarray]:
        if d not in sigs:
            if fps is not None:
                sigs[d] = fps(d)
            else:
                t = text(d)
                sigs[d] = (fp.fingerprints(t), fp.fingerprints(t, query=True))
        return sigs[d]

    def containment(copy: int, orig: int) -> float:
        base, q = sig(copy)
        shared = len(np.intersect1d(q, sig(orig)[0], assume_unique=True))
        return min(1.0, shared / max(1, len(base)))

    th = _thesaurus() if fp is _STATE.get("fp") else fp.thesaurus
    out = resolve_component(members, edges, text, th, cfg, containment,
                            spun_of if cfg.spun == "needed" else None)
    spun = {m.doc: m.spun for m in members}
    spun.update(asked)
    return [(a, spun[a.doc]) for a in out]


def add_unique_spun(assigned: list[dict[str, Any]], spun: dict[int, float | None],
                    dups: dict[int, int]) -> None:
    """With ``spun="all"``: an assignment (unique, with its spun probability) for every
    document outside the components that is not an exact duplicate."""
    have = {a["doc"] for a in assigned}
    assigned.extend({"doc": d, "original": d, "role": "unique", "coverage": None,
                     "score": None, "swaps": [], "reason": "", "spun": sp}
                    for d, sp in sorted(spun.items()) if d not in have and d not in dups)


def assignment_json(a: Assignment, spun: float | None) -> dict[str, Any]:
    return {"doc": a.doc, "original": a.original, "role": a.role, "coverage": a.coverage,
            "score": a.score, "swaps": [list(s) for s in a.swaps], "reason": a.reason,
            "spun": spun}


def parent_peak_mb() -> int:
    """This process's peak resident set size so far, in MB (its workers not included)."""
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)


class LocalExecutor:
    """Runs the cluster stages in ``DIR/.work`` with ``jobs`` worker processes."""

    def __init__(self, work: Path, cfg: ClusterConfig, *, jobs: int = 1,
                 progress: bool = False) -> None:
        if jobs < 1:
            raise ConfigError("jobs must be at least 1")
        self.w = Workdir(work)
        self.cfg = cfg
        self.jobs = jobs
        self.progress = progress
        self.times: dict[str, float] = {}
        #: this process's peak resident memory (MB) at the end of each stage
        self.peak_mb: dict[str, int] = {}

    # -- plumbing ---------------------------------------------------------------------------
    def _map(self, fn: Callable[[Any], int], tasks: list[Any], desc: str) -> None:
        bar = _progress(len(tasks), desc, self.progress)
        try:
            if self.jobs == 1 or len(tasks) <= 1:
                for t in tasks:
                    fn(t)
                    bar.update(1)
            else:
                ctx = mp.get_context("fork")
                # the parent's objects (a million ids, dates, ...) move to the collector's
                # permanent generation before the fork: a worker's collections then never
                # walk them (work growing with the crawl on every collection) nor write
                # their headers (copying every shared page into the worker)
                gc.freeze()
                try:
                    with ctx.Pool(self.jobs) as pool:
                        for _ in pool.imap_unordered(fn, tasks):
                            bar.update(1)
                finally:
                    gc.unfreeze()
        finally:
            bar.close()

    def _timed(self, name: str, t0: float) -> None:
        self.times[name] = round(self.times.get(name, 0.0) + time.perf_counter() - t0, 3)
        self.peak_mb[name] = parent_peak_mb()

    # -- read -------------------------------------------------------------------------------
    def read(self, inputs: list[str], fields: FieldMap) -> Corpus:
        t0 = time.perf_counter()
        meta_path = self.w.root / "read.json"
        if not meta_path.exists():
            self._read(inputs, fields)
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        rejected = [Rejection(r["source"], r["error"]["message"], r["error"]["code"])
                    for r in map(json.loads, (self.w.root / "rejected.jsonl").read_text(
                        encoding="utf-8").splitlines())]
        import pyarrow.parquet as pq

        cols: dict[str, list[Any]] = {k: [] for k in ("id", "source", "url", "date", "title")}
        for i in range(meta["shards"]):
            t = pq.read_table(self.w.part("docs", i, "parquet"), columns=list(cols)).to_pydict()
            for k in cols:
                cols[k].extend(t[k])
        corpus = Corpus(cols["id"], cols["source"], cols["url"], cols["date"], cols["title"],
                        rejected, meta["rows"], meta["bad_dates"])
        self._timed("read", t0)
        return corpus

    def _read(self, inputs: list[str], fields: FieldMap) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        for stage in ("docs", "texts", "sig"):  # a new read: the shards' files are stale
            for old in self.w.sub(stage).glob("*"):
                old.unlink()
        rej = open(self.w.root / "rejected.jsonl", "w", encoding="utf-8")
        buf: list[Doc] = []
        shards = rows = bad_dates = 0

        def flush() -> None:
            nonlocal shards
            cols = {"seq": [d.seq for d in buf], "id": [d.id for d in buf],
                    "text": [d.text for d in buf], "source": [d.source for d in buf],
                    "title": [d.title for d in buf], "url": [d.url for d in buf],
                    "date": [d.date for d in buf]}
            table = pa.table(cols, schema=pa.schema([
                ("seq", pa.int64()), ("id", pa.string()), ("text", pa.string()),
                ("source", pa.string()), ("title", pa.string()), ("url", pa.string()),
                ("date", pa.string())]))
            pq.write_table(table, self.w.part("docs", shards, "parquet"))
            shards += 1
            buf.clear()

        try:
            for item in read_inputs(inputs, fields, self.cfg.max_doc_bytes):
                rows += 1
                if isinstance(item, Rejection):
                    rej.write(json.dumps(item.to_dict(), ensure_ascii=False) + "\n")
                    continue
                if item.date is not None and parse_date(item.date) is None:
                    bad_dates += 1
                buf.append(item)
                if len(buf) >= self.cfg.shard_size:
                    flush()
            if buf:
                flush()
        finally:
            rej.close()
        meta = {"rows": rows, "shards": shards, "bad_dates": bad_dates}
        _atomic(self.w.root / "read.json", lambda tmp: tmp.write_text(json.dumps(meta)))

    # -- the rest ---------------------------------------------------------------------------
    def cluster(self, corpus: Corpus) -> tuple[Iterable[dict[str, Any]], dict[int, int]]:
        """All stages after read: per-document assignments (by seq; an iterable read from
        the work files once, as it is consumed) and exact duplicates (duplicate seq -> its
        representative's seq)."""
        cfg = self.cfg
        n = corpus.n
        n_shards = (n + cfg.shard_size - 1) // cfg.shard_size
        dates = [parse_date(d) for d in corpus.dates]
        _STATE.clear()
        texts = self.w.sub("texts")
        _STATE.update(cfg=cfg, ids=corpus.ids, dates=dates, texts=str(texts))
        _fingerprinter()  # load the thesaurus once, before the workers fork

        t0 = time.perf_counter()
        store = ShardTexts(texts, cfg.shard_size)
        tasks = [(i, str(self.w.part("docs", i, "parquet")), str(store.path(i)),
                  str(self.w.part("sig", i, "npz"))) for i in range(n_shards)
                 if not (self.w.part("sig", i, "npz").exists() and store.path(i).exists())]
        self._map(_sig_shard, tasks, "signatures")
        sig = [np.load(self.w.part("sig", i, "npz")) for i in range(n_shards)]
        spun = np.concatenate([s["spun"] for s in sig]) if sig else np.empty(0)
        digest = np.concatenate([s["dg"] for s in sig]) if sig else np.empty(0, np.int64)
        self._timed("signatures", t0)

        t0 = time.perf_counter()
        rank = np.empty(n, dtype=np.int64)
        rank[np.array(sorted(range(n), key=corpus.ids.__getitem__), dtype=np.int64)] = \
            np.arange(n)
        dups = _exact_duplicates(digest, dates, corpus.ids)
        is_rep = np.ones(n, dtype=bool)
        if dups:
            is_rep[np.fromiter(dups.keys(), np.int64)] = False
        self._candidates(sig, rank, is_rep, n_shards)
        self._timed("candidates", t0)

        t0 = time.perf_counter()
        pairs = self._pairs(n_shards, rank)
        edges = self._verify(pairs)
        self._timed("verify", t0)

        t0 = time.perf_counter()
        del pairs
        assigned = self._resolve(edges, spun, is_rep, sig)
        if cfg.spun == "all":
            assigned = list(assigned)
            add_unique_spun(assigned, {s: (None if np.isnan(x) else float(x))
                                       for s, x in enumerate(spun.tolist())}, dups)
        self._timed("resolve", t0)
        return assigned, dups

    def _candidates(self, sig: list[Any], rank: np.ndarray, is_rep: np.ndarray,
                    n_shards: int) -> None:
        """The buckets (every base fingerprint of a representative, sorted) are built once
        here and shared read-only with the forked workers, which vote shard by shard."""
        todo = [i for i in range(n_shards) if not self.w.part("cand", i, "npz").exists()]
        if not todo:
            return
        hs, ds, nb = [], [], []
        for s in sig:
            fo = s["fo"]
            cnt = np.diff(fo)
            owner = np.repeat(s["seq"], cnt)
            keep = is_rep[owner]
            hs.append(s["ff"][keep])
            ds.append(owner[keep])
            nb.append(cnt)
        h = np.concatenate(hs) if hs else np.empty(0, np.int64)
        # seqs as int32 and the sort in place: the buckets are the stage's (and, at 1M
        # documents, the run's) largest arrays, so no second copy of them is made
        d = (np.concatenate(ds) if ds else np.empty(0, np.int64)).astype(np.int32)
        del hs, ds
        order = np.argsort(h, kind="stable")
        d = d[order]
        del order
        h.sort(kind="stable")
        starts = np.flatnonzero(np.r_[True, h[1:] != h[:-1]]) if len(h) else \
            np.empty(0, np.int64)
        uniq = h[starts]
        df = np.diff(np.r_[starts, len(h)])
        del h
        _STATE.update(buckets=(uniq, starts, df, d),
                      n_base=np.concatenate(nb) if nb else np.empty(0, np.int64),
                      rank=rank, is_rep=is_rep)
        self._map(_cand_shard, [(i, str(self.w.part("sig", i, "npz")),
                                 str(self.w.part("cand", i, "npz"))) for i in todo],
                  "candidates")
        for k in ("buckets", "n_base"):
            _STATE.pop(k, None)

    def _pairs(self, n_shards: int, rank: np.ndarray) -> np.ndarray:
        parts = []
        for i in range(n_shards):
            c = np.load(self.w.part("cand", i, "npz"))
            q, cc = c["q"], c["c"]
            swap = rank[q] > rank[cc]
            a = np.where(swap, cc, q)
            b = np.where(swap, q, cc)
            parts.append(np.stack([a, b], axis=1))
        if not parts:
            return np.empty((0, 2), np.int64)
        allp = np.concatenate(parts)
        if len(allp) == 0:
            return allp.reshape(0, 2)
        uniq = np.unique(allp, axis=0)
        return uniq[np.lexsort((rank[uniq[:, 1]], rank[uniq[:, 0]]))]

    def _verify(self, pairs: np.ndarray) -> EdgeTable:
        chunks = [(i, pairs[lo:lo + PAIR_CHUNK, 0].copy(), pairs[lo:lo + PAIR_CHUNK, 1].copy(),
                   str(self.w.part("edges", i, "npz")))
                  for i, lo in enumerate(range(0, len(pairs), PAIR_CHUNK))]
        meta = self.w.root / "edges" / "pairs.json"
        want = {"pairs": int(len(pairs)), "chunk": PAIR_CHUNK}
        if not meta.exists() or json.loads(meta.read_text()) != want:
            for old in self.w.sub("edges").glob("part-*"):
                old.unlink()
            _atomic(meta, lambda tmp: tmp.write_text(json.dumps(want)))
        self._map(_verify_chunk, [t for t in chunks if not Path(t[3]).exists()], "verify")
        parts = [np.load(t[3]) for t in chunks]
        if not parts:
            return EdgeTable.empty()
        return EdgeTable(*(np.concatenate([e[k] for e in parts]) for k in ("a", "b", "ca", "cb")))

    def _resolve(self, edges: EdgeTable, spun: np.ndarray, is_rep: np.ndarray,
                 sig: list[Any]) -> Iterable[dict[str, Any]]:
        cfg = self.cfg
        good = edges.verified(cfg)
        del edges
        nodes = np.unique(np.concatenate([good.a, good.b])).tolist()
        comps = connected_components(nodes, zip(good.a.tolist(), good.b.tolist(), strict=True))
        _STATE.update(spun=spun, edges_of=good.of, fps=MemberFingerprints(sig, nodes))
        if cfg.spun in ("members", "needed") and nodes and self.jobs > 1:
            _spun("Model dimuat sekali sebelum pekerja dibuat.")  # load the screen before fork
        chunks: list[list[list[int]]] = [[]]
        size = 0
        for c in comps:
            if size >= COMP_CHUNK:
                chunks.append([])
                size = 0
            chunks[-1].append(c)
            size += len(c)
        if not comps:
            chunks = []
        meta = self.w.root / "resolve" / "chunks.json"
        want = {"components": len(comps), "members": len(nodes), "chunk": COMP_CHUNK}
        if not meta.exists() or json.loads(meta.read_text()) != want:
            for old in self.w.sub("resolve").glob("part-*"):
                old.unlink()
            _atomic(meta, lambda tmp: tmp.write_text(json.dumps(want)))
        tasks = [(i, ch, str(self.w.part("resolve", i, "jsonl"))) for i, ch in enumerate(chunks)]
        self._map(_resolve_chunk, [t for t in tasks if not Path(t[2]).exists()], "resolve")
        for k in ("spun", "edges_of", "fps"):  # the members' fingerprints and edges: done
            _STATE.pop(k, None)
        store = _STATE.pop("store", None)  # the texts (with jobs=1 read in this process)
        if store is not None and store[0] == os.getpid():
            store[1].close()
        del good, comps, chunks
        return _assignments([Path(t[2]) for t in tasks])


def _assignments(parts: list[Path]) -> Iterator[dict[str, Any]]:
    """The resolve stage's assignments, read part by part as they are consumed (never all
    of them in memory as dictionaries), each one's swaps packed into one string."""
    from urai.corpus.report import pack_swaps

    for path in parts:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                a = json.loads(line)
                a["swaps"] = pack_swaps(a["swaps"])
                yield a




def _exact_duplicates(digest: np.ndarray, dates: list[float | None], ids: list[str]
                      ) -> dict[int, int]:
    """Duplicate seq -> representative seq (earliest date, then smallest id) of every group
    of documents with the same normalised text."""
    if len(digest) == 0:
        return {}
    order = np.argsort(digest, kind="stable")
    sd = digest[order]
    bounds = np.flatnonzero(np.diff(sd)) + 1
    out: dict[int, int] = {}
    for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, len(sd)], strict=True):
        if hi - lo < 2:
            continue
        group = order[lo:hi].tolist()
        rep = min(group, key=lambda s: (dates[s] if dates[s] is not None else float("inf"),
                                        ids[s]))
        for s in group:
            if s != rep:
                out[s] = rep
    return out
