"""Build ``freq.tsv.gz`` (the word-frequency prior, from ``wordfreq``) and ``stopwords.txt``
(from ``stopwordsiso``); needs the ``build`` extra. :mod:`urai.lang.freq` loads them."""

from __future__ import annotations

import gzip
from pathlib import Path

from urai.errors import MissingDependencyError
from urai.lang.freq import _HEADER, FREQ_FILENAME, STOPWORDS_FILENAME

__all__ = ["build_frequency", "build_stopwords"]


def build_frequency(out_dir: Path) -> int:
    """Write ``out_dir/freq.tsv.gz`` from ``wordfreq``'s Indonesian list; return word count."""
    try:
        import wordfreq
    except ImportError:  # pragma: no cover - depends on the environment
        raise MissingDependencyError.for_extra("wordfreq", "build") from None
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows: list[tuple[str, int]] = []
    seen: set[str] = set()
    for w in wordfreq.top_n_list("id", 10_000_000):
        w = w.strip().lower()
        if not w or "\t" in w or w in seen:
            continue
        seen.add(w)
        z = int(round(wordfreq.zipf_frequency(w, "id") * 100))
        if z > 0:
            rows.append((w, z))
    rows.sort(key=lambda r: (-r[1], r[0]))
    path = out_dir / FREQ_FILENAME
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write((_HEADER + "\n").encode())
        gz.write("".join(f"{w}\t{z}\n" for w, z in rows).encode("utf-8"))
    return len(rows)


def build_stopwords(out_dir: Path) -> int:
    """Write ``out_dir/stopwords.txt`` from ``stopwordsiso`` (MIT); return word count."""
    try:
        import stopwordsiso
    except ImportError:  # pragma: no cover - depends on the environment
        raise MissingDependencyError.for_extra("stopwordsiso", "build") from None
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    words = sorted({w.strip().lower() for w in stopwordsiso.stopwords("id") if w.strip()})
    text = "# Indonesian stopwords from stopwordsiso (MIT licence)\n" + "\n".join(words) + "\n"
    (out_dir / STOPWORDS_FILENAME).write_text(text, encoding="utf-8")
    return len(words)
