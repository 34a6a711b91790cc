"""A spinner simulator: synonym substitution at a chosen rate, with gold alignments.

Content farms "spin" copied articles by swapping words for synonyms chosen at random. This
module reproduces that process so detectors and indexes can be trained and measured:

>>> from urai.simulate.spinner import Spinner
>>> s = Spinner({"udara": ["hawa"], "karena": ["lantaran"]})
>>> r = s.spin("Serangan udara terjadi karena konflik.", rate=1.0, seed=1)
>>> r.text
'Serangan hawa terjadi lantaran konflik.'
>>> [(e.original, e.observed) for e in r.edits]
[('udara', 'hawa'), ('karena', 'lantaran')]

The default dictionary is urai's own thesaurus (inflection-aware). A detector judged against
its own spinner proves little, so the benchmarks use a spinner with a *different* dictionary
(``benchmarks/evalspin.py``): pass any mapping or callable ``word -> alternatives`` here.

``rate`` is the share of word tokens to substitute. When a text has fewer substitutable words
than asked for, every substitutable word is swapped and :attr:`SpinResult.rate` says what was
reached. Capitalised words inside a sentence are taken for names and never touched.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from urai.errors import ConfigError, InputError
from urai.lang.thesaurus import default_thesaurus
from urai.lang.tokenize import Token, match_case, split_sentences, tokenize

__all__ = ["SpinEdit", "SpinResult", "Spinner", "spin", "match_case"]

Dictionary = Mapping[str, Sequence[str]] | Callable[[str], Sequence[str]]


@dataclass(frozen=True, slots=True)
class SpinEdit:
    """One substitution: ``observed`` stands at ``[start, end)`` of the spun text where
    ``original`` stood at ``[orig_start, orig_end)`` of the source text."""

    start: int
    end: int
    observed: str
    orig_start: int
    orig_end: int
    original: str


@dataclass(frozen=True, slots=True)
class SpinResult:
    """A spun text with its gold alignment to the source."""

    text: str
    source: str
    edits: tuple[SpinEdit, ...]
    words: int  # word tokens in the source

    @property
    def rate(self) -> float:
        """Share of the source's word tokens that were substituted."""
        return len(self.edits) / self.words if self.words else 0.0


def _name_like(tokens: Sequence[Token], sentence_starts: set[int], i: int) -> bool:
    t = tokens[i]
    return t.text[:1].isupper() and i not in sentence_starts


class Spinner:
    """Synonym-substitution spinner over a dictionary ``word -> alternatives``.

    ``dictionary`` is a mapping or a callable taking a lower-cased word and returning its
    possible replacements (lower-case; multi-word replacements allowed). With ``None`` the
    shipped urai thesaurus is used through :meth:`urai.lang.thesaurus.Thesaurus.alternatives`.
    """

    def __init__(self, dictionary: Dictionary | None = None, *, name: str = "custom") -> None:
        if dictionary is None:
            thes = default_thesaurus()
            self._lookup: Callable[[str], Sequence[str]] = lambda w: [
                a.surface for a in thes.alternatives(w)
            ]
            self.name = "urai-thesaurus"
        elif isinstance(dictionary, Mapping):
            self._lookup = lambda w: dictionary.get(w, ())
            self.name = name
        elif callable(dictionary):
            self._lookup = dictionary
            self.name = name
        else:
            raise ConfigError(
                f"dictionary must be a mapping or a callable, not {type(dictionary).__name__}"
            )
        self._cache: dict[str, tuple[str, ...]] = {}

    def alternatives(self, word: str) -> tuple[str, ...]:
        """Replacements the spinner may use for the lower-cased ``word``."""
        alts = self._cache.get(word)
        if alts is None:
            alts = tuple(sorted({a for a in self._lookup(word) if a and a != word}))
            self._cache[word] = alts
        return alts

    def spin(self, text: str, rate: float, seed: int = 0) -> SpinResult:
        """Substitute ``rate`` of the word tokens of ``text`` by random alternatives."""
        if not isinstance(text, str):
            raise InputError(f"spin() expects text (str), got {type(text).__name__}")
        if not 0.0 <= rate <= 1.0:
            raise ConfigError(f"rate must be between 0 and 1, got {rate!r}")
        rng = random.Random(seed)
        tokens = tokenize(text)
        starts = {a + (tokens[a].kind == "space") for a, _ in split_sentences(tokens)}
        word_idx = [i for i, t in enumerate(tokens) if t.kind == "word"]
        candidates = [
            i
            for i in word_idx
            if not _name_like(tokens, starts, i) and self.alternatives(tokens[i].norm)
        ]
        target = min(len(candidates), round(rate * len(word_idx)))
        chosen = sorted(rng.sample(candidates, target)) if target else []
        return self._apply(text, tokens, chosen, rng, len(word_idx))

    def spin_consistent(self, text: str, q: float, seed: int = 0) -> SpinResult:
        """Spin like a real farm's tool (*farm mode*): each word type of ``text`` that the
        dictionary knows gets **one** substitute for the whole text (chosen at random among
        its alternatives; with one alternative per word, as in a farm's directed dictionary,
        always the same), and each of its eligible occurrences is replaced with probability
        ``q``. Function words are eligible like any other word; names are not."""
        if not isinstance(text, str):
            raise InputError(f"spin() expects text (str), got {type(text).__name__}")
        if isinstance(q, bool) or not isinstance(q, (int, float)) or not 0.0 <= q <= 1.0:
            raise ConfigError(f"q must be between 0 and 1, got {q!r}")
        rng = random.Random(seed)
        tokens = tokenize(text)
        starts = {a + (tokens[a].kind == "space") for a, _ in split_sentences(tokens)}
        word_idx = [i for i, t in enumerate(tokens) if t.kind == "word"]
        pick: dict[str, str] = {}
        chosen: list[int] = []
        for i in word_idx:
            if _name_like(tokens, starts, i):
                continue
            w = tokens[i].norm
            alts = self.alternatives(w)
            if not alts:
                continue
            if w not in pick:
                pick[w] = alts[0] if len(alts) == 1 else rng.choice(alts)
            if q >= 1.0 or rng.random() < q:
                chosen.append(i)
        return self._apply(text, tokens, chosen, rng, len(word_idx), pick)

    def _apply(
        self, text: str, tokens: Sequence[Token], chosen: Sequence[int], rng: random.Random,
        n_words: int, pick: Mapping[str, str] | None = None,
    ) -> SpinResult:
        parts: list[str] = []
        edits: list[SpinEdit] = []
        pos = 0  # position in source
        out_len = 0
        for i in chosen:
            t = tokens[i]
            sub = pick[t.norm] if pick is not None else rng.choice(self.alternatives(t.norm))
            new = match_case(t.text, sub)
            parts.append(text[pos : t.start])
            out_len += t.start - pos
            parts.append(new)
            edits.append(SpinEdit(out_len, out_len + len(new), new, t.start, t.end, t.text))
            out_len += len(new)
            pos = t.end
        parts.append(text[pos:])
        return SpinResult("".join(parts), text, tuple(edits), n_words)


def spin(
    text: str, rate: float = 0.3, seed: int = 0, dictionary: Dictionary | None = None
) -> SpinResult:
    """Spin ``text`` with urai's thesaurus (or ``dictionary``) at substitution ``rate``."""
    return Spinner(dictionary).spin(text, rate, seed)
