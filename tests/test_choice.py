"""The original-choice model of the adaptive pass (``CheckConfig(choice_model=True)``,
:func:`urai.detect.doclevel.choice_shift`)."""

from __future__ import annotations

import numpy as np

from urai.detect.detector import CheckConfig, Detector, default_detector
from urai.detect.doclevel import choice_shift
from urai.simulate.spinner import Spinner

TEXT = ("Warga dan relawan membersihkan pasar dan jalan setelah banjir. Pemerintah akan "
        "mengirim bantuan dan obat, dan petugas akan memeriksa rumah warga. Para pedagang "
        "berharap pasar akan dibuka lagi dan harga kembali normal. Kepala desa mengatakan "
        "bahwa jembatan yang rusak akan diperbaiki tahun depan dan warga diminta bersabar.")
FARM = Spinner({"dan": ["serta"], "akan": ["bakal"], "mengatakan": ["menyampaikan"],
                "rusak": ["hancur"], "warga": ["penduduk"], "membersihkan": ["mengurus"]})


def test_choice_shift_keeps_each_positions_best_logit() -> None:
    det = default_detector()
    an = det.engine.analyse_text(FARM.spin_consistent(TEXT, 1.0, 1).text)
    z = an.z if an.z is not None else det.model.token.logit(an.X)
    s = choice_shift(an, z, det.engine.unk)
    z2 = z + s
    starts = an.cand_ptr[:-1]
    assert np.allclose(np.maximum.reduceat(z2, starts), np.maximum.reduceat(z, starts))
    assert np.all(np.isfinite(s))



def test_choice_model_changes_the_same_positions_in_c_and_python() -> None:
    spun = FARM.spin_consistent(TEXT, 1.0, 2).text
    cfg = CheckConfig(choice_model=True)
    fast = Detector(cfg).check(spun)
    ref = Detector(cfg, accelerate=False).check(spun)
    assert [(s.start, s.suggestion) for s in fast.substitutions] == \
        [(s.start, s.suggestion) for s in ref.substitutions]
    assert fast.verdict == ref.verdict


def test_choice_model_leaves_the_verdict_alone() -> None:
    spun = FARM.spin_consistent(TEXT, 1.0, 3).text
    a = default_detector().check(spun)
    b = default_detector().with_config(CheckConfig(choice_model=True)).check(spun)
    assert a.verdict == b.verdict and a.spun_probability == b.spun_probability
