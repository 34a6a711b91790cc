"""Learning a spinner profile from aligned copy/source pairs.

>>> from urai.corpus.profiling import learn_profile
>>> prof = learn_profile([(copy_text, source_text), ...], name="farm-a")   # doctest: +SKIP
>>> prof.best("serta"), prof.swap_probability("serta")                      # doctest: +SKIP
(('dan', 41), 0.95)

Each pair is first verified with :func:`urai.trace.align.align` (no thesaurus: a spinner's
substitutes need not be urai's synonyms): the copy must align with the source. Its words are
then paired with the source's by a longest-matching-blocks diff (:mod:`difflib`, which also
pairs the words before the first aligned block, where ``align`` reports an insertion):

* a replaced run of as many copy words as source words gives one ``(observed, original)``
  swap per word (``serta`` for ``dan``); a one-word substitute for several source words
  gives a phrase original (``lantaran`` for ``oleh sebab``); other replacements are skipped;
* an equal run gives one *kept* occurrence per word (the word stood unchanged).

The result, a :class:`urai.detect.profile.Profile`, counts every swap ``(observed,
original)`` over all pairs, and for each observed word that was ever swapped, how often it was
kept; ``documents`` is the number of pairs that contributed. Words are lower case, as the
alignment's tokeniser gives them (``\\w+`` runs: ``th.`` is ``th``).

A pair that cannot be used — a missing or empty field, or a copy that does not align with its
source (less than ``min_coverage`` of its words in aligned blocks) — is not fatal:
:func:`learn` counts it as a :class:`urai.records.Rejection` with its reason;
:func:`learn_profile` is the same learning without the report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from urai.detect.profile import Profile
from urai.errors import ConfigError
from urai.records import Rejection
from urai.trace.align import align, word_spans

__all__ = ["LearnReport", "learn", "learn_profile", "pair_swaps", "MIN_COVERAGE"]

#: a pair is used when at least this share of the copy's words aligns with the source
MIN_COVERAGE = 0.5

Pair = tuple[str, str] | Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class LearnReport:
    """What :func:`learn` did: the profile, how many pairs were used, and every pair it
    could not use with its reason (``processed + rejected`` = pairs given)."""

    profile: Profile
    used: int
    rejected: tuple[Rejection, ...] = field(default=())

    @property
    def processed(self) -> int:
        return self.used + len(self.rejected)


def pair_swaps(copy: str, source: str, *, min_coverage: float = MIN_COVERAGE
               ) -> tuple[list[tuple[str, str]], list[str]] | None:
    """``(swaps, kept words)`` of one aligned pair (see the module docstring), or None
    when the copy does not align with the source."""
    al = align(copy, source)
    if al.query_words == 0 or al.coverage < min_coverage:
        return None
    qw = [w for _, _, w in word_spans(copy)]
    sw = [w for _, _, w in word_spans(source)]
    swaps: list[tuple[str, str]] = []
    kept: list[str] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, qw, sw, autojunk=False).get_opcodes():
        if tag == "equal":
            kept.extend(qw[i1:i2])
        elif tag == "replace":
            if i2 - i1 == j2 - j1:
                swaps.extend(zip(qw[i1:i2], sw[j1:j2], strict=True))
            elif i2 - i1 == 1:
                swaps.append((qw[i1], " ".join(sw[j1:j2])))
    return swaps, kept


def _fields(pair: Any, where: str) -> tuple[str, str, str]:
    """``(source name, copy, source text)`` of a pair; ValueError with the reason."""
    ident = where
    if isinstance(pair, Mapping):
        if pair.get("id") is not None:
            ident = f"{where} (id {pair['id']})"
        copy, source = pair.get("copy"), pair.get("source")
        if copy is None or source is None:
            missing = "copy" if copy is None else "source"
            raise ValueError(f"{ident}: missing field {missing!r}")
    elif isinstance(pair, (tuple, list)) and len(pair) == 2:
        copy, source = pair
    else:
        raise ValueError(f"{ident}: a pair is (copy, source) or an object with 'copy' and "
                         f"'source', got {type(pair).__name__}")
    if not isinstance(copy, str) or not isinstance(source, str):
        raise ValueError(f"{ident}: 'copy' and 'source' must be text")
    if not copy.strip() or not source.strip():
        raise ValueError(f"{ident}: empty {'copy' if not copy.strip() else 'source'}")
    return ident, copy, source


def learn(pairs: Iterable[Pair | Rejection], *, name: str = "profile",
          min_coverage: float = MIN_COVERAGE) -> LearnReport:
    """Learn a profile from ``(copy_text, source_text)`` pairs (or mappings with ``copy``,
    ``source`` and an optional ``id``); a :class:`Rejection` among them (a reader's bad line)
    is passed through as rejected. See the module docstring."""
    if not 0.0 < min_coverage <= 1.0:
        raise ConfigError(f"min_coverage must be in (0, 1], got {min_coverage!r}")
    swaps: Counter[tuple[str, str]] = Counter()
    kept: Counter[str] = Counter()
    used = 0
    rejected: list[Rejection] = []
    for i, pair in enumerate(pairs):
        if isinstance(pair, Rejection):
            rejected.append(pair)
            continue
        where = f"pair {i + 1}"
        try:
            where, copy, source = _fields(pair, where)
        except ValueError as exc:
            rejected.append(Rejection(where, str(exc)))
            continue
        got = pair_swaps(copy, source, min_coverage=min_coverage)
        if got is None:
            rejected.append(Rejection(where, f"{where}: the copy does not align with its source "
                                             f"(less than {min_coverage:.0%} of its words)"))
            continue
        used += 1
        swaps.update(got[0])
        kept.update(got[1])
    return LearnReport(Profile.from_counts(name, swaps, kept, used), used, tuple(rejected))


def learn_profile(pairs: Iterable[Pair], *, name: str = "profile",
                  min_coverage: float = MIN_COVERAGE) -> Profile:
    """The :class:`~urai.detect.profile.Profile` of ``(copy_text, source_text)`` pairs: every
    ``(observed, original)`` swap the alignments found with its count, the kept counts of the
    swapped words, ``documents`` = the pairs used (pairs that cannot be used are skipped;
    :func:`learn` reports them)."""
    return learn(pairs, name=name, min_coverage=min_coverage).profile
