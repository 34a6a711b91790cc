"""The compiled tokenizer (urai._core.tokenize / split_sentences) against the Python reference.

``urai._core`` is optional (no compiler, no extension): the module is skipped without it.
Every test compares the C port with :func:`urai.lang.tokenize.tokenize` and
:func:`urai.lang.tokenize.split_sentences` token for token (start, end, kind) and span for span.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from urai.lang.tokenize import ABBREVIATIONS, split_sentences, tokenize

core = pytest.importorskip("urai._core")

ROOT = Path(__file__).resolve().parent.parent
KIND = {"word": 0, "num": 1, "abbr": 2, "punct": 3, "other": 4, "space": 5}


def reference(text: str) -> list[tuple[int, int, int]]:
    return [(t.start, t.end, KIND[t.kind]) for t in tokenize(text)]


def assert_same(text: str) -> None:
    got = core.tokenize(text)
    want = reference(text)
    if got != want:  # name the first differing token, not just two long lists
        i = next((i for i, (a, b) in enumerate(zip(got, want, strict=False)) if a != b),
                 min(len(got), len(want)))
        a = got[i] if i < len(got) else None
        b = want[i] if i < len(want) else None
        pytest.fail(f"token {i}: C {a} != Python {b} in {text!r:.300}")
    assert core.split_sentences(text) == split_sentences(tokenize(text)), repr(text)


# ---- alphabets and fragments that reach every rule of the scanner -----------------------

ASCII = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
PUNCT = ".,:;/-_@#'’“”\"()[]…—–!?+$<>%&*=»"
SPACES = [" ", " ", "\t", "\n", "\n\n", "\r\n", "\xa0", "\u2028", "\u3000", "\x1c"]
UNICODE_LETTERS = "éñıİßÉÑαβΩλبسم"
# Arabic-Indic three (decimal), superscript two and circled one (digits, not decimal),
# one half and roman twelve (numeric), a combining acute, the Kelvin sign, emoji
ODD = "٣²①½Ⅻ\u0301\u212a😀🇮🇩\u200d"
ALPHABET = ASCII + PUNCT + "".join(SPACES) + UNICODE_LETTERS + ODD

FRAGMENTS = [
    "http://", "https://", "www.", "http://a.b/c?d=1.", "https://x.id/(a)", "www.x.co,",
    "a@b.co", "a.b+c-d@e-f.g.h", "x@y", "a@b..c", ".a@b.co", "#tag", "@user", "#_x", "@1",
    "21/10/2016", "21/10", "1/2/3/4", "12345/1", "1/2/", "19:00", "19:00:05", "1:2", "123:45",
    "9:00:0", "1.000.000", "1.000a", "2,5", "2,5.", "10.30", "3x", "Rp2,5", "RP5", "rp.", "Rp",
    "US$5", "US$", "S.H.", "a.n.", "A.S.", "th.", "Th.", "dll.", "DLL.", "Prof.", "PT.", "h.",
    "abcde.fg.", "ab.cd.ef.", "a.b.c.d.e.", "ab.cde.", "x.y", "M.Hum.", "ph.d.", "Ph.D.",
    "mobil-mobil", "ke-2", "A330-900", "non-aktif", "a-", "-a", "a--b", "...", "..", "....",
    "--", "---", "it's", "Jum’at", "o'1", "a'", "__", "_a_", "a_b", "\u212ag.", "\u212aom.",
    "İr.", "ß.", "é.é.", "٣٣/٣", "١٢:٣٠", "٣.٥", "x²", "²x", "½.", ".", ",", " . ", "!", "?",
    "…", "“", "”", ")", "]", "'", "’", '"', "»", "(", "\n", "\n\n", " ", "  ", "\t", "\xa0",
]

fragment_texts = st.lists(st.sampled_from(FRAGMENTS), max_size=30).map("".join)
char_texts = st.lists(st.sampled_from(list(ALPHABET) + SPACES), max_size=80).map("".join)
mixed_texts = st.lists(
    st.one_of(
        st.sampled_from(FRAGMENTS),
        st.text(alphabet=ALPHABET, min_size=1, max_size=4),
        st.sampled_from(SPACES),
        st.sampled_from(sorted(ABBREVIATIONS)),
    ),
    max_size=25,
).map("".join)


@settings(max_examples=2500, deadline=None)
@given(fragment_texts)
@example("Ia pulang.")
@example(" \n ")
@example("x ab.cd.ef. y")
@example("\u212ag. 1.000a")
def test_fragments(text: str) -> None:
    assert_same(text)


@settings(max_examples=2500, deadline=None)
@given(char_texts)
def test_characters(text: str) -> None:
    assert_same(text)


@settings(max_examples=2500, deadline=None)
@given(mixed_texts)
def test_mixed(text: str) -> None:
    assert_same(text)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=60))
def test_any_text(text: str) -> None:
    assert_same(text)


# ---- abbreviations ------------------------------------------------------------------------

def _variants(abbr: str) -> set[str]:
    forms = {abbr, abbr.upper(), abbr.title(), abbr.capitalize(), abbr.swapcase().title()}
    forms |= {f.replace("k", "\u212a").replace("K", "\u212a") for f in list(forms)}
    return forms


def test_every_abbreviation() -> None:
    """The list compiled into C is ABBREVIATIONS: every entry, in every case, in contexts
    where it is an abbreviation (and where it is not: glued to a following letter)."""
    for abbr in sorted(ABBREVIATIONS):
        for form in _variants(abbr):
            for text in (f"x {form} y", form, f"{form}\n", f"({form} ", f"{form}x", f"a{form} b",
                         f"x {form}. y", f"x {form[:-1]} y."):
                assert_same(text)


def test_known_abbreviations_are_single_tokens() -> None:
    for text in ("Prof. X", "PROF. X", "S.H. X", "s.h. X", "dll. X", "\u212aab. X"):
        first = core.tokenize(text)[0]
        assert first == (0, text.index(" "), KIND["abbr"]), text
    assert core.tokenize("pulang. X")[:2] == [(0, 6, KIND["word"]), (6, 7, KIND["punct"])]


# ---- real texts ---------------------------------------------------------------------------

def _example_files() -> list[Path]:
    return sorted(p for p in (ROOT / "examples").rglob("*") if p.is_file())


@pytest.mark.parametrize("path", _example_files(), ids=lambda p: p.name)
def test_examples(path: Path) -> None:
    assert_same(path.read_text(encoding="utf-8"))


def _gate_texts() -> list[str]:
    lines = (ROOT / "tests" / "data" / "gate" / "gate.jsonl").read_text(encoding="utf-8")
    return [json.loads(line)["text"] for line in lines.splitlines() if line.strip()]


def test_gate_texts() -> None:
    texts = _gate_texts()
    assert texts
    for text in texts:
        assert_same(text)


# ---- edge cases ---------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["", " ", "\n", "\n\n", " \t\n\r\x0b\x0c", "\xa0\u3000\u2028",
                                  "\x1c\x1d\x1e\x1f", "   x", "x   ", " . "])
def test_empty_and_whitespace(text: str) -> None:
    assert_same(text)
    if text and not text.strip():
        assert core.tokenize(text) == [(0, len(text), KIND["space"])]
        assert core.split_sentences(text) == []
    if not text:
        assert core.tokenize(text) == []
        assert core.split_sentences(text) == []


@pytest.mark.parametrize("bad", [None, b"bytes", 1, ["a"], bytearray(b"a")])
def test_non_str_is_type_error(bad: object) -> None:
    with pytest.raises(TypeError):
        core.tokenize(bad)
    with pytest.raises(TypeError):
        core.split_sentences(bad)


def test_str_subclass() -> None:
    class S(str):
        pass

    text = "Prof. Budi S.H. pulang. Rp2,5 juta"
    assert core.tokenize(S(text)) == reference(text)
    assert core.split_sentences(S(text)) == split_sentences(tokenize(text))


def test_one_megabyte() -> None:
    texts = _gate_texts()
    rng = random.Random(5)
    parts: list[str] = []
    size = 0
    while size < 1_000_000:
        t = rng.choice(texts)
        parts.append(t)
        size += len(t) + 2
    text = "\n\n".join(parts)
    assert_same(text)
    # a string of each kind: UCS-2 above (curly quotes), UCS-1 and UCS-4 below
    part = text[:200_000]
    latin1 = part.encode("latin-1", "replace").decode("latin-1")
    assert max(map(ord, latin1)) < 256
    assert_same(latin1)
    assert_same(part + "😀")


def test_long_runs_stay_linear() -> None:
    """Long runs that the regex engine rescans at each position (dotted pieces before no
    '@', a huge number, a long URL) are compared at a size the reference handles, and the C
    port still returns promptly at 1 MB."""
    for unit in ("a.", "a.b-", "1.", "1,2.", "ab.cd.", "a@b", "-a", "x'", "w", "_a", "#a"):
        small = unit * 2000
        assert_same(small)
        assert_same("http://" + small)
        big = unit * (1_000_000 // len(unit))
        toks = core.tokenize(big)
        assert toks[0][0] == 0 and toks[-1][1] == len(big)
        assert all(a[1] <= b[0] for a, b in zip(toks, toks[1:], strict=False))
        core.split_sentences(big)
