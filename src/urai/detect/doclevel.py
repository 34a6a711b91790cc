"""Document-level evidence: what a spinner does to a whole text, as a bias on each logit.

A real spinner is context-blind and consistent: it applies one dictionary to most eligible
words, function words included, usually with the same substitute for the same word
throughout a text. So in a copy that looks spun

* the occurrences of a word type are decided **together**: every occurrence of ``serta`` in
  a text gets the evidence of the other occurrences that ``dan`` fits there (the *type
  term*: the sum over the other occurrences of their logit above ``type_center``, each
  clipped to ``±type_cap``, times ``type_weight``);
* the counts must fit: under a Poisson model of clean text, "the spinner wrote ``o`` for
  ``c``" against "the text is as it stands" is, for the whole type, the frequency ratio of
  the two words once per occurrence (the token model already counts that, as ``uni_delta``)
  times the number of ways to pick which of the original's ``k_c + k_o`` occurrences of
  ``c`` were replaced, ``-log C(k_c + k_o, k_o)``. So a word that is **missing** costs
  nothing (a 340-word news text with ``serta`` 10 times and no ``dan``: ``C(10, 10) = 1``,
  the frequency ratio speaks fully), while ``isi -> di`` in a text that holds ``di`` 8 times
  pays ``log C(10, 2)``. The *count term* is that, per occurrence, times ``absence_weight``
  (at most ``absence_cap``);
* (option, ``CheckConfig.count_weight``) the *count ratio* of :class:`CountModel`: a
  negative-binomial model of clean counts against a consistent spinner at rate q, per
  type, shared by its occurrences, with one original per observed type and one substitute
  per original (issue 13, third session);
* the document's estimated spin rate is every word's prior: that is the adaptive change
  cost of :meth:`urai.detect.detector.Detector.adaptive_threshold`, with which these terms
  are used (only in the second decoding pass of a document whose first-pass spun
  probability is at least ``adaptive_min_p``; a clean text never gets them).

:func:`document_bias` returns the bias of every candidate row and what went into it, so each
restoration can say why (``consistent with 9 other 'serta' in this text``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from urai.detect.evidence import (
    CLOZE_DELTA,
    FUNCTION_WORD,
    LM_DELTA,
    OBS_UNKNOWN,
    UNI_DELTA,
    UNI_OBS,
    Analysis,
)

__all__ = ["DocBias", "TypeGroups", "CountModel", "document_bias", "type_groups",
           "candidate_counts", "nb_logpmf", "em_spin_rate", "choice_shift",
           "CHOICE_WEIGHTS"]

LN10 = float(np.log(10.0))


@dataclass(slots=True)
class DocBias:
    """Per candidate row: the total bias and its parts; per row the number of other
    occurrences of the same (observed, candidate) type, the candidate's expected and
    observed counts in the document."""

    bias: np.ndarray
    type_term: np.ndarray
    absence_term: np.ndarray
    others: np.ndarray
    #: None when the count term is off (:func:`candidate_counts` gives them for some rows)
    expected: np.ndarray | None
    seen: np.ndarray | None
    #: the re-scorer's feature rows (:mod:`urai.detect.rescore`), when it made the bias, and
    #: the (sorted) candidate rows they belong to
    features: np.ndarray | None = None
    feature_rows: np.ndarray | None = None


@dataclass(frozen=True, slots=True)
class TypeGroups:
    """The rows of an analysis grouped by (observed type, candidate): fixed for a document,
    so computed once (:func:`type_groups`) for all decoding rounds."""

    inv: np.ndarray  # group of each row
    counts: np.ndarray  # rows per group
    known: np.ndarray  # rows whose observed word and candidate the LM knows


def type_groups(an: Analysis, unk: int = -1) -> TypeGroups:
    """Group the candidate rows of ``an`` by (observed LM id, candidate LM id); rows with a
    word unknown to the LM form a group of their own."""
    n = len(an.cand_ids)
    if an.kernels is not None and n:  # the compiled kernels' one pass (same partition)
        return TypeGroups(*an.kernels.type_groups(an, unk))
    obs = an.obs_ids[an.cand_pos]
    cand = an.cand_ids
    known = (an.X[:, OBS_UNKNOWN] == 0) & (obs != unk) & (cand != unk)
    if n == 0:
        e = np.zeros(0, dtype=np.int64)
        return TypeGroups(e, e, known)
    key = obs.astype(np.int64) * (int(cand.max()) + 2) + cand.astype(np.int64)
    key = np.where(known, key, -1 - np.arange(n))
    _, inv, counts = np.unique(key, return_inverse=True, return_counts=True)
    return TypeGroups(inv.reshape(-1), counts, known)


def document_bias(an: Analysis, z: np.ndarray, *, type_weight: float, type_center: float,
                  type_cap: float, absence_weight: float, absence_cap: float,
                  unk: int = -1, groups: TypeGroups | None = None,
                  count_model: CountModel | None = None,
                  count_memo: dict[str, np.ndarray] | None = None) -> DocBias:
    """The document-level bias of every candidate row of ``an`` given the logits ``z``
    (see the module docstring); ``groups``: :func:`type_groups` of ``an``, if already known."""
    n = len(z)
    zeros = np.zeros(n)
    if n == 0:
        return DocBias(zeros, zeros, zeros, np.zeros(0, dtype=np.int64), None, None)
    g = groups if groups is not None else type_groups(an, unk)
    inv, counts, known = g.inv, g.counts, g.known
    # ---- type term: rows of the same (observed type, candidate) pool their evidence
    if an.kernels is not None:
        type_term, others = an.kernels.type_term(inv, counts, z, type_center, type_cap,
                                                 type_weight)
    else:
        ev = np.clip(z - type_center, -type_cap, type_cap)
        sums = np.bincount(inv, weights=ev, minlength=len(counts))
        others = counts[inv] - 1
        type_term = type_weight * (sums[inv] - ev)
    if count_model is not None and count_model.weight > 0.0:
        if count_memo is not None and "seen" in count_memo:
            expected, seen, k_o = (count_memo["expected"], count_memo["seen"],
                                   count_memo["k_o"])
        else:
            expected, seen, k_o = candidate_counts(an, np.arange(n), with_observed=True)
            if count_memo is not None:
                count_memo.update(expected=expected, seen=seen, k_o=k_o)
        term = count_model.row_term(an, g, expected, seen, k_o, z, count_memo)
        return DocBias(type_term + term, type_term, term, others, expected, seen)
    if absence_weight == 0.0:  # the count term is off (the default): skip its counting
        return DocBias(type_term, type_term, zeros, others, None, None)
    # ---- count term: how the type's counts fit "the spinner wrote o for c"
    expected, seen, k_o = candidate_counts(an, np.arange(n), with_observed=True)
    # the original text would hold c (seen + k_o) times: the ways to choose which of them
    # the spinner replaced, per replaced occurrence (0 when c is absent from the text)
    kc = np.minimum(seen, len(_LOG_FACT) - 1 - k_o).astype(np.int64)
    ko = k_o.astype(np.int64)
    log_binom = _LOG_FACT[kc + ko] - _LOG_FACT[kc] - _LOG_FACT[ko]
    term = -absence_weight * np.minimum(log_binom / k_o, absence_cap)
    term = np.where(known, term, 0.0)
    return DocBias(type_term + term, type_term, term, others, expected, seen)


def candidate_counts(an: Analysis, rows: np.ndarray, with_observed: bool = False
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For candidate ``rows`` of ``an``: the candidate's expected count in a text of this
    length (words times its LM unigram probability), how often the text holds it, and
    (``with_observed``) how often it holds the observed word (at least 1; else zeros)."""
    cand = an.cand_ids[rows]
    obs = an.obs_ids[an.cand_pos[rows]] if with_observed else None
    if an.kernels is not None:
        seen = an.kernels.id_counts(an.seq, cand)
        n_o = None if obs is None else an.kernels.id_counts(an.seq, obs)
    else:
        ids, cnt = np.unique(an.seq[an.seq >= 0], return_counts=True)
        seen = _count(ids, cnt, cand)
        n_o = None if obs is None else _count(ids, cnt, obs)
    logp = an.X[rows, UNI_OBS] + an.X[rows, UNI_DELTA]  # log10 unigram P(candidate)
    expected = max(an.n_words, 1) * np.power(10.0, logp)
    k_o = np.maximum(n_o, 1.0) if n_o is not None else np.zeros(len(rows))
    return expected, seen, k_o


#: log(k!) for k < 8192
_LOG_FACT = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, 8192, dtype=np.float64)))])


def _leaders(key: np.ndarray, score: np.ndarray) -> np.ndarray:
    """True for the highest-scoring entry of each ``key`` (ties: the first)."""
    key = key.astype(np.int64)
    order = np.lexsort((-score, key))
    lead = np.zeros(len(order), dtype=bool)
    sk = key[order]
    lead[order] = np.concatenate([[True], sk[1:] != sk[:-1]])
    return lead


def _count(ids: np.ndarray, cnt: np.ndarray, of: np.ndarray) -> np.ndarray:
    """How often each id of ``of`` occurs (``ids``/``cnt`` from ``np.unique``)."""
    at = np.minimum(np.searchsorted(ids, of), len(ids) - 1)
    return np.where(ids[at] == of, cnt[at], 0).astype(np.float64)


def nb_logpmf(k: np.ndarray, mean: np.ndarray, r: np.ndarray) -> np.ndarray:
    """log P(k) of a negative binomial with ``mean`` and dispersion ``r`` (variance
    ``mean + mean**2 / r``; large ``r``: Poisson). ``mean`` 0 gives 0 for k = 0, else a
    very small value. ``k``: counts below 8192."""
    k = np.asarray(k, dtype=np.float64)
    mean = np.maximum(np.asarray(mean, dtype=np.float64), 1e-12)
    r = np.asarray(r, dtype=np.float64)
    return (_log_rising(r, k) - _LOG_FACT[k.astype(np.int64)] + r * np.log(r / (r + mean))
            + k * np.log(mean / (r + mean)))


def _nb_mean_part(k: np.ndarray, mean: np.ndarray, r: np.ndarray) -> np.ndarray:
    """The part of :func:`nb_logpmf` that depends on the mean."""
    mean = np.maximum(mean, 1e-12)
    return r * np.log(r / (r + mean)) + k * np.log(mean / (r + mean))


def _log_rising(r: np.ndarray, k: np.ndarray) -> np.ndarray:
    """``log Gamma(k + r) - log Gamma(r)`` for integer ``k`` (numpy has no log Gamma):
    ``sum_{i < k} log(r + i)``, from a cumulative table per distinct ``r`` (a document
    uses two)."""
    out = np.empty(np.broadcast(r, k).shape)
    rb, kb = np.broadcast_arrays(r, k.astype(np.int64))
    for rv in np.unique(rb):
        tab = _RISING.get(float(rv))
        if tab is None:
            tab = np.concatenate([[0.0], np.cumsum(np.log(rv + np.arange(len(_LOG_FACT) - 1)))])
            if len(_RISING) < 64:
                _RISING[float(rv)] = tab
        at = rb == rv
        out[at] = tab[kb[at]]
    return out


_RISING: dict[float, np.ndarray] = {}


@dataclass(frozen=True, slots=True)
class CountModel:
    """The count likelihood ratio of a word type (issue 13, third session).

    For the type ``(w, o)`` (observed word ``w``, candidate original ``o``) of a document of
    ``N`` words: under *clean*, ``k_w`` and ``k_o`` (their counts in the text) are negative
    binomial with means ``N p_w`` and ``N p_o`` (LM unigrams); under *spun with rate q*
    (a consistent spinner wrote ``w`` for a share ``q`` of the original's ``o``), their
    means are ``N (p_w + q p_o)`` and ``N (1 - q) p_o``. The type's log-likelihood ratio,
    averaged over ``qs``, at most ``cap`` either way, is shared by its ``k_w`` occurrences
    (each gets ``weight * llr / rows``): ``serta`` 7 times and ``dan`` never in 80 words is
    decisive on its own, a candidate already frequent in the text counts against. Content
    words are bursty (a topic word recurs), hence a small dispersion for them
    (``r_content``) and a near-Poisson one for function words (``r_function``).
    """

    weight: float = 1.0
    cap: float = 12.0
    r_function: float = 20.0
    r_content: float = 0.5
    qs: tuple[float, ...] = (0.5, 0.8, 1.0)
    min_occurrences: int = 1
    min_occurrences_function: int = 1
    #: one original per observed type (see :meth:`row_term`)
    exclusive: bool = True

    def type_llr(self, n_words: int, log10_pw: np.ndarray, log10_po: np.ndarray,
                 k_w: np.ndarray, k_o: np.ndarray, function: np.ndarray) -> np.ndarray:
        """The (uncapped) log-likelihood ratio spun / clean of each type."""
        nw = float(max(n_words, 1))
        mw = nw * np.power(10.0, log10_pw)
        mo = nw * np.power(10.0, log10_po)
        r = np.where(function, self.r_function, self.r_content)
        # the count-only terms of the log pmf (log Gamma(k + r) - log Gamma(r) - log k!) are
        # the same under both hypotheses and cancel: only the mean-dependent part is needed
        clean = _nb_mean_part(k_w, mw, r) + _nb_mean_part(k_o, mo, r)
        spun = np.stack([_nb_mean_part(k_w, mw + q * mo, r)
                         + _nb_mean_part(k_o, (1.0 - q) * mo, r) for q in self.qs])
        top = spun.max(axis=0)
        mix = top + np.log(np.exp(spun - top).mean(axis=0))
        return np.where(np.isfinite(mix), mix - clean, -np.inf)

    def row_term(self, an: Analysis, g: TypeGroups, expected: np.ndarray, seen: np.ndarray,
                 k_w: np.ndarray, z: np.ndarray | None = None,
                 memo: dict[str, np.ndarray] | None = None) -> np.ndarray:
        """Each candidate row's share of its type's capped ratio (0 for unknown words).
        ``memo``: a dict kept for the document's decoding rounds (the counts and their
        ratio do not change between rounds; only the exclusivity reads ``z``)."""
        n = len(g.inv)
        if n == 0:
            return np.zeros(0)
        if memo is not None and "llr" in memo:
            first, llr = memo["first"], memo["llr"]
        else:
            first, llr = self._type_ratio(an, g, seen, k_w)
            if memo is not None:
                memo["first"], memo["llr"] = first, llr
        if self.exclusive and z is not None:
            # one original per observed type (a consistent spinner): only the candidate with
            # the best type score (count ratio + summed, capped context evidence) keeps a
            # positive count term; its rivals keep only the evidence against them
            # (and one substitute per original: the original's best observed type). Only
            # the groups that share a word with a positive one compete
            pos = llr > 0
            if pos.any():
                obs = an.obs_ids[an.cand_pos[first]]
                cand = an.cand_ids[first]
                sub = np.flatnonzero(np.isin(obs, obs[pos]) | np.isin(cand, cand[pos]))
                ctx = np.bincount(g.inv, weights=np.clip(z, -self.cap, self.cap),
                                  minlength=len(g.counts))[sub]
                total = self.weight * llr[sub] + ctx
                lead = _leaders(obs[sub], total) & _leaders(cand[sub], total)
                llr = llr.copy()
                llr[sub] = np.where(lead | (llr[sub] < 0), llr[sub], 0.0)
        term = self.weight * llr[g.inv] / g.counts[g.inv]
        return np.where(g.known, term, 0.0)

    def _type_ratio(self, an: Analysis, g: TypeGroups, seen: np.ndarray, k_w: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
        """(one row per type group, the group's capped and gated count ratio)."""
        n = len(g.inv)
        first = np.zeros(len(g.counts), dtype=np.int64)
        first[g.inv[::-1]] = np.arange(n)[::-1]  # one row per group
        x = an.X[first]
        llr = self.type_llr(an.n_words, x[:, UNI_OBS], x[:, UNI_OBS] + x[:, UNI_DELTA],
                            k_w[first], seen[first], x[:, FUNCTION_WORD] > 0)
        llr = np.clip(np.nan_to_num(llr, neginf=-self.cap), -self.cap, self.cap)
        # a single occurrence's count evidence is its frequency ratio and the original's
        # absence, which a clean text's rarer synonym shares: the positive ratio needs
        # ``min_occurrences`` of the type (function words: ``min_occurrences_function``)
        need = np.where(x[:, FUNCTION_WORD] > 0, self.min_occurrences_function,
                        self.min_occurrences)
        return first, np.where((k_w[first] >= need) | (llr < 0), llr, 0.0)


def em_spin_rate(z_best: np.ndarray, rho: float, prior: float, rounds: int) -> float:
    """The document's spin rate as the maximum-likelihood mixing share (EM, ``rounds``
    steps from ``rho``): the token model's best logit per mutable word, less the logit of
    the spin rate it was trained at (``prior``), is that word's likelihood ratio spun /
    clean; the first pass's ``expected_share`` (its mean sigmoid) under-states a heavily
    spun text's rate, because its prior is the training average."""
    if not len(z_best):
        return rho
    llr = np.clip(z_best, -30.0, 30.0) - float(np.log(prior / (1.0 - prior)))
    r = float(np.clip(rho, 1e-3, 0.999))
    for _ in range(rounds):
        a = np.log(r / (1.0 - r)) + llr
        r = float(np.clip(np.mean(1.0 / (1.0 + np.exp(-a))), 1e-3, 0.999))
    return r


#: the original-choice model's weights (:func:`choice_shift`): a conditional logit over a
#: position's candidates, fitted on held-out training quarters (LM on quarters 0-1, 200
#: quarter 2-3 articles spun by 5 evaluation farms at q 0.5 / 0.8 / 1.0 and at random 35 %;
#: issue 13, fifth session). Features: the final logit, the count ratio / 4, log(1 + the
#: candidate's count in the text), log(distinct observed words it is a candidate of), the
#: unigram, LM and cloze deltas, the candidate occurs in the text. On the other 200
#: articles the original is the top candidate of 0.729 of the gold positions (0.686 by the
#: logit alone; ``benchmarks/fit_choice.py`` refits them)
CHOICE_WEIGHTS = (0.6, -0.264, -1.13, -0.33, -0.536, 0.088, 1.151, 1.406)


def choice_shift(an: Analysis, z: np.ndarray, unk: int = -1, lowest: float = -np.inf
                 ) -> np.ndarray:
    """A shift of every row's logit ``z`` that re-ranks each position's candidates by the
    original-choice model (:data:`CHOICE_WEIGHTS`) and keeps each position's best logit: only
    *which* candidate a change writes back moves, not whether the position changes. Only the
    positions whose best logit exceeds ``lowest`` (those the decoder considers) are
    re-ranked; the others keep their logits."""
    n = len(z)
    shift = np.zeros(n)
    if n == 0:
        return shift
    starts = an.cand_ptr[:-1]
    zmax = np.maximum.reduceat(z, starts)[an.cand_pos]
    rows = np.flatnonzero(zmax > lowest)
    if not len(rows):
        return shift
    x = an.X[rows]
    _, seen, k_w = candidate_counts(an, rows, with_observed=True)
    llr = CountModel().type_llr(an.n_words, x[:, UNI_OBS], x[:, UNI_OBS] + x[:, UNI_DELTA],
                                k_w, seen, x[:, FUNCTION_WORD] > 0)
    llr = np.clip(np.nan_to_num(llr, neginf=-12.0), -12.0, 12.0)
    # how many distinct observed words of the text each candidate serves (a hub such as
    # ``di`` or ``dan`` is a candidate of many and fits anywhere)
    obs = an.obs_ids[an.cand_pos].astype(np.int64)
    cand = an.cand_ids.astype(np.int64)
    o0 = int(obs.min())
    span = int(obs.max()) - o0 + 1
    pairs = np.unique(cand * span + (obs - o0))  # distinct (candidate, observed)
    cid, hub_n = np.unique(pairs // span, return_counts=True)
    hub = hub_n[np.searchsorted(cid, cand[rows])].astype(np.float64)
    w = CHOICE_WEIGHTS
    fixed = (w[1] * llr / 4.0 + w[2] * np.log1p(seen) + w[3] * np.log(hub)
             + w[4] * x[:, UNI_DELTA] + w[5] * x[:, LM_DELTA] + w[6] * x[:, CLOZE_DELTA]
             + w[7] * (seen > 0))
    fixed = np.where((x[:, OBS_UNKNOWN] == 0) & (an.cand_ids[rows] != unk), fixed, 0.0)
    s = np.full(n, -np.inf)
    s[rows] = w[0] * z[rows] + fixed
    smax = np.maximum.reduceat(s, starts)[an.cand_pos]
    # the position's best row keeps the best logit; the others fall behind it by their
    # choice-score gap (in logit units)
    shift[rows] = zmax[rows] + (s[rows] - smax[rows]) / w[0] - z[rows]
    return shift
