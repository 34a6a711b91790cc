"""Training-corpus readers for the n-gram LM: IndoSum, kumparan sentences, user corpora.

Every reader yields sentences as lists of :func:`urai.lang.lm.normalize`-d tokens. Readers of user
input count what they reject (with reasons) in a :class:`CorpusStats` instead of dropping it
silently.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from urai.corpus.sources import decode_text, iter_jsonl, open_maybe_gzip, read_text
from urai.errors import InputError
from urai.lang.lm import NgramLM, normalize
from urai.lang.tokenize import sentences as split_into_sentences

__all__ = [
    "detokenize_indosum",
    "indosum_rows",
    "iter_indosum_articles",
    "CorpusStats",
    "indosum_ids",
    "iter_indosum",
    "indosum_train_sentences",
    "indosum_eval_sentences",
    "iter_kumparan",
    "iter_user_corpus",
    "build_default_lm",
    "INDOSUM_TRAIN_FOLDS",
    "INDOSUM_EVAL_FOLD",
    "DEFAULT_SOURCES",
]

INDOSUM_TRAIN_FOLDS = ("01", "02", "03", "04")
INDOSUM_EVAL_FOLD = "05"
DEFAULT_SOURCES = (
    "IndoSum dev.01-04 minus fold-05 ids (CC BY-SA 4.0)",
    "kumparan sentences from nlp-id (MIT)",
)
#: clitics that kumparan's POS data split off their host and that we keep attached
_CLITICS = frozenset({"nya", "lah", "kah"})
#: hosts after which a split-off ``pun`` is written attached in standard spelling
#: (``walaupun``, ``meskipun``); elsewhere ``pun`` is a separate word (``ia pun``)
_PUN_HOSTS = frozenset(
    {"atau", "walau", "meski", "ada", "mau", "biar", "kendati", "sungguh", "sekali", "kalau"}
)


@dataclass(slots=True)
class CorpusStats:
    """What a corpus reader saw: documents, sentences, tokens and rejected lines by reason."""

    documents: int = 0
    sentences: int = 0
    tokens: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)

    def reject(self, reason: str, detail: str) -> None:
        self.rejected[reason] += 1
        if len(self.examples) < 5:
            self.examples.append(detail)

    @property
    def n_rejected(self) -> int:
        return sum(self.rejected.values())


def _count(stats: CorpusStats | None, sents: Iterable[list[str]]) -> Iterator[list[str]]:
    for s in sents:
        if s:
            if stats is not None:
                stats.sentences += 1
                stats.tokens += len(s)
            yield s


# ---- IndoSum -------------------------------------------------------------------------------


def indosum_rows(path: Path) -> Iterator[dict]:
    """The raw JSON rows of one IndoSum JSONL fold (no deduplication)."""
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


_NO_SPACE_BEFORE = frozenset(",.;:!?)]}%”’")
_NO_SPACE_AFTER = frozenset("([{“‘$")


def detokenize_indosum(paragraphs: Sequence[Sequence[Sequence[str]]]) -> str:
    """Join IndoSum's tokenised paragraphs into realistic text (paragraphs by blank lines)."""
    out_paras: list[str] = []
    for para in paragraphs:
        sents: list[str] = []
        for sent in para:
            buf: list[str] = []
            quote_open = False
            glue = True
            for tok in sent:
                tok = tok.strip()
                if not tok:
                    continue
                if tok == '"':
                    if quote_open:
                        buf.append(tok)
                        glue = False
                    else:
                        if buf and not glue:
                            buf.append(" ")
                        buf.append(tok)
                        glue = True
                    quote_open = not quote_open
                    continue
                if buf and not glue and tok not in _NO_SPACE_BEFORE and tok[:1] not in "'’":
                    buf.append(" ")
                buf.append(tok)
                glue = tok in _NO_SPACE_AFTER
            s = "".join(buf).strip()
            s = re.sub(r"\s+-\s+-\s+", " -- ", s)
            if s:
                sents.append(s)
        if sents:
            out_paras.append(" ".join(sents))
    return "\n\n".join(out_paras)


def iter_indosum_articles(
    path: Path, exclude_ids: set[str] | None = None, seen: set[str] | None = None
) -> Iterator[tuple[str, str]]:
    """``(id, text)`` of each article of one IndoSum JSONL fold, deduplicated by id."""
    seen = set() if seen is None else seen
    for row in indosum_rows(path):
        aid = row["id"]
        if aid in seen or (exclude_ids and aid in exclude_ids):
            continue
        seen.add(aid)
        yield aid, detokenize_indosum(row["paragraphs"])


def indosum_ids(path: Path) -> set[str]:
    """The article ids in one IndoSum JSONL fold."""
    return {row["id"] for row in indosum_rows(path)}


def iter_indosum(
    paths: Iterable[Path], exclude_ids: Iterable[str] = (), stats: CorpusStats | None = None
) -> Iterator[list[str]]:
    """Normalised sentences of IndoSum articles, deduplicated by id, minus ``exclude_ids``."""
    seen = set(exclude_ids)
    for path in paths:
        for row in indosum_rows(path):
            if row["id"] in seen:
                continue
            seen.add(row["id"])
            if stats is not None:
                stats.documents += 1
            for para in row["paragraphs"]:
                yield from _count(stats, ([normalize(t) for t in s if t.strip()] for s in para))


def indosum_train_sentences(
    corpus_dir: Path, stats: CorpusStats | None = None
) -> Iterator[list[str]]:
    """IndoSum folds 01-04 without any article that also appears in fold 05 (eval set)."""
    corpus_dir = Path(corpus_dir)
    held_out = indosum_ids(corpus_dir / f"dev.{INDOSUM_EVAL_FOLD}.jsonl")
    paths = [corpus_dir / f"dev.{f}.jsonl" for f in INDOSUM_TRAIN_FOLDS]
    return iter_indosum(paths, held_out, stats)


def indosum_eval_sentences(corpus_dir: Path) -> Iterator[list[str]]:
    """Normalised sentences of IndoSum fold 05 (the evaluation set)."""
    return iter_indosum([Path(corpus_dir) / f"dev.{INDOSUM_EVAL_FOLD}.jsonl"])


# ---- kumparan ------------------------------------------------------------------------------


def iter_kumparan(path: Path, stats: CorpusStats | None = None) -> Iterator[list[str]]:
    """Sentences of the kumparan ``token<TAB>POS`` file, with split clitics re-attached.

    ``ada`` + ``nya`` becomes ``adanya`` (also ``lah``, ``kah``; ``pun`` only after hosts
    where it is written attached, e.g. ``meski`` + ``pun``), matching our tokeniser.
    """

    def finish(sent: list[str]) -> Iterator[list[str]]:
        if stats is not None:
            stats.documents += 1
        yield from _count(stats, [[normalize(t) for t in sent]])

    sent: list[str] = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            tok = line.split("\t", 1)[0].strip()
            if not tok:
                if sent:
                    yield from finish(sent)
                sent = []
                continue
            low = tok.lower()
            if sent and sent[-1][-1:].isalpha():
                prev = sent[-1].lower()
                if low in _CLITICS or (low == "pun" and prev in _PUN_HOSTS):
                    sent[-1] += low
                    continue
            sent.append(tok)
    if sent:
        yield from finish(sent)


# ---- user corpora --------------------------------------------------------------------------


def _text_sentences(text: str) -> list[list[str]]:
    return [[normalize(t.text) for t in s] for s in split_into_sentences(text)]


def iter_user_corpus(
    path: Path, stats: CorpusStats, text_field: str = "text"
) -> Iterator[list[str]]:
    """Sentences of a user corpus: plain text (``.txt``) or JSONL with a ``text`` field.

    ``.gz`` is allowed for both. Unreadable files raise :class:`InputError`; bad JSONL lines
    (invalid JSON, missing or non-string ``text``) are counted in ``stats.rejected``.
    """
    path = Path(path)
    name = path.name.lower()
    stem = name[:-3] if name.endswith(".gz") else name
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a directory; give a .txt or .jsonl file")
    if stem.endswith((".jsonl", ".ndjson")):
        # refuse binary/undecodable files up front with the textio messages
        try:
            with open_maybe_gzip(path) as fh:
                head = fh.read(65536)
        except (OSError, EOFError) as exc:
            raise InputError(f"{path}: cannot read ({exc})") from None
        if not head.strip():
            raise InputError(f"{path}: empty input; give some Indonesian text")
        decode_text(head[: max(0, len(head) - 4)] if len(head) == 65536 else head, str(path))
        try:
            for lineno, obj in iter_jsonl(path):
                if isinstance(obj, InputError):
                    stats.reject("bad JSON", str(obj))
                    continue
                text = obj.get(text_field)
                if not isinstance(text, str) or not text.strip():
                    stats.reject(f"missing {text_field!r}", f"{path}:{lineno}: no {text_field!r}")
                    continue
                stats.documents += 1
                yield from _count(stats, _text_sentences(text))
        except (OSError, EOFError) as exc:
            raise InputError(f"{path}: cannot read ({exc})") from None
        return
    text = read_text(path)
    stats.documents += 1
    for para in text.split("\n\n"):
        if para.strip():
            yield from _count(stats, _text_sentences(para))


# ---- the shipped model ---------------------------------------------------------------------


def default_training_sentences(
    shared_data_dir: Path, stats: CorpusStats | None = None
) -> Iterator[list[str]]:
    """IndoSum folds 01-04 (minus fold-05 ids) followed by the kumparan sentences."""
    corpus = Path(shared_data_dir) / "corpus"
    indosum = corpus / "indosum-dev"
    kumparan = corpus / "kumparan-sentences" / "dataset_postag.txt"
    for p in [indosum / f"dev.{f}.jsonl" for f in (*INDOSUM_TRAIN_FOLDS, INDOSUM_EVAL_FOLD)]:
        if not p.is_file():
            raise InputError(f"{p}: missing IndoSum fold")
    if not kumparan.is_file():
        raise InputError(f"{kumparan}: missing kumparan sentences")
    yield from indosum_train_sentences(indosum, stats)
    yield from iter_kumparan(kumparan, stats)


def build_default_lm(
    shared_data_dir: Path,
    out_path: Path,
    progress: bool = False,
    min_counts: tuple[int, ...] = (1, 1, 1),
    quantize: int | None = 16,
) -> NgramLM:
    """Train the shipped order-3 model from IndoSum 01-04 (minus fold 05) + kumparan; save it.

    The corpus is small (~1.5M tokens), so trigram singletons are kept (``min_counts=(1, 1,
    1)``) and log-probs are stored with 16-bit quantisation: the file is ~6.5 MB.
    """
    stats = CorpusStats()
    model = NgramLM.train(
        default_training_sentences(shared_data_dir, stats),
        order=3,
        min_counts=min_counts,
        vocab_min_count=2,
        progress=progress,
        sources=DEFAULT_SOURCES,
    )
    model.save(out_path, quantize=quantize)
    if progress:
        print(
            f"lm: {stats.sentences} sentences, {stats.tokens} tokens, ngrams {model.counts}",
            file=sys.stderr,
        )
    return model
