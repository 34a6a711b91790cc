"""A check's substitutions with a spinner profile applied (moved out of detector.py, the
same rules): the words the profile saw swapped restored to their originals, the selection
policy's veto and restorations, and the detector's suggestions the profile contradicts
dropped (:func:`apply_profile`; :class:`urai.detect.detector.CheckConfig` holds its settings).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from urai.detect.doclevel import LN10
from urai.detect.engine import Engine
from urai.detect.evidence import sigmoid
from urai.detect.explain import Substitution
from urai.detect.explain import times as _times
from urai.detect.profile import Profile, layout, policy_rows, seen_features, seen_rows
from urai.lang.tokenize import match_case, tokenize

__all__ = ["apply_profile", "natural_prior"]


def apply_profile(eng: Engine, cfg: Any, text: str, subs: list[Substitution], prof: Profile
                  ) -> list[Substitution]:
    """The substitutions of a check with a spinner profile applied (sorted by offset).

    Every word (or lower-case abbreviation such as ``th.``) the profile has seen swapped
    is a candidate for its original ``o`` (the most frequent one, or the one the counts
    and the LM prefer here: :func:`urai.detect.profile.seen_rows`). With the profile's
    selection policy (version 3, ``profile_policy_seen``) it is restored when the
    policy's calibrated log-odds plus ``profile_policy_offset`` is positive, and a
    detector suggestion at a word the profile never saw swapped needs the policy's
    log-odds of at least ``profile_policy_veto``; ``profile_policy`` also lets the policy
    restore such words itself. Without a policy it is restored when the
    posterior log-odds ``logit(swap probability) + w * ln(10) * lm_delta`` is positive
    (``w`` = ``profile_lm_weight``, 2 by default, tuned on training folds), where
    ``lm_delta`` is the trigram LM's log10 gain of ``o`` over the observed word in this
    context (prior odds from the profile times the LM's likelihood ratio; natural
    occurrences of a spinner's substitute usually read worse with ``o``), and its
    swap probability is at least ``profile_min_probability``. The restoration replaces
    the detector's suggestion there. A detector suggestion ``w -> c`` the profile
    contradicts is dropped: the spinner writes ``c`` as another word and was never seen
    writing ``w`` for anything, or its copies hold ``w`` unchanged at least twice and
    never as a substitute."""
    toks = tokenize(text)
    # the selection policy's candidates at words the profile never saw swapped:
    # (token, observed, candidate original, prior log-odds)
    phits: list[tuple[int, str, str, float]] = []
    pol = prof.policy
    veto = cfg.profile_policy_veto
    lay = layout(eng, toks)
    if pol is not None and (cfg.profile_policy or veto is not None):
        only = None
        if not cfg.profile_policy:  # the veto needs the words the detector changed
            at = {t.start: i for i, t in enumerate(toks)}
            only = [at[s.start] for s in subs if s.start in at]
        phits = [(i, toks[i].text.lower(), c, pol.logit(f))
                 for i, c, f in policy_rows(eng, prof, toks, only, lay)]
    seen_model = pol is not None and bool(pol.seen_coef) and cfg.profile_policy_seen
    by_start = {s.start: s for s in subs}
    for i, w, orig, pr, d in seen_rows(eng, prof, toks, lay):
        if cfg.profile_natural_prior:
            pr = natural_prior(eng, prof, w, pr)
        if pr < cfg.profile_min_probability:
            continue
        if seen_model:
            assert pol is not None
            post = pol.seen_logit(seen_features(eng, prof, w, orig, pr, d)) \
                + cfg.profile_policy_offset
        else:
            post = float(np.log(pr / max(1.0 - pr, 1e-9)) + cfg.profile_lm_weight * LN10 * d)
        if post <= 0.0:
            continue
        t = toks[i]
        n = dict(prof.originals(w))[orig]
        kept = int(prof.kept.get(w, 0))
        ev = {"profile_count": float(n), "profile_kept": float(kept),
              "profile_probability": round(pr, 6), "lm_gain": round(d, 6)}
        reason = (f"The spinner profile '{prof.name}' replaced '{orig}' by '{w}' {n} "
                  f"times in its copies (and left '{w}' as it was {kept} times); "
                  f"'{orig}' is {_times(d)} likely here by the language model.")
        by_start[t.start] = Substitution(t.start, t.end, t.text, match_case(t.text, orig),
                                         float(sigmoid(post)), ev, reason)
    policy_tokens: set[int] = set()
    best: dict[int, tuple[float, str, float]] = {}
    prior = {(toks[i].start, orig): lo for i, _w, orig, lo in phits}
    if veto is not None and pol is not None:
        # a detector suggestion x -> c at a word the profile never saw swapped needs the
        # policy's odds that the spinner wrote x for c
        for start, sub in list(by_start.items()):
            if "profile_count" in sub.evidence or prof.swapped(sub.observed.lower()):
                continue
            lo = prior.get((start, sub.suggestion.lower()))
            if lo is None or lo + cfg.profile_policy_offset < veto:
                del by_start[start]
    if not cfg.profile_policy:
        phits = []
    for i, _w, orig, lo in phits:
        policy_tokens.add(toks[i].start)
        post = lo + cfg.profile_policy_offset
        if post > 0.0 and (i not in best or post > best[i][0]):
            best[i] = (post, orig, lo)
    if phits and cfg.profile_policy_decides:
        for start in policy_tokens:  # the policy decides the words it has candidates for
            by_start.pop(start, None)
    for i, (post, orig, lo) in best.items():
        t = toks[i]
        ev = {"profile_policy": round(lo, 6)}
        reason = (f"The spinner profile '{prof.name}' never saw '{t.text.lower()}' "
                  f"swapped, but its spinner's selection policy (learned from its pairs, "
                  f"the context's language model included) gives odds {np.exp(lo):.2g} "
                  f"that it replaced '{orig}' here.")
        by_start[t.start] = Substitution(t.start, t.end, t.text, match_case(t.text, orig),
                                         float(sigmoid(post)), ev, reason)
    out = []
    for s in sorted(by_start.values(), key=lambda s: s.start):
        if "profile_count" not in s.evidence and "profile_policy" not in s.evidence:
            w, c = s.observed.lower(), s.suggestion.lower()
            subst = prof.substitutes(c)
            if prof.swapped(w) == 0 and (
                    (subst and w not in subst) or prof.kept.get(w, 0) >= 2):
                continue  # the profile's spinner does not write w for c
        out.append(s)
    return out


def natural_prior(eng: Engine, prof: Profile, w: str, pr: float) -> float:
    """The swap probability of ``w`` with the natural occurrences a small profile may not
    have seen: the copies' word count times ``w``'s frequency (wordfreq), times the share
    of ``w`` the spinner leaves when ``w`` is itself in its dictionary, added to the kept
    count as a prior."""
    words = prof.word_count()
    natural = words * 10.0 ** (eng.frequency.zipf(w) - 9.0)
    if prof.substitutes(w):  # the spinner replaces w itself: only the survivors remain
        out = sum(n for (o, r), n in prof.pairs.items() if r == w)
        natural *= prof.kept.get(w, 0) / max(prof.kept.get(w, 0) + out, 1)
    n = prof.swapped(w)
    return min(pr, (n + 0.5) / (n + prof.kept.get(w, 0) + 1.0 + natural))
