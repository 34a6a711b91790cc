"""The evidence a check works on: the per-candidate feature columns and the two shared
result types of the detect wing, :class:`Analysis` (what :mod:`urai.detect.engine` computes
for a document) and :class:`Decoded` (what :mod:`urai.detect.decode` chooses).

This is the leaf of the detect wing: the engine, the decoder, the document features and the
kernel bindings all import it, and it imports none of them. The column layout of
``Analysis.X`` is defined here once, by name (:data:`TOKEN_FEATURES`, and one constant per
column below); the compiled kernels write the same layout (``csrc/urai_core.h``) and
``urai._core.feature_columns()`` gives it by name, which :func:`check_kernel_columns` compares
before the kernels are used.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from urai.lang.tokenize import Token

__all__ = ["TOKEN_FEATURES", "LM_KNOTS", "N_LM_TERMS", "N_FEATURES", "lm_terms", "Analysis",
           "Decoded", "sigmoid", "check_kernel_columns", "LM_DELTA", "UNI_DELTA", "UNI_OBS",
           "ZIPF_DELTA", "ZIPF_OBS", "WEIGHT", "FUNCTION_WORD", "LOG_ALTS", "FW_LM_DELTA",
           "OBS_UNKNOWN", "LM_RANK", "CAND_FANOUT", "REVERSE_EDGE", "LM_BEST", "CLOZE_DELTA",
           "CLOZE_RELU0", "CLOZE_BEST"]

#: hinge points of the piecewise-linear LM term (log10 units)
LM_KNOTS: tuple[float, ...] = (0.0, 1.0, 2.0, 3.0)
#: the first N_LM_TERMS token features are functions of the LM delta alone
N_LM_TERMS = 1 + len(LM_KNOTS)


def lm_terms(d: np.ndarray) -> np.ndarray:
    """``[d, relu(d - k) for k in LM_KNOTS]`` as columns (shape ``d.shape + (N_LM_TERMS,)``)."""
    d = np.asarray(d, dtype=np.float64)
    return np.stack([d, *(np.maximum(d - k, 0.0) for k in LM_KNOTS)], axis=-1)

#: names of the per-candidate features, in the order of :attr:`Analysis.X`
TOKEN_FEATURES: tuple[str, ...] = (
    "lm_delta",  # log10 LM gain of the candidate over the observed word (3 windows)
    "lm_relu0",  # max(lm_delta, 0) and the hinges below: a piecewise-linear LM term, so
    "lm_relu1",  # that a 10^4 gain (``serangan hawa`` -> ``udara``) counts for much more
    "lm_relu2",  # than a 10x one
    "lm_relu3",
    "uni_delta",  # LM unigram log10 P(candidate) - log10 P(observed) (news-domain frequency)
    "uni_obs",  # LM unigram log10 P(observed)
    "zipf_delta",  # zipf(candidate) - zipf(observed)
    "zipf_obs",  # zipf(observed)
    "weight",  # thesaurus weight of the link (1.0 mythes/function words, 0.5 Wordnet, ...)
    "function_word",  # observed word is an Indonesian stopword
    "log_alts",  # log(1 + number of candidates)
    "fw_lm_delta",  # lm_delta for function words (closed-class swaps behave differently)
    "obs_unknown",  # observed word is unknown to the LM
    "lm_rank",  # share of candidates the LM prefers over the observed word
    "cand_fanout",  # log(1 + single-word alternatives of the candidate): a spinner picks the
    #                 observed word among them, so P(observed | candidate) ~ 1 / fan-out
    "reverse_edge",  # the observed word is among the candidate's own alternatives
    "lm_best",  # the candidate has the largest LM delta of its position
    "cloze_delta",  # log10 gain of the candidate under the cloze model (urai.lang.cloze): both
    "cloze_relu0",  # sides of the slot at once; max(cloze_delta, 0)
    "cloze_best",  # the candidate has the largest cloze delta of its position
)

N_FEATURES = len(TOKEN_FEATURES)
# one constant per column of Analysis.X (the names of TOKEN_FEATURES, upper case)
LM_DELTA = TOKEN_FEATURES.index("lm_delta")  # 0; columns 1-4 are lm_terms' hinges
UNI_DELTA = TOKEN_FEATURES.index("uni_delta")
UNI_OBS = TOKEN_FEATURES.index("uni_obs")
ZIPF_DELTA = TOKEN_FEATURES.index("zipf_delta")
ZIPF_OBS = TOKEN_FEATURES.index("zipf_obs")
WEIGHT = TOKEN_FEATURES.index("weight")
FUNCTION_WORD = TOKEN_FEATURES.index("function_word")
LOG_ALTS = TOKEN_FEATURES.index("log_alts")
FW_LM_DELTA = TOKEN_FEATURES.index("fw_lm_delta")
OBS_UNKNOWN = TOKEN_FEATURES.index("obs_unknown")
LM_RANK = TOKEN_FEATURES.index("lm_rank")
CAND_FANOUT = TOKEN_FEATURES.index("cand_fanout")
REVERSE_EDGE = TOKEN_FEATURES.index("reverse_edge")
LM_BEST = TOKEN_FEATURES.index("lm_best")
CLOZE_DELTA = TOKEN_FEATURES.index("cloze_delta")  # the cloze columns are 0 without a model
CLOZE_RELU0 = TOKEN_FEATURES.index("cloze_relu0")
CLOZE_BEST = TOKEN_FEATURES.index("cloze_best")


def check_kernel_columns(columns: Mapping[str, int]) -> None:
    """Raise RuntimeError unless the compiled kernels' column layout (``{name: column}``
    from ``urai._core.feature_columns()``, with ``n_columns``) is this module's, name by name
    (the LM hinge columns follow ``lm_delta`` and are derived in both)."""
    want = {name: i for i, name in enumerate(TOKEN_FEATURES)
            if not name.startswith("lm_relu")}
    got = {k: int(v) for k, v in columns.items() if k != "n_columns"}
    if got != want or int(columns.get("n_columns", -1)) != N_FEATURES:
        diff = sorted(set(got.items()) ^ set(want.items()))
        raise RuntimeError(f"urai._core's evidence columns differ from "
                           f"urai.detect.evidence.TOKEN_FEATURES: {diff}; rebuild urai")


@dataclass(slots=True)
class Analysis:
    """Evidence for one document (arrays over mutable positions ``m`` and candidates ``n``).

    ``cand_ptr`` is a CSR pointer: the candidates of position ``j`` are rows
    ``cand_ptr[j]:cand_ptr[j + 1]`` of ``cand_ids``/``cand_words``/``X``.
    """

    tokens: Sequence[Token]
    n_words: int  # word tokens in the document
    n_known: int  # word tokens known to the frequency list or the stopword list
    n_stop: int  # word tokens that are Indonesian stopwords
    seq: np.ndarray  # LM ids of the document, sentences laid out as [-1, <s>, w.., </s>, </s>]
    pos_tok: np.ndarray  # (m,) token index of each mutable position
    pos_seq: np.ndarray  # (m,) index into seq
    pos_sent: np.ndarray  # (m,) sentence number
    cand_ptr: np.ndarray  # (m + 1,)
    cand_ids: np.ndarray  # (n,) LM ids of candidates
    cand_words: list[str]  # (n,) candidate surfaces (lower case)
    cand_pos: np.ndarray  # (n,) owning position
    X: np.ndarray  # (n, len(TOKEN_FEATURES))
    obs_ids: np.ndarray  # (m,) LM ids of the observed words
    #: (n,) the token model's logit of every row, kept up to date with X by the compiled
    #: kernels (None: the caller computes it from X)
    z: np.ndarray | None = None
    #: (m,) each position's largest LM delta (``X[:, 0]`` over its rows), kept up to date by
    #: the compiled kernels (None: read from X)
    lm_max: np.ndarray | None = None
    #: the compiled kernels that made this analysis (a
    #: :class:`urai.detect.kernels.EngineCore`; None: the reference code), which also serve
    #: its document-level helpers (:mod:`urai.detect.doclevel`)
    kernels: Any = None
    #: the compiled kernels' memo of re-scored evidence (:meth:`EngineCore.refill
    #: <urai.detect.kernels.EngineCore.refill>`), made on the first re-scoring
    memo: Any = None

    @property
    def n_mutable(self) -> int:
        return len(self.pos_tok)


@dataclass(slots=True)
class Decoded:
    """Decisions per mutable position (arrays of length ``analysis.n_mutable``)."""

    choice: np.ndarray  # candidate row chosen (index into analysis candidates) or -1
    confidence: np.ndarray  # confidence of the change (0 where unchanged)
    z_best: np.ndarray  # best candidate logit per position
    best: np.ndarray  # best candidate row per position
    lm_gain: float  # log10 LM gain of the restored document over the observed one


def sigmoid(x: np.ndarray | float) -> np.ndarray | float:
    """Numerically safe logistic function."""
    if isinstance(x, float):
        return 1.0 / (1.0 + math.exp(-max(min(x, 50.0), -50.0)))
    return 1.0 / (1.0 + np.exp(-np.clip(x, -50.0, 50.0)))
