"""Synonym-aware alignment of a (possibly spun) text against a candidate source.

The index (:mod:`urai.trace.index`) finds candidates by shared immutables; this module verifies
them and says how much of the query a source explains. Words are the fingerprinting
tokeniser's ``\\w+`` runs with exact character offsets; punctuation is ignored. Each word gets a
*key*: its lower-cased form mapped through ``thesaurus.canonical`` when a thesaurus is given,
so ``udara``/``hawa`` or ``karena``/``lantaran`` share a key whenever urai's thesaurus puts
them in one synonym class.

The alignment is greedy and near linear-time, built for verification speed (~0.8 ms for a
pair of 350-word news articles), not for optimality:

1. every run of ``anchor`` consecutive keys of the source is indexed;
2. the query is scanned left to right; where its next ``anchor`` keys occur in the source a
   *block* starts (at the source position that continues the previous block, else at the
   unused position giving the longest block, so copies keep their order but reordered
   paragraphs and stitched texts still align);
3. a block is extended while keys are equal; at a mismatch it continues through a *swap*
   when the two texts re-synchronise within ``max_swap`` tokens on each side (a synonym urai's
   thesaurus does not know, or a one-to-two word replacement such as ``karena`` -> ``oleh
   sebab``), and ends otherwise;
4. blocks shorter than ``min_block`` query words are not kept (chance matches of common
   phrases such as ``kata dia kepada wartawan``); the scan goes on at the next word.

With the compiled kernels (:mod:`urai.kernels`) the blocks are found in C
(``urai._core.align_blocks``) over the keys interned to integers: the query's keys numbered
in order of first appearance, a source key the query lacks as -1 (it can match nothing).
:func:`_blocks_py` is the reference; both give the same blocks (tested).

``coverage`` is the share of the query's word tokens inside kept blocks: copied words
(same key) plus swapped words. The alignment is reported as ops with offsets into both
texts: ``copy`` (same words, up to case and thesaurus synonyms: ``synonym`` says which),
``swap`` (different words in the same place), ``insert`` (query text with no source) and
``delete`` (source text the query dropped, between aligned blocks).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from urai import kernels
from urai.errors import ConfigError
from urai.trace.fingerprint import _WORD_RE, ThesaurusLike

__all__ = ["AlignOp", "Alignment", "align", "align_blocks", "word_spans", "word_keys",
           "key_blocks", "Block"]



@dataclass(frozen=True, slots=True)
class AlignOp:
    """One step of an alignment.

    ``kind`` is ``copy``, ``swap``, ``insert`` or ``delete``; ``[q_start, q_end)`` and
    ``[s_start, s_end)`` are character offsets into the query and the source (an empty span
    on the side that has no text). ``synonym`` is true for a copy in which at least one word
    differs from the source but is its thesaurus synonym.
    """

    kind: str
    q_start: int
    q_end: int
    s_start: int
    s_end: int
    q_text: str
    s_text: str
    synonym: bool = False


@dataclass(frozen=True, slots=True)
class Alignment:
    """How a query aligns to one source; ``coverage`` is the explained share of the query."""

    ops: tuple[AlignOp, ...]
    query_words: int
    copied: int
    swapped: int
    synonyms: int

    @property
    def coverage(self) -> float:
        """Share of query word tokens copied or swapped from the source."""
        return (self.copied + self.swapped) / self.query_words if self.query_words else 0.0

    def to_dict(self) -> dict[str, object]:
        return {
            "coverage": round(self.coverage, 6),
            "query_words": self.query_words,
            "copied": self.copied,
            "swapped": self.swapped,
            "synonyms": self.synonyms,
            "ops": [
                {"op": o.kind, "query": [o.q_start, o.q_end], "source": [o.s_start, o.s_end],
                 "query_text": o.q_text, "source_text": o.s_text, "synonym": o.synonym}
                for o in self.ops
            ],
        }


def word_spans(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, lower-cased form)`` of the words and numbers of ``text``.

    Uses the fingerprinting tokeniser (:func:`urai.trace.fingerprint.fast_words`' pattern), which
    is ~10x faster than :func:`urai.lang.tokenize.tokenize`; offsets are exact either way.
    """
    return [(m.start(), m.end(), m.group().lower()) for m in _WORD_RE.finditer(text)]


@dataclass(slots=True)
class _Block:
    """One aligned block: query words ``qi .. qi + qn`` against source words ``si .. si + sn``
    as runs of copied or swapped words."""

    qi: int  # first query word
    si: int  # first source word
    qn: int  # query words in block
    sn: int  # source words in block
    pairs: list[tuple[int, int, int, int, str]]  # (q0, q1, s0, s1, kind) word-index runs


Block = _Block


def word_keys(words: Sequence[tuple[int, int, str]], thesaurus: ThesaurusLike | None
              ) -> list[str]:
    """The key of each word of :func:`word_spans` that the alignment compares: the word, or
    its ``thesaurus.canonical`` form."""
    if thesaurus is None:
        return [w for _, _, w in words]
    many = getattr(thesaurus, "canonical_many", None)
    if many is not None:  # a MemoThesaurus
        return many([w for _, _, w in words])
    canon = thesaurus.canonical
    cache: dict[str, str] = {}
    out = []
    for _, _, w in words:
        k = cache.get(w)
        if k is None:
            k = cache[w] = canon(w)
        out.append(k)
    return out


_keys = word_keys  # trace's own modules use the short name


def _check(anchor: int, min_block: int, max_swap: int) -> None:
    if anchor < 1 or min_block < 1 or max_swap < 0:
        raise ConfigError("align: anchor and min_block must be >= 1, max_swap >= 0")


def align(
    query: str,
    source: str,
    thesaurus: ThesaurusLike | None = None,
    *,
    anchor: int = 3,
    min_block: int = 5,
    max_swap: int = 2,
    _query_words: list[tuple[int, int, str]] | None = None,
    _source_words: list[tuple[int, int, str]] | None = None,
) -> Alignment:
    """Align ``query`` to ``source``; thesaurus synonyms (same ``canonical`` key) match."""
    _check(anchor, min_block, max_swap)
    qw = _query_words if _query_words is not None else word_spans(query)
    sw = _source_words if _source_words is not None else word_spans(source)
    return align_blocks(query, source, thesaurus, anchor=anchor, min_block=min_block,
                        max_swap=max_swap, _query_words=qw, _source_words=sw)[0]


def align_blocks(
    query: str,
    source: str,
    thesaurus: ThesaurusLike | None = None,
    *,
    anchor: int = 3,
    min_block: int = 5,
    max_swap: int = 2,
    _query_words: list[tuple[int, int, str]] | None = None,
    _source_words: list[tuple[int, int, str]] | None = None,
    _query_keys: list[str] | None = None,
    _source_keys: list[str] | None = None,
) -> tuple[Alignment, list[_Block]]:
    """:func:`align` and its aligned blocks (word-index runs; for :mod:`urai.trace.passages`).
    The keys of either text may be given when they are already known (one query aligned
    with many candidates)."""
    _check(anchor, min_block, max_swap)
    qw = _query_words if _query_words is not None else word_spans(query)
    sw = _source_words if _source_words is not None else word_spans(source)
    qk = _query_keys if _query_keys is not None else _keys(qw, thesaurus)
    sk = _source_keys if _source_keys is not None else _keys(sw, thesaurus)
    blocks = _blocks(qk, sk, anchor, max_swap, min_block)
    return _to_alignment(query, source, qw, sw, blocks), blocks


def key_blocks(qk: list[str], sk: list[str], *, anchor: int = 3, max_swap: int = 2,
               min_block: int = 5) -> list[Block]:
    """The aligned blocks of two key sequences (:func:`word_keys`), in query order: what
    :func:`align_blocks` aligns, without the ops."""
    _check(anchor, min_block, max_swap)
    return _blocks(qk, sk, anchor, max_swap, min_block)


_KIND = ("copy", "swap")


def _blocks(qk: list[str], sk: list[str], anchor: int, max_swap: int,
            min_block: int) -> list[_Block]:
    core = kernels.core() if kernels.enabled() else None
    if core is None or not qk or not sk:
        return _blocks_py(qk, sk, anchor, max_swap, min_block)
    ids: dict[str, int] = {}
    # as [ids.setdefault(k, len(ids)) for k in qk] and [ids.get(k, -1) for k in sk]
    qids = memoryview(core.key_ids(qk if type(qk) is list else list(qk), ids, True)).cast("i")
    sids = memoryview(core.key_ids(sk if type(sk) is list else list(sk), ids, False)).cast("i")
    return [_Block(qi, si, qn, sn, [(q0, q1, s0, s1, _KIND[w]) for q0, q1, s0, s1, w in pairs])
            for qi, si, qn, sn, pairs in core.align_blocks(qids, sids, anchor, max_swap,
                                                            min_block)]


def _blocks_py(qk: list[str], sk: list[str], anchor: int, max_swap: int,
               min_block: int) -> list[_Block]:
    """The reference of :func:`_blocks` (``urai._core.align_blocks``)."""
    nq, ns = len(qk), len(sk)
    a = min(anchor, nq, ns)
    if a == 0:
        return []
    grams: dict[tuple[str, ...], list[int]] = {}
    for j in range(ns - a + 1):
        grams.setdefault(tuple(sk[j : j + a]), []).append(j)
    used = bytearray(ns)  # source words already aligned
    blocks: list[_Block] = []
    block: _Block | None
    expect = -1  # source position that would continue the previous block
    i = 0
    while i <= nq - a:
        cands = grams.get(tuple(qk[i : i + a]))
        if not cands:
            i += 1
            continue
        block = _extend(qk, sk, i, expect, max_swap) if expect in cands else None
        if block is None or block.qn < min_block:
            # the longest extension among (at most 8) unused candidate positions
            for c in [c for c in cands if not used[c]][:8] or cands[:1]:
                b = _extend(qk, sk, i, c, max_swap)
                if block is None or b.qn > block.qn:
                    block = b
        if block.qn < min_block:  # too short to count: try the next query position
            i += 1
            continue
        for s in range(block.si, block.si + block.sn):
            used[s] = 1
        blocks.append(block)
        i = block.qi + block.qn
        expect = block.si + block.sn
    return blocks


def _extend(qk: list[str], sk: list[str], i: int, j: int, max_swap: int) -> _Block:
    nq, ns = len(qk), len(sk)
    pairs: list[tuple[int, int, int, int, str]] = []
    qi, si = i, j
    while True:
        q0, s0 = qi, si
        while qi < nq and si < ns and qk[qi] == sk[si]:
            qi += 1
            si += 1
        if qi > q0:
            pairs.append((q0, qi, s0, si, "copy"))
        if qi >= nq or si >= ns:
            break
        # mismatch: look for the smallest swap (dq, ds) after which two words agree again
        best = None
        for total in range(2, 2 * max_swap + 1):
            for dq in range(1, min(max_swap, total - 1) + 1):
                ds = total - dq
                if ds > max_swap:
                    continue
                a, b = qi + dq, si + ds
                if a >= nq or b >= ns or qk[a] != sk[b]:
                    continue
                # a same-length swap needs one agreeing word after it, others two
                if dq == ds or (a + 1 < nq and b + 1 < ns and qk[a + 1] == sk[b + 1]):
                    best = (dq, ds)
                    break
            if best:
                break
        if best is None:
            break
        pairs.append((qi, qi + best[0], si, si + best[1], "swap"))
        qi += best[0]
        si += best[1]
    return _Block(i, j, qi - i, si - j, pairs)


def _to_alignment(
    query: str,
    source: str,
    qw: list[tuple[int, int, str]],
    sw: list[tuple[int, int, str]],
    blocks: list[_Block],
) -> Alignment:
    ops: list[AlignOp] = []
    copied = swapped = synonyms = 0

    def qspan(a: int, b: int) -> tuple[int, int]:
        return (qw[a][0], qw[b - 1][1]) if b > a else (_qpos(a), _qpos(a))

    def _qpos(a: int) -> int:
        return qw[a][0] if a < len(qw) else len(query)

    def sspan(a: int, b: int) -> tuple[int, int]:
        if b > a:
            return sw[a][0], sw[b - 1][1]
        p = sw[a][0] if a < len(sw) else len(source)
        return p, p

    def emit(kind: str, qa: int, qb: int, sa: int, sb: int, syn: bool = False) -> None:
        q0, q1 = qspan(qa, qb)
        s0, s1 = sspan(sa, sb)
        ops.append(AlignOp(kind, q0, q1, s0, s1, query[q0:q1], source[s0:s1], syn))

    qpos = 0
    spos = -1  # source word after the previous block (for deletes); -1 before the first
    for b in blocks:
        if b.qi > qpos:
            emit("insert", qpos, b.qi, b.si, b.si)
        if spos >= 0 and b.si > spos:
            emit("delete", b.qi, b.qi, spos, b.si)
        for q0, q1, s0, s1, kind in b.pairs:
            if kind == "copy":
                syn = any(qw[q0 + t][2] != sw[s0 + t][2] for t in range(q1 - q0))
                copied += q1 - q0
                synonyms += sum(qw[q0 + t][2] != sw[s0 + t][2] for t in range(q1 - q0))
                emit("copy", q0, q1, s0, s1, syn)
            else:
                swapped += q1 - q0
                emit("swap", q0, q1, s0, s1)
        qpos = b.qi + b.qn
        spos = b.si + b.sn
    if qpos < len(qw):
        end = max(spos, 0)
        emit("insert", qpos, len(qw), end, end)
    return Alignment(tuple(ops), len(qw), copied, swapped, synonyms)
