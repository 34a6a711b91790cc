"""Spinner profiles learned by ``urai cluster``: per family and per site, the observed ->
original word pairs the alignments of copies with their originals found, with counts.

A farm runs one spinner with one dictionary, so the pairs of its traced copies also say
how to restore and attribute its untraced pages. File format (``urai.profile``, version 1),
one JSON object per file, UTF-8::

    {"format": "urai.profile", "version": 1,
     "kind": "family" | "site", "name": "<family id or site host>",
     "documents": <copies that contributed>,
     "pairs": [{"observed": "lantaran", "original": "karena", "count": 12}, ...]}

``pairs`` are sorted by count (highest first), then observed, then original. The restore
issue's :class:`urai.Profile` is meant to read the same ``observed``/``original``/``count``
triples; :func:`load_profile` reads this format back.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from urai.errors import InputError

__all__ = ["PROFILE_FORMAT", "PROFILE_VERSION", "SpinnerProfile", "build_profiles",
           "write_profiles", "load_profile"]

PROFILE_FORMAT = "urai.profile"
PROFILE_VERSION = 1
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True)
class SpinnerProfile:
    kind: str
    name: str
    documents: int
    pairs: tuple[tuple[str, str, int], ...]

    def to_dict(self) -> dict[str, Any]:
        return {"format": PROFILE_FORMAT, "version": PROFILE_VERSION, "kind": self.kind,
                "name": self.name, "documents": self.documents,
                "pairs": [{"observed": o, "original": r, "count": c} for o, r, c in self.pairs]}


def _profile(kind: str, name: str, docs: int, counts: Counter[tuple[str, str]]
             ) -> SpinnerProfile:
    pairs = sorted(((o, r, c) for (o, r), c in counts.items()), key=lambda t: (-t[2], t[0], t[1]))
    return SpinnerProfile(kind, name, docs, tuple(pairs))


def build_profiles(copies: Iterable[Mapping[str, Any]]) -> list[SpinnerProfile]:
    """Profiles from rows with ``family_id``, ``site`` and ``swaps`` (``(observed,
    original)`` pairs) of the copies; families and sites without any swap get none."""
    fam: dict[str, Counter[tuple[str, str]]] = {}
    site: dict[str, Counter[tuple[str, str]]] = {}
    fam_docs: Counter[str] = Counter()
    site_docs: Counter[str] = Counter()
    for row in copies:
        swaps = [(str(o), str(r)) for o, r in row.get("swaps") or ()]
        if not swaps:
            continue
        f = str(row["family_id"])
        fam.setdefault(f, Counter()).update(swaps)
        fam_docs[f] += 1
        s = row.get("site")
        if s:
            site.setdefault(s, Counter()).update(swaps)
            site_docs[s] += 1
    out = [_profile("family", f, fam_docs[f], c) for f, c in sorted(fam.items())]
    out += [_profile("site", s, site_docs[s], c) for s, c in sorted(site.items())]
    return out


def write_profiles(profiles: Iterable[SpinnerProfile], root: Path) -> int:
    """``root/families/<id>.json`` and ``root/sites/<host>.json``; returns how many."""
    n = 0
    for p in profiles:
        d = root / ("families" if p.kind == "family" else "sites")
        d.mkdir(parents=True, exist_ok=True)
        name = _SAFE.sub("_", p.name)[:120] or "_"
        (d / f"{name}.json").write_text(json.dumps(p.to_dict(), ensure_ascii=False, indent=1)
                                        + "\n", encoding="utf-8")
        n += 1
    return n


def load_profile(path: str | Path) -> SpinnerProfile:
    """Read a profile file back (one clear error for anything else)."""
    try:
        obj = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not a readable profile ({exc})") from None
    if not isinstance(obj, dict) or obj.get("format") != PROFILE_FORMAT:
        raise InputError(f"{path}: not a {PROFILE_FORMAT} file")
    if obj.get("version") != PROFILE_VERSION:
        raise InputError(f"{path}: profile version {obj.get('version')!r} is not supported "
                         f"(this urai reads version {PROFILE_VERSION})")
    try:
        pairs = tuple((str(p["observed"]), str(p["original"]), int(p["count"]))
                      for p in obj["pairs"])
        return SpinnerProfile(str(obj["kind"]), str(obj["name"]), int(obj["documents"]), pairs)
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{path}: malformed profile ({exc})") from None
