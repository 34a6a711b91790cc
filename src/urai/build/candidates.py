"""Build ``candidates.npz``: every common word's candidate lists, computed by the detect
engine itself (:meth:`urai.detect.engine.Engine.word_lists`), so a word found in the table
gives exactly what the engine would compute. :mod:`urai.lang.candidates` loads it.

``python -m urai.build.candidates`` rebuilds the shipped table (about ten seconds).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from urai.detect.engine import Engine
from urai.errors import ResourceError
from urai.lang.candidates import CANDIDATES_FILENAME, CandidateTable, _digests, default_candidates
from urai.lang.freq import default_frequency, load_frequency
from urai.lang.id import DATA_DIR, FREQ_PATH, THESAURUS_PATH, default_stopwords
from urai.lang.lm import DEFAULT_LM_PATH, default_lm, load_lm
from urai.lang.thesaurus import default_thesaurus, load_thesaurus

__all__ = ["build_candidates", "table_words", "main"]


def table_words(lm: Any, frequency: Any) -> list[str]:
    """The words a table covers: the LM vocabulary's and the frequency prior's word-like
    entries (lower-case letters, inner hyphens), frequency order first."""
    wordlike = re.compile(r"^[^\W\d_]+(?:-[^\W\d_]+)*$")
    out = dict.fromkeys(w for w in frequency if wordlike.match(w))
    out.update(dict.fromkeys(w for w in lm.vocab if w == w.lower() and wordlike.match(w)))
    return list(out)


def build_candidates(out_dir: Path, words: Iterable[str] | None = None, *,
                     data_dir: Path | None = None, progress: bool = False) -> dict[str, int]:
    """Compute the table with a default :class:`~urai.detect.engine.Engine` (default settings) over
    the thesaurus, frequency prior and LM in ``data_dir`` (default ``out_dir``, as ``urai
    data build`` leaves them; the shipped ones for the package's data folder) for ``words``
    (default: :func:`table_words`) and write ``out_dir/candidates.npz``."""

    out = Path(out_dir)
    src = Path(data_dir) if data_dir is not None else out
    shipped = src.resolve() == DATA_DIR.resolve()
    if shipped:
        lm, freq, thes = default_lm(), default_frequency(), default_thesaurus()
    else:
        lm = load_lm(src / DEFAULT_LM_PATH.name)
        freq = load_frequency(src / FREQ_PATH.name)
        thes = load_thesaurus(src / THESAURUS_PATH.name)
    eng = Engine(lm, thes, freq, default_stopwords(), accelerate=False, candidates=False)
    todo = list(words) if words is not None else table_words(lm, freq)
    it: Iterable[str] = todo
    if progress:
        from tqdm import tqdm

        it = tqdm(todo, desc="candidates", unit=" words", file=sys.stderr)
    surf_index: dict[str, int] = {}
    wpal: dict[float, int] = {}
    ptr = [0]
    cand: list[int] = []
    wcode: list[int] = []
    fan: list[int] = []
    rev: list[int] = []
    for w in it:
        lists = eng.word_lists(w)
        if lists is not None:
            surfaces, weights, fans, revs = lists
            for s, wt, f, r in zip(surfaces, weights.tolist(), fans.tolist(), revs.tolist(),
                                   strict=True):
                cand.append(surf_index.setdefault(s, len(surf_index)))
                wcode.append(wpal.setdefault(float(wt), len(wpal)))
                fan.append(int(f))
                rev.append(int(r))
        ptr.append(len(cand))
    if len(wpal) > 255 or (fan and max(fan) > 65535):
        raise ResourceError("candidate table: more distinct weights or fan-outs than it stores")
    # the back set of every candidate surface, its members added to the same string pool
    back_ptr = [0]
    back: list[int] = []
    for s in list(surf_index):
        back.extend(surf_index.setdefault(b, len(surf_index)) for b in sorted(eng.back_set(s)))
        back_ptr.append(len(back))
    meta = {"max_candidates": eng.max_candidates, "min_zipf": eng.min_zipf,
            "words": len(todo), "built_by": "urai.build.candidates.build_candidates",
            **_digests(None if shipped else src)}
    table = CandidateTable(todo, np.asarray(ptr, dtype=np.int64), np.asarray(cand, np.int32),
                           list(surf_index), np.asarray(wcode, np.uint8),
                           np.asarray(list(wpal), dtype=np.float64),
                           np.asarray(fan, np.uint16), np.asarray(rev, np.uint8), meta,
                           np.asarray(back_ptr, dtype=np.int64), np.asarray(back, np.int32))
    out.mkdir(parents=True, exist_ok=True)
    table.save(out / CANDIDATES_FILENAME)
    default_candidates.cache_clear()
    return {"words": len(todo), "with_candidates": int(np.count_nonzero(np.diff(ptr))),
            "candidates": len(cand)}


def main(argv: list[str] | None = None) -> int:
    """``python -m urai.build.candidates``: rebuild the shipped table (about ten seconds)."""
    import argparse

    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("--out", type=Path, default=DATA_DIR)
    a = ap.parse_args(argv)
    stats = build_candidates(a.out, progress=True)
    print(f"candidates: {stats}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
