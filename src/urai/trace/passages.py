"""Passage-level location: which parts of a query come from which parts of a source.

:func:`urai.trace.align.align` gives runs of aligned words (seeds extended through synonyms
and swaps). This module turns them into *passages* in the sense of PAN's text-alignment task
(character offsets into both texts, 0-based code points, end exclusive), and finds the
passages the sequential alignment cannot see:

1. **sequential passages**: aligned blocks that follow each other in both texts (at most
   :data:`MAX_QUERY_GAP` query words and :data:`MAX_SOURCE_GAP` source words apart) form one
   passage; ``verbatim`` when every word is the source's word, ``spun`` otherwise;
2. **sentence passages**: query sentences that step 1 left mostly uncovered are compared as
   *bags* of content keys (synonym-canonical forms of the words that are not stopwords) with
   each source sentence and each pair of adjacent source sentences (a merged sentence); a
   query word also matches a source word that is one of its thesaurus alternatives (so a swap
   the canonical keys do not agree on still counts). A sentence whose Dice similarity with
   its best source window reaches ``min_similarity`` is matched; matched sentences that follow
   each other in the query and whose source windows are close form one passage:
   ``reordered`` when every sentence has nearly the same bag (similarity >= 0.8: shuffled
   words, clauses moved) and ``paraphrased`` otherwise;
3. passages that touch in the query and are close in the source are merged (the kind of the
   merged passage is the least literal one).

``similarity`` is the Dice coefficient of the matched words (sequential passages: the words
aligned with the same key; sentence passages: the bags of content keys), ``swaps`` the number
of query words that differ from the source word they stand for.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from urai.trace.align import _extend, _keys
from urai.trace.fingerprint import ThesaurusLike

__all__ = ["Passage", "Span", "KINDS", "locate", "sentences", "unmatched_spans", "uncovered_runs",
           "context_names"]

KINDS = ("verbatim", "spun", "reordered", "paraphrased")
#: query words between two aligned blocks of one sequential passage
MAX_QUERY_GAP = 8
#: source words between two aligned blocks of one sequential passage
MAX_SOURCE_GAP = 30
#: sequential passages shorter than this (query words) are chance phrases, not reported
MIN_SEQ_WORDS = 8
#: a query sentence is compared as a bag when less than this share of it is covered
BAG_UNCOVERED = 0.5
#: a bag match needs at least this many matched content words
BAG_MIN_MATCHED = 4
#: passages at most this many query words apart whose source parts are at most
#: MERGE_SOURCE_GAP words apart (either order) are one passage
MERGE_QUERY_GAP = 15
MERGE_SOURCE_GAP = 60
#: the weighted bag similarity may exceed the unweighted one by at most this much
PLAIN_SLACK = 0.1
#: a sentence pair with at least this bag similarity has the same words (spun or reordered)
NEAR_BAG = 0.75
#: ... and is ``spun`` when this share of its consecutive matched words keep their order
IN_ORDER = 0.7
_WORSE = {k: i for i, k in enumerate(KINDS)}
#: source windows (sentence offsets from a well-matched sentence) compared with one query
#: sentence, and with two adjacent query sentences taken as one bag
_WINDOWS = ((0, 1), (-1, 1), (0, 2))
_WIDE_WINDOWS = _WINDOWS + ((-1, 2), (0, 3), (-2, 1))
#: a pair of query sentences replaces its sentence that matched alone when the pair's
#: similarity is at most this much lower
PAIR_SLACK = 0.1
#: a sentence ends at . ! ? followed by white space, or at a line break (as the index's
#: sentence bags: the dot of ``CNNIndonesia.com`` or ``1.000`` ends no sentence)
_END_RE = re.compile(r"[.!?]\s|\n")

Words = Sequence[tuple[int, int, str]]


@dataclass(frozen=True, slots=True)
class Passage:
    """A located copy: ``[query_start, query_end)`` of the query comes from
    ``[source_start, source_end)`` of the source (character offsets, end exclusive)."""

    query_start: int
    query_end: int
    source_start: int
    source_end: int
    kind: str
    similarity: float
    swaps: int
    query_words: int = 0
    source_words: int = 0

    def to_dict(self) -> dict[str, object]:
        return {"query_start": self.query_start, "query_end": self.query_end,
                "source_start": self.source_start, "source_end": self.source_end,
                "kind": self.kind, "similarity": self.similarity, "swaps": self.swaps,
                "query_words": self.query_words, "source_words": self.source_words}


@dataclass(frozen=True, slots=True)
class Span:
    """A part of the query that no reported source explains (character offsets)."""

    start: int
    end: int
    words: int

    def to_dict(self) -> dict[str, int]:
        return {"start": self.start, "end": self.end, "words": self.words}


@dataclass(slots=True)
class _P:  # a passage under construction, in word indexes
    q0: int
    q1: int
    s0: int
    s1: int
    kind: str
    matched: float  # matched words (for the similarity)
    size: float  # denominator of the Dice similarity (query + source words)
    swaps: int


class MemoThesaurus:
    """A thesaurus with memoised ``canonical`` and alternative keys, for aligning one query
    with many candidates (``Thesaurus.canonical`` normalises its argument on every call)."""

    def __init__(self, thesaurus: ThesaurusLike) -> None:
        self.inner = thesaurus
        self._canon: dict[str, str] = {}
        self._alts: dict[str, tuple[str, ...]] = {}
        self._alt_words: dict[str, tuple[str, ...]] = {}

    def canonical(self, word: str) -> str:
        k = self._canon.get(word)
        if k is None:
            if len(self._canon) > 2_000_000:
                self._canon.clear()
            k = self._canon[word] = self.inner.canonical(word)
        return k

    def canonical_many(self, words: list[str]) -> list[str]:
        """``canonical`` of every word (one C-level look-up pass once the words are known)."""
        if len(words) < 2:
            return [self.canonical(w) for w in words]
        get = operator.itemgetter(*words)
        try:
            return list(get(self._canon))
        except KeyError:
            for w in set(words).difference(self._canon):
                self.canonical(w)
            try:
                return list(get(self._canon))
            except KeyError:  # the memo was cleared while filling it
                return [self.canonical(w) for w in words]

    def is_mutable(self, word: str) -> bool:
        return self.inner.is_mutable(word)

    def alt_words(self, word: str) -> tuple[str, ...]:
        """Lower-cased surfaces of the word's four best thesaurus alternatives."""
        hit = self._alt_words.get(word)
        if hit is None:
            alts = getattr(self.inner, "alternatives", None)
            hit = () if alts is None else tuple(a.surface.lower() for a in alts(word)[:4])
            if len(self._alt_words) > 1_000_000:
                self._alt_words.clear()
            self._alt_words[word] = hit
        return hit

    def alt_keys(self, word: str) -> tuple[str, ...]:
        """Canonical keys of the word's four best thesaurus alternatives."""
        hit = self._alts.get(word)
        if hit is None:
            alts = getattr(self.inner, "alternatives", None)
            keys = [] if alts is None else [self.canonical(a.surface) for a in alts(word)[:4]]
            if len(self._alts) > 1_000_000:
                self._alts.clear()
            hit = self._alts[word] = tuple(keys)
        return hit


@dataclass(slots=True)
class QueryPrep:
    """What :func:`locate` needs of a query, computed once for all its candidates."""

    words: Words
    keys: list[str]
    sents: list[tuple[int, int]]
    # per sentence: content key -> (weight, alternative keys), and the total weight
    bags: list[tuple[dict[str, tuple[float, tuple[str, ...]]], float]]



def prepare(query: str, qwords: Words, thesaurus: ThesaurusLike | None,
            stopwords: frozenset[str], weight: Callable[[str], float] | None = None
            ) -> QueryPrep:
    canon: Callable[[str], str] = thesaurus.canonical if thesaurus is not None else str
    alt_keys = getattr(thesaurus, "alt_keys", None)
    if alt_keys is None:
        alts_of = getattr(thesaurus, "alternatives", None)

        def alt_keys(word: str) -> tuple[str, ...]:
            return tuple(canon(a.surface) for a in alts_of(word)[:4]) if alts_of else ()
    wt = weight or _one
    sents = sentences(qwords, query)
    bags = []
    for a, b in sents:
        bag: dict[str, tuple[float, tuple[str, ...]]] = {}
        for k, i in _content(qwords, canon, stopwords, a, b).items():
            w = qwords[i][2]
            bag[k] = (wt(w), alt_keys(w))
        bags.append((bag, sum(x[0] for x in bag.values())))
    return QueryPrep(qwords, _keys(qwords, thesaurus), sents, bags)


def sentences(words: Words, text: str) -> list[tuple[int, int]]:
    """Word-index ranges ``[a, b)`` of the sentences of ``text`` (ends: ``.!?`` or a line
    break between two words)."""
    out = []
    a = 0
    for i in range(len(words) - 1):
        gap = text[words[i][1]: words[i + 1][0]]
        if gap and ("\n" in gap or _END_RE.search(gap)):
            out.append((a, i + 1))
            a = i + 1
    if words:
        out.append((a, len(words)))
    return out


def locate(
    query: str,
    source: str,
    qwords: Words,
    swords: Words,
    blocks: Iterable,
    thesaurus: ThesaurusLike | None,
    stopwords: frozenset[str],
    *,
    min_similarity: float = 0.6,
    weight: Callable[[str], float] | None = None,
    prep: QueryPrep | None = None,
    source_keys: list[str] | None = None,
) -> list[Passage]:
    """The passages of ``query`` copied from ``source`` (see the module docstring);
    ``blocks`` are :func:`urai.trace.align.align_blocks`' blocks for the pair; ``weight``
    gives a content key its weight in the bag similarity (rare words count more; default:
    every key 1); ``prep`` (:func:`prepare`) and ``source_keys`` save recomputing them."""
    if prep is None:
        prep = prepare(query, qwords, thesaurus, stopwords, weight)
    sk = source_keys if source_keys is not None else _keys(swords, thesaurus)
    seq = _sequential(qwords, swords, list(blocks))
    if seq:
        _extend_back(seq, prep.keys, sk)
    covered = bytearray(len(qwords))
    for p in seq:
        covered[p.q0: p.q1] = b"\x01" * (p.q1 - p.q0)
    bag = _bag_passages(source, prep, swords, sk, covered, stopwords, min_similarity,
                        weight or _one)
    merged = _merge(sorted(seq + bag, key=lambda p: (p.q0, p.s0)))
    return [_emit(p, qwords, swords) for p in merged]


def _sequential(qwords: Words, swords: Words, blocks: list) -> list[_P]:
    out: list[_P] = []
    cur: _P | None = None
    for b in blocks:
        copied = sum(q1 - q0 for q0, q1, _, _, k in b.pairs if k == "copy")
        changed = sum(q1 - q0 for q0, q1, _, _, k in b.pairs if k == "swap")
        changed += sum(qwords[q0 + t][2] != swords[s0 + t][2]
                       for q0, q1, s0, _, k in b.pairs if k == "copy" for t in range(q1 - q0))
        q1, s1 = b.qi + b.qn, b.si + b.sn
        if (cur is not None and b.qi - cur.q1 <= MAX_QUERY_GAP
                and 0 <= b.si - cur.s1 <= MAX_SOURCE_GAP):
            gapped = (b.qi - cur.q1) + (b.si - cur.s1)
            cur.q1, cur.s1 = q1, s1
            cur.matched += 2 * copied
            cur.size += b.qn + b.sn + gapped
            cur.swaps += changed
            if gapped:
                cur.kind = "spun"
            continue
        if cur is not None:
            out.append(cur)
        kind = "verbatim" if changed == 0 and copied == b.qn == b.sn else "spun"
        cur = _P(b.qi, q1, b.si, s1, kind, 2 * copied, b.qn + b.sn, changed)
    if cur is not None:
        out.append(cur)
    return [p for p in out if p.q1 - p.q0 >= MIN_SEQ_WORDS]


def _extend_back(seq: list[_P], qk: list[str], sk: list[str]) -> None:
    """Seed-and-extend to the left: the aligner extends blocks forwards only, so a passage
    whose first words were swapped starts late; extend each passage backwards through
    equal keys and resynchronising swaps (never into the previous passage)."""
    rq, rs = qk[::-1], sk[::-1]
    nq, ns = len(qk), len(sk)
    q_floor = 0
    for p in seq:
        b = _extend(rq, rs, nq - p.q0, ns - p.s0, 2)
        back = min(b.qn, p.q0 - q_floor)
        if back > 0 and b.sn > 0:
            changed = sum(1 for t in range(p.q0 - back, p.q0) if qk[t] not in sk[p.s0 - b.sn:
                                                                               p.s0])
            p.size += back + b.sn
            p.matched += 2 * (back - changed)
            p.swaps += changed
            p.q0 -= back
            p.s0 -= b.sn
            if changed:
                p.kind = "spun"
        q_floor = p.q1


def _content(words: Words, key: Callable[[str], str], stop: frozenset[str],
             a: int, b: int) -> dict[str, int]:
    """Content keys of words ``[a, b)`` -> index of their first word."""
    out: dict[str, int] = {}
    for i in range(a, b):
        w = words[i][2]
        if len(w) >= 2 and w not in stop:
            out.setdefault(key(w), i)
    return out


def _one(key: str) -> float:
    return 1.0


def _bag_passages(source: str, prep: QueryPrep, swords: Words, sk: list[str],
                  covered: bytearray, stop: frozenset[str], min_similarity: float,
                  weight: Callable[[str], float]) -> list[_P]:
    qsent = [(n, a, b) for n, (a, b) in enumerate(prep.sents)
             if b - a >= 3 and sum(covered[a:b]) < BAG_UNCOVERED * (b - a)
             and len(prep.bags[n][0]) >= BAG_MIN_MATCHED]
    # query sentences too short to be compared alone, each with the adjacent sentences it
    # may form a pair with (see the pairs below)
    short = _pair_options(prep, covered)
    if not qsent and not short:
        return []
    ssent = sentences(swords, source)
    sbags: list[dict[str, int]] = []
    for a, b in ssent:
        bag: dict[str, int] = {}
        for i in range(a, b):
            w = swords[i][2]
            if len(w) >= 2 and w not in stop:
                bag.setdefault(sk[i], i)
        sbags.append(bag)
    sweights = [sum(weight(swords[i][2]) for i in bag.values()) for bag in sbags]
    where: dict[str, list[int]] = {}
    for j, bag in enumerate(sbags):
        for k in bag:
            where.setdefault(k, []).append(j)
    in_source = where.keys()

    def best_window(qbag: dict[str, tuple[float, tuple[str, ...]]], q_w: float, qa: int,
                    qb: int, wide: bool) -> tuple[int, int, int, int, float, int, float] | None:
        # a quick bound first (most sentences of a long query share little with a
        # candidate): the keys found as they are must carry a quarter of the weight
        shared = in_source & qbag.keys()
        if len(shared) < BAG_MIN_MATCHED - 1 or sum(qbag[k][0] for k in shared) < 0.25 * q_w:
            return None
        # each query key: its weight, the source sentences holding it directly, and those
        # holding one of its thesaurus alternatives (half weight: a guess at a swap)
        hits: list[tuple[float, set[int], set[int], str]] = []
        for k, (w, alts) in qbag.items():
            direct = set(where.get(k, ()))
            via: set[int] = set()
            for ak in alts:
                via.update(where.get(ak, ()))
            via -= direct
            if direct or via:
                hits.append((w, direct, via, k))
        if len(hits) < BAG_MIN_MATCHED:
            return None
        score: dict[int, float] = {}
        for w, direct, via, _ in hits:
            for j in direct:
                score[j] = score.get(j, 0.0) + w
            for j in via:
                score[j] = score.get(j, 0.0) + w / 2
        windows = _WIDE_WINDOWS if wide else _WINDOWS
        best = None
        for j in sorted(score, key=lambda j: -score[j])[:3]:
            for d0, d1 in windows:
                j0, j1 = j + d0, j + d1
                if j0 < 0 or j1 > len(ssent):
                    continue
                win = set(range(j0, j1))
                m = n = 0.0
                sw = 0
                order = []  # source positions of the directly matched keys, in query order
                for w, direct, via, k in hits:
                    if direct & win:
                        m += w
                        n += 1
                        order.append(min(sbags[x][k] for x in direct & win))
                    elif via & win:
                        m += w / 2
                        n += 1
                        sw += 1
                s_w = sum(sweights[x] for x in win)
                sim = 2 * m / (q_w + s_w) if q_w + s_w else 0.0
                # the unweighted share too: shared names and titles alone (weight 1 each)
                # do not make two sentences one
                plain = 2 * n / (len(qbag) + sum(len(sbags[x]) for x in win))
                sim = min(sim, plain + PLAIN_SLACK)
                if n >= BAG_MIN_MATCHED and (best is None or sim > best[4]):
                    best = (qa, qb, j0, j1, sim, sw, _in_order(order))
        return best if best is not None and best[4] >= min_similarity else None

    single: dict[int, tuple[int, int, int, int, float, int, float]] = {}
    for n_q, qa, qb in qsent:
        hit = best_window(prep.bags[n_q][0], prep.bags[n_q][1], qa, qb, False)
        if hit is not None:
            single[n_q] = hit
    # a query sentence too short to be compared alone (fewer than BAG_MIN_MATCHED content
    # keys: a glossary line of three content words, or the piece of a sentence that a
    # shuffle split by moving its full stop into it), with an adjacent one as one bag. The
    # pair must have the same words as its source window (similarity >= NEAR_BAG: spun or
    # reordered, not a looser paraphrase), and with a neighbour that matched alone, it
    # replaces that one only at nearly its similarity (clean text beside a copied sentence
    # dilutes the pair's bag)
    pairs: dict[int, tuple[int, int, int, int, float, int, float]] = {}
    used: set[int] = set()
    for n_q, options in short:
        if n_q in used:
            continue
        for m_q, qa, qb, bag in options:
            if m_q in used:
                continue
            lo, hi = min(n_q, m_q), max(n_q, m_q)
            hit = best_window(bag, sum(x[0] for x in bag.values()), qa, qb, True)
            alone = single.get(m_q)
            if hit is None or hit[4] < NEAR_BAG or (
                    alone is not None and hit[4] < alone[4] - PAIR_SLACK):
                continue
            single.pop(m_q, None)
            pairs[lo] = hit
            used.update((lo, hi))
            break
    found = sorted([*single.values(), *pairs.values()])
    out: list[_P] = []
    prev: tuple[int, int] | None = None  # source sentence window of the previous match
    for qa, qb, j0, j1, sim, sw, in_order in found:
        s0, s1 = ssent[j0][0], ssent[j1 - 1][1]
        size = (qb - qa) + (s1 - s0)
        if sim < NEAR_BAG:
            kind = "paraphrased"
        else:  # the same bag: words swapped in place (spun) or moved (reordered)
            kind = "spun" if in_order >= IN_ORDER else "reordered"
        last = out[-1] if out else None
        if (last is not None and prev is not None and qa - last.q1 <= 2
                and max(j0 - prev[1], prev[0] - j1) <= 2):
            last.q1 = qb
            last.s0, last.s1 = min(last.s0, s0), max(last.s1, s1)
            last.matched += sim * size
            last.size += size
            last.swaps += sw
            if _WORSE[kind] > _WORSE[last.kind]:
                last.kind = kind
        else:
            out.append(_P(qa, qb, s0, s1, kind, sim * size, size, sw))
        prev = (j0, j1)
    return out


_Bag = dict[str, tuple[float, tuple[str, ...]]]


def _pair_options(prep: QueryPrep, covered: bytearray
                  ) -> list[tuple[int, list[tuple[int, int, int, _Bag]]]]:
    """The query sentences too short to be compared as a bag alone (fewer than
    :data:`BAG_MIN_MATCHED` content keys, not wholly covered) that have an adjacent sentence
    to form a pair with: ``(sentence, [(neighbour, first word, end word, pair bag)])``, the
    next sentence first. A pair needs 6 words, less than :data:`BAG_UNCOVERED` of them
    covered and more than :data:`BAG_MIN_MATCHED` content keys; what depends on the source
    is left to :func:`_bag_passages`."""
    out = []
    sents, bags = prep.sents, prep.bags
    for n_q, (a, b) in enumerate(sents):
        if len(bags[n_q][0]) >= BAG_MIN_MATCHED or sum(covered[a:b]) >= b - a:
            continue
        options = []
        for m_q in (n_q + 1, n_q - 1):
            if not 0 <= m_q < len(sents):
                continue
            lo, hi = min(n_q, m_q), max(n_q, m_q)
            qa, qb = sents[lo][0], sents[hi][1]
            if qb - qa < 6 or sum(covered[qa:qb]) >= BAG_UNCOVERED * (qb - qa):
                continue
            bag = {**bags[hi][0], **bags[lo][0]}
            if len(bag) > BAG_MIN_MATCHED:
                options.append((m_q, qa, qb, bag))
        if options:
            out.append((n_q, options))
    return out


def _in_order(pos: list[int]) -> float:
    """Share of consecutive matched words that keep their order in the source."""
    if len(pos) < 2:
        return 1.0
    return sum(b > a for a, b in zip(pos, pos[1:], strict=False)) / (len(pos) - 1)


def _merge(ps: list[_P]) -> list[_P]:
    out: list[_P] = []
    for p in ps:
        last = out[-1] if out else None
        if (last is not None and p.q0 - last.q1 <= MERGE_QUERY_GAP
                and p.s0 - last.s1 <= MERGE_SOURCE_GAP and last.s0 - p.s1 <= MERGE_SOURCE_GAP):
            last.q1 = max(last.q1, p.q1)
            last.s0, last.s1 = min(last.s0, p.s0), max(last.s1, p.s1)
            last.matched += p.matched
            last.size += p.size
            last.swaps += p.swaps
            # the kind of the larger part (a spun copy with one loosely matched sentence
            # stays spun)
            if p.q1 - p.q0 > last.q1 - last.q0 - (p.q1 - p.q0):
                last.kind = p.kind
            continue
        out.append(p)
    return out


def _emit(p: _P, qwords: Words, swords: Words) -> Passage:
    sim = min(1.0, p.matched / p.size) if p.size else 0.0
    return Passage(qwords[p.q0][0], qwords[p.q1 - 1][1], swords[p.s0][0], swords[p.s1 - 1][1],
                   p.kind, round(sim, 4), int(p.swaps), p.q1 - p.q0, p.s1 - p.s0)


def unmatched_spans(qwords: Words, covered: Sequence[int] | bytearray,
                    min_words: int = 3) -> tuple[Span, ...]:
    """Runs of at least ``min_words`` query words that ``covered`` (one flag per word) marks
    as explained by no source."""
    return tuple(Span(qwords[i][0], qwords[j - 1][1], j - i)
                 for i, j in uncovered_runs(covered, 0, len(qwords)) if j - i >= min_words)


def uncovered_runs(covered: Sequence[int] | bytearray, a: int, b: int) -> list[tuple[int, int]]:
    """The maximal runs ``[i, j)`` inside ``[a, b)`` where ``covered`` is false."""
    out = []
    i = a
    while i < b:
        if covered[i]:
            i += 1
            continue
        j = i
        while j < b and not covered[j]:
            j += 1
        out.append((i, j))
        i = j
    return out


#: characters after which a capitalised word starts a sentence (so is no name)
_SENTENCE_END = frozenset('.!?"\u201c\u201d\n')


def _names(text: str, words: Words, spans: Sequence[tuple[int, int]],
           rare: Callable[[str], bool]) -> set[str]:
    """The lower-cased rare names of ``text`` outside ``spans`` (character ranges): alphabetic
    words of at least three letters, capitalised, not at a sentence start, that ``rare``
    accepts."""
    out: set[str] = set()
    spans = sorted(spans)
    j = 0
    for s, e, w in words:
        while j < len(spans) and spans[j][1] <= s:
            j += 1
        if j < len(spans) and spans[j][0] <= s:
            continue  # inside a located passage
        if e - s < 3 or not text[s].isupper() or not w.isalpha():
            continue
        k = s - 1
        while k >= 0 and text[k] in " \t":
            k -= 1
        if k < 0 or text[k] in _SENTENCE_END:
            continue
        if rare(w):
            out.add(w)
    return out


def context_names(query: str, qwords: Words, source: str, swords: Words,
                  passages: Iterable[Passage], rare: Callable[[str], bool]) -> int:
    """How many rare names the query and a source share *outside* the located passages.

    Two reports of the same event share its names (the players, the officials, the place)
    all through both texts, and often a short factual passage (a ruling, a line-up, a law
    citation); a passage pasted into another text shares its names inside the passage
    only. Names are capitalised words that do not start a sentence and that ``rare``
    accepts (e.g. a word frequency under a Zipf bound)."""
    ps = list(passages)
    qn = _names(query, qwords, [(p.query_start, p.query_end) for p in ps], rare)
    if not qn:
        return 0
    sn = _names(source, swords, [(p.source_start, p.source_end) for p in ps], rare)
    return len(qn & sn)
