"""Fast document-level screening: is a text spun? No word marks, no restoration.

:func:`urai.check` weighs up to 20 synonyms of every word with a trigram LM and a cloze model
and decodes the restoration jointly. That runs at ~1,000 documents per second per core (with
the compiled kernels; ~100 on the Python reference). :func:`screen` answers only the document
question, about 1.5 times as fast again (~1,400-1,700 per core,
``benchmarks/bench_screen.py``), for sorting very large crawls and picking the documents
worth a full :func:`urai.check`.

It looks at the same two kinds of evidence as the full check, with less of each:

* **frequency**: a spinner swaps words for synonyms at random, so a spun text is full of
  words that have a much more common synonym (``lantaran`` for ``karena``, ``bakal`` for
  ``akan``). Per mutable word (lower-case, with a single-word thesaurus alternative, as in
  :mod:`urai.detect.engine`) the zipf gain of its most frequent synonym;
* **context**: the trigram LM gain of the best of the word's :data:`TOP_CANDIDATES` most
  frequent synonyms over the observed word, in the three windows around it. All of a
  document's windows go to the LM in one call.

:data:`SCREEN_FEATURES` are shares and means of these over the document. A logistic model
(``urai/lang/id/data/screen.json``, trained by :mod:`urai.build.train_screen` on IndoSum folds
01-04 spun by urai's own spinner, with held-out LMs) turns them into ``spun_probability``.
Its ``spun`` threshold was chosen on held-out training articles only.

Text handling is simpler than the full check: words are found by one regular expression,
sentence boundaries are ignored, and only lower-case words are candidates. Capitalised words
(names, sentence starts) are context only.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from urai.detect.detector import CheckConfig, Detector, default_detector, prepare_text, refuse
from urai.detect.engine import Engine
from urai.detect.features import LogisticModel
from urai.errors import ConfigError, ResourceError
from urai.lang import id as lang_id
from urai.lang.freq import default_frequency
from urai.lang.id import default_stopwords
from urai.lang.lm import load_lm
from urai.lang.thesaurus import default_thesaurus

__all__ = ["SCREEN_FEATURES", "TOP_CANDIDATES", "SCREEN_PATH", "ScreenResult", "ScreenModel",
           "Screener", "ScreenFeatures", "Cascade", "screen", "default_screener",
           "load_screen_model"]

SCREEN_PATH = lang_id.SCREEN_PATH

#: synonyms per word scored with the LM (the most frequent ones). Chosen on training folds
#: only (fitted on half A, validated on half B spun by the evaluation spinner, threshold at
#: the 0.997 quantile of A's clean scores): F1 at 10 / 20 % and false positives on B's clean
#: articles were 0.385 / 0.943 / 1.75 % for 1, 0.418 / 0.947 / 1.25 % for 2, 0.428 / 0.942 /
#: 1.00 % for 3 and 0.433 / 0.941 / 1.25 % for 5. Rule: the fewest (each costs LM rows) within
#: 0.01 of the best F1 at 20 % and 0.5 points of the best false-positive rate.
TOP_CANDIDATES = 2

SCREEN_FEATURES: tuple[str, ...] = (
    "freq_gain_over_1",   # share of mutable words with a synonym > 1 zipf more frequent
    "freq_gain_over_2",
    "freq_gain_over_3",
    "mean_freq_gain",     # mean of that largest zipf gain, clipped to [0, 5]
    "mutable_share",      # mutable words / words
    "rare_share_3",       # share of mutable words with zipf < 3
    "rare_share_4",
    "log_words",
    "lm_gain_over_0.5",   # share of mutable words where a synonym is > 10^0.5 x likelier (LM)
    "lm_gain_over_1",
    "lm_gain_over_2",
    "mean_lm_gain",       # mean best LM gain (log10), clipped to [-3, 4]
)

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


@dataclass(frozen=True, slots=True)
class ScreenResult:
    """Outcome of :func:`screen` for one text (no word-level output: use :func:`urai.check`)."""

    spun_probability: float | None
    verdict: str  # spun | uncertain | clean | too_short | not_indonesian
    words: int
    features: Mapping[str, float] = field(default_factory=dict)
    #: the text that was screened (the extracted text for HTML input)
    text: str = field(default="", repr=False)
    html: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"spun_probability": None if self.spun_probability is None
                else round(self.spun_probability, 6),
                "verdict": self.verdict, "words": self.words,
                "features": {k: round(float(v), 6) for k, v in self.features.items()}}


@dataclass(frozen=True, slots=True)
class ScreenModel:
    """What ``screen.json`` holds: the logistic model, its thresholds and provenance."""

    doc: LogisticModel
    spun_threshold: float
    provenance: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"format": "urai-screen", "version": 1, "doc_model": self.doc.to_dict(),
                "spun_threshold": self.spun_threshold, "provenance": self.provenance}

    def save(self, path: Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=1, ensure_ascii=False) + "\n",
                              encoding="utf-8")


def load_screen_model(path: Path | str | None = None) -> ScreenModel:
    """Read ``screen.json`` (the shipped one when ``path`` is None)."""
    p = Path(path) if path is not None else SCREEN_PATH
    try:
        d = json.loads(p.read_text(encoding="utf-8"))
        if d.get("format") != "urai-screen":
            raise ValueError("not a urai screen file")
        th = float(d["spun_threshold"])
        if not 0.0 < th < 1.0:
            raise ValueError(f"spun_threshold {th} is not in (0, 1)")
        return ScreenModel(LogisticModel.from_dict(d["doc_model"], SCREEN_FEATURES), th,
                           dict(d.get("provenance", {})))
    except FileNotFoundError:
        raise ResourceError(
            f"{p}: screen weights not found; train them with `python -m urai.build.train_screen`"
        ) from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ResourceError(f"{p}: corrupt screen weights ({exc})") from None


class Screener:
    """Document-level spun/clean screening over an LM, a thesaurus and ``screen.json``.

    ``lm`` may be an :class:`urai.lang.lm.NgramLM` or a path (default: the shipped LM);
    ``config`` (a :class:`urai.detect.detector.CheckConfig`) gives the ``too_short`` /
    ``not_indonesian`` limits and the ``clean`` threshold; the ``spun`` threshold is
    ``spun_threshold`` when given, else the config's ``spun_threshold`` when set, else the
    trained one (``screen.json``). Reusable; caches per-word work.
    """

    def __init__(self, *, lm: Any = None, config: Any = None, model: Any = None,
                 spun_threshold: float | None = None) -> None:
        if config is None:
            config = CheckConfig()
        if not isinstance(config, CheckConfig):
            raise ConfigError(f"config must be a CheckConfig, got {type(config).__name__}")
        self.config = config
        if model is None or isinstance(model, (str, Path)):
            model = default_screen_model() if model is None else load_screen_model(model)
        self.model = model
        if spun_threshold is None:  # the config's, else the trained one
            spun_threshold = config.spun_threshold
        th = model.spun_threshold if spun_threshold is None else spun_threshold
        if isinstance(th, bool) or not isinstance(th, (int, float)) or not 0.0 < th <= 1.0:
            raise ConfigError(f"spun_threshold must be in (0, 1], got {spun_threshold!r}")
        if config.clean_threshold > th:
            raise ConfigError(f"clean_threshold ({config.clean_threshold}) must not exceed "
                              f"the screen's spun threshold ({th})")
        self.spun_threshold = float(th)
        self.extract = ScreenFeatures(lm)

    def prepare(self) -> Screener:
        """Build the LM's compiled tables now (as :meth:`urai.Detector.prepare`)."""
        self.extract.engine.lm.kernel()
        return self

    def check(self, text: str, *, html: bool | None = None) -> ScreenResult:
        """Screen one text (plain or HTML; ``html=None`` detects HTML)."""
        text, is_html = prepare_text(text, html, "screen")
        cfg = self.config
        f, n, n_known, n_stop = self.extract.features(text)
        feats = dict(zip(SCREEN_FEATURES, (float(x) for x in f), strict=True))
        refusal = refuse(feats, n, n_known, n_stop, cfg)
        if refusal is not None:
            return ScreenResult(None, refusal, n, feats, text, is_html)
        p = float(self.model.doc.prob(f[None, :])[0])
        verdict = ("spun" if p >= self.spun_threshold
                   else "clean" if p < cfg.clean_threshold else "uncertain")
        return ScreenResult(p, verdict, n, feats, text, is_html)


class ScreenFeatures:
    """The :data:`SCREEN_FEATURES` of texts over one LM (used by :class:`Screener` and by
    :mod:`urai.build.train_screen`); caches per-word work."""

    def __init__(self, lm: Any = None) -> None:

        if lm is None or isinstance(lm, (str, Path)):
            lm = load_lm(lm)
        self.engine = Engine(lm, default_thesaurus(), default_frequency(), default_stopwords())
        self._memo: dict[str, tuple] = {}

    # ---- per-word memo ----------------------------------------------------------------
    def _word(self, word: str) -> tuple:
        """``(LM id, known, stopword, candidates)`` of a lower-case word, memoised;
        ``candidates`` is ``(top synonym ids, largest zipf gain, zipf of the word)`` or None."""
        eng = self.engine
        info = eng.word_info(word)
        cands = None if info is None else (info[1][:TOP_CANDIDATES], float(info[2].max()),
                                           info[4])
        rec = (int(eng.lm.ids([eng.normalize(word)])[0]), eng.is_known(word),
               word in eng.stopwords, cands)
        if len(self._memo) > 500_000:  # bound the memo (a new vocabulary: start again)
            self._memo.clear()
        self._memo[word] = rec
        return rec

    # ---- features -----------------------------------------------------------------------
    def features(self, text: str) -> tuple[np.ndarray, int, int, int]:
        """``(SCREEN_FEATURES vector, words, known words, stopwords)`` of plain ``text``."""
        raw = _WORD.findall(text)
        n = len(raw)
        f = np.zeros(len(SCREEN_FEATURES))
        if n == 0:
            return f, 0, 0, 0
        get = self._memo.get
        fill = self._word
        recs = [get(w) or fill(w) for w in map(str.lower, raw)]
        n_known = sum(r[1] for r in recs)
        n_stop = sum(r[2] for r in recs)
        f[7] = math.log(n)
        pos = [i for i, (w, r) in enumerate(zip(raw, recs, strict=True))
               if r[3] is not None and w.islower()]
        m = len(pos)
        f[4] = m / n
        if m == 0:
            return f, n, n_known, n_stop
        cands = [recs[i][3] for i in pos]
        ids = np.fromiter((r[0] for r in recs), dtype=np.int64, count=n)
        best = self._lm_gain(ids, pos, [c[0] for c in cands])
        zda = np.fromiter((c[1] for c in cands), dtype=np.float64, count=m)
        zoa = np.fromiter((c[2] for c in cands), dtype=np.float64, count=m)
        f[0] = (zda > 1).mean()
        f[1] = (zda > 2).mean()
        f[2] = (zda > 3).mean()
        f[3] = np.clip(zda, 0.0, 5.0).mean()
        f[5] = (zoa < 3).mean()
        f[6] = (zoa < 4).mean()
        f[8] = (best > 0.5).mean()
        f[9] = (best > 1.0).mean()
        f[10] = (best > 2.0).mean()
        f[11] = np.clip(best, -3.0, 4.0).mean()
        return f, n, n_known, n_stop

    def _lm_gain(self, ids: np.ndarray, pos: list[int], cid: list[np.ndarray]) -> np.ndarray:
        """Per mutable word: the largest LM gain (log10, three trigram windows) of one of its
        top synonyms over the observed word."""
        seq = np.concatenate([[-1, -1], ids, [-1, -1]])
        n = len(ids)
        m = len(pos)
        P = np.asarray(pos, dtype=np.int64) + 2
        counts = np.fromiter((len(c) for c in cid), dtype=np.int64, count=m)
        C = np.concatenate(cid)
        nc = len(C)
        owner = np.repeat(np.arange(m), counts)
        Pc = P[owner]
        # the observed word's three windows are the trigrams ending at P, P+1 and P+2 of the
        # observed text: score every trigram of the text once (n rows instead of 3m)
        j = np.arange(2, n + 2)
        rows = np.concatenate([
            np.stack([seq[j - 2], seq[j - 1], seq[j]], 1),
            np.stack([seq[Pc - 2], seq[Pc - 1], C], 1),
            np.stack([seq[Pc - 1], C, seq[Pc + 1]], 1),
            np.stack([C, seq[Pc + 1], seq[Pc + 2]], 1)])
        ok = rows[:, 2] >= 0  # windows running past the text end score 0 for both
        lp = np.zeros(len(rows))
        lp[ok] = self.engine.lm.logprob_ids(rows[ok], use_kernel=self.engine.accelerate)
        text_lp = np.zeros(n + 4)  # by position in seq; 0 past the end
        text_lp[2 : n + 2] = lp[:n]
        obs = text_lp[P] + text_lp[P + 1] + text_lp[P + 2]
        b = n
        cand = lp[b : b + nc] + lp[b + nc : b + 2 * nc] + lp[b + 2 * nc : b + 3 * nc]
        starts = np.zeros(m, dtype=np.int64)  # a word's candidates are contiguous
        np.cumsum(counts[:-1], out=starts[1:])
        return np.maximum.reduceat(cand - obs[owner], starts)


class Cascade:
    """Screen first, check fully only what the screen does not call clean.

    :meth:`check` returns the :class:`ScreenResult` when the screen's verdict is ``clean``,
    ``too_short`` or ``not_indonesian``, and otherwise the full
    :class:`~urai.detect.detector.CheckResult` (with word marks and restoration). On a crawl that is
    mostly clean text this costs about one screen per document plus one full check per
    suspicious one; ``benchmarks/bench_screen.py`` measures what it misses.
    """

    def __init__(self, screener: Screener | None = None, detector: Any = None) -> None:
        self.screener = screener if screener is not None else default_screener()
        self.detector = detector if detector is not None else default_detector()
        if not isinstance(self.screener, Screener):
            raise ConfigError(f"screener must be a Screener, got {type(screener).__name__}")
        if not isinstance(self.detector, Detector):
            raise ConfigError(f"detector must be a Detector, got {type(detector).__name__}")

    def prepare(self) -> Cascade:
        """Build the lazy tables now (see :meth:`urai.detect.detector.Detector.prepare`)."""
        self.screener.prepare()
        self.detector.prepare()
        return self

    def check(self, text: str, *, html: bool | None = None) -> Any:
        """The screen's result for texts it calls clean (or cannot judge), else a full check."""
        first = self.screener.check(text, html=html)
        if first.verdict in ("clean", "too_short", "not_indonesian"):
            return first
        return self.detector.check(first.text, html=False)


@lru_cache(maxsize=1)
def default_screen_model() -> ScreenModel:
    """The shipped screen weights, loaded once."""
    return load_screen_model(None)


@lru_cache(maxsize=1)
def default_screener() -> Screener:
    """A :class:`Screener` over the shipped resources, built once."""
    return Screener()


def screen(text: str, *, html: bool | None = None) -> ScreenResult:
    """Fast document-level verdict: is ``text`` spun? (no word marks; see :func:`urai.check`)"""
    return default_screener().check(text, html=html)
