"""Property-based fuzzing of the Python API and the CLI with arbitrary Unicode (lone
surrogates and control characters included): nothing raises but a :class:`urai.UraiError`,
every CLI run exits 0 or 2 with valid JSON on stdout, and every record comes out once.

CI runs a few hundred cases per property (``URAI_FUZZ_EXAMPLES``, default 200); the
``slow``-marked variants run thousands."""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_helpers import ARTICLE

import urai
from urai.cli import main
from urai.corpus.local import LongTextRunner, split_text
from urai.corpus.sinks import json_line
from urai.records import InputLimits, Record, clean_text, make_record, validate_record

N = int(os.environ.get("URAI_FUZZ_EXAMPLES", "200"))
SLOW = 3000
_SETTINGS: dict[str, Any] = {"deadline": None, "derandomize": True,
                             "suppress_health_check": [HealthCheck.too_slow,
                                                       HealthCheck.data_too_large]}

WORDS = ARTICLE.split()
# every code point, surrogates (Cs) and controls (Cc) included
ANY_CHAR = st.characters(blacklist_categories=())
HOSTILE = st.sampled_from(["\ud800", "\udfff", "\x00", "\x1b", "\x85", "\ufeff", "\u200b",
                           "\r\n", "\t", "<p>", "</div>", "{", "\\", '"', "\u202e"])
TEXTS = st.lists(st.one_of(st.sampled_from(WORDS), st.text(ANY_CHAR, max_size=6), HOSTILE),
                 max_size=60).map(" ".join)


def _valid_result(r: Any) -> None:
    for s in getattr(r, "substitutions", ()):
        assert r.text[s.start:s.end] == s.observed
    json.loads(json_line(r.to_dict()))  # valid JSON ...
    json_line(r.to_dict()).encode("utf-8")  # ... that can be written as UTF-8


def api_property(text: str) -> None:
    for fn in (urai.check, urai.screen):
        try:
            r = fn(text)
        except urai.UraiError:
            continue
        _valid_result(r)
    try:
        out = urai.restore(text)
    except urai.UraiError:
        return
    assert isinstance(out, str)


@settings(max_examples=N, **_SETTINGS)
@given(TEXTS)
def test_python_api_never_crashes(text: str) -> None:
    api_property(text)


@pytest.mark.slow
@settings(max_examples=SLOW, **_SETTINGS)
@given(TEXTS)
def test_python_api_never_crashes_long(text: str) -> None:
    api_property(text)


def record_property(ident: Any, text: Any) -> None:
    """make_record / validate_record: repaired (same length, encodable) or a reason."""
    try:
        rec = make_record({"id": ident, "text": text})
    except ValueError as exc:
        assert str(exc) and "\n" not in str(exc)
        str(exc).encode("utf-8")
        return
    assert len(rec.text) == len(text)
    rec.text.encode("utf-8")
    rec.id.encode("utf-8")
    assert validate_record(rec) == rec


IDS = st.one_of(st.text(ANY_CHAR, max_size=8), st.integers(), st.integers(10**300, 10**400),
                st.floats(allow_nan=True), st.none(), st.booleans(), st.lists(st.integers(),
                                                                               max_size=2))


@settings(max_examples=N * 4, **_SETTINGS)
@given(IDS, st.one_of(TEXTS, st.integers(), st.none()))
def test_record_rule(ident: Any, text: Any) -> None:
    record_property(ident, text)


@settings(max_examples=N, **_SETTINGS)
@given(st.text(ANY_CHAR, max_size=3000), st.integers(1000, 1500))
def test_pieces_cover_the_text(text: str, size: int) -> None:
    pieces = split_text(text, size)
    assert "".join(p for _, p in pieces) == text
    assert all(len(p) <= size for _, p in pieces)
    assert [o for o, _ in pieces] == [sum(len(p) for _, p in pieces[:i])
                                      for i in range(len(pieces))]


def _cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(list(args))
    return rc, out.getvalue(), err.getvalue()


def _raw_line(ident: Any, text: Any) -> str:
    obj: dict[str, Any] = {"text": text}
    if ident is not None:
        obj["id"] = ident
    return json.dumps(obj, ensure_ascii=True)  # NaN/Infinity become bare NaN: not JSON


def cli_property(records: list[tuple[Any, Any]], command: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "docs.jsonl"
        path.write_text("".join(_raw_line(i, t) + "\n" for i, t in records), encoding="utf-8")
        rc, out, err = _cli(command, "--json", str(path))
    assert "Traceback" not in err
    objs = [json.loads(ln) for ln in out.splitlines()]
    assert len(objs) == len(records)  # one object per record, in input order
    assert [o["source"] for o in objs] == [f"{path}:{n}" for n in range(1, len(records) + 1)]
    expect_bad = []
    for ident, text in records:
        bad = isinstance(ident, float) and not math.isfinite(ident)
        if not bad:
            try:
                make_record({"id": ident, "text": text}, require_id=False)
            except ValueError:
                bad = True
        expect_bad.append(bad)
    got_bad = ["error" in o for o in objs]
    # a record the rule accepts may still be rejected by the checker (e.g. empty HTML)
    assert all(g for g, e in zip(got_bad, expect_bad, strict=True) if e)
    for o in objs:
        if "error" in o:
            assert o["error"]["message"] and "\n" not in o["error"]["message"]
    assert rc == (2 if any(got_bad) or not records else 0), (rc, err)
    if any(got_bad):
        assert len([ln for ln in err.splitlines() if ln.startswith("urai: error:")]) == 1


RECORDS = st.lists(st.tuples(IDS, st.one_of(TEXTS, st.integers(), st.none())), min_size=1,
                   max_size=6)


@settings(max_examples=N, **_SETTINGS)
@given(RECORDS, st.sampled_from(["check", "screen", "restore", "spin"]))
def test_cli_on_hostile_jsonl(records: list[tuple[Any, Any]], command: str) -> None:
    cli_property(records, command)


@pytest.mark.slow
@settings(max_examples=SLOW, **_SETTINGS)
@given(RECORDS, st.sampled_from(["check", "screen", "restore", "spin"]))
def test_cli_on_hostile_jsonl_long(records: list[tuple[Any, Any]], command: str) -> None:
    cli_property(records, command)


def bytes_property(data: bytes, command: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "input.txt"
        path.write_bytes(data)
        rc, out, err = _cli(command, str(path))
    assert rc in (0, 2), (rc, err)
    assert "Traceback" not in err
    if rc == 2:
        assert len([ln for ln in err.splitlines() if ln.strip()]) == 1, err


BYTES = st.one_of(st.binary(max_size=400),
                  TEXTS.map(lambda t: t.encode("utf-8", "surrogatepass")),
                  TEXTS.map(lambda t: t.encode("utf-16", "surrogatepass")))


@settings(max_examples=N, **_SETTINGS)
@given(BYTES, st.sampled_from(["check", "screen", "restore", "spin"]))
def test_cli_on_arbitrary_bytes(data: bytes, command: str) -> None:
    bytes_property(data, command)


@pytest.mark.slow
@settings(max_examples=SLOW, **_SETTINGS)
@given(BYTES, st.sampled_from(["check", "screen", "restore", "spin"]))
def test_cli_on_arbitrary_bytes_long(data: bytes, command: str) -> None:
    bytes_property(data, command)


def test_long_text_in_pieces_keeps_offsets_and_short_text_unchanged() -> None:
    det = urai.detect.detector.default_detector()
    runner = LongTextRunner(det, 2000)
    short = ARTICLE[:1500]
    assert runner.check(short).to_dict() == det.check(short).to_dict()
    long = "\n\n".join([ARTICLE] * 4)
    r = runner.check(long)
    assert r.text == long and r.features["pieces"] > 1
    assert r.words == sum(det.check(p).words for _, p in split_text(long, 2000) if p.strip())
    for s in r.substitutions:
        assert long[s.start:s.end] == s.observed
    assert r.substitutions  # the spun article is still caught in pieces
    assert len(r.restored_text) >= len(long) - 200


def test_clean_text_keeps_length() -> None:
    assert clean_text("a\ud800b\x00c\td\n") == "a\ufffdb c\td\n"
    assert InputLimits().max_bytes >= 1_000_000  # the default keeps a 1 MB novel
    assert validate_record(Record("x\udfff", "teks \ud800")) == Record("x\ufffd", "teks \ufffd")


def test_joined_long_text_verdict_uses_the_length_aware_threshold() -> None:
    from urai.corpus.local import _thresholds

    det = urai.detect.detector.default_detector()
    cfg = det.config
    assert _thresholds(det, cfg.short_words - 1)[0] == cfg.spun_threshold_for(cfg.short_words - 1)
    assert _thresholds(det, 10 * cfg.short_words)[0] == cfg.check_spun_threshold
    assert _thresholds(det, cfg.short_words - 1)[0] > _thresholds(det, 10 * cfg.short_words)[0]
