"""Spinner profiles: a learned spinner dictionary, observed word -> original word, with counts.

A content farm runs one spinner with one dictionary over thousands of pages, so the swaps
seen in a few of its copies (aligned with their sources) say how to restore the rest and
which farm a new copy came from. A :class:`Profile` holds, per observed word (lower case):

* ``originals``: how often it stood where the source had another word, per original word
  (``serta -> dan: 41``);
* ``kept``: how often it stood in a copy where the source had the same word (the spinner
  left it, or it is not in the spinner's dictionary): "where it applies". A word the
  spinner substitutes for another but that also occurs untouched gets a swap probability
  below 1 (:meth:`Profile.swap_probability`).

File format (UTF-8 JSON, one object per file; ``docs/profiles.md``)::

    {"format": "urai.profile", "version": 3,
     "name": "farm-a", "kind": "spinner", "documents": 20,
     "pairs": [{"observed": "serta", "original": "dan", "count": 41, "kept": 2}, ...]}

``pairs`` are sorted by count (highest first), then observed, then original; ``kept`` is the
observed word's count (the same on each of its pairs). ``"unchanged": {"word": n, ...}``
holds the words seen unchanged at least once that the spinner never wrote for another word
(a check with the profile does not "restore" those; they are also the profile's negative
evidence: a word seen unchanged is probably not a key of the spinner's dictionary).
Version 3 adds ``"policy"`` (:class:`Policy`): the spinner's *selection policy* over urai's
thesaurus, a calibrated prior for words the learning copies never showed swapped. Version 1
files (written by ``urai cluster``: the same fields without ``kept``) and version 2 files
(``unchanged`` from two occurrences, no policy) are read too.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from urai.errors import ConfigError, InputError

__all__ = ["Profile", "Policy", "POLICY_FEATURES", "PROFILE_FORMAT", "PROFILE_VERSION",
           "load_profile", "load_profiles", "attribute", "policy_candidates", "policy_rows",
           "SEEN_FEATURES", "seen_features", "seen_rows", "layout"]

PROFILE_FORMAT = "urai.profile"
PROFILE_VERSION = 3
#: words never swapped are written to ``unchanged`` when kept at least this often
MIN_UNCHANGED = 1
_READABLE = (1, 2, 3)
_LN10 = math.log(10.0)

#: the features of the selection-policy prior of a candidate original ``w`` of an observed
#: word ``x`` the profile never saw swapped (zipf: wordfreq's scale; ``exp_*``: the count the
#: profile's copies would hold of the word at its natural frequency)
POLICY_FEATURES = (
    "bias",
    "zipf_gap",            # zipf(w) - zipf(x): spinners write rarer words for common ones
    "zipf_gap_negative",   # max(zipf(x) - zipf(w), 0)
    "zipf_original",       # zipf(w): the frequency band of the spinner's keys
    "original_survival",   # ln((kept(w) + .5) / (exp_w + .5)): w seen unchanged -> not a key
    "original_kept",       # ln(1 + kept(w))
    "observed_survival",   # ln((kept(x) + .5) / (exp_x + .5)): x seen as a natural word
    "candidates",          # ln(number of eligible candidates of x)
    "lm_gain",             # the trigram LM's log10 gain of w over x in this context
    "lm_gain_negative",    # min(lm_gain, 0)
)


#: the features of the calibrated decision at a word the profile saw swapped (observed ``x``,
#: its most frequent original ``o``)
SEEN_FEATURES = (
    "bias",
    "swap_logit",          # logit of Profile.swap_probability(x)
    "swapped",             # ln(1 + swaps of x)
    "kept",                # ln(1 + kept(x))
    "lm_gain",             # the trigram LM's log10 gain of o over x here
    "lm_gain_negative",    # min(lm_gain, 0)
    "zipf_observed",       # zipf(x): a common x occurs naturally
    "observed_is_key",     # x itself seen replaced: its natural occurrences are rarer
)


def seen_features(engine: Any, prof: Profile, x: str, orig: str, pr: float, d: float
                  ) -> tuple[float, ...]:
    """The :data:`SEEN_FEATURES` row of an occurrence of a word the profile saw swapped."""
    pr = min(max(pr, 1e-6), 1.0 - 1e-6)
    return (1.0, math.log(pr / (1.0 - pr)), math.log1p(prof.swapped(x)),
            math.log1p(prof.kept.get(x, 0)), d, min(d, 0.0), engine.frequency.zipf(x),
            1.0 if prof.substitutes(x) else 0.0)


@dataclass(frozen=True, slots=True)
class Policy:
    """A spinner's selection policy over urai's thesaurus: a logistic model of the
    probability that an occurrence of a word ``x`` the profile never saw swapped is the
    spinner's substitute for a candidate original ``w`` (urai's candidates of ``x``), fitted
    by cross-fitting on the learning pairs themselves (half the pairs' profile predicts the
    other half's swaps; :func:`urai.corpus.profiling.fit_policy`). ``coef`` follows
    :data:`POLICY_FEATURES`; ``rate`` is the spinner's estimated rate q (swaps of its known
    keys against their unchanged occurrences); ``samples`` / ``positives`` the training rows."""

    coef: tuple[float, ...]
    rate: float = 0.0
    samples: int = 0
    positives: int = 0
    #: the calibrated decision at words the profile saw swapped (:data:`SEEN_FEATURES`;
    #: empty: none learned)
    seen_coef: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if len(self.coef) != len(POLICY_FEATURES) or not all(
                isinstance(c, (int, float)) and math.isfinite(c) for c in self.coef):
            raise ConfigError(f"policy needs {len(POLICY_FEATURES)} finite coefficients, "
                              f"got {self.coef!r}")
        if self.seen_coef and (len(self.seen_coef) != len(SEEN_FEATURES) or not all(
                isinstance(c, (int, float)) and math.isfinite(c) for c in self.seen_coef)):
            raise ConfigError(f"policy seen_coef needs {len(SEEN_FEATURES)} finite "
                              f"coefficients, got {self.seen_coef!r}")
        object.__setattr__(self, "seen_coef", tuple(float(c) for c in self.seen_coef))
        if not 0.0 <= self.rate <= 1.0:
            raise ConfigError(f"policy rate must be in [0, 1], got {self.rate!r}")
        object.__setattr__(self, "coef", tuple(float(c) for c in self.coef))

    def logit(self, feats: Iterable[float]) -> float:
        """The prior log-odds of one candidate's feature row."""
        return float(sum(c * f for c, f in zip(self.coef, feats, strict=True)))

    def seen_logit(self, feats: Iterable[float]) -> float:
        """The log-odds of restoring a seen word's most frequent original (one row)."""
        return float(sum(c * f for c, f in zip(self.seen_coef, feats, strict=True)))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "features": list(POLICY_FEATURES), "coef": [round(c, 6) for c in self.coef],
            "rate": round(self.rate, 6), "samples": self.samples, "positives": self.positives}
        if self.seen_coef:
            out["seen_features"] = list(SEEN_FEATURES)
            out["seen_coef"] = [round(c, 6) for c in self.seen_coef]
        return out

    @classmethod
    def from_dict(cls, obj: Any) -> Policy:
        if not isinstance(obj, dict) or list(obj.get("features", ())) != list(POLICY_FEATURES):
            raise ValueError("policy features differ from this urai's")
        seen = obj.get("seen_coef") or ()
        if seen and list(obj.get("seen_features", ())) != list(SEEN_FEATURES):
            raise ValueError("policy seen_features differ from this urai's")
        return cls(tuple(float(c) for c in obj["coef"]), float(obj.get("rate", 0.0)),
                   int(obj.get("samples", 0)), int(obj.get("positives", 0)),
                   tuple(float(c) for c in seen))


def layout(engine: Any, toks: list[Any]) -> tuple[Any, Any]:
    """``(seq, tok_seq)`` of ``toks`` for trigram scoring (:func:`urai.detect.engine.
    build_sequence`), to share between :func:`seen_rows` and :func:`policy_rows`."""
    from urai.detect.engine import build_sequence

    seq, tok_seq, _, _ = build_sequence(toks, engine.normalize, engine.lm.ids, engine.bos,
                                        engine.eos)
    return seq, tok_seq


def _lm_gain(engine: Any, lay: tuple[Any, Any], idx: list[int], words: list[str]) -> Any:
    """The LM's log10 gain of ``words`` over the observed tokens ``idx``."""
    import numpy as np

    seq, tok_seq = lay
    pos = tok_seq[np.array(idx, dtype=np.int64)]
    cand = np.asarray(engine.lm.ids(words), dtype=np.int64)
    new, _ = engine._local_scores(seq, pos, cand, False)
    old, _ = engine._local_scores(seq, pos, seq[pos], False)
    return new - old


def policy_rows(engine: Any, prof: Profile, toks: list[Any],
                only: Collection[int] | None = None, lay: tuple[Any, Any] | None = None
                ) -> list[tuple[int, str, tuple[float, ...]]]:
    """``(token index, candidate original, POLICY_FEATURES row)`` for every word token of
    ``toks`` (:func:`urai.lang.tokenize.tokenize` of one text) with policy candidates
    (:func:`policy_candidates`); the LM features from ``engine``'s trigram LM in the text's
    context. The same rows serve learning (:func:`urai.corpus.profiling.fit_policy`) and
    checking, so the prior is calibrated on what a check computes. ``only``: just these
    token indices (the other features do not depend on which tokens are scored); ``lay``:
    :func:`layout` of ``toks`` if already built."""
    memo: dict[str, list[tuple[str, tuple[float, ...]]]] = {}
    base: list[tuple[int, str, tuple[float, ...]]] = []
    for i in (range(len(toks)) if only is None else sorted(only)):
        t = toks[i]
        if t.kind != "word":
            continue
        x = t.text.lower()
        got = memo.get(x)
        if got is None:
            got = memo[x] = policy_candidates(engine, prof, x)
        base.extend((i, w, f) for w, f in got)
    if not base:
        return []
    gain = _lm_gain(engine, lay or layout(engine, toks), [b[0] for b in base],
                    [b[1] for b in base])
    return [(i, w, (*f, d, min(d, 0.0))) for (i, w, f), d in zip(base, gain.tolist(),
                                                                    strict=True)]


def seen_rows(engine: Any, prof: Profile, toks: list[Any], lay: tuple[Any, Any] | None = None
              ) -> list[tuple[int, str, str, float, float]]:
    """``(token index, observed, original, swap probability, lm gain)`` for every word (or
    abbreviation: ``th.`` is ``th``) of ``toks`` the profile saw swapped. A word seen for
    several originals takes the one with the best ``ln(count) + 2 ln(10) lm_gain`` here (a
    phrase original has lm gain 0); the LM gain is that original's over the observed word.
    ``lay``: :func:`layout` of ``toks`` if already built."""
    hits: list[tuple[int, str, tuple[tuple[str, int], ...], float]] = []
    for i, t in enumerate(toks):
        if t.kind not in ("word", "abbr"):
            continue
        w = t.text.lower()
        got = prof.originals(w)
        if not got and t.kind == "abbr":  # profiles key words as \\w+ runs: th. is th
            w = w.rstrip(".")
            got = prof.originals(w)
        if got:
            hits.append((i, w, got, prof.swap_probability(w)))
    flat = [(k, o) for k, h in enumerate(hits) for o, _ in h[2] if " " not in o]
    delta: dict[tuple[int, str], float] = {}
    if flat:
        gain = _lm_gain(engine, lay or layout(engine, toks), [hits[k][0] for k, _ in flat],
                        [o for _, o in flat])
        delta = dict(zip(flat, gain.tolist(), strict=True))
    out = []
    for k, (i, w, got, pr) in enumerate(hits):
        o, d = max(((o, delta.get((k, o), 0.0)) for o, _ in got),
                   key=lambda od: math.log(dict(got)[od[0]]) + 2.0 * _LN10 * od[1])
        out.append((i, w, o, pr, float(d)))
    return out


def policy_candidates(engine: Any, prof: Profile, x: str
                      ) -> list[tuple[str, tuple[float, ...]]]:
    """The candidate originals of an observed word ``x`` (lower case) that the profile never
    saw swapped, with their :data:`POLICY_FEATURES` rows: urai's thesaurus candidates of
    ``x`` (``engine.word_lists``) that are single words, minus the words the spinner was seen
    writing something else for (its dictionary has one substitute per word). Empty when
    ``x`` was seen swapped or has no candidate. (The rows lack the two LM features, which
    :func:`policy_rows` appends.)"""
    if prof.swapped(x):
        return []
    wl = engine.word_lists(x)
    if not wl:
        return []
    cands = [w for w in wl[0] if w != x and " " not in w and w.isalpha()
             and not prof.substitutes(w)]
    if not cands:
        return []
    zipf = engine.frequency.zipf
    total = prof.word_count()
    zx = zipf(x)
    kx = prof.kept.get(x, 0)
    obs_surv = math.log((kx + 0.5) / (total * 10.0 ** (zx - 9.0) + 0.5))
    lc = math.log(len(cands))
    out = []
    for w in cands:
        zw = zipf(w)
        kw = prof.kept.get(w, 0)
        out.append((w, (1.0, zw - zx, max(zx - zw, 0.0), zw,
                        math.log((kw + 0.5) / (total * 10.0 ** (zw - 9.0) + 0.5)),
                        math.log1p(kw), obs_surv, lc)))
    return out


@dataclass(frozen=True, slots=True)
class Profile:
    """A spinner's dictionary as learned from aligned copy/source pairs (see the module doc).

    ``pairs`` maps ``(observed, original)`` to a count, ``kept`` maps an observed word to the
    number of times it stood unchanged in a copy; both lower case. Immutable; build one with
    :func:`urai.corpus.profiling.learn_profile` or :meth:`Profile.from_counts`.
    """

    name: str = "profile"
    pairs: Mapping[tuple[str, str], int] = field(default_factory=dict)
    kept: Mapping[str, int] = field(default_factory=dict)
    documents: int = 0
    kind: str = "spinner"
    #: the spinner's selection policy over urai's thesaurus (None: not learned)
    policy: Policy | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ConfigError(f"profile name must be a non-empty string, got {self.name!r}")
        for key, n in self.pairs.items():
            if not (isinstance(key, tuple) and len(key) == 2 and all(
                    isinstance(w, str) and w for w in key)):
                raise ConfigError(f"profile pair must be (observed, original), got {key!r}")
            if isinstance(n, bool) or not isinstance(n, int) or n < 1:
                raise ConfigError(f"profile count of {key!r} must be an integer >= 1, got {n!r}")
        for w, n in self.kept.items():
            if isinstance(n, bool) or not isinstance(n, int) or n < 0:
                raise ConfigError(f"kept count of {w!r} must be an integer >= 0, got {n!r}")
        if isinstance(self.documents, bool) or not isinstance(self.documents, int) \
                or self.documents < 0:
            raise ConfigError(f"documents must be an integer >= 0, got {self.documents!r}")
        if self.policy is not None and not isinstance(self.policy, Policy):
            raise ConfigError(f"policy must be a Policy or None, got {self.policy!r}")
        # frozen: the derived look-up tables are set once, here
        by_obs: dict[str, list[tuple[str, int]]] = {}
        for (o, r), n in self.pairs.items():
            by_obs.setdefault(o, []).append((r, n))
        table = {o: tuple(sorted(v, key=lambda t: (-t[1], t[0]))) for o, v in by_obs.items()}
        object.__setattr__(self, "pairs", dict(self.pairs))
        object.__setattr__(self, "kept", dict(self.kept))
        rev: dict[str, set[str]] = {}
        for o, r in self.pairs:
            rev.setdefault(r, set()).add(o)
        object.__setattr__(self, "_table", table)
        object.__setattr__(self, "_rev", {r: frozenset(v) for r, v in rev.items()})
        object.__setattr__(self, "_words", sum(self.kept.values()) + sum(self.pairs.values()))

    _table: dict[str, tuple[tuple[str, int], ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False)
    _rev: dict[str, frozenset[str]] = field(
        default_factory=dict, init=False, repr=False, compare=False)
    _words: int = field(default=0, init=False, repr=False, compare=False)

    # ---- construction ---------------------------------------------------------------------
    @classmethod
    def from_counts(cls, name: str, swaps: Iterable[tuple[str, str]] | Counter[tuple[str, str]],
                    kept: Iterable[str] | Counter[str] = (), documents: int = 0) -> Profile:
        """A profile from ``(observed, original)`` swaps and the observed words kept (each
        iterable element is one occurrence; Counters are taken as counts)."""
        sw = swaps if isinstance(swaps, Counter) else Counter(
            (o.lower(), r.lower()) for o, r in swaps)
        kp = kept if isinstance(kept, Counter) else Counter(w.lower() for w in kept)
        return cls(name, {k: int(v) for k, v in sw.items() if v > 0},
                   {w: int(n) for w, n in kp.items() if n > 0}, documents)

    def merged(self, other: Profile, name: str | None = None) -> Profile:
        """The profile of both profiles' observations."""
        sw: Counter[tuple[str, str]] = Counter(self.pairs)
        sw.update(other.pairs)
        kp: Counter[str] = Counter(self.kept)
        kp.update(other.kept)
        return Profile(name or self.name, dict(sw), dict(kp), self.documents + other.documents,
                       self.kind, self.policy)

    def with_policy(self, policy: Policy | None) -> Profile:
        """The same profile with ``policy``."""
        return Profile(self.name, self.pairs, self.kept, self.documents, self.kind, policy)

    def word_count(self) -> int:
        """Words of the profile's copies that it counted (swapped or kept)."""
        return self._words

    # ---- look-up --------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.pairs)

    def __contains__(self, observed: object) -> bool:
        return isinstance(observed, str) and observed.lower() in self._table

    def originals(self, observed: str) -> tuple[tuple[str, int], ...]:
        """``((original, count), ...)`` of an observed word, most frequent first."""
        return self._table.get(observed.lower(), ())

    def swapped(self, observed: str) -> int:
        """How often ``observed`` stood for another word in the profile's copies."""
        return sum(n for _, n in self._table.get(observed.lower(), ()))

    def swap_probability(self, observed: str, prior: float = 0.5) -> float:
        """Posterior probability that an occurrence of ``observed`` in this spinner's copy is a
        swap: ``(swapped + prior) / (swapped + kept + 1)`` (0 for a word never seen swapped)."""
        n = self.swapped(observed)
        if n == 0:
            return 0.0
        return (n + prior) / (n + self.kept.get(observed.lower(), 0) + 1.0)

    def substitutes(self, original: str) -> frozenset[str]:
        """The words the spinner was seen writing for ``original``."""
        return self._rev.get(original.lower(), frozenset())

    def best(self, observed: str) -> tuple[str, int] | None:
        """The most frequent original of ``observed`` and its count, or None."""
        o = self._table.get(observed.lower())
        return o[0] if o else None

    # ---- attribution ----------------------------------------------------------------------
    def substitute_counts(self) -> Counter[str]:
        """How often the spinner wrote each observed word for another (its output words)."""
        c: Counter[str] = Counter()
        for (o, _), n in self.pairs.items():
            c[o] += n
        return c

    # ---- file format ----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The versioned JSON object of this profile (see the module docstring)."""
        rows = sorted(((o, r, n) for (o, r), n in self.pairs.items()),
                      key=lambda t: (-t[2], t[0], t[1]))
        swapped = {o for o, _ in self.pairs}
        unchanged = sorted(((w, n) for w, n in self.kept.items()
                            if w not in swapped and n >= MIN_UNCHANGED),
                           key=lambda t: (-t[1], t[0]))
        out = {"format": PROFILE_FORMAT, "version": PROFILE_VERSION, "name": self.name,
               "kind": self.kind, "documents": self.documents,
               "pairs": [{"observed": o, "original": r, "count": n,
                          "kept": int(self.kept.get(o, 0))} for o, r, n in rows],
               "unchanged": dict(unchanged)}
        if self.policy is not None:
            out["policy"] = self.policy.to_dict()
        return out

    @classmethod
    def from_dict(cls, obj: Any, where: str = "profile") -> Profile:
        """Read the JSON object of a profile (versions 1 to 3); InputError if malformed."""
        if not isinstance(obj, dict) or obj.get("format") != PROFILE_FORMAT:
            raise InputError(f"{where}: not a {PROFILE_FORMAT} file")
        version = obj.get("version")
        if version not in _READABLE:
            raise InputError(f"{where}: profile version {version!r} is not supported (this "
                             f"urai reads versions {', '.join(map(str, _READABLE))})")
        try:
            pairs: dict[tuple[str, str], int] = {}
            kept: dict[str, int] = {}
            for p in obj["pairs"]:
                o, r = str(p["observed"]).lower(), str(p["original"]).lower()
                pairs[(o, r)] = pairs.get((o, r), 0) + int(p["count"])
                if int(p.get("kept", 0)) > 0:
                    kept[o] = int(p["kept"])
            for w, n in (obj.get("unchanged") or {}).items():
                if str(w).lower() not in kept and int(n) > 0:
                    kept[str(w).lower()] = int(n)
            pol = obj.get("policy") if version >= 3 else None
            return cls(str(obj.get("name") or "profile"), pairs, kept,
                       int(obj.get("documents", 0)), str(obj.get("kind", "spinner")),
                       None if pol is None else Policy.from_dict(pol))
        except (KeyError, TypeError, ValueError, ConfigError) as exc:
            raise InputError(f"{where}: malformed profile ({exc})") from None

    def save(self, path: str | Path) -> None:
        """Write the profile as JSON (UTF-8, one pair per line)."""
        d = self.to_dict()
        pairs = d.pop("pairs")
        unchanged = d.pop("unchanged")
        policy = d.pop("policy", None)
        head = json.dumps(d, ensure_ascii=False)[:-1]
        body = ",\n  ".join(json.dumps(p, ensure_ascii=False) for p in pairs)
        tail = json.dumps(unchanged, ensure_ascii=False)
        pol = "" if policy is None else f',\n "policy": {json.dumps(policy)}'
        Path(path).write_text(f'{head}, "pairs": [\n  {body}\n],\n "unchanged": {tail}{pol}}}\n',
                              encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> Profile:
        """Read a profile file; InputError (one line) for a missing or malformed file."""
        try:
            obj = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(f"{path}: not a readable profile ({exc})") from None
        prof = cls.from_dict(obj, str(path))
        if obj.get("name") is None:
            prof = Profile(Path(path).stem, prof.pairs, prof.kept, prof.documents, prof.kind,
                           prof.policy)
        return prof


def attribute(words: Iterable[str], profiles: Mapping[str, Profile], *,
              smoothing: float = 0.5) -> list[tuple[str, float, int]]:
    """Which of ``profiles`` produced a copy with these (lower-case) ``words``, best first:
    ``(name, score, evidence)`` per profile.

    A naive-Bayes model over the spinners' output words: a profile is a multinomial over
    the words it was seen writing for others (counts plus ``smoothing`` over the union of
    all profiles' output words); a copy's tokens that some profile writes are drawn from it.
    ``score`` is the posterior probability of each profile (uniform prior; they sum to 1),
    ``evidence`` the number of the copy's tokens the profile has seen as substitutes. With no
    such token every score is ``1 / len(profiles)``."""
    if not profiles:
        raise ConfigError("attribute() needs at least one profile")
    counts = {name: p.substitute_counts() for name, p in profiles.items()}
    vocab: set[str] = set()
    for c in counts.values():
        vocab.update(c)
    toks = Counter(w for w in words if w in vocab)
    ll: dict[str, float] = {}
    hits: dict[str, int] = {}
    for name, c in counts.items():
        total = sum(c.values()) + smoothing * len(vocab)
        ll[name] = sum(k * math.log((c.get(w, 0) + smoothing) / total) for w, k in toks.items())
        hits[name] = sum(k for w, k in toks.items() if w in c)
    top = max(ll.values())
    z = sum(math.exp(v - top) for v in ll.values())
    out = [(name, math.exp(v - top) / z, hits[name]) for name, v in ll.items()]
    return sorted(out, key=lambda t: (-t[1], t[0]))


def load_profile(profile: Profile | str | Path) -> Profile:
    """A :class:`Profile` given one or the path of a profile file."""
    if isinstance(profile, Profile):
        return profile
    if isinstance(profile, (str, Path)):
        return Profile.load(profile)
    raise ConfigError(f"profile must be a Profile or a path, got {type(profile).__name__}")


def load_profiles(directory: str | Path) -> dict[str, Profile]:
    """The ``*.json`` profiles of ``directory`` by file stem (sorted); InputError if it has
    none or one is malformed."""
    d = Path(directory)
    if not d.is_dir():
        raise InputError(f"{d}: not a directory of profiles")
    out = {p.stem: Profile.load(p) for p in sorted(d.glob("*.json"))}
    if not out:
        raise InputError(f"{d}: no *.json profiles in it")
    return out
