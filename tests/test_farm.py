"""Farm mode (one substitute per word type, each occurrence with probability q) and the
document-level evidence of the check (:mod:`urai.detect.doclevel`)."""

from __future__ import annotations

import numpy as np
import pytest

from urai.detect.detector import CheckConfig, Detector, default_detector
from urai.detect.doclevel import document_bias
from urai.errors import ConfigError
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
    off = det.with_config(CheckConfig(doc_evidence=False)).check(text)
    assert on.verdict == off.verdict  # the verdict comes from the first pass either way
    assert on.spun_probability == off.spun_probability
    serta_on = [s for s in on.substitutions if s.observed.lower() == "serta"]
    serta_off = [s for s in off.substitutions if s.observed.lower() == "serta"]
    assert len(serta_on) >= len(serta_off)
    if serta_on:
        assert any("consistent with" in s.reason for s in serta_on)
        assert all("document_gain" in s.evidence for s in serta_on)


def test_clean_text_gets_no_document_evidence() -> None:
    det = Detector()
    a = det.check(" ".join([TEXT] * 3))
    b = det.with_config(CheckConfig(doc_evidence=False)).check(" ".join([TEXT] * 3))
    assert [(s.start, s.suggestion) for s in a.substitutions] == \
        [(s.start, s.suggestion) for s in b.substitutions]


def test_config_validates_the_new_settings() -> None:
    for bad in ({"type_weight": -1.0}, {"doc_evidence": 1}, {"profile_min_probability": 2.0},
                {"absence_cap": "x"}):
        with pytest.raises(ConfigError):
            CheckConfig(**bad)
