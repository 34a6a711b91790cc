"""A PAN-style text-reuse corpus from the shared data (issue 12), for ``bench_passages.py``.

PAN's text-alignment corpora (Potthast et al. 2013) insert passages of indexed *source*
documents, obfuscated in several ways, into otherwise clean *suspicious* documents and record
where each passage sits in both. This builder does the same from ``shared/data`` only:

* **sources** (indexed): IndoSum news articles (the text as ``distractors.article_text``
  writes it) and *glossary* documents: Wordnet Bahasa's Indonesian definitions (``ind:def``),
  40 consecutive synsets per document, one line ``lemma: definition.`` each. The glossary is
  not prose: short lines, almost no names or numbers (the immutables urai's shingles rely
  on), so it stands in for the "other genres" (essays, teaching material) we do not have.
* **clean text** (never indexed): sentences of the Leipzig news sample (evaluation only, never
  shipped) for the evaluation set; held-out IndoSum fold 01-04 articles for the tuning set.
* **passages**: consecutive sentences of a source from a random sentence until the length
  drawn from a bucket (25-50, 50-100, 100-300 words) is reached.
* **obfuscations** (``OBFUSCATIONS``):
  ``none``; ``random`` (the words of every sentence shuffled, PAN's random obfuscation without
  its insertions); ``pos`` (words permuted only among positions of the same part of speech
  inside a sentence: PAN's POS-preserving shuffling; tags from the kumparan POS sentences,
  most frequent tag per word, capitalised unknowns as names); ``spun10/30/50`` (the
  evaluation spinner of ``evalspin.py`` at that rate); ``dropmerge`` (a quarter of the
  sentences dropped, half of the remaining neighbours merged into one sentence with ``,
  dan``/``, sementara``); ``paraphrase``: a human-like paraphrase proxy that applies, per
  sentence, the three classes of edits of paraphrase typologies (Barron-Cedeno et al. 2013,
  *Plagiarism meets paraphrasing*): lexical (the evaluation spinner at 40%), syntactic (the
  clause after the last comma moved to the front, or the sentence split at a conjunction)
  and discourse/function words (``yang``/``telah``/``sudah``/``para`` dropped at random,
  ``Selain itu,``/``Sementara itu,`` added), plus sentence merging. It is not an LLM
  rewrite; real human paraphrase also changes phrasing that no thesaurus lists.

Everything is seeded: the same arguments give the same corpus.
"""

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from distractors import Article, article_text
from evalspin import eval_spinner

__all__ = ["Source", "Case", "Query", "OBFUSCATIONS", "BUCKETS", "news_sources", "boilerplate",
           "glossary_sources", "leipzig_sentences", "PanBuilder", "sentences_of"]

OBFUSCATIONS = ("none", "random", "pos", "spun10", "spun30", "spun50", "dropmerge",
                "paraphrase")
BUCKETS = ((25, 50), (50, 100), (100, 300))
_SENT_END = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass(frozen=True, slots=True)
class Source:
    id: str
    genre: str
    text: str
    sents: tuple[tuple[int, int], ...]  # character spans of the sentences in text


@dataclass(frozen=True, slots=True)
class Case:
    """A passage of ``source_id`` ``[src_start, src_end)`` at ``[q_start, q_end)``."""

    source_id: str
    genre: str
    obfuscation: str
    bucket: str
    words: int
    q_start: int
    q_end: int
    src_start: int
    src_end: int


@dataclass(frozen=True, slots=True)
class Query:
    id: str
    text: str
    cases: tuple[Case, ...]


def sentences_of(text: str) -> tuple[tuple[int, int], ...]:
    out = []
    pos = 0
    for m in _SENT_END.finditer(text):
        if m.start() > pos:
            out.append((pos, m.start()))
        pos = m.end()
    if pos < len(text):
        out.append((pos, len(text)))
    return tuple(s for s in out if text[s[0]:s[1]].strip())


def news_sources(arts: Sequence[Article]) -> list[Source]:
    out = []
    for a in arts:
        text = article_text(a.paragraphs)
        out.append(Source(a.id, "news", text, sentences_of(text)))
    return out


def glossary_sources(shared: Path, per_doc: int = 40) -> list[Source]:
    """Wordnet Bahasa definitions as glossary documents (``gloss-0000`` ...)."""
    lemmas: dict[str, list[str]] = defaultdict(list)
    defs: dict[str, str] = {}
    tab = shared / "thesaurus" / "wordnet-bahasa" / "wn-data-ind.tab"
    with open(tab, encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 3 and parts[1] == "ind:lemma":
                lemmas[parts[0]].append(parts[2].replace("_", " "))
            elif len(parts) == 4 and parts[1] == "ind:def":
                defs.setdefault(parts[0], parts[3].strip().rstrip("."))
    entries = [f"{lemmas[s][0]}: {d}." for s, d in sorted(defs.items())
               if lemmas.get(s) and len(d.split()) >= 4]
    out = []
    for k in range(0, len(entries) - per_doc + 1, per_doc):
        text = "\n".join(entries[k: k + per_doc])
        out.append(Source(f"gloss-{k // per_doc:04d}", "glossary", text, sentences_of(text)))
    return out


def boilerplate(sources: Sequence[Source]) -> frozenset[str]:
    """Sentences found in more than one source."""
    seen: Counter[str] = Counter()
    for src in sources:
        seen.update({src.text[a:b] for a, b in src.sents})
    return frozenset(x for x, n in seen.items() if n > 1)


def leipzig_sentences(shared: Path) -> list[str]:
    path = shared / "corpus" / "leipzig-news-2008-sample" / "ind_news_2008_sample25k.txt"
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            _, _, sent = line.rstrip("\n").partition(" ")
            if len(sent.split()) >= 6:
                out.append(sent.strip())
    return out


def pos_lexicon(shared: Path) -> dict[str, str]:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    path = shared / "corpus" / "kumparan-sentences" / "dataset_postag.txt"
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) == 2:
                counts[parts[0].lower()][parts[1].upper()] += 1
    return {w: c.most_common(1)[0][0] for w, c in counts.items()}


_DROP = {"yang", "telah", "sudah", "para", "pun", "pula", "itu", "ini", "tersebut"}
_JOIN = (", dan", ", sementara", ", sedangkan")
_OPEN = ("Selain itu, ", "Sementara itu, ", "Di sisi lain, ", "Adapun ")
_SPLIT_AT = (" dan ", " karena ", " sehingga ", " namun ")


class PanBuilder:
    """Seeded obfuscations and query assembly."""

    def __init__(self, shared: Path, seed: int = 0, avoid: frozenset[str] = frozenset()
                 ) -> None:
        # ``avoid``: boilerplate sentences (in more than one source, e.g. an outlet's
        # footer); a passage holding one has no single true source, so none is drawn
        self.avoid = avoid
        self.rng = random.Random(seed)
        self.spinner = eval_spinner(shared)
        self.tags = pos_lexicon(shared)

    # -- obfuscations -----------------------------------------------------------------------
    def obfuscate(self, sents: list[str], kind: str, seed: int) -> str:
        rng = random.Random(seed)
        if kind == "none":
            return " ".join(sents)
        if kind.startswith("spun"):
            return self.spinner.spin(" ".join(sents), int(kind[4:]) / 100, seed).text
        if kind == "random":
            return " ".join(self._shuffle(s, rng, by_pos=False) for s in sents)
        if kind == "pos":
            return " ".join(self._shuffle(s, rng, by_pos=True) for s in sents)
        if kind == "dropmerge":
            kept = [s for s in sents if rng.random() >= 0.25] or sents[:1]
            return " ".join(self._merge(kept, rng, 0.5))
        if kind == "paraphrase":
            out = []
            for k, s in enumerate(sents):
                s = self.spinner.spin(s, 0.4, seed * 1000 + k).text
                out.extend(self._rephrase(s, rng))
            return " ".join(self._merge(out, rng, 0.3))
        raise ValueError(kind)

    def _shuffle(self, sent: str, rng: random.Random, by_pos: bool) -> str:
        words = sent.split()
        end = ""
        if words and words[-1] in (".", "!", "?"):
            end = " " + words.pop()
        elif words and words[-1][-1:] in ".!?":
            end = words[-1][-1]
            words[-1] = words[-1][:-1]
        if not by_pos:
            rng.shuffle(words)
            return " ".join(words) + end
        groups: dict[str, list[int]] = defaultdict(list)
        for i, w in enumerate(words):
            groups[self._tag(w, i)].append(i)
        out = list(words)
        for tag, idx in groups.items():
            if tag in ("SYM", "NNP") or len(idx) < 2:
                continue
            perm = idx[:]
            rng.shuffle(perm)
            for a, b in zip(idx, perm, strict=True):
                out[a] = words[b]
        return " ".join(out) + end

    def _tag(self, w: str, i: int) -> str:
        t = self.tags.get(w.lower())
        if t:
            return t
        if not any(c.isalnum() for c in w):
            return "SYM"
        if w[:1].isupper() and i > 0:
            return "NNP"
        return "NN" if w.isalpha() else "SYM"

    @staticmethod
    def _merge(sents: list[str], rng: random.Random, p: float) -> list[str]:
        out: list[str] = []
        for s in sents:
            if out and rng.random() < p and out[-1].rstrip()[-1:] in ".!?":
                prev = out[-1].rstrip()[:-1].rstrip()
                nxt = s[:1].lower() + s[1:] if s[1:2].islower() else s
                out[-1] = f"{prev}{rng.choice(_JOIN)} {nxt}"
            else:
                out.append(s)
        return out

    @staticmethod
    def _rephrase(s: str, rng: random.Random) -> list[str]:
        words = [w for w in s.split() if not (w.lower() in _DROP and rng.random() < 0.5)]
        s = " ".join(words)
        body, end = (s[:-1].rstrip(), s[-1]) if s[-1:] in ".!?" else (s, ".")
        r = rng.random()
        if r < 0.35 and " , " in f" {body} ".replace(",", " , "):
            head, _, tail = body.rpartition(",")
            if head.strip() and len(tail.split()) >= 3:
                tail = tail.strip()
                body = f"{tail[:1].upper()}{tail[1:]}, {head[:1].lower()}{head[1:].strip()}"
        elif r < 0.6:
            for conj in _SPLIT_AT:
                if conj in body:
                    a, b = body.split(conj, 1)
                    if len(a.split()) >= 4 and len(b.split()) >= 4:
                        return [f"{a.strip()}{end}", f"{b[:1].upper()}{b[1:].strip()}{end}"]
        if rng.random() < 0.3 and body[:1].isupper() and body[1:2].islower():
            body = rng.choice(_OPEN) + body[:1].lower() + body[1:]
        return [f"{body}{end}"]

    # -- passages ---------------------------------------------------------------------------
    def passage(self, src: Source, lo: int, hi: int, rng: random.Random
                ) -> tuple[list[str], int, int] | None:
        """Consecutive sentences of ``src`` with ``lo..hi`` words (a target drawn in it)."""
        target = rng.randint(lo, hi)
        n = len(src.sents)
        for _ in range(8):
            start = rng.randrange(n)
            picked: list[int] = []
            words = 0
            for k in range(start, n):
                w = len(src.text[src.sents[k][0]: src.sents[k][1]].split())
                if words + w > hi and words >= lo:
                    break
                picked.append(k)
                words += w
                if words >= target:
                    break
            sents = [src.text[src.sents[k][0]: src.sents[k][1]] for k in picked]
            if lo <= words <= hi and not any(x in self.avoid for x in sents):
                return sents, src.sents[picked[0]][0], src.sents[picked[-1]][1]
        return None

    def case(self, src: Source, kind: str, bucket: tuple[int, int], seed: int
             ) -> tuple[str, Case] | None:
        rng = random.Random(seed)
        got = self.passage(src, bucket[0], bucket[1], rng)
        if got is None:
            return None
        sents, s0, s1 = got
        text = self.obfuscate(sents, kind, seed)
        words = len(" ".join(sents).split())
        return text, Case(src.id, src.genre, kind, f"{bucket[0]}-{bucket[1]}", words, 0,
                          len(text), s0, s1)

    def document(self, ident: str, filler: Sequence[str], n_words: int,
                 inserts: Sequence[tuple[str, Case]], rng: random.Random) -> Query:
        """Clean sentences up to ``n_words`` words with the passages inserted between
        sentences at random places; the cases get their offsets in the document."""
        clean: list[str] = []
        words = 0
        while words < n_words:
            s = rng.choice(filler)
            clean.append(s)
            words += len(s.split())
        slots = sorted(rng.sample(range(len(clean) + 1), min(len(inserts), len(clean) + 1)))
        parts: list[tuple[str, Case | None]] = [(s, None) for s in clean]
        for off, (slot, ins) in enumerate(zip(slots, inserts, strict=False)):
            parts.insert(slot + off, ins)
        text = ""
        cases = []
        for k, (piece, case) in enumerate(parts):
            if k:
                text += "\n\n" if case is not None or parts[k - 1][1] is not None else " "
            start = len(text)
            text += piece
            if case is not None:
                cases.append(Case(case.source_id, case.genre, case.obfuscation, case.bucket,
                                  case.words, start, len(text), case.src_start, case.src_end))
        return Query(ident, text, tuple(cases))
