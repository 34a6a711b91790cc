"""``urai.screen``: the fast document-level verdict, its features, weights and the cascade."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import urai
from tests.test_check import CLEAN
from urai.detect.detector import CheckResult, default_detector
from urai.detect.screener import (
    SCREEN_FEATURES,
    Cascade,
    Screener,
    ScreenResult,
    default_screener,
    load_screen_model,
    screen,
)
from urai.errors import ConfigError, InputError, ResourceError

GATE = Path(__file__).parent / "data" / "gate" / "gate.jsonl"


def _gate(kind: str, rate: float) -> list[dict]:
    rows = [json.loads(x) for x in GATE.read_text(encoding="utf-8").splitlines()]
    return [r for r in rows if r["kind"] == kind and r["rate"] == rate]


def test_result_is_typed_with_named_features() -> None:
    r = screen(CLEAN)
    assert isinstance(r, ScreenResult) and r.verdict in ("clean", "uncertain", "spun")
    assert 0.0 <= r.spun_probability <= 1.0  # type: ignore[operator]
    assert tuple(r.features)[: len(SCREEN_FEATURES)] == SCREEN_FEATURES
    assert {"known_share", "stopword_share"} <= set(r.features)
    d = r.to_dict()
    assert set(d) == {"spun_probability", "verdict", "words", "features"}
    assert d["words"] == r.words == urai.check(CLEAN).words  # the same word count
    assert urai.screen is screen and urai.ScreenResult is ScreenResult


def test_spun_copies_score_above_their_originals() -> None:
    clean = {r["id"]: r["text"] for r in _gate("clean", 0.0)}
    pairs = [(clean[r["id"]], r["text"]) for r in _gate("spun", 0.35) if r["id"] in clean]
    assert len(pairs) >= 30
    higher = [screen(s).spun_probability > screen(c).spun_probability  # type: ignore[operator]
              for c, s in pairs]
    assert sum(higher) >= 0.95 * len(pairs)


def test_verdicts_that_are_not_a_guess_and_bad_input() -> None:
    assert screen("Serangan udara itu terjadi kemarin.").verdict == "too_short"
    en = ("The committee said on Monday that the new rules would apply to every company "
          "in the region, and that officials expected the changes to take effect next year "
          "after a period of consultation with the industry and the public.")
    assert screen(en).verdict == "not_indonesian"
    for bad in ("", "   \n"):
        with pytest.raises(InputError, match="empty"):
            screen(bad)
    with pytest.raises(InputError, match="int"):
        screen(42)  # type: ignore[arg-type]


def test_html_is_reduced_to_its_text() -> None:
    page = f"<html><head><title>Berita</title></head><body><article><p>{CLEAN}</p></article>" \
           "</body></html>"
    r = screen(page)
    assert r.html and "<p>" not in r.text and r.words >= len(CLEAN.split())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from([" ", "  ", "\n", "\n\n", "\t"]), min_size=200, max_size=200))
def test_features_do_not_depend_on_layout(seps: list[str]) -> None:
    # the screen reads words only: re-spacing a text cannot change its score
    words = _gate("spun", 0.1)[0]["text"].split()
    relaid = "".join(w + seps[i % len(seps)] for i, w in enumerate(words))
    a = default_screener().extract.features(" ".join(words))[0]
    b = default_screener().extract.features(relaid)[0]
    assert np.array_equal(a, b)


def test_lm_gain_equals_scoring_each_window() -> None:
    """The observed word's windows are read off one pass over the text's trigrams; check them
    against scoring every window of every candidate directly with the LM."""
    fx = default_screener().extract
    lm = fx.engine.lm
    text = _gate("spun", 0.35)[0]["text"][:600]
    words = [w.lower() for w in __import__("re").findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", text)]
    recs = [fx._memo.get(w) or fx._word(w) for w in words]
    pos = [i for i, r in enumerate(recs) if r[3] is not None]
    cid = [recs[i][3][0] for i in pos]
    ids = np.array([r[0] for r in recs], dtype=np.int64)
    got = fx._lm_gain(ids, pos, cid)
    seq = [-1, -1, *ids.tolist(), -1, -1]

    def score(p: int, x: int) -> float:
        s = 0.0
        for a, b, c in ((seq[p - 2], seq[p - 1], x), (seq[p - 1], x, seq[p + 1]),
                        (x, seq[p + 1], seq[p + 2])):
            if c >= 0:
                s += float(lm.logprob_ids(np.array([[a, b, c]]))[0])
        return s

    want = [max(score(p + 2, int(c)) - score(p + 2, seq[p + 2]) for c in cs)
            for p, cs in zip(pos, cid, strict=True)]
    assert np.allclose(got, want, atol=1e-9)


def test_cascade_checks_fully_only_what_the_screen_does_not_call_clean() -> None:
    cas = Cascade()
    r = cas.check(CLEAN)
    assert isinstance(r, ScreenResult) and r.verdict == "clean"
    spun = _gate("spun", 0.35)[0]["text"]
    assert default_screener().check(spun).verdict == "spun"
    full = cas.check(spun)
    assert isinstance(full, CheckResult)
    assert full.to_dict() == default_detector().check(spun).to_dict()


def test_settings_and_weights_errors_name_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="spun_threshold"):
        Screener(spun_threshold=1.5)
    with pytest.raises(ConfigError, match="clean_threshold"):
        Screener(spun_threshold=0.1)
    with pytest.raises(ResourceError, match="train_screen"):
        load_screen_model(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "urai-screen", "doc_model": {}}', encoding="utf-8")
    with pytest.raises(ResourceError, match="corrupt screen weights"):
        load_screen_model(bad)
    with pytest.raises(ConfigError, match="Screener"):
        Cascade(screener="nope")  # type: ignore[arg-type]


def test_train_screen_writes_loadable_weights(shared_data: Path, tmp_path: Path) -> None:
    from urai.build.train_screen import train

    out = tmp_path / "screen.json"
    prov = train(shared_data, out, limit=40)
    m = load_screen_model(out)
    assert 0.0 < m.spun_threshold < 1.0 and m.doc.features == SCREEN_FEATURES
    assert prov["articles"] == {"A": 40, "B": 40} and m.provenance["top_candidates"] >= 1
    assert Screener(model=out).check(CLEAN).verdict in ("clean", "uncertain", "spun")
