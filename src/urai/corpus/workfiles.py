"""The work files of the local cluster executor (``DIR/.work``): atomic writes, the
layout, the texts by seq (one SQLite file per shard), the verified pairs as arrays and the
members' fingerprints, shared read-only with forked workers."""

from __future__ import annotations

import os
import sqlite3
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from urai.corpus.families import ClusterConfig, Edge, is_edge

__all__ = ["Workdir", "TextStore", "ShardTexts", "EdgeTable", "MemberFingerprints"]


def _atomic(path: Path, write: Callable[[Path], None]) -> None:
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    write(tmp)
    os.replace(tmp, path)


def _save_npz(path: Path, **arrays: np.ndarray) -> None:
    def w(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)

    _atomic(path, w)


def _csr(arrays: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    off = np.zeros(len(arrays) + 1, dtype=np.int64)
    off[1:] = np.cumsum([len(a) for a in arrays])
    flat = np.concatenate(arrays) if arrays else np.empty(0, np.int64)
    return off, flat.astype(np.int64, copy=False)


@dataclass
class Workdir:
    """The layout of ``DIR/.work``."""

    root: Path

    def sub(self, name: str) -> Path:
        p = self.root / name
        p.mkdir(parents=True, exist_ok=True)
        return p

    def part(self, stage: str, i: int, ext: str) -> Path:
        return self.sub(stage) / f"part-{i:05d}.{ext}"


class TextStore:
    """Texts by ``seq`` in one SQLite file (zlib), for random access by the workers."""

    def __init__(self, path: Path, write: bool = False) -> None:
        if write:
            self.conn = sqlite3.connect(path)
            self.conn.execute("PRAGMA journal_mode=OFF")
            self.conn.execute("PRAGMA synchronous=OFF")
            self.conn.execute("CREATE TABLE IF NOT EXISTS t (seq INTEGER PRIMARY KEY, z BLOB)")
        else:
            self.conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)

    def put(self, rows: list[tuple[int, str]]) -> None:
        self.conn.executemany("INSERT OR REPLACE INTO t VALUES (?, ?)",
                              [(s, zlib.compress(t.encode("utf-8"), 1)) for s, t in rows])
        self.conn.commit()

    def get(self, seq: int) -> str:
        row = self.conn.execute("SELECT z FROM t WHERE seq = ?", (seq,)).fetchone()
        return zlib.decompress(row[0]).decode("utf-8")

    def get_many(self, seqs: list[int]) -> dict[int, str]:
        """Texts of ``seqs`` (one query per 900 of them)."""
        out: dict[int, str] = {}
        for lo in range(0, len(seqs), 900):
            part = seqs[lo:lo + 900]
            rows = self.conn.execute(f"SELECT seq, z FROM t WHERE seq IN "
                                     f"({','.join('?' * len(part))})", part).fetchall()
            out.update((s, zlib.decompress(z).decode("utf-8")) for s, z in rows)
        return out

    def close(self) -> None:
        self.conn.close()


class ShardTexts:
    """The texts of a run: one :class:`TextStore` per shard (``texts/part-*.sqlite``, shard
    ``i`` holding seqs ``i * shard_size`` to ``(i + 1) * shard_size - 1``), written by the
    signature workers in parallel (compressing every text was a third of the sequential
    read stage), read by seq. One bounded cache of texts for the whole run, and at most
    :attr:`MAX_OPEN` shard files open (each connection has its own page cache and handle)."""

    #: texts kept in the cache (cleared when over)
    CACHE = 2000
    #: shard files open at once (the least recently opened is closed first)
    MAX_OPEN = 64

    def __init__(self, root: Path, shard_size: int) -> None:
        self.root, self.size = Path(root), shard_size
        self.open: dict[int, TextStore] = {}
        self.cache: dict[int, str] = {}

    def path(self, shard: int) -> Path:
        return self.root / f"part-{shard:05d}.sqlite"

    def _of(self, shard: int) -> TextStore:
        st = self.open.get(shard)
        if st is None:
            if len(self.open) >= self.MAX_OPEN:
                self.open.pop(next(iter(self.open))).close()
            st = self.open[shard] = TextStore(self.path(shard))
        return st

    def get(self, seq: int) -> str:
        t = self.cache.get(seq)
        if t is None:
            t = self._of(seq // self.size).get(seq)
            if len(self.cache) > self.CACHE:
                self.cache.clear()
            self.cache[seq] = t
        return t

    def get_many(self, seqs: list[int]) -> dict[int, str]:
        by: dict[int, list[int]] = {}
        for q in seqs:
            by.setdefault(q // self.size, []).append(q)
        out: dict[int, str] = {}
        for shard, part in by.items():
            out.update(self._of(shard).get_many(part))
        return out

    def close(self) -> None:
        for st in self.open.values():
            st.close()
        self.open.clear()
        self.cache.clear()


class EdgeTable:
    """Verified pairs as four arrays (``a`` < ``b`` by id, and each one's explained share),
    sorted by ``a`` once :meth:`verified`: no Python object per pair, and forked workers
    read the same pages instead of copying them when they touch reference counts."""

    def __init__(self, a: np.ndarray, b: np.ndarray, ca: np.ndarray, cb: np.ndarray) -> None:
        self.a, self.b, self.ca, self.cb = a, b, ca, cb
        self.nodes = np.empty(0, np.int64)
        self.start: np.ndarray | None = None

    @classmethod
    def empty(cls) -> EdgeTable:
        z = np.empty(0, np.int64)
        return cls(z, z, np.empty(0), np.empty(0))

    def verified(self, cfg: ClusterConfig) -> EdgeTable:
        """The pairs that are edges (:func:`~urai.corpus.families.is_edge`), sorted by
        ``a`` and indexed for :meth:`of`."""
        keep = np.fromiter((is_edge(Edge(0, 1, x, y), cfg) for x, y in
                            zip(self.ca.tolist(), self.cb.tolist(), strict=True)),
                           dtype=bool, count=len(self.a))
        o = np.argsort(self.a[keep], kind="stable")
        t = EdgeTable(*(x[keep][o] for x in (self.a, self.b, self.ca, self.cb)))
        t.nodes, t.start = np.unique(t.a, return_index=True)
        t.start = np.r_[t.start, len(t.a)]
        return t

    def of(self, comp: list[int]) -> list[Edge]:
        """The edges whose ``a`` is in ``comp`` (those of a component: both ends in it)."""
        assert self.start is not None
        out: list[Edge] = []
        idx = np.searchsorted(self.nodes, comp)
        for x, i in zip(comp, idx.tolist(), strict=True):
            if i < len(self.nodes) and self.nodes[i] == x:
                lo, hi = int(self.start[i]), int(self.start[i + 1])
                out.extend(Edge(x, b, ca, cb) for b, ca, cb in zip(
                    self.b[lo:hi].tolist(), self.ca[lo:hi].tolist(), self.cb[lo:hi].tolist(),
                    strict=True))
        return out


class MemberFingerprints:
    """The signature stage's base and query fingerprints of the component members (two CSR
    arrays, shared read-only by the forked workers): the resolve stage's containment reads
    them instead of fingerprinting every member again."""

    def __init__(self, sig: list[Any], nodes: list[int]) -> None:
        want = np.array(nodes, dtype=np.int64)
        self.nodes = want
        parts: dict[str, list[np.ndarray]] = {"b": [], "q": []}
        seen: list[int] = []
        for s in sig:
            seq = s["seq"]
            rows = np.flatnonzero(np.isin(seq, want))
            seen.extend(seq[rows].tolist())
            for key, off, flat in (("b", s["fo"], s["ff"]), ("q", s["qo"], s["qf"])):
                parts[key].extend(flat[off[r]:off[r + 1]] for r in rows.tolist())
        # sig shards hold increasing seqs, so the rows come in the order of ``nodes``; a
        # broken assumption must not let a member use another document's fingerprints
        if seen != want.tolist():
            raise RuntimeError("resolve: the signature shards do not hold the members in "
                               "increasing order; remove the run's work directory and rerun")
        self.bo, self.bf = _csr(parts["b"])
        self.qo, self.qf = _csr(parts["q"])

    def __call__(self, doc: int) -> tuple[np.ndarray, np.ndarray]:
        i = int(np.searchsorted(self.nodes, doc))
        if i >= len(self.nodes) or self.nodes[i] != doc:
            raise KeyError(f"document {doc} is no member of a component")
        return (self.bf[self.bo[i]:self.bo[i + 1]], self.qf[self.qo[i]:self.qo[i + 1]])
