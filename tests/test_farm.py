"""Farm mode (one substitute per word type, each occurrence with probability q), the
document-level evidence of the check (:mod:`urai.detect.doclevel`) and the document-aware
re-scorer of its adaptive pass (:mod:`urai.detect.rescore`)."""

from __future__ import annotations

import numpy as np
import pytest

from urai.detect.detector import CheckConfig, Detector, default_detector, em_spin_rate
from urai.detect.doclevel import (
    CountModel,
    candidate_counts,
    document_bias,
    nb_logpmf,
    type_groups,
)
from urai.detect.features import LogisticModel
from urai.detect.rescore import (
    RESCORE_FEATURES,
    Rescorer,
    TreeModel,
    default_rescorer,
    load_rescorer,
    rescore_features,
)
from urai.errors import ConfigError, ResourceError
from urai.lang.tokenize import tokenize
from urai.simulate.spinner import Spinner

TEXT = ("Warga dan relawan membersihkan pasar dan jalan setelah banjir. Pemerintah akan "
        "mengirim bantuan dan obat, dan petugas akan memeriksa rumah warga. Para pedagang "
        "berharap pasar akan dibuka lagi dan harga kembali normal.")


def test_farm_mode_uses_one_substitute_per_word_type() -> None:
    sp = Spinner({"dan": ["serta", "juga", "plus"], "akan": ["bakal", "hendak"]})
    for seed in range(10):
        r = sp.spin_consistent(TEXT, 1.0, seed)
        subs: dict[str, set[str]] = {}
        for e in r.edits:
            subs.setdefault(e.original.lower(), set()).add(e.observed.lower())
            assert r.text[e.start:e.end] == e.observed and TEXT[e.orig_start:e.orig_end] == \
                e.original
        assert all(len(v) == 1 for v in subs.values())
        n_dan = sum(t.norm == "dan" for t in tokenize(TEXT))
        n_akan = sum(t.norm == "akan" for t in tokenize(TEXT))
        assert len(r.edits) == n_dan + n_akan  # q = 1: every eligible occurrence


def test_farm_mode_rate_follows_q() -> None:
    sp = Spinner({"dan": ["serta"], "akan": ["bakal"], "pasar": ["pekan"], "warga": ["rakyat"]})
    long = " ".join([TEXT] * 20)
    eligible = len(sp.spin_consistent(long, 1.0, 0).edits)
    assert sp.spin_consistent(long, 0.0, 0).edits == ()
    half = len(sp.spin_consistent(long, 0.5, 3).edits)
    assert 0.35 * eligible < half < 0.65 * eligible
    with pytest.raises(ConfigError):
        sp.spin_consistent(TEXT, 1.5)


def test_type_term_pools_the_other_occurrences() -> None:
    det = default_detector()
    an = det.engine.analyse_text(TEXT)
    z = np.zeros(len(an.cand_ids))
    b = document_bias(an, z, type_weight=0.5, type_center=-1.0, type_cap=4.0,
                      absence_weight=0.0, absence_cap=8.0, unk=det.engine.unk)
    # z - center = 1 for every row: the type term is 0.5 x (number of other occurrences)
    assert np.allclose(b.type_term, 0.5 * b.others)
    dan = [r for r in range(len(z))
           if an.obs_ids[an.cand_pos[r]] == an.seq[an.pos_seq[an.cand_pos[r]]]
           and an.tokens[int(an.pos_tok[an.cand_pos[r]])].norm == "dan"]
    n_dan = sum(t.norm == "dan" for t in tokenize(TEXT))
    assert dan and all(b.others[r] == n_dan - 1 for r in dan)
    # evidence against (z below the centre) counts against
    b2 = document_bias(an, z - 3.0, type_weight=0.5, type_center=-1.0, type_cap=4.0,
                       absence_weight=0.0, absence_cap=8.0, unk=det.engine.unk)
    assert (b2.type_term <= 0).all() and (b2.type_term[dan] < 0).all()
    # the count term: never positive, and 0 for a candidate absent from the text
    b3 = document_bias(an, z, type_weight=0.0, type_center=-1.0, type_cap=4.0,
                       absence_weight=1.0, absence_cap=8.0, unk=det.engine.unk)
    assert (b3.absence_term <= 1e-12).all() and b3.seen is not None
    assert np.allclose(b3.absence_term[b3.seen == 0], 0.0)
    assert b.seen is None  # the count term off: nothing counted


def test_doc_evidence_explains_consistent_swaps() -> None:
    # a copy in which the farm replaced every `dan` by `serta` and every `akan` by `bakal`
    sp = Spinner({"dan": ["serta"], "akan": ["bakal"], "warga": ["penduduk"]})
    text = sp.spin_consistent(" ".join([TEXT] * 3), 1.0, 1).text
    det = Detector()
    on = det.check(text)
    off = det.with_config(CheckConfig(doc_evidence=False, rescore=False)).check(text)
    assert on.verdict == off.verdict  # the verdict comes from the first pass either way
    assert on.spun_probability == off.spun_probability
    serta_on = [s for s in on.substitutions if s.observed.lower() == "serta"]
    serta_off = [s for s in off.substitutions if s.observed.lower() == "serta"]
    assert len(serta_on) >= len(serta_off)
    if serta_on:
        assert any("consistent with" in s.reason for s in serta_on)
        assert all("document_gain" in s.evidence for s in serta_on)


# not from fold 05 or Leipzig: written for this test
BRIDGE = ("Pemerintah daerah dan warga desa akan membangun jembatan baru di atas sungai itu. "
          "Kepala desa mengatakan bahwa dana dan bahan bangunan akan datang bulan depan, dan "
          "para pekerja akan mulai bekerja setelah musim hujan berakhir. Warga berharap "
          "jembatan itu akan mempermudah anak-anak pergi ke sekolah dan petani membawa hasil "
          "panen ke pasar. Selama ini mereka harus berjalan jauh dan menyeberang dengan perahu "
          "kecil yang berbahaya.")
BRIDGE_FARM = {"dan": ["serta"], "akan": ["bakal"], "warga": ["penduduk"], "baru": ["anyar"],
               "mengatakan": ["menyebutkan"], "harus": ["mesti"], "kecil": ["mungil"],
               "pergi": ["berangkat"], "datang": ["tiba"], "bekerja": ["berkarya"]}


def _restored(result, observed: str, original: str) -> int:  # type: ignore[no-untyped-def]
    return sum(1 for s in result.substitutions
               if s.observed.lower() == observed and s.suggestion.lower() == original)


def test_every_dan_as_serta_is_restored_by_the_default() -> None:
    # the pattern: a farm wrote `serta` for every `dan` and `bakal` for every `akan`.
    # Round 2's re-scorer (once the default) restored none of these `serta`, round 1 all of
    # them; the shipped default (round 1's soft document bias) must restore every one
    text = Spinner(BRIDGE_FARM).spin_consistent(" ".join([BRIDGE] * 4), 1.0, 1).text
    n_serta = sum(1 for t in tokenize(text) if t.text.lower() == "serta")
    assert n_serta == 20
    det = Detector()
    shipped = det.check(text)
    option = det.with_config(CheckConfig(rescore=True)).check(text)
    assert shipped.verdict != "clean"
    got = _restored(shipped, "serta", "dan")
    # the README says the default restores all of them and the re-scorer option fewer
    # (none today): that is why the option is off by default
    assert got == n_serta
    assert _restored(option, "serta", "dan") < got


def test_clean_text_gets_no_document_evidence() -> None:
    det = Detector()
    a = det.check(" ".join([TEXT] * 3))
    b = det.with_config(CheckConfig(doc_evidence=False, rescore=False)).check(
        " ".join([TEXT] * 3))
    assert [(s.start, s.suggestion) for s in a.substitutions] == \
        [(s.start, s.suggestion) for s in b.substitutions]


def test_config_validates_the_new_settings() -> None:
    for bad in ({"type_weight": -1.0}, {"doc_evidence": 1}, {"profile_min_probability": 2.0},
                {"absence_cap": "x"}, {"rescore": "yes"}, {"rescore_offset": 50.0},
                {"rescore_tie": 1.5}, {"rescore_rounds": 0},
                {"rescore_freeze": "yes"}):
        with pytest.raises(ConfigError):
            CheckConfig(**bad)


def test_tree_model_evaluates_its_trees() -> None:
    rng = np.random.default_rng(0)
    d = len(RESCORE_FEATURES)
    T = 7
    sf = rng.integers(0, d, size=(T, 3))
    sv = rng.normal(size=(T, 3))
    leaf = rng.normal(size=(T, 4))
    m = TreeModel(RESCORE_FEATURES, sf, sv, leaf, 0.3)
    X = rng.normal(size=(50, d))
    want = np.full(50, 0.3)
    for i in range(50):
        for t in range(T):
            r = X[i, sf[t, 0]] > sv[t, 0]
            c = 2 if r else 1
            want[i] += leaf[t, 2 * r + (X[i, sf[t, c]] > sv[t, c])]
    assert np.allclose(m.logit(X), want)
    with pytest.raises(ValueError):
        TreeModel(RESCORE_FEATURES, sf + d, sv, leaf, 0.0)


def test_boosted_trees_learn_an_interaction_a_logistic_model_cannot() -> None:
    from urai.build.train_rescorer import fit_trees
    from urai.detect.features import fit_logistic

    rng = np.random.default_rng(1)
    X = rng.normal(size=(4000, len(RESCORE_FEATURES)))
    # a band of one feature (not monotone) and a second feature (an interaction)
    y = ((np.abs(X[:, 0]) < 0.6) & (X[:, 1] > 0)).astype(float)
    trees = fit_trees(X, y, trees=30, rate=0.5, l2=1.0)
    lin = fit_logistic(X, y, RESCORE_FEATURES)
    acc_t = float(((trees.logit(X) > 0) == (y > 0)).mean())
    acc_l = float(((lin.logit(X) > 0) == (y > 0)).mean())
    base = max(y.mean(), 1 - y.mean())
    assert acc_t > 0.95 and acc_l < base + 0.02


def test_rescorer_file_round_trip_and_errors(tmp_path) -> None:  # type: ignore[no-untyped-def]
    rs = default_rescorer()
    p = tmp_path / "r.json"
    rs.save(p)
    back = load_rescorer(p)
    assert back.threshold == rs.threshold
    X = np.random.default_rng(2).normal(size=(20, len(RESCORE_FEATURES)))
    assert np.allclose(back.model.logit(X), rs.model.logit(X), atol=1e-4)
    lin = Rescorer(LogisticModel(RESCORE_FEATURES, np.ones(len(RESCORE_FEATURES)), -1.0), 0.5)
    lin.save(p)
    assert np.allclose(load_rescorer(p).model.logit(X), X.sum(axis=1) - 1.0)
    p.write_text('{"format": "urai-rescorer", "version": 9}', encoding="utf-8")
    with pytest.raises(ResourceError):
        load_rescorer(p)
    with pytest.raises(ResourceError):
        load_rescorer(tmp_path / "missing.json")


def test_rescore_features_see_a_farms_counts() -> None:
    # every `dan` written as `serta`: `serta` far above its natural count, `dan` missing
    sp = Spinner({"dan": ["serta"]})
    text = sp.spin_consistent(" ".join([TEXT] * 3), 1.0, 0).text
    det = default_detector()
    an = det.engine.analyse_text(text)
    z = det.model.token.logit(an.X)
    F, others = rescore_features(an, z, 0.3, det.engine.unk)
    col = {f: i for i, f in enumerate(RESCORE_FEATURES)}
    rows = [r for r in range(len(z)) if an.cand_words[r] == "dan"
            and an.tokens[int(an.pos_tok[an.cand_pos[r]])].norm == "serta"]
    assert rows
    n_serta = sum(t.norm == "serta" for t in tokenize(text))
    assert all(others[r] == n_serta - 1 for r in rows)
    assert all(F[r, col["obs_excess"]] > 1.0 for r in rows)  # serta ~ 10x its natural count
    assert all(F[r, col["cand_missing"]] > 0.5 for r in rows)  # a text this long needs `dan`
    assert all(F[r, col["cand_seen"]] == 0.0 for r in rows)
    assert np.allclose(F[:, col["z"]], z)
    some = np.flatnonzero(z >= np.median(z))  # a subset of rows: the same rows of F
    F_some, o_some = rescore_features(an, z, 0.3, det.engine.unk, rows=some)
    assert np.allclose(F_some, F[some]) and (o_some == others[some]).all()
    # the same rows in the clean text: `dan` present, `serta` absent
    an2 = det.engine.analyse_text(" ".join([TEXT] * 3))
    F2, _ = rescore_features(an2, det.model.token.logit(an2.X), 0.3, det.engine.unk)
    assert (F2[:, col["cand_missing"]] <= F[:, col["cand_missing"]].max()).all()


def test_rescorer_decides_the_adaptive_pass() -> None:
    sp = Spinner({"dan": ["serta"], "akan": ["bakal"], "warga": ["penduduk"]})
    text = sp.spin_consistent(" ".join([TEXT] * 3), 1.0, 1).text
    assert Detector().rescorer is None  # an option, off by default
    det = Detector(CheckConfig(rescore=True))
    assert det.rescorer is not None
    on = det.check(text)
    off = det.with_config(CheckConfig(rescore=False)).check(text)
    assert on.verdict == off.verdict and on.spun_probability == off.spun_probability
    # a much higher change cost leaves fewer changes: the re-scorer's threshold is used
    strict = det.with_config(CheckConfig(rescore=True, rescore_offset=8.0)).check(text)
    assert len(strict.substitutions) <= len(on.substitutions)
    for s in on.substitutions:
        assert s.reason and "document_gain" in s.evidence


def test_rescore_tie_decides_a_types_occurrences_together() -> None:
    from urai.detect.doclevel import type_groups

    sp = Spinner({"dan": ["serta"], "akan": ["bakal"]})
    text = sp.spin_consistent(" ".join([TEXT] * 3), 1.0, 0).text
    det = default_detector()
    an = det.engine.analyse_text(text)
    z = det.model.token.logit(an.X)
    g = type_groups(an, det.engine.unk)
    tied = default_rescorer().bias(an, z, 0.3, det.engine.unk, g, tie=1.0)
    free = default_rescorer().bias(an, z, 0.3, det.engine.unk, g, tie=0.0)
    Lt, Lf = z + tied.bias, z + free.bias
    live = tied.feature_rows
    assert live is not None and len(live)
    for grp in np.unique(g.inv[live]):
        rows = live[g.inv[live] == grp]
        assert np.allclose(Lt[rows], Lf[rows].mean())  # every occurrence: the type's mean


# ---- the type-level count ratio and the EM spin rate (issue 13, third session) ----------
PROBE = ("Militer Amerika Serikat melancarkan serangan udara terhadap kelompok militan di kota "
         "itu pada tahun 2016. Serangan udara itu akan terus dilakukan dan pasukan darat akan "
         "memperkuat posisi mereka. Pejabat pertahanan mengatakan kelompok militan tersebut "
         "telah kehilangan banyak wilayah dan pemimpin mereka tewas tahun lalu. Menurut juru "
         "bicara militer, serangan udara dan operasi darat akan melemahkan kelompok militan "
         "dan membuka jalan bagi pasukan pemerintah. Warga sipil diminta menjauhi daerah "
         "pertempuran dan mengikuti petunjuk aparat keamanan selama operasi berlangsung.")


def _probe_copy() -> str:
    return (PROBE.replace("serangan udara", "serangan hawa")
            .replace("Serangan udara", "Serangan hawa")
            .replace("melancarkan serangan", "memperlancar serangan")
            .replace("kelompok militan", "grup militan").replace(" dan ", " serta ")
            .replace(" akan ", " bakal ").replace("tahun", "th."))


def test_count_ratio_of_a_missing_frequent_word() -> None:
    cm = CountModel(weight=1.0)
    fw = np.array([True, True, True])
    # 80 words: `serta` (p ~ 2e-3) 7 times, `dan` (p ~ 3e-2) never -> strongly spun;
    # the same with `dan` 3 times as well -> much weaker; `serta` once, `dan` 3 times
    # (its natural count) -> against
    llr = cm.type_llr(80, np.log10([2e-3] * 3), np.log10([3e-2] * 3), np.array([7, 7, 1]),
                      np.array([0, 3, 3]), fw)
    assert llr[0] > 10.0
    assert llr[1] < llr[0] - 5.0
    assert llr[2] < 0.0
    # a bursty content word (small dispersion) gets less than a function word
    content = cm.type_llr(80, np.log10([2e-3]), np.log10([3e-2]), np.array([7]),
                          np.array([0]), np.array([False]))
    assert 0.0 < content[0] < llr[0]


def test_nb_logpmf_is_a_distribution() -> None:
    k = np.arange(200, dtype=np.float64)
    for mean, r in ((0.3, 0.5), (2.5, 20.0), (7.0, 1000.0)):
        p = np.exp(nb_logpmf(k, np.full_like(k, mean), np.full_like(k, r)))
        assert abs(p.sum() - 1.0) < 1e-6
        assert abs((k * p).sum() - mean) < 1e-4


def test_count_ratio_restores_the_probe_copy() -> None:
    # the brief's probe: every `dan` written `serta` (5x), no `dan` left. The default
    # restores none of them; the count ratio (COUNT option settings) restores most
    copy = _probe_copy()
    det = Detector()
    n_serta = sum(1 for t in tokenize(copy) if t.text.lower() == "serta")
    assert n_serta == 5 and not any(t.text.lower() == "dan" for t in tokenize(copy))
    opt = det.with_config(CheckConfig(count_weight=0.5, count_min_occurrences=2,
                                      count_min_occurrences_function=2, adaptive_offset=-1.5))
    base = det.check(copy)
    got = opt.check(copy)
    assert got.verdict == "spun"
    assert _restored(got, "serta", "dan") >= 4 > 1 >= _restored(base, "serta", "dan")
    # the clean original is left alone either way
    assert opt.check(PROBE).substitutions == ()


def test_count_exclusivity_keeps_one_original_per_type() -> None:
    det = default_detector()
    copy = _probe_copy()
    an = det.engine.analyse_text(copy)
    g = type_groups(an, det.engine.unk)
    exp, seen, k_w = candidate_counts(an, np.arange(len(an.cand_ids)), with_observed=True)
    z = np.zeros(len(an.cand_ids))
    free = CountModel(exclusive=False).row_term(an, g, exp, seen, k_w, z)
    excl = CountModel(exclusive=True).row_term(an, g, exp, seen, k_w, z)
    obs = an.obs_ids[an.cand_pos]
    for o in np.unique(obs):
        at = obs == o
        # per observed word, the positive terms come from at most one candidate
        pos = np.unique(an.cand_ids[at & (excl > 0)])
        assert len(pos) <= 1
    assert (excl <= free + 1e-12).all()
    assert (excl[excl < 0] == free[excl < 0]).all()  # evidence against is kept


def test_em_spin_rate_moves_towards_the_evidence() -> None:
    rng = np.random.default_rng(0)
    prior = 0.2
    lo = np.log(prior / (1 - prior))
    # half the words with a strong likelihood ratio for "spun", half against
    z = np.concatenate([np.full(500, lo + 4.0), np.full(500, lo - 4.0)]) + rng.normal(0, .1, 1000)
    r = em_spin_rate(z, 0.1, prior, 50)
    assert 0.45 < r < 0.55
    clean = em_spin_rate(np.full(300, lo - 4.0), 0.2, prior, 50)
    assert clean < 0.05
    assert em_spin_rate(np.zeros(0), 0.3, prior, 5) == 0.3
    for bad in ({"count_weight": -1.0}, {"count_min_occurrences": 0}, {"em_rounds": -1},
                {"em_prior": 1.0}, {"count_exclusive": 1}, {"count_r_content": 0.0}):
        with pytest.raises(ConfigError):
            CheckConfig(**bad)
