"""The compiled kernels (``urai._core``) bound to a detect engine.

urai's algorithms are written in Python and numpy (:mod:`urai.lang.tokenize`,
:mod:`urai.detect.engine`, :mod:`urai.detect.decode`, :mod:`urai.lang.cloze`,
:mod:`urai.lang.lm`); those modules are the reference. ``urai._core`` computes the same things
without a Python object per token:

* :class:`urai.lang.lm.NgramLM` scoring (``logprob_ids``): the same backoff rule and the
  model's own float32 numbers, so scores are identical;
* the cloze model's deltas: the same model, summed in another order (float32 rounding,
  ~1e-6 relative);
* tokenising, the sequence layout, the mutable positions and every evidence column of
  :meth:`urai.detect.engine.Engine.analyse` (the layout of :mod:`urai.detect.evidence`,
  checked name by name), and the evidence refresh of the decoding rounds;
* the joint decoder (:func:`urai.detect.decode.decode`).

Whether they run is decided once, by :mod:`urai.kernels` (``URAI_PURE_PYTHON``) and the
engine's own ``accelerate`` flag (:class:`urai.detect.detector.Detector`); an engine that does
not use them runs the reference for everything, its LM scoring included.

A detector may be shared by threads: an analyser serves one document at a time (threads
wait for it with the GIL released), the LM tables are read-only. Memory stays bounded on long
crawls: the per-text record table starts again past a million texts, and words without
candidates are forgotten past two million.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, overload

import numpy as np

from urai.detect import evidence as ev
from urai.detect.evidence import Analysis, Decoded
from urai.kernels import available, core, enabled, status
from urai.lang.tokenize import Token

__all__ = ["core", "available", "enabled", "status", "lm_kernel", "EngineCore", "token_spans",
           "LazyTokens", "LazyWords", "tree_logit"]

_KINDS = ("word", "num", "abbr", "punct", "other", "space")


def tree_logit(model: Any, X: np.ndarray) -> np.ndarray | None:
    """:meth:`urai.detect.rescore.TreeModel.logit` of the rows of ``X`` by the compiled
    kernel (bit for bit the same), or None when the kernels are off or not built (the caller
    then runs its numpy code)."""
    c = core() if enabled() else None
    return None if c is None else _trees(c.tree_logit, model, X)


def _trees(kernel: Any, model: Any, X: np.ndarray) -> np.ndarray:
    """``kernel`` (``urai._core.tree_logit``) over the rows of ``X``; one row (or none) in
    numpy, which sums a single row's leaves pairwise (the kernel adds them in tree order,
    as numpy does for two rows or more)."""
    X = np.ascontiguousarray(X, dtype=np.float64)
    f, v, leaf = model.split_feature, model.split_value, model.leaf
    if len(X) < 2:
        if not len(X) or not len(leaf):
            return np.full(len(X), model.bias)
        x = X[0]
        right = x[f[:, 0]] > v[:, 0]
        hi = np.where(right, x[f[:, 2]] > v[:, 2], x[f[:, 1]] > v[:, 1])
        return np.array([model.bias + np.add.reduce(leaf[np.arange(len(leaf)),
                                                         2 * right + hi])])
    out = np.empty(len(X))
    kernel(np.ascontiguousarray(X.T), np.ascontiguousarray(f, dtype=np.int64),
           np.ascontiguousarray(v, dtype=np.float64),
           np.ascontiguousarray(leaf, dtype=np.float64), float(model.bias), out)
    return out


def lm_kernel(lm: Any) -> Any:
    """The C scoring tables of an LM (:meth:`urai.lang.lm.NgramLM.kernel`)."""
    return lm.kernel()


def _cloze_kernel(bound: Any) -> Any:
    """The C form of a bound cloze model (:meth:`urai.lang.cloze.BoundCloze.kernel`)."""
    return bound.kernel()


class LazyTokens(Sequence["Token"]):
    """The tokens of a text as the C tokeniser found them; a :class:`~urai.lang.tokenize.Token`
    is made only when one is looked at (most never are)."""

    __slots__ = ("text", "arr")

    def __init__(self, text: str, arr: np.ndarray) -> None:
        self.text = text
        self.arr = arr  # (n, 3): start, end, kind

    def __len__(self) -> int:
        return len(self.arr)

    @overload
    def __getitem__(self, i: int) -> Token: ...

    @overload
    def __getitem__(self, i: slice) -> list[Token]: ...

    def __getitem__(self, i: int | slice) -> Token | list[Token]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        n = len(self.arr)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(i)
        s, e, k = self.arr[i].tolist()
        nxt = int(self.arr[i + 1, 0]) if i + 1 < n else len(self.text)
        ws = "" if k == 5 else self.text[e:nxt]
        return Token(self.text[s:e], s, e, _KINDS[k], ws)

    def __iter__(self) -> Iterator[Token]:
        for i in range(len(self)):
            yield self[i]


def token_spans(tokens: Sequence[Token], idx: Sequence[int]) -> list[tuple[int, int]]:
    """``(start, end)`` of the tokens at ``idx`` (without making Token objects for the
    compiled tokeniser's tokens)."""
    if isinstance(tokens, LazyTokens):
        return [tuple(r) for r in tokens.arr[np.asarray(idx, dtype=np.int64), :2].tolist()]
    return [(tokens[i].start, tokens[i].end) for i in idx]


class LazyWords(Sequence[str]):
    """Candidate surfaces of an analysis: indexes into the analyser's surface pool."""

    __slots__ = ("pool", "src")

    def __init__(self, pool: list[str], src: np.ndarray) -> None:
        self.pool = pool
        self.src = src

    def __len__(self) -> int:
        return len(self.src)

    @overload
    def __getitem__(self, i: int) -> str: ...

    @overload
    def __getitem__(self, i: slice) -> list[str]: ...

    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [self.pool[int(k)] for k in self.src[i]]
        return self.pool[int(self.src[i])]


class EngineCore:
    """The compiled kernels bound to one :class:`urai.detect.engine.Engine` (its LM, cloze model
    and per-word lookups)."""

    def __init__(self, engine: Any) -> None:  # a urai.detect.engine.Engine
        c = core()
        ev.check_kernel_columns(c.feature_columns())
        self.engine = engine
        self.lm = lm_kernel(engine.lm)
        if self.lm is None:
            raise RuntimeError("the compiled kernels cannot take this language model")
        self.cloze = _cloze_kernel(engine.cloze) if engine.cloze is not None else None
        tm = engine.token_model
        self.analyzer = c.Analyzer(
            self.lm, self.cloze, engine.resolve_token, engine.word_info, engine.bos, engine.eos,
            engine.unk, np.log1p(np.arange(257, dtype=np.int64)),
            None if tm is None else np.ascontiguousarray(tm.weights, dtype=np.float64),
            0.0 if tm is None else float(tm.bias))
        self._decode = c.decode
        self._doc_groups, self._type_term, self._id_counts = (c.doc_groups, c.type_term,
                                                              c.id_counts)
        self._tree_logit = c.tree_logit
        self._doc_sums = c.doc_sums

    def analyse(self, text: str) -> Analysis:
        (n_words, n_known, n_stop, toks, seq, pos_tok, pos_seq, pos_sent, ptr, cids, src, X,
         obs, z, lm_max, cand_pos) = self.analyzer.analyse(text)
        i64 = np.int64
        cand_ptr = np.frombuffer(ptr, dtype=i64)
        src_a = np.frombuffer(src, dtype=i64)
        return Analysis(
            LazyTokens(text, np.frombuffer(toks, dtype=i64).reshape(-1, 3)),
            n_words, n_known, n_stop, np.frombuffer(seq, dtype=i64),
            np.frombuffer(pos_tok, dtype=i64), np.frombuffer(pos_seq, dtype=i64),
            np.frombuffer(pos_sent, dtype=i64), cand_ptr, np.frombuffer(cids, dtype=i64),
            LazyWords(self.analyzer.surfaces, src_a),  # type: ignore[arg-type]
            np.frombuffer(cand_pos, dtype=i64),
            np.frombuffer(X, dtype=np.float64).reshape(-1, ev.N_FEATURES),
            np.frombuffer(obs, dtype=i64),
            None if z is None else np.frombuffer(z, dtype=np.float64),
            np.frombuffer(lm_max, dtype=np.float64), self)

    # ---- document-level helpers (urai.detect.doclevel's reference, in one pass each) ------
    def type_groups(self, an: Analysis, unk: int
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(inv, counts, known)`` of :func:`urai.detect.doclevel.type_groups` (groups
        numbered by first appearance instead of by sorted key: the same partition)."""
        n = len(an.cand_ids)
        inv = np.empty(n, dtype=np.int64)
        counts = np.empty(n, dtype=np.int64)
        known = np.empty(n, dtype=np.bool_)
        g = self._doc_groups(an.obs_ids, an.cand_pos, an.cand_ids, an.X, int(unk), inv, counts,
                             known)
        return inv, counts[:g], known

    def type_term(self, inv: np.ndarray, counts: np.ndarray, z: np.ndarray, center: float,
                  cap: float, weight: float) -> tuple[np.ndarray, np.ndarray]:
        """``(type_term, others)`` of :func:`urai.detect.doclevel.document_bias`."""
        n = len(z)
        term = np.empty(n)
        others = np.empty(n, dtype=np.int64)
        self._type_term(inv, counts, np.ascontiguousarray(z, dtype=np.float64), float(center),
                        float(cap), float(weight), term, others)
        return term, others

    def id_counts(self, seq: np.ndarray, of: np.ndarray) -> np.ndarray:
        """How often each id of ``of`` occurs among the ids >= 0 of ``seq`` (float64)."""
        out = np.empty(len(of))
        self._id_counts(seq, np.ascontiguousarray(of, dtype=np.int64), out)
        return out

    def doc_sums(self, dec: Decoded, lm_max: np.ndarray
                 ) -> tuple[int, float, int, float, int, float, int]:
        """The sums and counts of :func:`urai.detect.features.doc_features` in one call:
        ``(changed, sum of their confidences, how many >= 0.9, sum of sigmoid(z_best),
        positions with lm_max > 1, sum of the five largest z_best clipped to [-10, 10],
        how many)``; numpy's pairwise sums and sort order (the sigmoid's exp is libm's,
        which can differ from numpy's in the last bit)."""
        m = len(dec.choice)
        return self._doc_sums(dec.choice, dec.confidence, dec.z_best, lm_max,
                              np.empty(max(m, 1)))

    def tree_logit(self, model: Any, X: np.ndarray) -> np.ndarray:
        """:meth:`urai.detect.rescore.TreeModel.logit` of the rows of ``X``: the same
        comparisons and the trees' leaves added as numpy adds them, so the same bits."""
        return _trees(self._tree_logit, model, X)

    def refill(self, an: Analysis, context: np.ndarray, near: np.ndarray,
               memo: bool = True) -> None:
        """Re-score the positions next to the changed seq indexes ``near`` against
        ``context`` (:meth:`urai.detect.engine.Engine.fill_lm`). A position's new evidence
        depends only on its own rows and its four neighbours, so the analysis keeps a memo of
        what was computed against which neighbours (``an.memo``): when a later re-scoring
        (the adaptive pass) puts the same neighbours around a position, its rows are copied
        from there. Exact: the copied rows are the ones the computation gives. ``memo``
        False: no memo is made (writing it costs more than it saves when no re-scoring
        follows); one made earlier is still used."""
        use = memo
        memo = an.memo
        if memo is None and use and an.z is not None and an.lm_max is not None:
            m, n = an.n_mutable, len(an.cand_ids)
            memo = an.memo = (np.empty(4 * m, dtype=np.int64), np.empty(n * ev.N_FEATURES),
                              np.empty(n), np.empty(m), np.zeros(m, dtype=np.uint8))
        self.analyzer.refill(an.X, np.ascontiguousarray(context, dtype=np.int64), an.pos_seq,
                             an.obs_ids, an.cand_ptr, an.cand_ids,
                             np.ascontiguousarray(near, dtype=np.int64), an.z, an.lm_max, memo)

    def decode(self, an: Analysis, z: np.ndarray, *, threshold: float, w_lm: np.ndarray,
               margin: float, context: np.ndarray | None) -> Decoded:
        m = an.n_mutable
        choice = np.empty(m, dtype=np.int64)
        best = np.empty(m, dtype=np.int64)
        conf = np.empty(m)
        z_best = np.empty(m)
        if m == 0:
            return Decoded(choice, conf, z_best, best, 0.0)
        ctx = an.seq if context is None else np.ascontiguousarray(context, dtype=np.int64)
        gain = self._decode(self.lm, np.ascontiguousarray(z, dtype=np.float64),
                            np.ascontiguousarray(an.X), an.cand_ptr, an.cand_ids, an.pos_seq,
                            an.seq, ctx, np.ascontiguousarray(w_lm, dtype=float),
                            float(threshold), float(margin), int(self.engine.eos), choice,
                            conf, z_best, best)
        return Decoded(choice, conf, z_best, best, float(gain))
