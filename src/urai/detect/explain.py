"""The substitutions a check reports, each with its evidence and its reason in words.

:func:`substitutions` turns a decoded analysis into :class:`Substitution` objects: the
offsets of the flagged word, the suggestion in the observed word's capitalisation, the
evidence columns (:data:`EVIDENCE`), the document-level gain of the adaptive pass and one
sentence saying why (:func:`reason`, :func:`doc_reason`; formatted when first read,
:class:`Deferred`). It reads every per-row number it
needs with one numpy call per array (a per-element numpy index costs more than the
formatting it feeds), so a spun copy's ~25 reasons cost little next to the analysis.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from urai.detect.doclevel import DocBias, candidate_counts
from urai.detect.evidence import TOKEN_FEATURES
from urai.detect.kernels import LazyWords, token_spans
from urai.lang.tokenize import match_case

__all__ = ["Substitution", "Deferred", "EVIDENCE", "substitutions", "reason", "doc_reason",
           "times"]


class _Reason:
    """The ``reason`` field of :class:`Substitution` (a data descriptor): it holds the reason
    or a :class:`Deferred` one, built into its sentence when first read (a check that is not
    asked for its reasons never formats them) and kept."""

    def __get__(self, obj: Any, owner: Any = None) -> str:
        if obj is None:
            return ""  # the field's default
        v = obj.__dict__["_reason"]
        if isinstance(v, Deferred):
            v = obj.__dict__["_reason"] = v.text()
        return v  # type: ignore[no-any-return]

    def __set__(self, obj: Any, value: str | Deferred) -> None:
        obj.__dict__["_reason"] = value


@dataclass(frozen=True)
class Substitution:
    """A word that looks substituted: ``text[start:end] == observed``.

    ``evidence`` explains the change: ``lm_gain`` and ``cloze_gain`` (log10 of how much more
    likely the suggestion is than the observed word in this context, under the trigram LM and
    the cloze model), ``frequency_gain`` (zipf of the suggestion minus zipf of the observed
    word) and ``thesaurus_weight`` of the link; ``reason`` says the same in one sentence
    (given as a string, or as a :class:`Deferred` reason that is formatted when first read).
    """

    start: int
    end: int
    observed: str
    suggestion: str  # the likely original, in the observed word's capitalisation
    confidence: float  # probability that the word was swapped and ``suggestion`` is right
    evidence: Mapping[str, float] = field(default_factory=dict)
    reason: str = _Reason()  # type: ignore[assignment]


#: the per-change explanation: name -> the token feature it reports
EVIDENCE = {"lm_gain": "lm_delta", "cloze_gain": "cloze_delta", "frequency_gain": "zipf_delta",
            "thesaurus_weight": "weight"}
_NAMES = tuple(EVIDENCE)
_COLUMNS = [TOKEN_FEATURES.index(f) for f in EVIDENCE.values()]


def times(log10_gain: float) -> str:
    """``10^4.6 times more`` / ``2.1 times less`` for a log10 ratio."""
    g = abs(log10_gain)
    mult = f"10^{g:.1f}" if g >= 3.0 else f"{10 ** g:.1f}"
    return f"{mult} times {'more' if log10_gain >= 0 else 'less'}"


def reason(observed: str, suggestion: str, ev: Mapping[str, float]) -> str:
    """One sentence: why ``suggestion`` is thought to be the original of ``observed``. The
    evidence for the change and the evidence against it are named as such, so a reason never
    reads as if a model that prefers the observed word had argued for the change."""
    lm, cz, fg = ev["lm_gain"], ev["cloze_gain"], ev["frequency_gain"]
    why = f"'{suggestion}' and '{observed}' are synonyms"
    if lm > 0:
        why += (f"; '{suggestion}' is {times(lm)} likely than '{observed}' in this context "
                "by the language model")
        if cz > 0:
            why += f" and {times(cz)} by the cloze model"
    elif cz > 0:
        why += (f"; '{suggestion}' is {times(cz)} likely than '{observed}' in this context "
                "by the cloze model")
    if fg >= 0.5:
        why += (f"; '{observed}' is the rarer word ({fg:.1f} lower on the zipf frequency "
                "scale), the kind a spinner picks")
    against = []
    if lm < 0:
        against.append(f"the language model prefers '{observed}' here "
                       f"({times(-lm).replace(' more', '')})")
    if cz < 0:
        against.append(f"the cloze model prefers '{observed}' "
                       f"({times(-cz).replace(' more', '')})")
    if against:
        why += "; against the change: " + " and ".join(against)
    return why + "."


def doc_reason(obs: str, sugg: str, type_term: float, others: float, exp_r: float,
               seen_r: float) -> str:
    """The document-level part of a restoration's reason (empty when it did not matter):
    ``type_term``/``others``: the row's type term and number of other occurrences of its
    type; ``exp_r``/``seen_r``: the suggestion's expected and actual count in the text."""
    parts = []
    if type_term > 0.25 and others > 0:
        k = int(others)
        parts.append(f"consistent with {k} other '{obs.lower()}' in this text "
                     f"(a spinner swaps a word the same way throughout)")
    if seen_r == 0 and exp_r >= 2.0:
        parts.append(f"'{sugg.lower()}' is expected about {exp_r:.0f} times in a "
                     f"text this long but does not occur")
    return (" Document: " + "; ".join(parts) + ".") if parts else ""


class Deferred:
    """A reason not formatted yet: :func:`reason` of ``observed``, ``suggestion`` and the
    ``lm``/``cloze``/``frequency`` gains, followed by :func:`doc_reason` of ``doc`` (its
    ``type_term, others, expected, seen``) when given."""

    __slots__ = ("observed", "suggestion", "gains", "doc")

    def __init__(self, observed: str, suggestion: str, gains: tuple[float, float, float],
                 doc: tuple[float, float, float, float] | None = None) -> None:
        self.observed, self.suggestion, self.gains, self.doc = observed, suggestion, gains, doc

    def __reduce__(self) -> tuple[Any, ...]:
        return (Deferred, (self.observed, self.suggestion, self.gains, self.doc))

    def text(self) -> str:
        lm, cz, fg = self.gains
        why = reason(self.observed, self.suggestion,
                     {"lm_gain": lm, "cloze_gain": cz, "frequency_gain": fg})
        if self.doc is not None:
            why += doc_reason(self.observed, self.suggestion, *self.doc)
        return why


def _words(an: Any, rows: np.ndarray) -> list[str]:
    """The candidate surfaces of ``rows``."""
    cw = an.cand_words
    if isinstance(cw, LazyWords):
        pool = cw.pool
        return [pool[i] for i in cw.src[rows].tolist()]
    return [cw[r] for r in rows.tolist()]


def substitutions(text: str, an: Any, dec: Any, bias: DocBias | None,
                  rescorer: Any = None) -> list[Substitution]:
    """The :class:`Substitution` of every position ``dec`` changes, in text order.
    ``bias``: the adaptive pass's document bias (None: none; its gain and reason are added);
    ``rescorer``: the re-scorer that made it, whose type term the reasons then report."""
    sel = np.flatnonzero(dec.choice >= 0)
    if not len(sel):
        return []
    rows = dec.choice[sel]
    spans = token_spans(an.tokens, an.pos_tok[sel].tolist())
    words = _words(an, rows)
    confs = dec.confidence[sel].tolist()
    evs = an.X[rows][:, _COLUMNS].tolist()
    doc: list[tuple[float, float, float, float, float]] | None = None
    if bias is not None:
        exp_c, seen_c, _ = (candidate_counts(an, rows) if bias.expected is None
                            or bias.seen is None else
                            (bias.expected[rows], bias.seen[rows], None))
        if bias.features is not None and bias.feature_rows is not None \
                and rescorer is not None:
            # the re-scorer's part of the type's other occurrences, for the reasons
            fr = bias.feature_rows
            at = np.minimum(np.searchsorted(fr, rows), max(len(fr) - 1, 0))
            ok = (fr[at] == rows) if len(fr) else np.zeros(len(rows), dtype=bool)
            tt = np.zeros(len(bias.bias))
            tt[rows[ok]] = rescorer.type_term(bias.features[at[ok]])
            bias.type_term = tt
        doc = list(zip(bias.bias[rows].tolist(), bias.type_term[rows].tolist(),
                       bias.others[rows].tolist(), exp_c.tolist(), seen_c.tolist(),
                       strict=True))
    out: list[Substitution] = []
    for i, ((s, e), word, conf, ev_row) in enumerate(zip(spans, words, confs, evs,
                                                         strict=True)):
        obs = text[s:e]
        sugg = match_case(obs, word)
        ev = dict(zip(_NAMES, ev_row, strict=True))
        gains = (ev["lm_gain"], ev["cloze_gain"], ev["frequency_gain"])
        ev["document_gain"] = 0.0
        why = Deferred(obs, sugg, gains)
        if doc is not None:
            gain, tterm, others, exp_r, seen_r = doc[i]
            ev["document_gain"] = gain
            why.doc = (tterm, others, exp_r, seen_r)
        out.append(Substitution(s, e, obs, sugg, conf, ev, why))  # type: ignore[arg-type]
    return out
