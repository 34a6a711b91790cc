"""Check and restore: is a text machine-spun, which words were swapped, what did it say?

>>> import urai
>>> r = urai.check(text)                      # doctest: +SKIP
>>> r.verdict, round(r.spun_probability, 2)   # doctest: +SKIP
('spun', 0.99)
>>> [(s.observed, s.suggestion) for s in r.substitutions][:2]   # doctest: +SKIP
[('hawa', 'udara'), ('lantaran', 'karena')]
>>> urai.restore(text)                        # doctest: +SKIP

Pipeline (one document): tokenise with exact offsets -> per-word evidence over the lattice of
thesaurus alternatives (:mod:`urai.detect.engine`) -> joint restoration per sentence with a
per-change cost (:mod:`urai.detect.decode`) -> document features and a calibrated logistic score
(:mod:`urai.detect.features`) -> verdict; a document that looks spun is then decoded again with a
*document-adaptive* per-change cost (:meth:`Detector.adaptive_threshold`): a spinner swaps a
share of the words at random, so in a spun text every odd word is more likely a swap. In that
pass the soft document bias of :mod:`urai.detect.doclevel` (the other occurrences of a word
type, absent common words) is added to every logit; ``CheckConfig(rescore=True)`` lets the
document-aware re-scorer (:mod:`urai.detect.rescore`) decide every candidate from the first
pass's evidence and what the whole text says instead (an option: on fold 05 it restores 1-4
points more at farm over-correction <= 1 %, but it misses a text's consistent
``dan -> serta`` that the soft bias restores, see docs/benchmarks/restore.md).

Verdicts (thresholds in :class:`CheckConfig`):

* ``too_short``: fewer than ``min_words`` word tokens; no guess is made
  (``spun_probability`` is None, nothing is restored);
* ``not_indonesian``: fewer than ``min_known_share`` of the words are known Indonesian words
  (frequency list or stopwords) or fewer than ``min_stopword_share`` are Indonesian stopwords;
* ``spun`` when ``spun_probability >= spun_threshold`` (default 0.85, tuned on
  held-out training articles, see ``docs/benchmarks/check_notes.md``; 0.93 for texts under
  ``short_words`` = 150 words, ``short_spun_threshold``), ``clean`` when it is below
  ``clean_threshold`` (default 0.2), ``uncertain`` in between.

Restoration changes only the words it flags, keeping the input's layout, punctuation and
capitalisation (``Hawa`` -> ``Udara``). With ``restore_clean=False`` (the default) a text
judged ``clean`` keeps every word: the per-word evidence then gives way to the document
score, which keeps over-correction of clean text near zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from urai.detect.doclevel import (
    CountModel,
    DocBias,
    choice_shift,
    document_bias,
    em_spin_rate,
    type_groups,
)
from urai.detect.engine import Engine
from urai.detect.evidence import N_LM_TERMS
from urai.detect.explain import Substitution, substitutions
from urai.detect.features import (
    DOC_FEATURES,
    default_detector_model,
    doc_features,
    load_detector_model,
)
from urai.detect.profile import (
    Profile,
    load_profile,
)
from urai.detect.profiled import apply_profile
from urai.detect.rescore import Rescorer, default_rescorer, load_rescorer
from urai.errors import ConfigError, InputError
from urai.html import html_to_text, looks_like_html
from urai.lang.cloze import default_cloze, load_cloze
from urai.lang.freq import default_frequency
from urai.lang.id import default_stopwords
from urai.lang.lm import load_lm
from urai.lang.thesaurus import default_thesaurus

#: the evidence of an analysis as it was before decoding changed it: ``(X, z, lm_max)``
_Saved = tuple[np.ndarray, np.ndarray | None, np.ndarray | None]

__all__ = [
    "CheckConfig",
    "Substitution",
    "CheckResult",
    "Detector",
    "check",
    "restore",
    "default_detector",
    "detector_for",
    "VERDICTS",
    "DEFAULT_SPUN_THRESHOLD",
    "Profile",
]

VERDICTS = ("spun", "clean", "uncertain", "too_short", "not_indonesian")
#: the check's ``spun`` threshold, chosen on training folds only (docs/benchmarks/check_notes.md)
DEFAULT_SPUN_THRESHOLD = 0.85


def _num(name: str, value: Any, lo: float, hi: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
        raise ConfigError(f"{name} must be a number in [{lo}, {hi}], got {value!r}")


@dataclass(frozen=True, slots=True)
class CheckConfig:
    """Settings of :class:`Detector`; validated at creation (:class:`ConfigError`)."""

    min_words: int = 25
    min_known_share: float = 0.6
    min_stopword_share: float = 0.08
    #: ``spun`` at or above this probability (None: each model's own — 0.85 for the check,
    #: the trained value of ``screen.json`` for the screen); a number applies to both
    spun_threshold: float | None = None
    clean_threshold: float = 0.2
    #: a text of fewer than ``short_words`` words is ``spun`` only at or above
    #: ``short_spun_threshold`` (when that is higher): short clean texts reach a high spun
    #: probability more often (0.93: the smallest value at which at most 0.5 % of clean
    #: 5-sentence excerpts of held-out training articles are called spun,
    #: docs/benchmarks/restore.md); None: the spun threshold for every length
    short_words: int = 150
    short_spun_threshold: float | None = 0.93
    #: logit a word change must exceed (None: the trained value in ``detector.json``)
    change_threshold: float | None = None
    #: candidates per word (None: the trained value)
    max_candidates: int | None = None
    #: restore words even in texts judged clean
    restore_clean: bool = False
    #: decode a document that looks spun again with a document-adaptive change cost
    #: (:meth:`Detector.adaptive_threshold`)
    adaptive: bool = True
    #: ... when its first-pass spun probability is at least this
    adaptive_min_p: float = 0.5
    #: the adaptive cost is ``adaptive_offset + log((1 - rho) / rho)``, at least
    #: ``adaptive_floor`` (and at most the global change cost); -1.75 (was -2.0 before the
    #: document-level evidence) keeps over-correction within 1 % in farm and random mode on
    #: held-out training quarters (benchmarks/tune_doclevel.py --heldout)
    adaptive_offset: float = -1.75
    adaptive_floor: float = -3.0
    #: decoding rounds (each re-scores the words next to a restoration, then decodes again)
    decode_rounds: int = 2
    #: the adaptive pass continues from the first pass's last state (its evidence re-scored
    #: with the first pass's restorations in place) instead of starting again from the
    #: observed neighbours' evidence (False: as before the fourth session). With one round
    #: (``adaptive_rounds``) that is two decodes and a re-scoring fewer per spun document;
    #: on held-out training quarters restoration 0.366 / 0.241 (farm / random) at 0.75 /
    #: 0.68 % over-correction against 0.369 / 0.242 at 0.77 / 0.69 %
    #: (benchmarks/tune_adaptive_pass.py, docs/benchmarks/check_notes.md)
    adaptive_warm: bool = True
    #: decoding rounds of the adaptive pass (None: ``decode_rounds``)
    adaptive_rounds: int | None = 1
    #: a document whose spun probability after the first decoding round is below this is
    #: not re-scored and decoded again (its probability and features are the first
    #: round's); None: every document gets ``decode_rounds`` rounds. 0.05: on 1,413 held-out
    #: training articles, the 91 % that stop would all have ended below 0.05 anyway
    early_clean: float | None = 0.05
    #: with ``adaptive_warm``: a document whose spun probability after the first round is at
    #: least this is re-scored with that round's restorations (the state the adaptive pass
    #: goes on from) but not decoded again at the global cost (its probability and features
    #: are the first round's); None: off
    early_spun: float | None = None
    #: a position joins the joint decoding when its best logit is > cost - margin
    decode_margin: float = 3.0
    #: document-level evidence in the adaptive pass (:mod:`urai.detect.doclevel`): the
    #: occurrences of a word type decided together, the counts of the word and its candidate
    doc_evidence: bool = True
    #: weight of the other occurrences' evidence in each occurrence's logit
    type_weight: float = 0.25
    #: an occurrence's logit above this is evidence for its type (below: against)
    type_center: float = -2.0
    #: each occurrence's contribution is clipped to +- this
    type_cap: float = 4.0
    #: ``type_center`` is relative to the document's change cost (True: an occurrence above
    #: the cost counts for its type; with ``type_weight`` 1 the type is decided by the sum)
    type_relative: bool = False
    #: weight of the count term (a candidate already frequent in the text is less likely)
    absence_weight: float = 0.0
    absence_cap: float = 8.0
    #: weight of the type-level count likelihood ratio (:class:`urai.detect.doclevel.
    #: CountModel`: ``serta`` far above its natural count with ``dan`` absent) in the
    #: adaptive pass; 0: off (the default). 0.35 with ``adaptive_offset`` -1.5 (chosen on
    #: held-out training quarters) restores 1.2-2.5 points more in farm mode on fold 05 but
    #: over-corrects 0.94-1.12 % there (the default 0.73-1.00 %; docs/benchmarks/restore.md)
    count_weight: float = 0.0
    #: the type's count log-likelihood ratio is clipped to +- this
    count_cap: float = 12.0
    #: negative-binomial dispersion of function words / content words in clean text
    count_r_function: float = 20.0
    count_r_content: float = 0.5
    #: a positive count ratio needs this many occurrences of the type (content words /
    #: function words)
    count_min_occurrences: int = 1
    #: EM steps re-estimating the document's spin rate (:func:`em_spin_rate`) for the
    #: adaptive cost; 0: the first pass's expected share
    em_rounds: int = 0
    #: the spin rate the token model was trained at (its logits' prior)
    em_prior: float = 0.2
    count_min_occurrences_function: int = 1
    #: only the best candidate of an observed type keeps a positive count term
    count_exclusive: bool = True
    #: in the adaptive pass, choose which candidate a change writes back by the
    #: original-choice model (:func:`urai.detect.doclevel.choice_shift`: counts in the text,
    #: how many words a candidate serves, unigram/LM/cloze deltas); each position's best
    #: logit, i.e. whether it changes, stays the soft bias's (issue 13, fifth session). Off:
    #: on fold 05 +0.2-0.3 points of farm restoration at the same over-correction, for
    #: ~1.5 ms per spun document (~20 % of its check; docs/benchmarks/restore.md)
    choice_model: bool = False
    #: with a spinner profile: restore a word the profile has seen swapped when its swap
    #: probability (:meth:`urai.detect.profile.Profile.swap_probability`) is at least this
    profile_min_probability: float = 0.5
    #: weight of the LM's log-likelihood ratio against the profile's prior odds
    profile_lm_weight: float = 2.0
    #: added to the document's change cost when checking with a profile
    profile_cost_offset: float = 0.0
    #: add the expected natural occurrences of a word to its kept count (a small profile
    #: may never have seen a common word unchanged)
    profile_natural_prior: bool = False
    #: restore by the profile's selection policy (version-3 profiles) at words it never saw
    #: swapped (off: on training quarters it adds fewer restorations than wrong changes)
    profile_policy: bool = False
    #: added to the policy's log-odds (its seen-word model and its unseen-word prior); -1
    #: chosen on held-out training quarters (docs/benchmarks/restore.md)
    profile_policy_offset: float = -1.0
    #: at words the policy has candidates for, its decision replaces the detector's
    profile_policy_decides: bool = False
    #: drop a detector suggestion ``x -> c`` at a word the profile never saw swapped when
    #: the policy's log-odds for ``c`` (offset included) is below this (None: never; -6
    #: removes a quarter of the detector's wrong changes on held-out training quarters and
    #: none of its restorations)
    profile_policy_veto: float | None = -6.0
    #: at words the profile saw swapped, decide by the policy's calibrated model
    #: (:data:`urai.detect.profile.SEEN_FEATURES`) instead of ``profile_lm_weight``'s rule
    profile_policy_seen: bool = True
    #: decide the adaptive pass with the document-aware re-scorer (:mod:`urai.detect.rescore`)
    #: at cost ``threshold + rescore_offset`` instead of the soft type bias. Off: on fold 05
    #: it restores more within 1 % but none of a consistent ``dan -> serta`` copy's ``serta``
    #: (round 1: all; tests/test_farm.py, docs/benchmarks/restore.md)
    rescore: bool = False
    #: farm over-correction <= 0.7 % on held-out quarters (``tune_doclevel.py --grid freeze``)
    rescore_offset: float = -0.25
    #: re-scored log-odds moved towards the mean of the word type's rows by this much
    rescore_tie: float = 1.0
    #: decoding rounds of the re-scored pass
    rescore_rounds: int = 2
    #: later rounds keep the first round's log-odds of types with other occurrences (off:
    #: worse on held-out quarters, 0.362 at 0.77 % against 0.378 at 0.68 %)
    rescore_freeze: bool = False

    @property
    def check_spun_threshold(self) -> float:
        """The spun threshold the check uses (:data:`DEFAULT_SPUN_THRESHOLD` when unset)."""
        return DEFAULT_SPUN_THRESHOLD if self.spun_threshold is None else self.spun_threshold

    def spun_threshold_for(self, words: int) -> float:
        """The check's spun threshold for a text of ``words`` words."""
        th = self.check_spun_threshold
        if words < self.short_words and self.short_spun_threshold is not None:
            th = max(th, self.short_spun_threshold)
        return th

    def __post_init__(self) -> None:
        if isinstance(self.min_words, bool) or not isinstance(self.min_words, int) \
                or self.min_words < 1:
            raise ConfigError(f"min_words must be an integer >= 1, got {self.min_words!r}")
        _num("min_known_share", self.min_known_share, 0.0, 1.0)
        _num("min_stopword_share", self.min_stopword_share, 0.0, 1.0)
        if self.spun_threshold is not None:
            _num("spun_threshold", self.spun_threshold, 0.0, 1.0)
        _num("clean_threshold", self.clean_threshold, 0.0, 1.0)
        if isinstance(self.short_words, bool) or not isinstance(self.short_words, int) \
                or self.short_words < 0:
            raise ConfigError(f"short_words must be an integer >= 0, got {self.short_words!r}")
        if self.short_spun_threshold is not None:
            _num("short_spun_threshold", self.short_spun_threshold, 0.0, 1.0)
        if self.clean_threshold > self.check_spun_threshold:
            raise ConfigError(
                f"clean_threshold ({self.clean_threshold}) must not exceed spun_threshold "
                f"({self.check_spun_threshold})"
            )
        if self.change_threshold is not None:
            _num("change_threshold", self.change_threshold, -20.0, 20.0)
        if self.max_candidates is not None and (
            isinstance(self.max_candidates, bool) or not isinstance(self.max_candidates, int)
            or not 1 <= self.max_candidates <= 100
        ):
            raise ConfigError(f"max_candidates must be an integer in [1, 100], "
                              f"got {self.max_candidates!r}")
        for name in ("restore_clean", "adaptive"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"{name} must be True or False, got {getattr(self, name)!r}")
        _num("adaptive_min_p", self.adaptive_min_p, 0.0, 1.0)
        _num("adaptive_offset", self.adaptive_offset, -20.0, 20.0)
        _num("adaptive_floor", self.adaptive_floor, -20.0, 20.0)
        if isinstance(self.decode_rounds, bool) or not isinstance(self.decode_rounds, int) \
                or not 1 <= self.decode_rounds <= 10:
            raise ConfigError(f"decode_rounds must be an integer in [1, 10], "
                              f"got {self.decode_rounds!r}")
        _num("decode_margin", self.decode_margin, 0.0, 20.0)
        if self.early_spun is not None:
            _num("early_spun", self.early_spun, 0.0, 1.0)
        if self.early_clean is not None:
            _num("early_clean", self.early_clean, 0.0, 1.0)
            if self.early_clean > self.clean_threshold:
                raise ConfigError(f"early_clean ({self.early_clean}) must not exceed "
                                  f"clean_threshold ({self.clean_threshold})")
        if self.adaptive_rounds is not None and (
                isinstance(self.adaptive_rounds, bool) or not isinstance(self.adaptive_rounds, int)
                or not 1 <= self.adaptive_rounds <= 10):
            raise ConfigError(f"adaptive_rounds must be None or an integer in [1, 10], "
                              f"got {self.adaptive_rounds!r}")
        for name in ("doc_evidence", "type_relative", "profile_natural_prior", "rescore",
                     "adaptive_warm",
                     "profile_policy", "profile_policy_decides", "profile_policy_seen",
                     "rescore_freeze", "count_exclusive", "choice_model"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"{name} must be True or False, got {getattr(self, name)!r}")
        _num("type_weight", self.type_weight, 0.0, 5.0)
        _num("type_center", self.type_center, -20.0, 20.0)
        _num("type_cap", self.type_cap, 0.0, 20.0)
        _num("absence_weight", self.absence_weight, 0.0, 5.0)
        _num("absence_cap", self.absence_cap, 0.0, 50.0)
        _num("count_weight", self.count_weight, 0.0, 5.0)
        _num("count_cap", self.count_cap, 0.0, 50.0)
        _num("count_r_function", self.count_r_function, 0.01, 1000.0)
        _num("count_r_content", self.count_r_content, 0.01, 1000.0)
        _num("em_prior", self.em_prior, 0.01, 0.99)
        if isinstance(self.em_rounds, bool) or not isinstance(self.em_rounds, int) \
                or not 0 <= self.em_rounds <= 100:
            raise ConfigError(f"em_rounds must be an integer in [0, 100], got {self.em_rounds!r}")
        for name in ("count_min_occurrences", "count_min_occurrences_function"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 100:
                raise ConfigError(f"{name} must be an integer in [1, 100], got {v!r}")
        _num("profile_min_probability", self.profile_min_probability, 0.0, 1.0)
        _num("profile_lm_weight", self.profile_lm_weight, 0.0, 10.0)
        _num("profile_cost_offset", self.profile_cost_offset, -10.0, 10.0)
        _num("profile_policy_offset", self.profile_policy_offset, -20.0, 20.0)
        if self.profile_policy_veto is not None:
            _num("profile_policy_veto", self.profile_policy_veto, -50.0, 50.0)
        _num("rescore_offset", self.rescore_offset, -10.0, 10.0)
        _num("rescore_tie", self.rescore_tie, 0.0, 1.0)
        if isinstance(self.rescore_rounds, bool) or not isinstance(self.rescore_rounds, int) \
                or not 1 <= self.rescore_rounds <= 10:
            raise ConfigError(f"rescore_rounds must be an integer in [1, 10], "
                              f"got {self.rescore_rounds!r}")


@dataclass(frozen=True, slots=True)
class CheckResult:
    """Outcome of :func:`check` for one text."""

    spun_probability: float | None
    verdict: str
    substitutions: tuple[Substitution, ...]
    restored_text: str
    features: Mapping[str, float] = field(default_factory=dict)
    words: int = 0
    #: the text that was checked (the extracted text for HTML input); offsets refer to it
    text: str = ""
    html: bool = False

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "spun_probability": None if self.spun_probability is None
            else round(self.spun_probability, 6),
            "verdict": self.verdict,
            "words": self.words,
            "substitutions": [
                {"start": s.start, "end": s.end, "observed": s.observed,
                 "suggestion": s.suggestion, "confidence": round(s.confidence, 4),
                 "evidence": {k: round(float(v), 4) for k, v in s.evidence.items()},
                 "reason": s.reason}
                for s in self.substitutions
            ],
            "restored_text": self.restored_text,
            "features": {k: round(float(v), 6) for k, v in self.features.items()},
        }
        if self.html:
            d["text"] = self.text
        return d


class Detector:
    """Spun-text detector and restorer over an LM, a thesaurus and trained weights.

    Every resource defaults to the shipped one; ``lm`` may be an :class:`urai.lang.lm.NgramLM`
    or a path to one. A Detector is reusable and caches per-word thesaurus lookups.
    ``accelerate=False`` runs the Python/numpy reference code instead of the compiled
    kernels (:mod:`urai.detect.kernels`; same model, same results to float rounding).
    """

    def __init__(
        self,
        config: CheckConfig | None = None,
        *,
        lm: Any = None,
        thesaurus: Any = None,
        frequency: Any = None,
        model: Any = None,
        cloze: Any = None,
        accelerate: bool = True,
        profile: Profile | str | Path | None = None,
        rescorer: Rescorer | str | Path | None = None,
    ) -> None:

        #: the spinner profile every check of this detector uses (None: none)
        self.profile: Profile | None = None if profile is None else load_profile(profile)
        if config is None:
            config = CheckConfig()
        if not isinstance(config, CheckConfig):
            raise ConfigError(f"config must be a CheckConfig, got {type(config).__name__}")
        self.config = config
        if lm is None or isinstance(lm, (str, Path)):
            lm = load_lm(lm)
        if model is None:
            model = default_detector_model()
        elif isinstance(model, (str, Path)):
            model = load_detector_model(model)
        self.model = model
        self.threshold = (config.change_threshold if config.change_threshold is not None
                          else model.change_threshold)
        if cloze is None and model.uses_cloze:
            cloze = default_cloze()
        elif isinstance(cloze, (str, Path)):
            cloze = load_cloze(cloze)
        self.engine = Engine(
            lm,
            thesaurus if thesaurus is not None else default_thesaurus(),
            frequency if frequency is not None else default_frequency(),
            default_stopwords(),
            max_candidates=config.max_candidates or model.max_candidates,
            cloze=cloze or None,
            accelerate=accelerate,
            token_model=model.token,
        )

        self._w_lm = np.asarray(model.token.weights[:N_LM_TERMS], dtype=np.float64)
        #: the adaptive pass's re-scorer (None: the soft document bias of ``doc_evidence``)
        #: (a re-scorer passed in is kept even while ``config.rescore`` is off, so that
        #: ``with_config(rescore=True)`` uses it, not the shipped one)
        self.rescorer: Rescorer | None = (
            rescorer if isinstance(rescorer, Rescorer) or rescorer is None
            else load_rescorer(rescorer))
        if config.rescore and self.rescorer is None:
            self.rescorer = default_rescorer()

    # the decoding settings, read from the (frozen) config
    @property
    def margin(self) -> float:
        return self.config.decode_margin

    @property
    def max_rounds(self) -> int:
        return self.config.decode_rounds

    @property
    def _memo(self) -> bool:
        """Whether a re-scoring should remember its rows: only when a later one may meet the
        same neighbours (the cold adaptive pass, or a warm one of several rounds)."""
        cfg = self.config
        if not cfg.adaptive_warm or cfg.rescore:
            return True
        return (cfg.adaptive_rounds or cfg.decode_rounds) > 1

    def with_config(self, config: CheckConfig) -> Detector:
        """A detector with another config that shares this one's engine, models and caches
        (configs are frozen: this is how a sweep tries settings). A config asking for another
        number of candidates per word gets an engine of its own."""
        if not isinstance(config, CheckConfig):
            raise ConfigError(f"config must be a CheckConfig, got {type(config).__name__}")
        if (config.max_candidates or self.model.max_candidates) != self.engine.max_candidates:
            eng = self.engine
            return Detector(config, lm=eng.lm, thesaurus=eng.thesaurus,
                            frequency=eng.frequency, model=self.model,
                            cloze=eng.cloze.model if eng.cloze is not None else False,
                            accelerate=eng.accelerate, profile=self.profile,
                            rescorer=self.rescorer)
        other = object.__new__(Detector)
        other.__dict__.update(self.__dict__)
        other.config = config
        if config.rescore and other.rescorer is None:
            other.rescorer = default_rescorer()
        other.threshold = (config.change_threshold if config.change_threshold is not None
                           else self.model.change_threshold)
        return other

    def with_profile(self, profile: Profile | str | Path | None) -> Detector:
        """A detector that checks with ``profile`` (a :class:`Profile` or its file; None:
        without one) and shares this one's engine, models and caches."""
        other = object.__new__(Detector)
        other.__dict__.update(self.__dict__)
        other.profile = None if profile is None else load_profile(profile)
        return other

    def prepare(self) -> Detector:
        """Build what is otherwise built on the first check (the compiled kernels' tables),
        e.g. before forking worker processes that should share it."""
        _ = self.engine.core
        return self

    # ---- core ---------------------------------------------------------------------------
    def analyse(self, text: str) -> tuple[Any, Any, np.ndarray]:
        """``(analysis, decoded, doc_features)`` of plain ``text`` (for training/benchmarks)."""
        an, dec, feats, _, _ = self._analyse(text)
        return an, dec, feats

    def _analyse(self, text: str, profiled: bool = False
                 ) -> tuple[Any, Any, np.ndarray, DocBias | None, float | None]:
        """:meth:`analyse` plus the document-level bias of the final decoding (None when the
        document did not get the adaptive pass or ``doc_evidence`` is off) and the spun
        probability of the features when it was computed (else None). ``profiled``: the
        text is checked with a spinner profile, i.e. said to come from a spinner: it always
        gets the adaptive pass, at a cost lowered by ``profile_cost_offset`` (the profile
        then vetoes the changes its spinner does not make, :meth:`_apply_profile`)."""
        an = self.engine.analyse_text(text)
        # the first-pass evidence, kept by _decode before its first refresh changes it
        cfg = self.config
        warm = cfg.adaptive_warm and not cfg.rescore
        saved: list[_Saved] | None = [] if cfg.adaptive and not warm else None
        state: list[np.ndarray] = []
        scored: list[tuple[np.ndarray, float]] = []
        an, dec, _ = self._decode(an, self.threshold, saved, state=state,
                                  early=(cfg.early_clean, cfg.early_spun if warm else None),
                                  scored=scored)
        feats, p = scored[0] if scored else (doc_features(an, dec), None)
        bias = None
        if cfg.adaptive and an.n_mutable:
            if p is None:
                p = float(self.model.doc.prob(feats[None, :])[0])
            if p >= cfg.adaptive_min_p or profiled:
                rho = (em_spin_rate(dec.z_best, float(feats[4]), cfg.em_prior, cfg.em_rounds)
                       if cfg.em_rounds else None)
                th = self.adaptive_threshold(feats, rho)
                if profiled:
                    th += cfg.profile_cost_offset
                rs = self.rescorer if cfg.rescore else None
                if rs is not None:
                    th = rs.threshold + cfg.rescore_offset + (
                        cfg.profile_cost_offset if profiled else 0.0)
                if th < self.threshold or cfg.doc_evidence or rs is not None:
                    # warm: go on from the first pass's evidence and restorations (nothing
                    # was saved and no re-scorer runs then); cold: start again from the
                    # evidence with the observed neighbours
                    if saved:
                        x0, z0, m0 = saved[0]
                        an.X[:] = x0
                        if an.z is not None and z0 is not None:
                            an.z[:] = z0
                        if an.lm_max is not None and m0 is not None:
                            an.lm_max[:] = m0
                    _, dec, bias = self._decode(an, th, doc=cfg.doc_evidence or rs is not None,
                                                rho=float(feats[4]) if rho is None else rho,
                                                rescorer=rs, rounds=cfg.adaptive_rounds,
                                                state=state if warm else None)
        return an, dec, feats, bias, p

    def adaptive_threshold(self, feats: np.ndarray, rho: float | None = None) -> float:
        """Per-change cost for a document that looks spun: ``c0 + log((1 - rho) / rho)``.

        ``rho`` is the document's expected share of substituted mutable words (the
        ``expected_share`` feature of the first pass); a spinner swaps words at random, so
        in a spun document the prior that a mutable word was swapped is ``rho``, not the
        training average. Bounded by ``adaptive_floor`` and the global threshold. ``rho``:
        the spin rate to use instead (:func:`em_spin_rate`).
        """
        cfg = self.config
        rho = float(np.clip(feats[4] if rho is None else rho, 1e-3, 0.999))
        th = cfg.adaptive_offset + float(np.log((1.0 - rho) / rho))
        return float(np.clip(th, cfg.adaptive_floor, self.threshold))

    def _decode(self, an: Any, threshold: float,
                saved: list[_Saved] | None = None, doc: bool = False, rho: float = 0.5,
                rescorer: Rescorer | None = None, state: list[np.ndarray] | None = None,
                rounds: int | None = None,
                early: tuple[float | None, float | None] = (None, None),
                scored: list[tuple[np.ndarray, float]] | None = None
                ) -> tuple[Any, Any, DocBias | None]:
        """Decode, re-score with the restorations in place, decode again (up to
        ``max_rounds``). ``saved``: an empty list gets a copy of the evidence
        ``(X, z, lm_max)`` just before the first re-scoring changes it (stays empty when
        nothing changes). ``doc``: add the document-level bias
        (:func:`urai.detect.doclevel.document_bias`, recomputed every round) to the logits;
        the last one is returned; with ``rescorer`` that bias is the re-scorer's
        (:meth:`urai.detect.rescore.Rescorer.bias`, ``rho``: the document's spun share).
        ``state``: the context the evidence was last scored against (``[ctx]``; empty: the
        observed sequence), updated at the end; ``rounds``: decoding rounds (None: the
        config's); ``early``: ``(lo, hi)``, after the first round stop when the document's
        spun probability is below ``lo``, re-score and stop when it is at least ``hi``;
        ``scored`` then gets the returned decoding's document features and probability."""
        eng = self.engine
        cfg = self.config
        last: list[DocBias] = []
        first: list[tuple[np.ndarray, np.ndarray]] = []  # the first re-scored round
        groups = type_groups(an, eng.unk) if doc and an.n_mutable else None
        count_model = CountModel(cfg.count_weight, cfg.count_cap, cfg.count_r_function,
                                 cfg.count_r_content, exclusive=cfg.count_exclusive,
                                 min_occurrences=cfg.count_min_occurrences,
                                 min_occurrences_function=cfg.count_min_occurrences_function,
                                 ) if cfg.count_weight > 0 else None
        count_memo: dict[str, np.ndarray] = {}

        def logits() -> np.ndarray:  # kept up to date by the compiled kernels, if they run
            z = an.z if an.z is not None else (
                self.model.token.logit(an.X) if an.n_mutable else np.zeros(0))
            if not doc or not len(z):
                return z
            if rescorer is not None:
                rb = rescorer.bias(an, z, rho, eng.unk, groups, cfg.rescore_tie)
                if cfg.rescore_freeze:
                    if first:  # the tied types keep the first round's log-odds
                        l0, tied = first[0]
                        rb.bias[tied] = l0[tied] - z[tied]
                    else:
                        first.append((z + rb.bias, rb.others > 0))
                last[:] = [rb]
                return z + rb.bias
            center = cfg.type_center + (threshold if cfg.type_relative else 0.0)
            b = document_bias(an, z, type_weight=cfg.type_weight, type_center=center,
                              type_cap=cfg.type_cap, absence_weight=cfg.absence_weight,
                              absence_cap=cfg.absence_cap, unk=eng.unk, groups=groups,
                              count_model=count_model, count_memo=count_memo)
            if cfg.choice_model:
                b.bias = b.bias + choice_shift(an, z + b.bias, eng.unk,
                                               threshold - self.margin)
            last[:] = [b]
            return z + b.bias

        z = logits()
        prev = state[0] if state else an.seq
        dec = eng.decode(an, z, threshold=threshold, w_lm=self._w_lm, margin=self.margin,
                         context=prev if state else None)
        # iterated conditional modes: re-score every word with the restored neighbours in
        # place (a spun neighbour spoils a word's trigram evidence), then decode again
        if rounds is None:
            rounds = cfg.rescore_rounds if rescorer is not None else self.max_rounds
        for _ in range(rounds - 1):
            changed = dec.choice >= 0
            if not changed.any():
                break
            stop = False
            if early != (None, None):  # only after the first round
                lo, hi = early
                f1 = doc_features(an, dec)
                p1 = float(self.model.doc.prob(f1[None, :])[0])
                stop = hi is not None and p1 >= hi
                if (stop or (lo is not None and p1 < lo)) and scored is not None:
                    scored.append((f1, p1))
                if lo is not None and p1 < lo:
                    break
                early = (None, None)
            ctx = an.seq.copy()
            ctx[an.pos_seq[changed]] = an.cand_ids[dec.choice[changed]]
            # only words next to a changed slot need new evidence
            if saved is not None and not saved:
                saved.append((an.X.copy(), None if an.z is None else an.z.copy(),
                              None if an.lm_max is None else an.lm_max.copy()))
            eng.refill(an, ctx, np.flatnonzero(ctx != prev), memo=self._memo)
            prev = ctx
            if stop:
                break
            z = logits()
            dec2 = eng.decode(an, z, threshold=threshold, w_lm=self._w_lm, margin=self.margin,
                              context=ctx)
            if np.array_equal(dec2.choice, dec.choice):
                dec = dec2
                break
            dec = dec2
        if state is not None:
            state[:] = [prev]
        return an, dec, (last[0] if last else None)

    def check(self, text: str, *, html: bool | None = None,
              profile: Profile | str | Path | None = None) -> CheckResult:
        """Check one text (plain or HTML; ``html=None`` detects HTML). ``profile`` (a
        :class:`~urai.detect.profile.Profile` or its file; default: the detector's own, if
        any) is the spinner that is thought to have produced it: its swaps are restored
        whatever the verdict (:meth:`_apply_profile`)."""

        text, is_html = prepare_text(text, html, "check")
        prof = self.profile if profile is None else load_profile(profile)
        cfg = self.config
        an, dec, feats, bias, p_an = self._analyse(text, profiled=prof is not None)
        features = dict(zip(DOC_FEATURES, (float(x) for x in feats), strict=True))
        nw = an.n_words
        refusal = refuse(features, nw, an.n_known, an.n_stop, cfg)
        if refusal is not None:
            return CheckResult(None, refusal, (), text, features, nw, text, is_html)
        p = float(self.model.doc.prob(feats[None, :])[0]) if p_an is None else p_an
        if p >= cfg.spun_threshold_for(nw):
            verdict = "spun"
        elif p < cfg.clean_threshold:
            verdict = "clean"
        else:
            verdict = "uncertain"
        subs: list[Substitution] = []
        if verdict != "clean" or cfg.restore_clean:
            subs = substitutions(text, an, dec, bias, self.rescorer)
        if prof is not None:
            subs = self._apply_profile(text, subs, prof)
        return CheckResult(p, verdict, tuple(subs), _apply(text, subs), features, nw, text,
                           is_html)

    def _apply_profile(self, text: str, subs: list[Substitution], prof: Profile
                       ) -> list[Substitution]:
        """The substitutions of a check with a spinner profile applied
        (:func:`urai.detect.profiled.apply_profile`)."""
        return apply_profile(self.engine, self.config, text, subs, prof)

    def restore(self, text: str, *, html: bool | None = None,
                profile: Profile | str | Path | None = None) -> str:
        """The likely original of ``text`` (only flagged words change)."""
        return self.check(text, html=html, profile=profile).restored_text


def prepare_text(text: Any, html: bool | None, what: str) -> tuple[str, bool]:
    """``(plain text, was HTML)`` for ``check``/``screen``: the type check, HTML reduced to its
    main text (``html=None`` detects it) and the empty-input error."""
    if not isinstance(text, str):
        raise InputError(f"{what}() expects text (str), got {type(text).__name__}")
    is_html = False
    if html or (html is None and looks_like_html(text)):
        text = html_to_text(text)
        is_html = True
    if not text.strip():
        raise InputError(f"the input is empty (no text to {what})")
    return text, is_html


def refuse(features: dict[str, float], words: int, known: int, stop: int,
           cfg: CheckConfig) -> str | None:
    """Add ``known_share`` / ``stopword_share`` to ``features``; the verdict that replaces a
    guess (``too_short`` or ``not_indonesian``), or None when the text can be judged."""
    features["known_share"] = known / words if words else 0.0
    features["stopword_share"] = stop / words if words else 0.0
    if words < cfg.min_words:
        return "too_short"
    if features["known_share"] < cfg.min_known_share or \
            features["stopword_share"] < cfg.min_stopword_share:
        return "not_indonesian"
    return None


def _apply(text: str, subs: list[Substitution]) -> str:
    if not subs:
        return text
    parts: list[str] = []
    pos = 0
    for s in sorted(subs, key=lambda s: s.start):
        parts.append(text[pos : s.start])
        parts.append(s.suggestion)
        pos = s.end
    parts.append(text[pos:])
    return "".join(parts)


def default_detector() -> Detector:
    """A :class:`Detector` over the shipped resources, built once."""
    return detector_for(CheckConfig())


@lru_cache(maxsize=16)
def detector_for(config: CheckConfig) -> Detector:
    """The :class:`Detector` of ``config`` over the shipped resources, built once per config
    (a config is frozen and hashable; the 16 most recent are kept)."""
    if not isinstance(config, CheckConfig):
        raise ConfigError(f"config must be a CheckConfig, got {type(config).__name__}")
    return Detector(config)


def check(text: str, *, html: bool | None = None, config: CheckConfig | None = None,
          profile: Profile | str | Path | None = None) -> CheckResult:
    """Say whether ``text`` was machine-spun, which words were swapped and what it said;
    ``profile``: a spinner profile (:class:`urai.Profile` or its JSON file) to restore with."""
    return detector_for(config or CheckConfig()).check(text, html=html, profile=profile)


def restore(text: str, *, html: bool | None = None, config: CheckConfig | None = None,
            profile: Profile | str | Path | None = None) -> str:
    """The likely original wording of ``text``; layout, punctuation and case are kept."""
    return detector_for(config or CheckConfig()).restore(text, html=html, profile=profile)
