"""Indonesian language data: paths and small lazy loaders.

Shipped artefacts live in :data:`DATA_DIR` and are built by ``urai data build``:

* ``thesaurus.tsv.gz`` - symmetric synonym graph (see :mod:`urai.lang.thesaurus`);
* ``freq.tsv.gz`` - word frequencies from ``wordfreq`` (CC BY-SA 4.0, see :mod:`urai.lang.freq`);
* ``stopwords.txt`` - stopwords from ``stopwordsiso`` (MIT);
* ``lm.npz`` - the trigram language model (:mod:`urai.lang.lm`);
* ``cloze.npz`` - the neural cloze model (:mod:`urai.lang.cloze`);
* ``candidates.npz`` - the candidate table of common words (:mod:`urai.lang.candidates`);
* ``detector.json`` - token and document model weights (:mod:`urai.detect.features`);
* ``screen.json`` - the screen's weights (:mod:`urai.detect.screener`).

``function_words.tsv`` (next to this file) is hand-written by the urai developers (MIT).
Nothing is loaded at import time.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from urai.errors import ResourceError

__all__ = [
    "DATA_DIR",
    "PACKAGE_DIR",
    "FUNCTION_WORDS_PATH",
    "THESAURUS_PATH",
    "FREQ_PATH",
    "STOPWORDS_PATH",
    "LM_PATH",
    "CLOZE_PATH",
    "CANDIDATES_PATH",
    "DETECTOR_PATH",
    "SCREEN_PATH",
    "default_stopwords",
    "load_stopwords",
]

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = PACKAGE_DIR / "data"
FUNCTION_WORDS_PATH = PACKAGE_DIR / "function_words.tsv"
THESAURUS_PATH = DATA_DIR / "thesaurus.tsv.gz"
FREQ_PATH = DATA_DIR / "freq.tsv.gz"
STOPWORDS_PATH = DATA_DIR / "stopwords.txt"
LM_PATH = DATA_DIR / "lm.npz"
CLOZE_PATH = DATA_DIR / "cloze.npz"
CANDIDATES_PATH = DATA_DIR / "candidates.npz"
DETECTOR_PATH = DATA_DIR / "detector.json"
SCREEN_PATH = DATA_DIR / "screen.json"


def load_stopwords(path: Path | str | None = None) -> frozenset[str]:
    """Read a stopword file (one lower-case word a line, ``#`` comments allowed)."""
    p = Path(path) if path is not None else STOPWORDS_PATH
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ResourceError(
            f"{p}: stopword list not found; run `urai data build` to create it"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ResourceError(
            f"{p}: cannot read stopword list ({exc}); run `urai data build`"
        ) from None
    words = frozenset(
        w.strip().lower() for w in text.splitlines() if w.strip() and not w.startswith("#")
    )
    if not words:
        raise ResourceError(f"{p}: stopword list is empty; run `urai data build`")
    return words


@lru_cache(maxsize=1)
def default_stopwords() -> frozenset[str]:
    """The shipped Indonesian stopword list (``stopwordsiso``, MIT), loaded once."""
    return load_stopwords(STOPWORDS_PATH)
