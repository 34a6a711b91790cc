"""Helpers the trainers share: the training articles, the cross-fitting halves, the shared
data folder and held-out models. Training code only; nothing at run time imports it.

* :func:`training_articles` — IndoSum folds 01-04 minus every fold-05 id (fold 05 evaluates);
* :func:`half_of` — an article's quarter (0-3, a hash of its id): quarters 0-1 are half A and
  2-3 half B of the cross-fitting split;
* :func:`heldout_lm` — an LM like the shipped one trained on one half + kumparan only;
* :func:`shared_dir` — where the raw shared data is.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from urai.build.corpora import iter_indosum_articles, iter_kumparan
from urai.lang.lm import NgramLM, normalize
from urai.lang.tokenize import sentences

__all__ = ["training_articles", "half_of", "heldout_lm", "shared_dir"]


def training_articles(shared: Path) -> list[tuple[str, str]]:
    """IndoSum folds 01-04 minus fold-05 ids, deduplicated."""
    corpus = shared / "corpus" / "indosum-dev"
    held = {aid for aid, _ in iter_indosum_articles(corpus / "dev.05.jsonl")}
    seen: set[str] = set()
    arts: list[tuple[str, str]] = []
    for f in ("01", "02", "03", "04"):
        arts.extend(iter_indosum_articles(corpus / f"dev.{f}.jsonl", held, seen))
    return arts


def half_of(aid: str) -> int:
    """The cross-fitting quarter (0-3) of an article id."""
    return hashlib.sha1(aid.encode()).digest()[0] % 4


def heldout_lm(shared: Path, texts: Sequence[str]):  # type: ignore[no-untyped-def]
    """An LM like the shipped one but trained only on ``texts`` + kumparan (cross-fitting).

    The shipped LM has seen every training article, so its evidence on them is far stronger
    than on unseen text; features for training are computed with an LM that has not.
    """
    def sents() -> Iterator[list[str]]:
        for t in texts:
            for s in sentences(t):
                yield [normalize(tok.text) for tok in s]
        yield from iter_kumparan(shared / "corpus" / "kumparan-sentences" / "dataset_postag.txt")

    return NgramLM.train(sents(), order=3, min_counts=(1, 1, 1), vocab_min_count=2)


def shared_dir(explicit: Path | None) -> Path | None:
    """``explicit``, else ``$URAI_SHARED_DATA``, else ``shared/data`` beside the repository;
    None (after a one-line message) when it holds no IndoSum folder."""
    shared = explicit
    if shared is None:
        env = os.environ.get("URAI_SHARED_DATA")
        shared = Path(env) if env else Path(__file__).resolve().parents[4] / "shared" / "data"
    if not (shared / "corpus" / "indosum-dev").is_dir():
        print(f"shared data not found at {shared}; pass --shared", file=sys.stderr)
        return None
    return shared
