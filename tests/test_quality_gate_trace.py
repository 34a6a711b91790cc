"""Quality gate of passage-level trace (issue 12) on a fixed PAN-style set.

``tests/trace/data/gate.jsonl.gz`` (written by ``benchmarks/bench_passages.py --write-gate``):
240 sources (IndoSum fold-05 articles and Wordnet Bahasa glossary documents), paragraph
queries with every obfuscation of ``benchmarks/pancorpus.py`` (25-100 words), documents of
held-out clean text with 1-3 inserted passages, and plagiarism-free documents. The sources
are indexed into a real SQLite index in a temporary directory; floors live in
``tests/quality_floors_trace.json``.
"""

from __future__ import annotations

import gzip
import json
from collections import defaultdict
from pathlib import Path

import pytest

from urai.trace.index import Index

HERE = Path(__file__).parent
GATE = HERE / "trace" / "data" / "gate.jsonl.gz"
FLOORS = json.loads((HERE / "quality_floors_trace.json").read_text(encoding="utf-8"))
GROUPS = {"none": "literal", "spun10": "literal", "spun30": "literal", "spun50": "literal",
          "random": "shuffled", "pos": "shuffled", "dropmerge": "dropmerge",
          "paraphrase": "paraphrase"}


def _chars(spans: list[tuple[int, int]]) -> set[int]:
    return {c for a, b in spans for c in range(a, b)}


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> dict[str, float]:
    rows = [json.loads(x) for x in gzip.open(GATE, "rt", encoding="utf-8")]
    db = tmp_path_factory.mktemp("gate") / "gate.db"
    out: dict[str, float] = {}
    hits: dict[str, list[bool]] = defaultdict(list)
    loc_hit = loc_total = det_ok = det_total = free_matched = every = n_docs = 0
    with Index(db) as idx:
        rep = idx.add([(r["id"], r["text"]) for r in rows if r["type"] == "source"])
        assert rep.added == sum(r["type"] == "source" for r in rows)
        for r in rows:
            if r["type"] == "source":
                continue
            res = idx.trace(r["text"], top=10)
            if r["type"] == "free":
                free_matched += bool(res.matches)
                continue
            if r["type"] == "paragraph":
                c = r["cases"][0]
                hits[GROUPS[c["obfuscation"]]].append(
                    bool(res.matches) and res.matches[0].id == c["source_id"])
                continue
            n_docs += 1
            ids = {m.id for m in res.matches}
            every += all(c["source_id"] in ids for c in r["cases"])
            for c in r["cases"]:
                case = set(range(c["q_start"], c["q_end"]))
                loc_total += len(case)
                loc_hit += len(case & _chars([(p.query_start, p.query_end)
                                              for m in res.matches if m.id == c["source_id"]
                                              for p in m.passages]))
            for m in res.matches:
                got = _chars([(p.query_start, p.query_end) for p in m.passages])
                det_total += len(got)
                det_ok += len(got & _chars([(c["q_start"], c["q_end"]) for c in r["cases"]
                                            if c["source_id"] == m.id]))
    for group, xs in hits.items():
        out[f"recall@1_{group}"] = sum(xs) / len(xs)
    out["located_recall"] = loc_hit / max(loc_total, 1)
    out["located_precision"] = det_ok / max(det_total, 1)
    out["every_source_returned"] = every / max(n_docs, 1)
    out["free_matched_max"] = free_matched
    return out


@pytest.mark.parametrize("metric", [k for k in FLOORS if not k.startswith("_")])
def test_trace_floor(measured: dict[str, float], metric: str) -> None:
    got = measured[metric]
    if metric.endswith("_max"):
        assert got <= FLOORS[metric], f"{metric} {got} above its ceiling {FLOORS[metric]}"
    else:
        assert got >= FLOORS[metric], f"{metric} {got:.3f} below its floor {FLOORS[metric]}"
