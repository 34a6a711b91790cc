"""Per-word evidence of synonym spinning: candidate lattice and local LM/frequency scores.

For every sentence of a document the word tokens that a spinner could have touched (*mutable*
positions: lower-case or sentence-initial words with at least one single-word thesaurus
alternative; capitalised words inside a sentence are taken for names, except in Title Case
Headlines (>= 70 % of a line's words capitalised), numbers and
punctuation are never touched) get a small set of *candidates*: the thesaurus alternatives
of the observed word (``hawa`` -> ``udara``, ``angin``, ...): the most frequent ones (zipf
at least :attr:`Engine.min_zipf`, since the words spinners replace are common news words), at
most :attr:`Engine.max_candidates`. Lower-case abbreviations the thesaurus knows
(``th.`` -> ``tahun``) are mutable too.

Evidence for a candidate ``c`` at position ``i`` is computed for all candidates of a
document at once:

* ``lm_delta``: the log10 LM probability of the three trigram windows that contain ``i``
  (``P(c | w[i-2] w[i-1]) + P(w[i+1] | w[i-1] c) + P(w[i+2] | c w[i+1])``) minus the same
  sum for the observed word. All windows of a document go to the language model in **one**
  vectorised :meth:`urai.lang.lm.NgramLM.logprob_ids` call;
* frequency prior: zipf of the candidate minus zipf of the observed word, and the observed
  word's own zipf (spinners pick synonyms at random, so rare observed words are suspicious);
* ``cloze_delta``: the same comparison under the neural cloze model (:mod:`urai.lang.cloze`),
  which sees two words on either side at once (one numpy pass per document; recomputed,
  like the LM delta, for the words next to a restoration);
* thesaurus weight of the link, whether the observed word is a function word (closed-class
  swaps such as ``karena`` -> ``lantaran`` are the most common), how many alternatives the
  word has and how many candidates the LM prefers over the observed word.

A logistic *token model* (weights in ``detector.json``, trained on urai's own spinner over
IndoSum folds 01-04) turns these features into a logit ``z(i, c)``: the log-odds that the
observed word was put there by a spinner in place of ``c``. :mod:`urai.detect.decode` decodes the
sentence jointly from these logits.

Hot-path notes: per-word thesaurus results are cached as numpy arrays
(:meth:`Engine.word_info`); per-token Python work is a dict lookup; everything else is
numpy over the whole document.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from urai import kernels
from urai.detect import evidence as ev
from urai.detect.decode import decode
from urai.detect.evidence import Analysis
from urai.detect.kernels import EngineCore
from urai.lang.candidates import default_candidates
from urai.lang.freq import default_frequency
from urai.lang.lm import normalize
from urai.lang.thesaurus import default_thesaurus
from urai.lang.tokenize import Token, split_sentences, tokenize

__all__ = ["Engine", "build_sequence", "near_positions"]

def build_sequence(
    tokens: Sequence[Token], norm: Any, ids_of: Any, bos: int, eos: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[tuple[int, int]]]:
    """Lay the document out for trigram scoring.

    Returns ``(seq, tok_seq, tok_sent, spans)`` where each sentence occupies
    ``[-1, <s>, w1 .. wn, </s>, </s>]`` in ``seq`` (the second ``</s>`` only pads windows;
    trigrams whose middle word is ``</s>`` are masked by the callers), ``tok_seq[t]`` is the
    index of token ``t`` in ``seq`` (-1 for whitespace tokens) and ``tok_sent[t]`` its
    sentence number.
    """
    spans = split_sentences(tokens)
    n_tok = len(tokens)
    tok_seq = np.full(n_tok, -1, dtype=np.int64)
    tok_sent = np.full(n_tok, -1, dtype=np.int64)
    words: list[str] = []
    layout: list[int] = []  # seq index of each entry of ``words``
    pos = 0
    heads: list[int] = []
    tails: list[int] = []
    for s, (a, b) in enumerate(spans):
        heads.append(pos)
        pos += 2
        for t in range(a, b):
            tok = tokens[t]
            if tok.kind == "space":
                continue
            tok_seq[t] = pos
            tok_sent[t] = s
            words.append(norm(tok.text))
            layout.append(pos)
            pos += 1
        tails.append(pos)
        pos += 2
    seq = np.full(pos, eos, dtype=np.int64)
    if heads:
        h = np.asarray(heads)
        seq[h] = -1
        seq[h + 1] = bos
    if words:
        seq[np.asarray(layout)] = ids_of(words)
    return seq, tok_seq, tok_sent, spans


class Engine:
    """Candidate generation and local evidence over a language model and a thesaurus."""

    #: use the compiled kernels (:mod:`urai.kernels`) where they are available; False runs
    #: the reference for everything this engine does, its LM scoring included
    accelerate: bool = True

    def __init__(
        self,
        lm: Any,
        thesaurus: Any,
        frequency: Any,
        stopwords: frozenset[str],
        *,
        max_candidates: int = 20,
        min_zipf: float = 2.5,
        cloze: Any = None,
        accelerate: bool = True,
        token_model: Any = None,
        candidates: Any = True,
    ) -> None:
        self.lm = lm
        #: a :class:`urai.lang.cloze.ClozeModel` (bound to ``lm``'s vocabulary here) or None
        self.cloze = cloze.bind(lm.vocab) if cloze is not None else None
        self.thesaurus = thesaurus
        self.frequency = frequency
        self.stopwords = stopwords
        self.max_candidates = max_candidates
        self.min_zipf = min_zipf
        self.normalize = normalize
        specials = lm.ids(["<s>", "</s>", "<unk>"])
        self.bos, self.eos, self.unk = (int(x) for x in specials)
        self._info: dict[str, tuple | None] = {}
        self._known: dict[str, bool] = {}
        self._tok_ids: dict[str, int] = {}  # token text -> LM id of its normalised form
        self.accelerate = accelerate
        #: the token model (a urai.detect.features.LogisticModel): given, the kernels keep each
        #: analysis's logits (``Analysis.z``) up to date
        self.token_model = token_model
        self._core: Any = None  # the urai.detect.kernels.EngineCore, built on first use
        #: the precomputed candidate lists (urai.lang.candidates) in use, or None
        self._table = self._candidate_table(candidates)

    def _candidate_table(self, candidates: Any) -> Any:
        """``candidates``: True (the shipped table, when this engine uses the shipped
        thesaurus and frequency prior), False/None (none) or a CandidateTable; a table is
        used only if it was computed with this engine's settings."""
        if candidates is True:

            if self.thesaurus is not default_thesaurus() or \
                    self.frequency is not default_frequency():
                return None
            candidates = default_candidates()
        if not candidates or not candidates.matches(self.max_candidates, self.min_zipf):
            return None
        return candidates

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_core"] = None  # C objects do not pickle; rebuilt on first use
        return state

    # ---- one entry point per step, compiled where possible --------------------------------
    @property
    def core(self) -> Any:
        """The :class:`urai.detect.kernels.EngineCore` of this engine, or None (reference code)."""
        if self._core is None:
            self._core = False
            if self.accelerate and kernels.enabled():
                self._core = EngineCore(self)
        return self._core or None

    def analyse_text(self, text: str) -> Analysis:
        """:meth:`analyse` of ``tokenize(text)``."""
        core = self.core
        if core is not None:
            return core.analyse(text)

        return self.analyse(tokenize(text))

    def refill(self, an: Analysis, context: np.ndarray, near: np.ndarray,
               memo: bool = True) -> None:
        """:meth:`fill_lm` for the words near the changed seq indexes ``near``; ``memo``: the
        compiled kernels remember the re-scored rows for a later re-scoring against the
        same neighbours (:meth:`urai.detect.kernels.EngineCore.refill`; off when none
        follows)."""
        core = self.core
        if core is not None:
            core.refill(an, context, near, memo)
        else:
            self.fill_lm(an, context, near=near)

    def decode(self, an: Analysis, z: np.ndarray, *, threshold: float, w_lm: np.ndarray,
               margin: float, context: np.ndarray | None = None) -> Any:
        """:func:`urai.detect.decode.decode` over this engine's LM."""
        core = self.core
        if core is not None:
            return core.decode(an, z, threshold=threshold, w_lm=w_lm, margin=margin,
                               context=context)

        lm = self.lm if self.accelerate else _ReferenceScoring(self.lm)
        return decode(an, z, lm, threshold=threshold, w_lm=w_lm, eos=self.eos,
                      context=context, margin=margin)

    def resolve_token(self, text: str, kind: int) -> tuple:
        """What :meth:`analyse` looks up for a token (asked once per distinct token text by
        the compiled analyser): ``(LM id, first letter upper, all upper (2+ letters), first
        letter lower, known word, stopword, key for word_info or None)``; ``kind`` is the
        index of the token kind in ``word, num, abbr, punct, other``."""
        lm_id = int(self.lm.ids([self.normalize(text)])[0])
        first_upper = text[:1].isupper()
        first_lower = text[:1].islower()
        known = stop = False
        key = None
        if kind == 0:  # word
            key = text.lower()
            known = self.is_known(key)
            stop = key in self.stopwords
        elif kind == 2 and first_lower:  # a lower-case abbreviation such as th.
            key = text
        return (lm_id, first_upper, len(text) > 1 and text.isupper(), first_lower, known, stop,
                key)

    def _text_ids(self, texts: list[str]) -> np.ndarray:
        """LM ids of token texts (``lm.ids(normalize(t))``), memoised across documents."""
        cache = self._tok_ids
        miss = [t for t in texts if t not in cache]
        if miss:
            if len(cache) > 500_000:  # bound the memo (a new vocabulary: start again)
                cache.clear()
                miss = texts
            miss = list(dict.fromkeys(miss))
            cache.update(zip(miss, self.lm.ids([self.normalize(t) for t in miss]).tolist(),
                             strict=True))
        return np.fromiter((cache[t] for t in texts), dtype=np.int64, count=len(texts))

    # ---- per-word cache -----------------------------------------------------------------
    def word_lists(self, word: str
                   ) -> tuple[tuple[str, ...], np.ndarray, np.ndarray, np.ndarray] | None:
        """The thesaurus part of :meth:`word_info`: ``(candidate surfaces, link weights,
        number of single-word alternatives of each candidate, whether ``word`` is among
        them)``, or None when the word has no candidate. From the shipped candidate table
        (:mod:`urai.lang.candidates`) when it has the word, else computed."""
        table = self._table
        if table is not None:
            hit = table.get(word)
            if hit is not None:
                return hit if hit[0] else None
        if not ((len(word) > 1 and word.isalpha()) or "-" in word or word.endswith(".")):
            return None
        zipf = self.frequency.zipf
        scored = []
        seen = set()
        for a in self.thesaurus.alternatives(word):
            s = a.surface
            if " " in s or s == word or s in seen or not s:
                continue
            seen.add(s)
            zs = zipf(s)
            if zs >= self.min_zipf:
                scored.append((-zs, len(scored), a))
        scored.sort()
        alts = [a for _, _, a in scored[: self.max_candidates]]
        if not alts:
            return None
        surfaces = tuple(a.surface for a in alts)
        fan = np.empty(len(surfaces), dtype=np.int64)
        rev = np.empty(len(surfaces), dtype=bool)
        for k, s in enumerate(surfaces):
            back = self.back_set(s)
            fan[k] = len(back)
            rev[k] = word in back
        return surfaces, np.array([a.weight for a in alts], dtype=np.float64), fan, rev

    def back_set(self, surface: str) -> frozenset[str]:
        """The single-word thesaurus alternatives of a candidate ``surface``: how many there
        are is its fan-out, and whether the observed word is among them its reverse link.
        From the candidate table when it has them, else computed."""
        table = self._table
        if table is not None:
            got = table.back_set(surface)
            if got is not None:
                return got
        return frozenset(b.surface for b in self.thesaurus.alternatives(surface)
                         if " " not in b.surface)

    def word_info(self, word: str) -> tuple | None:
        """Cached ``(surfaces, ids, zipf_delta, weights, zipf_obs, is_function, fan_out,
        reverse_edge)`` or None."""
        try:
            return self._info[word]
        except KeyError:
            pass
        info = None
        lists = self.word_lists(word)
        if lists is not None:
            surfaces, wt, fan, rev = lists
            zipf = self.frequency.zipf
            zo = zipf(word)
            ids = self._text_ids(list(surfaces))  # memoised: a crawl meets the same candidates
            zd = np.array([zipf(s) for s in surfaces], dtype=np.float64) - zo
            info = (surfaces, ids, zd, wt, zo, float(word in self.stopwords),
                    np.array([math.log1p(int(c)) for c in fan]), rev.astype(np.float64))
        if len(self._info) >= 2_000_000:  # bound the memo on a long crawl: start again
            self._info.clear()
        self._info[word] = info
        return info

    def is_known(self, word: str) -> bool:
        """Known to the frequency list or stopwords (used for the language check)."""
        k = self._known.get(word)
        if k is None:
            k = word in self.stopwords or self.frequency.zipf(word) >= 1.0
            if len(self._known) >= 2_000_000:
                self._known.clear()
            self._known[word] = k
        return k

    # ---- analysis -----------------------------------------------------------------------
    def analyse(self, tokens: list[Token]) -> Analysis:
        """Candidates and their feature rows for every mutable position of ``tokens``."""
        seq, tok_seq, tok_sent, spans = build_sequence(
            tokens, str, self._text_ids, self.bos, self.eos
        )
        starts = set()
        title_case: set[int] = set()  # tokens of Title Case Headlines: capitals are no names
        for a, b in spans:
            ws = [t for t in range(a, b) if tokens[t].kind == "word"]
            if len(ws) >= 3 and sum(tokens[t].text[0].isupper() for t in ws) >= 0.7 * len(ws):
                title_case.update(ws)
            for t in range(a, b):
                if tokens[t].kind != "space":
                    if tokens[t].kind in ("word", "num", "abbr", "other"):
                        starts.add(t)
                        break
                    # quotes/dashes may open a sentence: the first word after them is initial
                    continue
        pos_tok: list[int] = []
        infos: list[tuple] = []
        n_words = 0
        n_known = 0
        n_stop = 0
        stop = self.stopwords
        info_of = self.word_info
        known = self.is_known
        for t, tok in enumerate(tokens):
            if tok.kind != "word":
                if tok.kind == "abbr" and tok.text[0].islower():
                    info = info_of(tok.text)  # th. -> tahun
                    if info is not None:
                        pos_tok.append(t)
                        infos.append(info)
                continue
            n_words += 1
            text = tok.text
            w = text.lower()
            if known(w):
                n_known += 1
                if w in stop:
                    n_stop += 1
            if text[0].isupper() and (
                (t not in starts and t not in title_case) or (len(text) > 1 and text.isupper())
            ):
                continue  # a name (or an acronym)
            info = info_of(w)
            if info is not None:
                pos_tok.append(t)
                infos.append(info)
        m = len(pos_tok)
        nf = ev.N_FEATURES
        if m == 0:
            empty_i = np.zeros(0, dtype=np.int64)
            return Analysis(tokens, n_words, n_known, n_stop, seq, empty_i, empty_i, empty_i,
                            np.zeros(1, dtype=np.int64), empty_i, [], empty_i,
                            np.zeros((0, nf)), empty_i)
        ptok = np.asarray(pos_tok, dtype=np.int64)
        pseq = tok_seq[ptok]
        psent = tok_sent[ptok]
        counts = np.fromiter((len(i[0]) for i in infos), dtype=np.int64, count=m)
        ptr = np.zeros(m + 1, dtype=np.int64)
        np.cumsum(counts, out=ptr[1:])
        n = int(ptr[-1])
        cand_ids = np.concatenate([i[1] for i in infos])
        zd = np.concatenate([i[2] for i in infos])
        wt = np.concatenate([i[3] for i in infos])
        zo = np.fromiter((i[4] for i in infos), dtype=np.float64, count=m)
        fw = np.fromiter((i[5] for i in infos), dtype=np.float64, count=m)
        cand_words = [s for i in infos for s in i[0]]
        owner = np.repeat(np.arange(m), counts)

        obs_ids = seq[pseq].copy()
        X = np.empty((n, nf), dtype=np.float64)
        X[:, ev.ZIPF_DELTA] = zd
        X[:, ev.ZIPF_OBS] = zo[owner]
        X[:, ev.WEIGHT] = wt
        X[:, ev.FUNCTION_WORD] = fw[owner]
        X[:, ev.LOG_ALTS] = np.log1p(counts)[owner]
        X[:, ev.OBS_UNKNOWN] = (obs_ids == self.unk).astype(np.float64)[owner]
        X[:, ev.CAND_FANOUT] = np.concatenate([i[6] for i in infos])
        X[:, ev.REVERSE_EDGE] = np.concatenate([i[7] for i in infos])
        an = Analysis(tokens, n_words, n_known, n_stop, seq, ptok, pseq, psent, ptr, cand_ids,
                      cand_words, owner, X, obs_ids)
        self.fill_lm(an, seq, unigrams=True)
        return an

    def fill_cloze(self, an: Analysis, context: np.ndarray,
                   near: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> None:
        """(Re)compute the cloze columns of ``an.X``: all positions, or only the positions
        ``sel`` of ``near = (sel, rows, row_slot)`` (their candidate rows, and for each row
        its index into ``sel``), as :meth:`fill_lm` computed them."""
        X = an.X
        if self.cloze is None:
            X[:, ev.CLOZE_DELTA : ev.CLOZE_BEST + 1] = 0.0
            return
        ptr = an.cand_ptr
        if near is None:
            d = self.cloze.delta(context, an.pos_seq, an.obs_ids, an.cand_ids, an.cand_pos)
            X[:, ev.CLOZE_DELTA] = d
        else:
            sel, rows, row_slot = near
            X[rows, ev.CLOZE_DELTA] = self.cloze.delta(context, an.pos_seq[sel], an.obs_ids[sel],
                                            an.cand_ids[rows], row_slot)
            d = X[:, ev.CLOZE_DELTA]
        X[:, ev.CLOZE_RELU0] = np.maximum(d, 0.0)
        dmax = np.maximum.reduceat(d, ptr[:-1])
        X[:, ev.CLOZE_BEST] = (d >= dmax[an.cand_pos]).astype(np.float64)

    def fill_lm(self, an: Analysis, context: np.ndarray, unigrams: bool = False,
                near: np.ndarray | None = None) -> None:
        """(Re)compute the LM columns of ``an.X`` with neighbours taken from ``context``.

        ``near`` (seq indexes of the words changed in ``context``): recompute only the
        positions whose trigram windows contain one of them.

        ``context`` is ``an.seq`` on the first pass; the decoder passes the sequence with its
        restorations applied, so spun neighbours no longer spoil a word's evidence.
        """
        m = an.n_mutable
        pseq, owner, X = an.pos_seq, an.cand_pos, an.X
        if near is None:
            all_pos = np.concatenate([pseq, pseq[owner]])
            all_ids = np.concatenate([an.obs_ids, an.cand_ids])
            local, uni = self._local_scores(context, all_pos, all_ids, unigrams)
            delta = local[m:] - local[:m][owner]
            self.fill_cloze(an, context)
        else:
            sel = near_positions(pseq, near, len(context))
            delta = X[:, ev.LM_DELTA].copy()
            if len(sel):
                rows = np.concatenate([np.arange(an.cand_ptr[j], an.cand_ptr[j + 1])
                                       for j in sel])
                k = len(sel)
                all_pos = np.concatenate([pseq[sel], pseq[owner[rows]]])
                all_ids = np.concatenate([an.obs_ids[sel], an.cand_ids[rows]])
                local, _ = self._local_scores(context, all_pos, all_ids, False)
                slot = np.full(m, -1, dtype=np.int64)
                slot[sel] = np.arange(k)
                row_slot = slot[owner[rows]]
                delta[rows] = local[k:] - local[:k][row_slot]
                self.fill_cloze(an, context, (sel, rows, row_slot))
        X[:, :ev.N_LM_TERMS] = ev.lm_terms(delta)
        if unigrams:
            X[:, ev.UNI_DELTA] = uni[m:] - uni[:m][owner]
            X[:, ev.UNI_OBS] = uni[:m][owner]
        X[:, ev.FW_LM_DELTA] = delta * X[:, ev.FUNCTION_WORD]
        counts = np.diff(an.cand_ptr)
        n_better = np.bincount(owner, weights=(delta > 0).astype(np.float64), minlength=m)
        X[:, ev.LM_RANK] = (n_better / counts)[owner]
        dmax = np.maximum.reduceat(delta, an.cand_ptr[:-1])
        X[:, ev.LM_BEST] = (delta >= dmax[owner]).astype(np.float64)


    def _local_scores(
        self, seq: np.ndarray, pos: np.ndarray, ids: np.ndarray, unigrams: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """Sum of log10 P over the three trigram windows containing ``ids`` placed at ``pos``,
        and the unigram log10 P of ``ids`` (one LM call)."""
        k = len(pos)
        rows = np.empty((3 * k, 3), dtype=np.int64)
        left2, left1 = seq[pos - 2], seq[pos - 1]
        right1, right2 = seq[pos + 1], seq[pos + 2]
        rows[:k, 0], rows[:k, 1], rows[:k, 2] = left2, left1, ids
        rows[k : 2 * k, 0], rows[k : 2 * k, 1], rows[k : 2 * k, 2] = left1, ids, right1
        rows[2 * k : 3 * k, 0], rows[2 * k : 3 * k, 1] = ids, right1
        rows[2 * k : 3 * k, 2] = right2
        lp = self.lm.logprob_ids(rows, use_kernel=self.accelerate)
        third = np.where(right1 == self.eos, 0.0, lp[2 * k : 3 * k])
        uni = self.lm.unigram_logprobs(ids) if unigrams else lp[:0]
        return lp[:k] + lp[k : 2 * k] + third, uni


class _ReferenceScoring:
    """An LM's numpy reference scoring (``use_kernel=False``), for an engine that runs the
    reference everywhere (the decoder only calls ``logprob_ids``)."""

    __slots__ = ("lm",)

    def __init__(self, lm: Any) -> None:
        self.lm = lm

    def logprob_ids(self, rows: np.ndarray) -> np.ndarray:
        return self.lm.logprob_ids(rows, use_kernel=False)


def near_positions(pseq: np.ndarray, near: np.ndarray, n: int) -> np.ndarray:
    """Indexes ``j`` of the slots ``pseq[j]`` that have a changed word (``near``, indexes
    into a sequence of length ``n``) one or two places away on either side: the slots whose
    trigram windows see a different context (a slot's own word is not its context).
    Linear in the document, where the pairwise distance matrix was quadratic."""
    if not len(near):
        return near
    hit = np.zeros(n + 4, dtype=bool)
    hit[np.asarray(near) + 2] = True
    q = pseq + 2
    return np.flatnonzero(hit[q - 2] | hit[q - 1] | hit[q + 1] | hit[q + 2])
