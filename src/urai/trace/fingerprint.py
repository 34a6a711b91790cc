"""Spin-robust fingerprints of a text, for the source index (:mod:`urai.trace.index`).

A spinner swaps words that have synonyms (``serangan udara`` -> ``serangan hawa``, ``karena``
-> ``lantaran``), so word n-grams of a spun copy rarely survive: at 30% spinning a copy and its
source share under 10% of their word 5-grams. What a spinner cannot touch are the words that
have no synonym to swap to: names, numbers, rare and technical words (the *immutables* of
DSpin, Zhang et al. 2014). This module fingerprints a text by

1. **fast tokenisation**: lower-cased ``\\w+`` runs (hyphenated words kept whole); the full
   tokeniser in :mod:`urai.lang.tokenize` keeps offsets and is ~10x slower, which the index cannot
   afford at ingest (offsets are only needed by :mod:`urai.trace.align`);
2. **immutable filter**: a word is kept when it is not a stopword, is at least two characters
   long and the thesaurus says no spinner could replace it (``is_mutable`` is false); numbers
   are always kept. Each distinct word's decision and 64-bit hash are computed once and cached;
3. **shingles** of ``shingle`` consecutive immutables (3 by default: long enough that
   unrelated articles on the same topic rarely share one, short enough to survive the odd
   swap of a word urai's thesaurus does not know), hashed to 64 bits with numpy (a
   position-weighted sum of the words' blake2b hashes, then the splitmix64 finaliser);
4. **consistent sampling**: a shingle is kept when its hash is ``0 mod sample_mod``. The same
   shingle is kept in every text that contains it, so the share of a query's fingerprints found
   in a source estimates *containment* of the query in the source: a half-article excerpt or
   a text stitched from two sources still shares most of its fingerprints with each source
   (a bottom-k MinHash sketch would not, it estimates resemblance of whole documents).

The fingerprints of a text are a sorted array of distinct signed 64-bit integers (SQLite's
INTEGER). Everything that changes them is in :class:`IndexConfig` plus the thesaurus and
stopword list, whose identity :meth:`Fingerprinter.signature` records in the index so an index
is never queried with fingerprints it was not built with.
"""

from __future__ import annotations

import hashlib
import json
import operator
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Protocol

import numpy as np

from urai import kernels
from urai.errors import ConfigError

__all__ = ["IndexConfig", "Fingerprinter", "ThesaurusLike", "fast_words", "FINGERPRINT_VERSION"]

#: bumped whenever the fingerprint function changes in a way that makes old indexes stale
#: (3: sentence-bag fingerprints beside the immutable shingles)
FINGERPRINT_VERSION = 3

_WORD_RE = re.compile(r"\w+(?:-\w+)*")
#: words plus sentence ends (a run of . ! ? before white space or the end, or a line break)
_TOKEN_RE = re.compile(r"\w+(?:-\w+)*|[.!?]+(?=\s|$)|\n")
#: salt of the sentence-bag pair hashes (keeps them apart from the shingle hashes)
_BAG_SALT = 0x5BD1E9955BD1E995
#: a sentence needs this many distinct content keys to get a bag fingerprint in the index
BAG_MIN_KEYS = 3
#: at query time, pairs are formed among the 4 lowest-ranked keys of each sentence, and
#: among the 5 lowest of the sentence with its words' alternatives added
BAG_QUERY_KEYS = 5
#: at query time a mutable word also contributes the keys of this many of its thesaurus
#: alternatives (the source may have had any of them: several keys per word)
BAG_QUERY_ALTS = 3
_MASK64 = (1 << 64) - 1


class ThesaurusLike(Protocol):
    """What the index needs from a thesaurus (:class:`urai.lang.thesaurus.Thesaurus` has it)."""

    def canonical(self, word: str) -> str: ...

    def is_mutable(self, word: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class IndexConfig:
    """Fingerprint and query settings of an index, validated at creation.

    The fingerprint fields (``shingle``, ``sample_mod``, ``min_len``, ``bags``: whether the
    sentence-bag channel is indexed) are fixed when an index is created and stored in it; the
    query fields (``df_cap``, ``verify``, ``threshold``, ``min_shared``, ``min_block``: the
    shortest aligned run that counts towards coverage; ``passage_words`` and
    ``passage_similarity``: a source whose coverage of the query is under ``threshold`` is
    still a match when one located passage has that many query words at that similarity,
    outside common text and text a better source explains; on folds 01-04, 25 words, the
    issue's shortest passage, returned every source of 0.747 of the documents against 0.827
    at 20, with the same plagiarism-free documents matched, 1 of 100, because a located
    passage is often a few words shorter than the copy; ``rerank``: how many of a
    paragraph's best-voted candidates are re-ranked by the share of its content words their
    text holds before ``verify`` of them are aligned; 0, or any value up to ``verify``, re-ranks
    nothing, since that many are aligned anyway) may differ between
    queries.
    """

    shingle: int = 3
    sample_mod: int = 2
    min_len: int = 2
    df_cap: int = 500
    verify: int = 6
    min_shared: int = 2
    threshold: float = 0.2
    min_block: int = 5
    bags: bool = True
    passage_words: int = 20
    passage_similarity: float = 0.6
    rerank: int = 50

    def __post_init__(self) -> None:
        checks = [
            (1 <= self.shingle <= 8, "shingle must be between 1 and 8"),
            (1 <= self.sample_mod <= 64, "sample_mod must be between 1 and 64"),
            (1 <= self.min_len <= 10, "min_len must be between 1 and 10"),
            (self.df_cap >= 1, "df_cap must be at least 1"),
            (1 <= self.verify <= 1000, "verify must be between 1 and 1000"),
            (self.min_shared >= 1, "min_shared must be at least 1"),
            (0.0 <= self.threshold <= 1.0, "threshold must be between 0 and 1"),
            (1 <= self.min_block <= 100, "min_block must be between 1 and 100"),
            (isinstance(self.bags, bool), "bags must be a bool"),
            (5 <= self.passage_words <= 1000, "passage_words must be between 5 and 1000"),
            (0.0 < self.passage_similarity <= 1.0, "passage_similarity must be in (0, 1]"),
            (0 <= self.rerank <= 10_000, "rerank must be between 0 and 10000"),
        ]
        for ok, msg in checks:
            if not ok:
                raise ConfigError(f"IndexConfig: {msg} (got {self})")
        for name in ("shingle", "sample_mod", "min_len", "df_cap", "verify", "min_shared",
                     "min_block", "passage_words", "rerank"):
            if not isinstance(getattr(self, name), int) or isinstance(getattr(self, name), bool):
                raise ConfigError(f"IndexConfig: {name} must be an int")

    def fingerprint_fields(self) -> dict[str, int | bool]:
        """The fields that define the fingerprints (stored in the index, must match)."""
        return {
            "version": FINGERPRINT_VERSION,
            "shingle": self.shingle,
            "sample_mod": self.sample_mod,
            "min_len": self.min_len,
            "bags": self.bags,
        }

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def fast_words(text: str) -> list[str]:
    """Lower-cased word/number runs of ``text`` (the fingerprinting tokeniser)."""
    return _WORD_RE.findall(text.lower())


def _word_hash(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")


#: odd multipliers of the words at each position of a shingle (h = mix(sum w_i * P_i))
_POS = [np.uint64(c) for c in (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
                               0xD6E8FEB86659FD93, 0xA0761D6478BD642F, 0xE7037ED1A0B428DB,
                               0x8EBC6AF09C88C6E3, 0x589965CC75374CC3)]
_M2 = np.uint64(0xBF58476D1CE4E5B9)
_M3 = np.uint64(0x94D049BB133111EB)
_NONE = np.uint64(_MASK64)  # "no key" in the sentence-bag ranking


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser, vectorised (uint64 arithmetic wraps)."""
    x = x ^ (x >> np.uint64(30))
    x = x * _M2
    x = x ^ (x >> np.uint64(27))
    x = x * _M3
    return x ^ (x >> np.uint64(31))


class Fingerprinter:
    """Turns texts into sampled shingle hashes of their immutable words.

    ``thesaurus`` needs ``is_mutable(word)`` (and ``canonical`` for alignment); ``stopwords``
    is a set of lower-cased words never used in fingerprints. Both default to urai's shipped
    resources (:func:`urai.lang.thesaurus.default_thesaurus`,
    :func:`urai.lang.id.default_stopwords`).

    With the compiled kernels (:mod:`urai.kernels`) and ``accelerate`` (the default), a text
    is tokenised and its tokens mapped to word slots in one C pass (``urai._core.fp_slots``,
    through hash tables that mirror the word dicts below) and its shingles hashed in C
    (``fp_shingles``); the fingerprints are the same as the Python/numpy reference's, which
    runs with ``accelerate=False``, without the extension or with ``URAI_PURE_PYTHON`` set.
    """

    _CACHE_MAX = 2_000_000

    def __init__(
        self,
        config: IndexConfig | None = None,
        thesaurus: ThesaurusLike | None = None,
        stopwords: Iterable[str] | None = None,
        *,
        accelerate: bool = True,
    ) -> None:
        self.config = config or IndexConfig()
        core = kernels.core() if accelerate and kernels.enabled() else None
        self._core = core
        # C mirrors of self._ids and self._bag_ids (every insertion goes to both)
        self._ctab_ids = core.FpTable() if core is not None else None
        self._ctab_bag = core.FpTable() if core is not None else None
        if thesaurus is None:
            from urai.lang.thesaurus import default_thesaurus

            thesaurus = default_thesaurus()
        if stopwords is None:
            from urai.lang.id import default_stopwords

            stopwords = default_stopwords()
        self.thesaurus = thesaurus
        self.stopwords = frozenset(w.lower() for w in stopwords)
        # word -> slot in self._hashes (its 64-bit hash) if the word is immutable, else 0;
        # small slot numbers convert to numpy much faster than 64-bit hashes
        self._ids: dict[str, int] = {}
        self._hashes = np.zeros(1024, dtype=np.uint64)
        self._n_slots = 1
        # a word of the synonym graph is mutable: a cheap test before the morphology-aware
        # is_mutable (~100 us per new word)
        has = getattr(thesaurus, "has", None)
        self._has = has if callable(has) else (lambda word: False)
        # sentence-bag channel: word -> slot in self._bag_vals; slot 1 = sentence end. A value
        # is the word's rank key: the 64-bit hash of its synonym-canonical form, top bit set
        # for mutable words so that immutables rank first (every word has its own slot;
        # value 0 = not a content word) and its immutable hash
        # in self._bag_imm (0 = not immutable), so one look-up per token serves both channels
        self._bag_ids: dict[str, int] = {}
        self._bag_vals = np.zeros(1024, dtype=np.uint64)
        self._bag_imm = np.zeros(1024, dtype=np.uint64)
        self._n_bag = 2
        self._bag_alts: dict[int, tuple[int, ...]] = {}  # bag slot -> its alternatives' slots

    # -- identity ---------------------------------------------------------------------------
    def signature(self) -> dict[str, object]:
        """What the fingerprints depend on: config fields plus thesaurus/stopword identity."""
        th = self.thesaurus
        th_id = getattr(th, "version", None)
        if th_id is None and callable(getattr(th, "info", None)):
            info = {k: v for k, v in th.info().items() if k != "path"}  # type: ignore[attr-defined]
            blob = json.dumps(info, sort_keys=True, default=str).encode()
            th_id = "info:" + hashlib.blake2b(blob, digest_size=8).hexdigest()
        if th_id is None:
            th_id = f"{type(th).__module__}.{type(th).__qualname__}"
        sw = hashlib.blake2b("\n".join(sorted(self.stopwords)).encode(), digest_size=8)
        return {**self.config.fingerprint_fields(), "thesaurus": str(th_id),
                "stopwords": sw.hexdigest()}

    # -- words ------------------------------------------------------------------------------
    def is_immutable(self, word: str) -> bool:
        """True when ``word`` (lower-cased) would be used in fingerprints."""
        return self._word_id(word) != 0

    def _word_id(self, word: str) -> int:
        wid = self._ids.get(word)
        if wid is None:
            if word[:1] in ".!?\n":  # a sentence end (bag tokeniser), never a fingerprint word
                keep = False
            elif word[:1].isdigit():
                keep = True
            else:
                keep = (
                    len(word) >= self.config.min_len
                    and word not in self.stopwords
                    and not (self._has(word) or self.thesaurus.is_mutable(word))
                )
            wid = 0
            if keep:
                wid = self._n_slots
                if wid >= len(self._hashes):
                    self._hashes = np.concatenate([self._hashes, np.zeros_like(self._hashes)])
                self._hashes[wid] = _word_hash(word)
                self._n_slots += 1
            self._ids[word] = wid
            if self._ctab_ids is not None:
                self._ctab_ids.set(word, wid)
        return wid

    def immutables(self, text: str) -> list[str]:
        """The immutable words of ``text`` in order (for inspection and tests)."""
        return [w for w in fast_words(text) if self._word_id(w)]

    # -- fingerprints -----------------------------------------------------------------------
    def fingerprints(self, text: str, *, query: bool = False) -> np.ndarray:
        """Sorted distinct int64 fingerprints of ``text`` (possibly empty).

        With ``query=True`` the result also holds *gapped* shingles that skip one inner word
        of each ``shingle + 1`` window: a spinner's replacement word that urai's thesaurus does
        not know (``sifat`` -> ``adjektif``) becomes an extra immutable in the copy, and the
        gapped shingles still match the source's shingles around it. Only queries get them,
        so the index does not grow.
        """
        return self.fingerprints_count(text, query=query)[0]

    def fingerprints_count(self, text: str, *, query: bool = False) -> tuple[np.ndarray, int]:
        """:meth:`fingerprints` and the number of words of ``text`` (one tokenisation)."""
        ids = self._ids
        if len(ids) > self._CACHE_MAX:  # bound memory on endless vocabularies
            self._clear_ids()
        if self._core is not None:
            slots, n = self._c_slots(text.lower(), False)
            cfg = self.config
            return np.frombuffer(self._core.fp_shingles(slots, self._hashes, True, cfg.shingle,
                                                        cfg.sample_mod, query),
                                 dtype=np.int64), n
        words = _WORD_RE.findall(text.lower())
        try:  # fast path: every word seen before
            slots = np.fromiter(map(ids.__getitem__, words), dtype=np.intp, count=len(words))
        except KeyError:
            for w in set(words).difference(ids):
                self._word_id(w)
            slots = np.fromiter(map(ids.__getitem__, words), dtype=np.intp, count=len(words))
        return self._from_ids(self._hashes[slots[slots != 0]], query), len(words)

    def fingerprints_pair(self, text: str) -> tuple[np.ndarray, np.ndarray, int]:
        """``(fingerprints, query fingerprints, words)`` of ``text`` with one tokenisation: the
        same as :meth:`fingerprints_count` and ``fingerprints(text, query=True)`` (the cluster
        wing's signature needs both)."""
        if self._core is None:
            fps, n = self.fingerprints_count(text)
            return fps, self.fingerprints(text, query=True), n
        if len(self._ids) > self._CACHE_MAX:
            self._clear_ids()
        slots, n = self._c_slots(text.lower(), False)
        cfg, sh = self.config, self._core.fp_shingles
        fps = np.frombuffer(sh(slots, self._hashes, True, cfg.shingle, cfg.sample_mod, False),
                            dtype=np.int64)
        qfps = np.frombuffer(sh(slots, self._hashes, True, cfg.shingle, cfg.sample_mod, True),
                             dtype=np.int64)
        return fps, qfps, n

    def _clear_ids(self) -> None:
        self._ids.clear()
        self._n_slots = 1
        if self._ctab_ids is not None:
            self._ctab_ids.clear()

    def _clear_bags(self) -> None:
        self._bag_ids.clear()
        self._bag_alts.clear()
        self._n_bag = 2
        if self._ctab_bag is not None:
            self._ctab_bag.clear()

    def _c_slots(self, low: str, bags: bool, ends: bool = False) -> tuple[np.ndarray, int]:
        """Word slots of the lower-cased text ``low`` in one C pass (``bags``: the sentence-bag
        table, sentence ends included as slot 1; else the immutable table, with ``ends`` the
        sentence ends as slot 0) and the number of words; new words get their slots here."""
        core = self._core
        assert core is not None
        if bags:
            table, ctab, make, end_value = self._bag_ids, self._ctab_bag, self._bag_id, 1
            ends = True
        else:
            table, ctab, make, end_value = self._ids, self._ctab_ids, self._word_id, 0
        raw, n_words, unknown = core.fp_slots(low, ctab, ends, end_value)
        slots = np.frombuffer(raw, dtype=np.int64)
        if unknown:
            for i, word in unknown:
                v = table.get(word)
                if v is None:
                    v = make(word)
                else:  # pragma: no cover - the tables are kept in step
                    ctab.set(word, v)
                slots[i] = v
        return slots, n_words

    def _from_ids(self, arr: np.ndarray, query: bool) -> np.ndarray:
        base = self.shingle_hashes(arr)
        k = self.config.shingle
        if not query or k < 2 or len(arr) < k + 1:
            return base
        parts = [base]
        m = len(arr) - k
        for skip in range(1, k):  # drop inner position `skip` of each (k+1)-window
            cols = [c for c in range(k + 1) if c != skip]
            h = arr[cols[0] : cols[0] + m] * _POS[0]
            for pos, c in enumerate(cols[1:], 1):
                h = h + arr[c : c + m] * _POS[pos]
            parts.append(self._sample(_mix(h)))
        return np.unique(np.concatenate(parts))

    def shingle_hashes(self, seq: np.ndarray) -> np.ndarray:
        """Sampled shingle hashes of a uint64 array of word ids (sorted, distinct, int64)."""
        k = self.config.shingle
        n = len(seq)
        if n == 0:
            return np.empty(0, dtype=np.int64)
        if n < k:  # a very short text: one shingle of what there is
            k = n
        m = n - k + 1
        h = seq[0:m] * _POS[0]
        for i in range(1, k):
            h = h + seq[i : i + m] * _POS[i]
        return self._sample(_mix(h))

    def _sample(self, h: np.ndarray) -> np.ndarray:
        mod = self.config.sample_mod
        if mod > 1:
            h = h[h % np.uint64(mod) == 0]
        return np.unique(h.view(np.int64))

    # -- sentence bags ----------------------------------------------------------------------
    def _bag_id(self, word: str) -> int:
        bid = self._bag_ids.get(word)
        if bid is None:
            if word[:1] in ".!?\n":
                bid = 1
            else:
                wid = self._word_id(word)
                val = 0
                if len(word) >= self.config.min_len and word not in self.stopwords:
                    mutable = wid == 0
                    key = self.thesaurus.canonical(word) if mutable else word
                    val = (_word_hash(key) >> 1) | (int(mutable) << 63)
                bid = self._n_bag
                if bid >= len(self._bag_vals):
                    self._bag_vals = np.concatenate([self._bag_vals,
                                                     np.zeros_like(self._bag_vals)])
                    self._bag_imm = np.concatenate([self._bag_imm,
                                                    np.zeros_like(self._bag_imm)])
                self._bag_vals[bid] = val
                self._bag_imm[bid] = self._hashes[wid] if wid else 0
                self._n_bag += 1
            self._bag_ids[word] = bid
            if self._ctab_bag is not None:
                self._ctab_bag.set(word, bid)
        return bid

    def _slots(self, table: dict[str, int], make, tokens: list[str]) -> np.ndarray:
        if len(tokens) < 2:  # itemgetter of one key gives the value, not a tuple
            for w in set(tokens).difference(table):
                make(w)
            return np.array([table[w] for w in tokens], dtype=np.intp)
        get = operator.itemgetter(*tokens)  # one C loop: ~2.5x faster than fromiter(map)
        try:
            return np.array(get(table), dtype=np.intp)
        except KeyError:
            for w in set(tokens).difference(table):
                make(w)
            return np.array(get(table), dtype=np.intp)

    def channels(self, text: str, *, query: bool = False) -> tuple[np.ndarray, np.ndarray, int]:
        """``(shingle fingerprints, sentence-bag fingerprints, words)`` of ``text`` with one
        tokenisation. The shingles are :meth:`fingerprints`; the bags are
        :meth:`bag_fingerprints` (empty when the config has ``bags=False``)."""
        sh, bags, n_words, _ = self._channels(text, query)
        return sh, bags, n_words

    def _channels(self, text: str, query: bool, bags_too: bool = True
                  ) -> tuple[np.ndarray, np.ndarray, int, np.ndarray]:
        low = text.lower()
        if len(self._ids) > self._CACHE_MAX or len(self._bag_ids) > self._CACHE_MAX:
            self._clear_ids()
            self._clear_bags()
        if self._core is not None:
            return self._c_channels(low, query, bags_too)
        tokens = _TOKEN_RE.findall(low)
        if not self.config.bags:
            slots = self._slots(self._ids, self._word_id, tokens)
            shingles = self._from_ids(self._hashes[slots[slots != 0]], query)
            n_words = sum(1 for t in tokens if t[:1] not in ".!?\n")
            return shingles, np.empty(0, dtype=np.int64), n_words, slots
        bslots = self._slots(self._bag_ids, self._bag_id, tokens)
        imm = self._bag_imm[bslots]
        shingles = self._from_ids(imm[imm != 0], query)
        n_words = len(tokens) - int(np.count_nonzero(bslots == 1))
        if not bags_too:
            return shingles, np.empty(0, dtype=np.int64), n_words, bslots
        return (shingles, self._bags(bslots, query, tokens if query else None), n_words,
                bslots)

    def _c_channels(self, low: str, query: bool, bags_too: bool
                    ) -> tuple[np.ndarray, np.ndarray, int, np.ndarray]:
        """:meth:`_channels` with the C kernels (the same arrays)."""
        core = self._core
        assert core is not None
        cfg = self.config
        bags = cfg.bags
        slots, n_words = self._c_slots(low, bags, ends=True)
        table = self._bag_imm if bags else self._hashes
        shingles = np.frombuffer(core.fp_shingles(slots, table, not bags, cfg.shingle,
                                                  cfg.sample_mod, query), dtype=np.int64)
        if not bags or not bags_too:
            return shingles, np.empty(0, dtype=np.int64), n_words, slots
        tokens = _TOKEN_RE.findall(low) if query else None
        return shingles, self._bags(slots, query, tokens), n_words, slots

    def index_many(self, texts: list[str]) -> tuple[list[np.ndarray], list[int], np.ndarray,
                                                    np.ndarray]:
        """Index-side fingerprints of many texts at once (ingest): ``(shingles per text,
        words per text, bag hashes, text number of each bag hash)``. The same fingerprints
        as :meth:`channels` text by text; the sentence bags of the whole batch are computed
        in one vectorised pass (a text's own numpy calls cost more than its arithmetic)."""
        shingles: list[np.ndarray] = []
        n_words: list[int] = []
        parts: list[np.ndarray] = []
        core = self._core
        if core is not None and self.config.bags:
            bag_parts: list[np.ndarray] = []
            for text in texts:
                sh, _, n, bslots = self._channels(text, False, bags_too=False)
                shingles.append(sh)
                n_words.append(n)
                bag_parts.append(np.frombuffer(core.fp_bags(bslots, self._bag_vals,
                                                            BAG_MIN_KEYS, _BAG_SALT),
                                               dtype=np.int64))
            if not bag_parts:
                return shingles, n_words, np.empty(0, np.int64), np.empty(0, np.intp)
            counts = [len(b) for b in bag_parts]
            return (shingles, n_words, np.concatenate(bag_parts),
                    np.repeat(np.arange(len(texts)), counts))
        for text in texts:
            sh, _, n, bslots = self._channels(text, False, bags_too=False)
            shingles.append(sh)
            n_words.append(n)
            parts.append(bslots)
        if not self.config.bags or not parts:
            return shingles, n_words, np.empty(0, np.int64), np.empty(0, np.intp)
        sep = np.ones(1, dtype=np.intp)
        allslots = np.concatenate([x for p in parts for x in (p, sep)])
        docs = np.repeat(np.arange(len(parts)), [len(p) + 1 for p in parts])
        keep = (allslots > 1) & (self._bag_vals[allslots] != 0)
        if not keep.any():
            return shingles, n_words, np.empty(0, np.int64), np.empty(0, np.intp)
        sent = np.cumsum(allslots == 1)[keep]
        h, first = self._pairs(sent, allslots[keep], BAG_MIN_KEYS, False, with_group=True)
        return shingles, n_words, h, docs[keep][first]

    def bag_fingerprints(self, text: str, *, query: bool = False) -> np.ndarray:
        """Sorted distinct int64 *sentence-bag* fingerprints of ``text``.

        Each sentence's content words (not stopwords, at least ``min_len`` characters) are
        ranked by a key: immutables first, then mutable words by the hash of their
        synonym-canonical form. In the index a sentence with at least :data:`BAG_MIN_KEYS`
        distinct keys gets one fingerprint, the hash of its two lowest keys; a query gets the
        pairs among each sentence's :data:`BAG_QUERY_KEYS` lowest keys, so one or two words
        that a spinner changed (or an unknown replacement that became an immutable) still
        leave the source's pair. Word order inside a sentence does not matter: shuffled and
        POS-preserving reordered copies keep their bags, where shingles do not survive.
        """
        return self.channels(text, query=query)[1]

    def _alt_slots(self, slot: int, word: str) -> tuple[int, ...]:
        hit = self._bag_alts.get(slot)
        if hit is None:
            alts = getattr(self.thesaurus, "alternatives", None)
            out: list[int] = []
            if alts is not None and self._bag_vals[slot] >> np.uint64(63):  # mutable only
                for alt in alts(word)[:BAG_QUERY_ALTS]:
                    surface = alt.surface.lower()
                    if " " not in surface:
                        b = self._bag_id(surface)
                        if b > 1 and b != slot and self._bag_vals[b]:
                            out.append(b)
            hit = self._bag_alts[slot] = tuple(out)
        return hit

    def _bags(self, bslots: np.ndarray, query: bool,
              tokens: list[str] | None = None) -> np.ndarray:
        keep = (bslots > 1) & (self._bag_vals[bslots] != 0)
        if not keep.any():
            return np.empty(0, dtype=np.int64)
        sent = np.cumsum(bslots == 1)
        slots = bslots[keep]
        s = sent[keep]  # sentence number of each content word (sorted)
        if not query:
            return self._pairs(s, slots, BAG_MIN_KEYS, False)
        parts = [self._pairs(s, slots, BAG_QUERY_KEYS - 1, True)]
        if tokens is not None:  # the alternatives' keys join their word's sentence
            extra_s, extra = [], []
            for i in np.flatnonzero(keep).tolist():
                for b in self._alt_slots(int(bslots[i]), tokens[i]):
                    extra_s.append(sent[i])
                    extra.append(b)
            if extra:
                order = np.argsort(np.r_[s, extra_s], kind="stable")
                parts.append(self._pairs(np.r_[s, extra_s][order], np.r_[slots, extra][order],
                                         BAG_QUERY_KEYS, True))
        return np.unique(np.concatenate(parts))

    def _pairs(self, s: np.ndarray, slots: np.ndarray, k: int, query: bool,
               with_group: bool = False):
        """Pair hashes of each sentence's lowest keys (``s`` sorted sentence numbers); with
        ``with_group`` (index side only) the unsorted hashes and the position in ``s`` of
        each one's sentence start."""
        cur = self._bag_vals[slots]
        starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
        seg = np.diff(np.r_[starts, len(s)])
        mins = []  # mins[j]: each sentence's (j+1)-th lowest distinct key (_NONE: none)
        for j in range(k):
            m = np.minimum.reduceat(cur, starts)
            mins.append(m)
            if j + 1 < k:
                cur = np.where(cur == np.repeat(m, seg), _NONE, cur)
        if query:
            combos = [(a, b) for b in range(1, k) for a in range(b)]
        else:
            combos = [(0, 1)]
        full = mins[k - 1] != _NONE if not query else None
        if with_group:
            h = mins[0][full] * _POS[0] + mins[1][full] * _POS[1] + np.uint64(_BAG_SALT)
            return _mix(h).view(np.int64), starts[full]
        parts = []
        for a, b in combos:
            ok = mins[b] != _NONE if query else full
            h = mins[a][ok] * _POS[0] + mins[b][ok] * _POS[1] + np.uint64(_BAG_SALT)
            parts.append(_mix(h).view(np.int64))
        return np.unique(np.concatenate(parts))
