"""A small neural *cloze* model: which word fits a slot, given two words on either side.

The trigram LM (:mod:`urai.lang.lm`) scores a word through the three windows that contain it; on
~1.9M tokens of training text its counts are sparse and much of its evidence backs off to
unigrams. The cloze model sees both sides at once and shares strength between similar words
through embeddings, so its evidence is complementary (on held-out training articles the two
deltas correlate at ~0.76 and together they detect more substituted words at the same
precision than either alone; see ``docs/benchmarks/check_notes.md``).

Model (trained by :mod:`urai.build.train_cloze`, weights in ``urai/lang/id/data/cloze.npz``)::

    x = [E[w-2]; E[w-1]; E[w+1]; E[w+2]]          E: (V_in + 1, d), last row = "no word"
    h = relu(x @ W1 + b1)                          W1: (4d, H)
    score(c) = U[c] . h + ub[c]                    U: (V_out, H)

``score(c) - score(w)`` is ``ln P(c | context) - ln P(w | context)`` (the softmax normaliser
cancels), reported in log10 units like the LM delta. Only words that can be observed or
proposed as mutable words need an output row, so ``U`` covers that subset of the input
vocabulary; a word without a row gets no cloze evidence (delta 0).

Inference is plain numpy: one ``(slots x 4d) @ (4d x H)`` product per document plus a dot
product per (slot, candidate) row.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from urai import kernels
from urai.errors import ResourceError, resource_errors
from urai.lang import id as lang_id

__all__ = ["ClozeModel", "BoundCloze", "default_cloze", "load_cloze", "CLOZE_PATH"]

CLOZE_PATH = lang_id.CLOZE_PATH
_LN10 = float(np.log(10.0))


class ClozeModel:
    """Weights of a cloze model and its two vocabularies (input words, output words)."""

    def __init__(self, vocab_in: list[str], out_words: list[str], E: np.ndarray,
                 W1: np.ndarray, b1: np.ndarray, U: np.ndarray, ub: np.ndarray,
                 meta: dict[str, Any] | None = None) -> None:
        d = E.shape[1]
        if E.shape[0] != len(vocab_in) + 1 or W1.shape != (4 * d, b1.shape[0]) or \
                U.shape != (len(out_words), b1.shape[0]) or ub.shape != (len(out_words),):
            raise ResourceError("cloze model: inconsistent weight shapes")
        self.vocab_in = vocab_in
        self.out_words = out_words
        self.E = E.astype(np.float32)
        self.W1 = W1.astype(np.float32)
        self.b1 = b1.astype(np.float32)
        self.U = U.astype(np.float32)
        self.ub = ub.astype(np.float32)
        self.meta = meta or {}

    @property
    def pad(self) -> int:
        return len(self.vocab_in)

    def info(self) -> dict[str, Any]:
        return {"vocab_in": len(self.vocab_in), "vocab_out": len(self.out_words),
                "dim": int(self.E.shape[1]), "hidden": int(self.b1.shape[0]), **self.meta}

    def save(self, path: str | Path) -> Path:
        """Write the model as float16 weights (``np.savez_compressed``)."""
        import json

        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            p, format=np.array("urai-cloze-1"), vocab_in=np.array("\n".join(self.vocab_in)),
            out_words=np.array("\n".join(self.out_words)), E=self.E.astype(np.float16),
            W1=self.W1.astype(np.float16), b1=self.b1.astype(np.float16),
            U=self.U.astype(np.float16), ub=self.ub.astype(np.float16),
            meta=np.array(json.dumps(self.meta)))
        return p

    @classmethod
    def load(cls, path: str | Path) -> ClozeModel:
        import json

        p = Path(path)
        with resource_errors(p, "cloze model"), np.load(p) as z:
            if "format" not in z or str(z["format"]) != "urai-cloze-1":
                raise ResourceError(f"{p}: not a urai cloze model (format urai-cloze-1)")
            return cls(str(z["vocab_in"]).split("\n"), str(z["out_words"]).split("\n"),
                       z["E"], z["W1"], z["b1"], z["U"], z["ub"], json.loads(str(z["meta"])))

    def bind(self, lm_vocab: list[str]) -> BoundCloze:
        """A scorer that takes ids of a language model with vocabulary ``lm_vocab`` (two id
        maps, ~10 ms to build; an :class:`urai.detect.engine.Engine` builds one and keeps it)."""
        return BoundCloze(self, lm_vocab)


class BoundCloze:
    """A :class:`ClozeModel` whose inputs are ids of one LM vocabulary."""

    #: candidate rows per block in :meth:`delta` (bounds memory on book-length texts)
    block_rows = 1 << 16

    def __init__(self, model: ClozeModel, lm_vocab: list[str]) -> None:
        self.model = model
        idx_in = {w: i for i, w in enumerate(model.vocab_in)}
        idx_out = {w: i for i, w in enumerate(model.out_words)}
        unk = idx_in.get("<unk>", 0)
        #: LM id -> input row (unknown words -> <unk>); one extra entry maps -1 to "no word"
        self.in_map = np.array([idx_in.get(w, unk) for w in lm_vocab] + [model.pad],
                               dtype=np.int64)
        #: LM id -> output row or -1
        self.out_map = np.array([idx_out.get(w, -1) for w in lm_vocab], dtype=np.int64)

    def hidden(self, seq: np.ndarray, pos: np.ndarray) -> np.ndarray:
        """Hidden states of the slots at indexes ``pos`` of an LM id sequence ``seq``
        (:func:`urai.detect.engine.build_sequence` layout: -1 marks "no word")."""
        m = self.model
        ctx = np.stack([seq[pos - 2], seq[pos - 1], seq[pos + 1], seq[pos + 2]], axis=1)
        ctx = self.in_map[np.where(ctx < 0, len(self.in_map) - 1, ctx)]
        h = m.E[ctx].reshape(len(pos), -1) @ m.W1
        h += m.b1
        return np.maximum(h, 0.0, out=h)

    def delta(self, seq: np.ndarray, pos: np.ndarray, obs_ids: np.ndarray,
              cand_ids: np.ndarray, owner: np.ndarray) -> np.ndarray:
        """log10 P(candidate | context) - log10 P(observed | context) for every candidate row
        (``owner[r]`` = the slot of row ``r``; slots at ``pos`` hold ``obs_ids``)."""
        if len(cand_ids) == 0:
            return np.zeros(0)
        m = self.model
        h = self.hidden(seq, pos)
        ro = self.out_map[obs_ids]
        rc = self.out_map[cand_ids]
        so = np.einsum("ij,ij->i", m.U[np.maximum(ro, 0)], h) + m.ub[np.maximum(ro, 0)]
        # one (rows x hidden) gather per block of candidate rows: a book-length text would
        # otherwise gather ~20 x 256 floats per word at once (each row's dot is independent)
        rcc = np.maximum(rc, 0)
        B = self.block_rows
        sc = np.concatenate([
            np.einsum("ij,ij->i", m.U[rcc[i : i + B]], h[owner[i : i + B]]) + m.ub[rcc[i : i + B]]
            for i in range(0, len(rc), B)])
        d = (sc - so[owner]).astype(np.float64) / _LN10
        return np.where((rc >= 0) & (ro[owner] >= 0), d, 0.0)

    def kernel(self) -> Any:
        """The compiled form of this scorer (``urai._core.Cloze``; the same model, float16
        output rows on AVX2/F16C), or None without the kernels (:mod:`urai.kernels`)."""
        c = kernels.core() if kernels.enabled() else None
        if c is None:
            return None
        m = self.model
        a = np.ascontiguousarray
        return c.Cloze(a(m.E), a(m.W1), a(m.b1), a(m.U), a(m.ub),
                       a(self.in_map, dtype=np.int64), a(self.out_map, dtype=np.int64),
                       int(m.E.shape[1]), a(m.U.astype(np.float16)))


def load_cloze(path: str | Path | None = None) -> ClozeModel:
    """The cloze model at ``path`` (the shipped one when None)."""
    if path is None:
        return default_cloze()
    return ClozeModel.load(path)


@lru_cache(maxsize=1)
def default_cloze() -> ClozeModel:
    """The shipped cloze model (``urai/lang/id/data/cloze.npz``), loaded once."""
    if not CLOZE_PATH.is_file():
        raise ResourceError(
            f"{CLOZE_PATH}: the shipped cloze model is missing; build it with "
            "`python -m urai.build.train_cloze` (needs `pip install 'urai[train]'`)"
        )
    return ClozeModel.load(CLOZE_PATH)
