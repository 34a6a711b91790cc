"""Deferred reasons (urai.detect.explain.Deferred): a Substitution whose reason is formatted
when first read says exactly what the eager reason says, and behaves as one holding it."""

from __future__ import annotations

import dataclasses
import pickle

from hypothesis import given
from hypothesis import strategies as st

from urai.detect.explain import Deferred, Substitution, doc_reason, reason

_gain = st.floats(min_value=-8.0, max_value=8.0, allow_nan=False)
_word = st.text(alphabet="abcdeklmnoprstuyABK", min_size=1, max_size=8)
_doc = st.none() | st.tuples(st.floats(-1.0, 2.0), st.integers(0, 9).map(float),
                             st.floats(0.0, 12.0), st.integers(0, 3).map(float))


@given(_word, _word, _gain, _gain, _gain, _doc)
def test_deferred_reason_is_the_eager_one(obs: str, sugg: str, lm: float, cz: float,
                                          fg: float,
                                          doc: tuple[float, float, float, float] | None
                                          ) -> None:
    eager = reason(obs, sugg, {"lm_gain": lm, "cloze_gain": cz, "frequency_gain": fg})
    if doc is not None:
        eager += doc_reason(obs, sugg, *doc)
    ev = {"lm_gain": lm, "cloze_gain": cz, "frequency_gain": fg}
    lazy = Substitution(0, len(obs), obs, sugg, 0.5, ev, Deferred(obs, sugg, (lm, cz, fg), doc))
    plain = Substitution(0, len(obs), obs, sugg, 0.5, ev, eager)
    back = pickle.loads(pickle.dumps(lazy))  # unread: still deferred in the pickle
    assert lazy.reason == eager
    assert back.reason == eager
    assert lazy == plain
    assert dataclasses.replace(lazy, start=3).reason == eager
    assert dataclasses.asdict(lazy) == dataclasses.asdict(plain)


def test_reason_defaults_to_empty_and_stays_frozen() -> None:
    s = Substitution(1, 2, "a", "b", 0.1)
    assert s.reason == ""
    try:
        s.reason = "x"  # type: ignore[misc]
    except dataclasses.FrozenInstanceError:
        pass
    else:  # pragma: no cover
        raise AssertionError("reason is writable")
