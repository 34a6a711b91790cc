"""The cloze model (urai.lang.cloze): shipped weights, vocabulary binding, save/load (no mocks)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from urai.errors import ResourceError
from urai.lang.cloze import CLOZE_PATH, ClozeModel, default_cloze
from urai.lang.lm import default_lm, normalize

needs_model = pytest.mark.skipif(not CLOZE_PATH.is_file(), reason="cloze.npz not built")


def _slot(words: list[str], i: int, lm):  # type: ignore[no-untyped-def]
    """seq layout [-1, <s>, w.., </s>, </s>] and the seq index of word i."""
    ids = lm.ids([normalize(w) for w in words]).astype(np.int64)
    seq = np.concatenate([[-1, 1], ids, [2, 2]]).astype(np.int64)
    return seq, i + 2


@needs_model
def test_spun_word_is_less_natural_than_the_original() -> None:
    lm = default_lm()
    cz = default_cloze().bind(lm.vocab)
    for sent, i, spun, orig in [
        ("militer melancarkan serangan hawa ke wilayah itu", 3, "hawa", "udara"),
        ("mereka hanya memiliki senjata enteng dan tidak mampu", 4, "enteng", "ringan"),
        ("ia tidak hadir lantaran sakit keras", 3, "lantaran", "karena"),
    ]:
        words = sent.split()
        assert words[i] == spun
        seq, p = _slot(words, i, lm)
        d = cz.delta(seq, np.array([p]), seq[[p]], lm.ids([orig]).astype(np.int64),
                     np.array([0]))
        assert d[0] > 0.5, (spun, orig, d)  # > 3x more likely in that slot


@needs_model
def test_delta_of_the_observed_word_itself_is_zero_and_binding_follows_words() -> None:
    lm = default_lm()
    model = default_cloze()
    words = "pemerintah akan membangun jalan tol baru di jawa".split()
    seq, p = _slot(words, 1, lm)
    cands = lm.ids(["akan", "bakal", "hendak"]).astype(np.int64)
    owner = np.zeros(3, dtype=np.int64)
    d = model.bind(lm.vocab).delta(seq, np.array([p]), seq[[p]], cands, owner)
    assert d[0] == pytest.approx(0.0, abs=1e-6)
    # a vocabulary in another order (another LM): same words, same scores
    perm = list(reversed(lm.vocab))
    where = {w: i for i, w in enumerate(perm)}
    to_perm = np.array([where[w] for w in lm.vocab] + [-1])
    seq2 = to_perm[seq]
    d2 = model.bind(perm).delta(seq2, np.array([p]), seq2[[p]], to_perm[cands], owner)
    np.testing.assert_allclose(d, d2, atol=1e-5)


def _tiny(rng: np.random.Generator) -> ClozeModel:
    vocab = ["<unk>", "<s>", "</s>", "dan", "serta", "akan", "bakal"]
    d, h = 4, 6
    return ClozeModel(vocab, ["<unk>", "dan", "serta"], rng.normal(size=(len(vocab) + 1, d)),
                      rng.normal(size=(4 * d, h)), rng.normal(size=h), rng.normal(size=(3, h)),
                      rng.normal(size=3), {"data": "random"})


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_save_load_round_trip_keeps_scores(tmp_path_factory, seed: int) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    m = _tiny(rng)
    path = m.save(tmp_path_factory.mktemp("cz") / "m.npz")
    m2 = ClozeModel.load(path)
    assert m2.vocab_in == m.vocab_in and m2.out_words == m.out_words
    seq = np.array([-1, 1, 3, 4, 5, 6, 2, 2])
    pos = np.array([3, 4])
    cand = np.array([3, 5, 4])  # "dan" for slot 0; "akan" (no output row) and "serta"
    owner = np.array([0, 0, 1])
    a = m.bind(m.vocab_in).delta(seq, pos, seq[pos], cand, owner)
    b = m2.bind(m2.vocab_in).delta(seq, pos, seq[pos], cand, owner)
    np.testing.assert_allclose(a, b, atol=2e-2)  # float16 on disk
    assert a[1] == 0.0 and a[2] == 0.0  # a word without an output row gives no evidence


def test_bad_files_are_resource_errors(tmp_path: Path) -> None:
    bad = tmp_path / "x.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ResourceError, match="cloze"):
        ClozeModel.load(bad)
    np.savez(tmp_path / "y.npz", a=np.zeros(2))
    with pytest.raises(ResourceError, match="not a urai cloze model"):
        ClozeModel.load(tmp_path / "y.npz")
    with pytest.raises(ResourceError, match="missing|not found"):
        ClozeModel.load(tmp_path / "missing.npz")


def test_training_without_torch_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    import importlib.util

    if importlib.util.find_spec("torch") is not None:
        pytest.skip("torch is installed here")
    from urai.build.train_cloze import main

    assert main([]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install 'urai[train]'" in err


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(1, 7))
def test_scoring_in_blocks_gives_the_same_deltas(seed: int, block: int) -> None:
    """Candidate rows scored block by block (bounded memory on book-length texts)."""
    rng = np.random.default_rng(seed)
    m = _tiny(rng).bind(_tiny(rng).vocab_in)
    seq = np.array([-1, 1, 3, 4, 5, 6, 3, 4, 2, 2])
    pos = np.array([3, 4, 6, 7])
    cand = rng.integers(0, 7, size=11)
    owner = np.sort(rng.integers(0, 4, size=11))
    whole = m.delta(seq, pos, seq[pos], cand, owner)
    m.block_rows = block
    np.testing.assert_array_equal(m.delta(seq, pos, seq[pos], cand, owner), whole)
