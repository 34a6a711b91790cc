"""Small rule-based Indonesian morphology: affix analysis and re-inflection.

Only what the thesaurus needs to map an inflected news word onto a headword and to put a
synonym back into the same inflected shape. No root list is shipped here: :func:`analyses`
returns every *structurally* possible split and the caller (the thesaurus) keeps those whose
root is a known word. Every analysis is verified by regenerating the word with
:func:`inflect`, so ``inflect(a.root, a.prefix, a.suffix, a.clitic, redup=a.redup) == word``
holds for every returned analysis.

Morphophonemics of ``meN-`` (``peN-`` is the same with ``pe`` for ``me``)::

    root starts with      prefix form   example
    vowel, g, h, kh       meng-         ambil -> mengambil, gali -> menggali, hantam -> menghantam
    k + vowel             meng- (k drops)  kirim -> mengirim
    p + vowel             mem- (p drops)   pukul -> memukul
    b, f, v, p/k/t/s + consonant (cluster)  mem-/meng-/men-/men- keep the consonant:
                          membeli, memfitnah, memproduksi, mengkritik, mentransfer, menstabilkan
    t + vowel             men- (t drops)   tulis -> menulis
    d, c, j, z, sy        men-          dengar -> mendengar, cari -> mencari, syukur -> mensyukuri
    s + vowel             meny- (s drops)  sapu -> menyapu
    l, m, n, r, w, y      me-           lancar -> melancarkan, rasa -> merasa, nyanyi -> menyanyi
    one-syllable root     menge-        bom -> mengebom, cat -> mengecat, tik -> mengetik

``ber-``/``per-``/``ter-`` lose their ``r`` before a root starting with ``r`` (``ber+renang``
-> ``berenang``, ``ter+rasa`` -> ``terasa``) and ``ber-`` before a first syllable ending in
``er`` (``ber+kerja`` -> ``bekerja``); ``ber+ajar`` -> ``belajar`` is the one irregular form.
A few lexical exceptions keep their initial consonant (``punya`` -> ``mempunyai``).

Reduplication: ``mobil-mobil`` (``redup=True``), with prefix ``berlari-lari`` (the prefix goes
on the first copy only), with ``meN-`` the second copy repeats the nasalised stem
(``memukul-mukul``, ``menari-nari``) and ``-an``/clitics go on the end (``buah-buahan``,
``kapal-kapalnya``, ``kemerah-merahan``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "Analysis",
    "analyses",
    "inflect",
    "PREFIXES",
    "SUFFIXES",
    "CLITICS",
    "is_monosyllable",
]

#: canonical prefix names accepted by :func:`inflect` ("" = none)
PREFIXES: tuple[str, ...] = (
    "", "meN", "di", "ber", "ter", "peN", "per", "ke", "se", "memper", "diper", "ku", "kau",
)
#: derivational suffixes ("" = none)
SUFFIXES: tuple[str, ...] = ("", "kan", "i", "an")
#: enclitics and possessive pronouns ("" = none)
CLITICS: tuple[str, ...] = ("", "nya", "lah", "kah", "pun", "ku", "mu")

VOWELS = frozenset("aeiou")
_WORDISH = re.compile(r"^[a-z]+(?:-[a-z]+)*$")
#: roots whose initial voiceless consonant does not drop after meN-/peN-
_KEEP_INITIAL = frozenset({"punya", "kaji", "taat", "tahu"})
_MIN_ROOT = 2


@dataclass(frozen=True, slots=True)
class Analysis:
    """One segmentation of a word: ``prefix + root (+ -root if redup) + suffix + clitic``."""

    prefix: str
    root: str
    suffix: str
    clitic: str
    redup: bool = False

    @property
    def is_bare(self) -> bool:
        """True when nothing was stripped (the word itself is the root)."""
        return not (self.prefix or self.suffix or self.clitic or self.redup)


def is_monosyllable(root: str) -> bool:
    """True for one-vowel roots ending in a consonant (``bom``, ``cat``, ``tik``, ``las``).

    Vowel sequences count as two syllables (``main`` = ma-in -> ``memainkan``).
    """
    return sum(c in VOWELS for c in root) == 1 and root[-1:] not in VOWELS | {""}


def _nasal(root: str, base: str) -> str:
    """Attach ``meN``/``peN`` (``base`` = ``"me"`` or ``"pe"``) to ``root``."""
    if not root:
        return base
    if is_monosyllable(root):
        return base + "nge" + root
    c = root[0]
    second = root[1:2]
    cluster = second != "" and second not in VOWELS
    if c in VOWELS:
        return base + "ng" + root
    if c in "gh":
        return base + "ng" + root
    if c == "k":
        if cluster or root in _KEEP_INITIAL:
            return base + "ng" + root
        return base + "ng" + root[1:]
    if c == "p":
        if cluster or root in _KEEP_INITIAL:
            return base + "m" + root
        return base + "m" + root[1:]
    if c in "bfv":
        return base + "m" + root
    if c == "t":
        if cluster or root in _KEEP_INITIAL:
            return base + "n" + root
        return base + "n" + root[1:]
    if c == "s":
        if cluster:
            return base + "n" + root
        return base + "ny" + root[1:]
    if c in "dcjz":
        return base + "n" + root
    return base + root  # l m n r w y (and ny-, ng-)


def _first_syllable_er(root: str) -> bool:
    """``kerja``, ``ternak``, ``serta``: consonant + ``er`` + consonant at the start."""
    return len(root) > 4 and root[0] not in VOWELS and root[1:3] == "er" and root[3] not in VOWELS


def _prefixed(root: str, prefix: str) -> str:
    if not prefix:
        return root
    if prefix == "meN":
        return _nasal(root, "me")
    if prefix == "peN":
        return _nasal(root, "pe")
    if prefix == "ber":
        if root == "ajar":
            return "belajar"
        if root.startswith("r") or _first_syllable_er(root):
            return "be" + root
        return "ber" + root
    if prefix in ("ter", "per", "memper", "diper"):
        return (prefix[:-1] if root.startswith("r") else prefix) + root
    return prefix + root  # di, ke, se, ku, kau


def inflect(root: str, prefix: str = "", suffix: str = "", clitic: str = "", *,
            redup: bool = False) -> str:
    """Build the surface word ``prefix + root + suffix + clitic`` with morphophonemics.

    >>> inflect("pukul", "meN"), inflect("lancar", "meN", "kan"), inflect("bom", "meN")
    ('memukul', 'melancarkan', 'mengebom')
    >>> inflect("lari", "ber", redup=True), inflect("kelompok", clitic="nya")
    ('berlari-lari', 'kelompoknya')
    """
    if prefix not in PREFIXES:
        raise ValueError(f"unknown prefix {prefix!r}; expected one of {PREFIXES}")
    if suffix not in SUFFIXES:
        raise ValueError(f"unknown suffix {suffix!r}; expected one of {SUFFIXES}")
    stem = _prefixed(root, prefix)
    if redup:
        if prefix in ("meN", "peN") and root[:1] not in VOWELS and stem != root:
            second = stem[2:]  # memukul-mukul, menari-nari, menyapu-nyapu
        else:
            second = root
        stem = f"{stem}-{second}"
    return stem + suffix + clitic


# --- analysis -----------------------------------------------------------------------------

# surface start -> (prefix name, possible root restorations: strings to prepend after cut)
_PREFIX_SURFACES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("memper", "memper", ("",)),
    ("mempe", "memper", ("",)),
    ("diper", "diper", ("",)),
    ("dipe", "diper", ("",)),
    ("menge", "meN", ("",)),
    ("meng", "meN", ("", "k")),
    ("meny", "meN", ("s",)),
    ("mem", "meN", ("", "p")),
    ("men", "meN", ("", "t")),
    ("me", "meN", ("",)),
    ("penge", "peN", ("",)),
    ("peng", "peN", ("", "k")),
    ("peny", "peN", ("s",)),
    ("pem", "peN", ("", "p")),
    ("pen", "peN", ("", "t")),
    ("pe", "peN", ("",)),
    ("ber", "ber", ("",)),
    ("be", "ber", ("",)),
    ("bel", "ber", ("",)),
    ("ter", "ter", ("",)),
    ("te", "ter", ("",)),
    ("per", "per", ("",)),
    ("pe", "per", ("",)),
    ("di", "di", ("",)),
    ("ke", "ke", ("",)),
    ("se", "se", ("",)),
    ("ku", "ku", ("",)),
    ("kau", "kau", ("",)),
)


def _prefix_splits(stem: str) -> list[tuple[str, str]]:
    """(prefix, root) candidates for a stem without suffix/clitic, verified by inflection."""
    out: list[tuple[str, str]] = [("", stem)]
    for surf, name, restores in _PREFIX_SURFACES:
        if not stem.startswith(surf):
            continue
        rest = stem[len(surf):]
        for r in restores:
            root = r + rest
            if len(root) < _MIN_ROOT or not root[0].isalpha():
                continue
            if name == "ber" and surf == "bel":
                root = rest  # only belajar
            if _prefixed(root, name) == stem and (name, root) not in out:
                out.append((name, root))
    return out


def _strip_end(word: str, options: tuple[str, ...], min_left: int) -> list[tuple[str, str]]:
    out = [(word, "")]
    for opt in options:
        if opt and word.endswith(opt) and len(word) - len(opt) >= min_left:
            out.append((word[: -len(opt)], opt))
    return out


@lru_cache(maxsize=65536)
def _analyses(word: str) -> tuple[Analysis, ...]:
    if not word or not _WORDISH.match(word):
        return (Analysis("", word, "", ""),) if word else ()
    found: list[Analysis] = []
    seen: set[Analysis] = set()

    def add(a: Analysis) -> None:
        if a not in seen and inflect(a.root, a.prefix, a.suffix, a.clitic, redup=a.redup) == word:
            seen.add(a)
            found.append(a)

    for host, clitic in _strip_end(word, CLITICS, 3):
        for stem, suffix in _strip_end(host, SUFFIXES, 2):
            if "-" in stem:
                left, _, right = stem.partition("-")
                if "-" in right:
                    continue
                for prefix, root in _prefix_splits(left):
                    if root and (right == root or (prefix in ("meN", "peN") and
                                                   inflect(root, prefix)[2:] == right)):
                        add(Analysis(prefix, root, suffix, clitic, True))
                if not suffix and not clitic:
                    add(Analysis("", stem, "", ""))
                elif clitic and not suffix:
                    add(Analysis("", stem, "", clitic))
                continue
            for prefix, root in _prefix_splits(stem):
                if len(root) >= _MIN_ROOT:
                    add(Analysis(prefix, root, suffix, clitic))
    found.sort(key=lambda a: not a.is_bare)  # stable: the bare word first
    return tuple(found)


def analyses(word: str) -> list[Analysis]:
    """All structural segmentations of a lower-case ``word``, the bare word first.

    Each analysis regenerates ``word`` exactly through :func:`inflect`. Whether the root is a
    real word is not checked here (see :meth:`urai.lang.thesaurus.Thesaurus.alternatives`).

    >>> [(a.prefix, a.root, a.suffix) for a in analyses("melancarkan")][:3]
    [('', 'melancarkan', ''), ('meN', 'lancarkan', ''), ('', 'melancar', 'kan')]
    """
    return list(_analyses(word))
