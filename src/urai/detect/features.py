"""Document features, logistic models and the shipped ``detector.json``.

The document score is a logistic regression over a handful of features computed from the
per-word evidence and the joint restoration; the same features are returned to users in
:attr:`urai.detect.detector.CheckResult.features` as the explanation of the score:

==================== ==========================================================================
feature              meaning
==================== ==========================================================================
changed_share        restored words / mutable words
changes_per_100      restored words per 100 word tokens
strong_per_100       restored words with confidence >= 0.9 per 100 words
mean_confidence      mean confidence of the restored words (0 if none)
expected_share       mean over mutable words of ``sigmoid(best logit)``: the expected share of
                     spun words, counting weak evidence too (spinners pick synonyms at random,
                     so many mildly odd words add up)
nonpreferred_share   share of mutable words for which the LM prefers some synonym by > 10x
lm_gain_per_word     log10 LM gain of the restored text over the observed text per word
top_mean_logit       mean of the 5 largest best-candidate logits (clipped to [-10, 10])
mutable_share        mutable words / word tokens
log_words            natural log of the number of word tokens
==================== ==========================================================================

:class:`LogisticModel` is a plain-numpy logistic regression (standardised inputs folded into
the raw weights at export), fitted by Newton's method with an L2 penalty
(:func:`fit_logistic`); only the weights ship, in ``urai/lang/id/data/detector.json``, with
the feature names and the training provenance.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from urai.detect.evidence import TOKEN_FEATURES, Analysis, Decoded, sigmoid
from urai.errors import ResourceError
from urai.lang import id as lang_id

__all__ = [
    "DOC_FEATURES",
    "LogisticModel",
    "DetectorModel",
    "doc_features",
    "fit_logistic",
    "load_detector_model",
    "default_detector_model",
    "DETECTOR_PATH",
]

DETECTOR_PATH = lang_id.DETECTOR_PATH

DOC_FEATURES: tuple[str, ...] = (
    "changed_share",
    "changes_per_100",
    "strong_per_100",
    "mean_confidence",
    "expected_share",
    "nonpreferred_share",
    "lm_gain_per_word",
    "top_mean_logit",
    "mutable_share",
    "log_words",
)


def doc_features(an: Analysis, dec: Decoded) -> np.ndarray:
    """The :data:`DOC_FEATURES` vector of one analysed and decoded document.

    Means are taken as numpy's sum over the count (what ``ndarray.mean`` computes, without
    its Python-level wrapper), and the top five logits summed one after the other as numpy
    sums fewer than eight numbers: the same bits, fewer numpy calls (they run right after
    the kernels, on cold caches). An analysis made by the compiled kernels gets the same
    sums from one kernel call (:meth:`urai.detect.kernels.EngineCore.doc_sums`)."""
    nw = max(an.n_words, 1)
    m = an.n_mutable
    core = an.kernels
    nc, s_conf, n09, s_sig, n_lm, top, n_top = (
        core.doc_sums(dec, an.lm_max) if core is not None and an.lm_max is not None
        else _sums(an, dec))
    f = np.zeros(len(DOC_FEATURES))
    f[0] = nc / max(m, 1)
    f[1] = 100.0 * nc / nw
    f[2] = 100.0 * float(n09) / nw
    f[3] = s_conf / nc if nc else 0.0
    if m:
        f[4] = s_sig / m
        f[5] = float(n_lm) / m
        f[7] = top / n_top
    else:
        f[7] = -10.0
    f[6] = dec.lm_gain / nw
    f[8] = m / nw
    f[9] = float(np.log(nw))
    return f


def _sums(an: Analysis, dec: Decoded) -> tuple[int, float, int, float, int, float, int]:
    """What :meth:`urai.detect.kernels.EngineCore.doc_sums` gives, in numpy: ``(changed,
    sum of their confidences, how many >= 0.9, sum of sigmoid(z_best), positions with an
    LM delta > 1, sum of the five largest z_best clipped to [-10, 10] in ascending order,
    how many)``; the same bits."""
    conf = dec.confidence[dec.choice >= 0]
    nc = len(conf)
    s_conf = float(np.add.reduce(conf)) if nc else 0.0
    if not an.n_mutable:
        return nc, s_conf, 0, 0.0, 0, 0.0, 0
    dmax = an.lm_max  # kept by the compiled kernels; else read (strided) from X
    if dmax is None:
        dmax = np.maximum.reduceat(an.X[:, 0], an.cand_ptr[:-1])
    top = np.sort(np.clip(dec.z_best, -10.0, 10.0))[-5:].tolist()
    total = 0.0
    for v in top:
        total += v
    # the sigmoid with libm's exp, as the kernel (numpy's exp may differ in the last bit)
    sig = np.array([1.0 / (1.0 + math.exp(-x))
                    for x in np.clip(dec.z_best, -50.0, 50.0).tolist()])
    return (nc, s_conf, int(np.count_nonzero(conf >= 0.9)),
            float(np.add.reduce(sig)) if len(sig) else 0.0,
            int(np.count_nonzero(dmax > 1.0)), total, len(top))


@dataclass(frozen=True, slots=True)
class LogisticModel:
    """``p = sigmoid(x @ weights + bias)`` over named features."""

    features: tuple[str, ...]
    weights: np.ndarray
    bias: float

    def logit(self, X: np.ndarray) -> np.ndarray:
        return X @ self.weights + self.bias

    def prob(self, X: np.ndarray) -> np.ndarray:
        return sigmoid(self.logit(X))  # type: ignore[return-value]

    def to_dict(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "weights": [round(float(w), 8) for w in self.weights],
            "bias": round(float(self.bias), 8),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any], expected: tuple[str, ...]) -> LogisticModel:
        feats = tuple(d["features"])
        w = np.asarray(d["weights"], dtype=np.float64)
        if w.shape != (len(feats),):
            raise ResourceError("detector model: weights and features differ in length")
        if feats != expected:
            if len(set(feats)) != len(feats) or not set(feats) <= set(expected):
                raise ResourceError(
                    f"detector model features {feats} do not match this urai version's "
                    f"{expected}; retrain with `python -m urai.build.train_detector`"
                )
            # a file from before some features existed: those weigh nothing
            full = dict(zip(feats, w.tolist(), strict=True))
            w = np.array([full.get(f, 0.0) for f in expected])
            feats = expected
        return cls(feats, w, float(d["bias"]))


def fit_logistic(
    X: np.ndarray,
    y: np.ndarray,
    features: tuple[str, ...],
    *,
    l2: float = 1.0,
    sample_weight: np.ndarray | None = None,
    iters: int = 50,
) -> LogisticModel:
    """L2-penalised logistic regression by Newton's method on standardised inputs."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    sw = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    mu = X.mean(axis=0)
    sd = X.std(axis=0)
    sd[sd < 1e-9] = 1.0
    Z = np.hstack([(X - mu) / sd, np.ones((len(X), 1))])
    w = np.zeros(Z.shape[1])
    reg = np.full(Z.shape[1], l2)
    reg[-1] = 0.0
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-np.clip(Z @ w, -50, 50)))
        g = Z.T @ (sw * (p - y)) + reg * w
        h = (Z * (sw * p * (1 - p))[:, None]).T @ Z + np.diag(reg) + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(h, g)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    raw = w[:-1] / sd
    bias = float(w[-1] - (mu * raw).sum())
    return LogisticModel(tuple(features), raw, bias)


@dataclass(frozen=True, slots=True)
class DetectorModel:
    """Everything ``detector.json`` holds: both models, decision thresholds, provenance."""

    token: LogisticModel
    doc: LogisticModel
    change_threshold: float  # logit a change must exceed (the per-change cost)
    max_candidates: int
    provenance: dict[str, Any]

    @property
    def uses_cloze(self) -> bool:
        """The token model weighs the cloze features (:mod:`urai.lang.cloze` must be loaded)."""
        return any(f.startswith("cloze") and w != 0.0
                   for f, w in zip(self.token.features, self.token.weights, strict=True))

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": "urai-detector",
            "version": 1,
            "token_model": self.token.to_dict(),
            "doc_model": self.doc.to_dict(),
            "change_threshold": self.change_threshold,
            "max_candidates": self.max_candidates,
            "provenance": self.provenance,
        }

    def save(self, path: Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=1, ensure_ascii=False) + "\n",
                              encoding="utf-8")


def load_detector_model(path: Path | str | None = None) -> DetectorModel:
    """Read ``detector.json`` (the shipped one when ``path`` is None)."""
    p = Path(path) if path is not None else DETECTOR_PATH
    try:
        d = json.loads(p.read_text(encoding="utf-8"))
        if d.get("format") != "urai-detector":
            raise ValueError("not a urai detector file")
        return DetectorModel(
            LogisticModel.from_dict(d["token_model"], TOKEN_FEATURES),
            LogisticModel.from_dict(d["doc_model"], DOC_FEATURES),
            float(d["change_threshold"]),
            int(d.get("max_candidates", 20)),
            dict(d.get("provenance", {})),
        )
    except FileNotFoundError:
        raise ResourceError(
            f"{p}: detector weights not found; train them with "
            "`python -m urai.build.train_detector`"
        ) from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ResourceError(f"{p}: corrupt detector weights ({exc})") from None


@lru_cache(maxsize=1)
def default_detector_model() -> DetectorModel:
    """The shipped detector weights, loaded once."""
    return load_detector_model(None)
