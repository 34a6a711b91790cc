"""``urai.check_many`` / :class:`urai.corpus.local.BatchChecker`: order, equality with single
checks, in-process and in worker processes, and every input accounted for."""

from __future__ import annotations

from functools import lru_cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import urai
from tests.test_check import CLEAN, SPUN
from urai.corpus.local import BatchChecker, check_many
from urai.detect.detector import CheckResult, Detector, default_detector
from urai.errors import ConfigError, InputError, ProcessingError

TEXTS = [SPUN, CLEAN, SPUN.replace("hawa", "udara"), CLEAN + " " + SPUN, "kata " * 5]


class _Faulty(Detector):
    """The shipped detector, except that one marker text makes it fail like a bug would."""

    def check(self, text, *, html=None):  # type: ignore[no-untyped-def,override]
        if isinstance(text, str) and text.startswith("BOOM"):
            raise RuntimeError("kaput")
        return super().check(text, html=html)


@pytest.mark.parametrize("jobs", [1, 2])
def test_results_equal_single_checks_in_input_order(jobs: int) -> None:
    det = default_detector()
    expected = [det.check(t).to_dict() for t in TEXTS]
    got = list(check_many(TEXTS, jobs=jobs))
    assert all(isinstance(r, CheckResult) for r in got)
    assert [r.to_dict() for r in got] == expected  # type: ignore[union-attr]


@pytest.mark.parametrize("jobs", [1, 2])
def test_bad_inputs_are_yielded_in_place_not_raised(jobs: int) -> None:
    items = [SPUN, None, "", "   ", 42, CLEAN]
    got = list(check_many(items, jobs=jobs))  # type: ignore[arg-type]
    assert len(got) == len(items)
    assert isinstance(got[0], CheckResult) and isinstance(got[5], CheckResult)
    for r in got[1:5]:
        assert isinstance(r, InputError) and r.code == "bad_input"
    assert "item 1" in str(got[1]) and "int" in str(got[4])


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_unexpected_failure_is_reported_for_its_record_and_the_batch_goes_on(
        jobs: int) -> None:
    got = list(check_many([SPUN, "BOOM " + CLEAN, CLEAN], jobs=jobs, detector=_Faulty()))
    assert isinstance(got[0], CheckResult) and isinstance(got[2], CheckResult)
    assert isinstance(got[1], ProcessingError) and got[1].code == "internal_error"
    assert "RuntimeError" in str(got[1]) and "kaput" in str(got[1])


def test_keys_and_pass_through_keep_their_order() -> None:
    items = [("a", SPUN), ("skip", None), ("b", CLEAN), ("c", None)] * 3
    with BatchChecker(jobs=2, chunksize=1) as checker:
        out = list(checker.results(items))
        assert checker._pool is not None  # really checked in worker processes
    assert [k for k, _ in out] == [k for k, _ in items]
    assert [r is None for _, r in out] == [t is None for _, t in items]


def test_texts_are_consumed_lazily_in_process() -> None:
    pulled = []

    def gen():  # type: ignore[no-untyped-def]
        for t in TEXTS:
            pulled.append(t)
            yield t

    it = check_many(gen())
    next(it)
    assert len(pulled) == 1  # a crawl is streamed, not read into memory first
    it.close()


def test_bad_settings_name_the_value() -> None:
    with pytest.raises(ConfigError, match="jobs"):
        BatchChecker(jobs=-1)
    with pytest.raises(ConfigError, match="chunksize"):
        BatchChecker(chunksize=0)
    with pytest.raises(ConfigError, match="Detector"):
        BatchChecker("not a detector")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="either"):
        list(check_many([SPUN], config=urai.CheckConfig(), detector=default_detector()))


def test_public_names() -> None:
    assert urai.check_many is check_many and urai.BatchChecker is BatchChecker
    assert issubclass(urai.ProcessingError, urai.UraiError)


_SHORT = [SPUN, CLEAN, SPUN.replace("hawa", "udara"), "kata " * 5,
          "Harga beras naik lantaran pasokan berkurang serta permintaan bakal meningkat tahun "
          "ini, kata para pedagang di pasar induk kota itu kepada wartawan pada hari Senin."]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.permutations(list(range(len(_SHORT)))), st.sampled_from([1, 2]))
def test_a_result_does_not_depend_on_the_other_texts_or_their_order(
        order: list[int], jobs: int) -> None:
    # the detector caches per-word work across calls; no cache may change an answer
    got = list(check_many([_SHORT[i] for i in order], detector=Detector(), jobs=jobs))
    assert [r.to_dict() for r in got] == [_alone()[i] for i in order]  # type: ignore[union-attr]


@lru_cache(maxsize=1)
def _alone() -> tuple[dict, ...]:
    """Each text checked by a fresh detector of its own (no per-detector history)."""
    return tuple(Detector().check(t).to_dict() for t in _SHORT)
