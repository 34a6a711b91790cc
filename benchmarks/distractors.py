"""Synthetic distractor articles for the trace benchmark: same vocabulary, same topics.

An index of 1M documents needs 1M articles, and IndoSum has 3.5k. The distractors must be
hard: they should share the vocabulary, names, numbers and topics of the real articles, so a
method that matches on topic words or on boilerplate would produce false matches. Method:

* the IndoSum articles that may be used (``pool``: never the held-out articles that serve as
  unrelated queries) are split into sentences, grouped by IndoSum category (tajuk utama,
  olahraga, showbiz, hiburan, teknologi, inspirasi);
* each sentence becomes a *template*: its tokens, with the positions of names (capitalised
  tokens inside the sentence) and numbers marked as slots;
* distractor ``i`` is generated from its own random generator (seed, ``i``), so any range of
  ids can be regenerated independently (streaming, resumable, no giant lists): it takes a
  category (weighted by article counts), the paragraph shape of a random article of that
  category (number of paragraphs and sentences), and fills each sentence place with a random
  sentence of a *different* random article of the category. Every name is replaced by a name
  drawn from the category's name pool (consistently within the distractor: the same original
  name gets the same replacement) and every number by a number from the category's pool.

So a distractor reads like a same-topic news article written from stock phrases of that
beat, mentions real names and figures of the beat, shares many sentences' wording with real
articles but rarely their names and numbers, and never copies a whole article. Sentences of
an indexed source reappear (with other names) in about ``n_distractors / n_sentences``
distractors each: ~15 each at 1M documents.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from urai.build.corpora import indosum_rows

__all__ = ["Article", "load_indosum", "DistractorGenerator", "article_text"]

_NUM = re.compile(r"^\d[\d.,/:]*$")


@dataclass(frozen=True, slots=True)
class Article:
    id: str
    category: str
    paragraphs: tuple[tuple[tuple[str, ...], ...], ...]  # paragraphs > sentences > tokens
    url: str | None
    fold: int


def article_text(paragraphs: Sequence[Sequence[Sequence[str]]]) -> str:
    """Detokenise IndoSum's pre-tokenised paragraphs (blank line between paragraphs)."""
    return "\n\n".join(" ".join(" ".join(s) for s in p) for p in paragraphs)


def load_indosum(shared: Path) -> list[Article]:
    """All IndoSum dev folds, first occurrence of each id, in fold order."""
    seen: set[str] = set()
    out: list[Article] = []
    for fold in range(1, 6):
        for d in indosum_rows(shared / "corpus" / "indosum-dev" / f"dev.{fold:02d}.jsonl"):
            if d["id"] in seen:
                continue
            seen.add(d["id"])
            paras = tuple(tuple(tuple(s) for s in p) for p in d["paragraphs"] if p)
            out.append(Article(d["id"], d["category"], paras, d.get("source_url"), fold))
    return out


class DistractorGenerator:
    """Reproducible same-topic distractor articles from a pool of real ones."""

    def __init__(self, pool: Sequence[Article], seed: int = 0) -> None:
        self.seed = seed
        cats: dict[str, list[int]] = {}
        self._templates: list[list[tuple[tuple[str, ...], tuple[int, ...], tuple[int, ...]]]]
        self._templates = []
        self._shapes: list[tuple[int, ...]] = []
        names: dict[str, set[str]] = {}
        nums: dict[str, set[str]] = {}
        for art in pool:
            sents = []
            for para in art.paragraphs:
                for s in para:
                    name_pos, num_pos = [], []
                    for k, tok in enumerate(s):
                        if _NUM.match(tok):
                            num_pos.append(k)
                            nums.setdefault(art.category, set()).add(tok)
                        elif k > 0 and tok[:1].isupper() and tok[1:2].islower() and \
                                s[k - 1] not in ('"', "“", "."):
                            name_pos.append(k)
                            names.setdefault(art.category, set()).add(tok)
                    sents.append((tuple(s), tuple(name_pos), tuple(num_pos)))
            if not sents:
                continue
            cats.setdefault(art.category, []).append(len(self._templates))
            self._templates.append(sents)
            self._shapes.append(tuple(len(p) for p in art.paragraphs))
        self._cats = sorted(cats)
        self._cat_articles = [cats[c] for c in self._cats]
        self._cat_weights = [len(cats[c]) for c in self._cats]
        self._names = [sorted(names.get(c, {"Jakarta"})) for c in self._cats]
        self._nums = [sorted(nums.get(c, {"1"})) for c in self._cats]

    def generate(self, i: int) -> tuple[str, str, str]:
        """``(id, category, text)`` of distractor number ``i``."""
        rng = random.Random(self.seed * 1_000_003 + i)
        c = rng.choices(range(len(self._cats)), weights=self._cat_weights)[0]
        arts = self._cat_articles[c]
        names, nums = self._names[c], self._nums[c]
        shape = self._shapes[rng.choice(arts)]
        mapping: dict[str, str] = {}
        paras = []
        for n_sent in shape:
            sents = []
            for _ in range(n_sent):
                tmpl = self._templates[rng.choice(arts)]
                toks, name_pos, num_pos = tmpl[rng.randrange(len(tmpl))]
                if name_pos or num_pos:
                    out = list(toks)
                    for k in name_pos:
                        rep = mapping.get(toks[k])
                        if rep is None:
                            rep = mapping[toks[k]] = rng.choice(names)
                        out[k] = rep
                    for k in num_pos:
                        out[k] = rng.choice(nums)
                    sents.append(" ".join(out))
                else:
                    sents.append(" ".join(toks))
            paras.append(" ".join(sents))
        return f"distractor-{i:07d}", self._cats[c], "\n\n".join(paras)

    def iter(self, start: int, stop: int) -> Iterator[tuple[str, str, str]]:
        for i in range(start, stop):
            yield self.generate(i)


if __name__ == "__main__":  # a look at two distractors: python benchmarks/distractors.py
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from evalspin import shared_data_dir

    gen = DistractorGenerator(load_indosum(shared_data_dir()), seed=0)
    for ident, cat, text in gen.iter(0, 2):
        print(ident, cat)
        print(text[:800], "...\n")
