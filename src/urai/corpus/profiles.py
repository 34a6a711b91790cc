"""Spinner profiles learned by ``urai cluster``: per family and per site, the observed ->
original word pairs that the alignments of the copies with their originals found, with counts.

A farm runs one spinner with one dictionary, so the pairs of its traced copies also say how to
restore and attribute its untraced pages. The files are :class:`urai.Profile` files (the one
versioned format, :mod:`urai.detect.profile`, ``docs/profiles.md``) with ``kind`` ``family`` or
``site``: ``urai check --profile`` and ``urai profile match`` read them as they are.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from urai.detect.profile import Profile

__all__ = ["build_profiles", "write_profiles"]

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _profile(kind: str, name: str, docs: int, counts: Counter[tuple[str, str]]) -> Profile:
    return Profile(name, {(o.lower(), r.lower()): int(c) for (o, r), c in counts.items()},
                   {}, docs, kind)


def build_profiles(copies: Iterable[Mapping[str, Any]]) -> list[Profile]:
    """Profiles from rows with ``family_id``, ``site`` and ``swaps`` (``(observed,
    original)`` pairs) of the copies; families and sites without any swap get none."""
    fam: dict[str, Counter[tuple[str, str]]] = {}
    site: dict[str, Counter[tuple[str, str]]] = {}
    fam_docs: Counter[str] = Counter()
    site_docs: Counter[str] = Counter()
    for row in copies:
        swaps = [(str(o).lower(), str(r).lower()) for o, r in row.get("swaps") or ()]
        swaps = [(o, r) for o, r in swaps if o and r and o != r]
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


def write_profiles(profiles: Iterable[Profile], root: Path) -> int:
    """``root/families/<id>.json`` and ``root/sites/<host>.json``; returns how many."""
    n = 0
    for p in profiles:
        d = root / ("families" if p.kind == "family" else "sites")
        d.mkdir(parents=True, exist_ok=True)
        name = _SAFE.sub("_", p.name)[:120] or "_"
        p.save(d / f"{name}.json")
        n += 1
    return n
