"""Indonesian-aware tokeniser with exact character offsets.

Every token keeps ``start``/``end`` offsets into the original string and the whitespace that
follows it, so ``detokenize(tokenize(text)) == text`` for every input and any mark made on a
token maps back onto the user's text.

What it knows about Indonesian news text:

* abbreviations that end in a full stop stay one token (``th.``, ``dll.``, ``dkk.``, ``Rp.``,
  ``S.H.``) and do not end a sentence;
* numbers keep their Indonesian separators (``1.000.000``, ``2,5``, ``10.30``) and dates or
  times such as ``21/10``, ``21/10/2016`` or ``19:00`` are one ``num`` token;
* reduplication (``mobil-mobil``, ``sayur-mayur``, ``negara-negara``) and hyphenated compounds
  (``non-aktif``, ``A330-900``) are one word; clitics (``-nya``, ``-lah``, ``-kah``, ``-pun``,
  ``ku-``, ``kau-``) stay attached to their host in the surface token and are split by
  :func:`split_clitics` when a normalised form is needed;
* quotes, brackets and dashes are their own ``punct`` tokens; URLs, e-mail addresses,
  hashtags and mentions are single ``other`` tokens.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

__all__ = ["match_case",
    "Token",
    "tokenize",
    "detokenize",
    "split_sentences",
    "sentences",
    "split_clitics",
    "words",
    "ABBREVIATIONS",
]

#: Abbreviations (lower-cased, with their final full stop) that are one token and do not end
#: a sentence. Written for Indonesian news; extend with care, every entry stops a split.
ABBREVIATIONS: frozenset[str] = frozenset(
    """
    a.k.a. a.l. a.n. adm. agt. ags. apr. bhd. bpk. brig. brigjen. c.q. cv. d.a. des. dg. dgn.
    dkk. dll. dr. drs. dra. dsb. dst. feb. gub. h. hj. hlm. ibu. ir. jan. jend. jl. jln. jul.
    jun. kab. kapt. kec. kel. kol. kom. kombes. ltd. m.a. m.b.a. m.h. m.hum. m.kes. m.m. m.pd.
    m.si. m.sc. m.t. mar. mei. mr. mrs. no. nov. nn. nyo. okt. ph.d. pjs. plt. pol. prof. pt.
    rp. s.ag. s.e. s.h. s.i.p. s.kom. s.pd. s.psi. s.sos. s.t. sbb. sda. sdr. sdri. sep. sept.
    spt. st. tbk. tel. telp. tgl. th. thn. tn. ttd. u.b. u.p. vs. yg. yth.
    """.split()
)

_WORD = r"[^\W\d_](?:[^\W_]|['’](?=[^\W\d_]))*"  # letters, then letters/digits/inner apostrophe
_ALNUM = r"[^\W_]+"
_PATTERNS: list[tuple[str, str]] = [
    ("other", r"(?:https?://|www\.)[^\s<>\"'”“)\]]*[^\s<>\"'”“)\].,;:!?]"),
    ("other", r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    ("other", r"[#@][^\W_][\w]*"),
    # dates and times: 21/10, 21/10/2016, 19:00, 19.30 (the latter matched by number below)
    ("num", r"\d{1,4}(?:/\d{1,4}){1,2}(?![\w/])"),
    ("num", r"\d{1,2}:\d{2}(?::\d{2})?(?![\w:])"),
    # dotted abbreviations such as S.H. or a.n. (checked against ABBREVIATIONS in code)
    ("abbr", r"(?:[^\W\d_]{1,4}\.){2,4}"),
    # numbers with Indonesian grouping and decimals: 1.000.000 2,5 10.30 27
    ("num", r"\d+(?:[.,]\d+)*(?![^\W_])"),
    # currency glued to an amount: Rp2,5 -> Rp + 2,5
    ("word", r"(?:Rp|RP|rp|US\$)(?=\d)"),
    # words with hyphen parts: mobil-mobil, sayur-mayur, A330-900, non-aktif, ke-2
    ("word", rf"(?:{_ALNUM})(?:-(?:{_ALNUM}))+"),
    ("word", _WORD + r"(?:\.(?=\s|$))?"),  # optional final dot, kept only for abbreviations
    ("word", _ALNUM),
    ("punct", r"\.{2,}|…|-{2,}|[—–]|[^\w\s]"),
    ("other", r"_+"),
]
_MASTER = re.compile("|".join(f"(?P<g{i}>{p})" for i, (_, p) in enumerate(_PATTERNS)))
_KINDS = [k for k, _ in _PATTERNS]
_SPACE = re.compile(r"\s+")
#: fast path: a plain ASCII word followed by whitespace, a comma or the end of the text is
#: what the master pattern would return as a ``word`` too (no URL, e-mail, abbreviation,
#: number, currency, hyphen or final-dot case can start or continue there)
_FAST_WORD = re.compile(r"[A-Za-z]+(?=[\s,]|\Z)")


@dataclass(frozen=True, slots=True)
class Token:
    """A token of the input with exact offsets.

    ``text == source[start:end]``; ``ws`` is the whitespace that follows the token in the
    source (``""`` when the next token touches it).
    """

    text: str
    start: int
    end: int
    kind: str  # "word", "num", "abbr", "punct", "other" or "space" (leading whitespace only)
    ws: str = ""

    @property
    def norm(self) -> str:
        """Lower-cased form used for lookups (thesaurus, language model)."""
        return self.text.lower()

    @property
    def is_word(self) -> bool:
        return self.kind == "word"


def _iter_raw(text: str) -> Iterator[tuple[str, int, int, str]]:
    pos = 0
    n = len(text)
    fast = _FAST_WORD.match
    while pos < n:
        sp = _SPACE.match(text, pos)
        if sp:
            pos = sp.end()
            continue
        fm = fast(text, pos)
        if fm:
            e = fm.end()
            yield text[pos:e], pos, e, "word"
            pos = e
            continue
        m = _MASTER.match(text, pos)
        if m is None:  # pragma: no cover - the punct pattern matches any single non-space
            yield text[pos], pos, pos + 1, "punct"
            pos += 1
            continue
        kind = _KINDS[m.lastindex - 1] if m.lastindex else "punct"
        s, e = m.span()
        tok = text[s:e]
        if kind == "abbr" and tok.lower() not in ABBREVIATIONS and len(tok) > 4:
            # not a known abbreviation: take only the first letter group as a word
            cut = tok.index(".")
            yield tok[:cut], s, s + cut, "word"
            pos = s + cut
            continue
        if kind == "word" and tok.endswith("."):
            if tok.lower() in ABBREVIATIONS:
                kind = "abbr"
            else:
                tok = tok[:-1]
                e -= 1
        elif kind == "abbr" and tok.lower() not in ABBREVIATIONS:
            # short dotted initials such as "A.S." are kept together as an abbreviation
            kind = "abbr"
        yield tok, s, e, kind
        pos = e


#: one scanner for the common case: whitespace, the fast ASCII word, then the master pattern
#: (every non-space character is matched by some alternative, so ``finditer`` never skips)
_SCAN = re.compile(r"(?P<sp>\s+)|(?P<fw>[A-Za-z]+(?=[\s,]|\Z))|" + _MASTER.pattern)


def _scan_raw(text: str) -> list[tuple[str, int, int, str]] | None:
    """What :func:`_iter_raw` yields, in one ``finditer`` pass; None when the text has a
    dotted group that is no known abbreviation (rare: it needs the step-by-step scanner)."""
    out: list[tuple[str, int, int, str]] = []
    add = out.append
    kinds = _KINDS
    abbrev = ABBREVIATIONS
    for m in _SCAN.finditer(text):
        li = m.lastindex
        if li == 1:
            continue
        s, e = m.span()
        if li == 2:
            add((text[s:e], s, e, "word"))
            continue
        kind = kinds[li - 3]
        tok = text[s:e]
        if kind == "word" and tok[-1] == ".":
            if tok.lower() in abbrev:
                add((tok, s, e, "abbr"))
            else:  # a word before a full stop: the stop is its own token, as the scanner does
                add((tok[:-1], s, e - 1, "word"))
                add((".", e - 1, e, "punct"))
            continue
        if kind == "abbr" and tok.lower() not in abbrev and len(tok) > 4:
            return None
        add((tok, s, e, kind))
    return out


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens with exact character offsets and trailing whitespace."""
    if not isinstance(text, str):
        raise TypeError(f"tokenize() expects str, got {type(text).__name__}")
    raw = _scan_raw(text)
    if raw is None:
        raw = list(_iter_raw(text))
    out: list[Token] = []
    lead = len(text) - len(text.lstrip())
    if lead and raw:
        out.append(Token(text[:lead], 0, lead, "space"))
    elif lead:
        return [Token(text, 0, len(text), "space")]
    if not raw:
        return out
    nexts = [r[1] for r in raw[1:]]
    nexts.append(len(text))
    out.extend(Token(tok, s, e, kind, text[e:nxt])
               for (tok, s, e, kind), nxt in zip(raw, nexts, strict=True))
    return out


def detokenize(tokens: Sequence[Token]) -> str:
    """Rebuild the source text from its tokens (inverse of :func:`tokenize`)."""
    return "".join(t.text + t.ws for t in tokens)


_SENT_END = frozenset({".", "!", "?", "…", "..."})
_CLOSERS = frozenset({'"', "”", "’", "'", ")", "]", "»"})


def split_sentences(tokens: Sequence[Token]) -> list[tuple[int, int]]:
    """Return ``(first, last+1)`` token index spans of the sentences in ``tokens``.

    A sentence ends at ``.``, ``!``, ``?`` or an ellipsis (plus any closing quotes or
    brackets), and at a line break that separates paragraphs. Abbreviations never end one.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    n = len(tokens)
    i = 0
    while i < n:
        t = tokens[i]
        end_here = False
        if t.kind == "punct" and t.text in _SENT_END:
            while i + 1 < n and tokens[i + 1].text in _CLOSERS and not t.ws:
                i += 1
                t = tokens[i]
            end_here = True
        elif "\n" in t.ws:
            end_here = True
        if end_here:
            if any(tok.kind != "space" for tok in tokens[start : i + 1]):
                spans.append((start, i + 1))
            start = i + 1
        i += 1
    if start < n and any(tok.kind != "space" for tok in tokens[start:n]):
        spans.append((start, n))
    return spans


def sentences(text: str) -> list[list[Token]]:
    """Tokenise ``text`` and group the tokens into sentences (leading space dropped)."""
    toks = tokenize(text)
    return [[t for t in toks[a:b] if t.kind != "space"] for a, b in split_sentences(toks)]


_ENCLITICS = ("nya", "lah", "kah", "pun", "tah")
_ENCLITIC_RE = re.compile(r"^(?P<host>[a-z][a-z-]{2,}?)(?:-)?(?P<clitic>nya|lah|kah|pun|tah)$")
_PROCLITIC_RE = re.compile(r"^(?P<clitic>ku|kau)-?(?P<host>[a-z]{3,})$")


def split_clitics(word: str) -> tuple[str, str, str]:
    """Split a lower-cased word into ``(proclitic, host, enclitic)``.

    ``split_clitics("rumahnya") == ("", "rumah", "nya")``; a word with no clitic comes back as
    ``("", word, "")``. Only the form is split: whether ``host`` is a real word is for the
    caller (the thesaurus) to decide, since ``punya`` or ``sekolah`` end in clitic letters.
    """
    pro = enc = ""
    host = word
    m = _ENCLITIC_RE.match(host)
    if m:
        host, enc = m.group("host").rstrip("-"), m.group("clitic")
    m = _PROCLITIC_RE.match(host)
    if m:
        pro, host = m.group("clitic"), m.group("host")
    return pro, host, enc


def words(text: str) -> list[str]:
    """Lower-cased word and number tokens of ``text`` (a convenience for corpus work)."""
    return [t.norm for t in tokenize(text) if t.kind in ("word", "num", "abbr")]


def match_case(template: str, word: str) -> str:
    """Give ``word`` the capitalisation pattern of ``template`` (UPPER, Title or lower)."""
    if len(template) > 1 and template.isupper():
        return word.upper()
    if template[:1].isupper():
        return word[:1].upper() + word[1:]
    return word
