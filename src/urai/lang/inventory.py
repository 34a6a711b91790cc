"""What language resources urai has loaded: thesaurus, language model, frequency prior.

``urai.resources()`` loads the shipped defaults (or a user's ``--lm``) and reports their sizes
and provenance as typed objects; ``urai resources [--json]`` prints the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from urai.jsonable import to_jsonable
from urai.kernels import status
from urai.lang.candidates import CANDIDATES_FILENAME, default_candidates
from urai.lang.cloze import CLOZE_PATH, default_cloze
from urai.lang.freq import default_frequency
from urai.lang.id import DATA_DIR, default_stopwords
from urai.lang.lm import load_lm
from urai.lang.thesaurus import default_thesaurus

__all__ = ["ResourcesInfo", "ThesaurusInfo", "LMInfo", "FrequencyInfo", "ClozeInfo",
           "CandidatesInfo", "resources"]


@dataclass(frozen=True, slots=True)
class ThesaurusInfo:
    headwords: int
    edges: int
    sources: tuple[dict[str, Any], ...]
    path: str


@dataclass(frozen=True, slots=True)
class LMInfo:
    order: int
    ngrams: tuple[int, ...]
    tokens: int
    vocab: int
    sources: tuple[str, ...]
    path: str
    size_bytes: int


@dataclass(frozen=True, slots=True)
class FrequencyInfo:
    words: int
    source: str
    stopwords: int


@dataclass(frozen=True, slots=True)
class ClozeInfo:
    vocab_in: int
    vocab_out: int
    dim: int
    hidden: int
    data: str
    path: str


@dataclass(frozen=True, slots=True)
class CandidatesInfo:
    words: int
    with_candidates: int
    candidates: int
    path: str
    #: candidate surfaces whose own alternatives (back sets) the table stores
    back_sets: int = 0


@dataclass(frozen=True, slots=True)
class ResourcesInfo:
    thesaurus: ThesaurusInfo
    lm: LMInfo
    frequency: FrequencyInfo
    data_dir: str = field(default="")
    cloze: ClozeInfo | None = None
    #: which implementation of the check pipeline runs (urai.kernels.status)
    implementation: str = ""
    #: the precomputed candidate table, if shipped and in step with the data
    candidates: CandidatesInfo | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "thesaurus": to_jsonable(self.thesaurus),
            "lm": to_jsonable(self.lm),
            "frequency": to_jsonable(self.frequency),
            "cloze": to_jsonable(self.cloze) if self.cloze is not None else None,
            "data_dir": self.data_dir,
            "implementation": self.implementation,
            "candidates": to_jsonable(self.candidates) if self.candidates is not None else None,
        }


def resources(lm: str | Path | None = None) -> ResourcesInfo:
    """Load the language resources (the shipped defaults, or the LM at ``lm``) and describe them."""

    thes = default_thesaurus()
    ti = thes.info()
    model = load_lm(lm)
    li = model.info()
    freq = default_frequency()
    cloze = None

    if CLOZE_PATH.is_file():
        ci = default_cloze().info()
        cloze = ClozeInfo(int(ci["vocab_in"]), int(ci["vocab_out"]), int(ci["dim"]),
                          int(ci["hidden"]), str(ci.get("data", "")), str(CLOZE_PATH))

    table = default_candidates()
    cands = None
    if table is not None:
        cands = CandidatesInfo(len(table), int(np.count_nonzero(np.diff(table.ptr))),
                               len(table.cand), str(DATA_DIR / CANDIDATES_FILENAME),
                               len(table.back_ptr) - 1)
    return ResourcesInfo(
        thesaurus=ThesaurusInfo(
            headwords=int(ti["headwords"]),
            edges=int(ti["edges"]),
            sources=tuple(ti.get("sources", ())),
            path=str(ti.get("path", "")),
        ),
        lm=LMInfo(
            order=int(li["order"]),
            ngrams=tuple(int(n) for n in li["ngrams"]),
            tokens=int(li["tokens"]),
            vocab=int(li["vocab"]),
            sources=tuple(li.get("sources", ())),
            path=str(li.get("path", "")),
            size_bytes=int(li.get("size_bytes", 0)),
        ),
        frequency=FrequencyInfo(
            words=len(freq),
            source="wordfreq (Indonesian; data CC BY-SA 4.0)",
            stopwords=len(default_stopwords()),
        ),
        data_dir=str(DATA_DIR),
        cloze=cloze,
        implementation=status(),
        candidates=cands,
    )
