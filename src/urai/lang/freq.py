"""Word-frequency prior for Indonesian, built from ``wordfreq``.

Build side (:mod:`urai.build.frequency`, needs the ``build`` extra) writes
``freq.tsv.gz`` (``word<TAB>round(zipf*100)`` per line, most frequent first) and
``stopwords.txt``. Runtime side: :class:`Frequency` and the cached
:func:`default_frequency`.

Licences: the ``wordfreq`` data is CC BY-SA 4.0 (Robyn Speer et al.), so ``freq.tsv.gz``
is CC BY-SA 4.0 too; the ``stopwordsiso`` list is MIT.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from urai.errors import ResourceError, resource_errors
from urai.lang.id import FREQ_PATH

__all__ = [
    "Frequency",
    "default_frequency",
    "load_frequency",
    "FREQ_FILENAME",
    "STOPWORDS_FILENAME",
]

FREQ_FILENAME = "freq.tsv.gz"
STOPWORDS_FILENAME = "stopwords.txt"
_HEADER = "# urai frequency v1\tsource=wordfreq (CC BY-SA 4.0)\tvalue=zipf*100"


class Frequency:
    """Zipf frequencies of Indonesian words (``zipf`` 0.0 for unknown words)."""

    __slots__ = ("_zipf", "path")

    def __init__(self, table: dict[str, float], path: Path | None = None) -> None:
        self._zipf = table
        self.path = path

    def zipf(self, word: str) -> float:
        """Zipf frequency of the lower-cased ``word`` (0.0 when not in the list)."""
        return self._zipf.get(word.lower(), 0.0)

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and word.lower() in self._zipf

    def __len__(self) -> int:
        return len(self._zipf)

    def __iter__(self) -> Iterator[str]:
        return iter(self._zipf)

    def words(self) -> frozenset[str]:
        """All known words."""
        return frozenset(self._zipf)


def load_frequency(path: Path | str | None = None) -> Frequency:
    """Load a ``freq.tsv.gz`` artefact; loud :class:`ResourceError` when missing/corrupt."""
    p = Path(path) if path is not None else FREQ_PATH
    table: dict[str, float] = {}
    with resource_errors(p, "frequency list"), gzip.open(p, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            word, _, val = line.rstrip("\n").partition("\t")
            table[word] = int(val) / 100.0
    if not table:
        raise ResourceError(f"{p}: frequency list is empty; run `urai data build`")
    return Frequency(table, p)


@lru_cache(maxsize=1)
def default_frequency() -> Frequency:
    """The shipped frequency prior, loaded once."""
    return load_frequency(None)
