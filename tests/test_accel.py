"""The compiled kernels (urai._core via urai.detect.kernels) against the Python/numpy reference.

Every kernel is run on the real shipped models and compared with the reference code it
replaces: LM scores bit for bit, the cloze deltas to float32 rounding, the analysis arrays
and the decoder's decisions exactly, and whole check results on the gate set. Without the
extension these tests skip, unless ``URAI_REQUIRE_CORE=1`` (set by CI), which makes a
missing extension a failure.
"""

from __future__ import annotations

import json
import os
import pickle
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from urai.detect import kernels as accel

if os.environ.get("URAI_REQUIRE_CORE") == "1":
    assert accel.available(), "urai._core was not built (URAI_REQUIRE_CORE=1)"
pytestmark = pytest.mark.skipif(not accel.enabled(), reason="urai._core not built or disabled")

HERE = Path(__file__).parent
GATE = HERE / "data" / "gate" / "gate.jsonl"
EXAMPLES = HERE.parent / "examples"


def _gate_texts(limit: int = 120) -> list[str]:
    rows = [json.loads(x) for x in GATE.read_text(encoding="utf-8").splitlines()]
    return [r["text"] for r in rows][:limit]


@pytest.fixture(scope="module")
def detectors():  # type: ignore[no-untyped-def]
    from urai.detect.detector import Detector

    return Detector(), Detector(accelerate=False)


# ---- LM ------------------------------------------------------------------------------------

def _reference_logprobs(lm, rows: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    lm.use_kernel = False
    try:
        return lm.logprob_ids(rows)
    finally:
        del lm.use_kernel


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**31 - 1), st.sampled_from([2, 3, 4]))
def test_lm_kernel_is_bit_identical_on_small_models(seed: int, order: int) -> None:
    from urai.lang.lm import NgramLM

    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(30)]
    sents = [[words[int(k)] for k in rng.integers(0, 30, size=rng.integers(1, 12))]
             for _ in range(200)]
    lm = NgramLM.train(sents, order=order, min_counts=(1,) * order, vocab_min_count=1)
    rows = rng.integers(-1, lm.vocab_size + 3, size=(500, order))
    rows[:, -1] = np.abs(rows[:, -1])
    assert np.array_equal(lm.logprob_ids(rows), _reference_logprobs(lm, rows))


def test_lm_kernel_is_bit_identical_on_the_shipped_model() -> None:
    from urai.lang.lm import default_lm
    from urai.lang.tokenize import words

    lm = default_lm()
    ids = np.concatenate([lm.ids(words(t)) for t in _gate_texts(30)]).astype(np.int64)
    rows = np.lib.stride_tricks.sliding_window_view(ids, 3).copy()
    rng = np.random.default_rng(0)
    alt = rows.copy()
    alt[:, 1] = rng.integers(0, lm.vocab_size, size=len(alt))  # unseen contexts too
    alt[: len(alt) // 10, 0] = -1
    for r in (rows, alt):
        assert np.array_equal(lm.logprob_ids(r), _reference_logprobs(lm, r))


@pytest.mark.parametrize("pack", [True, False])
def test_both_table_layouts_score_alike(pack: bool) -> None:
    from urai.lang.lm import default_lm

    lm = default_lm()
    c = accel.core()
    kernel = c.LM(lm._bits, lm.vocab_size, list(lm._keys), list(lm._logp), list(lm._bow),
                  [None] + [lm.value_codes(i) for i in (1, 2)], pack)
    assert kernel.packed == (False, pack, pack)
    rows = np.random.default_rng(3).integers(-1, lm.vocab_size, size=(20000, 3))
    rows[:, 2] = np.abs(rows[:, 2])
    ids = np.concatenate([lm.ids(t.split()) for t in _gate_texts(10)]).astype(np.int64)
    rows = np.concatenate([rows, np.lib.stride_tricks.sliding_window_view(ids, 3)])
    out = np.empty(len(rows))
    kernel.logprob_rows(np.ascontiguousarray(rows), out)
    assert np.array_equal(out, _reference_logprobs(lm, rows))


@pytest.mark.parametrize("load", [0.05, 0.3, 0.9, 0.99])
def test_packed_tables_of_any_load_score_alike(load: float) -> None:
    """The packed layout's buckets at any fill: nearly full tables make keys overflow into
    later buckets and wrap around the table's end, nearly empty ones leave most buckets
    empty; the scores stay the reference's, bit for bit."""
    from urai.lang.lm import default_lm

    lm = default_lm()
    kernel = accel.core().LM(lm._bits, lm.vocab_size, list(lm._keys), list(lm._logp),
                             list(lm._bow), [None] + [lm.value_codes(i) for i in (1, 2)], True,
                             load)
    assert kernel.packed == (False, True, True)
    rng = np.random.default_rng(int(load * 100))
    rows = rng.integers(-1, lm.vocab_size, size=(20000, 3))
    rows[:, 2] = np.abs(rows[:, 2])
    ids = np.concatenate([lm.ids(t.split()) for t in _gate_texts(10)]).astype(np.int64)
    rows = np.ascontiguousarray(
        np.concatenate([rows, np.lib.stride_tricks.sliding_window_view(ids, 3)]))
    out = np.empty(len(rows))
    kernel.logprob_rows(rows, out)
    assert np.array_equal(out, _reference_logprobs(lm, rows))


@pytest.mark.parametrize("load", [0.0, 1.0, -0.5, float("nan")])
def test_an_impossible_table_load_is_refused(load: float) -> None:
    from urai.lang.lm import default_lm

    lm = default_lm()
    with pytest.raises(ValueError, match="load"):
        accel.core().LM(lm._bits, lm.vocab_size, list(lm._keys), list(lm._logp),
                        list(lm._bow), None, True, load)


@pytest.fixture
def both_builds():  # type: ignore[no-untyped-def]
    """Switch between the AVX2 and the baseline build of the LM kernels (skips on a CPU
    without AVX2); the build in use before is restored afterwards."""
    c = accel.core()
    before = c.simd()
    if c.set_simd(True) != "avx2":
        c.set_simd(before == "avx2")
        pytest.skip("this CPU (or compiler) has no AVX2 build of the kernels")
    yield c
    c.set_simd(before == "avx2")


def test_avx2_and_baseline_builds_give_identical_numbers(both_builds) -> None:  # type: ignore[no-untyped-def]
    """Every LM kernel, and the whole analysis and check, bit for bit under both builds."""
    from urai.detect.detector import Detector
    from urai.lang.lm import default_lm

    c = both_builds
    lm = default_lm()
    kernel = accel.lm_kernel(lm)
    rng = np.random.default_rng(11)
    rows = rng.integers(-1, lm.vocab_size + 5, size=(30000, 3))
    rows[:, 2] = np.abs(rows[:, 2])
    rows = np.ascontiguousarray(rows)
    eos = int(lm.ids(["</s>"])[0])
    seq = np.concatenate([[-1, 1], rng.integers(3, lm.vocab_size, size=500), [eos, eos]])
    seq = seq.astype(np.int64)
    pos = np.sort(rng.integers(2, len(seq) - 2, size=4000)).astype(np.int64)
    ids = rng.integers(0, lm.vocab_size + 2, size=4000).astype(np.int64)
    det = Detector()
    texts = _gate_texts(40)
    got = {}
    for build in (True, False):
        assert c.set_simd(build) == ("avx2" if build else "baseline")
        a, b = np.empty(len(rows)), np.empty(len(pos))
        kernel.logprob_rows(rows, a)
        kernel.local_scores(seq, pos, ids, eos, b)
        got[build] = (a, b, [det.check(t).to_dict() for t in texts])
    assert np.array_equal(got[True][0], got[False][0])
    assert np.array_equal(got[True][1], got[False][1])
    assert got[True][2] == got[False][2]
    assert np.array_equal(got[False][0], _reference_logprobs(lm, rows))


def test_the_shipped_lm_uses_the_packed_layout_and_its_closure() -> None:
    from urai.lang.lm import default_lm

    lm = default_lm()
    kernel = accel.lm_kernel(lm)
    assert kernel.packed == (False, True, True)  # quantised: key and value codes in 8 bytes
    assert kernel.suffix_closed[1:] == tuple(lm._suffix_closed(i) for i in (1, 2))


def test_lm_kernel_refuses_a_negative_predicted_word() -> None:
    from urai.errors import ConfigError
    from urai.lang.lm import default_lm

    with pytest.raises(ConfigError):
        default_lm().logprob_ids(np.array([[3, 4, -1]]))


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**31 - 1), st.sampled_from([2, 3, 4]))
def test_lm_slot_scores_match_the_reference(seed: int, order: int) -> None:
    """``local_scores`` (the three windows around a word tried in a slot, as the analyser
    scores every candidate) against ``Engine._local_scores`` on the reference LM code."""
    from urai.detect.engine import Engine
    from urai.lang.lm import NgramLM

    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(25)]
    sents = [[words[int(k)] for k in rng.integers(0, 25, size=rng.integers(1, 10))]
             for _ in range(150)]
    lm = NgramLM.train(sents, order=order, min_counts=(1,) * order, vocab_min_count=1)
    eos = int(lm.ids(["</s>"])[0])
    body = rng.integers(3, lm.vocab_size, size=40)
    body[rng.integers(0, 40, size=4)] = eos  # sentence ends inside the text
    seq = np.concatenate([[-1, 1], body, [eos, eos]]).astype(np.int64)
    pos = np.sort(rng.integers(2, len(seq) - 2, size=60)).astype(np.int64)
    ids = rng.integers(0, lm.vocab_size + 2, size=60).astype(np.int64)  # some unknown
    out = np.empty(60)
    accel.lm_kernel(lm).local_scores(seq, pos, ids, eos, out)
    lm.use_kernel = False
    eng = Engine.__new__(Engine)  # only the LM and </s> are needed by _local_scores
    eng.lm, eng.eos = lm, eos
    want, _ = eng._local_scores(seq, pos, ids, False)
    assert np.array_equal(out, want)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_cloze_kernel_matches_the_reference(seed: int) -> None:
    """The C cloze deltas (per-word projections, rows grouped by output word) against
    ``BoundCloze.delta`` on the shipped model, to float32 rounding."""
    from urai.lang.cloze import default_cloze
    from urai.lang.lm import default_lm

    lm = default_lm()
    bound = default_cloze().bind(lm.vocab)
    kernel = accel._cloze_kernel(bound)
    rng = np.random.default_rng(seed)
    text = _gate_texts(40)[int(rng.integers(0, 40))]
    ids = lm.ids(text.lower().split()[:120]).astype(np.int64)
    seq = np.concatenate([[-1, 1], ids, [2, 2]]).astype(np.int64)
    pos = np.unique(rng.integers(2, len(seq) - 2, size=30)).astype(np.int64)
    counts = rng.integers(0, 6, size=len(pos))
    owner = np.repeat(np.arange(len(pos)), counts)
    cand = rng.integers(0, lm.vocab_size, size=len(owner)).astype(np.int64)
    out = np.empty(len(owner))
    kernel.delta(seq, pos, seq[pos], cand, owner, out)
    np.testing.assert_allclose(out, bound.delta(seq, pos, seq[pos], cand, owner), atol=1e-4)


# ---- analysis, decoding --------------------------------------------------------------------

def _compare_analyses(a, b) -> None:  # type: ignore[no-untyped-def]
    """C analysis ``a`` against the reference ``b``."""
    assert (a.n_words, a.n_known, a.n_stop) == (b.n_words, b.n_known, b.n_stop)
    assert [(t.text, t.start, t.end, t.kind, t.ws) for t in a.tokens] == \
        [(t.text, t.start, t.end, t.kind, t.ws) for t in b.tokens]
    for name in ("seq", "pos_tok", "pos_seq", "pos_sent", "cand_ptr", "cand_ids", "cand_pos",
                 "obs_ids"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert list(a.cand_words) == list(b.cand_words)
    from urai.detect.evidence import TOKEN_FEATURES

    cz = [i for i, f in enumerate(TOKEN_FEATURES) if f.startswith("cloze")]
    rest = [i for i in range(len(TOKEN_FEATURES)) if i not in cz]
    assert np.array_equal(a.X[:, rest], b.X[:, rest])
    np.testing.assert_allclose(a.X[:, cz[:2]], b.X[:, cz[:2]], atol=1e-4)
    # each position's largest LM delta, kept by the kernels, is the reference's max over X
    assert b.lm_max is None and a.lm_max is not None
    want = (np.maximum.reduceat(b.X[:, 0], b.cand_ptr[:-1]) if b.n_mutable
            else np.zeros(0))
    assert np.array_equal(a.lm_max, want)


@pytest.mark.parametrize("source", ["examples", "gate"])
def test_analysis_matches_the_reference(detectors, source: str) -> None:  # type: ignore[no-untyped-def]
    fast, ref = detectors
    texts = ([p.read_text(encoding="utf-8") for p in sorted(EXAMPLES.glob("*.txt"))]
             if source == "examples" else _gate_texts(60))
    for text in texts:
        _compare_analyses(fast.engine.analyse_text(text), ref.engine.analyse_text(text))


_PIECES = ["Serangan", "udara", "hawa", "koalisi", "karena", "lantaran", "dan", "serta", "th.",
           "dll.", "S.H.", "Jakarta", "PBB", "KPK", "21/10", "1.000", "2,5", "Rp5", "(", ")",
           '"', "“", "”", ",", ".", "!", "?", "...", "-", "mobil-mobil", "ke-2", "rumahnya",
           "Pemerintah", "Akan", "bakal", "para", "Beberapa", "@user", "#tag", "é", "\n",
           "\n\n", " ", "  ", "\t", "DAN", "Dan"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=80).map(" ".join))
def test_analysis_matches_the_reference_on_odd_texts(detectors, text: str) -> None:  # type: ignore[no-untyped-def]
    fast, ref = detectors
    _compare_analyses(fast.engine.analyse_text(text), ref.engine.analyse_text(text))


@pytest.mark.parametrize("threshold", [None, -1.0, -3.0])
def test_decoder_matches_the_reference(detectors, threshold: float | None) -> None:  # type: ignore[no-untyped-def]
    from urai.detect.decode import decode

    fast, _ = detectors
    eng = fast.engine
    th = fast.threshold if threshold is None else threshold
    for text in _gate_texts(40):
        an = eng.analyse_text(text)
        z = fast.model.token.logit(an.X)
        a = eng.decode(an, z, threshold=th, w_lm=fast._w_lm, margin=fast.margin)
        b = decode(an, z, eng.lm, threshold=th, w_lm=fast._w_lm, eos=eng.eos,
                   margin=fast.margin)
        assert np.array_equal(a.choice, b.choice) and np.array_equal(a.best, b.best)
        np.testing.assert_allclose(a.confidence, b.confidence, atol=1e-9)
        assert a.lm_gain == pytest.approx(b.lm_gain, abs=1e-9)


def test_refill_matches_the_reference(detectors) -> None:  # type: ignore[no-untyped-def]
    fast, ref = detectors
    for text in _gate_texts(20):
        a = fast.engine.analyse_text(text)
        b = ref.engine.analyse_text(text)
        ctx = a.seq.copy()
        rng = np.random.default_rng(len(text))
        j = rng.choice(a.n_mutable, size=min(8, a.n_mutable), replace=False)
        ctx[a.pos_seq[j]] = a.cand_ids[a.cand_ptr[j]]  # put in each one's first candidate
        near = np.flatnonzero(ctx != a.seq)
        assert a.z is not None and b.z is None
        np.testing.assert_allclose(a.z, fast.model.token.logit(a.X), rtol=0, atol=1e-9)
        fast.engine.refill(a, ctx, near)
        ref.engine.refill(b, ctx, near)
        _compare_analyses(a, b)
        # the kernels keep the logits in step with the evidence
        np.testing.assert_allclose(a.z, fast.model.token.logit(a.X), rtol=0, atol=1e-9)


def test_refill_memo_gives_the_rows_it_would_compute(detectors) -> None:  # type: ignore[no-untyped-def]
    """A second re-scoring from the first-pass evidence (the adaptive pass) that puts some of
    the same words in: the memo's rows are exactly those a fresh re-scoring computes."""
    fast, _ = detectors
    eng = fast.engine
    reused = 0
    for text in _gate_texts(20):
        a = eng.analyse_text(text)
        if a.n_mutable < 4:
            continue
        x0, z0, m0 = a.X.copy(), a.z.copy(), a.lm_max.copy()
        rng = np.random.default_rng(len(text))
        j = rng.choice(a.n_mutable, size=min(8, a.n_mutable), replace=False)
        ctx1 = a.seq.copy()
        ctx1[a.pos_seq[j]] = a.cand_ids[a.cand_ptr[j]]
        eng.refill(a, ctx1, np.flatnonzero(ctx1 != a.seq))
        a.X[:], a.z[:], a.lm_max[:] = x0, z0, m0  # back to the first-pass evidence
        ctx2 = ctx1.copy()  # half the same changes, and one more
        ctx2[a.pos_seq[j[: len(j) // 2]]] = a.seq[a.pos_seq[j[: len(j) // 2]]]
        k = int(rng.integers(a.n_mutable))
        ctx2[a.pos_seq[k]] = a.cand_ids[a.cand_ptr[k + 1] - 1]
        near = np.flatnonzero(ctx2 != a.seq)
        done = a.memo[4].copy()
        eng.refill(a, ctx2, near)
        b = eng.analyse_text(text)  # the same analysis, re-scored without a memo
        eng.core.analyzer.refill(b.X, ctx2, b.pos_seq, b.obs_ids, b.cand_ptr, b.cand_ids,
                                 near, b.z, b.lm_max)
        assert b.memo is None
        assert np.array_equal(a.X, b.X) and np.array_equal(a.z, b.z)
        assert np.array_equal(a.lm_max, b.lm_max)
        reused += int(done.sum())
    assert reused > 0  # the memo was there to be used


def test_document_helpers_match_the_reference(detectors) -> None:  # type: ignore[no-untyped-def]
    """Type groups (the same partition), the type term and the word counts of
    urai.detect.doclevel: compiled and reference give the same numbers."""
    import dataclasses

    from urai.detect import doclevel

    fast, _ = detectors
    eng = fast.engine
    for text in _gate_texts(30):
        a = eng.analyse_text(text)
        r = dataclasses.replace(a, kernels=None)
        ga, gr = doclevel.type_groups(a, eng.unk), doclevel.type_groups(r, eng.unk)
        # reference groups renumbered by first appearance: then the arrays are equal
        _, first = np.unique(gr.inv, return_index=True)
        order = np.argsort(first)
        relabel = np.empty_like(order)
        relabel[order] = np.arange(len(order))
        assert np.array_equal(ga.inv, relabel[gr.inv])
        assert np.array_equal(ga.counts, gr.counts[order])
        assert np.array_equal(ga.known, gr.known)
        z = np.random.default_rng(len(text)).normal(-2.0, 3.0, size=len(a.cand_ids))
        kw = dict(type_weight=0.25, type_center=-2.0, type_cap=4.0, absence_weight=0.5,
                  absence_cap=8.0, unk=eng.unk)
        ba, br = doclevel.document_bias(a, z, **kw), doclevel.document_bias(r, z, **kw)
        for name in ("bias", "type_term", "absence_term", "others", "expected", "seen"):
            assert np.array_equal(getattr(ba, name), getattr(br, name)), name
        rows = np.arange(0, len(a.cand_ids), 3)
        for x, y in zip(doclevel.candidate_counts(a, rows, True),
                        doclevel.candidate_counts(r, rows, True), strict=True):
            assert np.array_equal(x, y)


def test_document_features_kernel_gives_numpys_sums(detectors) -> None:  # type: ignore[no-untyped-def]
    """doc_features from the kernel's sums (EngineCore.doc_sums) against numpy's: every
    feature bit for bit (numpy's pairwise sums, its sort; the sigmoid with libm's exp in
    both); on real decodings and on random arrays of every length around numpy's summation
    blocks, z_best beyond the sigmoid's clip [-50, 50] included."""
    import dataclasses

    from urai.detect.evidence import Decoded
    from urai.detect.features import doc_features

    fast, _ = detectors
    eng = fast.engine
    cases = []
    for text in _gate_texts(20):
        a = eng.analyse_text(text)
        cases.append((a, fast.analyse(text)[1]))
    rng = np.random.default_rng(7)
    a0 = cases[0][0]
    for m in (0, 1, 4, 7, 8, 9, 127, 128, 129, 255, 256, 257, 1000, 1031):
        choice = np.where(rng.random(m) < 0.4, rng.integers(0, 10, m), -1).astype(np.int64)
        dec = Decoded(choice, rng.random(m) * (choice >= 0), rng.normal(-4.0, 20.0, m),
                      np.zeros(m, dtype=np.int64), float(rng.normal()))
        fake = dataclasses.replace(a0, pos_tok=np.arange(m, dtype=np.int64),
                                   lm_max=rng.normal(0.0, 1.5, m), n_words=max(m, 30))
        cases.append((fake, dec))
    for a, dec in cases:
        got = doc_features(a, dec)
        ref = doc_features(dataclasses.replace(a, kernels=None), dec)
        assert np.array_equal(got, ref)


def test_tree_kernel_gives_the_tree_models_bits(detectors) -> None:  # type: ignore[no-untyped-def]
    """EngineCore.tree_logit against urai.detect.rescore.TreeModel.logit: the shipped
    re-scorer's trees on random rows (0-600 of them, NaN included) and on the rows a check
    with the re-scorer (``CheckConfig(rescore=True)``) re-scores, bit for bit."""
    from urai.detect.rescore import RESCORE_FEATURES, TreeModel, default_rescorer

    fast, _ = detectors
    core = fast.engine.core
    model = default_rescorer().model
    if not isinstance(model, TreeModel):
        pytest.skip("the shipped re-scorer is not a tree model")
    rng = np.random.default_rng(3)
    for n in [0, 1, 2, 3, 5, 8, 255, 256, 257, 600]:
        X = rng.normal(0.0, 3.0, size=(n, len(RESCORE_FEATURES)))
        if n > 4:
            X[2, 0] = np.nan
        assert core.tree_logit(model, X).tobytes() == model.logit(X).tobytes(), n
        assert accel.tree_logit(model, X).tobytes() == model.logit(X).tobytes(), n
    for _ in range(200):  # single rows take numpy's pairwise sum
        X = rng.normal(0.0, 3.0, size=(1, len(RESCORE_FEATURES)))
        assert core.tree_logit(model, X).tobytes() == model.logit(X).tobytes()
    seen: list[np.ndarray] = []
    orig = TreeModel.logit

    def record(self: TreeModel, X: np.ndarray) -> np.ndarray:
        seen.append(np.array(X))
        return orig(self, X)

    import dataclasses

    det = fast.with_config(dataclasses.replace(fast.config, rescore=True))
    TreeModel.logit = record  # type: ignore[method-assign]
    try:
        for text in _gate_texts(20):
            det.check(text)
    finally:
        TreeModel.logit = orig  # type: ignore[method-assign]
    assert seen
    for X in seen:
        assert core.tree_logit(model, X).tobytes() == model.logit(X).tobytes()


# ---- whole checks --------------------------------------------------------------------------

def test_check_results_match_the_reference(detectors) -> None:  # type: ignore[no-untyped-def]
    """Same verdicts and substitutions on the gate set (120 documents); probabilities to
    float rounding (the cloze model is summed in another order)."""
    fast, ref = detectors
    for text in _gate_texts(120):
        a, b = fast.check(text).to_dict(), ref.check(text).to_dict()
        assert a["verdict"] == b["verdict"]
        assert a["spun_probability"] == pytest.approx(b["spun_probability"], abs=1e-4)
        assert [(s["start"], s["suggestion"]) for s in a["substitutions"]] == \
            [(s["start"], s["suggestion"]) for s in b["substitutions"]]
        assert a["restored_text"] == b["restored_text"]


def test_a_detector_with_built_kernels_pickles(detectors) -> None:  # type: ignore[no-untyped-def]
    fast, _ = detectors
    text = _gate_texts(1)[0]
    before = fast.check(text)
    assert fast.engine.core is not None
    again = pickle.loads(pickle.dumps(fast))
    assert again.check(text).to_dict() == before.to_dict()


def test_resources_say_which_implementation_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "compiled" in accel.status()
    assert accel.core().simd() in accel.status()
    monkeypatch.setenv("URAI_PURE_PYTHON", "1")
    assert not accel.enabled() and "reference" in accel.status()


_ODD = ["", "dan " * 3000, "x" * 100_000, "Dan\x00serta\x00karena " * 40,
        "\u200b".join(["kata"] * 60), "🙂 serangan hawa 🙂 " * 30,
        "مرحبا " * 50 + "dan serta lantaran " * 10,
        "A.B.C.D.E.F.G.H. th. dll. " * 30, "\n\n\n" + "Para warga bakal mengungsi. " * 20,
        "-" * 5000 + " dan " + "." * 5000]


@pytest.mark.parametrize("text", _ODD, ids=range(len(_ODD)))
def test_odd_inputs_give_the_reference_results(detectors, text: str) -> None:  # type: ignore[no-untyped-def]
    from urai.errors import InputError

    fast, ref = detectors
    try:
        b = ref.check(text).to_dict()
    except InputError as exc:
        with pytest.raises(InputError, match=re.escape(str(exc))):
            fast.check(text)
        return
    a = fast.check(text).to_dict()
    assert a["verdict"] == b["verdict"] and a["restored_text"] == b["restored_text"]
    assert [s["start"] for s in a["substitutions"]] == [s["start"] for s in b["substitutions"]]


def test_a_pruned_word_index_gives_the_same_analyses() -> None:
    """On a long crawl the analyser forgets the words without candidates it was asked
    about (bounded memory); later documents must not notice."""
    from urai.detect.detector import Detector

    det, ref = Detector(), Detector(accelerate=False)
    det.engine.core.analyzer.info_index_max = 40  # prune every few dozen new words
    for text in _gate_texts(30):
        _compare_analyses(det.engine.analyse_text(text), ref.engine.analyse_text(text))
    assert len(det.engine.core.analyzer.surfaces) > 0


def test_threads_sharing_a_detector_get_the_sequential_results() -> None:
    """A document's analysis calls back into Python for new words, where other threads run:
    concurrent checks on one detector (cold caches, so the call-backs happen) must give what
    checking the same texts one by one gives."""
    from concurrent.futures import ThreadPoolExecutor

    from urai.detect.detector import Detector

    texts = _gate_texts(48)
    want = [Detector().check(t).to_dict() for t in texts]
    det = Detector()  # a new analyser: every token text is new to it
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda t: det.check(t).to_dict(), texts))
    assert got == want
