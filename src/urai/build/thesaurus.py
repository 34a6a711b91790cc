"""Build ``thesaurus.tsv.gz`` from the raw sources (mythes-id, Wordnet Bahasa, urai's
function-word table): parse, symmetrise, veto antonyms, write the artefact that
:mod:`urai.lang.thesaurus` loads at run time."""

from __future__ import annotations

import gzip
import json
from collections import defaultdict
from pathlib import Path

from urai.errors import ResourceError
from urai.lang.id import FUNCTION_WORDS_PATH
from urai.lang.thesaurus import (
    _HEAD,
    _MAGIC,
    _SENSE,
    _SRC_BIT,
    _SRC_NAMES,
    _VERBAL,
    POS_TAGS,
    SOURCES,
    THESAURUS_FILENAME,
    WN_MAX_SYNSET,
    ThesaurusStats,
    _norm,
    _pos_bit,
    _weight,
)

__all__ = ["build_thesaurus", "parse_mythes", "parse_wordnet", "parse_function_words"]


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
