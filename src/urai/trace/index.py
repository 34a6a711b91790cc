"""A persistent, spin-robust source index: find which indexed article a text was copied from.

>>> from urai import Index                                      # doctest: +SKIP
>>> with Index("news.db") as idx:                               # doctest: +SKIP
...     idx.add([Record("a1", text, title="...")])
...     idx.trace(suspicious_text).matches
(Match(id='a1', score=0.93, coverage=0.91, title='...', url=None),)

How it works (details in :mod:`urai.trace.fingerprint`, :mod:`urai.trace.align`,
:mod:`urai.trace.store`, :mod:`urai.trace.scoring`):

* **Ingest**: each document is fingerprinted by sampled 3-shingles of its *immutable* words
  (names, numbers, words with no synonym: what a spinner cannot swap); the fingerprints go to
  an inverted index ``postings(h, doc)`` in one SQLite file, the text (zlib) to ``docs``.
  Documents are written in batches, one transaction each (new postings go to a small delta
  table merged into the main one in key order when full, so ingest speed does not fall as the
  index grows); re-adding an id replaces it
  (idempotent, so an interrupted ``add`` is resumed by running it again), and
  ``skip_existing`` skips ids whose stored text hash is unchanged.
* **Query**: the query's fingerprints (plus gapped variants that tolerate replacement words
  urai does not know) are looked up; fingerprints found in more than ``df_cap`` documents are
  skipped (boilerplate; keeps latency flat as the index grows). Candidates are ranked by the
  number of shared fingerprints, and the best ``verify`` of them are aligned with the query
  by :func:`urai.trace.align.align`, where thesaurus synonyms count as matches. ``coverage`` is the
  share of the query's words explained by the source (copied or swapped);
  ``score = 0.8 * coverage + 0.2 * containment`` where containment is the share of the
  query's fingerprints found in the source. A match needs ``coverage >= threshold``.
  The default threshold (0.2) was chosen on IndoSum folds 01-04 (see
  ``benchmarks/bench_trace.py --tune``): copies spun at 50% by an independent spinner had
  coverage >= 0.48 (p1 0.54), half-article excerpts >= 0.76 (p1), while the best candidate of
  an unrelated same-topic article stayed at or below 0.16 (p95 0.11); the sources of a text
  stitched from two articles each cover their share of it (often 0.2-0.5).
* **Passages** (issue 12; :mod:`urai.trace.passages`): every sentence also has an
  order-free *sentence-bag* fingerprint (two lowest keys of its content words), a second
  candidate channel for paragraphs with few immutables and for shuffled copies; each
  verified candidate's copied parts are located as :class:`~urai.trace.passages.Passage`
  (character offsets in both texts, kind, similarity, swaps). A candidate under the
  coverage threshold is still a match when its passages hold ``passage_words`` query words
  at ``passage_similarity`` outside common text (words three or more candidates explain);
  every part of the query goes to its best source, and the parts no source explains are the
  result's ``unmatched`` spans. ``trace(..., passages=False)`` is the whole-document trace.
"""

from __future__ import annotations

import bisect
import hashlib
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from urai.errors import ConfigError, InputError
from urai.records import Record, Rejection, make_record, validate_record
from urai.trace.align import Alignment, _keys, align, align_blocks, word_spans
from urai.trace.fingerprint import Fingerprinter, IndexConfig, ThesaurusLike
from urai.trace.lexical import lexical_order, query_terms
from urai.trace.passages import (
    MemoThesaurus,
    Passage,
    QueryPrep,
    Span,
    context_names,
    locate,
    prepare,
    uncovered_runs,
    unmatched_spans,
)
from urai.trace.scoring import (
    Candidate,
    accepts,
    accepts_passage,
    match_score,
    passage_verify,
    vote,
)
from urai.trace.store import DEFAULT_LOCK_TIMEOUT, Store

__all__ = ["Index", "IndexConfig", "Match", "Shared", "TraceResult", "AddReport", "Rejection",
           "IndexStats", "Passage", "Span"]

#: candidates are aligned in order of shared fingerprints until one match alone explains
#: this share of the query (a whole copy: the rest could only add lower-ranked matches)
EXPLAINED = 0.95
#: query words explained by this many candidates are common text (boilerplate)
COMMON = 3
#: queries of at most this many words get the lexical re-ranking of their candidates (a
#: paragraph: a long text's sources share many fingerprints, and its clean text would
#: dilute the share of its words that a source holds; on folds 01-04 every paragraph whose
#: source the vote missed had at most 73 words, and at 300 the re-ranking of whole short
#: articles doubled the issue-4 benchmark's p95)
RERANK_WORDS = 120
#: ... when the best candidate shares at most this many fingerprints with the query (on folds
#: 01-04 at 100k documents, every paragraph whose source the vote missed had a leader with
#: at most 3; a paragraph with more is decided by the vote, and skips the text look-ups)
RERANK_VOTES = 3
#: the re-ranking reads the pool's texts in vote order, first this many (one SQLite read),
#: and the rest (a second read) only when none of these holds :data:`RERANK_STOP` of the
#: query's content weight: on folds 01-04 at 1M documents the source was in the vote's
#: first 8 for 135 of the 141 re-ranked paragraphs whose source was in the pool, and a
#: candidate holding >= 0.8 was the source (or a copy of its text) every time it was
#: among the first 8; the early exit halves the texts read (48 -> 27 a paragraph) with the
#: same choices, and texts read are most of the re-ranking's cost
RERANK_FIRST = 8
#: ... a candidate holding this share of the query's content weight ends the re-ranking
RERANK_STOP = 0.8
#: candidates of the second vote (:meth:`Index._rounds`), over the query words that no
#: source of the first explains, when at least this many such words are left
SECOND_ROUND = 6
#: ... each with at least this many votes in its best window
SECOND_ROUND_VOTES = 2
SECOND_ROUND_WORDS = 25
#: ... counted in windows of 4 sentences (two blocks of 2), over the fingerprints of at
#: most this many documents (a short passage's own fingerprints are specific; the clean
#: text's common ones are what makes same-topic documents outvote its source)
SECOND_ROUND_DF = 50
#: a passage of a lower-ranked match is dropped when this share of it is already explained by
#: a better match (each part of the query is attributed to its best source)
CLAIMED_SHARE = 0.5
#: a candidate that is a match only by a passage (coverage under the threshold) is a
#: *same-event report*, reported as ``shared`` and not as a source, when the query and it
#: share at least this many rare names outside the located passages
#: (:func:`urai.trace.passages.context_names`): two outlets' reports of one event share a
#: ruling, a line-up or a lead, and the event's names all through both texts, while a
#: passage pasted into another text brings its names with it. On folds 01-04 (the 359
#: sources of ``bench_passages.py --tune`` that only the passage rule accepts) no source
#: shared more than 2 such names (one more than 1), so 3 keeps every one of them
EVENT_NAMES = 3
#: ... and when its longest passage has fewer query words than this (a longer shared text
#: is a copy whatever surrounds it)
EVENT_WORDS = 100
#: ... a name is rare when its word weight (:meth:`Index._weight`) is at least this: Zipf
#: frequency <= 3.5 or unknown (common names such as Indonesia, Jakarta, CNN are not)
EVENT_WEIGHT = 0.875


@dataclass(frozen=True, slots=True)
class Match:
    """An indexed source of the query: ``coverage`` is the share of the query's words it
    explains (copied, swapped for a synonym, or inside one of its passages), ``score`` ranks
    matches (0-1), ``passages`` locates the copied parts in both texts."""

    id: str
    score: float
    coverage: float
    title: str | None = None
    url: str | None = None
    passages: tuple[Passage, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "score": self.score, "coverage": self.coverage,
                "title": self.title, "url": self.url,
                "passages": [p.to_dict() for p in self.passages]}


@dataclass(frozen=True, slots=True)
class Shared:
    """Text the query shares with an indexed document that is too little to call that
    document a source: no passage of ``IndexConfig.passage_words`` query words outside common
    text (a quoted sentence, a law citation, a line-up or a dateline that two reports of
    one story both have). ``passages`` locates it as for a :class:`Match`."""

    id: str
    title: str | None = None
    url: str | None = None
    passages: tuple[Passage, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "title": self.title, "url": self.url,
                "passages": [p.to_dict() for p in self.passages]}


@dataclass(frozen=True, slots=True)
class TraceResult:
    """The ranked matches of one query (empty when nothing reaches the threshold), the
    parts of the query that none of them explains (``unmatched``), and shorter text shared
    with indexed documents that are not sources (``shared``, best first; its words are still
    in ``unmatched``, since no source explains them)."""

    source: str
    matches: tuple[Match, ...]
    unmatched: tuple[Span, ...] = ()
    shared: tuple[Shared, ...] = ()

    @property
    def best(self) -> Match | None:
        return self.matches[0] if self.matches else None

    def to_dict(self) -> dict[str, object]:
        return {"source": self.source, "matches": [m.to_dict() for m in self.matches],
                "unmatched": [u.to_dict() for u in self.unmatched],
                "shared": [x.to_dict() for x in self.shared]}


@dataclass(frozen=True, slots=True)
class AddReport:
    """What :meth:`Index.add` did: every input is counted once."""

    added: int = 0
    replaced: int = 0
    skipped: int = 0
    rejected: tuple[Rejection, ...] = ()
    #: of the rejected: a second record with an id already given in the same input
    duplicates: int = 0
    #: of the processed (added or replaced): documents too short or plain to get any
    #: fingerprint, so that not even an exact copy can find them
    no_fingerprint: int = 0

    @property
    def processed(self) -> int:
        return self.added + self.replaced + self.skipped


@dataclass(frozen=True, slots=True)
class IndexStats:
    """Size and settings of an index."""

    path: str
    docs: int
    fingerprints: int
    size_bytes: int
    config: dict[str, Any] = field(default_factory=dict)


_Item = Record | tuple[str, str] | dict | Rejection


#: items :meth:`Index.add` reads between two ``progress`` calls
PROGRESS_EVERY = 256


class Index:
    """A source index in one SQLite file (created on first use unless ``create=False``).

    ``readonly=True`` opens an existing index for queries only (any number of readers may
    query while one process adds). ``thesaurus`` and ``stopwords`` default to urai's shipped
    resources; an index refuses to open with resources or fingerprint settings other than the
    ones it was built with (:class:`~urai.errors.ResourceError`).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        config: IndexConfig | None = None,
        create: bool = True,
        readonly: bool = False,
        thesaurus: ThesaurusLike | None = None,
        stopwords: Iterable[str] | None = None,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
        on_wait: Callable[[str], None] | None = None,
    ) -> None:
        if config is not None and not isinstance(config, IndexConfig):
            raise ConfigError("config must be an IndexConfig")
        if isinstance(lock_timeout, bool) or not isinstance(lock_timeout, (int, float)) \
                or not 0 <= lock_timeout <= 86_400:
            raise ConfigError(f"lock_timeout must be seconds in [0, 86400], got {lock_timeout!r}")
        self.config = config or IndexConfig()
        self._store = Store(path, create=create, readonly=readonly, lock_timeout=lock_timeout,
                            on_wait=on_wait)
        try:
            self._fp = Fingerprinter(self.config, thesaurus, stopwords)
            self._store.check_or_set_signature(self._fp.signature())
        except BaseException:
            self._store.close()
            raise
        self.path = Path(path)
        self._lock = threading.RLock()
        self._weights: dict[str, float] = {}
        self._memo = MemoThesaurus(self._fp.thesaurus)
        self._zipf: Callable[[str], float] | None = None

    # -- context ----------------------------------------------------------------------------
    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._store.close()

    def __len__(self) -> int:
        return self._store.counts()[0]

    def __contains__(self, ident: object) -> bool:
        return isinstance(ident, str) and self._store.doc_row(ident) is not None

    @property
    def thesaurus(self) -> ThesaurusLike:
        return self._fp.thesaurus

    # -- writing ----------------------------------------------------------------------------
    def add(
        self,
        items: Iterable[_Item],
        *,
        skip_existing: bool = False,
        batch_size: int = 5000,
        progress: Callable[[int], None] | None = None,
    ) -> AddReport:
        """Index documents: :class:`~urai.records.Record`, ``(id, text)`` or dicts with ``id``
        and ``text`` (optional ``title``, ``url``, ``date``).

        Re-adding an id replaces it; with ``skip_existing`` an id whose text is unchanged is
        skipped. Items that cannot be indexed (no id, empty text, a :class:`Rejection`
        passed through from a reader) are reported in :attr:`AddReport.rejected`; each batch
        of ``batch_size`` documents is one transaction. ``progress(n)`` is called every
        :data:`PROGRESS_EVERY` items read (and at the end) with the number read since its last
        call, whatever the batch size.
        """
        if self._store.readonly:
            raise ConfigError(f"{self.path}: index opened read-only")
        if batch_size < 1:
            raise ConfigError("batch_size must be at least 1")
        counts = {"added": 0, "replaced": 0, "skipped": 0, "no_fingerprint": 0}
        rejected: list[Rejection] = []
        batch: list[Record] = []
        seen_ids: set[str] = set()
        duplicates = 0
        consumed = 0
        for item in items:
            consumed += 1
            rec = _to_record(item)
            if isinstance(rec, Rejection):
                rejected.append(rec)
            elif rec.id in seen_ids:
                duplicates += 1
                rejected.append(Rejection(f"record {rec.id!r}",
                                          "duplicate id within the input (the first is kept)"))
            else:
                seen_ids.add(rec.id)
                batch.append(rec)
            if len(batch) >= batch_size:
                self._write_batch(batch, skip_existing, counts)
                batch = []
            if progress and consumed >= PROGRESS_EVERY:
                progress(consumed)
                consumed = 0
        if batch:
            self._write_batch(batch, skip_existing, counts)
        if progress and consumed:
            progress(consumed)
        return AddReport(counts["added"], counts["replaced"], counts["skipped"],
                         tuple(rejected), duplicates, counts["no_fingerprint"])

    def _write_batch(self, batch: list[Record], skip_existing: bool,
                     counts: dict[str, int]) -> None:
        # ids are unique within the input (add() rejects a repeated one)
        prepared = [(rec, hashlib.blake2b(rec.text.encode("utf-8"), digest_size=16).digest())
                    for rec in batch]
        fp = self._fp
        store = self._store
        with self._lock, store.transaction():
            existing = store.doc_rows([rec.id for rec, _ in prepared])
            next_doc = store.next_doc()
            rows = []
            hs: list[np.ndarray] = []
            ds: list[np.ndarray] = []
            todo = []
            for rec, digest in prepared:
                old = existing.get(rec.id)
                if old is not None:
                    if skip_existing and old[1] == digest:
                        counts["skipped"] += 1
                        continue
                    self._delete(old[0], old[2])
                    counts["replaced"] += 1
                else:
                    counts["added"] += 1
                todo.append((rec, digest))
            shingles, n_words, bag_h, bag_i = fp.index_many([rec.text for rec, _ in todo])
            has = np.zeros(len(todo), dtype=bool)
            has[[k for k in range(len(todo)) if len(shingles[k])]] = True
            if len(bag_i):
                has[np.asarray(bag_i, dtype=np.int64)] = True
            counts["no_fingerprint"] += int((~has).sum())
            for k, (rec, digest) in enumerate(todo):
                doc = next_doc + k
                # the fingerprints are not stored (they are recomputed from the text to
                # remove a document: 8 bytes per fingerprint saved)
                rows.append((doc, rec.id, rec.title, rec.url, rec.date, digest, b"",
                             n_words[k], zlib.compress(rec.text.encode("utf-8"), 1)))
                hs.append(shingles[k])
                ds.append(np.full(len(shingles[k]), doc, dtype=np.int64))
            hs.append(bag_h)
            ds.append(bag_i.astype(np.int64) + next_doc)
            store.insert_docs(rows)
            h = np.concatenate(hs)
            if len(h):
                d = np.concatenate(ds)
                order = np.lexsort((d, h))
                h, d = h[order], d[order]
                new = np.ones(len(h), dtype=bool)  # a bag pair equal to a shingle, or twice
                new[1:] = (h[1:] != h[:-1]) | (d[1:] != d[:-1])
                h, d = h[new], d[new]
                store.insert_postings(zip(h.tolist(), d.tolist(), strict=True), len(h))

    def remove(self, ids: Iterable[str]) -> int:
        """Remove documents by id; returns how many were present."""
        if self._store.readonly:
            raise ConfigError(f"{self.path}: index opened read-only")
        n = 0
        with self._lock, self._store.transaction():
            for ident in ids:
                row = self._store.doc_row(ident)
                if row is not None:
                    self._delete(row[0], row[2])
                    n += 1
        return n

    def _delete(self, doc: int, fps: bytes) -> None:
        """Delete a document and its postings (fingerprints recomputed from its text when
        the row does not hold them)."""
        if not fps:
            text = self._store.text_by_doc(doc)
            if text is not None:
                sh, bags, _ = self._fp.channels(text)
                fps = np.union1d(sh, bags).astype(np.int64).tobytes()
        self._store.delete_doc(doc, fps)

    # -- reading ----------------------------------------------------------------------------
    def trace(
        self,
        text: str,
        *,
        top: int = 5,
        threshold: float | None = None,
        source: str = "<query>",
        passages: bool = True,
    ) -> TraceResult:
        """Find the indexed sources of ``text``, best first (``[]`` when none qualifies).

        A candidate is a match when the aligned share of the query reaches ``threshold``
        (whole and half copies), or, with ``passages`` (the default), when one of its located
        passages has at least ``config.passage_words`` query words at a similarity of at
        least ``config.passage_similarity`` (a paragraph copied into a longer text). Each
        part of the query is attributed to its best source: a lower-ranked match keeps only
        the passages a better one does not already explain. ``passages=False`` is the
        whole-document trace of urai 0.x (no passages, no unmatched spans).
        """
        if not isinstance(text, str):
            raise InputError(f"trace() expects text (str), got {type(text).__name__}")
        if top < 1:
            raise ConfigError("top must be at least 1")
        thr = self.config.threshold if threshold is None else float(threshold)
        if not 0.0 <= thr <= 1.0:
            raise ConfigError(f"threshold must be between 0 and 1, got {thr}")
        qwords = word_spans(text)
        th = self._memo
        prep = prepare(text, qwords, th, self._fp.stopwords, self._weight) if passages else None
        read: dict[int, list[int]] = {}
        scored = self._candidates(text, len(qwords), passages, prep, read)
        if not scored:
            return TraceResult(source, (), _all_unmatched(qwords) if passages else ())
        found: list[tuple[float, str, Match, tuple[Passage, ...], bool]] = []
        cfg = self.config
        starts = [w[0] for w in qwords]
        explained = bytearray(len(qwords))
        near: list[Shared] = []
        for cand in self._rounds(text, qwords, scored, read, explained, found, prep):
            with self._lock:  # one connection, possibly shared by threads
                info = self._store.doc_info(cand.doc)
            if info is None:  # removed meanwhile
                continue
            ident, title, url, stext, _ = info
            if not passages:
                al = align(text, stext, self.thesaurus, min_block=cfg.min_block,
                           _query_words=qwords)
                if accepts(al.coverage, thr):
                    cov = round(al.coverage, 6)
                    m = Match(ident, match_score(cov, cand.containment), cov, title, url)
                    found.append((m.score, ident, m, (), True))
                continue
            swords = word_spans(stext)
            skeys = _keys(swords, th)
            al, blocks = align_blocks(text, stext, th, min_block=cfg.min_block,
                                      _query_words=qwords, _source_words=swords,
                                      _query_keys=prep.keys, _source_keys=skeys)
            ps = tuple(locate(text, stext, qwords, swords, blocks, th, self._fp.stopwords,
                              min_similarity=cfg.passage_similarity, weight=self._weight,
                              prep=prep, source_keys=skeys))
            by_cov = accepts(al.coverage, thr)
            if not (by_cov or (self._passages_accept(ps)
                               and not self._same_event(text, qwords, stext, swords, ps))):
                if any(self._qualifies(p) for p in ps):  # shared text, not a source
                    near.append(Shared(ident, title, url, ps))
                continue
            # words inside passages, weighted by their similarity (a near copy explains more
            # of the query than a loose paraphrase of the same length)
            in_ps = (sum(p.query_words * p.similarity for p in ps) / len(qwords)
                     if qwords else 0.0)
            cov = round(min(1.0, max(al.coverage, in_ps)), 6)
            m = Match(ident, match_score(cov, cand.containment), cov, title, url)
            found.append((m.score, ident, m, ps, by_cov))
            for p in ps:
                a = bisect.bisect_left(starts, p.query_start)
                b = bisect.bisect_left(starts, p.query_end)
                explained[a:b] = b"\x01" * (b - a)
            if sum(explained) >= EXPLAINED * len(qwords) and m.coverage >= EXPLAINED:
                break  # the query is explained: later (fewer-vote) candidates add nothing
        found.sort(key=lambda f: (-f[0], f[1]))
        if not passages:
            return TraceResult(source, tuple(f[2] for f in found[:top]))
        return self._attribute(source, qwords, found, near, top)

    def _rounds(self, text: str, qwords: list[tuple[int, int, str]],
                scored: list[Candidate[int]], read: dict[int, list[int]], explained: bytearray,
                found: list[tuple[float, str, Match, tuple[Passage, ...], bool]],
                prep: QueryPrep | None) -> Iterator[Candidate[int]]:
        """The candidates to verify: the vote's, then (a long passage-level query with a
        source found) the best :data:`SECOND_ROUND` of a second vote over the fingerprints
        of the query's words that no verified source explains. A short passage of a second
        or third source shares one or two fingerprints with the query, and the sources
        already found (and the documents that share their text) outvote it; without them it
        is often the leader (on folds 01-04, 18 of the 28 sources that documents with
        several passages missed were candidates ranked below the verified ones)."""
        yield from scored
        if prep is None or not found:
            return
        left = [i for i in range(len(qwords)) if not explained[i]]
        if len(left) < SECOND_ROUND_WORDS or len(left) == len(qwords):
            return
        # windows of 4 sentences of the unexplained words (every other sentence starts
        # one); a document's votes are counted per window and it is ranked
        # by its best window: a passage's few fingerprints are close together, the votes
        # that same-topic documents get from the clean text are spread over it
        blocks = self._block_votes(
            [[text[qwords[a][0]: qwords[b - 1][1]] for a, b in blk]
             for blk in _second_round_blocks(prep.sents, explained)], read)
        best: dict[int, tuple[int, float]] = {}
        for k, votes in enumerate(blocks):  # a window: two adjacent blocks
            nxt = blocks[k + 1] if k + 1 < len(blocks) else {}
            for d, (v, sp) in votes.items():
                v2, sp2 = nxt.get(d, (0, 0.0))
                score = (v + v2, sp + sp2)
                if score > best.get(d, (0, 0.0)):
                    best[d] = score
            # a document only in the next block is scored when that block's turn comes
            # (its window with the block after it holds at least as many votes)
        seen = {c.doc for c in scored}
        ranked = sorted((d for d in best if d not in seen and best[d][0] >= SECOND_ROUND_VOTES),
                        key=lambda d: best[d], reverse=True)
        n = max(1, len(qwords))
        yield from [Candidate(d, best[d][0], min(1.0, best[d][0] / n))
                    for d in ranked[:SECOND_ROUND]]

    def _block_votes(self, blocks: list[list[str]], read: dict[int, list[int]]
                     ) -> list[dict[int, tuple[int, float]]]:
        """Each block's votes per document: ``(fingerprints shared, sum of 1 / df)`` over
        the index-side fingerprints of its pieces of unexplained text (fingerprints of at
        most :data:`SECOND_ROUND_DF` documents; ``read`` holds the postings of round one)."""
        # the index's own fingerprints of the blocks (no query-side expansion: a third of
        # the CPU of the expanded ones, and on folds 01-04 they found 3 of the 5 sources
        # that the expanded ones found beyond the first vote), every piece in one call
        pieces = [t for blk in blocks for t in blk]
        owner = np.repeat(np.arange(len(blocks)), [len(blk) for blk in blocks])
        shingles, _, bag_h, bag_i = self._fp.index_many(pieces)
        per_block: list[list[np.ndarray]] = [[] for _ in blocks]
        for k, sh in enumerate(shingles):
            per_block[owner[k]].append(sh)
        if len(bag_h):
            bag_block = owner[np.asarray(bag_i, dtype=np.intp)]
            for k in np.unique(bag_block).tolist():
                per_block[k].append(bag_h[bag_block == k])
        out: list[dict[int, tuple[int, float]]] = []
        for parts in per_block:
            votes: dict[int, tuple[int, float]] = {}
            fps = np.unique(np.concatenate(parts)) if parts else np.empty(0, np.int64)
            for h in fps.tolist():
                docs = read.get(h)  # every fingerprint of the query was read in round one
                if docs and len(docs) <= SECOND_ROUND_DF:
                    w = 1.0 / len(docs)
                    for d in docs:
                        v, sp = votes.get(d, (0, 0.0))
                        votes[d] = (v + 1, sp + w)
            out.append(votes)
        return out

    def _attribute(self, source: str, qwords: list[tuple[int, int, str]],
                   found: list[tuple[float, str, Match, tuple[Passage, ...], bool]],
                   near: list[Shared], top: int) -> TraceResult:
        """Give each part of the query to its best match; a match that is no whole or half
        copy (coverage under the threshold) stays a source only when one of its passages has
        ``passage_words`` query words that no better source explains and that are not common
        text; the others, and the candidates with only shorter passages, are ``shared``."""
        starts = [w[0] for w in qwords]
        claimed = bytearray(len(qwords))
        # common text: query words that COMMON or more candidates explain (an outlet's
        # footer, a law's citation, a line-up) do not make a match on their own
        seen = [0] * len(qwords)
        spans = []
        for ps in [f[3] for f in found] + [x.passages for x in near]:
            sp = [(p, bisect.bisect_left(starts, p.query_start),
                   bisect.bisect_left(starts, p.query_end)) for p in ps]
            spans.append(sp)
            for p, a, b in sp:
                if self._qualifies(p):
                    for i in range(a, b):
                        seen[i] += 1
        common = bytearray(c >= COMMON for c in seen)
        out: list[Match] = []
        rest: list[tuple[Shared, list[tuple[Passage, int, int]]]] = []
        for (_, _, m, _, by_cov), sp in zip(found, spans[:len(found)], strict=True):
            keep = [(p, a, b) for p, a, b in sp
                    if b > a and sum(claimed[a:b]) < CLAIMED_SHARE * (b - a)]
            # the passages are not summed: two short shared sentences are not one passage
            own = max(((b - a) - sum(common[a:b]) for p, a, b in keep if self._qualifies(p)),
                      default=0)
            if not (by_cov or accepts_passage(own, 1.0, self.config.passage_words, 0.0)):
                rest.append((Shared(m.id, m.title, m.url), keep))
                continue
            if len(out) >= top:
                continue
            for _, a, b in keep:
                claimed[a:b] = b"\x01" * (b - a)
            out.append(Match(m.id, m.score, m.coverage, m.title, m.url,
                             tuple(p for p, _, _ in keep)))
        rest += [(x, sp) for x, sp in zip(near, spans[len(found):], strict=True)]
        shared = []
        for x, sp in rest:  # what the sources do not already explain
            ps = tuple(p for p, a, b in sp if b > a and self._qualifies(p)
                       and sum(claimed[a:b]) < CLAIMED_SHARE * (b - a))
            if ps and len(shared) < top:
                shared.append(Shared(x.id, x.title, x.url, ps))
        return TraceResult(source, tuple(out), unmatched_spans(qwords, claimed), tuple(shared))

    def _same_event(self, text: str, qwords: list[tuple[int, int, str]], stext: str,
                    swords: list[tuple[int, int, str]], ps: tuple[Passage, ...]) -> bool:
        """Whether a candidate with only short passages is another report of the query's
        event (:data:`EVENT_NAMES`): its shared text is ``shared``, not a copy."""
        longest = max((p.query_words for p in ps if self._qualifies(p)), default=0)
        if longest >= EVENT_WORDS:
            return False
        return context_names(text, qwords, stext, swords, ps,
                             lambda w: self._weight(w) >= EVENT_WEIGHT) >= EVENT_NAMES

    def _qualifies(self, p: Passage) -> bool:
        return accepts_passage(p.query_words, p.similarity, 1, self.config.passage_similarity,
                               p.kind)

    def _passages_accept(self, ps: Iterable[Passage]) -> bool:
        """The located passages that reach the similarity hold ``passage_words`` query
        words together (a shuffled paragraph may be found as two or three passages)."""
        cfg = self.config
        words = sum(p.query_words for p in ps
                    if accepts_passage(p.query_words, p.similarity, 1, cfg.passage_similarity,
                                       p.kind))
        return accepts_passage(words, 1.0, cfg.passage_words, cfg.passage_similarity)

    def _weight(self, word: str) -> float:
        """Weight of a word in the bag similarity of passages: 1 for rare words (Zipf
        frequency <= 3, or unknown), falling to 0.25 for the commonest (Zipf >= 6)."""
        w = self._weights.get(word)
        if w is None:
            if self._zipf is None:
                from urai.lang.freq import default_frequency

                self._zipf = default_frequency().zipf
            z = self._zipf(word)
            w = self._weights[word] = min(1.0, max(0.25, (7.0 - z) / 4.0)) if z > 0 else 1.0
            if len(self._weights) > 1_000_000:
                self._weights.clear()
        return w

    def _candidates(self, text: str, n_words: int = 0, passages: bool = False,
                    prep: QueryPrep | None = None,
                    read: dict[int, list[int]] | None = None) -> list[Candidate[int]]:
        """The candidates worth aligning (:func:`urai.trace.scoring.vote`); for a query of at
        most :data:`RERANK_WORDS` words, the best ``config.rerank`` by votes are re-ranked by
        their text's share of the query's content words (:mod:`urai.trace.lexical`)."""
        fp = self._fp
        cfg = self.config
        if not passages:  # the whole-document trace: immutable shingles only
            qfps = fp.fingerprints(text, query=True)
            if len(qfps) == 0:
                return []
            n_base = len(fp.fingerprints(text))
            with self._lock:
                post = self._store.postings(qfps.tolist(), cfg.df_cap)
            return vote(post.values(), n_base, min_shared=cfg.min_shared, verify=cfg.verify)
        qsh, qbags, _ = fp.channels(text, query=True)
        if len(qsh) + len(qbags) == 0:
            return []
        ish, ibags, _ = fp.channels(text)
        n_base = len(ish) + len(ibags)
        with self._lock:
            post = self._store.postings(np.union1d(qsh, qbags).tolist(), cfg.df_cap)
        if read is not None:
            read.update(post)
        verify, share = passage_verify(cfg.verify, len(ibags))
        # a passage may leave a single fingerprint: every candidate counts, the best
        # `verify` of them are aligned
        rerank = prep is not None and cfg.rerank > verify and n_words <= RERANK_WORDS
        pool = vote(post.values(), n_base, min_shared=1,
                    verify=cfg.rerank if rerank else verify, share=share, specific_ties=True)
        if not rerank or len(pool) <= verify or pool[0].shared > RERANK_VOTES:
            return pool[:verify]  # the vote has decided (or there is nothing to choose from)
        assert prep is not None
        terms = query_terms(prep.words, self._fp.stopwords, self._weight, self._memo.alt_words)
        docs = [c.doc for c in pool]
        lex: dict[int, float] = {}
        for part in (docs[:RERANK_FIRST], docs[RERANK_FIRST:]):
            if not part:
                break
            with self._lock:
                texts = self._store.texts_by_docs(part)
            lex.update(lexical_order(terms, texts))
            if max(lex.values(), default=0.0) >= RERANK_STOP:
                break  # early exit: a candidate holds nearly all of the query's content
        # stable: equal shares keep the vote's order
        return sorted(pool, key=lambda c: -lex.get(c.doc, 0.0))[:verify]

    def align(self, ident: str, text: str) -> Alignment:
        """Align ``text`` with the indexed document ``ident`` (for ``--diff``)."""
        with self._lock:
            stext = self._store.text_of(ident)
        if stext is None:
            raise InputError(f"{ident!r}: no such document in {self.path}")
        return align(text, stext, self.thesaurus, min_block=self.config.min_block)

    def passages(self, ident: str, text: str) -> tuple[Passage, ...]:
        """The passages of ``text`` copied from the indexed document ``ident``, whether or not
        it is a match (for ``--diff`` and inspection)."""
        with self._lock:
            stext = self._store.text_of(ident)
        if stext is None:
            raise InputError(f"{ident!r}: no such document in {self.path}")
        qwords, swords = word_spans(text), word_spans(stext)
        _, blocks = align_blocks(text, stext, self.thesaurus, min_block=self.config.min_block,
                                 _query_words=qwords, _source_words=swords)
        return tuple(locate(text, stext, qwords, swords, blocks, self.thesaurus,
                            self._fp.stopwords, min_similarity=self.config.passage_similarity,
                            weight=self._weight))

    def optimize(self) -> None:
        """Merge recent postings into the main table (queries get slightly faster)."""
        with self._lock, self._store.transaction():
            self._store.merge_delta()

    def text(self, ident: str) -> str | None:
        """The stored text of a document, or None."""
        return self._store.text_of(ident)

    def stats(self) -> IndexStats:
        """Documents, fingerprints, bytes on disk (with WAL) and settings."""
        docs, fps = self._store.counts()
        return IndexStats(str(self.path), docs, fps, self._store.size_bytes(),
                          {**self.config.to_dict(), **self._fp.signature()})

    def ids(self) -> Iterator[str]:
        for (ident,) in self._store.conn.execute("SELECT id FROM docs ORDER BY doc"):
            yield ident


def _second_round_blocks(sents: list[tuple[int, int]], explained: bytearray
                         ) -> list[list[tuple[int, int]]]:
    """The second vote's blocks as word ranges ``[a, b)``: the unexplained words of each
    query sentence (``sents``, the query's own sentences) split into runs of consecutive
    unexplained words, two runs a block; runs that touch in the query are one piece (so a
    shingle may cross a sentence end, as in the index), and no explained word is inside a
    piece."""
    runs = [r for a, b in sents for r in uncovered_runs(explained, a, b)]
    blocks: list[list[tuple[int, int]]] = []
    for k in range(0, len(runs), 2):
        pieces: list[tuple[int, int]] = []
        for a, b in runs[k: k + 2]:
            if pieces and pieces[-1][1] == a:
                pieces[-1] = (pieces[-1][0], b)
            else:
                pieces.append((a, b))
        blocks.append(pieces)
    return blocks


def _all_unmatched(qwords: list[tuple[int, int, str]]) -> tuple[Span, ...]:
    return unmatched_spans(qwords, bytearray(len(qwords)))


def _to_record(item: _Item) -> Record | Rejection:
    """The record of one :meth:`Index.add` item under the one record rule of
    :mod:`urai.records` (lone surrogates and control characters repaired in place; ids that
    are not strings or decimal integers, too long, or missing rejected with the reason)."""
    if isinstance(item, Rejection):
        return item
    if isinstance(item, tuple) and len(item) == 2:
        item = Record(*item)
    if isinstance(item, dict):
        try:
            return make_record(item)
        except ValueError as exc:
            ident = item.get("id")
            where = f"record {ident!r}"[:80] if isinstance(ident, str) else "record"
            return Rejection(where, str(exc))
    if isinstance(item, Record):
        return validate_record(item)
    return Rejection(repr(item)[:60], f"cannot index a {type(item).__name__}")

