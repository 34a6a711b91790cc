"""Train the cloze model (:mod:`urai.lang.cloze`) that ships as ``urai/lang/id/data/cloze.npz``.

Needs PyTorch (training only; inference is numpy): ``pip install 'urai[train]'`` or, lighter,
``pip install torch --index-url https://download.pytorch.org/whl/cpu``. Run from the
repository with the shared data beside it::

    python -m urai.build.train_cloze --out src/urai/lang/id/data/cloze.npz      # shipped model
    python -m urai.build.train_cloze --articles A --lm held_out_lm.npz --out cloze_A.npz

Data: IndoSum folds 01-04 minus every fold-05 id (:func:`urai.build.common.training_articles`;
``--articles A`` / ``B`` take one half of them, as the detector's cross-fitting does) plus the
kumparan sentences; every 50th article is kept out to stop training early. Examples are all
word slots of every sentence, laid out like the detector's LM sequence
(``[-1, <s>, w1 .. wn, </s>, </s>]``), with the two words on either side as context. The input
vocabulary is the LM's (``--lm``, default the shipped LM), so LM ids map straight onto it.

Training: sampled softmax (2,048 shared negatives from the unigram distribution ^ 0.75 with the
log-Q correction, accidental hits masked), Adam, dropout 0.25 and context-word dropout 0.1;
the epoch with the best full-softmax log-likelihood on the held-out articles is kept. The
saved output layer covers only the words the detector can observe or propose (mutable words
and their candidates under the shipped thesaurus), which halves the file.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from urai.build.common import half_of, shared_dir, training_articles
from urai.build.corpora import iter_kumparan
from urai.detect.engine import Engine
from urai.errors import MissingDependencyError
from urai.lang.cloze import CLOZE_PATH, ClozeModel
from urai.lang.freq import default_frequency
from urai.lang.id import default_stopwords
from urai.lang.lm import load_lm, normalize
from urai.lang.thesaurus import default_thesaurus
from urai.lang.tokenize import sentences

__all__ = ["examples", "output_words", "train", "fit_on_texts", "main"]

BOS, EOS = 1, 2


def examples(sentences: Iterable[list[str]], lm: Any) -> np.ndarray:
    """``(n, 5)`` int32 rows ``(w-2, w-1, w+1, w+2, w)`` of LM ids; -1 = no word."""
    segs = []
    for s in sentences:
        if s:
            ids = lm.ids(s).astype(np.int32)
            segs.append(np.concatenate([[-1, BOS], ids, [EOS, EOS]]).astype(np.int32))
    if not segs:
        return np.zeros((0, 5), dtype=np.int32)
    seq = np.concatenate(segs)
    is_word = np.zeros(len(seq), dtype=bool)
    off = 0
    for g in segs:
        is_word[off + 2 : off + len(g) - 2] = True
        off += len(g)
    p = np.flatnonzero(is_word)
    return np.stack([seq[p - 2], seq[p - 1], seq[p + 1], seq[p + 2], seq[p]], axis=1)


def output_words(lm: Any) -> list[str]:
    """LM words the detector can observe or propose (mutable words and their candidates)."""

    eng = Engine(lm, default_thesaurus(), default_frequency(), default_stopwords())
    vocab = set(lm.vocab)
    keep = {"<unk>"}
    for w in lm.vocab:
        info = eng.word_info(w)
        if info is not None:
            keep.add(w)
            keep.update(n for n in (normalize(s) for s in info[0]) if n in vocab)
    return [w for w in lm.vocab if w in keep]


def train(train_rows: np.ndarray, dev_rows: np.ndarray, vocab: list[str], out_words: list[str],
          *, dim: int = 64, hidden: int = 256, epochs: int = 4, batch: int = 1024,
          neg: int = 2048, lr: float = 2e-3, dropout: float = 0.25, ctx_drop: float = 0.1,
          threads: int = 2, seed: int = 0) -> ClozeModel:
    """Fit the model on ``(w-2, w-1, w+1, w+2, w)`` rows; returns the best epoch's weights."""
    try:
        import torch
        from torch import nn
    except ImportError:  # pragma: no cover - depends on the environment

        raise MissingDependencyError.for_extra("torch", "train") from None
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    V = len(vocab)
    pad = V
    tr = torch.from_numpy(train_rows.astype(np.int64))
    dv = torch.from_numpy(dev_rows.astype(np.int64))
    for t in (tr, dv):
        c = t[:, :4]
        c[c < 0] = pad
    counts = np.bincount(train_rows[:, 4], minlength=V)
    q = torch.from_numpy(np.maximum(counts, 1).astype(np.float64) ** 0.75)
    q = (q / q.sum()).float()
    logq = torch.log(q * neg)

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.E = nn.Embedding(V + 1, dim)
            self.W1 = nn.Linear(4 * dim, hidden)
            self.U = nn.Embedding(V, hidden)
            self.ub = nn.Embedding(V, 1)
            nn.init.normal_(self.E.weight, 0, 0.1)
            nn.init.normal_(self.U.weight, 0, 0.05)
            with torch.no_grad():
                self.ub.weight[:, 0] = torch.log(q)  # start from the (smoothed) unigram
            self.drop = nn.Dropout(dropout)

        def hid(self, ctx: Any) -> Any:
            return self.drop(torch.relu(self.W1(self.drop(self.E(ctx).flatten(1)))))

    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=lr)

    def dev_ll() -> float:
        net.eval()
        tot = 0.0
        with torch.no_grad():
            for i in range(0, len(dv), 2048):
                b = dv[i : i + 2048]
                lg = net.hid(b[:, :4]) @ net.U.weight.T + net.ub.weight[:, 0]
                tot += (lg.gather(1, b[:, 4:5])[:, 0] - torch.logsumexp(lg, 1)).sum().item()
        net.train()
        return tot / max(len(dv), 1)

    best, best_state, hist = -math.inf, None, []
    t0 = time.time()
    for ep in range(1, epochs + 1):
        perm = torch.from_numpy(rng.permutation(len(tr)))
        for i in range(0, len(tr), batch):
            b = tr[perm[i : i + batch]]
            ctx = b[:, :4].clone()
            y = b[:, 4]
            if ctx_drop > 0:
                ctx[torch.rand(ctx.shape) < ctx_drop] = pad
            h = net.hid(ctx)
            ng = torch.multinomial(q, neg, replacement=True)
            pos = (h * net.U(y)).sum(1) + net.ub(y)[:, 0] - logq[y]
            lgn = h @ net.U(ng).T + net.ub(ng)[:, 0] - logq[ng]
            lgn = lgn.masked_fill(ng[None, :] == y[:, None], -1e9)
            loss = nn.functional.cross_entropy(torch.cat([pos[:, None], lgn], 1),
                                               torch.zeros(len(y), dtype=torch.long))
            opt.zero_grad()
            loss.backward()
            opt.step()
        ll = dev_ll()
        hist.append({"epoch": ep, "dev_perplexity": round(math.exp(-ll), 2),
                     "seconds": round(time.time() - t0)})
        print(f"epoch {ep}: held-out perplexity {math.exp(-ll):.1f} ({time.time() - t0:.0f}s)",
              file=sys.stderr)
        if ll > best:
            best = ll
            best_state = {k: v.detach().numpy().copy() for k, v in net.state_dict().items()}
    assert best_state is not None
    index = {w: i for i, w in enumerate(vocab)}
    keep = np.array([index[w] for w in out_words], dtype=np.int64)
    meta = {"trained": time.strftime("%Y-%m-%d"), "epochs": hist,
            "best_dev_perplexity": round(math.exp(-best), 2), "train_rows": int(len(tr)),
            "dim": dim, "hidden": hidden, "negatives": neg}
    return ClozeModel(list(vocab), list(out_words), best_state["E.weight"],
                      best_state["W1.weight"].T, best_state["W1.bias"],
                      best_state["U.weight"][keep], best_state["ub.weight"][keep, 0], meta)


def fit_on_texts(texts: list[str], lm: Any, shared: Path, out_words: list[str] | None = None,
                 **kw: Any) -> ClozeModel:
    """Train on ``texts`` (every 50th held out for early stopping) + the kumparan sentences,
    over ``lm``'s vocabulary; ``out_words`` defaults to the whole vocabulary."""

    tr_s: list[list[str]] = []
    dv_s: list[list[str]] = []
    for i, text in enumerate(texts):
        sents = [[normalize(t.text) for t in s] for s in sentences(text)]
        (dv_s if i % 50 == 0 else tr_s).extend(sents)
    tr_s.extend(iter_kumparan(shared / "corpus" / "kumparan-sentences" / "dataset_postag.txt"))
    vocab = list(lm.vocab)
    return train(examples(tr_s, lm), examples(dv_s, lm), vocab,
                 vocab if out_words is None else out_words, **kw)


def main(argv: list[str] | None = None) -> int:

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=None, help="shared data directory")
    ap.add_argument("--lm", default=None, help="LM whose vocabulary to use (default: shipped)")
    ap.add_argument("--articles", choices=("all", "A", "B"), default="all")
    ap.add_argument("--out", type=Path, default=CLOZE_PATH)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args(argv)
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        print("urai: error: training the cloze model needs PyTorch; install it with: "
              "pip install 'urai[train]'", file=sys.stderr)
        return 3
    shared = shared_dir(a.shared)
    if shared is None:
        return 2
    lm = load_lm(a.lm)
    arts = training_articles(shared)
    if a.articles != "all":
        arts = [x for x in arts if (half_of(x[0]) < 2) == (a.articles == "A")]
    model = fit_on_texts([t for _, t in arts], lm, shared, output_words(lm), epochs=a.epochs,
                         threads=a.threads)
    model.meta["data"] = (f"IndoSum dev folds 01-04 minus fold-05 ids ({a.articles}: "
                          f"{len(arts)} articles) + kumparan sentences")
    model.save(a.out)
    print(f"wrote {a.out}: {json.dumps(model.info())[:300]}", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


def heldout_cloze(shared: Path, texts: Sequence[str], lm, path: Path | None):  # type: ignore[no-untyped-def]
    """The cloze model for cross-fitting: loaded from ``path`` when given, else trained on
    ``texts`` + kumparan over ``lm``'s vocabulary (needs PyTorch)."""
    if path is not None:
        cz = ClozeModel.load(path)
        if cz.vocab_in != list(lm.vocab):
            raise SystemExit(f"{path}: cloze vocabulary differs from the held-out LM's")
        return cz

    return fit_on_texts(list(texts), lm, shared)
