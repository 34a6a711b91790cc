"""The compiled kernels (``urai._core``) behind the check pipeline, and the switch to them.

urai's algorithms are written in Python and numpy (:mod:`urai.tokenize`, :mod:`urai.detect`,
:mod:`urai.lattice`, :mod:`urai.cloze`, :mod:`urai.lm`); those modules are the reference.
``urai._core`` is a C extension, built at install time where a C compiler is available,
that computes the same things without a Python object per token:

* :class:`urai.lm.NgramLM` scoring (``logprob_ids``): the same backoff rule and the
  model's own float32 numbers, so scores are identical;
* the cloze model's deltas: the same model, summed in another order (float32 rounding,
  ~1e-6 relative);
* tokenising, the sequence layout, the mutable positions and every feature column of
  :meth:`urai.detect.Engine.analyse`, and the evidence refresh of the decoding rounds;
* the joint decoder (:func:`urai.lattice.decode`).

The Python layer stays the same: :class:`urai.check.Detector` calls
:meth:`~urai.detect.Engine.analyse_text`, :meth:`~urai.detect.Engine.refill` and
:meth:`~urai.detect.Engine.decode`, which use the kernels when they are there. Set
``URAI_PURE_PYTHON=1`` (or build a detector with ``accelerate=False``) to run the reference
code; ``urai resources`` says which one is in use. The tests compare both on hundreds of
documents.

A detector may be shared by threads: an analyser serves one document at a time (threads
wait for it with the GIL released), the LM tables are read-only. Memory stays bounded on long
crawls: the per-text record table starts again past a million texts, and words without
candidates are forgotten past two million.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, overload

import numpy as np

if TYPE_CHECKING:
    from urai.detect import Analysis, Engine
    from urai.lattice import Decoded
    from urai.tokenize import Token

__all__ = ["core", "available", "enabled", "status", "lm_kernel", "EngineCore", "token_spans"]

_KINDS = ("word", "num", "abbr", "punct", "other", "space")


def core() -> Any:
    """The ``urai._core`` extension module, or None when it was not built."""
    try:
        from urai import _core
    except ImportError:
        return None
    return _core


def available() -> bool:
    """The compiled kernels were built and import."""
    return core() is not None


def enabled() -> bool:
    """The kernels are available and not switched off by ``URAI_PURE_PYTHON``."""
    return available() and os.environ.get("URAI_PURE_PYTHON", "") in ("", "0")


def status() -> str:
    """One line for ``urai resources``: which implementation runs."""
    if not available():
        return ("Python/numpy reference (the C kernels were not built: install a C "
                "compiler and reinstall urai for ~10x faster checks)")
    if not enabled():
        return "Python/numpy reference (URAI_PURE_PYTHON is set)"
    return f"compiled C kernels (urai._core, {core().simd()} build)"


def lm_kernel(lm: Any) -> Any:
    """The C scoring tables of an :class:`urai.lm.NgramLM` (built once per model, kept on
    it), or None without the kernels or for an LM they cannot take."""
    if not enabled():
        return None
    got = getattr(lm, "_core_lm", None)
    if got is None:
        c = core()
        n = lm.order
        if not 2 <= n <= 8:
            return None
        keys, logp, bow = lm._keys, lm._logp, lm._bow  # noqa: SLF001 - same package
        got = c.LM(int(lm._bits), lm.vocab_size,
                   [np.ascontiguousarray(k, dtype=np.uint64) for k in keys],
                   [np.ascontiguousarray(x, dtype=np.float32) for x in logp],
                   [np.ascontiguousarray(x, dtype=np.float32) for x in bow],
                   [None] + [lm.value_codes(i) for i in range(1, n)])
        lm._core_lm = got
    return got


def _cloze_kernel(bound: Any) -> Any:
    """The C form of a :class:`urai.cloze.BoundCloze`."""
    m = bound.model
    c = np.ascontiguousarray
    return core().Cloze(c(m.E), c(m.W1), c(m.b1), c(m.U), c(m.ub),
                        c(bound.in_map, dtype=np.int64), c(bound.out_map, dtype=np.int64),
                        int(m.E.shape[1]), c(m.U.astype(np.float16)))


class LazyTokens(Sequence["Token"]):
    """The tokens of a text as the C tokeniser found them; a :class:`~urai.tokenize.Token`
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
        from urai.tokenize import Token

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
    """The compiled kernels bound to one :class:`urai.detect.Engine` (its LM, cloze model
    and per-word lookups)."""

    def __init__(self, engine: Engine) -> None:
        from urai.detect import TOKEN_FEATURES

        if len(TOKEN_FEATURES) != 21:  # the column layout csrc/analyse.c writes
            raise RuntimeError("urai._core does not match this urai's token features")
        c = core()
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

    def analyse(self, text: str) -> Analysis:
        from urai.detect import TOKEN_FEATURES, Analysis

        (n_words, n_known, n_stop, toks, seq, pos_tok, pos_seq, pos_sent, ptr, cids, src, X,
         obs, z, lm_max) = self.analyzer.analyse(text)
        i64 = np.int64
        cand_ptr = np.frombuffer(ptr, dtype=i64)
        counts = np.diff(cand_ptr)
        src_a = np.frombuffer(src, dtype=i64)
        return Analysis(
            LazyTokens(text, np.frombuffer(toks, dtype=i64).reshape(-1, 3)),
            n_words, n_known, n_stop, np.frombuffer(seq, dtype=i64),
            np.frombuffer(pos_tok, dtype=i64), np.frombuffer(pos_seq, dtype=i64),
            np.frombuffer(pos_sent, dtype=i64), cand_ptr, np.frombuffer(cids, dtype=i64),
            LazyWords(self.analyzer.surfaces, src_a),  # type: ignore[arg-type]
            np.repeat(np.arange(len(counts)), counts),
            np.frombuffer(X, dtype=np.float64).reshape(-1, len(TOKEN_FEATURES)),
            np.frombuffer(obs, dtype=i64),
            None if z is None else np.frombuffer(z, dtype=np.float64),
            np.frombuffer(lm_max, dtype=np.float64))

    def refill(self, an: Analysis, context: np.ndarray, near: np.ndarray) -> None:
        self.analyzer.refill(an.X, np.ascontiguousarray(context, dtype=np.int64), an.pos_seq,
                             an.obs_ids, an.cand_ptr, an.cand_ids,
                             np.ascontiguousarray(near, dtype=np.int64), an.z, an.lm_max)

    def decode(self, an: Analysis, z: np.ndarray, *, threshold: float, w_lm: np.ndarray,
               margin: float, context: np.ndarray | None) -> Decoded:
        from urai.lattice import Decoded

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
