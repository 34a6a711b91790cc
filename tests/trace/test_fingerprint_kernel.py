"""The compiled fingerprint kernels (urai._core.fp_slots / fp_shingles) against the
Python/numpy reference of Fingerprinter: the same fingerprints, byte for byte, on news-like
texts, edge cases of the tokeniser and hypothesis-generated Unicode."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from small_thesaurus import CLASSES, SmallThesaurus

from urai import kernels
from urai.trace.fingerprint import Fingerprinter, IndexConfig, fast_words

pytestmark = pytest.mark.skipif(not kernels.enabled(), reason="urai._core not built")


class Thes(SmallThesaurus):
    """Small thesaurus: a few synonym classes, alternatives for the query-side bags."""

    version = "kernel-test-1"
    classes = [*CLASSES, {"besar", "agung", "raya"}]


STOP = {"yang", "di", "pada", "dan", "ke", "itu", "dari", "ini"}
TEXTS = [
    "Serangan udara di kota Mosul pada Selasa menewaskan 27 warga Irak karena bom jatuh di "
    "Hamam al-Alil. Pasukan Amerika dan Kurdi bergerak ke Tal Afar dari Erbil, kata Brigadir "
    "Yahya Rasool kepada Reuters di Baghdad pada 14 Maret 2017.",
    "JAKARTA, KOMPAS.com - Presiden Joko Widodo meresmikan jalan tol Trans-Jawa ruas "
    "Pemalang-Batang! Apa kata warga?? Mereka senang...\nBaris baru\n\nlagi.",
    "“Kami” menolak—anak-anak itu (ANTARA)-Presiden; e-KTP, 3,5 juta; 10.000 orang; a--b "
    "x- -y _under_score_ İstanbul ĞÜŞ ½ ² ٣ 中文字 ไทย Ǆemal ΣΑΣ straße ﬁle.",
    "Ini.Itu. Titik.\tTab?!\u00a0nbsp.\u2028sep!\u3000ideo? Akhir.",
    "", "   ", "...", "a", "7", "kota kota kota kota kota kota", "Mosul Erbil",
]
CONFIGS = [IndexConfig(), IndexConfig(sample_mod=1), IndexConfig(bags=False),
           IndexConfig(shingle=1, sample_mod=3), IndexConfig(shingle=5, sample_mod=1, min_len=3),
           IndexConfig(shingle=2, bags=False, sample_mod=1)]


def pair(cfg: IndexConfig) -> tuple[Fingerprinter, Fingerprinter]:
    fast = Fingerprinter(cfg, Thes(), STOP)
    ref = Fingerprinter(cfg, Thes(), STOP, accelerate=False)
    assert fast._core is not None and ref._core is None
    return fast, ref


def same(a: np.ndarray, b: np.ndarray) -> None:
    assert a.dtype == b.dtype == np.int64
    assert a.tobytes() == b.tobytes()


def check_all(fast: Fingerprinter, ref: Fingerprinter, text: str) -> None:
    for query in (False, True):
        fa, na = fast.fingerprints_count(text, query=query)
        fb, nb = ref.fingerprints_count(text, query=query)
        same(fa, fb)
        assert na == nb == len(fast_words(text))
        if query:
            pa, pb = fast.fingerprints_pair(text), ref.fingerprints_pair(text)
            same(pa[0], ref.fingerprints(text))
            same(pa[1], fb)
            same(pb[0], pa[0])
            same(pb[1], pa[1])
            assert pa[2] == pb[2] == nb
        ca, cb = fast.channels(text, query=query), ref.channels(text, query=query)
        same(ca[0], cb[0])
        same(ca[1], cb[1])
        assert ca[2] == cb[2]


@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: f"k{c.shingle}m{c.sample_mod}b{c.bags}")
def test_kernel_matches_reference_on_texts(cfg: IndexConfig) -> None:
    fast, ref = pair(cfg)
    for text in TEXTS + [TEXTS[0] + " " + TEXTS[1]] * 2:  # the second time: words known
        check_all(fast, ref, text)
    a, b = fast.index_many(TEXTS), ref.index_many(TEXTS)
    assert len(a[0]) == len(b[0]) == len(TEXTS)
    for x, y in zip(a[0], b[0], strict=True):
        same(x, y)
    assert a[1] == b[1]
    same(a[2], b[2])
    assert a[3].tolist() == b[3].tolist()
    assert any(len(x) for x in a[0]) and len(a[2]) == (len(b[2]))


def test_nonempty_fingerprints_are_compared() -> None:
    fast, ref = pair(IndexConfig(sample_mod=1))
    sh, bags, n = fast.channels(TEXTS[0], query=True)
    assert len(sh) > 5 and len(bags) > 0 and n == len(fast_words(TEXTS[0])) == 39
    # one changed word changes the C result as it does the reference's
    other = TEXTS[0].replace("Mosul", "Kirkuk")
    assert fast.fingerprints(other).tobytes() != sh.tobytes()
    same(fast.fingerprints(other), ref.fingerprints(other))


def test_tables_cleared_with_the_caches(monkeypatch: pytest.MonkeyPatch) -> None:
    fast, ref = pair(IndexConfig(sample_mod=1))
    monkeypatch.setattr(Fingerprinter, "_CACHE_MAX", 5)
    for text in TEXTS * 2:
        check_all(fast, ref, text)
    assert fast._ctab_bag is not None and len(fast._ctab_bag) <= len(fast._bag_ids)


def test_table_and_kernel_errors() -> None:
    core = kernels.core()
    assert core is not None
    t = core.FpTable()
    t.set("kota", 5)
    t.set("kota", 6)
    assert (len(t), t.get("kota"), t.get("kot")) == (1, 6, None)
    raw, words, unknown = core.fp_slots("kota x-y.\n", t, True, 1)
    assert np.frombuffer(raw, dtype=np.int64).tolist() == [6, -1, 1, 1]
    assert (words, unknown) == (2, [(1, "x-y")])
    with pytest.raises(TypeError):
        core.fp_slots("kota", {}, True, 1)
    with pytest.raises(IndexError):
        core.fp_shingles(np.array([3], dtype=np.int64), np.zeros(2, np.uint64), True, 3, 1,
                         False)
    with pytest.raises(TypeError):
        core.fp_shingles(np.array([0], dtype=np.int32), np.zeros(2, np.uint64), True, 3, 1,
                         False)


ALPHABET = st.sampled_from(list("abkotaMosul0123456789 .!?-_\n\t,;()") +
                           ["İ", "ß", "é", "\u00a0", "\u2028", "\u0307", "½", "²", "٣", "中",
                            "Σ", "ﬁ", "\u3000", "—", "“", "\U0001f600", "\x85", "\x1c"])
TEXT = st.one_of(st.text(ALPHABET, max_size=80), st.text(max_size=60),
                 st.lists(st.sampled_from(["kota", "udara", "Mosul", "27", "warga", "di",
                                           "Erbil.", "hawa", "al-Alil", "!", "\n", "besar"]),
                          max_size=40).map(" ".join))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT)
def test_kernel_matches_reference_on_generated_unicode(text: str) -> None:
    for cfg in (IndexConfig(sample_mod=1), IndexConfig(bags=False, shingle=2)):
        fast, ref = FPS[cfg]
        check_all(fast, ref, text)
        a, b = fast.index_many([text, text + " Mosul Erbil kota."]), \
            ref.index_many([text, text + " Mosul Erbil kota."])
        same(a[2], b[2])
        assert [x.tobytes() for x in a[0]] == [x.tobytes() for x in b[0]]


FPS = {cfg: pair(cfg) for cfg in (IndexConfig(sample_mod=1), IndexConfig(bags=False, shingle=2))}


def test_real_thesaurus_on_real_text() -> None:
    fast = Fingerprinter()
    ref = Fingerprinter(accelerate=False)
    text = TEXTS[0] + " " + TEXTS[1] + " Pemerintah akan segera membangun jembatan baru."
    check_all(fast, ref, text)
    assert len(fast.fingerprints(text)) > 3


def test_index_built_by_either_path_is_the_same(tmp_path, monkeypatch) -> None:
    """Real SQLite: an index built with the reference (URAI_PURE_PYTHON) holds the same
    postings as one built with the kernels, and both answer a spun query alike."""
    from urai.simulate.spinner import spin
    from urai.trace.index import Index

    docs = [(f"d{i}", f"{TEXTS[i % 2]} Laporan nomor {i} dari Kolonel Hamid{i} di Kirkuk.")
            for i in range(12)]
    tables = []
    for name, pure in (("pure", "1"), ("fast", "0")):
        monkeypatch.setenv(kernels.ENV_PURE, pure)
        with Index(tmp_path / f"{name}.db") as idx:
            assert (idx._fp._core is None) == (pure == "1")
            idx.add(docs, batch_size=5)
            rows = idx._store.conn.execute(
                "SELECT h, doc FROM postings UNION ALL SELECT h, doc FROM postings_delta "
                "ORDER BY h, doc").fetchall()
            assert len(rows) > 50
            tables.append(rows)
    assert tables[0] == tables[1]
    monkeypatch.setenv(kernels.ENV_PURE, "0")
    query = spin(docs[3][1], 0.3, seed=2).text
    with Index(tmp_path / "pure.db") as a, Index(tmp_path / "fast.db") as b:
        ra, rb = a.trace(query), b.trace(query)
    assert ra.best is not None and ra.best.id == "d3"
    assert [(m.id, m.score) for m in ra.matches] == [(m.id, m.score) for m in rb.matches]
