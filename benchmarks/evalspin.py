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

*Farm mode* (:func:`farm_dictionaries`, :meth:`urai.simulate.spinner.Spinner.spin_consistent`)
models a real farm's spinner instead: a fixed directed dictionary per farm (one substitute per
word, ~70 % of its pairs from urai's thesaurus candidates, the rest from this evaluation
dictionary), the same substitute for a word throughout a text, each eligible occurrence
replaced with probability q.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass
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


# ---- farm mode ---------------------------------------------------------------------------
#: share of a farm dictionary's pairs drawn from urai's own candidates (the rest from the
#: evaluation dictionary, where urai's candidates do not have the original)
FARM_OVERLAP = 0.7
#: words of the frequency list at or above this zipf are a farm's possible keys
FARM_MIN_ZIPF = 3.3


@dataclass(frozen=True, slots=True)
class Farm:
    """One evaluation farm: a fixed directed dictionary ``word -> one substitute``."""

    name: str
    table: dict[str, str]
    in_urai: frozenset[str]  # the keys whose substitute is among urai's candidates

    @property
    def overlap(self) -> float:
        """Share of the dictionary's pairs that urai's thesaurus candidates contain."""
        return len(self.in_urai) / max(len(self.table), 1)

    def spinner(self) -> Spinner:
        return Spinner({w: [s] for w, s in self.table.items()}, name=self.name)


def farm_dictionaries(n: int = 10, *, overlap: float = FARM_OVERLAP, include: float = 0.6,
                      seed: int = 0, shared: Path | None = None) -> list[Farm]:
    """``n`` farms, each a directed dictionary from common words to rarer synonyms, as a
    real spinner's (context-blind, one substitute per word):

    * its keys: each word of the frequency list (zipf >= FARM_MIN_ZIPF) that has an
      alternative, kept with probability ``include`` (so the farms' dictionaries differ);
    * its substitute: with probability about ``overlap`` one of urai's own thesaurus
      candidates for the word (urai restores these if anything), else an alternative from the
      evaluation dictionary (hand list + Wordnet Bahasa) that urai's candidates do not have
      (outside urai's ceiling); a rarer alternative is preferred (zipf below the word's).
    """
    import random

    from urai.detect.detector import default_detector
    from urai.lang.freq import default_frequency

    eng = default_detector().engine
    freq = default_frequency()
    ed = eval_dictionary(shared)
    words = sorted(w for w in freq if w.isalpha() and freq.zipf(w) >= FARM_MIN_ZIPF)
    pools: list[tuple[str, list[str], list[str]]] = []
    for w in words:
        wl = eng.word_lists(w)
        u = [a for a in (wl[0] if wl else ()) if " " not in a]
        e = sorted(a for a in set(ed.get(w, ())) - set(u) - {w} if " " not in a)
        if u or e:
            pools.append((w, u, e))
    # probability of an outside pair for a word that has both kinds, so that ~overlap of
    # all pairs are urai's
    n_e_only = sum(1 for _, u, e in pools if e and not u)
    n_both = sum(1 for _, u, e in pools if e and u)
    x = min(1.0, max(0.0, ((1 - overlap) * len(pools) - n_e_only) / max(n_both, 1)))
    farms = []
    for k in range(n):
        rng = random.Random(f"{seed}-farm-{k}")
        table: dict[str, str] = {}
        inside: set[str] = set()
        for w, u, e in pools:
            if rng.random() >= include:
                continue
            outside = bool(e) and (not u or rng.random() < x)
            alts = e if outside else u
            zw = freq.zipf(w)
            rarer = [a for a in alts if freq.zipf(a) < zw]
            table[w] = rng.choice(rarer or alts)
            if not outside:
                inside.add(w)
        farms.append(Farm(f"farm{k:02d}", table, frozenset(inside)))
    return farms


if __name__ == "__main__":  # a quick look: python benchmarks/evalspin.py
    sp = eval_spinner()
    text = "Serangan udara itu terjadi karena konflik dan para warga akan mengungsi."
    for rate in (0.1, 0.3, 0.5):
        r = sp.spin(text, rate, seed=1)
        print(f"{rate:.1f} {r.rate:.2f} {r.text}")
