"""Synonym-aware alignment: coverage, op kinds, offsets that map back onto both texts."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from urai.trace.align import Alignment, AlignOp, align


class Syn:
    pairs = {"hawa": "udara", "lantaran": "karena", "gempuran": "serangan", "serta": "dan"}

    def canonical(self, word: str) -> str:
        return self.pairs.get(word, word)

    def is_mutable(self, word: str) -> bool:
        return word in self.pairs or word in self.pairs.values()


SRC = ("Serangan udara di kota Mosul pada Selasa menewaskan 27 warga sipil karena bom jatuh di "
       "kawasan permukiman padat penduduk. Juru bicara militer Irak mengatakan pasukan akan "
       "terus bergerak ke arah Masjid Agung al-Nuri dan kota tua.")


def _check_offsets(al: Alignment, q: str, s: str) -> None:
    for op in al.ops:
        assert isinstance(op, AlignOp)
        assert op.kind in {"copy", "swap", "insert", "delete"}
        assert 0 <= op.q_start <= op.q_end <= len(q) and 0 <= op.s_start <= op.s_end <= len(s)
        assert q[op.q_start:op.q_end] == op.q_text and s[op.s_start:op.s_end] == op.s_text
        if op.kind == "insert":
            assert op.q_text and not op.s_text
        if op.kind == "delete":
            assert op.s_text and not op.q_text
    assert 0.0 <= al.coverage <= 1.0
    starts = [op.q_start for op in al.ops if op.kind != "delete"]
    assert starts == sorted(starts)


def test_exact_copy_covers_everything() -> None:
    al = align(SRC, SRC)
    assert al.coverage == 1.0 and al.swapped == 0
    assert [op.kind for op in al.ops] == ["copy"]


def test_thesaurus_synonyms_count_as_copies_and_unknown_swaps_as_swaps() -> None:
    q = (SRC.replace("Serangan udara", "Gempuran hawa").replace("karena", "lantaran")
         .replace("sipil", "biasa").replace("Juru bicara", "Jubir"))
    al = align(q, SRC, Syn())
    _check_offsets(al, q, SRC)
    assert al.coverage == 1.0
    assert al.synonyms == 3
    swaps = [(op.q_text, op.s_text) for op in al.ops if op.kind == "swap"]
    assert ("biasa", "sipil") in swaps and ("Jubir", "Juru bicara") in swaps
    assert any(op.kind == "copy" and op.synonym for op in al.ops)
    assert align(q, SRC).coverage < al.coverage + 1e-9  # without thesaurus: no better


def test_inserted_and_dropped_text() -> None:
    q = "Berita terkini dari redaksi kami hari ini. " + SRC.replace(
        "di kawasan permukiman padat penduduk", "")
    al = align(q, SRC, Syn())
    _check_offsets(al, q, SRC)
    kinds = [op.kind for op in al.ops]
    assert kinds[0] == "insert" and "delete" in kinds
    dropped = " ".join(op.s_text for op in al.ops if op.kind == "delete")
    assert "permukiman" in dropped
    assert 0.75 < al.coverage < 1.0


def test_unrelated_text_has_no_coverage() -> None:
    other = ("Persija Jakarta menang 3-1 atas Persib Bandung di Stadion Manahan Solo pada "
             "Sabtu malam berkat dua gol Marko Simic.")
    assert align(other, SRC, Syn()).coverage == 0.0
    assert align("", SRC).coverage == 0.0 and align(SRC, "").coverage == 0.0


def test_to_dict_shape() -> None:
    d = align(SRC, SRC).to_dict()
    assert set(d) == {"coverage", "query_words", "copied", "swapped", "synonyms", "ops"}
    assert d["ops"][0]["op"] == "copy" and d["ops"][0]["query"] == [0, len(SRC) - 1]


_WORDS = st.sampled_from(SRC.replace(".", " .").split() + ["hawa", "lantaran", "X", "\n", ""])


@settings(max_examples=150, deadline=None)
@given(st.lists(_WORDS, max_size=60), st.lists(_WORDS, max_size=60), st.booleans())
def test_offsets_map_back_to_both_texts(qw: list[str], sw: list[str], mix: bool) -> None:
    q = " ".join(qw)
    s = " ".join(sw) if not mix else " ".join(sw) + " " + q
    al = align(q, s, Syn())
    _check_offsets(al, q, s)
    if mix and q.strip(" .\n"):
        n_words = al.query_words
        if n_words >= 5:
            assert al.coverage == 1.0
