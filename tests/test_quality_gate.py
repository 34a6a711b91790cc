"""Quality gate: document F1 and token precision/recall on the fixed gate set.

``tests/data/gate/gate.jsonl`` (written by ``benchmarks/make_gate_set.py``): 40 IndoSum
fold-05 articles clean and spun at 10 % / 35 % by the evaluation spinner; ``farm.jsonl`` and
``profiles/`` (``make_gate_set.py --farm``): 20 fold-05 articles spun in farm mode with the
profiles of the 5 farms. Floors live in ``tests/quality_floors.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

from urai.detect.detector import default_detector

HERE = Path(__file__).parent
GATE = HERE / "data" / "gate" / "gate.jsonl"
FLOORS = json.loads((HERE / "quality_floors.json").read_text(encoding="utf-8"))


def measure() -> dict[str, float]:
    det = default_detector()
    rows = [json.loads(x) for x in GATE.read_text(encoding="utf-8").splitlines()]
    tp = fp = fn = 0
    ttp = tfp = tgold = exact = untouched = over = 0
    for r in rows:
        res = det.check(r["text"])
        pred = res.verdict == "spun"
        if r["kind"] == "clean":
            fp += pred
            continue
        tp += pred
        fn += not pred
        gold = {e["start"]: e["original"] for e in r["edits"]}
        for s in res.substitutions:
            if s.start in gold:
                ttp += 1
                exact += s.suggestion.lower() == gold[s.start].lower()
            else:
                tfp += 1
                over += 1
        tgold += len(gold)
        untouched += res.words - len(gold)
    p = tp / max(tp + fp, 1)
    rc = tp / max(tp + fn, 1)
    return {
        "doc_f1": 2 * p * rc / max(p + rc, 1e-9),
        "token_precision": ttp / max(ttp + tfp, 1),
        "token_recall": ttp / max(tgold, 1),
        "restoration": exact / max(tgold, 1),
        "over_correction_max": over / max(untouched, 1),
    }


def measure_screen() -> dict[str, float]:
    """``urai.screen`` on the gate set: F1 at 35 %, the share of 10 % copies it passes on to
    a full check (verdict other than clean), false positives and clean texts passed on."""
    from urai.detect.screener import default_screener

    scr = default_screener()
    rows = [json.loads(x) for x in GATE.read_text(encoding="utf-8").splitlines()]
    verdicts: dict[float, list[str]] = {}
    for r in rows:
        verdicts.setdefault(float(r["rate"]), []).append(scr.check(r["text"]).verdict)
    clean, light, heavy = verdicts[0.0], verdicts[0.1], verdicts[0.35]
    tp = heavy.count("spun")
    fp = clean.count("spun")
    p = tp / max(tp + fp, 1)
    rc = tp / len(heavy)
    return {
        "screen_doc_f1_35": 2 * p * rc / max(p + rc, 1e-9),
        "screen_pass_on_10": sum(v != "clean" for v in light) / len(light),
        "screen_false_positive_max": fp / len(clean),
        "screen_clean_pass_on_max": sum(v != "clean" for v in clean) / len(clean),
    }


FARM = HERE / "data" / "gate" / "farm.jsonl"
PROFILES = HERE / "data" / "gate" / "profiles"


def _tally(rows: list[dict], check) -> tuple[float, float]:
    """(restoration, over-correction) of ``check(row) -> CheckResult`` over spun rows."""
    gold_n = exact = untouched = over = 0
    for r in rows:
        res = check(r)
        gold = {e["start"]: e["original"] for e in r["edits"]}
        for s in res.substitutions:
            if s.start in gold:
                exact += s.suggestion.lower() == gold[s.start].lower()
            else:
                over += 1
        gold_n += len(gold)
        untouched += res.words - len(gold)
    return exact / max(gold_n, 1), over / max(untouched, 1)


def measure_farm() -> dict[str, float]:
    """Farm mode (``farm.jsonl``: fold-05 articles spun by 5 evaluation farms at q = 0.8):
    restoration and over-correction without a profile and with the profile of the farm that
    spun each copy (learned from 20 training-fold pairs), and attribution among the 5."""
    from urai.detect.profile import attribute, load_profiles
    from urai.lang.tokenize import tokenize

    det = default_detector()
    rows = [json.loads(x) for x in FARM.read_text(encoding="utf-8").splitlines()]
    profiles = load_profiles(PROFILES)
    rest, over = _tally(rows, lambda r: det.check(r["text"]))
    prest, pover = _tally(rows, lambda r: det.check(r["text"], profile=profiles[r["farm"]]))
    right = sum(attribute([t.norm.rstrip(".") for t in tokenize(r["text"])
                           if t.kind in ("word", "abbr")], profiles)[0][0] == r["farm"]
                for r in rows)
    return {"farm_restoration": rest, "farm_over_correction_max": over,
            "farm_profile_restoration": prest, "farm_profile_over_correction_max": pover,
            "farm_attribution": right / len(rows)}


def _assert_floors(m: dict[str, float], prefix: str) -> None:
    for key, floor in FLOORS.items():
        wing = "screen_" if key.startswith("screen_") else \
            "farm_" if key.startswith("farm_") else ""
        if key.startswith("_") or wing != prefix:
            continue
        if key.endswith("_max"):
            assert m[key] <= floor, f"{key} = {m[key]:.4f} above ceiling {floor}"
        else:
            assert m[key] >= floor, f"{key} = {m[key]:.4f} below floor {floor}"


def test_quality_floors() -> None:
    _assert_floors(measure(), "")


def test_screen_quality_floors() -> None:
    _assert_floors(measure_screen(), "screen_")


def test_farm_quality_floors() -> None:
    _assert_floors(measure_farm(), "farm_")
