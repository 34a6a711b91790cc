from hypothesis import given, settings
from hypothesis import strategies as st

from urai.lang.tokenize import tokenize
from urai.simulate.spinner import Spinner, match_case

TABLE = {"udara": ["hawa"], "karena": ["lantaran"], "dan": ["serta"], "akan": ["bakal"],
         "serangan": ["serbuan"], "warga": ["penduduk", "rakyat"]}
TEXT = "Serangan udara terjadi karena konflik dan warga akan mengungsi ke Bandung."


def test_spin_full_rate_swaps_every_known_word_and_keeps_case() -> None:
    r = Spinner(TABLE).spin(TEXT, rate=1.0, seed=3)
    assert r.text.startswith("Serbuan hawa terjadi lantaran konflik serta")
    assert r.text.endswith("bakal mengungsi ke Bandung.")
    assert len(r.edits) == 6


def test_gold_edits_point_into_both_texts() -> None:
    r = Spinner(TABLE).spin(TEXT, rate=0.5, seed=7)
    assert r.edits
    for e in r.edits:
        assert r.text[e.start : e.end] == e.observed
        assert TEXT[e.orig_start : e.orig_end] == e.original


def test_rate_is_respected_and_reported() -> None:
    r = Spinner(TABLE).spin(TEXT, rate=0.2, seed=1)
    n_words = sum(t.kind == "word" for t in tokenize(TEXT))
    assert len(r.edits) == round(0.2 * n_words)
    assert abs(r.rate - len(r.edits) / n_words) < 1e-9


def test_names_inside_a_sentence_are_not_spun() -> None:
    r = Spinner({"bandung": ["kota"]}).spin(TEXT, rate=1.0)
    assert r.text == TEXT


def test_seed_makes_it_reproducible() -> None:
    a = Spinner(TABLE).spin(TEXT, 0.5, seed=11)
    b = Spinner(TABLE).spin(TEXT, 0.5, seed=11)
    assert a == b


def test_match_case() -> None:
    assert match_case("DAN", "serta") == "SERTA"
    assert match_case("Dan", "serta") == "Serta"
    assert match_case("dan", "serta") == "serta"


@settings(max_examples=100)
@given(st.floats(0, 1), st.integers(0, 10_000))
def test_undoing_the_edits_restores_the_source(rate: float, seed: int) -> None:
    r = Spinner(TABLE).spin(TEXT, rate, seed)
    out = r.text
    for e in reversed(r.edits):
        out = out[: e.start] + e.original + out[e.end :]
    assert out == TEXT
