"""Interpolated modified Kneser-Ney n-gram language model: trainer, compact format, fast queries.

The model follows Chen & Goodman (1998) / kenlm ``lmplz``:

* counts of every order are taken from sentences padded as ``<s> w1 .. wn </s>``;
* lower orders use *adjusted* (continuation) counts: the number of distinct left extensions,
  except n-grams that start with ``<s>`` which keep their raw count;
* three discounts ``D1, D2, D3+`` per order come from the count-of-counts of the adjusted
  counts (``Y = t1 / (t1 + 2 t2)``, ``Dk = k - (k + 1) Y t(k+1) / tk``);
* probabilities are interpolated down to a uniform distribution over the vocabulary;
* pruning (``min_counts``, thresholds on raw counts, like ``lmplz --prune``) happens *after*
  the continuation counts and discounts are computed, and backoff weights are then computed
  so that every context is an exact distribution over the vocabulary (``<s>`` excluded).

All probabilities are log10, as in ARPA files and kenlm. N-grams are word-id tuples packed
into one ``uint64`` key (first word in the most significant bits, ``bits`` per word); each
order is a sorted key array, so a batch of n-grams is scored with a few ``np.searchsorted``
calls (:meth:`NgramLM.logprob_ids`).

Vocabulary mapping: callers turn a token's text into the LM vocabulary with :func:`normalize`.
"""

from __future__ import annotations

import functools
import gzip
import io
import json
import math
import re
import sys
import time
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from urai import kernels
from urai.errors import ConfigError, ResourceError
from urai.lang import id as lang_id
from urai.lang.keyhash import KeyHash
from urai.lang.keyhash import lookup_sorted as _lookup

__all__ = [
    "normalize",
    "LMConfig",
    "NgramLM",
    "default_lm",
    "load_lm",
    "DEFAULT_LM_PATH",
    "UNK",
    "BOS",
    "EOS",
    "NUM",
]

UNK, BOS, EOS, NUM = "<unk>", "<s>", "</s>", "<num>"
_UNK_ID, _BOS_ID, _EOS_ID = 0, 1, 2
_FORMAT = "urai-ngram-lm"
_FORMAT_VERSION = 1
_NO_PROB = -99.0  # log10 "probability" of <s>, as in ARPA files
DEFAULT_LM_PATH = lang_id.LM_PATH

_NUM_RE = re.compile(r"\d+(?:[.,:/]\d+)*")
_SPACE_RE = re.compile(r"\s+")


def normalize(token_text: str) -> str:
    """Map one token's text to its language-model vocabulary form.

    * numbers, including Indonesian separators, dates and times (``2016``, ``1.000``,
      ``2,5``, ``21/10``, ``21/10/2016``, ``19:00``) become ``<num>``;
    * everything else is lower-cased (``Jakarta`` -> ``jakarta``, ``,`` stays ``,``);
    * whitespace inside a token (never produced by :mod:`urai.lang.tokenize`) becomes ``_``.

    Clitics stay attached (``adanya`` is one word), like the tokeniser's surface tokens.
    """
    text = token_text.strip()
    if _NUM_RE.fullmatch(text):
        return NUM
    return _SPACE_RE.sub("_", text.lower())


@dataclass(frozen=True, slots=True)
class LMConfig:
    """Training configuration; ``min_counts`` is padded/truncated to ``order`` entries.

    ``min_counts[k]`` is the minimum raw count an n-gram of order ``k + 1`` needs to be kept;
    it must be 1 for unigrams (use ``vocab_min_count`` instead) and non-decreasing, so that
    every kept n-gram's prefix and suffix are kept too.
    """

    order: int = 3
    min_counts: tuple[int, ...] = (1, 1, 2)
    vocab_min_count: int = 2

    def __post_init__(self) -> None:
        if not isinstance(self.order, int) or isinstance(self.order, bool) or self.order < 2:
            raise ConfigError(f"order must be an integer >= 2, got {self.order!r}")
        if self.order > 8:
            raise ConfigError(f"order {self.order} is too large; use 2..8")
        mc = tuple(self.min_counts)
        if not mc or not all(isinstance(c, int) and c >= 1 for c in mc):
            raise ConfigError(f"min_counts must be integers >= 1, got {self.min_counts!r}")
        mc = (mc + (mc[-1],) * self.order)[: self.order]
        if mc[0] != 1:
            raise ConfigError("min_counts[0] (unigrams) must be 1; use vocab_min_count instead")
        if any(b < a for a, b in zip(mc, mc[1:], strict=False)):
            raise ConfigError(f"min_counts must be non-decreasing, got {mc}")
        object.__setattr__(self, "min_counts", mc)
        if not isinstance(self.vocab_min_count, int) or self.vocab_min_count < 1:
            raise ConfigError(f"vocab_min_count must be >= 1, got {self.vocab_min_count!r}")


# --------------------------------------------------------------------------------------------
# helpers


def _pack(cols: Sequence[np.ndarray], bits: int) -> np.ndarray:
    """Pack equally long id columns (first = most significant) into uint64 keys."""
    key = np.zeros(len(cols[0]), dtype=np.uint64)
    for c in cols:
        key = (key << np.uint64(bits)) | c.astype(np.uint64)
    return key


def _discounts(adj: np.ndarray, order: int) -> tuple[float, float, float]:
    """Modified Kneser-Ney discounts from count-of-counts (with fallbacks for tiny data)."""
    t = np.bincount(np.minimum(adj, 5).astype(np.int64), minlength=6)[1:5].astype(float)
    fallback = (0.5, 1.0, 1.5)
    if t[0] == 0 or t[1] == 0:
        return fallback
    y = t[0] / (t[0] + 2 * t[1])
    out = []
    for k in (1, 2, 3):
        d = k - (k + 1) * y * t[k] / t[k - 1] if t[k - 1] > 0 else fallback[k - 1]
        if not 0 < d < k or not math.isfinite(d):
            d = fallback[k - 1]
        out.append(float(d))
    return out[0], out[1], out[2]


def _quantise(values: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """kenlm ``-q``-style binning: equal-population bins, each represented by its mean.

    Code 0 is reserved for exactly 0.0 (backoffs of contexts that never back off).
    """
    n_bins = (1 << bits) - 1
    dtype = np.uint8 if bits <= 8 else np.uint16
    codes = np.zeros(len(values), dtype=dtype)
    centers = np.zeros(n_bins + 1, dtype=np.float32)
    nz = np.flatnonzero(values != 0)
    if len(nz):
        order = nz[np.argsort(values[nz], kind="stable")]
        bins = (np.arange(len(order)) * n_bins // len(order)).astype(np.int64)
        sums = np.bincount(bins, weights=values[order].astype(np.float64), minlength=n_bins)
        cnt = np.bincount(bins, minlength=n_bins)
        centers[1:] = np.where(cnt > 0, sums / np.maximum(cnt, 1), 0.0)
        codes[order] = (bins + 1).astype(dtype)
    return codes, centers


# --------------------------------------------------------------------------------------------
# the model


class NgramLM:
    """An interpolated modified Kneser-Ney n-gram LM (log10 probabilities).

    Build one with :meth:`train` or :meth:`load`. ``logp[n]``/``bow[n]`` hold the log10
    probability and backoff of the (n+1)-grams whose packed keys are ``keys[n]``; unigram keys
    are the word ids themselves.
    """

    #: rows scored per block by :meth:`logprob_ids` (bounds its memory on huge batches)
    block_rows = 1 << 18
    #: score with the compiled kernel (:mod:`urai.kernels`) where it is available; the numpy
    #: code below is the reference and gives identical numbers (per call: ``use_kernel=``)
    use_kernel = True

    def __init__(
        self,
        vocab: Sequence[str],
        keys: list[np.ndarray],
        logp: list[np.ndarray],
        bow: list[np.ndarray],
        meta: dict[str, Any],
        path: Path | None = None,
    ) -> None:
        self._vocab = list(vocab)
        self._index = {w: i for i, w in enumerate(self._vocab)}
        self._keys = keys
        self._logp = logp
        self._bow = bow
        self._meta = meta
        self._bits = int(meta["bits"])
        self.path = path
        self._hashes: dict[int, KeyHash] = {}
        self._closed: dict[int, bool] = {}
        self._core_lm: Any = None  # urai._core.LM, built on first use (urai.detect.kernels)
        #: (name, order) -> (codes, centers) of a model loaded quantised (see value_codes)
        self._quant: dict[tuple[str, int], tuple[np.ndarray, np.ndarray]] = {}

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_core_lm"] = None  # a C object: rebuilt on first use
        return state

    # ---- properties -----------------------------------------------------------------------
    @property
    def order(self) -> int:
        return len(self._keys)

    @property
    def vocab_size(self) -> int:
        """Number of vocabulary entries, including ``<unk>``, ``<s>`` and ``</s>``."""
        return len(self._vocab)

    @property
    def vocab(self) -> list[str]:
        return list(self._vocab)

    @property
    def counts(self) -> list[int]:
        """Number of stored n-grams per order (unigrams first)."""
        return [len(k) for k in self._keys]

    @property
    def tokens(self) -> int:
        """Number of training tokens (words, without ``<s>``/``</s>``)."""
        return int(self._meta.get("tokens", 0))

    @property
    def sentences(self) -> int:
        return int(self._meta.get("sentences", 0))

    @property
    def sources(self) -> list[str]:
        return list(self._meta.get("sources", []))

    @property
    def discounts(self) -> list[list[float]]:
        return [list(d) for d in self._meta.get("discounts", [])]

    def info(self) -> dict[str, Any]:
        """Summary: order, ngrams per order, tokens, vocab, sources, path, size_bytes."""
        size = self.path.stat().st_size if self.path is not None and self.path.exists() else None
        return {
            "order": self.order,
            "ngrams": self.counts,
            "tokens": self.tokens,
            "sentences": self.sentences,
            "vocab": self.vocab_size,
            "sources": self.sources,
            "discounts": self.discounts,
            "quantization": self._meta.get("quantization"),
            "path": str(self.path) if self.path is not None else None,
            "size_bytes": size,
        }

    def __repr__(self) -> str:
        return f"NgramLM(order={self.order}, vocab={self.vocab_size}, ngrams={self.counts})"

    # ---- training -------------------------------------------------------------------------
    @classmethod
    def train(
        cls,
        sentences: Iterable[Sequence[str]],
        order: int = 3,
        min_counts: tuple[int, ...] = (1, 1, 2),
        vocab_min_count: int = 2,
        progress: bool = False,
        sources: Sequence[str] = (),
    ) -> NgramLM:
        """Train on ``sentences`` (lists of :func:`normalize`-d tokens; empty tokens skipped)."""
        cfg = LMConfig(order, tuple(min_counts), vocab_min_count)
        t0 = time.perf_counter()
        tmp_index: dict[str, int] = {}
        flat: list[int] = []
        lengths: list[int] = []
        it: Iterable[Sequence[str]] = sentences
        if progress:
            from tqdm import tqdm

            it = tqdm(sentences, desc="reading", unit=" sent", file=sys.stderr, leave=False)
        setdefault = tmp_index.setdefault
        for sent in it:
            if isinstance(sent, str):
                raise ConfigError("train() expects sentences as lists of tokens, got a str")
            ids = [setdefault(w, len(tmp_index)) for w in sent if w]
            flat.extend(ids)
            lengths.append(len(ids))
        if not lengths:
            raise ConfigError("no training sentences")
        tmp = np.asarray(flat, dtype=np.int64)
        tmp_words = list(tmp_index)
        freq = np.bincount(tmp, minlength=len(tmp_words))
        specials = {UNK, BOS, EOS}
        keep = [
            i
            for i in np.flatnonzero(freq >= cfg.vocab_min_count)
            if tmp_words[i] not in specials
        ]
        keep.sort(key=lambda i: (-int(freq[i]), tmp_words[i]))
        vocab = [UNK, BOS, EOS] + [tmp_words[i] for i in keep]
        remap = np.zeros(len(tmp_words), dtype=np.int64)  # default <unk>
        remap[np.asarray(keep, dtype=np.int64)] = np.arange(3, 3 + len(keep))
        for sp, sid in ((UNK, _UNK_ID), (BOS, _BOS_ID), (EOS, _EOS_ID)):
            if sp in tmp_index:  # literal special tokens in the data map onto the specials
                remap[tmp_index[sp]] = sid
        word_ids = remap[tmp] if len(tmp) else tmp
        del tmp, flat, tmp_index

        # padded sequence: <s> w1 .. wn </s> per sentence, with sentence numbers per position
        lens = np.asarray(lengths, dtype=np.int64)
        n_sent = len(lens)
        total = int(lens.sum()) + 2 * n_sent
        starts = np.concatenate([[0], np.cumsum(lens + 2)[:-1]])
        seq = np.empty(total, dtype=np.int64)
        is_word = np.ones(total, dtype=bool)
        is_word[starts] = False
        is_word[starts + lens + 1] = False
        seq[starts] = _BOS_ID
        seq[starts + lens + 1] = _EOS_ID
        seq[is_word] = word_ids
        sid = np.repeat(np.arange(n_sent), lens + 2)
        model = cls._estimate(seq, sid, vocab, cfg)
        model._meta.update(
            tokens=int(lens.sum()),
            sentences=n_sent,
            sources=[str(s) for s in sources],
            train_seconds=round(time.perf_counter() - t0, 2),
        )
        return model

    @classmethod
    def _estimate(
        cls, seq: np.ndarray, sid: np.ndarray, vocab: list[str], cfg: LMConfig
    ) -> NgramLM:
        N = cfg.order
        V = len(vocab)
        bits = max(2, (V - 1).bit_length())
        if bits * N > 64:
            raise ConfigError(
                f"vocabulary of {V} words needs {bits} bits per word; order {N} does not fit "
                "in a 64-bit key (raise vocab_min_count or lower the order)"
            )
        ub = np.uint64(bits)
        # raw counts per order (sorted unique packed keys)
        keys: list[np.ndarray] = []
        raw: list[np.ndarray] = []
        for n in range(1, N + 1):
            m = len(seq) - n + 1
            if m <= 0:
                keys.append(np.zeros(0, np.uint64))
                raw.append(np.zeros(0, np.int64))
                continue
            valid = sid[:m] == sid[n - 1 :]
            cols = [seq[j : j + m][valid] for j in range(n)]
            k, c = np.unique(_pack(cols, bits), return_counts=True)
            keys.append(k)
            raw.append(c.astype(np.int64))
        # adjusted (continuation) counts
        adj: list[np.ndarray] = []
        for n in range(1, N + 1):
            i = n - 1
            if n == N:
                adj.append(raw[i].copy())
                continue
            suffix = keys[i + 1] & np.uint64((1 << (bits * n)) - 1)
            su, sc = np.unique(suffix, return_counts=True)
            pos, found = _lookup(su, keys[i])
            a = np.where(found, sc[pos], 0).astype(np.int64)
            first = keys[i] >> np.uint64(bits * (n - 1))
            bos = first == _BOS_ID
            a[bos] = raw[i][bos]
            adj.append(a)
        # <s> is never predicted: drop it from the unigram distribution
        adj[0][keys[0] == _BOS_ID] = 0
        discounts = [_discounts(adj[i][adj[i] > 0], i + 1) for i in range(N)]

        def disc(a: np.ndarray, d: tuple[float, float, float]) -> np.ndarray:
            table = np.array([0.0, d[0], d[1], d[2]])
            return table[np.minimum(a, 3)]

        # unigrams: dense over the vocabulary
        a1 = np.zeros(V, dtype=np.int64)
        a1[keys[0].astype(np.int64)] = adj[0]
        a1[_BOS_ID] = 0
        total1 = float(a1.sum())
        d1 = discounts[0]
        n_pred = V - 1  # every word but <s>
        if total1 > 0:
            gamma0 = float(disc(a1, d1).sum()) / total1
            p1 = (a1 - disc(a1, d1)) / total1 + gamma0 / n_pred
        else:  # pragma: no cover - impossible with at least one sentence
            p1 = np.full(V, 1.0 / n_pred)
        p1[_BOS_ID] = 0.0
        out_keys = [np.arange(V, dtype=np.uint64)]
        out_logp = [np.where(p1 > 0, np.log10(np.maximum(p1, 1e-300)), _NO_PROB)]
        out_bow = [np.zeros(V, dtype=np.float64)]
        prob_prev = p1  # final probabilities of the previous order, aligned with out_keys
        for n in range(2, N + 1):
            i = n - 1
            k, a, r = keys[i], adj[i], raw[i]
            ctx = k >> ub
            # groups of equal context are contiguous because keys are sorted
            bounds = np.flatnonzero(np.concatenate([[True], ctx[1:] != ctx[:-1]]))
            grp = np.repeat(np.arange(len(bounds)), np.diff(np.append(bounds, len(k))))
            A = np.add.reduceat(a.astype(np.float64), bounds)
            dk = disc(a, discounts[i])
            gamma = np.add.reduceat(dk, bounds) / A
            u = (a - dk) / A[grp]
            kept = r >= cfg.min_counts[i]
            lower = k & np.uint64((1 << (bits * (n - 1))) - 1)
            lpos, lfound = _lookup(out_keys[i - 1], lower)
            if not lfound[kept].all():  # pragma: no cover - guaranteed by monotone pruning
                raise RuntimeError("pruned model lost a suffix n-gram")
            p_low = np.where(lfound, prob_prev[lpos], 0.0)
            p = u + gamma[grp] * p_low
            kept_low = np.where(kept, p_low, 0.0)
            s_low = 1.0 - np.add.reduceat(kept_low, bounds)
            u_pruned = np.add.reduceat(np.where(kept, 0.0, u), bounds)
            with np.errstate(divide="ignore", invalid="ignore"):
                b = gamma + np.where(u_pruned > 0, u_pruned / np.maximum(s_low, 1e-300), 0.0)
            # attach backoffs to the context (n-1)-grams
            cpos, cfound = _lookup(out_keys[i - 1], ctx[bounds])
            bow_prev = out_bow[i - 1]
            bow_prev[cpos[cfound]] = np.log10(b[cfound])
            out_keys.append(k[kept])
            out_logp.append(np.log10(p[kept]))
            out_bow.append(np.zeros(int(kept.sum()), dtype=np.float64))
            prob_prev = p[kept]
        meta = {
            "format": _FORMAT,
            "version": _FORMAT_VERSION,
            "order": N,
            "bits": bits,
            "discounts": [list(d) for d in discounts],
            "min_counts": list(cfg.min_counts),
            "vocab_min_count": cfg.vocab_min_count,
            "quantization": None,
        }
        return cls(
            vocab,
            out_keys,
            [x.astype(np.float32) for x in out_logp],
            [x.astype(np.float32) for x in out_bow],
            meta,
        )

    # ---- persistence -----------------------------------------------------------------------
    def save(self, path: str | Path, quantize: int | None = 8) -> Path:
        """Write the model as a compressed ``.npz`` (no pickles).

        Keys are delta-encoded; log-probs/backoffs of orders >= 2 are quantised to
        ``quantize`` bits (8 or 16; ``None`` stores exact float32). Unigrams stay float32.
        """
        if quantize not in (None, 8, 16):
            raise ConfigError(f"quantize must be None, 8 or 16, got {quantize!r}")
        path = Path(path)
        meta = dict(self._meta, quantization=quantize, counts=self.counts)
        arrays: dict[str, np.ndarray] = {
            "vocab": np.frombuffer("\n".join(self._vocab).encode("utf-8"), dtype=np.uint8),
            "logp_1": self._logp[0],
            "bow_1": self._bow[0],
        }
        for n in range(2, self.order + 1):
            k = self._keys[n - 1]
            delta = np.diff(k, prepend=np.uint64(0))
            dt = np.uint32 if (len(delta) == 0 or int(delta.max()) < 2**32) else np.uint64
            arrays[f"keys_{n}"] = delta.astype(dt)
            fields = [("logp", self._logp[n - 1])]
            if n < self.order:
                fields.append(("bow", self._bow[n - 1]))
            for name, vals in fields:
                if quantize is None:
                    arrays[f"{name}_{n}"] = vals.astype(np.float32)
                else:
                    codes, centers = _quantise(vals, quantize)
                    arrays[f"{name}_{n}"] = codes
                    arrays[f"{name}_{n}_centers"] = centers
        arrays["meta"] = np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as fh:
            np.savez_compressed(fh, **arrays)
        self.path = path
        return path

    @classmethod
    def load(cls, path: str | Path) -> NgramLM:
        """Load a model written by :meth:`save`; a bad file raises :class:`ResourceError`."""
        path = Path(path)
        if not path.is_file():
            raise ResourceError(f"{path}: language model file not found")
        try:
            with np.load(path, allow_pickle=False) as z:
                meta = json.loads(bytes(z["meta"]).decode("utf-8"))
                if meta.get("format") != _FORMAT or meta.get("version") != _FORMAT_VERSION:
                    raise ValueError("not an urai n-gram model (unknown format/version)")
                vocab = bytes(z["vocab"]).decode("utf-8").split("\n")
                N = int(meta["order"])
                V = len(vocab)
                keys = [np.arange(V, dtype=np.uint64)]
                logp = [z["logp_1"].astype(np.float32)]
                bow = [z["bow_1"].astype(np.float32)]
                quant: dict[tuple[str, int], tuple[np.ndarray, np.ndarray]] = {}
                for n in range(2, N + 1):
                    keys.append(np.cumsum(z[f"keys_{n}"].astype(np.uint64), dtype=np.uint64))
                    for name, dest in (("logp", logp), ("bow", bow)):
                        if name == "bow" and n == N:
                            dest.append(np.zeros(len(keys[-1]), dtype=np.float32))
                            continue
                        vals = z[f"{name}_{n}"]
                        if f"{name}_{n}_centers" in z.files:
                            centers = z[f"{name}_{n}_centers"].astype(np.float32)
                            quant[name, n] = (vals, centers)
                            vals = centers[vals]
                        dest.append(vals.astype(np.float32))
                if len(logp[0]) != V or any(
                    len(a) != len(b) for a, b in zip(keys, logp, strict=True)
                ):
                    raise ValueError("array lengths do not match")
                if list(meta.get("counts", [len(k) for k in keys])) != [len(k) for k in keys]:
                    raise ValueError("n-gram counts do not match the header")
        except ResourceError:
            raise
        except (OSError, ValueError, KeyError, IndexError, TypeError, EOFError,
                zipfile.BadZipFile, zlib.error, UnicodeDecodeError) as exc:
            msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ResourceError(f"{path}: not a valid urai language model ({msg})") from None
        model = cls(vocab, keys, logp, bow, meta, path=path)
        model._quant = quant
        return model

    def value_codes(self, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(logp codes, logp palette, bow codes, bow palette)`` of the (i+1)-grams: int64
        codes into float32 palettes that give back exactly their values (the model's own
        quantisation when it was saved quantised; else its distinct values)."""
        n = i + 1
        out: list[np.ndarray] = []
        for name, vals in (("logp", self._logp[i]),
                           ("bow", self._bow[i] if i < len(self._bow) else None)):
            if vals is None:
                vals = np.zeros(len(self._keys[i]), dtype=np.float32)
            got = self._quant.get((name, n))
            if got is not None:
                out += [got[0].astype(np.int64), got[1]]
                continue
            pal, inv = np.unique(np.ascontiguousarray(vals, dtype=np.float32).view(np.uint32),
                                 return_inverse=True)
            out += [inv.astype(np.int64).ravel(), pal.view(np.float32)]
        return out[0], out[1], out[2], out[3]

    def write_arpa(self, path: str | Path) -> Path:
        """Write the model in ARPA format (gzip-compressed if ``path`` ends in ``.gz``)."""
        path = Path(path)
        N = self.order
        V = np.array(self._vocab, dtype=object)
        mask = np.uint64((1 << self._bits) - 1)
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "wt", encoding="utf-8", newline="\n") as fh:
            fh.write("\\data\\\n")
            for n, c in enumerate(self.counts, 1):
                fh.write(f"ngram {n}={c}\n")
            for n in range(1, N + 1):
                fh.write(f"\n\\{n}-grams:\n")
                k = self._keys[n - 1]
                cols = [
                    V[((k >> np.uint64(self._bits * (n - 1 - j))) & mask).astype(np.int64)]
                    for j in range(n)
                ]
                words = cols[0] if n == 1 else [" ".join(t) for t in zip(*cols, strict=True)]
                lp = self._logp[n - 1].tolist()
                buf = io.StringIO()
                if n < N:
                    bw = self._bow[n - 1].tolist()
                    for w, p, b in zip(words, lp, bw, strict=True):
                        buf.write(f"{p:.7g}\t{w}\t{b:.7g}\n")
                else:
                    for w, p in zip(words, lp, strict=True):
                        buf.write(f"{p:.7g}\t{w}\n")
                fh.write(buf.getvalue())
            fh.write("\n\\end\\\n")
        return path

    # ---- queries --------------------------------------------------------------------------
    def ids(self, words: Iterable[str]) -> np.ndarray:
        """Vocabulary ids of ``words`` (already normalised); unknown words get ``<unk>``'s id."""
        get = self._index.get
        return np.fromiter((get(w, _UNK_ID) for w in words), dtype=np.int32)

    def logprob_ids(self, ids_matrix: np.ndarray, *,
                    use_kernel: bool | None = None) -> np.ndarray:
        """log10 P(last column | previous columns) for every row of an id matrix.

        ``ids_matrix`` has shape ``(rows, order)`` (or ``(rows, k)`` with ``k <= order``, which
        is left-padded); a negative id marks "no word" (for contexts shorter than
        ``order - 1``). Rows are scored with the standard backoff rule in a few vectorised
        hashed lookups (:class:`urai.lang.keyhash.KeyHash`, same results as a ``searchsorted`` on
        the keys). ``use_kernel=False`` runs this numpy reference even where the compiled
        kernel is available (None: :attr:`use_kernel`); both give identical numbers.
        """
        m = np.asarray(ids_matrix)
        if m.ndim == 1:
            m = m[None, :]
        N = self.order
        rows, width = m.shape
        if width > N:
            m = m[:, width - N :]
        elif width < N:
            m = np.concatenate([np.full((rows, N - width), -1, dtype=m.dtype), m], axis=1)
        m = m.astype(np.int64, copy=False)
        V = self.vocab_size
        if rows and (m[:, -1] < 0).any():
            raise ConfigError("logprob_ids: the last column (predicted word) must be >= 0")
        bad = m >= V
        if bad.any():
            m = np.where(bad, _UNK_ID, m)
        if rows and (self.use_kernel if use_kernel is None else use_kernel):
            kernel = self.kernel()
            if kernel is not None:
                out = np.empty(rows, dtype=np.float64)
                kernel.logprob_rows(np.ascontiguousarray(m), out)
                return out
        # no row deduplication: with hashed lookups (:class:`KeyHash`) sorting the rows to
        # dedupe them costs more than scoring the repeats. Rows are independent: a huge batch
        # (a book-length text) is scored in blocks so temporaries stay ~100 MB.
        if rows <= self.block_rows:
            return self._logprob_rows(m)
        return np.concatenate([self._logprob_rows(m[i : i + self.block_rows])
                               for i in range(0, rows, self.block_rows)])

    def kernel(self) -> Any:
        """The C scoring tables of this model (``urai._core.LM``, built once and kept), or
        None without the kernels (:mod:`urai.kernels`) or for an order they cannot take."""
        if not kernels.enabled():
            return None
        if self._core_lm is None:
            c = kernels.core()
            n = self.order
            if c is None or not 2 <= n <= 8:
                return None
            self._core_lm = c.LM(int(self._bits), self.vocab_size,
                                 [np.ascontiguousarray(k, dtype=np.uint64) for k in self._keys],
                                 [np.ascontiguousarray(x, dtype=np.float32) for x in self._logp],
                                 [np.ascontiguousarray(x, dtype=np.float32) for x in self._bow],
                                 [None] + [self.value_codes(i) for i in range(1, n)])
        return self._core_lm

    def unigram_logprobs(self, ids: np.ndarray) -> np.ndarray:
        """log10 P(w) of vocabulary ids (the same numbers as ``logprob_ids`` on rows with no
        context, without the lookups)."""
        ids = np.asarray(ids, dtype=np.int64)
        return self._logp[0][np.where((ids >= 0) & (ids < self.vocab_size), ids, _UNK_ID)
                             ].astype(np.float64)

    def _hashed(self, i: int) -> KeyHash:
        """The hash of ``keys[i]`` with its log-probabilities (value 0) and backoffs (value 1)
        in slot order, built on first use."""
        h = self._hashes.get(i)
        if h is None:
            bow = self._bow[i] if i < len(self._bow) else np.zeros_like(self._logp[i])
            h = self._hashes[i] = KeyHash(self._keys[i], (self._logp[i], bow))
        return h

    def _look(self, i: int, q: np.ndarray, ask: np.ndarray, k: int
              ) -> tuple[np.ndarray, np.ndarray]:
        """``(value k, found)`` of keys ``q`` in ``keys[i]`` (0 where not found; 0 = logp,
        1 = backoff), looking up only the rows in ``ask``."""
        h = self._hashed(i)
        if ask.all():
            return h.get(q, k)
        out = np.zeros(len(q), dtype=h.dtype(k))
        found = np.zeros(len(q), dtype=bool)
        sel = np.flatnonzero(ask)
        if len(sel):
            out[sel], found[sel] = h.get(q[sel], k)
        return out, found

    def _suffix_closed(self, i: int) -> bool:
        """Every key of ``keys[i]`` ((i+1)-grams) has its suffix i-gram in ``keys[i - 1]``
        (true for models built by :meth:`train`; checked once per model and order)."""
        ok = self._closed.get(i)
        if ok is None:
            suf = self._keys[i] & np.uint64((1 << (self._bits * i)) - 1)
            ok = self._closed[i] = bool(_lookup(self._keys[i - 1], suf)[1].all())
        return ok

    def _logprob_rows(self, m: np.ndarray) -> np.ndarray:
        N = self.order
        rows = len(m)
        neg = m < 0
        mu = np.where(neg, 0, m).astype(np.uint64)
        w = m[:, -1]
        result = self._logp[0][w].astype(np.float64)
        # walk orders upward: keep the highest order found; add backoffs of longer contexts
        bows = np.zeros(rows, dtype=np.float64)
        key = mu[:, -1].copy()
        ctx_key = np.zeros(rows, dtype=np.uint64)
        ctx_valid = np.ones(rows, dtype=bool)
        prev_found: np.ndarray | None = None
        for n in range(2, N + 1):
            col = N - n  # new (leftmost) column of the n-gram
            shift = np.uint64(self._bits * (n - 1))
            valid_col = ~neg[:, col]
            # context of length n-1: columns col..N-2
            ctx_key = ctx_key | (mu[:, col] << np.uint64(self._bits * (n - 2)))
            ctx_valid &= valid_col
            if n - 1 == 1:
                cbow = np.where(ctx_valid, self._bow[0][mu[:, col].astype(np.int64)], 0.0)
            else:
                cbow = self._look(n - 2, ctx_key, ctx_valid, 1)[0]
            key = key | (mu[:, col] << shift)
            # only rows with a full context can match; and when every stored n-gram's
            # suffix is stored too, only rows whose suffix (n-1)-gram was found
            ask = ctx_valid
            if prev_found is not None and self._suffix_closed(n - 1):
                ask = ctx_valid & prev_found
            lp, found = self._look(n - 1, key, ask, 0)
            found &= ctx_valid
            prev_found = found
            # found at order n: reset to its logp; otherwise accumulate the context backoff
            bows = np.where(found, 0.0, bows + cbow)
            result = np.where(found, lp, result)
        return result + bows

    def _rows(self, words: Sequence[str], bos: bool, eos: bool) -> np.ndarray:
        N = self.order
        seq = self.ids(words).astype(np.int64)
        if eos:
            seq = np.append(seq, _EOS_ID)
        pad = np.full(N - 1, -1, dtype=np.int64)
        if bos:
            pad[-1] = _BOS_ID
        full = np.concatenate([pad, seq])
        return np.lib.stride_tricks.sliding_window_view(full, N)

    def token_logprobs(
        self, words: Sequence[str], bos: bool = True, eos: bool = False
    ) -> np.ndarray:
        """log10 probability of each word given its left context (plus ``</s>`` if ``eos``)."""
        if isinstance(words, str):
            raise ConfigError("token_logprobs() expects a list of tokens, got a str")
        if not len(words) and not eos:
            return np.zeros(0, dtype=np.float64)
        return self.logprob_ids(self._rows(words, bos, eos))

    def score(self, words: Sequence[str], bos: bool = True, eos: bool = True) -> float:
        """Total log10 probability of a token sequence (like ``kenlm.Model.score``)."""
        return float(self.token_logprobs(words, bos=bos, eos=eos).sum())

    def logprob(self, word: str, context: Sequence[str] = ()) -> float:
        """log10 P(word | context); ``context`` may include ``<s>``; only the last
        ``order - 1`` context words are used."""
        if isinstance(context, str):
            raise ConfigError("logprob() expects the context as a list of tokens, got a str")
        ctx = list(context)[-(self.order - 1) :] if self.order > 1 else []
        row = np.concatenate([self.ids(ctx).astype(np.int64), self.ids([word]).astype(np.int64)])
        return float(self.logprob_ids(row[None, :])[0])

    def perplexity(self, sentences: Iterable[Sequence[str]]) -> float:
        """Per-token perplexity over ``sentences`` (each scored with ``<s>`` and ``</s>``)."""
        total = 0.0
        count = 0
        for sent in sentences:
            lp = self.token_logprobs(sent, bos=True, eos=True)
            total += float(lp.sum())
            count += len(lp)
        if count == 0:
            raise ConfigError("perplexity() needs at least one sentence")
        return float(10.0 ** (-total / count))


# --------------------------------------------------------------------------------------------
# shipped model


@functools.lru_cache(maxsize=1)
def default_lm() -> NgramLM:
    """The shipped Indonesian news LM (``urai/lang/id/data/lm.npz``), loaded once."""
    if not DEFAULT_LM_PATH.is_file():
        raise ResourceError(
            f"{DEFAULT_LM_PATH}: the shipped language model is missing; run `urai data build`"
        )
    return NgramLM.load(DEFAULT_LM_PATH)


def load_lm(path: str | Path | None = None) -> NgramLM:
    """Load the model at ``path``, or the shipped default model when ``path`` is None."""
    if path is None:
        return default_lm()
    return NgramLM.load(path)
