"""The outputs of ``urai cluster``: ``documents.parquet``, ``families.parquet``,
``profiles/``, ``summary.json``, ``report.html`` and (``--write-clean``) the clean corpus.

:func:`assemble` turns an engine's assignments (one per document that is not an exact
duplicate of another) and its exact duplicates into one row per accepted input document, in
input order; everything below writes from those rows, so every engine writes the same bytes.
"""

from __future__ import annotations

import gzip
import html
import json
import os
import shutil
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from urai.corpus.families import family_id_of
from urai.corpus.readers import input_format, site_of
from urai.errors import MissingDependencyError

__all__ = ["ROLES", "assemble", "pack_swaps", "unpack_swaps", "families_of",
           "write_parquet_outputs", "summary_of", "render_html", "write_clean", "print_summary"]

ROLES = ("original", "copy", "exact_duplicate", "unique")


def pack_swaps(swaps: Any) -> str:
    """``(observed, original)`` pairs as one compact JSON string (``""`` for none): a row
    holds its swaps as one string instead of a Python list of pairs (at 1M documents the
    lists were most of the run's peak memory); :func:`unpack_swaps` gives them back."""
    if isinstance(swaps, str):
        return swaps
    return json.dumps([[o, x] for o, x in swaps], ensure_ascii=False,
                      separators=(",", ":")) if swaps else ""


def unpack_swaps(packed: str) -> list[tuple[str, str]]:
    """The pairs of :func:`pack_swaps`."""
    return [(o, x) for o, x in json.loads(packed)] if packed else []


def assemble(ids: Sequence[str], sources: Sequence[str], urls: Sequence[str | None],
             assignments: Iterable[Mapping[str, Any]], dups: Mapping[int, int]
             ) -> list[dict[str, Any]]:
    """One row per document (by seq): id, source, site, family_id, role, original_id,
    coverage, score, spun_probability, swaps (packed, :func:`pack_swaps`), reason."""
    n = len(ids)
    rows: list[dict[str, Any]] = [
        {"id": ids[s], "source": sources[s], "site": site_of(urls[s]), "family_id": None,
         "role": "unique", "original_id": ids[s], "coverage": None, "score": None,
         "spun_probability": None, "swaps": "", "reason": "no other document aligns with it"}
        for s in range(n)]
    orig_of = list(range(n))
    for a in assignments:
        d = int(a["doc"])
        r = rows[d]
        orig_of[d] = int(a["original"])
        r.update(role=a["role"], coverage=a["coverage"], score=a["score"],
                 spun_probability=a["spun"], swaps=pack_swaps(a["swaps"]))
        if a["reason"]:
            r["reason"] = a["reason"]
    for d in sorted(dups):
        rep = dups[d]
        r, rr = rows[d], rows[rep]
        if rr["role"] == "unique":
            rr["role"] = "original"
            rr["reason"] = "original: earliest (then smallest id) of identical texts"
        orig_of[d] = orig_of[rep]
        exact_of_original = orig_of[rep] == rep
        r.update(role="exact_duplicate", spun_probability=rr["spun_probability"],
                 coverage=1.0 if exact_of_original else rr["coverage"],
                 score=1.0 if exact_of_original else rr["score"],
                 swaps="" if exact_of_original else rr["swaps"],
                 reason=f"identical text (up to case and spacing) to {ids[rep]!r}"
                        + ("" if exact_of_original else ", a copy in this family"))
    for s, r in enumerate(rows):
        r["original_id"] = ids[orig_of[s]]
        r["family_id"] = family_id_of(ids[orig_of[s]])
    return rows


def families_of(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One row per family (uniques too), largest first, then by family id."""
    fams: dict[str, dict[str, Any]] = {}
    for r in rows:
        f = fams.get(r["family_id"])
        if f is None:
            f = fams[r["family_id"]] = {"family_id": r["family_id"], "size": 0,
                                        "original": r["original_id"], "members": [],
                                        "sites": [], "copies": 0, "exact_duplicates": 0}
        f["size"] += 1
        f["members"].append(r["id"])
        if r["site"]:
            f["sites"].append(r["site"])
        f["copies"] += r["role"] == "copy"
        f["exact_duplicates"] += r["role"] == "exact_duplicate"
    out = []
    for f in fams.values():
        f["sites"] = sorted(set(f["sites"]))
        out.append(f)
    out.sort(key=lambda f: (-f["size"], f["family_id"]))
    return out


def _arrow() -> Any:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise MissingDependencyError.for_extra("pyarrow", "cluster") from None
    return pa, pq


#: rows of ``documents.parquet`` built and written at once
WRITE_BATCH = 100_000


def write_parquet_outputs(out: Path, rows: Sequence[Mapping[str, Any]],
                          fams: Sequence[Mapping[str, Any]]) -> None:
    pa, pq = _arrow()
    swap_t = pa.list_(pa.struct([("observed", pa.string()), ("original", pa.string())]))
    doc_schema = pa.schema([
        ("id", pa.string()), ("source", pa.string()), ("site", pa.string()),
        ("family_id", pa.string()), ("role", pa.string()), ("original_id", pa.string()),
        ("coverage", pa.float64()), ("score", pa.float64()),
        ("spun_probability", pa.float64()), ("swaps", swap_t), ("reason", pa.string())])
    path = out / "documents.parquet"
    tmp = path.with_name(path.name + ".tmp")
    # in batches: the swaps are unpacked (and the Arrow columns built) one batch at a time
    with pq.ParquetWriter(tmp, doc_schema, compression="zstd") as w:
        for lo in range(0, max(1, len(rows)), WRITE_BATCH):
            part = rows[lo:lo + WRITE_BATCH]
            cols = {k: [r[k] for r in part] for k in doc_schema.names}
            cols["swaps"] = [[{"observed": o, "original": x} for o, x in unpack_swaps(p)]
                             for p in cols["swaps"]]
            w.write_table(pa.table(cols, schema=doc_schema))
            del cols, part
    os.replace(tmp, path)
    fam_schema = pa.schema([
        ("family_id", pa.string()), ("size", pa.int64()), ("original", pa.string()),
        ("members", pa.list_(pa.string())), ("sites", pa.list_(pa.string())),
        ("copies", pa.int64()), ("exact_duplicates", pa.int64())])
    fcols = {k: [f[k] for f in fams] for k in fam_schema.names}
    _write_table(pq, pa.table(fcols, schema=fam_schema), out / "families.parquet")


def _write_table(pq: Any, table: Any, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def summary_of(rows: Sequence[Mapping[str, Any]], fams: Sequence[Mapping[str, Any]],
               rejected: Sequence[Any], read_rows: int, times: Mapping[str, float],
               extra: Mapping[str, Any]) -> dict[str, Any]:
    roles = Counter(r["role"] for r in rows)
    reasons = Counter(getattr(x, "reason", str(x)) for x in rejected)
    multi = [f for f in fams if f["size"] > 1]
    return {
        "documents_in": read_rows,
        "processed": len(rows),
        "rejected": len(rejected),
        "rejected_by_reason": dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))[:50]),
        "families": len(multi),
        "roles": {k: roles.get(k, 0) for k in ROLES},
        "removed": roles.get("copy", 0) + roles.get("exact_duplicate", 0),
        "largest_families": [{"family_id": f["family_id"], "size": f["size"],
                              "original": f["original"], "sites": f["sites"][:10]}
                             for f in multi[:10]],
        "family_sizes": dict(sorted(Counter(f["size"] for f in multi).items())),
        "seconds": dict(times),
        **extra,
    }


def print_summary(s: Mapping[str, Any], echo: Any) -> None:
    r = s["roles"]
    echo(f"{s['documents_in']} documents in: {s['processed']} processed, {s['rejected']} "
         f"rejected; {s['families']} families ({r['original']} originals, {r['copy']} copies, "
         f"{r['exact_duplicate']} exact duplicates), {r['unique']} unique; "
         f"{s['removed']} removed")
    for reason, n in list(s["rejected_by_reason"].items())[:5]:
        echo(f"  rejected {n}: {reason}")
    for f in s["largest_families"][:5]:
        echo(f"  family {f['family_id']}: {f['size']} documents, original {f['original']!r}")
    echo("  seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in s["seconds"].items()))


def _diff_html(copy: str, original: str, thesaurus: Any) -> str:
    from urai.trace.align import align

    al = align(copy, original, thesaurus)
    parts = []
    for op in al.ops:
        q, s = html.escape(op.q_text), html.escape(op.s_text)
        if op.kind == "copy":
            parts.append(f'<span class="syn">{q}</span>' if op.synonym else q)
        elif op.kind == "swap":
            parts.append(f'<del>{s}</del><ins>{q}</ins>')
        elif op.kind == "insert":
            parts.append(f"<ins>{q}</ins>")
        else:
            parts.append(f"<del>{s}</del>")
    return " ".join(parts)


_CSS = """body{font-family:sans-serif;max-width:72em;margin:2em auto;line-height:1.45}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}
del{background:#fdd;text-decoration:line-through}ins{background:#dfd;text-decoration:none}
.syn{background:#eef}.bar{background:#69c;height:1em;display:inline-block}
.diff{border:1px solid #ddd;padding:.6em;margin:.4em 0 1.4em;font-size:.92em}"""


def render_html(s: Mapping[str, Any], rows: Sequence[Mapping[str, Any]],
                fams: Sequence[Mapping[str, Any]], text: Any, thesaurus: Any,
                sample: int = 12) -> str:
    """A static page: counts, the family-size distribution, the largest families and, for a
    sample of copies, the copy-vs-original diff (deleted original words red, the copy's
    words green, thesaurus synonyms blue)."""
    e = html.escape
    r = s["roles"]
    out = ["<!doctype html><html><head><meta charset='utf-8'><title>urai cluster report"
           f"</title><style>{_CSS}</style></head><body><h1>urai cluster report</h1>",
           f"<p>{s['documents_in']} documents in: {s['processed']} processed, "
           f"{s['rejected']} rejected. {s['families']} families: {r['original']} originals, "
           f"{r['copy']} spun or partial copies and {r['exact_duplicate']} exact duplicates "
           f"<b>removed</b> ({s['removed']}); {r['unique']} unique documents kept.</p>"]
    sizes = s["family_sizes"]
    if sizes:
        top = max(sizes.values())
        out.append("<h2>Family sizes</h2><table><tr><th>size</th><th>families</th><th></th>"
                   "</tr>")
        for k, v in sizes.items():
            out.append(f"<tr><td>{k}</td><td>{v}</td><td><span class='bar' style='width:"
                       f"{max(1, int(300 * v / top))}px'></span></td></tr>")
        out.append("</table>")
    if s["rejected_by_reason"]:
        out.append("<h2>Rejected</h2><table><tr><th>reason</th><th>records</th></tr>")
        out += [f"<tr><td>{e(k)}</td><td>{v}</td></tr>"
                for k, v in s["rejected_by_reason"].items()]
        out.append("</table>")
    by_id = {row["id"]: row for row in rows}
    multi = [f for f in fams if f["size"] > 1][:20]
    if multi:
        out.append("<h2>Largest families</h2><table><tr><th>family</th><th>size</th><th>"
                   "original</th><th>sites</th><th>members (role, coverage)</th></tr>")
        for f in multi:
            mem = ", ".join(
                f"{e(m)} ({by_id[m]['role']}"
                + (f", {by_id[m]['coverage']:.2f}" if by_id[m]['coverage'] is not None else "")
                + ")" for m in f["members"][:12]) + (" ..." if f["size"] > 12 else "")
            out.append(f"<tr><td>{e(f['family_id'])}</td><td>{f['size']}</td><td>"
                       f"{e(f['original'])}</td><td>{e(', '.join(f['sites'][:5]))}</td>"
                       f"<td>{mem}</td></tr>")
        out.append("</table>")
    copies = [row for row in rows if row["role"] == "copy"]
    step = max(1, len(copies) // sample) if copies else 1
    picked = copies[::step][:sample]
    if picked:
        out.append("<h2>Sample of removed copies</h2><p>Each diff shows the copy against its "
                   "original: <del>original words the copy dropped or replaced</del>, "
                   "<ins>the copy's own words</ins>, <span class='syn'>synonyms</span>.</p>")
        for row in picked:
            out.append(f"<h3>{e(row['id'])} &rarr; original {e(row['original_id'])}</h3>"
                       f"<p>coverage {row['coverage']:.2f}, score {row['score']:.2f}; "
                       f"{e(row['reason'])}</p><div class='diff'>"
                       f"{_diff_html(text(row['id']), text(row['original_id']), thesaurus)}"
                       "</div>")
    out.append("</body></html>\n")
    return "\n".join(out)


def write_clean(out: Path, inputs: Sequence[str], keep: set[str], fields: Any,
                max_bytes: int) -> dict[str, int]:
    """The originals and unique documents, in the input's format: JSON Lines lines and
    Parquet rows copied as they were (other fields kept), text files copied, WARC pages as
    JSON Lines of their extracted text. Returns files written per format."""
    from urai.corpus.readers import Doc, read_inputs

    dest = out / "clean"
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    written: Counter[str] = Counter()
    jsonl_out: dict[str, Any] = {}
    parquet_rows: dict[str, list[int]] = {}
    for item in read_inputs(list(inputs), fields, max_bytes):
        if not isinstance(item, Doc) or item.id not in keep:
            continue
        src = item.source
        if "#" in src and input_format(src.rsplit("#", 1)[0]) == "parquet":
            path, row = src.rsplit("#", 1)
            parquet_rows.setdefault(path, []).append(int(row))
        elif input_format(src.rsplit(":", 1)[0]) == "jsonl" and ":" in src:
            path = src.rsplit(":", 1)[0]
            jsonl_out.setdefault(path, set()).add(int(src.rsplit(":", 1)[1]))
        elif input_format(src) == "text":
            target = dest / "text" / Path(src).name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(item.text, encoding="utf-8")
            written["text"] += 1
        else:  # WARC
            with open(dest / "warc-pages.jsonl", "a", encoding="utf-8") as fh:
                fh.write(json.dumps({"id": item.id, "text": item.text, "url": item.url,
                                     "date": item.date, "title": item.title},
                                    ensure_ascii=False) + "\n")
            written["warc"] += 1
    for k, (path, lines) in enumerate(sorted(jsonl_out.items())):
        from urai.corpus.readers import _kind, _open

        comp = (_kind(path) or ("", ""))[1]
        target = dest / f"{k:03d}-{Path(path).name}"
        opener = gzip.open if comp == ".gz" else open
        if comp == ".zst":
            target = target.with_name(target.name.removesuffix(".zst"))
        with _open(path, comp) as src_fh, opener(target, "wb") as fh:  # type: ignore[operator]
            import io

            it = io.BufferedReader(src_fh) if comp == ".zst" else src_fh  # type: ignore
            for lineno, raw in enumerate(it, 1):
                if lineno in lines:
                    fh.write(raw if raw.endswith(b"\n") else raw + b"\n")
        written["jsonl"] += 1
    if parquet_rows:
        pa, pq = _arrow()
        for k, (path, rowsel) in enumerate(sorted(parquet_rows.items())):
            t = pq.read_table(path)
            pq.write_table(t.take(pa.array(sorted(rowsel))), dest / f"{k:03d}-{Path(path).name}")
            written["parquet"] += 1
    return dict(written)
