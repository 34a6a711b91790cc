"""Precomputed candidate lists: what the detector finds for each word of news text, shipped.

:meth:`urai.detect.engine.Engine.word_info` turns a word into its candidates: its single-word
thesaurus alternatives (inflected through the affix model), the most frequent ones kept,
each with its link weight and, for the candidate features, how many alternatives the
candidate has in turn and whether the word is among them. That is a few hundred
thesaurus and affix look-ups per new word, paid once per word and process: on a fresh
process the first documents of a crawl are dominated by it (a warm check of a whole document
costs about as much as deriving one new word).

``candidates.npz`` holds those lists for every word of the shipped language model's
vocabulary and of the frequency prior (~40,000 words), computed by ``word_info`` itself
(:func:`urai.build.candidates.build_candidates`, run by ``urai data build``), so a word found
in the table gives
exactly what ``word_info`` would compute. Only the thesaurus part is stored (surfaces, link
weights, fan-out counts, reverse links); frequencies and LM ids are looked up at run time.
It also holds the *back sets* of every candidate surface (its own single-word alternatives,
:meth:`urai.detect.engine.Engine.back_set`), so that a word the table does not have (a rare
inflection, a spun-in rare word) costs one thesaurus look-up instead of one per candidate.
The table records the settings it was computed with (``max_candidates``, ``min_zipf``) and
SHA-256 digests of the thesaurus and frequency files; :func:`default_candidates` returns it
only for the shipped files, and an engine uses it only with the same settings. Rebuilt
data without a rebuilt table simply runs without it.

Derived from the thesaurus (mythes-id LGPL-2.1, Wordnet Bahasa MIT) and the frequency prior
(wordfreq, CC BY-SA 4.0); see ``NOTICE``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from urai.errors import ResourceError, resource_errors
from urai.lang.id import DATA_DIR, FREQ_PATH, THESAURUS_PATH

__all__ = ["CandidateTable", "load_candidates", "default_candidates",
           "CANDIDATES_FILENAME", "file_digest"]

CANDIDATES_FILENAME = "candidates.npz"
_FORMAT = "urai-candidates-2"
_FORMATS = (_FORMAT, "urai-candidates-1")  # version 1: no back sets


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes (hex)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


class CandidateTable:
    """Word -> ``(surfaces, weights, fan-out counts, reverse links)`` as computed by
    :meth:`urai.detect.engine.Engine.word_info` (an empty ``surfaces`` tuple: the word has none),
    and candidate surface -> its back set (:meth:`back_set`).

    ``surfaces`` is one string pool: ``cand`` and ``back`` index it; the first
    ``len(back_ptr) - 1`` of its strings have back sets, ``back[back_ptr[i]:back_ptr[i + 1]]``.
    """

    def __init__(self, words: Sequence[str], ptr: np.ndarray, cand: np.ndarray,
                 surfaces: Sequence[str], weight_code: np.ndarray, weights: np.ndarray,
                 fan: np.ndarray, rev: np.ndarray, meta: dict[str, Any],
                 back_ptr: np.ndarray | None = None, back: np.ndarray | None = None) -> None:
        n = len(words)
        if back_ptr is None or back is None:
            back_ptr, back = np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int32)
        if ptr.shape != (n + 1,) or len(cand) != int(ptr[-1]) or \
                not len(cand) == len(weight_code) == len(fan) == len(rev) or \
                back_ptr.ndim != 1 or len(back_ptr) - 1 > len(surfaces) or \
                len(back) != int(back_ptr[-1]) or \
                (len(back) and not 0 <= int(back.min()) <= int(back.max()) < len(surfaces)) or \
                (len(cand) and not 0 <= int(cand.min()) <= int(cand.max()) < len(surfaces)):
            raise ResourceError("candidate table: inconsistent arrays")
        self._index = {w: i for i, w in enumerate(words)}
        self.ptr = ptr.astype(np.int64)
        self.cand = cand
        self.surfaces = list(surfaces)
        self.weight_code = weight_code
        self.weights = weights.astype(np.float64)
        self.fan = fan
        self.rev = rev
        self.meta = meta
        self.back_ptr = back_ptr.astype(np.int64)
        self.back = back.astype(np.int32)
        self._back_index = {s: i for i, s in enumerate(self.surfaces[: len(back_ptr) - 1])}
        self._back_sets: dict[int, frozenset[str]] = {}

    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, word: object) -> bool:
        return word in self._index

    def matches(self, max_candidates: int, min_zipf: float) -> bool:
        """Computed with these :class:`~urai.detect.engine.Engine` settings."""
        return (int(self.meta.get("max_candidates", -1)) == max_candidates
                and float(self.meta.get("min_zipf", -1.0)) == min_zipf)

    def get(self, word: str) -> tuple[tuple[str, ...], np.ndarray, np.ndarray, np.ndarray] | None:
        """The stored lists of ``word``, or None when the table does not have it."""
        i = self._index.get(word)
        if i is None:
            return None
        a, b = int(self.ptr[i]), int(self.ptr[i + 1])
        sf = self.surfaces
        return (tuple(sf[int(k)] for k in self.cand[a:b]), self.weights[self.weight_code[a:b]],
                self.fan[a:b].astype(np.int64), self.rev[a:b].astype(bool))

    def back_set(self, surface: str) -> frozenset[str] | None:
        """The stored back set of a candidate ``surface``, or None when the table does not
        have it."""
        i = self._back_index.get(surface)
        if i is None:
            return None
        got = self._back_sets.get(i)
        if got is None:
            sf = self.surfaces
            got = frozenset(sf[int(k)] for k in self.back[self.back_ptr[i]:self.back_ptr[i + 1]])
            self._back_sets[i] = got
        return got

    def save(self, path: Path) -> Path:
        np.savez_compressed(
            path, format=np.array(_FORMAT), words=np.array("\n".join(self._index)),
            ptr=self.ptr.astype(np.int32), cand=self.cand.astype(np.int32),
            surfaces=np.array("\n".join(self.surfaces)),
            weight_code=self.weight_code.astype(np.uint8), weights=self.weights,
            fan=self.fan.astype(np.uint16), rev=self.rev.astype(np.uint8),
            back_ptr=self.back_ptr.astype(np.int32), back=self.back.astype(np.int32),
            meta=np.array(json.dumps(self.meta, sort_keys=True)))
        return Path(path)


def load_candidates(path: Path | str) -> CandidateTable:
    """Read a ``candidates.npz`` (:class:`ResourceError` when missing or corrupt)."""
    p = Path(path)
    with resource_errors(p, "candidate table"), np.load(p) as z:
        if "format" not in z or str(z["format"]) not in _FORMATS:
            raise ResourceError(f"{p}: not a urai candidate table ({_FORMAT})")
        words = str(z["words"]).split("\n") if str(z["words"]) else []
        surfaces = str(z["surfaces"]).split("\n") if str(z["surfaces"]) else []
        backs = (z["back_ptr"], z["back"]) if "back_ptr" in z else (None, None)
        return CandidateTable(words, z["ptr"], z["cand"], surfaces, z["weight_code"],
                              z["weights"], z["fan"], z["rev"], json.loads(str(z["meta"])),
                              *backs)


def _digests(folder: Path | None = None) -> dict[str, str]:
    """Digests of the thesaurus and frequency files in ``folder`` (default: the shipped)."""
    d = Path(folder) if folder is not None else DATA_DIR
    return {"thesaurus_sha256": file_digest(d / THESAURUS_PATH.name),
            "frequency_sha256": file_digest(d / FREQ_PATH.name)}


@lru_cache(maxsize=1)
def default_candidates() -> CandidateTable | None:
    """The shipped table, if present and computed from the shipped thesaurus and frequency
    files (None otherwise: the engine then computes every word's lists itself)."""
    path = DATA_DIR / CANDIDATES_FILENAME
    if not path.is_file():
        return None
    table = load_candidates(path)
    try:
        digests = _digests()
    except OSError:
        return None
    if any(table.meta.get(k) != v for k, v in digests.items()):
        return None
    return table


