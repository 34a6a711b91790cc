"""The source index: real SQLite files, idempotent add/remove, tracing spun and partial copies,
readers during a write, and crash safety (a writer killed with SIGKILL mid-batch)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from urai.corpus.sources import Record
from urai.errors import ConfigError, InputError, ResourceError
from urai.simulate.spinner import spin
from urai.trace.index import AddReport, Index, IndexConfig, Match, Rejection, TraceResult

ARTICLES = {
    "mosul": (
        "Serangan udara yang dilancarkan pasukan koalisi di kota Mosul pada Selasa (14/3) "
        "menewaskan sedikitnya 27 warga sipil karena bom jatuh di kawasan permukiman padat "
        "penduduk. Juru bicara Kementerian Pertahanan Irak, Brigadir Jenderal Yahya Rasool, "
        "mengatakan pasukan Irak akan terus bergerak ke arah Masjid Agung al-Nuri. "
        "Menurut laporan Amnesty International, lebih dari 3.800 keluarga mengungsi ke kamp "
        "Hamam al-Alil dan Khazer sejak Februari 2017. Pemerintah Baghdad meminta bantuan "
        "tambahan dari UNHCR dan Palang Merah Internasional untuk menampung para pengungsi "
        "yang terus berdatangan. Perdana Menteri Haider al-Abadi berjanji bahwa operasi "
        "pembebasan Mosul barat akan selesai sebelum bulan Ramadan."
    ),
    "persija": (
        "Persija Jakarta meraih kemenangan 3-1 atas Persib Bandung dalam laga lanjutan Liga 1 "
        "di Stadion Manahan, Solo, Sabtu (22/7) malam. Gol Persija dicetak oleh Marko Simic "
        "pada menit ke-12 dan ke-67 serta Bambang Pamungkas lewat titik penalti pada menit "
        "ke-81. Persib hanya mampu membalas satu gol melalui Ezechiel N'Douassel. Pelatih "
        "Persija, Stefano Cugurra, mengaku puas dengan penampilan anak asuhnya meski sempat "
        "tertekan di babak pertama. Dengan hasil ini Persija naik ke peringkat ketiga klasemen "
        "sementara dengan 38 poin dari 21 pertandingan, hanya terpaut dua angka dari Bali "
        "United yang berada di puncak. Laga berikutnya Persija akan menjamu PSM Makassar."
    ),
    "gojek": (
        "Perusahaan teknologi Go-Jek mengumumkan pendanaan baru senilai US$1,2 miliar dari "
        "Tencent, JD.com dan Google pada Kamis (18/1). Chief Executive Officer Go-Jek, Nadiem "
        "Makarim, mengatakan dana tersebut akan digunakan untuk memperluas layanan GoPay ke "
        "Vietnam, Thailand dan Filipina. Saat ini aplikasi Go-Jek telah diunduh lebih dari "
        "100 juta kali dan melayani 18 layanan berbeda di 50 kota di Indonesia. Menteri "
        "Komunikasi dan Informatika Rudiantara menyambut baik investasi itu karena dinilai "
        "memperkuat ekosistem ekonomi digital nasional. Analis Mandiri Sekuritas, Bayu "
        "Wicaksono, memperkirakan valuasi Go-Jek kini mencapai US$5 miliar."
    ),
    "banjir": (
        "Banjir setinggi 1,5 meter merendam ratusan rumah di Kecamatan Cawang dan Kampung "
        "Melayu, Jakarta Timur, Rabu (1/11) pagi, setelah Sungai Ciliwung meluap akibat hujan "
        "deras di Bogor. Kepala Badan Penanggulangan Bencana Daerah DKI Jakarta, Jupan "
        "Royter, menyebutkan 1.247 warga terpaksa mengungsi ke Masjid At-Taqwa dan gedung "
        "SDN 05 Bidara Cina. Petugas gabungan dari Basarnas, TNI dan Polri mengerahkan 14 "
        "perahu karet untuk mengevakuasi lansia dan anak-anak. Gubernur Anies Baswedan "
        "meninjau lokasi dan menjanjikan normalisasi Kali Ciliwung dilanjutkan tahun depan."
    ),
}

UNRELATED_SAME_TOPIC = (
    "Pasukan Suriah yang didukung serangan udara Rusia merebut kembali kota Palmyra pada "
    "Kamis (2/3) setelah pertempuran sengit selama tiga pekan melawan kelompok ISIS. "
    "Komandan lapangan, Kolonel Suheil al-Hassan, mengatakan ranjau yang ditanam di jalan "
    "utama memperlambat gerak pasukan. Observatorium Suriah untuk Hak Asasi Manusia "
    "mencatat 112 korban jiwa di kedua pihak. Badan PBB urusan kebudayaan UNESCO "
    "menyatakan keprihatinan atas kerusakan Teater Romawi dan Tetrapylon di situs kuno itu."
)


def _filler(n: int, seed: int) -> list[Record]:
    """Same-vocabulary distractors: sentences of the articles shuffled, names swapped."""
    rng = random.Random(seed)
    sents = [s.strip() + "." for t in ARTICLES.values() for s in t.split(". ") if s.strip()]
    names = ["Ahmad Yani", "Sri Mulyani", "Budi Karya", "Retno Marsudi", "Tito Karnavian",
             "Surabaya", "Medan", "Makassar", "Semarang", "Pontianak"]
    out = []
    for i in range(n):
        picked = rng.sample(sents, 3)
        text = " ".join(picked)
        for w in ("Mosul", "Persija", "Go-Jek", "Ciliwung", "Jakarta", "Persib", "Irak"):
            text = text.replace(w, rng.choice(names))
        out.append(Record(f"filler-{i}", text))
    return out


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "idx.db"


@pytest.fixture
def index(db: Path) -> Index:
    idx = Index(db)
    idx.add([Record(k, v, title=k.title(), url=f"https://example.id/{k}")
             for k, v in ARTICLES.items()])
    idx.add(_filler(60, 1))
    yield idx
    idx.close()


def test_config_validation() -> None:
    with pytest.raises(ConfigError):
        IndexConfig(shingle=0)
    with pytest.raises(ConfigError):
        IndexConfig(threshold=1.5)
    with pytest.raises(ConfigError):
        IndexConfig(sample_mod=0)


def test_add_remove_readd_idempotent(db: Path) -> None:
    with Index(db) as idx:
        rep = idx.add([("a", ARTICLES["mosul"]), ("b", ARTICLES["persija"])])
        assert isinstance(rep, AddReport) and (rep.added, rep.replaced) == (2, 0)
        st1 = idx.stats()
        rep = idx.add([("a", ARTICLES["mosul"]), ("b", ARTICLES["persija"])])
        assert (rep.added, rep.replaced) == (0, 2)
        st2 = idx.stats()
        assert (st1.docs, st1.fingerprints) == (st2.docs, st2.fingerprints) == (2, st1.fingerprints)
        assert idx.add([("a", ARTICLES["mosul"])], skip_existing=True).skipped == 1
        # changed text is replaced even with skip_existing
        assert idx.add([("a", ARTICLES["gojek"])], skip_existing=True).replaced == 1
        assert idx.trace(ARTICLES["gojek"]).best.id == "a"
        assert idx.remove(["a", "zzz"]) == 1
        assert "a" not in idx and "b" in idx and len(idx) == 1
        assert _n_postings(idx) == idx.stats().fingerprints  # removal left no stale postings
        assert idx.trace(ARTICLES["gojek"]).matches == ()


def _n_postings(idx: Index) -> int:
    conn = idx._store.conn
    return sum(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
               for t in ("postings", "postings_delta"))


def test_delta_merges_keep_results(db: Path, monkeypatch) -> None:
    import urai.trace.store

    monkeypatch.setattr(urai.trace.store, "DELTA_MAX", 40)
    with Index(db) as idx:
        for i, (k, v) in enumerate(ARTICLES.items()):
            idx.add([(k, v)] + [(r.id, r.text) for r in _filler(5, i)], batch_size=3)
        conn = idx._store.conn
        main_rows = conn.execute("SELECT count(*) FROM postings").fetchone()[0]
        assert main_rows > 0 and _n_postings(idx) == idx.stats().fingerprints
        for k, v in ARTICLES.items():
            assert idx.trace(spin(v, 0.3, seed=1).text).best.id == k
        idx.remove(["mosul"])
        idx.optimize()
        assert conn.execute("SELECT count(*) FROM postings_delta").fetchone()[0] == 0
        assert _n_postings(idx) == idx.stats().fingerprints
        # gone from the index; fillers that reuse its sentences may still match
        assert "mosul" not in {m.id for m in idx.trace(ARTICLES["mosul"]).matches}
        assert idx.trace(ARTICLES["mosul"], passages=False).matches == ()


def test_rejections_counted(db: Path) -> None:
    with Index(db) as idx:
        rep = idx.add([{"id": "x", "text": "  "}, {"text": "no id"}, {"id": "y"},
                       Rejection("f.txt", "binary"), {"id": "ok", "text": ARTICLES["banjir"]}])
    assert rep.added == 1
    reasons = [r.reason for r in rep.rejected]
    assert reasons[0] == "empty text" and reasons[1].startswith("missing id")
    assert reasons[2].startswith("missing text") and reasons[3] == "binary"


def test_trace_spun_copy_among_distractors(index: Index) -> None:
    for rate in (0.1, 0.3, 0.5):
        for key, text in ARTICLES.items():
            spun = spin(text, rate, seed=3).text
            res = index.trace(spun, source="q")
            assert isinstance(res, TraceResult) and res.source == "q"
            assert res.matches, (key, rate)
            best = res.matches[0]
            assert isinstance(best, Match)
            assert best.id == key, (key, rate, res.matches)
            assert 0.4 <= best.coverage <= 1.0 and 0.0 < best.score <= 1.0
    m = index.trace(ARTICLES["mosul"]).best
    assert m.coverage == 1.0 and m.title == "Mosul" and m.url == "https://example.id/mosul"


def test_trace_half_and_stitched(index: Index) -> None:
    text = ARTICLES["persija"]
    half = text[: len(text) // 2]
    assert index.trace(spin(half, 0.3, seed=1).text).best.id == "persija"
    a, b = ARTICLES["mosul"], ARTICLES["gojek"]
    stitched = a[: len(a) // 2].rsplit(". ", 1)[0] + ". " + b[len(b) // 2:].split(". ", 1)[1]
    res = index.trace(spin(stitched, 0.3, seed=2).text, top=5)
    ids = [m.id for m in res.matches]
    assert {"mosul", "gojek"} <= set(ids), res
    assert ids[0] == "mosul"  # the larger share


def test_unrelated_same_topic_not_matched(index: Index) -> None:
    assert index.trace(UNRELATED_SAME_TOPIC).matches == ()
    assert index.trace("Jakarta hari ini cerah.").matches == ()
    assert index.trace("").matches == ()


def test_trace_argument_errors(index: Index) -> None:
    with pytest.raises(InputError):
        index.trace(b"bytes")  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        index.trace("x", top=0)
    with pytest.raises(ConfigError):
        index.trace("x", threshold=2)
    with pytest.raises(InputError):
        index.align("nope", "x")


def test_config_mismatch_refused(db: Path) -> None:
    Index(db).close()
    with pytest.raises(ResourceError, match="different fingerprint settings"):
        Index(db, config=IndexConfig(shingle=4))
    # query-time settings may differ
    Index(db, config=IndexConfig(threshold=0.5, df_cap=10)).close()


def test_missing_or_bad_files(tmp_path: Path) -> None:
    with pytest.raises(ResourceError, match="urai index add"):
        Index(tmp_path / "none.db", create=False)
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(ResourceError, match="not a urai index"):
        Index(bad)
    with pytest.raises(ResourceError, match="directory"):
        Index(tmp_path)


def test_readers_while_writing(db: Path) -> None:
    with Index(db) as idx:
        idx.add([(k, v) for k, v in ARTICLES.items()])
    errors: list[BaseException] = []
    found: list[bool] = []
    stop = threading.Event()

    def writer() -> None:
        try:
            with Index(db) as w:
                for i in range(15):
                    w.add(_filler(20, i + 10), batch_size=5)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            stop.set()

    t = threading.Thread(target=writer)
    t.start()
    query = spin(ARTICLES["banjir"], 0.3, seed=5).text
    with Index(db, create=False, readonly=True) as reader:
        while not stop.is_set() or not found:
            found.append(reader.trace(query).best.id == "banjir")
    t.join()
    assert not errors and all(found)
    # and another process can read meanwhile too
    code = (f"from urai.trace.index import Index; "
            f"i=Index({str(db)!r}, create=False, readonly=True); print(len(i))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert int(out.stdout) == len(ARTICLES) + 20


_WRITER = textwrap.dedent("""
    import sys
    from urai.trace.index import Index
    db = sys.argv[1]
    texts = [line.strip() for line in open(sys.argv[2], encoding="utf-8")]
    with Index(db) as idx:
        i = 0
        while True:
            batch = [(f"d{i + k}", texts[(i + k) % len(texts)] + f" Nomor {i + k}.")
                     for k in range(50)]
            idx.add(batch, batch_size=50)
            i += 50
            print(i, flush=True)
""")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_mid_batch_leaves_consistent_index(tmp_path: Path) -> None:
    db = tmp_path / "crash.db"
    texts = tmp_path / "texts.txt"
    texts.write_text("\n".join(ARTICLES.values()), encoding="utf-8")
    Index(db).close()  # create (loads resources once here, not in the timed part)
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(db), str(texts)],
                            stdout=subprocess.PIPE, text=True)
    try:
        seen = 0
        deadline = time.time() + 40
        while seen < 150 and time.time() < deadline:
            line = proc.stdout.readline()
            if line:
                seen = int(line)
        time.sleep(0.05)  # most likely inside a batch now
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert seen >= 150
    with Index(db) as idx:
        n = len(idx)
        assert n % 50 == 0 and n >= seen  # whole batches only
        conn = idx._store.conn
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert _n_postings(idx) == idx.stats().fingerprints
        for table in ("postings", "postings_delta"):
            orphans = conn.execute(f"SELECT count(*) FROM {table} WHERE doc NOT IN "
                                   "(SELECT doc FROM docs)").fetchone()[0]
            assert orphans == 0
        # and it is writable again
        assert idx.add([("after", ARTICLES["mosul"])]).added == 1


def test_add_applies_the_record_rule_and_counts_what_happened(tmp_path: Path) -> None:
    """Issue 11: a lone surrogate is repaired (not a traceback or a rolled-back batch), bad
    ids are rejected with their reason, a repeated id in one input is rejected (the first is
    kept) and documents without any fingerprint are counted."""
    with Index(tmp_path / "x.db") as idx:
        rep = idx.add([Record("a", ARTICLES["banjir"] + " teks \ud800"),
                       Record("a", ARTICLES["mosul"]),
                       {"id": 10 ** 300, "text": ARTICLES["mosul"]},
                       {"id": float("nan"), "text": ARTICLES["mosul"]},
                       {"id": 7, "text": ARTICLES["mosul"]},
                       ("tiny", "ya ya")])
        assert (rep.added, rep.duplicates, rep.no_fingerprint) == (3, 1, 1)
        reasons = [r.reason for r in rep.rejected]
        assert reasons[0].startswith("duplicate id") and "digits" in reasons[1]
        assert "nan" in reasons[2]
        assert "\ud800" not in idx.text("a") and "\ufffd" in idx.text("a")
        assert "7" in idx and idx.trace(ARTICLES["banjir"]).best.id == "a"


def test_a_writer_waits_for_the_lock_then_gives_up_with_one_line(tmp_path: Path) -> None:
    """Issue 11: another writer's lock is waited for (said once), then a ResourceError naming
    the option, not a 'database is locked' traceback."""
    import sqlite3
    import time

    from urai.errors import ResourceError

    db = tmp_path / "l.db"
    with Index(db) as idx:
        idx.add([Record("a", ARTICLES["banjir"])])
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    said: list[str] = []
    try:
        with Index(db, lock_timeout=1.0, on_wait=said.append) as idx:
            t0 = time.monotonic()
            with pytest.raises(ResourceError, match="--lock-timeout"):
                idx.add([Record("b", ARTICLES["mosul"])])
            assert 0.9 <= time.monotonic() - t0 < 20
        assert len(said) == 1 and "waiting up to 1 s" in said[0]
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with Index(db, lock_timeout=1.0) as idx:  # free again: the write goes through
        assert idx.add([Record("b", ARTICLES["mosul"])]).added == 1


def test_progress_counts_every_item_whatever_the_batch_size(tmp_path: Path) -> None:
    """``progress`` reports items read every PROGRESS_EVERY, not once per (large) batch, and
    its calls add up to the input."""
    from urai.trace.index import PROGRESS_EVERY

    n = 2 * PROGRESS_EVERY + 7
    calls: list[int] = []
    with Index(tmp_path / "p.db") as idx:
        rep = idx.add(((f"d{i}", f"{ARTICLES['banjir']} nomor {i}") for i in range(n)),
                      batch_size=5000, progress=calls.append)
    assert rep.added == n and sum(calls) == n
    assert calls == [PROGRESS_EVERY, PROGRESS_EVERY, 7]
