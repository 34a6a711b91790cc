"""Indonesian synonym thesaurus: build from raw sources, load, look up, re-inflect.

Build (:func:`build_thesaurus`) merges three sources into one **symmetric** graph
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
normalisation plus a dict lookup (about 0.3-0.5 µs on the reference machine); the first call
for a word costs roughly 20-200 µs.
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
from urai.morph import Analysis, analyses, inflect

__all__ = [
    "Alternative",
    "Synonym",
    "Thesaurus",
    "ThesaurusStats",
    "build_thesaurus",
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


# --- build ---------------------------------------------------------------------------------


def _fields(text: str) -> list[str]:
    out = []
    for f in text.split("|"):
        f = _norm(f)
        if f and not f.isdigit():
            out.append(f)
    return out


def parse_mythes(path: Path) -> tuple[list[tuple[str, str, str]], set[tuple[str, str]], int, int]:
    """Parse a MyThes ``.dat``: ``(edges (head, syn, pos), antonym pairs, ant lines, glued)``."""
    raw = path.read_bytes().decode("latin-1")
    lines = raw.splitlines()
    if lines and "|" not in lines[0]:
        lines = lines[1:]  # encoding line
    heads = {_norm(m.group(1)) for ln in lines if (m := _HEAD.match(ln)) and not ln.startswith("[")}
    edges: list[tuple[str, str, str]] = []
    antonyms: set[tuple[str, str]] = set()
    ant_lines = glued = 0
    head = ""
    for ln in lines:
        ln = ln.strip()
        if not ln:
            continue
        m = _SENSE.match(ln)
        if m:
            pos, rest = m.group(1).lower(), m.group(2)
        elif (h := _HEAD.match(ln)) is not None:
            head = _norm(h.group(1))
            continue
        else:  # a sense line that lost its POS tag entirely
            pos, rest = "", ln
        if not head:
            continue
        syns = _fields(rest)
        if pos == "ant":
            ant_lines += 1
            antonyms.update((head, s) for s in syns)
            continue
        for s in syns:
            parts = s.split(" ")
            if (len(parts) > 1 and s not in heads
                    and all(p in heads and _VERBAL.match(p) for p in parts)):
                glued += 1
                edges.extend((head, p, pos) for p in parts if p != head)
            elif s != head:
                edges.append((head, s, pos))
    return edges, antonyms, ant_lines, glued


def parse_wordnet(path: Path, keep: set[str] | None,
                  max_synset: int = WN_MAX_SYNSET) -> tuple[list[tuple[str, str, str]], int, int]:
    """Pairwise synonym edges from a Wordnet Bahasa ``.tab`` (``ind:lemma`` rows only)."""
    synsets: dict[str, list[str]] = defaultdict(list)
    dropped = 0
    with open(path, encoding="utf-8") as fh:
        for ln in fh:
            parts = ln.rstrip("\n").split("\t")
            if len(parts) != 3 or parts[1] != "ind:lemma":
                continue
            lemma = _norm(parts[2].replace("_", " "))
            if not lemma:
                continue
            if keep is not None and not all(t in keep for t in lemma.split(" ")):
                dropped += 1
                continue
            if lemma not in synsets[parts[0]]:
                synsets[parts[0]].append(lemma)
    edges: list[tuple[str, str, str]] = []
    skipped = 0
    for sid, members in synsets.items():
        if len(members) > max_synset:
            skipped += 1
            continue
        pos = sid.rsplit("-", 1)[-1]
        for i, a in enumerate(members):
            edges.extend((a, b, pos) for b in members[i + 1:])
    return edges, dropped, skipped


def parse_function_words(path: Path) -> list[tuple[str, str, str]]:
    """Edges from the hand-written ``function_words.tsv`` (word, syn|syn, pos, note)."""
    edges = []
    for n, ln in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not ln.strip() or ln.startswith("#"):
            continue
        cols = ln.split("\t")
        if len(cols) < 3:
            raise ResourceError(f"{path}:{n}: expected word<TAB>syn|syn<TAB>pos<TAB>note")
        word = _norm(cols[0])
        edges.extend((word, s, cols[2]) for s in _fields(cols[1]) if s != word)
    return edges


def _load_wordfreq_vocab() -> set[str] | None:
    try:
        import wordfreq
    except ImportError:
        return None
    return set(wordfreq.top_n_list("id", 10_000_000))


def build_thesaurus(shared_data_dir: Path, out_dir: Path, *,
                    function_words: Path | None = None) -> ThesaurusStats:
    """Build ``out_dir/thesaurus.tsv.gz`` from ``shared_data_dir/thesaurus/...``."""
    from urai.lang.id import FUNCTION_WORDS_PATH

    shared = Path(shared_data_dir)
    out_dir = Path(out_dir)
    my = shared / "thesaurus" / "mythes-id" / "th_id_ID_v2.dat"
    wn = shared / "thesaurus" / "wordnet-bahasa" / "wn-data-ind.tab"
    if not my.exists():
        raise ResourceError(f"{my}: mythes-id thesaurus not found (needed to build)")
    stats = ThesaurusStats(path=out_dir / THESAURUS_FILENAME)
    my_edges, antonyms, stats.antonym_lines_dropped, stats.glued_entries_split = parse_mythes(my)
    per_source: list[tuple[str, list[tuple[str, str, str]]]] = [("mythes-id", my_edges)]
    if wn.exists():
        keep = _load_wordfreq_vocab()
        if keep is not None:
            keep |= {w for e in my_edges for w in e[:2] for w in w.split(" ")}
        wn_edges, stats.wordnet_lemmas_dropped, stats.wordnet_synsets_skipped = parse_wordnet(
            wn, keep)
        per_source.append(("wordnet-bahasa", wn_edges))
    fw = Path(function_words) if function_words is not None else FUNCTION_WORDS_PATH
    per_source.append(("urai-function-words", parse_function_words(fw)))

    graph: dict[tuple[str, str], list[int]] = {}
    for name, edges in per_source:
        bit = _SRC_BIT[name]
        for a, b, pos in edges:
            if a == b or "\t" in a + b:
                continue
            key = (a, b) if a < b else (b, a)
            slot = graph.setdefault(key, [0, 0])
            slot[0] |= _pos_bit(pos)
            slot[1] |= bit
    fw_bit = _SRC_BIT["urai-function-words"]
    for a, b in antonyms:
        key = (a, b) if a < b else (b, a)
        if key in graph and not graph[key][1] & fw_bit:
            del graph[key]
            stats.antonym_edges_vetoed += 1

    nodes: set[str] = set()
    by_src_edges = dict.fromkeys(_SRC_NAMES, 0)
    by_src_nodes: dict[str, set[str]] = {n: set() for n in _SRC_NAMES}
    for (a, b), (_, src) in graph.items():
        nodes.update((a, b))
        for i, name in enumerate(_SRC_NAMES):
            if src >> i & 1:
                by_src_edges[name] += 1
                by_src_nodes[name].update((a, b))
    stats.headwords, stats.edges = len(nodes), len(graph)
    stats.edges_by_source = by_src_edges
    stats.headwords_by_source = {k: len(v) for k, v in by_src_nodes.items()}
    meta = {
        "sources": [
            {"name": n, "weight": w, "licence": lic, "edges": by_src_edges[n],
             "headwords": stats.headwords_by_source[n]}
            for n, w, lic in SOURCES
        ],
        "pos_tags": list(POS_TAGS),
        "headwords": stats.headwords,
        "edges": stats.edges,
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    body = "".join(
        f"{a}\t{b}\t{pos}\t{src}\t{round(_weight(src) * 100)}\n"
        for (a, b), (pos, src) in sorted(graph.items())
    )
    with open(stats.path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write(f"{_MAGIC}\n# {json.dumps(meta, sort_keys=True)}\n".encode())
        gz.write(body.encode("utf-8"))
    stats.bytes = stats.path.stat().st_size
    return stats


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
        """Summary for ``urai data info``-style reports."""
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
            if True:
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
    from urai.lang.id import THESAURUS_PATH

    p = Path(path) if path is not None else THESAURUS_PATH
    meta, edges = _read_artefact(p)
    freq: dict[str, float] = {}
    if with_frequency:
        try:
            from urai.freq import default_frequency

            f = default_frequency()
            freq = {w: f.zipf(w) for w in f.words()}
        except ResourceError:
            freq = {}
    return Thesaurus(edges, meta=meta, path=p, lexicon=freq.keys() or None, frequency=freq)


@lru_cache(maxsize=1)
def default_thesaurus() -> Thesaurus:
    """The shipped thesaurus, loaded once on first use."""
    return load_thesaurus(None)
