"""Spin-robust fingerprints: immutables, consistent sampling, containment, config identity."""

from __future__ import annotations

import numpy as np
import pytest
from small_thesaurus import SmallThesaurus

from urai.errors import ConfigError
from urai.trace.fingerprint import Fingerprinter, IndexConfig, fast_words

STOP = {"yang", "di", "pada", "dan", "ke", "itu", "dari"}
TEXT = ("Serangan udara di kota Mosul pada Selasa menewaskan 27 warga Irak karena bom jatuh "
        "di Hamam al-Alil. Pasukan Amerika dan Kurdi bergerak ke Tal Afar dari Erbil, kata "
        "Brigadir Yahya Rasool kepada Reuters di Baghdad pada 14 Maret 2017.")


@pytest.fixture
def fp() -> Fingerprinter:
    return Fingerprinter(IndexConfig(sample_mod=1), SmallThesaurus(), STOP)


def test_config_is_validated_and_frozen() -> None:
    for bad in ({"shingle": 0}, {"sample_mod": 100}, {"min_len": 0}, {"df_cap": 0},
                {"verify": 0}, {"min_shared": 0}, {"threshold": -0.1}, {"shingle": 2.5}):
        with pytest.raises(ConfigError):
            IndexConfig(**bad)
    cfg = IndexConfig()
    with pytest.raises(AttributeError):
        cfg.shingle = 4  # type: ignore[misc]


def test_fast_words_keeps_hyphenated_words() -> None:
    assert fast_words("Anak-anak di Jakarta, 1.000 orang!") == [
        "anak-anak", "di", "jakarta", "1", "000", "orang"]


def test_immutables_drop_stopwords_and_mutable_words(fp: Fingerprinter) -> None:
    imm = fp.immutables(TEXT)
    assert "mosul" in imm and "27" in imm and "selasa" in imm
    assert not {"serangan", "udara", "karena", "di", "yang", "warga"} & set(imm)


def test_fingerprints_are_sorted_unique_int64_and_deterministic(fp: Fingerprinter) -> None:
    a = fp.fingerprints(TEXT)
    assert a.dtype == np.int64 and len(a) > 5
    assert np.all(np.diff(a) > 0)
    assert np.array_equal(a, Fingerprinter(fp.config, SmallThesaurus(), STOP).fingerprints(TEXT))
    assert len(fp.fingerprints("")) == 0
    assert len(fp.fingerprints("Mosul")) == 1  # a short text still gets one


def test_synonym_swaps_do_not_change_fingerprints(fp: Fingerprinter) -> None:
    spun = (TEXT.replace("Serangan udara", "Gempuran hawa").replace("karena", "lantaran")
            .replace("warga", "penduduk").replace("menewaskan", "membunuh"))
    assert np.array_equal(fp.fingerprints(spun), fp.fingerprints(TEXT))


def test_unknown_replacement_word_is_bridged_by_query_fingerprints(fp: Fingerprinter) -> None:
    spun = TEXT.replace("Pasukan Amerika", "Pasukan Adikuasa Amerika")  # 'adikuasa' unknown
    src = set(fp.fingerprints(TEXT).tolist())
    base = set(fp.fingerprints(spun).tolist())
    query = set(fp.fingerprints(spun, query=True).tolist())
    assert base <= query
    assert len(query & src) > len(base & src)


def test_sampling_is_consistent_so_containment_survives() -> None:
    fp = Fingerprinter(IndexConfig(sample_mod=2), SmallThesaurus(), STOP)
    long = " ".join(f"{TEXT} Laporan {i} dari Kolonel Nomor{i}." for i in range(20))
    full = set(fp.fingerprints(long).tolist())
    half = set(fp.fingerprints(long[: len(long) // 2]).tolist())
    assert half and len(half & full) / len(half) >= 0.95
    unsampled = Fingerprinter(IndexConfig(sample_mod=1), SmallThesaurus(), STOP)
    assert len(full) < len(unsampled.fingerprints(long))


def test_signature_depends_on_config_and_resources() -> None:
    a = Fingerprinter(IndexConfig(), SmallThesaurus(), STOP).signature()
    assert a == Fingerprinter(IndexConfig(threshold=0.9), SmallThesaurus(), STOP).signature()
    assert a != Fingerprinter(IndexConfig(shingle=4), SmallThesaurus(), STOP).signature()
    assert a != Fingerprinter(IndexConfig(), SmallThesaurus(), STOP | {"mosul"}).signature()
    assert a["thesaurus"] == "tiny-1"
