"""Tests for the Kneser-Ney n-gram LM (urai.lang.lm), its corpora and the ``urai lm`` CLI."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from urai.build.corpora import CorpusStats, iter_kumparan, iter_user_corpus
from urai.cli import main
from urai.errors import ConfigError, InputError, ResourceError
from urai.lang.lm import DEFAULT_LM_PATH, LMConfig, NgramLM, load_lm, normalize

WORDS = (
    "pemerintah menyatakan serangan udara di kota itu menewaskan warga sipil dan polisi "
    "menyita senjata ringan dari para pelaku yang ditangkap kemarin pagi oleh aparat"
).split()


def _corpus(n: int = 400, seed: int = 0) -> list[list[str]]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        start = rng.randrange(len(WORDS))
        length = rng.randint(1, 12)
        sent = [WORDS[(start + i) % len(WORDS)] for i in range(length)]
        if rng.random() < 0.3:  # noise so that not everything is seen in order
            sent[rng.randrange(length)] = rng.choice(WORDS + ["langka", "<num>", ","])
        out.append(sent)
    out.append(["sekali", "saja"])  # singletons -> <unk>
    return out


@pytest.fixture(scope="module")
def models() -> dict[str, NgramLM]:
    sents = _corpus()
    return {
        "o2": NgramLM.train(sents, order=2, min_counts=(1, 1), vocab_min_count=1),
        "o2p": NgramLM.train(sents, order=2, min_counts=(1, 3), vocab_min_count=2),
        "o3": NgramLM.train(sents, order=3, min_counts=(1, 1, 1)),
        "o3p": NgramLM.train(sents, order=3, min_counts=(1, 2, 3)),
        "o4p": NgramLM.train(sents, order=4, min_counts=(1, 1, 2, 2)),
    }


def _context_mass(model: NgramLM, context: list[str]) -> float:
    ctx = model.ids(context[-(model.order - 1) :]).astype(np.int64) if context else []
    words = [i for i in range(model.vocab_size) if i != 1]  # all but <s>
    rows = np.array([[*ctx, w] for w in words], dtype=np.int64)
    return float((10.0 ** model.logprob_ids(rows)).sum())


# ---- normalize / config ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,expected",
    [("2016", "<num>"), ("1.000", "<num>"), ("2,5", "<num>"), ("21/10", "<num>"),
     ("19:00", "<num>"), ("21/10/2016", "<num>"), ("Jakarta", "jakarta"), (",", ","),
     ("Adanya", "adanya"), ("A330-900", "a330-900")],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_config_validation() -> None:
    assert LMConfig(2, (1, 1, 2)).min_counts == (1, 1)
    assert LMConfig(4, (1, 2)).min_counts == (1, 2, 2, 2)
    for bad in [dict(order=1), dict(min_counts=(2, 2, 2)), dict(min_counts=(1, 3, 2)),
                dict(vocab_min_count=0), dict(min_counts=(1, 0, 1))]:
        with pytest.raises(ConfigError):
            LMConfig(**bad)
    with pytest.raises(ConfigError):
        NgramLM.train([], order=3)


# ---- probabilities --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["o2", "o2p", "o3", "o3p", "o4p"])
@pytest.mark.parametrize(
    "context",
    [[], ["<s>"], ["serangan"], ["serangan", "udara"], ["<s>", "pemerintah"],
     ["tidak", "dikenal"], ["udara", "tidak"], ["polisi", "menyita", "senjata"]],
)
def test_context_sums_to_one(models: dict[str, NgramLM], name: str, context: list[str]) -> None:
    assert _context_mass(models[name], context) == pytest.approx(1.0, abs=1e-4)


def test_pruning_reduces_ngrams(models: dict[str, NgramLM]) -> None:
    assert models["o3p"].counts[2] < models["o3"].counts[2]
    assert models["o3p"].counts[1] < models["o3"].counts[1]
    assert models["o3"].tokens == sum(len(s) for s in _corpus())


def test_vectorised_equals_scalar(models: dict[str, NgramLM]) -> None:
    rng = np.random.default_rng(1)
    for model in models.values():
        n = model.order
        rows = rng.integers(0, model.vocab_size, size=(300, n))
        rows[:40, 0] = -1
        rows[rows[:, -1] == 1, -1] = 2  # never predict <s>
        vec = model.logprob_ids(rows)
        for row, v in zip(rows, vec, strict=True):
            ctx = [model.vocab[i] for i in row[:-1] if i >= 0]
            assert model.logprob(model.vocab[row[-1]], ctx) == pytest.approx(v, abs=1e-9)
        sent = ["serangan", "udara", "di", "kota", "antah"]
        assert model.score(sent) == pytest.approx(
            float(model.token_logprobs(sent, eos=True).sum())
        )
        assert len(model.token_logprobs(sent)) == len(sent)


def test_seen_beats_unseen(models: dict[str, NgramLM]) -> None:
    m = models["o3"]
    assert m.logprob("udara", ["serangan"]) > m.logprob("polisi", ["serangan"])
    assert m.score(["serangan", "udara"]) > m.score(["udara", "serangan"])
    assert 1.0 < m.perplexity(_corpus(50, seed=3)) < m.vocab_size


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(WORDS + ["xyz", "<num>", ".", "</s>", "<unk>"]), max_size=15))
def test_scores_finite_and_nonpositive(models: dict[str, NgramLM], words: list[str]) -> None:
    for m in (models["o3p"], models["o2"]):
        lp = m.token_logprobs(words, bos=True, eos=True)
        assert np.isfinite(lp).all() and (lp <= 0).all()
        assert np.isfinite(m.score(words))


# ---- persistence ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["o2", "o3p", "o4p"])
def test_save_load_round_trip(models: dict[str, NgramLM], name: str, tmp_path: Path) -> None:
    m = models[name]
    sents = _corpus(30, seed=5)
    exact = NgramLM.load(m.save(tmp_path / "exact.npz", quantize=None))
    assert exact.counts == m.counts and exact.vocab == m.vocab
    for s in sents:
        assert exact.score(s) == m.score(s)
    q = NgramLM.load(m.save(tmp_path / "q8.npz", quantize=8))
    q2 = NgramLM.load(q.save(tmp_path / "q8b.npz", quantize=None))
    for s in sents:
        assert q.score(s) == pytest.approx(m.score(s), abs=0.05 * (len(s) + 1))
        assert q2.score(s) == q.score(s)
    info = q.info()
    assert info["order"] == m.order and info["ngrams"] == m.counts
    assert info["path"] == str(tmp_path / "q8b.npz")  # save() records the new path
    assert info["size_bytes"] == (tmp_path / "q8b.npz").stat().st_size


def test_bad_files_raise_resource_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.npz"
    with pytest.raises(ResourceError, match="nope.npz"):
        NgramLM.load(missing)
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"\x00\x01garbage" * 100)
    with pytest.raises(ResourceError, match="junk.npz"):
        NgramLM.load(junk)
    other = tmp_path / "other.npz"
    np.savez(other, meta=np.frombuffer(b'{"format": "x"}', dtype=np.uint8))
    with pytest.raises(ResourceError, match="other.npz"):
        load_lm(other)


@pytest.mark.parametrize("name", ["o2", "o3p"])
def test_arpa_export(models: dict[str, NgramLM], name: str, tmp_path: Path) -> None:
    m = models[name]
    path = m.write_arpa(tmp_path / "m.arpa.gz")
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        text = fh.read()
    assert text.startswith("\\data\\\n") and text.rstrip().endswith("\\end\\")
    for n, c in enumerate(m.counts, 1):
        assert f"ngram {n}={c}\n" in text
        section = text.split(f"\\{n}-grams:\n")[1].split("\n\n")[0].splitlines()
        assert len(section) == c
        assert all(len(line.split("\t")[1].split(" ")) == n for line in section)


@pytest.mark.parametrize("name", ["o2", "o3p", "o4p"])
def test_arpa_matches_kenlm(models: dict[str, NgramLM], name: str, tmp_path: Path) -> None:
    kenlm = pytest.importorskip("kenlm")
    m = models[name]
    k = kenlm.Model(str(m.write_arpa(tmp_path / "m.arpa")))
    for s in _corpus(40, seed=7) + [["kata", "asing", "sekali"]]:
        assert k.score(" ".join(s), bos=True, eos=True) == pytest.approx(m.score(s), abs=1e-4)


# ---- corpora --------------------------------------------------------------------------------


def test_kumparan_reader_reattaches_clitics(tmp_path: Path) -> None:
    p = tmp_path / "k.txt"
    p.write_text(
        "memastikan\tVB\nada\tNN\nnya\tDT\n18\tNUM\nkotak\tNN\n.\tSYM\n\n"
        "Meski\tSC\npun\tRP\nia\tPR\npun\tRP\npergi\tVB\n\n",
        encoding="utf-8",
    )
    sents = list(iter_kumparan(p))
    assert sents == [["memastikan", "adanya", "<num>", "kotak", "."],
                     ["meskipun", "ia", "pun", "pergi"]]


def test_user_corpus_rejections(tmp_path: Path) -> None:
    p = tmp_path / "c.jsonl.gz"
    with gzip.open(p, "wt", encoding="utf-8") as fh:
        fh.write(json.dumps({"text": "Polisi menyita senjata. Harga Rp 1.000."}) + "\n")
        fh.write("{not json\n")
        fh.write(json.dumps({"title": "tanpa teks"}) + "\n")
        fh.write(json.dumps([1, 2]) + "\n")
    stats = CorpusStats()
    sents = list(iter_user_corpus(p, stats))
    assert sents == [["polisi", "menyita", "senjata", "."], ["harga", "rp", "<num>", "."]]
    assert stats.n_rejected == 3 and stats.rejected["bad JSON"] == 2
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n", encoding="utf-8")
    with pytest.raises(InputError, match="empty"):
        list(iter_user_corpus(empty, CorpusStats()))
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\x00\xff\x10" * 50)
    with pytest.raises(InputError, match="binary"):
        list(iter_user_corpus(binary, CorpusStats()))


# ---- CLI ------------------------------------------------------------------------------------


def test_cli_build_and_info(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    txt = tmp_path / "a.txt"
    txt.write_text("\n\n".join(" ".join(s) + "." for s in _corpus(200)), encoding="utf-8")
    jl = tmp_path / "b.jsonl"
    jl.write_text('{"text": "Serangan udara di kota itu."}\n{bad\n', encoding="utf-8")
    out = tmp_path / "m.npz"
    arpa = tmp_path / "m.arpa"
    rc = main(["lm", "build", "--out", str(out), "--order", "3", "--prune", "1 1 2",
               "--arpa", str(arpa), "-q", str(txt), str(jl)])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "rejected:  1" in printed and "bad JSON: 1" in printed
    model = NgramLM.load(out)
    assert model.order == 3 and arpa.is_file()
    assert model.sources == [str(txt), str(jl)]
    assert main(["lm", "info", "--json", str(out)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ngrams"] == model.counts and data["order"] == 3


def test_cli_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "e.txt"
    empty.write_text("", encoding="utf-8")
    assert main(["lm", "build", "--out", str(tmp_path / "m.npz"), str(empty)]) == 2
    assert "empty" in capsys.readouterr().err
    binary = tmp_path / "b.txt"
    binary.write_bytes(bytes(range(256)) * 4)
    assert main(["lm", "build", "--out", str(tmp_path / "m.npz"), str(binary)]) == 2
    assert "binary" in capsys.readouterr().err
    ok = tmp_path / "ok.txt"
    ok.write_text("satu dua tiga.", encoding="utf-8")
    assert main(["lm", "build", "--out", str(tmp_path / "m.npz"), "--prune", "2 1",
                 str(ok)]) == 2
    assert "min_counts" in capsys.readouterr().err
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"nope")
    assert main(["lm", "info", str(bad)]) == 3
    err = capsys.readouterr().err
    assert "bad.npz" in err and len(err.strip().splitlines()) == 1


# ---- shipped model --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> NgramLM:
    if not DEFAULT_LM_PATH.is_file():
        pytest.skip("shipped LM not built (run `urai data build`)")
    return load_lm(None)


def test_shipped_model_prefers_collocations(shipped: NgramLM) -> None:
    assert shipped.order == 3 and shipped.tokens > 1_000_000 and len(shipped.sources) == 2
    assert shipped.score(["serangan", "udara"]) > shipped.score(["serangan", "hawa"])
    assert shipped.score(["senjata", "ringan"]) > shipped.score(["senjata", "enteng"])
    assert shipped.ids(["jakarta", "kata-yang-tidak-ada"]).tolist()[1] == 0


@pytest.mark.parametrize("block", [1, 7, 64])
def test_scoring_in_blocks_gives_the_same_logprobs(models: dict[str, NgramLM],
                                                  block: int) -> None:
    """Huge batches are scored block by block (bounded memory): same numbers."""
    rng = np.random.default_rng(block)
    for model in models.values():
        rows = rng.integers(0, model.vocab_size, size=(200, model.order))
        rows[rows[:, -1] == 1, -1] = 2
        whole = model.logprob_ids(rows)
        model.block_rows = block
        try:
            np.testing.assert_array_equal(model.logprob_ids(rows), whole)
        finally:
            del model.block_rows
