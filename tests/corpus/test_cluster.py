"""urai cluster, local engine: families, originals, malformed input, formats, resume."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.corpus.conftest import article, make_crawl, write_jsonl
from urai.corpus.clustering import ClusterConfig, cluster
from urai.corpus.readers import Doc, read_inputs
from urai.detect.profile import Profile
from urai.errors import ConfigError, InputError

pq = pytest.importorskip("pyarrow.parquet")

RUN_CLI = """import sys
from urai.cli import _COMMANDS, main
_COMMANDS.setdefault("cluster", ("urai.cli.cluster", "cluster", "Find spun families."))
sys.exit(main(sys.argv[1:]))
"""


def rows_of(out: Path) -> dict[str, dict]:
    return {r["id"]: r for r in pq.read_table(out / "documents.parquet").to_pylist()}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory, crawl: tuple[list[dict], dict]):
    d = tmp_path_factory.mktemp("cluster")
    src = write_jsonl(d / "crawl.jsonl", crawl[0])
    summary = cluster([str(src)], d / "out", write_clean=True)
    return d, src, summary, rows_of(d / "out")


def test_families_originals_and_roles(run, crawl) -> None:
    _, _, summary, rows = run
    truth = crawl[1]
    for ident, orig in truth.items():
        assert rows[ident]["family_id"] == rows[orig]["family_id"], ident
        assert rows[ident]["original_id"] == orig, (ident, rows[ident])
    for ident, r in rows.items():
        want = ("unique" if ident.startswith("uniq") else "original" if ident.startswith("orig")
                else "exact_duplicate" if ident.startswith("x-dup") else "copy")
        assert r["role"] == want, r
        if want == "copy":
            assert 0.3 <= r["coverage"] <= 1 and 0 < r["score"] <= 1 and r["reason"]
        if not ident.startswith("uniq"):
            # spun="needed": the screen runs only where the original choice needs it, in
            # the undated families (odd f; their original at least); a dated family's
            # earliest member decides alone
            fam = int(ident.split("-")[2 if ident.startswith("x-dup") else 1])
            if fam % 2 == 0:
                assert r["spun_probability"] is None, r
            elif ident.startswith("orig"):
                assert 0 <= r["spun_probability"] < 0.5, r
        if ident.startswith("copy"):
            assert r["swaps"], r  # the spinner's swaps show up as observed -> original
    assert summary["processed"] + summary["rejected"] == summary["documents_in"]
    assert summary["families"] == 6 and summary["roles"]["unique"] == 8


def test_needed_screens_fewer_and_chooses_as_members(tmp_path: Path, run) -> None:
    """``spun="needed"`` (the default) chooses the same originals and families as screening
    every member, and its probabilities are the same screen's."""
    cluster([str(run[1])], tmp_path / "out", config=ClusterConfig(spun="members"))
    every, needed = rows_of(tmp_path / "out"), run[3]
    keys = ("family_id", "role", "original_id", "coverage", "score", "swaps")
    assert {i: tuple(str(r[k]) for k in keys) for i, r in needed.items()} == \
        {i: tuple(str(r[k]) for k in keys) for i, r in every.items()}
    asked = {i for i, r in needed.items() if r["spun_probability"] is not None}
    members = {i for i, r in every.items() if r["role"] != "unique"}
    assert asked and asked < members
    assert all(needed[i]["spun_probability"] == every[i]["spun_probability"] for i in asked)


def test_order_and_workers_do_not_change_the_result(tmp_path: Path, run, crawl) -> None:
    src = write_jsonl(tmp_path / "rev.jsonl", list(reversed(crawl[0])))
    cluster([str(src)], tmp_path / "out", jobs=2, config=ClusterConfig(shard_size=100))
    a, b = run[3], rows_of(tmp_path / "out")
    keys = ("family_id", "role", "original_id", "coverage", "score", "swaps")
    assert {i: tuple(str(r[k]) for k in keys) for i, r in a.items()} == \
        {i: tuple(str(r[k]) for k in keys) for i, r in b.items()}

    def profiles(root: Path) -> dict[str, str]:
        return {str(f.relative_to(root)): f.read_text() for f in root.rglob("*.json")}

    # the profiles, written by two spawned workers here, by one process in ``run``
    assert profiles(tmp_path / "out" / "profiles") == profiles(run[0] / "out" / "profiles")


def test_no_transitive_chain_wipe_out(tmp_path: Path) -> None:
    import random

    rng = random.Random(5)
    a, c = article(rng, 16), article(rng, 16)
    wa, wc = a.split(), c.split()
    stitched = " ".join(wa[: len(wa) * 6 // 10] + wc[len(wc) * 6 // 10:])
    # a and c were published first; b, stitched from both, is the hub of the chain a-b-c
    recs = [{"id": "a", "text": a, "date": "2021-03-01"}, {"id": "c", "text": c,
             "date": "2021-03-02"}, {"id": "b", "text": stitched, "date": "2021-03-05"}]
    cluster([str(write_jsonl(tmp_path / "x.jsonl", recs))], tmp_path / "out",
            config=ClusterConfig(spun="none"))
    rows = rows_of(tmp_path / "out")
    assert rows["a"]["family_id"] != rows["c"]["family_id"]
    assert rows["b"]["family_id"] in (rows["a"]["family_id"], rows["c"]["family_id"])
    assert rows["b"]["role"] == "copy"


def test_malformed_records_are_counted_never_fatal(tmp_path: Path, crawl) -> None:
    good = crawl[0][:6]
    p = tmp_path / "bad.jsonl"
    with open(p, "wb") as fh:
        for r in good:
            fh.write(json.dumps(r).encode() + b"\n")
        fh.write(b"{not json\n")
        fh.write(json.dumps({"id": "nt"}).encode() + b"\n")
        fh.write(b'{"id": "bytes", "text": "caf\xe9"}\n')
        fh.write(json.dumps({"id": "empty", "text": "   "}).encode() + b"\n")
        fh.write(json.dumps({"id": "big", "text": "kata " * 10_000_000}).encode() + b"\n")
        fh.write(json.dumps(good[0]).encode() + b"\n")  # duplicate id
        fh.write(b"[1, 2]\n")
    (tmp_path / "latin.txt").write_bytes("caf\xe9 ".encode("latin-1") * 10)
    s = cluster([str(p), str(tmp_path / "latin.txt"), str(tmp_path / "missing.jsonl")],
                tmp_path / "out", config=ClusterConfig(spun="none"))
    assert s["documents_in"] == 6 + 9 and s["processed"] == 6 and s["rejected"] == 9
    reasons = " | ".join(s["rejected_by_reason"])
    for word in ("not valid JSON", "missing text", "UTF-8", "empty text", "too large",
                 "duplicate id", "JSON object", "no such file"):
        assert word in reasons, (word, reasons)


def test_nothing_readable_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "e.jsonl").write_text("{bad\n")
    with pytest.raises(InputError, match="no document to cluster"):
        cluster([str(tmp_path / "e.jsonl")], tmp_path / "out")


def test_input_formats_read_the_same_documents(tmp_path: Path, crawl) -> None:
    import pyarrow as pa
    import zstandard

    recs = crawl[0][:5]
    lines = "".join(json.dumps(r) + "\n" for r in recs).encode()
    (tmp_path / "a.jsonl.gz").write_bytes(gzip.compress(lines))
    (tmp_path / "a.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(lines))
    pq.write_table(pa.Table.from_pylist([{"doc": r["id"], "body": r["text"]} for r in recs]),
                   tmp_path / "a.parquet")
    tdir = tmp_path / "texts"
    tdir.mkdir()
    for r in recs:
        (tdir / f"{r['id']}.txt").write_text(r["text"], encoding="utf-8")
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(tmp_path / "a.warc.gz", "wb") as fh:
        w = WARCWriter(fh, gzip=True)
        for r in recs:
            body = f"<html><head><title>{r['id']}</title></head><body><article><p>" \
                   f"{r['text']}</p></article></body></html>".encode()
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                    protocol="HTTP/1.0")
            w.write_record(w.create_warc_record(r["url"], "response", payload=io.BytesIO(body),
                                                http_headers=http))
    texts = {r["text"] for r in recs}

    def docs(*inp: str, **kw) -> list[Doc]:
        out = list(read_inputs(list(inp), **kw))
        assert all(isinstance(d, Doc) for d in out), out
        return out  # type: ignore[return-value]

    assert {d.text for d in docs(str(tmp_path / "a.jsonl.gz"))} == texts
    assert {d.text for d in docs(str(tmp_path / "*.jsonl.zst"))} == texts
    from urai.corpus.readers import FieldMap

    pd = docs(str(tmp_path / "a.parquet"), fields=FieldMap(id="doc", text="body"))
    assert {d.text for d in pd} == texts and {d.id for d in pd} == {r["id"] for r in recs}
    assert {d.text for d in docs(str(tdir))} == texts
    wd = docs(str(tmp_path / "a.warc.gz"))
    assert len(wd) == 5 and all(d.url and d.date for d in wd)
    assert all(w.text.split()[:5] == r["text"].split()[:5]
               for w, r in zip(wd, recs, strict=True))


def test_outputs_report_profiles_and_clean_corpus(run) -> None:
    d, src, summary, rows = run
    out = d / "out"
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "Largest families" in page and "<del>" in page and "<ins>" in page
    fams = pq.read_table(out / "families.parquet").to_pylist()
    big = [f for f in fams if f["size"] > 1]
    assert len(big) == 6 and all(f["size"] == 6 and f["original"].startswith("orig")
                                 for f in big)
    profs = sorted((out / "profiles" / "families").glob("*.json"))
    assert len(profs) == 6
    p = Profile.load(profs[0])  # the one profile format: urai check --profile reads it
    assert p.kind == "family" and p.pairs and all(c >= 1 for c in p.pairs.values())
    # the pairs are the family's copies' swaps (they were once the keys of the row's swap
    # dictionaries, ("observed", "original"), for every family)
    want = Counter((s["observed"].lower(), s["original"].lower()) for r in rows.values()
                   if r["family_id"] == p.name and r["role"] == "copy" for s in r["swaps"]
                   if s["observed"].lower() != s["original"].lower())
    assert ("observed", "original") not in p.pairs and dict(want) == dict(p.pairs)
    assert (out / "profiles" / "sites" / "farm0.id.json").exists()
    kept = [json.loads(x)["id"] for f in (out / "clean").glob("*.jsonl")
            for x in f.read_text().splitlines()]
    assert sorted(kept) == sorted(i for i, r in rows.items()
                                  if r["role"] in ("original", "unique"))
    assert json.loads((out / "summary.json").read_text())["removed"] == 6 * 5


def test_config_is_validated() -> None:
    with pytest.raises(ConfigError):
        ClusterConfig(threshold=0)
    with pytest.raises(ConfigError):
        ClusterConfig(original_rule=("date", "colour"))
    with pytest.raises(ConfigError):
        ClusterConfig(df_cap=0)
    assert ClusterConfig(original_rule=("centrality",)).original_rule == ("centrality", "id")


def _cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", RUN_CLI, *args], capture_output=True,
                          text=True, **kw)


def test_cli_errors_are_one_line(tmp_path: Path, run) -> None:
    r = _cli("cluster", str(tmp_path / "nope.jsonl"), "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "no document" in r.stderr
    r = _cli("cluster", str(run[1]), "--out", str(run[0] / "out"))
    assert r.returncode == 2 and "already holds" in r.stderr and "Traceback" not in r.stderr
    r = _cli("cluster", str(run[1]), "--out", str(tmp_path / "o"), "--threshold", "2")
    assert r.returncode == 2 and "threshold" in r.stderr and "Traceback" not in r.stderr


def test_resume_after_kill_gives_identical_output(tmp_path: Path) -> None:
    recs, _ = make_crawl(seed=3, families=12, uniques=150)
    src = write_jsonl(tmp_path / "c.jsonl", recs)
    args = ["cluster", str(src), "--shard-size", "100", "-q"]
    ref = _cli(*args, "--out", str(tmp_path / "ref"))
    assert ref.returncode == 0, ref.stderr
    out = tmp_path / "killed"
    p = subprocess.Popen([sys.executable, "-c", RUN_CLI, *args, "--out", str(out)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and not (out / ".work" / "sig" / "part-00000.npz").exists():
        time.sleep(0.005)
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    assert not (out / "documents.parquet").exists(), "the run ended before the kill"
    done_before = sorted(x.name for x in (out / ".work" / "sig").glob("part-*.npz"))
    assert done_before
    r = _cli(*args, "--out", str(out))  # without --resume: refused
    assert r.returncode == 2 and "--resume" in r.stderr
    r = _cli(*args, "--out", str(out), "--resume")
    assert r.returncode == 0, r.stderr
    for name in ("documents.parquet", "families.parquet"):
        assert (out / name).read_bytes() == (tmp_path / "ref" / name).read_bytes(), name


def test_original_of_an_undated_pair_is_read_from_its_direction(tmp_path: Path) -> None:
    """Undated pairs whose members the screen does not judge (``spun="none"``) and whose ids
    sort the copy first: the id must not decide. A copy with a new headline line on top
    explains the original in full and has one line more; an excerpt is explained in full by
    the original, which has whole paragraphs more."""
    import random

    rng = random.Random(11)
    a, b = article(rng, 16), article(rng, 16)
    head = "Heboh warga kota terkejut melihat apa yang terjadi di pasar pagi ini."
    sents = b.split(". ")
    recs = [{"id": "z-orig-a", "text": a}, {"id": "a-headline", "text": f"{head}\n\n{a}"},
            {"id": "z-orig-b", "text": b},
            {"id": "a-excerpt", "text": ". ".join(sents[: len(sents) // 2]) + "."}]
    cluster([str(write_jsonl(tmp_path / "x.jsonl", recs))], tmp_path / "out",
            config=ClusterConfig(spun="none"))
    rows = rows_of(tmp_path / "out")
    assert rows["a-headline"]["original_id"] == "z-orig-a", rows["a-headline"]
    assert rows["z-orig-a"]["role"] == "original" and rows["a-headline"]["role"] == "copy"
    assert rows["a-excerpt"]["original_id"] == "z-orig-b", rows["a-excerpt"]
    assert rows["z-orig-b"]["role"] == "original"
    # without the criterion the id decides, and the copies would be the originals
    cluster([str(write_jsonl(tmp_path / "x.jsonl", recs))], tmp_path / "out2",
            config=ClusterConfig(spun="none", original_rule=("date", "spun", "centrality")))
    rows = rows_of(tmp_path / "out2")
    assert rows["z-orig-a"]["original_id"] == "a-headline"


def test_stitched_text_joins_the_source_it_took_more_from(tmp_path: Path) -> None:
    """A text of 45% of ``a`` and 55% of ``c``: ``a`` (dated, chosen first) explains 45% of
    it, ``c`` 55%, so it joins ``c`` (with the old margin of 0.15 it joined ``a``). It is
    dated and ``c`` is not, yet it is not chosen as ``c``'s original (it carries another
    family's text)."""
    import random

    from urai.simulate.spinner import spin

    rng = random.Random(9)
    a, c = article(rng, 16), article(rng, 16)
    wa, wc = a.split(), c.split()
    stitched = " ".join(wa[: len(wa) * 45 // 100] + wc[len(wc) * 45 // 100:])
    recs = [{"id": "a", "text": a, "date": "2021-03-01"},
            {"id": "a-copy", "text": spin(a, 0.2, seed=1).text, "date": "2021-03-03"},
            {"id": "c", "text": c}, {"id": "b", "text": stitched, "date": "2021-03-05"}]
    cluster([str(write_jsonl(tmp_path / "x.jsonl", recs))], tmp_path / "out",
            config=ClusterConfig(spun="none"))
    rows = rows_of(tmp_path / "out")
    assert rows["a-copy"]["original_id"] == "a" and rows["a"]["role"] == "original"
    assert rows["b"]["original_id"] == "c" and rows["b"]["role"] == "copy", rows["b"]
    assert rows["c"]["role"] == "original"
