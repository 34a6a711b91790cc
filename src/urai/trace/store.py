"""The SQLite file behind :class:`urai.trace.index.Index`.

One file, opened in WAL mode with ``synchronous=NORMAL``: any number of readers (other
processes included) see the last committed state while one process writes, and a crash (even
``SIGKILL``) mid-batch loses at most the uncommitted batch, never leaves a half-written one,
because every batch of documents is one transaction.

Schema (``SCHEMA_VERSION``)::

    meta(key TEXT PRIMARY KEY, value TEXT)            -- schema version, fingerprint signature
    docs(doc INTEGER PRIMARY KEY, id TEXT UNIQUE, title, url, date,
         hash BLOB,          -- blake2b-128 of the text (for --skip-existing)
         fps BLOB,           -- empty (schema 1: the fingerprints; now recomputed on removal)
         n_words INTEGER, text BLOB)                   -- text is zlib-compressed UTF-8
    postings(h INTEGER, doc INTEGER, PRIMARY KEY (h, doc)) WITHOUT ROWID        -- main
    postings_delta(h INTEGER, doc INTEGER, PRIMARY KEY (h, doc)) WITHOUT ROWID  -- recent

Both posting tables are clustered on ``(h, doc)``, so one fingerprint's documents are one
B-tree range scan. New postings go to the small ``postings_delta`` table first: fingerprints
are random, so inserting a batch straight into a large tree would dirty (and rewrite through
the WAL) nearly every leaf page of it, and ingest would slow down as the index grows. Once the
delta holds ``DELTA_MAX`` rows it is merged into ``postings`` in key order (one sequential pass,
in the same transaction as the batch that filled it). Queries read both tables.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from urai.errors import ResourceError

__all__ = ["Store", "SCHEMA_VERSION"]

#: 2: fingerprints no longer stored per document (recomputed from the text on removal);
#: meta 'postings' counts the postings
SCHEMA_VERSION = 2
#: rows of postings_delta that trigger a merge into postings
DELTA_MAX = 2_000_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs(
    doc INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    title TEXT, url TEXT, date TEXT,
    hash BLOB NOT NULL,
    fps BLOB NOT NULL,
    n_words INTEGER NOT NULL,
    text BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS postings(
    h INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (h, doc)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS postings_delta(
    h INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (h, doc)
) WITHOUT ROWID;
"""


#: seconds a writer waits for another writer's lock (``Index(lock_timeout=...)``,
#: ``urai index add --lock-timeout``)
DEFAULT_LOCK_TIMEOUT = 600.0


class Store:
    """Low-level access to an index file (no fingerprinting, no scoring)."""

    def __init__(self, path: str | Path, *, create: bool, readonly: bool = False,
                 timeout: float = 30.0, lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
                 on_wait: Callable[[str], None] | None = None) -> None:
        self.path = Path(path)
        self.readonly = readonly
        #: how long a writer waits for another writer's lock before giving up (seconds)
        self.lock_timeout = float(lock_timeout)
        #: told once, in one line, when a writer starts waiting for the lock
        self.on_wait = on_wait
        self._timeout = float(timeout)
        if not self.path.exists():
            if not create or readonly:
                raise ResourceError(
                    f"{self.path}: no such index; create it with `urai index add --db "
                    f"{self.path} FILE...`"
                )
            if self.path.parent and not self.path.parent.exists():
                raise ResourceError(f"{self.path}: directory {self.path.parent} does not exist")
        elif self.path.is_dir():
            raise ResourceError(f"{self.path}: is a directory; give the index file")
        try:
            if readonly:
                uri = f"{self.path.resolve().as_uri()}?mode=ro"
                self.conn = sqlite3.connect(uri, uri=True, timeout=timeout,
                                            isolation_level=None, check_same_thread=False)
            else:
                self.conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None,
                                            check_same_thread=False)
            self.conn.execute("PRAGMA cache_size=-262144")  # 256 MiB page cache
            if not readonly:
                self.conn.execute("PRAGMA journal_mode=WAL")
                self.conn.execute("PRAGMA synchronous=NORMAL")
                self.conn.executescript(_SCHEMA)
            else:
                self.conn.execute("SELECT count(*) FROM meta").fetchone()
        except sqlite3.DatabaseError as exc:
            raise ResourceError(f"{self.path}: not a urai index or corrupt ({exc})") from None

    # -- meta -------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def check_or_set_signature(self, signature: dict[str, object]) -> None:
        """Record ``signature`` in a new index, or refuse one built differently."""
        want = json.dumps(signature, sort_keys=True)
        have_schema = self.get_meta("schema")
        have = self.get_meta("fingerprint")
        if have is None:
            if self.readonly:
                raise ResourceError(f"{self.path}: empty or unfinished index (no metadata)")
            with self.transaction():
                self.conn.execute("INSERT OR REPLACE INTO meta VALUES('schema', ?)",
                                  (str(SCHEMA_VERSION),))
                self.conn.execute("INSERT OR REPLACE INTO meta VALUES('fingerprint', ?)",
                                  (want,))
            return
        if have_schema != str(SCHEMA_VERSION):
            raise ResourceError(
                f"{self.path}: index schema {have_schema} but this urai reads schema "
                f"{SCHEMA_VERSION}; rebuild it with `urai index add`"
            )
        if have != want:
            old, new = json.loads(have), signature
            diff = ", ".join(
                f"{k}: index has {old.get(k)!r}, now {new.get(k)!r}"
                for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)
            )
            raise ResourceError(
                f"{self.path}: index was built with different fingerprint settings or "
                f"thesaurus ({diff}); rebuild it into a new file"
            )

    # -- transactions -----------------------------------------------------------------------
    def transaction(self) -> _Tx:
        return _Tx(self)

    # -- documents --------------------------------------------------------------------------
    def doc_row(self, ident: str) -> tuple[int, bytes, bytes] | None:
        """``(doc, hash, fps)`` of an id, or None."""
        return self.conn.execute(
            "SELECT doc, hash, fps FROM docs WHERE id=?", (ident,)
        ).fetchone()

    def doc_rows(self, idents: list[str]) -> dict[str, tuple[int, bytes, bytes]]:
        """``id -> (doc, hash, fps)`` for those of ``idents`` that are indexed."""
        out: dict[str, tuple[int, bytes, bytes]] = {}
        for i in range(0, len(idents), 500):
            chunk = idents[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for ident, doc, digest, fps in self.conn.execute(
                f"SELECT id, doc, hash, fps FROM docs WHERE id IN ({marks})", chunk
            ):
                out[ident] = (doc, digest, fps)
        return out

    def next_doc(self) -> int:
        return int(self.conn.execute("SELECT coalesce(max(doc), 0) + 1 FROM docs").fetchone()[0])

    def insert_docs(self, rows: list[tuple]) -> None:
        """Rows ``(doc, id, title, url, date, hash, fps bytes, n_words, zlib text)``."""
        self.conn.executemany(
            "INSERT INTO docs(doc, id, title, url, date, hash, fps, n_words, text) "
            "VALUES (?,?,?,?,?,?,?,?,?)", rows)

    def delete_doc(self, doc: int, fps: bytes) -> None:
        hs = np.frombuffer(fps, dtype=np.int64).tolist()
        pairs = [(h, doc) for h in hs]
        self.conn.executemany("DELETE FROM postings WHERE h=? AND doc=?", pairs)
        self.conn.executemany("DELETE FROM postings_delta WHERE h=? AND doc=?", pairs)
        self.conn.execute("DELETE FROM docs WHERE doc=?", (doc,))
        self._add_total(-len(hs))

    def _add_total(self, n: int) -> None:
        total = int(self.get_meta("postings") or 0) + n
        self.conn.execute("INSERT OR REPLACE INTO meta VALUES('postings', ?)", (str(total),))

    def insert_postings(self, pairs: Iterable[tuple[int, int]], n: int) -> None:
        """Add ``n`` postings (inside a transaction); merges the delta when it is full."""
        self.conn.executemany("INSERT OR IGNORE INTO postings_delta(h, doc) VALUES (?,?)",
                              pairs)
        self._add_total(n)
        rows = int(self.get_meta("delta_rows") or 0) + n
        if rows >= DELTA_MAX:
            self.merge_delta()
        else:
            self.conn.execute("INSERT OR REPLACE INTO meta VALUES('delta_rows', ?)", (str(rows),))

    def merge_delta(self) -> None:
        """Move postings_delta into postings in key order (inside a transaction)."""
        self.conn.execute("INSERT OR IGNORE INTO postings(h, doc) "
                          "SELECT h, doc FROM postings_delta ORDER BY h, doc")
        self.conn.execute("DELETE FROM postings_delta")
        self.conn.execute("INSERT OR REPLACE INTO meta VALUES('delta_rows', '0')")

    # -- queries ----------------------------------------------------------------------------
    def postings(self, hashes: Iterable[int], cap: int) -> dict[int, list[int]]:
        """Documents of each fingerprint; fingerprints in more than ``cap`` docs are skipped."""
        out: dict[int, list[int]] = {}
        q = ("SELECT doc FROM postings WHERE h=?1 UNION ALL "
             "SELECT doc FROM postings_delta WHERE h=?1 LIMIT ?2")
        ex = self.conn.execute
        for h in hashes:
            docs = [r[0] for r in ex(q, (h, cap + 1))]
            if docs and len(docs) <= cap:
                out[h] = docs
        return out

    def doc_info(self, doc: int) -> tuple[str, str | None, str | None, str, int] | None:
        """``(id, title, url, text, n_fps)`` of an internal doc number."""
        row = self.conn.execute(
            "SELECT id, title, url, text, length(fps) FROM docs WHERE doc=?", (doc,)
        ).fetchone()
        if row is None:
            return None
        return row[0], row[1], row[2], zlib.decompress(row[3]).decode("utf-8"), row[4] // 8

    def texts_by_docs(self, docs: list[int]) -> dict[int, str]:
        """Texts of many internal doc numbers in one query (missing ones left out)."""
        out: dict[int, str] = {}
        for k in range(0, len(docs), 500):
            part = docs[k: k + 500]
            marks = ",".join("?" * len(part))
            for doc, blob in self.conn.execute(
                    f"SELECT doc, text FROM docs WHERE doc IN ({marks})", part):  # noqa: S608
                out[doc] = zlib.decompress(blob).decode("utf-8")
        return out

    def text_by_doc(self, doc: int) -> str | None:
        row = self.conn.execute("SELECT text FROM docs WHERE doc=?", (doc,)).fetchone()
        return zlib.decompress(row[0]).decode("utf-8") if row else None

    def text_of(self, ident: str) -> str | None:
        row = self.conn.execute("SELECT text FROM docs WHERE id=?", (ident,)).fetchone()
        return zlib.decompress(row[0]).decode("utf-8") if row else None

    def counts(self) -> tuple[int, int]:
        docs = self.conn.execute("SELECT count(*) FROM docs").fetchone()[0]
        return int(docs), int(self.get_meta("postings") or 0)

    def size_bytes(self) -> int:
        total = 0
        for suffix in ("", "-wal", "-shm"):
            p = Path(str(self.path) + suffix)
            if p.exists():
                total += p.stat().st_size
        return total

    def close(self) -> None:
        try:
            self.conn.close()
        except sqlite3.Error:  # pragma: no cover
            pass


class _Tx:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (or ``ROLLBACK`` on error).

    When another process holds the write lock, the writer says so once (``Store.on_wait``)
    and waits up to ``Store.lock_timeout`` seconds; then it gives up with one
    :class:`ResourceError` naming the file and the option, never a ``database is locked``
    traceback."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.conn = store.conn

    def __enter__(self) -> sqlite3.Connection:
        st, conn = self.store, self.conn
        try:
            conn.execute("PRAGMA busy_timeout=500")
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            if st.on_wait is not None:
                st.on_wait(f"{st.path}: another process is writing to this index; waiting up "
                           f"to {st.lock_timeout:g} s for its lock")
            conn.execute(f"PRAGMA busy_timeout={max(1, int(st.lock_timeout * 1000))}")
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:
                raise ResourceError(
                    f"{st.path}: another process has held the index's write lock for more "
                    f"than {st.lock_timeout:g} s; try again when it is done, or wait longer "
                    "with --lock-timeout") from None
        finally:
            conn.execute(f"PRAGMA busy_timeout={int(st._timeout * 1000)}")
        return conn

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.conn.execute("COMMIT")
        else:
            self.conn.execute("ROLLBACK")
