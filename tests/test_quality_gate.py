"""Quality gate: document F1 and token precision/recall on the fixed gate set.

``tests/data/gate/gate.jsonl`` (written by ``benchmarks/make_gate_set.py``): 40 IndoSum
fold-05 articles clean and spun at 10 % / 35 % by the evaluation spinner. Floors live in
``tests/quality_floors.json``.
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


def _assert_floors(m: dict[str, float], prefix_screen: bool) -> None:
    for key, floor in FLOORS.items():
        if key.startswith("_") or key.startswith("screen_") != prefix_screen:
            continue
        if key.endswith("_max"):
            assert m[key] <= floor, f"{key} = {m[key]:.4f} above ceiling {floor}"
        else:
            assert m[key] >= floor, f"{key} = {m[key]:.4f} below floor {floor}"


def test_quality_floors() -> None:
    _assert_floors(measure(), prefix_screen=False)


def test_screen_quality_floors() -> None:
    _assert_floors(measure_screen(), prefix_screen=True)
