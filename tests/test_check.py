"""check() / restore() on the shipped resources (no mocks)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import urai
from urai.detect.detector import CheckConfig, CheckResult, Detector, default_detector
from urai.errors import ConfigError, InputError
from urai.simulate.spinner import Spinner

GATE = Path(__file__).parent / "data" / "gate" / "gate.jsonl"

SPUN = (
    "Militer Suriah melancarkan serangan hawa ke wilayah yang dikuasai pemberontak di utara "
    "negeri itu pada hari Minggu. Pasukan pemerintah berusaha merebut kembali kota tersebut "
    "dari kelompok bersenjata. Para saksi mengatakan serangan hawa itu menewaskan sedikitnya "
    "20 orang dan melukai puluhan lainnya. Kelompok pemberontak menyatakan mereka hanya "
    "memiliki senjata enteng dan tidak mampu menahan gempuran pesawat tempur."
)

CLEAN = (
    "Presiden Joko Widodo meresmikan jalan tol baru di Jawa Tengah pada Senin pagi. Menurut "
    "Menteri Pekerjaan Umum, jalan tol sepanjang 40 kilometer itu akan mempersingkat waktu "
    "tempuh antara kedua kota. Pemerintah berharap pembangunan infrastruktur tersebut dapat "
    "meningkatkan pertumbuhan ekonomi di daerah. Warga setempat menyambut baik peresmian "
    "jalan tol itu karena selama ini mereka harus melewati jalan yang macet."
)


def gate_texts(kind: str, n: int = 6) -> list[dict]:
    rows = [json.loads(line) for line in GATE.read_text(encoding="utf-8").splitlines()]
    return [r for r in rows if r["kind"] == kind][:n]


def test_serangan_hawa_is_flagged_and_restored() -> None:
    r = urai.check(SPUN)
    assert isinstance(r, CheckResult)
    pairs = {(s.observed, s.suggestion) for s in r.substitutions}
    assert ("hawa", "udara") in pairs
    assert r.verdict in ("spun", "uncertain")
    restored = urai.restore(SPUN)
    assert "serangan udara ke wilayah" in restored
    # the word-level evidence is also there for the weaker swap
    det = default_detector()
    an, _, _ = det.analyse(SPUN)
    z = det.model.token.logit(an.X)
    j = [an.tokens[int(p)].text for p in an.pos_tok].index("enteng")
    rows = range(an.cand_ptr[j], an.cand_ptr[j + 1])
    assert an.cand_words[max(rows, key=lambda k: z[k])] == "ringan"


def test_clean_sentence_left_untouched() -> None:
    r = urai.check(CLEAN)
    assert r.verdict in ("clean", "uncertain")
    assert urai.restore(CLEAN) == CLEAN or r.verdict == "uncertain"
    assert r.spun_probability is not None and r.spun_probability < 0.5


def test_substitution_offsets_map_to_observed() -> None:
    r = urai.check(SPUN)
    for s in r.substitutions:
        assert SPUN[s.start : s.end] == s.observed
        assert 0.0 <= s.confidence <= 1.0


_SPINNER = Spinner()
_BASE = [r["text"] for r in gate_texts("clean", 4)]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(idx=st.integers(0, len(_BASE) - 1), rate=st.floats(0.0, 0.6), seed=st.integers(0, 10**6))
def test_offsets_property_over_spun_texts(idx: int, rate: float, seed: int) -> None:
    text = _SPINNER.spin(_BASE[idx], rate, seed).text
    det = Detector(CheckConfig(restore_clean=True))
    r = det.check(text)
    last = -1
    for s in r.substitutions:
        assert text[s.start : s.end] == s.observed
        assert s.start >= last
        last = s.end
    # only substituted words change: the rest of the text is identical
    out = []
    pos = 0
    for s in r.substitutions:
        out.append(text[pos : s.start])
        out.append(s.suggestion)
        pos = s.end
    out.append(text[pos:])
    assert "".join(out) == r.restored_text


def test_restore_keeps_layout_punctuation_and_case() -> None:
    text = "  SERANGAN HAWA!\n\n" + SPUN.replace("serangan hawa ke", "Serangan hawa ke") + "\n"
    out = urai.restore(text)
    assert out.startswith("  ")
    assert out.endswith("\n")
    assert out.count("\n") == text.count("\n")
    assert len(out.split()) == len(text.split())
    for a, b in zip(text.split(), out.split(), strict=True):
        assert (a == b) or (a[:1].isupper() == b[:1].isupper())
    assert "Serangan udara ke" in out


def test_too_short_and_not_indonesian() -> None:
    r = urai.check("Serangan hawa di kota.")
    assert r.verdict == "too_short" and r.spun_probability is None
    english = (
        "The quick brown fox jumps over the lazy dog while the government announced new "
        "measures to support the economy, which analysts said would help small businesses "
        "recover from the pandemic and boost employment across the country next year."
    )
    r = urai.check(english)
    assert r.verdict == "not_indonesian"
    assert r.substitutions == () and r.restored_text == english


def test_bad_input_and_config() -> None:
    with pytest.raises(InputError):
        urai.check("   \n ")
    with pytest.raises(InputError):
        urai.check(b"bytes")  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        CheckConfig(spun_threshold=1.5)
    with pytest.raises(ConfigError):
        CheckConfig(clean_threshold=0.8, spun_threshold=0.5)
    with pytest.raises(ConfigError):
        CheckConfig(min_words=0)


def test_features_are_the_explanation() -> None:
    r = default_detector().check(SPUN)
    for name in ("changed_share", "expected_share", "lm_gain_per_word", "nonpreferred_share"):
        assert name in r.features
    d = r.to_dict()
    assert set(d) >= {"spun_probability", "verdict", "substitutions", "restored_text"}
    json.dumps(d)


def test_spun_gate_articles_score_higher_than_clean() -> None:
    det = default_detector()
    clean = [det.check(r["text"]).spun_probability for r in gate_texts("clean", 5)]
    spun = [det.check(r["text"]).spun_probability for r in gate_texts("spun", 10)
            if r["rate"] > 0.3]
    assert min(spun) > max(clean)


def test_detector_file_from_before_the_cloze_features_still_loads(tmp_path: Path) -> None:
    from urai.detect.evidence import TOKEN_FEATURES
    from urai.detect.features import DETECTOR_PATH, load_detector_model

    d = json.loads(DETECTOR_PATH.read_text(encoding="utf-8"))
    tm = d["token_model"]
    keep = [i for i, f in enumerate(tm["features"]) if not f.startswith("cloze")]
    tm["features"] = [tm["features"][i] for i in keep]
    tm["weights"] = [tm["weights"][i] for i in keep]
    old = tmp_path / "old.json"
    old.write_text(json.dumps(d), encoding="utf-8")
    m = load_detector_model(old)
    assert m.token.features == TOKEN_FEATURES and not m.uses_cloze
    assert all(w == 0.0 for f, w in zip(m.token.features, m.token.weights, strict=True)
               if f.startswith("cloze"))
    det = Detector(model=m)
    assert det.engine.cloze is None  # nothing loads the cloze model for it
    from urai.detect.detector import VERDICTS

    assert det.check(SPUN).verdict in VERDICTS
    tm["features"] = [*tm["features"], "no_such_feature"]
    tm["weights"] = [*tm["weights"], 1.0]
    old.write_text(json.dumps(d), encoding="utf-8")
    from urai.errors import ResourceError

    with pytest.raises(ResourceError, match="retrain"):
        load_detector_model(old)


def test_every_substitution_is_explained() -> None:
    r = urai.check(SPUN)
    assert r.substitutions
    for s in r.substitutions:
        assert set(s.evidence) == {"lm_gain", "cloze_gain", "frequency_gain", "thesaurus_weight",
                                   "document_gain"}
        assert f"'{s.suggestion}'" in s.reason and f"'{s.observed}'" in s.reason
        assert 0.0 < s.evidence["thesaurus_weight"] <= 1.0
    hawa = next(s for s in r.substitutions if s.observed == "hawa")
    assert hawa.suggestion == "udara"
    assert hawa.evidence["lm_gain"] > 1.0 and hawa.evidence["cloze_gain"] > 1.0
    assert "more likely than 'hawa'" in hawa.reason
    d = r.to_dict()["substitutions"][0]
    assert set(d) >= {"start", "end", "observed", "suggestion", "confidence", "evidence", "reason"}


def test_a_reason_never_contradicts_the_change() -> None:
    """Issue 11 (--explain): evidence against a restoration is named as such, never phrased
    as if the model that prefers the observed word argued for the change."""
    text = (Path(__file__).parent.parent / "examples" / "spun_article.txt").read_text()
    subs = urai.check(text * 3).substitutions
    assert subs
    for s in subs:
        assert "times less" not in s.reason, s.reason
        lm, cz = s.evidence["lm_gain"], s.evidence["cloze_gain"]
        if lm < 0 or cz < 0:
            assert "against the change" in s.reason, s.reason
        if lm > 0:
            assert "more likely than" in s.reason, s.reason


def test_short_texts_need_the_short_spun_threshold() -> None:
    cfg = CheckConfig()
    assert cfg.spun_threshold_for(100) == max(cfg.check_spun_threshold, 0.93)
    assert cfg.spun_threshold_for(150) == cfg.check_spun_threshold
    assert CheckConfig(short_spun_threshold=None).spun_threshold_for(30) == 0.85
    assert CheckConfig(spun_threshold=0.97).spun_threshold_for(30) == 0.97  # never lower
    for bad in ({"short_words": -1}, {"short_words": 1.5}, {"short_spun_threshold": 2.0}):
        with pytest.raises(ConfigError):
            CheckConfig(**bad)
    # a short heavily spun text: the same probability, the verdict follows the threshold
    sp = Spinner()
    text = sp.spin(" ".join([CLEAN] * 2), 0.5, 3).text
    det = default_detector()
    a = det.check(text)
    assert a.words < 150 and a.spun_probability is not None
    p = a.spun_probability
    assert p >= 0.85, p  # the case needs a text the plain threshold calls spun
    strict = det.with_config(CheckConfig(short_spun_threshold=1.0)).check(text)
    loose = det.with_config(CheckConfig(short_spun_threshold=None)).check(text)
    assert strict.spun_probability == loose.spun_probability == p
    assert strict.verdict != "spun"
    assert loose.verdict == "spun"
    assert (a.verdict == "spun") == (p >= 0.93)


def test_a_given_rescorer_is_kept_while_the_option_is_off() -> None:
    from urai.detect.rescore import default_rescorer, load_rescorer

    mine = load_rescorer()  # a fresh object, not the shipped cached one
    assert mine is not default_rescorer()
    det = Detector(CheckConfig(rescore=False), rescorer=mine)
    assert det.with_config(CheckConfig(rescore=True)).rescorer is mine
    assert Detector(CheckConfig(rescore=True)).rescorer is default_rescorer()


# ---- the decoding passes (issue 13, fourth session) -----------------------------------------
PREVIOUS = dict(adaptive_warm=False, adaptive_rounds=None, early_clean=None)


class _Counting:
    """Counts the decodes and re-scorings of an engine (the real ones run)."""

    def __init__(self, det: Detector) -> None:
        self.decodes = self.refills = 0
        eng = det.engine
        dec, ref = eng.decode, eng.refill

        def decode(*a, **k):  # type: ignore[no-untyped-def]
            self.decodes += 1
            return dec(*a, **k)

        def refill(*a, **k):  # type: ignore[no-untyped-def]
            self.refills += 1
            return ref(*a, **k)

        self.restore = lambda: (setattr(eng, "decode", dec), setattr(eng, "refill", ref))
        eng.decode, eng.refill = decode, refill  # type: ignore[method-assign]


def _spun(rate: float, n: int) -> list[str]:
    return [r["text"] for r in gate_texts("spun", 80) if r["rate"] == rate][:n]


def _counted(det: Detector, text: str) -> tuple[CheckResult, int, int]:
    c = _Counting(det)
    try:
        r = det.check(text)
    finally:
        c.restore()
    return r, c.decodes, c.refills


def test_the_warm_adaptive_pass_decodes_less_and_restores_the_same_swaps() -> None:
    base = Detector()
    prev = base.with_config(CheckConfig(**PREVIOUS))  # type: ignore[arg-type]
    text = _spun(0.35, 1)[0]
    new, nd, nr = _counted(base, text)
    old, od, orf = _counted(prev, text)
    assert new.verdict == old.verdict == "spun"
    assert (nd, nr) == (3, 1)  # first pass: decode, re-score, decode; the adaptive pass: 1
    assert od == 4 and orf == 2  # the cold pass: decode, re-score, decode twice
    a = {(s.start, s.suggestion) for s in new.substitutions}
    b = {(s.start, s.suggestion) for s in old.substitutions}
    assert len(a & b) >= 0.8 * max(len(a), len(b))
    assert ("hawa", "udara") in {(s.observed, s.suggestion) for s in base.check(SPUN)
                                 .substitutions}


def test_a_clearly_clean_text_stops_after_one_round_with_the_same_verdict() -> None:
    base = Detector()
    full = base.with_config(CheckConfig(early_clean=None))
    stopped = 0
    for row in gate_texts("clean", 10):
        new, nd, nr = _counted(base, row["text"])
        old, od, orf = _counted(full, row["text"])
        assert new.verdict == old.verdict
        if orf and not nr:  # the full check went on to a second round, this one stopped
            stopped += 1
            assert nd == 1 and od == 2
            assert new.spun_probability is not None and new.spun_probability < 0.05
            assert old.spun_probability is not None and old.spun_probability < 0.2
    assert stopped >= 3  # most clean articles look clearly clean after one round


def test_skipping_the_memo_changes_no_result() -> None:
    base = Detector()
    assert base._memo is False  # the warm one-round pass: no re-scoring could use it
    assert Detector(CheckConfig(**PREVIOUS))._memo is True  # type: ignore[arg-type]

    class WithMemo(Detector):
        _memo = True  # type: ignore[assignment]

    memo = object.__new__(WithMemo)
    memo.__dict__.update(base.__dict__)
    for text in _spun(0.1, 4) + _spun(0.35, 4):
        assert memo.check(text).to_dict() == base.check(text).to_dict()


def test_pass_options_are_validated() -> None:
    for bad in (dict(adaptive_rounds=0), dict(adaptive_rounds=True), dict(early_clean=0.5),
                dict(early_clean=-0.1), dict(early_spun=1.5), dict(adaptive_warm=1)):
        with pytest.raises(ConfigError):
            CheckConfig(**bad)  # type: ignore[arg-type]
    assert CheckConfig(adaptive_rounds=None, early_clean=None, early_spun=0.99).early_spun == 0.99
