from hypothesis import given, settings
from hypothesis import strategies as st

from urai.lang.tokenize import detokenize, sentences, split_clitics, tokenize

SAMPLE = (
    'Jakarta, CNN Indonesia -- Serangan udara (21/10) menewaskan 1.000 orang, kata '
    'Prof. Budi S.H. pada th. 2016 dll. Mobil-mobil "rusak" berat... Harga Rp2,5 juta '
    "pukul 19:00 WIB. Lihat https://contoh.co.id/a?b=1. Rumahnya bagus-lah!"
)


def kinds(text: str) -> list[tuple[str, str]]:
    return [(t.text, t.kind) for t in tokenize(text)]


def test_indonesian_units_are_single_tokens() -> None:
    toks = kinds(SAMPLE)
    for unit in [("21/10", "num"), ("1.000", "num"), ("Prof.", "abbr"), ("S.H.", "abbr"),
                 ("th.", "abbr"), ("dll.", "abbr"), ("Mobil-mobil", "word"), ("19:00", "num"),
                 ("2,5", "num"), ("Rp", "word"), ("https://contoh.co.id/a?b=1", "other"),
                 ("Rumahnya", "word"), ("...", "punct"), ("--", "punct")]:
        assert unit in toks, unit


def test_sentence_final_dot_is_split_from_words() -> None:
    assert kinds("Ia pulang.") == [("Ia", "word"), ("pulang", "word"), (".", "punct")]


def test_sentences_do_not_break_after_abbreviations() -> None:
    sents = sentences("Pada th. 2016 ia lulus. Kini ia bekerja di PT. Maju dll.")
    assert [" ".join(t.text for t in s) for s in sents] == [
        "Pada th. 2016 ia lulus .",
        "Kini ia bekerja di PT. Maju dll.",
    ]


def test_paragraph_break_ends_sentence() -> None:
    assert len(sentences("Judul tanpa titik\n\nIsi berita di sini.")) == 2


def test_split_clitics() -> None:
    assert split_clitics("rumahnya") == ("", "rumah", "nya")
    assert split_clitics("kubeli") == ("ku", "beli", "")
    assert split_clitics("makan") == ("", "makan", "")


@settings(max_examples=300)
@given(st.text())
def test_round_trip_and_offsets_any_text(text: str) -> None:
    toks = tokenize(text)
    assert detokenize(toks) == text
    pos = 0
    for t in toks:
        assert t.start == pos or (t.kind == "space" and t.start == 0)
        assert text[t.start : t.end] == t.text
        assert t.ws.strip() == ""
        pos = t.end + len(t.ws)
    assert pos == len(text)


_pieces = st.sampled_from(
    ["Serangan", "udara", "th.", "(21/10)", "1.000", "mobil-mobil", '"', "dll.", ",", ".",
     "Rp2,5", "19:00", "rumahnya", "…", "S.H.", "\n\n", "  ", "\t", "—", "ke-2"]
)


@given(st.lists(_pieces, max_size=40), st.lists(st.sampled_from([" ", "", "\n"]), max_size=40))
def test_round_trip_news_like_text(pieces: list[str], seps: list[str]) -> None:
    text = "".join(p + (seps[i] if i < len(seps) else " ") for i, p in enumerate(pieces))
    toks = tokenize(text)
    assert detokenize(toks) == text
    assert all(text[t.start : t.end] == t.text for t in toks)


_dotty = st.sampled_from(
    ["kota.", "th.", "A.S.", "S.H.I.", "a.b.c.d.", "Prof.", "x", ".", "..", "pulang.",
     "Rp.", "www.contoh.id", "1.000.", "dll.", "ABC.", "é.", " ", "\n", ",", "e.g.", "ok"]
)


@settings(max_examples=300)
@given(st.one_of(st.text(), st.lists(_dotty, max_size=30).map("".join),
                 st.lists(_dotty, max_size=30).map(" ".join)))
def test_single_pass_scanner_agrees_with_step_by_step_scanner(text: str) -> None:
    from urai.lang.tokenize import _iter_raw, _scan_raw

    fast = _scan_raw(text)
    if fast is not None:  # None: a case only the step-by-step scanner handles
        assert fast == list(_iter_raw(text))
