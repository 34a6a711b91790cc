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

    {"format": "urai.profile", "version": 2,
     "name": "farm-a", "kind": "spinner", "documents": 20,
     "pairs": [{"observed": "serta", "original": "dan", "count": 41, "kept": 2}, ...]}

``pairs`` are sorted by count (highest first), then observed, then original; ``kept`` is the
observed word's count (the same on each of its pairs). ``"unchanged": {"word": n, ...}``
holds the words seen unchanged at least twice that the spinner never wrote for another word
(a check with the profile does not "restore" those). Version 1 files (written by
``urai cluster``: the same fields without ``kept``) are read too, with ``kept = 0``.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from urai.errors import ConfigError, InputError

__all__ = ["Profile", "PROFILE_FORMAT", "PROFILE_VERSION", "load_profile", "load_profiles",
           "attribute"]

PROFILE_FORMAT = "urai.profile"
PROFILE_VERSION = 2
#: words never swapped are written to ``unchanged`` when kept at least this often
MIN_UNCHANGED = 2
_READABLE = (1, 2)


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

    _table: dict[str, tuple[tuple[str, int], ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False)
    _rev: dict[str, frozenset[str]] = field(
        default_factory=dict, init=False, repr=False, compare=False)

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
                       self.kind)

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
        return {"format": PROFILE_FORMAT, "version": PROFILE_VERSION, "name": self.name,
                "kind": self.kind, "documents": self.documents,
                "pairs": [{"observed": o, "original": r, "count": n,
                           "kept": int(self.kept.get(o, 0))} for o, r, n in rows],
                "unchanged": dict(unchanged)}

    @classmethod
    def from_dict(cls, obj: Any, where: str = "profile") -> Profile:
        """Read the JSON object of a profile (versions 1 and 2); InputError if malformed."""
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
            return cls(str(obj.get("name") or "profile"), pairs, kept,
                       int(obj.get("documents", 0)), str(obj.get("kind", "spinner")))
        except (KeyError, TypeError, ValueError, ConfigError) as exc:
            raise InputError(f"{where}: malformed profile ({exc})") from None

    def save(self, path: str | Path) -> None:
        """Write the profile as JSON (UTF-8, one pair per line)."""
        d = self.to_dict()
        pairs = d.pop("pairs")
        unchanged = d.pop("unchanged")
        head = json.dumps(d, ensure_ascii=False)[:-1]
        body = ",\n  ".join(json.dumps(p, ensure_ascii=False) for p in pairs)
        tail = json.dumps(unchanged, ensure_ascii=False)
        Path(path).write_text(f'{head}, "pairs": [\n  {body}\n],\n "unchanged": {tail}}}\n',
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
            prof = Profile(Path(path).stem, prof.pairs, prof.kept, prof.documents, prof.kind)
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
