"""The evaluation spinner: a dictionary urai does not detect with.

A detector judged against its own spinner proves nothing, so every benchmark spins its
queries with this spinner instead of :func:`urai.simulate.spinner.spin`. Its dictionary is

* ``benchmarks/data/eval_substitutions.txt``: a hand-written list of news-word and
  function-word substitutions (one direction, as a spinner would apply them), written for
  this purpose and kept out of the package; and
* Wordnet Bahasa (MIT) synsets read from ``shared/data`` at benchmark time: single-word
  lemmas of synsets with at most ``max_synset`` members swap with each other.

urai's own thesaurus is mythes-id + Wordnet Bahasa (lower weight) + urai's function-word
table, so the two dictionaries overlap on Wordnet Bahasa (as the issue proposes) but the
hand list and mythes-id differ: substitutions from the hand list that urai's thesaurus does
not know are part of what the benchmarks measure.
"""

from __future__ import annotations

import os
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

from urai.simulate.spinner import Spinner

HERE = Path(__file__).resolve().parent
HAND_LIST = HERE / "data" / "eval_substitutions.txt"


def shared_data_dir() -> Path:
    """``$URAI_SHARED_DATA`` or ``../shared/data`` beside the repository."""
    env = os.environ.get("URAI_SHARED_DATA")
    path = Path(env) if env else HERE.parent.parent / "shared" / "data"
    if not path.is_dir():
        raise SystemExit(f"shared data not found at {path}; set URAI_SHARED_DATA")
    return path


def load_hand_list(path: Path = HAND_LIST) -> dict[str, list[str]]:
    table: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, alts = line.partition(":")
        table[word.strip()] = [a.strip() for a in alts.split(",") if a.strip()]
    return table


def load_wordnet(shared: Path, max_synset: int = 6) -> dict[str, list[str]]:
    synsets: dict[str, list[str]] = defaultdict(list)
    tab = shared / "thesaurus" / "wordnet-bahasa" / "wn-data-ind.tab"
    with open(tab, encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 3 and parts[1] == "ind:lemma":
                lemma = parts[2].strip().lower()
                if lemma and " " not in lemma and "_" not in lemma:
                    synsets[parts[0]].append(lemma)
    table: dict[str, set[str]] = defaultdict(set)
    for members in synsets.values():
        uniq = sorted(set(members))
        if 2 <= len(uniq) <= max_synset:
            for w in uniq:
                table[w].update(m for m in uniq if m != w)
    return {w: sorted(a) for w, a in table.items()}


@lru_cache(maxsize=1)
def eval_dictionary(shared: Path | None = None) -> dict[str, list[str]]:
    """The evaluation spinner's dictionary: the hand list first, then Wordnet Bahasa."""
    table = load_wordnet(shared or shared_data_dir())
    for word, alts in load_hand_list().items():
        table[word] = alts  # the hand list wins where both know a word
    return table


def eval_spinner(shared: Path | None = None) -> Spinner:
    return Spinner(eval_dictionary(shared), name="eval-handlist+wordnet")


if __name__ == "__main__":  # a quick look: python benchmarks/evalspin.py
    sp = eval_spinner()
    text = "Serangan udara itu terjadi karena konflik dan para warga akan mengungsi."
    for rate in (0.1, 0.3, 0.5):
        r = sp.spin(text, rate, seed=1)
        print(f"{rate:.1f} {r.rate:.2f} {r.text}")
