"""``urai index add|remove|stats`` and ``urai trace`` end to end through ``urai.cli.main``."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from urai.cli import main
from urai.simulate.spinner import spin

A = ("Persija Jakarta meraih kemenangan 3-1 atas Persib Bandung dalam laga lanjutan Liga 1 di "
     "Stadion Manahan, Solo, Sabtu (22/7) malam. Gol Persija dicetak oleh Marko Simic pada "
     "menit ke-12 dan ke-67 serta Bambang Pamungkas lewat titik penalti pada menit ke-81. "
     "Persib hanya mampu membalas satu gol melalui Ezechiel N'Douassel. Pelatih Persija, "
     "Stefano Cugurra, mengaku puas dengan penampilan anak asuhnya meski sempat tertekan di "
     "babak pertama.")
B = ("Banjir setinggi 1,5 meter merendam ratusan rumah di Kecamatan Cawang dan Kampung Melayu, "
     "Jakarta Timur, Rabu (1/11) pagi, setelah Sungai Ciliwung meluap akibat hujan deras di "
     "Bogor. Kepala Badan Penanggulangan Bencana Daerah DKI Jakarta, Jupan Royter, menyebutkan "
     "1.247 warga terpaksa mengungsi ke Masjid At-Taqwa dan gedung SDN 05 Bidara Cina.")
C = ("Perusahaan teknologi Go-Jek mengumumkan pendanaan baru senilai US$1,2 miliar dari "
     "Tencent, JD.com dan Google pada Kamis (18/1). Chief Executive Officer Go-Jek, Nadiem "
     "Makarim, mengatakan dana tersebut akan digunakan untuk memperluas layanan GoPay ke "
     "Vietnam, Thailand dan Filipina.")


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    d = tmp_path / "corpus"
    (d / "sub").mkdir(parents=True)
    (d / "persija.txt").write_text(A, encoding="utf-8")
    (d / "sub" / "banjir.txt.gz").write_bytes(gzip.compress(B.encode()))
    (d / "empty.txt").write_text("   ", encoding="utf-8")
    (d / "binary.txt").write_bytes(b"\x00\x01\x02 data")
    lines = [json.dumps({"id": "gojek", "text": C, "title": "Go-Jek", "url": "https://x.id/g",
                         "date": "2018-01-18"}), "{not json", json.dumps({"id": "no-text"}),
             json.dumps({"text": "no id"})]
    (d / "more.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return d


def _json(capsys) -> object:
    out = capsys.readouterr().out.strip().splitlines()
    return [json.loads(line) for line in out]


def test_add_stats_trace_remove(tmp_path: Path, corpus: Path, capsys) -> None:
    db = tmp_path / "i.db"
    # one exit rule for every command: 2 when some inputs were rejected (issue 11)
    assert main(["index", "add", "--db", str(db), "--json", "-q", str(corpus)]) == 2
    rep = _json(capsys)[0]
    assert (rep["added"], rep["replaced"], rep["docs"]) == (3, 0, 3)
    reasons = {r["source"].rsplit("/", 1)[-1]: r["reason"] for r in rep["rejected"]}
    assert reasons["empty.txt"] == "empty text"
    assert "binary" in reasons["binary.txt"]
    assert reasons["more.jsonl:2"].startswith("not valid JSON")
    assert reasons["more.jsonl:3"] == "missing text"
    assert reasons["more.jsonl:4"].startswith("missing id")

    # idempotent re-add, and --skip-existing (the same inputs are rejected again: exit 2)
    assert main(["index", "add", "--db", str(db), "--json", str(corpus)]) == 2
    assert _json(capsys)[0]["replaced"] == 3
    assert main(["index", "add", "--db", str(db), "--json", "--skip-existing", str(corpus)]) == 2
    assert _json(capsys)[0]["skipped"] == 3

    assert main(["index", "stats", "--db", str(db), "--json"]) == 0
    st = _json(capsys)[0]
    assert st["docs"] == 3 and st["fingerprints"] > 0 and st["size_bytes"] > 0
    assert st["config"]["shingle"] == 3
    assert main(["index", "stats", "--db", str(db)]) == 0
    assert "documents    3" in capsys.readouterr().out

    q1 = tmp_path / "q1.txt"
    q1.write_text(spin(A, 0.3, seed=2).text, encoding="utf-8")
    q2 = tmp_path / "q2.txt"
    q2.write_text(spin(C, 0.3, seed=2).text, encoding="utf-8")
    q3 = tmp_path / "q3.txt"
    q3.write_text("Harga cabai rawit di Pasar Induk Kramat Jati naik menjadi Rp80.000 per "
                  "kilogram menjelang Lebaran.", encoding="utf-8")
    assert main(["trace", "--db", str(db), "--json", str(q1), str(q2), str(q3)]) == 0
    res = _json(capsys)
    assert [r["source"] for r in res] == [str(q1), str(q2), str(q3)]
    assert res[0]["matches"][0]["id"] == "persija.txt"
    g = res[1]["matches"][0]
    assert set(g) == {"id", "score", "coverage", "title", "url", "passages"}
    assert (g["id"], g["title"], g["url"]) == ("gojek", "Go-Jek", "https://x.id/g")
    assert 0 < g["coverage"] <= 1 and 0 < g["score"] <= 1
    # the spun copy is located as one passage covering (almost) the whole query
    (p,) = g["passages"]
    qtext = q2.read_text(encoding="utf-8")
    assert p["kind"] == "spun" and p["swaps"] > 0 and 0.5 < p["similarity"] <= 1
    assert p["query_start"] < 40 and p["query_end"] > len(qtext) - 10
    assert 0 <= p["source_start"] < p["source_end"] <= len(C)
    assert res[1]["unmatched"] == [] or all(u["words"] < 10 for u in res[1]["unmatched"])
    assert res[2]["matches"] == []
    assert res[2]["unmatched"][0]["start"] == 0  # nothing explains an untraced query

    assert main(["trace", "--db", str(db), "--json", "--whole-document", str(q2)]) == 0
    whole = _json(capsys)[0]
    assert whole["matches"][0]["id"] == "gojek" and whole["matches"][0]["passages"] == []
    assert whole["unmatched"] == []
    assert main(["trace", "--db", str(db), "--top", "1", str(q1)]) == 0
    out = capsys.readouterr().out
    assert "1. persija.txt" in out and "coverage" in out
    assert main(["trace", "--db", str(db), "--diff", str(q1)]) == 0
    out = capsys.readouterr().out
    assert "alignment with persija.txt" in out and "| " in out
    assert "passage 1 of persija.txt: spun" in out
    assert main(["trace", "--db", str(db), "--json", "--diff", str(q1)]) == 0
    al = _json(capsys)[0]["alignment"]
    assert al["ops"] and {op["op"] for op in al["ops"]} <= {"copy", "swap", "insert", "delete"}
    assert main(["trace", "--db", str(db), str(q3)]) == 0
    assert "no source found" in capsys.readouterr().out

    assert main(["index", "remove", "--db", str(db), "gojek", "nothing"]) == 0
    assert "removed 1 of 2" in capsys.readouterr().err
    assert main(["trace", "--db", str(db), "--json", str(q2)]) == 0
    assert _json(capsys)[0]["matches"] == []


def test_trace_reads_stdin(tmp_path: Path, corpus: Path, capsys, monkeypatch) -> None:
    import io
    import sys

    db = tmp_path / "i.db"
    assert main(["index", "add", "--db", str(db), "-q", str(corpus / "persija.txt")]) == 0
    capsys.readouterr()
    fake = io.TextIOWrapper(io.BytesIO(spin(A, 0.5, seed=4).text.encode()), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", fake)
    assert main(["trace", "--db", str(db), "--json", "-"]) == 0
    res = _json(capsys)[0]
    assert res["source"] == "<stdin>" and res["matches"][0]["id"] == "persija.txt"


def test_bad_inputs_give_one_line_errors(tmp_path: Path, corpus: Path, capsys) -> None:
    db = tmp_path / "i.db"
    q = tmp_path / "q.txt"
    q.write_text(A, encoding="utf-8")
    assert main(["trace", "--db", str(db), str(q)]) != 0
    err = capsys.readouterr().err
    assert "urai index add" in err and len(err.strip().splitlines()) == 1
    assert main(["index", "add", "--db", str(db), str(tmp_path / "missing.txt")]) == 2
    err = capsys.readouterr().err
    assert "no such file" in err and "1 of 1 inputs rejected" in err
    assert main(["index", "add", "--db", str(db), str(corpus)]) == 2
    capsys.readouterr()
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    assert main(["trace", "--db", str(db), str(empty)]) == 2
    assert "empty input" in capsys.readouterr().err
    assert main(["trace", "--db", str(db), "--top", "0", str(q)]) == 2
    assert main(["trace", "--db", str(db), "--threshold", "3", str(q)]) == 2
    notdb = tmp_path / "not.db"
    notdb.write_bytes(b"garbage" * 1000)
    assert main(["index", "stats", "--db", str(notdb)]) == 3
    assert "not a urai index" in capsys.readouterr().err
    assert main(["index", "remove", "--db", str(tmp_path / "none.db"), "x"]) == 3


def test_trace_several_inputs_reports_bad_ones_and_goes_on(tmp_path: Path, corpus: Path,
                                                          capsys) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "i.db"
    assert main(["index", "add", "--db", str(db), "-q", str(corpus / "persija.txt")]) == 0
    q = tmp_path / "q.txt"
    q.write_text(spin(A, 0.3, seed=2).text, encoding="utf-8")
    capsys.readouterr()
    args = [str(corpus / "binary.txt"), str(q)]
    assert main(["trace", "--db", str(db), "--json", *args]) == 2
    cap = capsys.readouterr()
    objs = [json.loads(line) for line in cap.out.strip().splitlines()]
    assert [o["source"] for o in objs] == args
    assert objs[0]["error"]["code"] == "bad_input"
    assert objs[1]["matches"][0]["id"] == "persija.txt"
    assert "1 of 2 inputs rejected" in cap.err


def test_trace_works_on_a_corpus(tmp_path: Path, capsys) -> None:
    """Issue 11: a JSON Lines query file is a corpus (one trace per record, in input order,
    rejections as error objects, exit 2), with -o, -j and --resume as for check."""
    db = tmp_path / "c.db"
    src = tmp_path / "src.jsonl"
    src.write_text("".join(json.dumps({"id": k, "text": t}) + "\n"
                           for k, t in (("a", A), ("b", B), ("c", C))), encoding="utf-8")
    assert main(["index", "add", "--db", str(db), "-q", str(src)]) == 0
    capsys.readouterr()
    q = tmp_path / "q.jsonl"
    q.write_text(json.dumps({"id": "q1", "text": spin(B, rate=0.3, seed=2).text}) + "\n"
                 + json.dumps({"id": "q2"}) + "\n"
                 + json.dumps({"id": "q3", "text": A}) + "\n", encoding="utf-8")
    assert main(["trace", "--db", str(db), "--json", str(q)]) == 2
    rows = _json(capsys)
    assert [r.get("id") for r in rows] == ["q1", None, "q3"]
    assert rows[0]["verdict"] == "found" and rows[0]["matches"][0]["id"] == "b"
    err = rows[1]["error"]
    assert err["code"] == "bad_input" and "missing text" in err["message"]
    assert rows[2]["matches"][0]["id"] == "a" and rows[2]["matches"][0]["passages"]
    out = tmp_path / "out.jsonl"
    assert main(["trace", "--db", str(db), "-o", str(out), "-j", "2", "-q", str(q)]) == 2
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [r["source"] for r in lines] == [r["source"] for r in rows]
    assert [r.get("matches") for r in lines] == [r.get("matches") for r in rows]
    assert main(["trace", "--db", str(db), "-o", str(out), "--resume", "-q", str(q)]) == 2
    assert len(out.read_text(encoding="utf-8").splitlines()) == 3  # nothing traced twice


def test_trace_reports_short_shared_text_apart_from_sources(tmp_path: Path, corpus: Path,
                                                            capsys) -> None:
    # one sentence of B (a dateline and a statement two reports of one story could share) in a
    # longer unrelated text: no source, but the shared text is reported with its place
    db = tmp_path / "i.db"
    main(["index", "add", "--db", str(db), "-q", str(corpus)])
    capsys.readouterr()
    sent = B[: B.index(", Jakarta Timur")] + "."  # 15 words
    filler = ("Harga cabai rawit di pasar tradisional naik tajam dalam sepekan terakhir karena "
              "pasokan dari petani berkurang. Pedagang berharap harga kembali normal setelah "
              "musim panen tiba. ") * 4
    q = tmp_path / "q.txt"
    q.write_text(filler + sent + " " + filler, encoding="utf-8")
    assert main(["trace", "--db", str(db), "--json", str(q)]) == 0
    (res,) = _json(capsys)
    assert res["matches"] == []
    (sh,) = res["shared"]
    (p,) = sh["passages"]
    assert sh["id"].endswith("banjir.txt.gz") and p["query_words"] < 20
    text = q.read_text(encoding="utf-8")
    assert text[p["query_start"]: p["query_end"]] in sent
    assert main(["trace", "--db", str(db), str(q)]) == 0
    out = capsys.readouterr().out
    assert "no source found" in out and "shared with" in out
