"""The document-aware re-scorer: a second-stage model over the first pass's evidence.

The token model (:mod:`urai.detect.features`) scores each (position, candidate) row from the
word's context alone, the same in every text. In a text that looks spun much more is known:
how spun the text is, how the other occurrences of the same word fared, whether the
candidate already occurs in the text unchanged, whether the observed word is far more
frequent here than a text of this length would have it (a spinner writes ``serta`` for every
``dan``), whether the expected common word is missing altogether. The re-scorer is a
model over those facts and the first-pass logit (boosted depth-2 trees, :class:`TreeModel`,
or a logistic regression), trained on urai's **own**
spinner in farm mode (directed dictionaries drawn from urai's thesaurus) and random mode on
IndoSum folds 01-04, cross-fitted (features of each half computed with an LM trained on the
other half; ``python -m urai.build.train_rescorer``). Its output is the log-odds that the row
is the original of a swapped word, so in the adaptive decoding pass of a document that looks
spun (:meth:`urai.detect.detector.Detector._analyse`) it replaces the token logit, and the
change cost is the trained ``threshold`` of ``rescorer.json``.

Features (:data:`RESCORE_FEATURES`, one row per candidate row of the analysis):

==================== ==========================================================================
z                    the first-pass token logit of the row
z_margin             ``z`` minus the position's best logit (0 for the best)
z_gap                for the position's best row: its lead over the second best (capped at 10)
is_best              the row is its position's best
rho_logit            log-odds of the document's expected spun share (first pass)
z_x_rho              ``z * rho_logit``
type_others          log(1 + other occurrences of the same observed word with this candidate)
type_sum             sum over those occurrences of ``clip(z - TYPE_CENTER, +-TYPE_CAP)``
type_mean            ``type_sum`` per other occurrence
type_best            share of those occurrences whose best candidate is this one
obs_count            log of the observed word's count in the text
obs_excess           log((count + 0.5) / (expected natural count + 0.5)) of the observed word
cand_seen            log(1 + count of the candidate in the text, unchanged)
cand_missing         log(1 + expected count of the candidate) when it does not occur at all
uni_delta ...        token features (:data:`urai.detect.evidence.TOKEN_FEATURES`) again, for
                     their interactions with the document's facts
log_words            log of the number of word tokens (short texts)
==================== ==========================================================================
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from urai.detect.doclevel import DocBias, TypeGroups, candidate_counts, type_groups
from urai.detect.evidence import (
    CAND_FANOUT,
    CLOZE_BEST,
    CLOZE_DELTA,
    FUNCTION_WORD,
    LM_BEST,
    LM_DELTA,
    LM_RANK,
    LOG_ALTS,
    OBS_UNKNOWN,
    REVERSE_EDGE,
    UNI_DELTA,
    UNI_OBS,
    WEIGHT,
    ZIPF_DELTA,
    ZIPF_OBS,
    Analysis,
)
from urai.detect.features import LogisticModel
from urai.errors import ResourceError
from urai.lang import id as lang_id

__all__ = ["RESCORE_FEATURES", "Rescorer", "TreeModel", "rescore_features", "default_rescorer",
           "load_rescorer", "RESCORER_PATH", "TYPE_CENTER", "TYPE_CAP"]

RESCORER_PATH = Path(lang_id.DETECTOR_PATH).parent / "rescorer.json"
#: an occurrence's first-pass logit above this counts for its type, below against it
TYPE_CENTER = -2.0
TYPE_CAP = 4.0
#: rows whose first-pass logit is below this are not re-scored (they keep it: far below any
#: change cost and the decoder's margin, they can neither change nor compete)
SCORE_FLOOR = -5.0

RESCORE_FEATURES: tuple[str, ...] = (
    "z", "z_margin", "z_gap", "is_best", "rho_logit", "z_x_rho",
    "type_others", "type_sum", "type_mean", "type_best",
    "obs_count", "obs_excess", "cand_seen", "cand_missing",
    "uni_delta", "zipf_delta", "zipf_obs", "weight", "function_word", "lm_delta",
    "cloze_delta", "reverse_edge", "obs_unknown", "log_words",
    "log_alts", "lm_rank", "lm_best", "cloze_best", "cand_fanout",
)
_TYPE_FEATURES = ("type_others", "type_sum", "type_mean", "type_best")
_TOKEN_COLUMNS = {"uni_delta": UNI_DELTA, "zipf_delta": ZIPF_DELTA, "zipf_obs": ZIPF_OBS,
                  "weight": WEIGHT, "function_word": FUNCTION_WORD, "lm_delta": LM_DELTA,
                  "cloze_delta": CLOZE_DELTA, "reverse_edge": REVERSE_EDGE,
                  "obs_unknown": OBS_UNKNOWN, "log_alts": LOG_ALTS, "lm_rank": LM_RANK,
                  "lm_best": LM_BEST, "cloze_best": CLOZE_BEST, "cand_fanout": CAND_FANOUT}


def rescore_features(an: Analysis, z: np.ndarray, rho: float, unk: int = -1,
                     groups: TypeGroups | None = None, rows: np.ndarray | None = None
                     ) -> tuple[np.ndarray, np.ndarray]:
    """``(F, others)``: the :data:`RESCORE_FEATURES` matrix of the candidate ``rows`` of
    ``an`` (default: all) given every row's logit ``z`` and the document's expected spun
    share ``rho``, and per row the number of other occurrences of its (observed, candidate)
    type. Position and type statistics are over all rows."""
    n = len(z)
    r = np.arange(n) if rows is None else np.asarray(rows, dtype=np.int64)
    F = np.zeros((len(r), len(RESCORE_FEATURES)))
    if n == 0 or not len(r):
        return F, np.zeros(len(r), dtype=np.int64)
    col = {f: i for i, f in enumerate(RESCORE_FEATURES)}
    ptr = an.cand_ptr
    zmax = np.maximum.reduceat(z, ptr[:-1])
    cnt = np.diff(ptr)
    # best and second best of each position
    best_row = np.minimum.reduceat(np.where(z == zmax[an.cand_pos], np.arange(n), n), ptr[:-1])
    masked = z.copy()
    masked[best_row] = -np.inf
    second = np.where(cnt > 1, np.maximum.reduceat(masked, ptr[:-1]), zmax - 10.0)
    pos = an.cand_pos[r]
    zr = z[r]
    is_best = r == best_row[pos]
    rho = float(np.clip(rho, 1e-3, 0.999))
    rl = float(np.log(rho / (1.0 - rho)))
    F[:, col["z"]] = zr
    F[:, col["z_margin"]] = zr - zmax[pos]
    F[:, col["z_gap"]] = np.where(is_best, np.minimum(zmax[pos] - second[pos], 10.0), 0.0)
    F[:, col["is_best"]] = is_best
    F[:, col["rho_logit"]] = rl
    F[:, col["z_x_rho"]] = zr * rl
    g = groups if groups is not None else type_groups(an, unk)
    ev = np.clip(z - TYPE_CENTER, -TYPE_CAP, TYPE_CAP)
    sums = np.bincount(g.inv, weights=ev, minlength=len(g.counts))
    all_best = np.zeros(n)
    all_best[best_row] = 1.0
    best_in = np.bincount(g.inv, weights=all_best, minlength=len(g.counts))
    gi = g.inv[r]
    others = g.counts[gi] - 1
    tsum = sums[gi] - ev[r]
    F[:, col["type_others"]] = np.log1p(others)
    F[:, col["type_sum"]] = tsum
    F[:, col["type_mean"]] = tsum / np.maximum(others, 1)
    F[:, col["type_best"]] = (best_in[gi] - is_best) / np.maximum(others, 1)
    expected, seen, k_o = candidate_counts(an, r, with_observed=True)
    nw = max(an.n_words, 1)
    Xr = an.X[r]
    exp_obs = nw * np.power(10.0, Xr[:, UNI_OBS])
    known = g.known[r]
    F[:, col["obs_count"]] = np.log(k_o)
    F[:, col["obs_excess"]] = np.where(known, np.log((k_o + 0.5) / (exp_obs + 0.5)), 0.0)
    F[:, col["cand_seen"]] = np.where(known, np.log1p(seen), 0.0)
    F[:, col["cand_missing"]] = np.where(known & (seen == 0), np.log1p(expected), 0.0)
    for name, c in _TOKEN_COLUMNS.items():
        F[:, col[name]] = Xr[:, c]
    F[:, col["log_words"]] = np.log(nw)
    return F, others


@dataclass(frozen=True, slots=True)
class TreeModel:
    """Boosted depth-2 regression trees over named features: the log-odds is ``bias`` plus,
    per tree ``t``, ``leaf[t, 2 * (x[f0] > t0) + (x[f] > t)]`` where ``(f, t)`` is the left
    child's split ``(f1, t1)`` when ``x[f0] <= t0`` and the right child's ``(f2, t2)`` else."""

    features: tuple[str, ...]
    split_feature: np.ndarray  # (T, 3) int: root, left child, right child
    split_value: np.ndarray  # (T, 3) float
    leaf: np.ndarray  # (T, 4)
    bias: float
    # derived once: the distinct (feature, threshold) splits (199 of the shipped 450), each
    # tree's three splits as indices into them, and the flat leaf table with its tree offsets
    _split_f: np.ndarray = field(init=False, repr=False, compare=False)
    _split_v: np.ndarray = field(init=False, repr=False, compare=False)
    _split_of: np.ndarray = field(init=False, repr=False, compare=False)
    _leaf_at: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        T = len(self.leaf)
        if self.split_feature.shape != (T, 3) or self.split_value.shape != (T, 3) \
                or self.leaf.shape != (T, 4):
            raise ValueError("tree model: inconsistent array shapes")
        if T and (self.split_feature.min() < 0
                  or self.split_feature.max() >= len(self.features)):
            raise ValueError("tree model: split feature out of range")
        key = np.stack([self.split_feature.ravel().astype(np.float64),
                        self.split_value.ravel()], axis=1)
        uniq, inv = np.unique(key, axis=0, return_inverse=True) if T else (
            np.zeros((0, 2)), np.zeros(0, dtype=np.int64))
        object.__setattr__(self, "_split_f", uniq[:, 0].astype(np.int64))
        object.__setattr__(self, "_split_v", np.ascontiguousarray(uniq[:, 1]))
        object.__setattr__(self, "_split_of",
                           np.ascontiguousarray(inv.reshape(T, 3).T.astype(np.intp)))
        object.__setattr__(self, "_leaf_at", (4 * np.arange(T, dtype=np.intp))[:, None])

    def logit(self, X: np.ndarray) -> np.ndarray:
        """All rows through all trees at once: every distinct split compared once (one
        ``(n, splits)`` comparison), each tree's root and its chosen child's result gathered
        from it, the leaves of an ``(n_trees, n)`` index matrix summed."""
        n = len(X)
        T = len(self.leaf)
        if n == 0 or not T:
            return np.full(n, self.bias)
        cmp = (X[:, self._split_f] > self._split_v).T  # (splits, n)
        root, left, right_child = self._split_of
        right = cmp[root]
        hi = np.where(right, cmp[right_child], cmp[left])
        idx = ((right.view(np.uint8) << 1) | hi.view(np.uint8)) + self._leaf_at
        return self.bias + np.take(self.leaf.ravel(), idx).sum(axis=0)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "trees", "features": list(self.features),
                "split_feature": self.split_feature.tolist(),
                "split_value": [[round(float(x), 6) for x in r] for r in self.split_value],
                "leaf": [[round(float(x), 6) for x in r] for r in self.leaf],
                "bias": round(float(self.bias), 8)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TreeModel:
        feats = tuple(d["features"])
        if len(set(feats)) != len(feats) or not set(feats) <= set(RESCORE_FEATURES):
            raise ValueError("tree model: features are not among RESCORE_FEATURES")
        # a file over fewer features: its split columns in today's layout
        at = np.array([RESCORE_FEATURES.index(f) for f in feats], dtype=np.int64)
        sf = np.asarray(d["split_feature"], dtype=np.int64).reshape(-1, 3)
        if len(sf) and (sf.min() < 0 or sf.max() >= len(feats)):
            raise ValueError("tree model: split feature out of range")
        return cls(RESCORE_FEATURES, at[sf],
                   np.asarray(d["split_value"], dtype=np.float64).reshape(-1, 3),
                   np.asarray(d["leaf"], dtype=np.float64).reshape(-1, 4), float(d["bias"]))


@dataclass(frozen=True, slots=True)
class Rescorer:
    """The shipped ``rescorer.json``: the model, its change cost and provenance."""

    model: LogisticModel | TreeModel
    threshold: float
    provenance: dict[str, Any] = field(default_factory=dict)

    def bias(self, an: Analysis, z: np.ndarray, rho: float, unk: int = -1,
             groups: TypeGroups | None = None, tie: float = 0.0) -> DocBias:
        """The re-scored logit of every row as a bias on ``z`` (``z + bias`` is the
        re-scorer's log-odds); the feature rows of the re-scored rows are kept for
        :meth:`type_term`."""
        # rows far below any change cost stay as they are (most rows)
        live = np.flatnonzero(z >= SCORE_FLOOR)
        F, others_live = rescore_features(an, z, rho, unk, groups, live)
        zeros = np.zeros(len(z))
        bias = zeros.copy()
        L = self.model.logit(F)
        if tie > 0.0 and len(live):
            # the occurrences of a type decided together: each row's log-odds moved towards
            # the mean of its (observed, candidate) type's rows, by ``tie``
            g = groups if groups is not None else type_groups(an, unk)
            gi = g.inv[live]
            m = np.bincount(gi, weights=L, minlength=len(g.counts))
            c = np.bincount(gi, minlength=len(g.counts))
            L = L + tie * (m[gi] / np.maximum(c[gi], 1) - L)
        bias[live] = L - z[live]
        others = np.zeros(len(z), dtype=np.int64)
        others[live] = others_live
        return DocBias(bias, zeros, zeros, others, None, None, F, live)

    def type_term(self, F: np.ndarray) -> np.ndarray:
        """What the other occurrences of each row's type added to its log-odds: the model
        on ``F`` minus the model with no other occurrence (for the reasons)."""
        if not len(F):
            return np.zeros(0)
        G = F.copy()
        for f in _TYPE_FEATURES:
            G[:, RESCORE_FEATURES.index(f)] = 0.0
        both = self.model.logit(np.vstack([F, G]))  # one call: the fixed cost once
        return both[:len(F)] - both[len(F):]

    def to_dict(self) -> dict[str, Any]:
        return {"format": "urai-rescorer", "version": 1, "model": self.model.to_dict(),
                "threshold": self.threshold, "provenance": self.provenance}

    def save(self, path: Path | str) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), ensure_ascii=False) + "\n",
                              encoding="utf-8")


def load_rescorer(path: Path | str | None = None) -> Rescorer:
    """Read a re-scorer file (the shipped one when ``path`` is None)."""
    p = Path(path) if path is not None else RESCORER_PATH
    try:
        d = json.loads(p.read_text(encoding="utf-8"))
        if d.get("format") != "urai-rescorer" or d.get("version") != 1:
            raise ValueError("not a urai re-scorer file (version 1)")
        m = d["model"]
        model = (TreeModel.from_dict(m) if m.get("kind") == "trees"
                 else LogisticModel.from_dict(m, RESCORE_FEATURES))
        return Rescorer(model, float(d["threshold"]), dict(d.get("provenance", {})))
    except FileNotFoundError:
        raise ResourceError(f"{p}: re-scorer weights not found; train them with "
                            "`python -m urai.build.train_rescorer`") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ResourceError(f"{p}: corrupt re-scorer weights ({exc})") from None


@lru_cache(maxsize=1)
def default_rescorer() -> Rescorer:
    """The shipped re-scorer, loaded once."""
    return load_rescorer(None)
