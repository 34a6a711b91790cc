"""Tests for urai.lang.thesaurus: shipped graph, alternatives, build from synthetic data."""

from __future__ import annotations

import random
import timeit
from pathlib import Path

import pytest

from urai.build.thesaurus import build_thesaurus
from urai.errors import ResourceError
from urai.lang.thesaurus import default_thesaurus, load_thesaurus


@pytest.fixture(scope="module")
def th():
    return default_thesaurus()


def surfaces(th, word: str) -> set[str]:
    return {a.surface for a in th.alternatives(word)}


def test_shipped_graph_is_symmetric(th) -> None:
    rng = random.Random(7)
    words = sorted(w for w in th._adj)
    for a in rng.sample(words, 300):
        for s in th.synonyms(a)[:5]:
            assert a in {x.word for x in th.synonyms(s.word)}, (a, s.word)
    assert th.headwords > 30000 and th.edges > 100000


def test_no_antonyms(th) -> None:
    assert "berat" not in {s.word for s in th.synonyms("ringan")}
    assert "enteng" in {s.word for s in th.synonyms("ringan")}


def test_provenance_and_pos(th) -> None:
    syn = {s.word: s for s in th.synonyms("lantaran")}["karena"]
    assert "mythes-id" in syn.sources and "urai-function-words" in syn.sources
    assert "p" in syn.pos and syn.weight == 1.0
    names = {s["name"] for s in th.sources}
    assert names == {"mythes-id", "wordnet-bahasa", "urai-function-words"}
    assert th.info()["edges"] == th.edges


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("mengungkapkan", "mengungkap"),
        ("mengungkap", "mengungkapkan"),
        ("melancarkan", "memperlancar"),
        ("memperlancar", "melancarkan"),
        ("kelompok", "grup"),
        ("grup", "kelompok"),
        ("hawa", "udara"),
        ("enteng", "ringan"),
        ("lantaran", "karena"),
        ("serta", "dan"),
        ("bakal", "akan"),
        ("beberapa", "para"),
        ("th.", "tahun"),
        ("kelompoknya", "grupnya"),
        ("diserang", "diserbu"),
    ],
)
def test_alternatives(th, word: str, expected: str) -> None:
    assert expected in surfaces(th, word)


def test_alternative_fields(th) -> None:
    alt = {a.surface: a for a in th.alternatives("kelompoknya")}["grupnya"]
    assert alt.lemma == "grup" and alt.via == "kelompok" and 0 < alt.weight <= 1
    assert th.has("kurang lebih") and th.synonyms("Kurang  Lebih")
    assert th.is_mutable("lantaran") and not th.is_mutable("qzxv")
    assert th.alternatives("qzxv") == []


def test_canonical(th) -> None:
    for a, b in [("serta", "dan"), ("lantaran", "karena"), ("bakal", "akan"), ("hawa", "udara")]:
        assert th.canonical(a) == th.canonical(b)
    assert th.canonical("qzxv") == "qzxv"


def test_cached_speed(th) -> None:
    th.alternatives("kelompoknya")
    per_call = timeit.timeit(lambda: th.alternatives("kelompoknya"), number=20000) / 20000
    assert per_call < 20e-6


SYNTH = """ISO-8859-1
bagan|2
[n]bagan|rancangan|
[N]|skema||skema
cukup|2
[a]|memadai
[ant]cukup|kurang
pukul|1
[v}|hantam|tinju
kurang|1
[adv]|kurang lebih|minim
ungkap|1
[v]|mencurahkan mengatakan|mengangkat tangan
mencurahkan|1
[v]|menumpahkan
mengatakan|1
[v]|menyatakan
"""


def test_build_synthetic(tmp_path: Path) -> None:
    src = tmp_path / "shared" / "thesaurus" / "mythes-id"
    src.mkdir(parents=True)
    (src / "th_id_ID_v2.dat").write_bytes(SYNTH.encode("latin-1"))
    fw = tmp_path / "fw.tsv"
    fw.write_text("# test\nkarena\tlantaran|oleh karena\tp\tcause\n", encoding="utf-8")
    stats = build_thesaurus(tmp_path / "shared", tmp_path / "out", function_words=fw)
    assert stats.antonym_lines_dropped == 1 and stats.glued_entries_split == 1
    th = load_thesaurus(stats.path, with_frequency=False)
    syn = {s.word: s for s in th.synonyms("bagan")}
    assert set(syn) == {"rancangan", "skema"} and syn["skema"].pos == frozenset({"n"})
    assert {s.word for s in th.synonyms("pukul")} == {"hantam", "tinju"}
    assert {s.word for s in th.synonyms("hantam")} == {"pukul"}  # symmetric
    assert "kurang" not in {s.word for s in th.synonyms("cukup")}  # antonym dropped
    assert "kurang lebih" in {s.word for s in th.synonyms("kurang")}  # phrase kept
    ungkap = {s.word for s in th.synonyms("ungkap")}
    assert {"mencurahkan", "mengatakan", "mengangkat tangan"} <= ungkap  # glued split
    assert "karena" in {s.word for s in th.synonyms("lantaran")}
    assert {s["name"] for s in th.sources if s["edges"]} == {"mythes-id", "urai-function-words"}


def test_missing_and_corrupt_artefact(tmp_path: Path) -> None:
    with pytest.raises(ResourceError, match="urai data build"):
        load_thesaurus(tmp_path / "nope.tsv.gz")
    bad = tmp_path / "bad.tsv.gz"
    bad.write_bytes(b"not gzip")
    with pytest.raises(ResourceError, match="bad.tsv.gz"):
        load_thesaurus(bad)
