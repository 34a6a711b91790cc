"""The engine-neutral steps of ``urai cluster``: one definition, used by the local and the
Spark executor alike, so both give the same families.

The steps (each a pure function of its inputs, never of input order or worker count):

1. **signatures** — :func:`signature` of a document: the trace wing's fingerprints
   (:class:`urai.trace.fingerprint.Fingerprinter`, plain and *query* fingerprints with the
   gapped shingles) and a hash of its normalised text (exact duplicates);
2. **buckets** — documents sharing a fingerprint (a bucket holds at most
   :attr:`ClusterConfig.df_cap` documents; bigger ones are boilerplate and skipped);
3. **candidates** — :func:`choose_candidates`: for each document, the documents it shares
   fingerprints with, ranked and cut by :func:`urai.trace.scoring.vote` (ties: smaller id
   first, so the cut does not depend on input order);
4. **verified pairs** — :func:`verify_pair`: one :func:`urai.trace.align.align` per unordered
   pair gives the share of *each* document the other explains (the query side from
   ``coverage``, the source side from the source words of its copy and swap ops); a pair is an
   edge when either share passes :func:`urai.trace.scoring.accepts`;
5. **components and originals** — :func:`resolve_component`: the connected components of the
   edges are only candidates for families. In each, the original is chosen by
   :func:`original_key` (earliest date, then a member the screen does not call spun, then
   the member the others align to best, then a member that is neither another member plus a
   headline-sized addition nor an excerpt of one, then the smallest id); a member joins the
   original's family only when *its* alignment with the original passes the threshold.
   Members reached through other members (a chain A-B-C where C does not align with A) are
   peeled off and resolved again among themselves, so no transitive chain wipes out
   unrelated documents.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import inspect
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from urai.errors import ConfigError
from urai.trace.align import Alignment, align
from urai.trace.fingerprint import Fingerprinter, IndexConfig, ThesaurusLike
from urai.trace.scoring import accepts, match_score, vote

__all__ = ["ClusterConfig", "ORIGINAL_RULES", "Signature", "Edge", "Member", "Assignment",
           "signature", "normalise", "text_hash", "parse_date", "choose_candidates",
           "verify_pair", "text_keys", "prepare", "Prepared", "align_prepared",
           "align_prepared_blocks", "swaps_of_blocks",
           "explained_shares", "swaps_of", "original_key", "resolve_component", "family_id_of",
           "connected_components"]

#: the criteria :attr:`ClusterConfig.original_rule` may combine, in any order
ORIGINAL_RULES = ("date", "spun", "centrality", "derived", "id")
#: the most words a member may have beyond a text it explains in full and still count as
#: that text *plus an addition* (criterion ``derived``): one headline or teaser line. Not fitted
#: on any crawl: news headlines run to about 10-20 words, and an excerpt, the opposite case
#: (the original has the extra words), drops whole paragraphs, far more than this.
ADDED_MAX_WORDS = 30
#: a neighbour counts as explained "in full" from this share of its words on
FULL_COVER = 0.995
#: a member that a member of another family (one the chosen original does not explain)
#: explains by this much more than the chosen original waits for that family: a text
#: stitched from two sources joins the source it took more from. 0.05 is a tie band for the
#: alignment's noise, not fitted (0.15 before: a 60/40 stitched text joined the wrong source)
JOIN_MARGIN = 0.05
#: a member with a spun probability at or above this is "spun" for the original choice
SPUN_CUT = 0.5
#: where :attr:`ClusterConfig.spun` computes the screen's spun probability
SPUN_MODES = ("needed", "members", "all", "none")


@dataclass(frozen=True, slots=True)
class ClusterConfig:
    """Settings of a clustering run, validated at creation.

    Fingerprints: ``shingle``, ``sample_mod``, ``min_len`` (as in :class:`IndexConfig`).
    Candidates: ``df_cap`` (skip fingerprints shared by more documents: boilerplate),
    ``verify`` (candidates aligned per document), ``min_shared`` (fingerprints a candidate
    must share). Verification: ``threshold`` (the share of a member's words its original
    must explain), ``min_containment`` (the share of a member's fingerprints its original must
    hold: articles that share a few stock sentences but not their names fall below it),
    ``min_block`` (shortest aligned run that counts). ``original_rule``: the
    order of the criteria choosing a family's original (see :func:`original_key`).
    ``spun``: compute the screen's spun probability only where the original choice ``needed``
    it (default: members tied on the criteria before ``spun``, e.g. undated families; the
    chosen original is the one ``members`` would choose), for all ``members`` of families,
    ``all`` documents, or ``none``. ``shard_size``: documents per shard (the unit of work and
    of resume). ``max_doc_bytes``: longer documents are rejected. ``max_swaps``: swaps kept per
    document.
    """

    shingle: int = 3
    sample_mod: int = 2
    min_len: int = 2
    df_cap: int = 200
    verify: int = 8
    min_shared: int = 3
    threshold: float = 0.3
    min_containment: float = 0.2
    min_block: int = 5
    original_rule: tuple[str, ...] = ORIGINAL_RULES
    spun: str = "needed"
    shard_size: int = 5000
    max_doc_bytes: int = 5_000_000
    max_swaps: int = 200

    def __post_init__(self) -> None:
        if isinstance(self.original_rule, list):
            object.__setattr__(self, "original_rule", tuple(self.original_rule))
        checks = [
            (0.0 < self.threshold <= 1.0, "threshold must be in (0, 1]"),
            (0.0 <= self.min_containment <= 1.0, "min_containment must be in [0, 1]"),
            (self.spun in SPUN_MODES, f"spun must be one of {', '.join(SPUN_MODES)}"),
            (100 <= self.shard_size <= 10_000_000, "shard_size must be between 100 and 1e7"),
            (self.max_doc_bytes >= 1000, "max_doc_bytes must be at least 1000"),
            (self.max_swaps >= 0, "max_swaps must be >= 0"),
            (len(self.original_rule) > 0 and len(set(self.original_rule))
             == len(self.original_rule) and set(self.original_rule) <= set(ORIGINAL_RULES),
             f"original_rule must be distinct names from {ORIGINAL_RULES}"),
        ]
        for ok, msg in checks:
            if not ok:
                raise ConfigError(f"ClusterConfig: {msg} (got {self})")
        if "id" not in self.original_rule:  # the id always breaks the last tie
            object.__setattr__(self, "original_rule", (*self.original_rule, "id"))
        self.index_config()  # validates the fingerprint and candidate fields

    def index_config(self) -> IndexConfig:
        """The trace wing's settings these fields stand for."""
        try:
            return IndexConfig(shingle=self.shingle, sample_mod=self.sample_mod,
                               min_len=self.min_len, df_cap=self.df_cap, verify=self.verify,
                               min_shared=self.min_shared, threshold=self.threshold,
                               min_block=self.min_block)
        except ConfigError as exc:
            raise ConfigError(str(exc).replace("IndexConfig", "ClusterConfig")) from None

    def to_dict(self) -> dict[str, object]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()}

    def result_fields(self) -> dict[str, object]:
        """The fields that change the result (recorded for --resume; shard_size included,
        because shards are the unit of resume)."""
        d = self.to_dict()
        d.pop("max_swaps", None)
        return d


# -- signatures -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Signature:
    """Fingerprints of one document (sorted distinct int64), its query fingerprints (with the
    gapped shingles), its word count and the hash of its normalised text."""

    fps: np.ndarray
    qfps: np.ndarray
    n_words: int
    digest: int


def normalise(text: str) -> str:
    """Lower-cased, whitespace collapsed: what two exact duplicates have in common."""
    return " ".join(text.lower().split())


def text_hash(text: str) -> int:
    """Signed 64-bit hash of the normalised text."""
    raw = hashlib.blake2b(normalise(text).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(raw, "little", signed=True)


def signature(fp: Fingerprinter, text: str) -> Signature:
    pair = getattr(fp, "fingerprints_pair", None)
    if pair is not None:  # both with one tokenisation (the same arrays)
        fps, qfps, n_words = pair(text)
    else:
        fps, n_words = fp.fingerprints_count(text)
        qfps = fp.fingerprints(text, query=True)
    return Signature(fps, qfps, n_words, text_hash(text))


def parse_date(value: object) -> float | None:
    """An ISO 8601 date or date-time as a UTC timestamp (naive times are UTC), else None."""
    if value is None:
        return None
    s = str(value).strip()
    if not s:
        return None
    if s.endswith("Z"):
        s = s[:-1] + "+00:00"
    try:
        d = dt.datetime.fromisoformat(s)
    except ValueError:
        return None
    if d.tzinfo is None:
        d = d.replace(tzinfo=dt.UTC)
    return d.timestamp()


def family_id_of(original_id: str) -> str:
    """A family's id: derived from its original's input id only (the same in every engine)."""
    return "f" + hashlib.blake2b(original_id.encode("utf-8"), digest_size=8).hexdigest()


# -- candidates -------------------------------------------------------------------------------
def choose_candidates(shared: Mapping[int, int], n_query: int, order: Callable[[int], object],
                      cfg: ClusterConfig) -> list[tuple[int, int, float]]:
    """``(doc, shared, containment)`` of the candidates of one query document, from the
    number of query fingerprints each other document shares (buckets over ``df_cap`` already
    left out). Ranking and cut are :func:`urai.trace.scoring.vote`'s; documents enter it in
    ``order`` (their id), so ties are cut the same way whatever the input order."""
    docs = sorted(shared, key=order)
    postings = [[d] * int(shared[d]) for d in docs]
    return [(c.doc, c.shared, c.containment)
            for c in vote(postings, n_query, min_shared=cfg.min_shared, verify=cfg.verify)]


# -- verified pairs ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Edge:
    """A verified pair ``a`` < ``b`` (by id): ``cov_a`` is the share of a's words that b
    explains (copied or swapped), ``cov_b`` the share of b's words that a explains."""

    a: int
    b: int
    cov_a: float
    cov_b: float

    def cov_of(self, member: int) -> float:
        return self.cov_a if member == self.a else self.cov_b


#: the alignment's anchor and swap sizes (``align``'s defaults, the one definition)
_ANCHOR = inspect.signature(align).parameters["anchor"].default
_MAX_SWAP = inspect.signature(align).parameters["max_swap"].default


@dataclass(frozen=True, slots=True)
class Prepared:
    """A text ready for alignment: its words (:func:`urai.trace.align.word_spans`) and their
    synonym-canonical keys, computed once per document instead of once per aligned pair."""

    text: str
    words: list[tuple[int, int, str]]
    keys: list[str]


def text_keys(text: str, thesaurus: ThesaurusLike | None) -> list[str]:
    """The synonym-canonical keys :func:`urai.trace.align.align` compares, word by word."""
    from urai.trace.align import word_keys, word_spans

    return word_keys(word_spans(text), thesaurus)


def prepare(text: str, thesaurus: ThesaurusLike | None) -> Prepared:
    """``text`` with its words and keys, for :func:`align_prepared`."""
    from urai.trace.align import word_keys, word_spans

    words = word_spans(text)
    return Prepared(text, words, word_keys(words, thesaurus))


def explained_shares(qk: list[str], sk: list[str], cfg: ClusterConfig) -> tuple[float, float]:
    """``(share of the query's words, share of the source's words)`` that the alignment of
    the two key sequences explains (copied or swapped): the blocks of
    :func:`urai.trace.align.align` without building its ops (``coverage`` is the first)."""
    from urai.trace.align import key_blocks

    q = s = 0
    for b in key_blocks(qk, sk, anchor=_ANCHOR, max_swap=_MAX_SWAP, min_block=cfg.min_block):
        for q0, q1, s0, s1, _ in b.pairs:
            q += q1 - q0
            s += s1 - s0
    return (q / len(qk) if qk else 0.0), (min(1.0, s / len(sk)) if sk else 0.0)


def verify_pair(a: int, text_a: str | list[str], b: int, text_b: str | list[str],
                thesaurus: ThesaurusLike | None, cfg: ClusterConfig) -> Edge:
    """Align ``a`` (query) with ``b`` (source) once; both documents' explained shares. A
    text may be given as its :func:`text_keys` (a document in several pairs)."""
    qk = text_keys(text_a, thesaurus) if isinstance(text_a, str) else text_a
    sk = text_keys(text_b, thesaurus) if isinstance(text_b, str) else text_b
    cov_a, cov_b = explained_shares(qk, sk, cfg)
    return Edge(a, b, round(cov_a, 6), round(cov_b, 6))


def align_prepared(q: Prepared, s: Prepared, thesaurus: ThesaurusLike | None,
                   cfg: ClusterConfig) -> Alignment:
    """:func:`urai.trace.align.align` of two prepared texts (the same alignment)."""
    return align_prepared_blocks(q, s, thesaurus, cfg)[0]


def align_prepared_blocks(q: Prepared, s: Prepared, thesaurus: ThesaurusLike | None,
                          cfg: ClusterConfig) -> tuple[Alignment, list[Any]]:
    """:func:`align_prepared` and its aligned blocks (word-index runs)."""
    from urai.trace.align import align_blocks

    return align_blocks(q.text, s.text, thesaurus, min_block=cfg.min_block,
                        _query_words=q.words, _source_words=s.words, _query_keys=q.keys,
                        _source_keys=s.keys)


def swaps_of_blocks(blocks: Sequence[Any], q: Prepared, s: Prepared, limit: int
                    ) -> list[tuple[str, str]]:
    """:func:`swaps_of` of an alignment from its blocks and the two prepared texts: the same
    pairs in the same order (a swap op's texts are the spans of its word runs, a synonym
    copy's words are the prepared words of its run), without tokenising every op's text
    again."""
    out: list[tuple[str, str]] = []
    qw, sw = q.words, s.words
    for b in blocks:
        for q0, q1, s0, s1, kind in b.pairs:
            if len(out) >= limit:
                return out[:limit]
            if kind == "copy":
                out.extend((qw[q0 + t][2], sw[s0 + t][2]) for t in range(q1 - q0)
                           if qw[q0 + t][2] != sw[s0 + t][2])
            else:
                out.append((" ".join(q.text[qw[q0][0]:qw[q1 - 1][1]].split()),
                            " ".join(s.text[sw[s0][0]:sw[s1 - 1][1]].split())))
    return out[:limit]


def is_edge(e: Edge, cfg: ClusterConfig) -> bool:
    return accepts(max(e.cov_a, e.cov_b), cfg.threshold)


def swaps_of(al: Alignment, limit: int) -> list[tuple[str, str]]:
    """Observed -> original word pairs of an alignment of a copy (query) with its original:
    the swap ops (different words in the same place) and the words of synonym copies that
    differ from the original's."""
    from urai.trace.align import word_spans

    out: list[tuple[str, str]] = []
    for op in al.ops:
        if len(out) >= limit:
            break
        if op.kind == "swap":
            out.append((" ".join(op.q_text.split()), " ".join(op.s_text.split())))
        elif op.kind == "copy" and op.synonym:
            qs = [w for _, _, w in word_spans(op.q_text)]
            ss = [w for _, _, w in word_spans(op.s_text)]
            out.extend((q, s) for q, s in zip(qs, ss, strict=False) if q != s)
    return out[:limit]


# -- components and originals -----------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Member:
    """What the original choice knows about a document of a component."""

    doc: int
    id: str
    date: float | None = None
    spun: float | None = None


@dataclass(frozen=True, slots=True)
class Assignment:
    """The outcome for one document: its family's original (itself for an original or a
    unique document), its role, and how it joined."""

    doc: int
    original: int
    role: str
    coverage: float | None = None
    score: float | None = None
    swaps: tuple[tuple[str, str], ...] = ()
    reason: str = ""


def connected_components(nodes: Iterable[int], edges: Iterable[tuple[int, int]]
                         ) -> list[list[int]]:
    """Components (each sorted, listed by smallest member) of an undirected graph."""
    parent: dict[int, int] = {n: n for n in nodes}

    def find(x: int) -> int:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    comps: dict[int, list[int]] = {}
    for n in parent:
        comps.setdefault(find(n), []).append(n)
    return sorted((sorted(c) for c in comps.values()), key=lambda c: c[0])


def original_key(m: Member, centrality: float, rule: Sequence[str], derived: bool = False
                 ) -> tuple:
    """Sort key of a member as its family's original (smallest first): ``date`` (earliest
    known date; undated members after dated ones), ``centrality`` (highest mean share of the
    other members' words it explains), ``derived`` (members that are neither another member's
    full text plus a headline-sized addition nor a cut-down part of one, before those that
    are, see :meth:`_Resolver.derived`), ``spun`` (members the screen does not call spun,
    ``p < SPUN_CUT``, before those it does or could not judge; the lower probability also
    breaks a remaining tie just before the id), ``id`` (smallest)."""
    parts: list[object] = []
    for r in rule:
        if r == "date":
            parts.append(m.date if m.date is not None else math.inf)
        elif r == "centrality":
            parts.append(-round(centrality, 4))
        elif r == "derived":
            parts.append(1 if derived else 0)
        elif r == "spun":  # called spun (p >= SPUN_CUT) or unknown after the others
            parts.append(0 if m.spun is not None and m.spun < SPUN_CUT else 1)
        else:
            parts.append(m.id)
    if "spun" in rule:  # the lower probability breaks a tie before the id does
        parts.insert(len(parts) - 1, round(m.spun, 4) if m.spun is not None else math.inf)
    return tuple(parts)


@dataclass
class _Resolver:
    members: dict[int, Member]
    edges: dict[tuple[int, int], Edge]
    text: Callable[[int], str]
    thesaurus: ThesaurusLike | None
    cfg: ClusterConfig
    containment: Callable[[int, int], float]
    out: list[Assignment] = field(default_factory=list)
    prepared: dict[int, Prepared] = field(default_factory=dict)
    #: members that aligned with a chosen original but waited for a rival family (stitched
    #: texts): they carry another family's text, so they are never chosen as an original
    #: while the pool holds another member
    deferred: set[int] = field(default_factory=set)
    #: a member's spun probability, asked only for members still tied when the rule reaches
    #: ``spun`` (``None``: the members' own ``spun`` fields are used as they are)
    spun_of: Callable[[int], float | None] | None = None

    def prep(self, d: int) -> Prepared:
        """A member's text prepared for alignment (once per member)."""
        p = self.prepared.get(d)
        if p is None:
            p = self.prepared[d] = prepare(self.text(d), self.thesaurus)
        return p

    def edge(self, x: int, y: int) -> Edge | None:
        a, b = (x, y) if self.members[x].id < self.members[y].id else (y, x)
        return self.edges.get((a, b))

    def neighbours(self, x: int, pool: set[int]) -> list[int]:
        return [y for y in self.adj.get(x, ()) if y in pool]

    def run(self, comp: list[int]) -> list[Assignment]:
        self.adj: dict[int, list[int]] = {}
        for (a, b), e in self.edges.items():
            if is_edge(e, self.cfg):
                self.adj.setdefault(a, []).append(b)
                self.adj.setdefault(b, []).append(a)
        for v in self.adj.values():
            v.sort(key=lambda d: self.members[d].id)
        todo = [sorted(comp, key=lambda d: self.members[d].id)]
        while todo:
            pool = todo.pop()
            if len(pool) == 1:
                self.out.append(Assignment(pool[0], pool[0], "unique"))
                continue
            rest = self.peel(set(pool))
            sub = connected_components(rest, [(a, b) for a in rest
                                              for b in self.neighbours(a, rest)])
            todo.extend(reversed([sorted(c, key=lambda d: self.members[d].id) for c in sub]))
        return self.out

    def centrality(self, m: int, pool: set[int]) -> float:
        """Mean over the other members of the share of theirs ``m`` explains plus the share
        of ``m`` they explain: an original explains its copies and is explained by them,
        while a copy with a new headline or a stitched part has words no other has."""
        tot = 0.0
        for y in self.neighbours(m, pool):
            e = self.edge(m, y)
            if e is not None:
                tot += e.cov_of(y) + e.cov_of(m)
        return tot / max(1, len(pool) - 1)

    def rival_cover(self, y: int, orig: int, pool: set[int]) -> float:
        """The largest share of ``y`` explained (verified edges) by a member of ``pool`` that
        is *not* of ``orig``'s family: a member ``orig`` itself does not explain (its edge
        with ``orig`` fails the threshold, or there is none). Members of the same family
        (two copies from one farm share its swaps, so they explain each other better than
        the original does) are no rivals."""
        best = 0.0
        for z in self.neighbours(y, pool):
            if z == orig:
                continue
            ez = self.edge(z, orig)
            if ez is not None and accepts(ez.cov_of(z), self.cfg.threshold):
                continue
            e = self.edge(y, z)
            if e is not None:
                best = max(best, e.cov_of(y))
        return best

    def extra_words(self, m: int, y: int, e: Edge) -> int:
        """Words of ``m`` that ``y`` does not explain (edge shares, so no new alignment)."""
        return round((1.0 - e.cov_of(m)) * len(self.prep(m).words))

    def derived(self, m: int, pool: set[int]) -> bool:
        """Whether ``m`` reads as made from another member ``y`` of the pair it forms with
        each neighbour, seen from the direction of their shares (centrality cannot see it in
        a pair: it adds both directions):

        * ``m`` is ``y`` *plus an addition*: ``m`` explains ``y`` in full (``FULL_COVER``)
          while 1 to ``ADDED_MAX_WORDS`` of ``m``'s words are not in ``y`` (farms put a
          clickbait headline or a teaser line on top of a copied article);
        * ``m`` is ``y`` *cut down*: ``y`` explains ``m`` in full while more than
          ``ADDED_MAX_WORDS`` of ``y``'s words are not in ``m`` (an excerpt: whole
          paragraphs of the original are missing, far more than a headline).

        An original is neither: its headline copy has only a line more, its excerpts lack
        whole paragraphs."""
        for y in self.neighbours(m, pool):
            e = self.edge(m, y)
            if e is None:
                continue
            if e.cov_of(y) >= FULL_COVER and e.cov_of(m) < 1.0 \
                    and 1 <= self.extra_words(m, y, e) <= ADDED_MAX_WORDS:
                return True
            if e.cov_of(m) >= FULL_COVER and e.cov_of(y) < 1.0 \
                    and self.extra_words(y, m, e) > ADDED_MAX_WORDS:
                return True
        return False

    def peel(self, pool: set[int]) -> list[int]:
        """Choose the original of ``pool``, let join whoever aligns with it; the rest."""
        orig = self.choose((pool - self.deferred) or pool, pool)
        joined: list[Assignment] = []
        seen = {orig}
        frontier = [orig]
        oprep = self.prep(orig)
        while frontier:
            nxt: list[int] = []
            for x in frontier:
                for y in self.neighbours(x, pool):
                    if y in seen:
                        continue
                    seen.add(y)
                    yprep = self.prep(y)
                    al, blocks = align_prepared_blocks(yprep, oprep, self.thesaurus, self.cfg)
                    cov = round(al.coverage, 6)
                    if not accepts(cov, self.cfg.threshold):
                        continue
                    if cov < self.rival_cover(y, orig, pool) - JOIN_MARGIN:
                        self.deferred.add(y)  # another family's member explains it better
                        continue
                    cont = self.containment(y, orig)
                    if cont < self.cfg.min_containment:
                        continue
                    joined.append(Assignment(
                        y, orig, "copy", cov, match_score(cov, cont),
                        tuple(swaps_of_blocks(blocks, yprep, oprep, self.cfg.max_swaps)),
                        f"shares {cont:.0%} of its fingerprints with the original; the "
                        f"original explains {cov:.0%} of its words ({al.copied} copied, "
                        f"{al.swapped} swapped, {al.synonyms} synonyms)"))
                    nxt.append(y)
            frontier = nxt
        if not joined:  # nobody aligns with the chosen original: it stands alone
            self.out.append(Assignment(orig, orig, "unique"))
        else:
            self.out.append(Assignment(orig, orig, "original", reason=self._why(orig)))
            self.out.extend(joined)
        done = {orig} | {a.doc for a in joined}
        return sorted(pool - done, key=lambda d: self.members[d].id)

    def choose(self, eligible: set[int], pool: set[int]) -> int:
        """The original among ``eligible`` (the smallest :func:`original_key`). With
        ``spun_of``, spun probabilities are asked only where they can change the choice: a
        member alone ahead on the criteria before ``spun`` (e.g. the earliest date) is chosen
        without any; among members tied there, they are asked group by group in the order of
        the criteria after ``spun`` until a group holds a member the screen does not call
        spun. The choice is the one every member's probability would give."""
        rule = self.cfg.original_rule
        use_derived = "derived" in rule

        def key(d: int, r: Sequence[str]) -> tuple:
            return original_key(self.members[d], self.centrality(d, pool) if
                                "centrality" in r else 0.0, r,
                                use_derived and "derived" in r and self.derived(d, pool))

        def full(d: int) -> tuple:
            return key(d, rule)

        if self.spun_of is None or "spun" not in rule:
            return min(eligible, key=full)
        at = rule.index("spun")
        keys = {d: key(d, rule[:at]) for d in eligible}
        best = min(keys.values())
        tied = sorted((d for d in eligible if keys[d] == best), key=lambda d: self.members[d].id)
        if len(tied) == 1:
            return tied[0]
        if rule[-1] != "id":  # (a rule ending otherwise: every tied member is screened)
            self._screen(tied)
            return min(tied, key=full)
        # the full key is (head, called spun, middle, probability, id): walk the members by
        # their middle key; the first group with a member the screen does not call spun
        # holds the original, and the groups after it need no screen
        middle = rule[at + 1:-1]
        mid = {d: key(d, middle) for d in tied}
        for m in sorted(set(mid.values())):
            group = [d for d in tied if mid[d] == m]
            self._screen(group)
            if any(self.members[d].spun is not None and self.members[d].spun < SPUN_CUT
                   for d in group):
                return min(group, key=full)
        return min(tied, key=full)

    def _screen(self, docs: Iterable[int]) -> None:
        assert self.spun_of is not None
        for d in docs:
            m = self.members[d]
            if m.spun is None:
                self.members[d] = Member(m.doc, m.id, m.date, self.spun_of(d))

    def _why(self, orig: int) -> str:
        m = self.members[orig]
        rule = self.cfg.original_rule
        if "date" in rule and m.date is not None and rule[0] == "date":
            return "original: earliest date of its family"
        return "original: the member the others align to best (" + ", ".join(rule) + ")"


def resolve_component(members: Sequence[Member], edges: Iterable[Edge],
                      text: Callable[[int], str], thesaurus: ThesaurusLike | None,
                      cfg: ClusterConfig, containment: Callable[[int, int], float],
                      spun_of: Callable[[int], float | None] | None = None
                      ) -> list[Assignment]:
    """Families of one connected component (see the module doc), one assignment per
    member. ``text(doc)`` gives a member's text, ``containment(copy, original)`` the share of
    the copy's fingerprints found in the original; ``spun_of(doc)``: a member's spun
    probability, asked only where the original choice needs it (members whose ``spun`` is
    ``None``; see :meth:`_Resolver.choose`)."""
    mem = {m.doc: m for m in members}
    emap = {(e.a, e.b): e for e in edges if e.a in mem and e.b in mem}
    return _Resolver(mem, emap, text, thesaurus, cfg, containment,
                     spun_of=spun_of).run(list(mem))
