"""Tests for urai.lang.morph: morphophonemics table, analyses, round-trip property."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from urai.lang.morph import CLITICS, PREFIXES, SUFFIXES, Analysis, analyses, inflect

TABLE = [
    ("pukul", "meN", "", "memukul"),
    ("tulis", "meN", "", "menulis"),
    ("kirim", "meN", "", "mengirim"),
    ("sapu", "meN", "", "menyapu"),
    ("lancar", "meN", "kan", "melancarkan"),
    ("bom", "meN", "", "mengebom"),
    ("cat", "meN", "", "mengecat"),
    ("ambil", "meN", "", "mengambil"),
    ("beli", "meN", "", "membeli"),
    ("dengar", "meN", "", "mendengar"),
    ("cari", "meN", "", "mencari"),
    ("ganggu", "meN", "", "mengganggu"),
    ("hantam", "meN", "", "menghantam"),
    ("rasa", "meN", "", "merasa"),
    ("produksi", "meN", "", "memproduksi"),
    ("kritik", "meN", "", "mengkritik"),
    ("stabil", "meN", "kan", "menstabilkan"),
    ("main", "meN", "kan", "memainkan"),
    ("punya", "meN", "i", "mempunyai"),
    ("lancar", "memper", "", "memperlancar"),
    ("tulis", "peN", "an", "penulisan"),
    ("satu", "peN", "an", "penyatuan"),
    ("ajar", "ber", "", "belajar"),
    ("kerja", "ber", "", "bekerja"),
    ("renang", "ber", "", "berenang"),
    ("lari", "ber", "", "berlari"),
    ("rasa", "ter", "", "terasa"),
    ("serang", "di", "", "diserang"),
    ("aman", "ke", "an", "keamanan"),
]


@pytest.mark.parametrize(("root", "prefix", "suffix", "word"), TABLE)
def test_morphophonemics(root: str, prefix: str, suffix: str, word: str) -> None:
    assert inflect(root, prefix, suffix) == word
    assert Analysis(prefix, root, suffix, "") in analyses(word)


def test_clitics_and_reduplication() -> None:
    assert inflect("kelompok", clitic="nya") == "kelompoknya"
    assert inflect("mobil", redup=True) == "mobil-mobil"
    assert inflect("lari", "ber", redup=True) == "berlari-lari"
    assert inflect("pukul", "meN", redup=True) == "memukul-mukul"
    assert inflect("buah", suffix="an", redup=True) == "buah-buahan"
    assert inflect("merah", "ke", "an", redup=True) == "kemerah-merahan"
    assert Analysis("", "kelompok", "", "nya") in analyses("kelompoknya")
    assert Analysis("ber", "lari", "", "", True) in analyses("berlari-lari")
    assert Analysis("", "mobil", "", "", True) in analyses("mobil-mobil")


def test_bare_first_and_bad_input() -> None:
    assert analyses("mengungkapkan")[0].is_bare
    assert analyses("") == []
    with pytest.raises(ValueError):
        inflect("x", "zz")


_root = st.text(alphabet="abcdegiklmnoprstuy", min_size=2, max_size=8)


@settings(max_examples=300, deadline=None)
@given(_root, st.sampled_from(PREFIXES), st.sampled_from(SUFFIXES), st.sampled_from(CLITICS),
       st.booleans())
def test_roundtrip_property(root: str, prefix: str, suffix: str, clitic: str, redup: bool) -> None:
    word = inflect(root, prefix, suffix, clitic, redup=redup)
    found = analyses(word)
    assert found, word
    for a in found:  # every analysis regenerates the word
        assert inflect(a.root, a.prefix, a.suffix, a.clitic, redup=a.redup) == word
