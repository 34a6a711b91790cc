"""Indonesian synonym thesaurus: load, look up, re-inflect.

The build (:func:`urai.build.thesaurus.build_thesaurus`, ``urai data build``) merges three
sources into one **symmetric** graph
(an edge ``a - b`` is stored once and answered in both directions):

===================== ====== ===========================================================
source                weight notes
===================== ====== ===========================================================
mythes-id             1.0    main source (LGPL-2.1); headword -> each synonym of a sense;
                             ``[ant]`` lines dropped (and used to veto antonym edges)
urai-function-words   1.0    ``urai/lang/id/function_words.tsv``, hand-written (MIT)
wordnet-bahasa        0.5    members of one synset are pairwise synonyms (MIT); synsets with
                             more than :data:`WN_MAX_SYNSET` usable members are skipped;
                             lemmas neither in wordfreq's Indonesian list nor in mythes-id
                             are dropped (Malay leaks in)
===================== ====== ===========================================================

An edge's weight is the **max** of its sources' weights; its ``sources`` and ``pos`` (union
over the senses that produced it) are kept. Multi-word entries (``kurang lebih``) are kept as
phrases and looked up by their space-joined lower-case form.

mythes-id formatting artefacts handled: ``[n]bagan`` (no ``|`` after the POS), ``[v}``,
``[N]``/``[V]``, ``ant]|``/``pn]|`` (missing ``[``), sense lines with no POS at all, empty
fields and duplicates. **Glued entries** such as ``mencurahkan mengatakan`` (two synonyms
joined by a space instead of ``|``) are split when every part is a known mythes headword
*and* starts with a verbal prefix (``me-``, ``di-``, ``ber-``, ``ter-``, ``per-``): genuine
verbal phrases almost always pair a verb with a non-verb (``mengangkat tangan``), whereas
two prefixed verbs side by side are a missing ``|``. Other multi-word entries stay phrases.

Artefact ``thesaurus.tsv.gz``: a ``#``-comment header holding JSON metadata, then one line
per undirected edge ``a<TAB>b<TAB>posmask<TAB>srcmask<TAB>weight*100`` with ``a < b``.

Runtime: :class:`Thesaurus` (``synonyms``, ``alternatives``, ``canonical``, ``is_mutable``).
``alternatives`` and ``canonical`` are cached per word in plain dicts: a cached call costs a
normalisation plus a dict lookup; the first call for a word costs a few hundred times that
(the affix analyses and re-inflections).
"""

from __future__ import annotations

import gzip
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from urai.errors import ResourceError, resource_errors
from urai.lang.freq import default_frequency
from urai.lang.id import THESAURUS_PATH
from urai.lang.morph import Analysis, analyses, inflect

__all__ = [
    "Alternative",
    "Synonym",
    "Thesaurus",
    "ThesaurusStats",
    "default_thesaurus",
    "load_thesaurus",
    "SOURCES",
    "POS_TAGS",
    "THESAURUS_FILENAME",
]

THESAURUS_FILENAME = "thesaurus.tsv.gz"
_MAGIC = "# urai thesaurus v1"
#: (name, weight, licence), bit i of an edge's source mask = SOURCES[i]
SOURCES: tuple[tuple[str, float, str], ...] = (
    ("mythes-id", 1.0, "LGPL-2.1"),
    ("wordnet-bahasa", 0.5, "MIT"),
    ("urai-function-words", 1.0, "MIT (urai)"),
)
_SRC_BIT = {name: 1 << i for i, (name, _, _) in enumerate(SOURCES)}
#: bit i of an edge's POS mask = POS_TAGS[i]
POS_TAGS: tuple[str, ...] = ("n", "v", "a", "adv", "p", "num", "pron")
_POS_BIT = {p: 1 << i for i, p in enumerate(POS_TAGS)}
_POS_ALIASES = {"adj": "a", "s": "a", "r": "adv", "pn": "n", "prep": "p", "conj": "p"}
WN_MAX_SYNSET = 12
MORPH_SOURCE = "urai-morph"
#: weight factors for alternatives found through affix analysis / affix variation
ANALYSED_FACTOR = 0.9
AFFIX_VARIANT_WEIGHT = 0.4
_VERBAL = re.compile(r"^(?:me|di|ber|ter|per)[a-z]")
_SENSE = re.compile(r"^\[?([A-Za-z]+)\s*[\]}]\s*\|?(.*)$")
_HEAD = re.compile(r"^(.+?)\|\s*(\d+)\s*$")
_WS = re.compile(r"\s+")
_NASAL_START = re.compile(r"^[mp]e(?:m|n|ng|ny)[aeiou]")
_ACTIVE = (("meN", ""), ("meN", "kan"), ("meN", "i"),
           ("memper", ""), ("memper", "kan"), ("memper", "i"))
_PASSIVE = (("di", ""), ("di", "kan"), ("di", "i"), ("diper", ""), ("diper", "kan"), ("diper", "i"))
_FAMILY = {p: _ACTIVE for p in ("meN", "memper")} | {p: _PASSIVE for p in ("di", "diper")}


def _norm(word: str) -> str:
    return _WS.sub(" ", word.strip().lower())


def _pos_bit(tag: str) -> int:
    t = tag.strip().lower()
    return _POS_BIT.get(_POS_ALIASES.get(t, t), 0)


@lru_cache(maxsize=4096)
def _mask_names(mask: int, names: tuple[str, ...]) -> frozenset[str]:
    """The names whose bits are set in ``mask`` (few distinct masks: cached)."""
    return frozenset(n for i, n in enumerate(names) if mask >> i & 1)


_SRC_NAMES = tuple(s[0] for s in SOURCES)
_SRC_WEIGHT = {1 << i: w for i, (_, w, _) in enumerate(SOURCES)}


@lru_cache(maxsize=1024)
def _weight(srcmask: int) -> float:
    return max((w for bit, w in _SRC_WEIGHT.items() if srcmask & bit), default=0.0)


@dataclass(frozen=True, slots=True)
class Synonym:
    """A direct synonym of a headword."""

    word: str
    weight: float
    pos: frozenset[str]
    sources: frozenset[str]


@dataclass(frozen=True, slots=True)
class Alternative:
    """An inflected word a spinner could have produced from (or that restores) a word.

    ``surface`` is the alternative as it would appear in text, ``lemma`` the synonym
    headword it was made from, ``via`` the observed word's headword/root.
    """

    surface: str
    lemma: str
    via: str
    weight: float
    sources: frozenset[str]
    pos: frozenset[str]


@dataclass
class ThesaurusStats:
    """Counts recorded by :func:`build_thesaurus`."""

    path: Path
    headwords: int = 0
    edges: int = 0
    edges_by_source: dict[str, int] = field(default_factory=dict)
    headwords_by_source: dict[str, int] = field(default_factory=dict)
    antonym_lines_dropped: int = 0
    antonym_edges_vetoed: int = 0
    glued_entries_split: int = 0
    wordnet_lemmas_dropped: int = 0
    wordnet_synsets_skipped: int = 0
    bytes: int = 0


# --- runtime -------------------------------------------------------------------------------


class Thesaurus:
    """A loaded symmetric synonym graph with morphology-aware lookups.

    ``lexicon`` (optional) is a set of known words (e.g. wordfreq's list) used to accept
    roots and affix variants that are not themselves thesaurus entries.
    """

    def __init__(self, edges: Iterable[tuple[str, str, int, int]], *,
                 meta: dict | None = None, path: Path | None = None,
                 lexicon: Iterable[str] | None = None,
                 frequency: dict[str, float] | None = None) -> None:
        self.path = path
        self._meta = meta or {}
        adj: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
        n_edges = 0
        for a, b, pos, src in edges:
            adj[a].append((b, pos, src))
            adj[b].append((a, pos, src))
            n_edges += 1
        self._adj = dict(adj)
        self._edges = n_edges
        self._lexicon = frozenset(lexicon) | self._adj.keys() if lexicon else self._adj.keys()
        self._freq = frequency or {}
        self._syn_cache: dict[str, tuple[Synonym, ...]] = {}
        self._alt_cache: dict[str, tuple[Alternative, ...]] = {}
        self._canon_cache: dict[str, str] = {}
        self._centers: dict[str, str] | None = None

    # basic lookups
    @property
    def headwords(self) -> int:
        """Number of distinct words/phrases in the graph."""
        return len(self._adj)

    @property
    def edges(self) -> int:
        """Number of undirected synonym edges."""
        return self._edges

    @property
    def sources(self) -> list[dict]:
        """Per-source provenance: ``{name, licence, weight, headwords, edges}``."""
        return list(self._meta.get("sources", []))

    def info(self) -> dict:
        """Summary for ``urai resources`` (headwords, edges, sources)."""
        return {"path": str(self.path) if self.path else None, "headwords": self.headwords,
                "edges": self.edges, "sources": self.sources}

    def has(self, word: str) -> bool:
        """True if ``word`` (or phrase) is in the graph."""
        return _norm(word) in self._adj

    def synonyms(self, lemma: str) -> list[Synonym]:
        """Direct synonyms of a headword/phrase, highest weight first (empty if unknown)."""
        return list(self._synonyms(_norm(lemma)))

    def _synonyms(self, key: str) -> tuple[Synonym, ...]:
        hit = self._syn_cache.get(key)
        if hit is None:
            hit = tuple(sorted(
                (Synonym(b, _weight(src), _mask_names(pos, POS_TAGS),
                         _mask_names(src, _SRC_NAMES)) for b, pos, src in self._adj.get(key, ())),
                key=lambda s: (-s.weight, s.word)))
            self._syn_cache[key] = hit
        return hit

    # alternatives
    def alternatives(self, word: str) -> list[Alternative]:
        """Inflected synonyms of an inflected surface word, best first (cached per word).

        (a) a headword gives its synonyms as they are; (b) otherwise each affix analysis whose
        root is a headword gives the root's synonyms re-inflected with the same affixes
        (``kelompoknya`` -> ``grupnya``, ``diserang`` -> ``diserbu``; weight x0.9);
        (c) verbal affix variants of the same root that are known words are added with weight
        0.4 and source ``urai-morph`` (``mengungkap`` <-> ``mengungkapkan``,
        ``melancarkan`` <-> ``memperlancar``).
        """
        key = _norm(word)
        hit = self._alt_cache.get(key)
        if hit is None:
            hit = self._alternatives(key)
            self._alt_cache[key] = hit
        return list(hit)

    def _affixed(self, word: str) -> bool:
        """True if ``word`` looks already affixed (an analysis with a known root)."""
        return any((a.prefix or a.suffix) and a.root in self._adj for a in analyses(word))

    def _reinflect(self, syn: str, a: Analysis) -> str | None:
        if " " in syn:
            if a.prefix or a.suffix or a.redup:
                return None
            return syn + a.clitic
        if a.redup and "-" in syn:
            return None
        if a.prefix or a.suffix:
            # an already affixed synonym fits only if it carries the same affixes
            # (root ``ungkap`` ~ ``menyingkap`` fits ``mengungkap``)
            if any(b.prefix == a.prefix and b.suffix == a.suffix and not b.clitic
                   and not b.redup and b.root in self._adj for b in analyses(syn)):
                return syn + a.clitic
            if a.prefix in ("meN", "peN", "memper") and _NASAL_START.match(syn):
                return None  # ``menyiah`` is already nasalised: never ``memenyiah``
            if self._affixed(syn):
                return None
        try:
            return inflect(syn, a.prefix, a.suffix, a.clitic, redup=a.redup)
        except ValueError:
            return None

    def _alternatives(self, w: str) -> tuple[Alternative, ...]:
        out: dict[str, Alternative] = {}

        def add(alt: Alternative) -> None:
            if alt.surface != w:
                old = out.get(alt.surface)
                if old is None or alt.weight > old.weight:
                    out[alt.surface] = alt

        if w in self._adj:
            for s in self._synonyms(w):
                add(Alternative(s.word, s.word, w, s.weight, s.sources, s.pos))
        parses = [a for a in analyses(w) if not a.is_bare]
        for a in parses:
            if a.root not in self._adj or (w in self._adj and not a.prefix):
                continue  # headwords: only prefixed analyses (``diserang`` -> ``serang``)
            for s in self._synonyms(a.root):
                surf = self._reinflect(s.word, a)
                if surf:
                    add(Alternative(surf, s.word, a.root, round(s.weight * ANALYSED_FACTOR, 3),
                                    s.sources, s.pos))
        morph = frozenset({MORPH_SOURCE})
        for a in parses:
            family = _FAMILY.get(a.prefix)
            if not family or a.suffix not in ("", "kan", "i") or a.root not in self._lexicon:
                continue
            for p2, s2 in family:
                surf = inflect(a.root, p2, s2, a.clitic, redup=a.redup)
                if surf in self._lexicon:
                    add(Alternative(surf, surf, a.root, AFFIX_VARIANT_WEIGHT, morph,
                                    frozenset({"v"})))
        freq = self._freq
        return tuple(sorted(out.values(),
                            key=lambda x: (-x.weight, -freq.get(x.surface, 0.0), x.surface)))

    def is_mutable(self, word: str) -> bool:
        """True if a spinner could touch ``word`` (it has at least one alternative)."""
        return bool(self.alternatives(word))

    # canonical keys
    def _build_centers(self) -> dict[str, str]:
        """Partition single words into clusters, each keyed by a representative.

        Pass 1 clusters the function-word table (each frequent word claims its unclaimed
        table synonyms); pass 2 walks all words by descending frequency and lets each
        unclaimed word claim its unclaimed weight-1.0 single-word neighbours.
        """
        fw_bit = _SRC_BIT["urai-function-words"]
        strong = _SRC_BIT["mythes-id"] | fw_bit
        freq = self._freq
        order = sorted((w for w in self._adj if " " not in w),
                       key=lambda w: (-freq.get(w, 0.0), w))
        center: dict[str, str] = {}
        for bits in (fw_bit, strong):
            for w in order:
                nbrs = [b for b, _, src in self._adj[w] if src & bits and " " not in b]
                if bits == fw_bit and not nbrs:
                    continue
                if w not in center:
                    center[w] = w
                elif center[w] != w:
                    continue
                for b in nbrs:
                    center.setdefault(b, w)
        return center

    def canonical(self, word: str) -> str:
        """Synonym-canonical key of ``word`` for fingerprinting (cached).

        Words are partitioned into clusters (see :meth:`_build_centers`); the key is the
        cluster's representative, normally its most frequent member, so ``serta`` -> ``dan``,
        ``lantaran`` -> ``karena``, ``bakal`` -> ``akan``. Inflected words not in the graph
        are mapped through their affix analysis and re-inflected (``diserbu`` ->
        ``di`` + key(``serbu``)). Known failure modes: the graph is not transitive, so a pair
        ``a - b`` lands in different clusters when ``b`` was claimed first by another,
        more frequent neighbour of ``b``; words outside the graph map to themselves.
        """
        key = _norm(word)
        hit = self._canon_cache.get(key)
        if hit is not None:
            return hit
        if self._centers is None:
            self._centers = self._build_centers()
        centers = self._centers
        res = centers.get(key)
        if res is None:
            res = key
            for a in analyses(key):
                if not a.is_bare and a.root in centers:
                    try:
                        res = inflect(centers[a.root], a.prefix, a.suffix, a.clitic,
                                      redup=a.redup)
                    except ValueError:
                        res = key
                    break
        self._canon_cache[key] = res
        return res


def _read_artefact(path: Path) -> tuple[dict, list[tuple[str, str, int, int]]]:
    edges: list[tuple[str, str, int, int]] = []
    meta: dict = {}
    with resource_errors(path, "thesaurus artefact"), gzip.open(path, "rt", encoding="utf-8") as fh:
        first = fh.readline().rstrip("\n")
        if first != _MAGIC:
            raise ValueError(f"bad header {first[:40]!r}")
        line = fh.readline()
        meta = json.loads(line[1:]) if line.startswith("#") else {}
        for ln in fh:
            a, b, pos, src, _ = ln.rstrip("\n").split("\t")
            edges.append((a, b, int(pos), int(src)))
    if not edges:
        raise ResourceError(f"{path}: thesaurus artefact has no edges; run `urai data build`")
    return meta, edges


def load_thesaurus(path: Path | str | None = None, *, with_frequency: bool = True) -> Thesaurus:
    """Load a thesaurus artefact (the shipped one when ``path`` is None).

    With ``with_frequency`` the shipped frequency list (if present) is used as lexicon and
    as the frequency order for :meth:`Thesaurus.canonical`.
    """
    p = Path(path) if path is not None else THESAURUS_PATH
    meta, edges = _read_artefact(p)
    freq: dict[str, float] = {}
    if with_frequency:
        try:
            f = default_frequency()
            freq = {w: f.zipf(w) for w in f.words()}
        except ResourceError:
            freq = {}
    return Thesaurus(edges, meta=meta, path=p, lexicon=freq.keys() or None, frequency=freq)


@lru_cache(maxsize=1)
def default_thesaurus() -> Thesaurus:
    """The shipped thesaurus, loaded once on first use."""
    return load_thesaurus(None)
