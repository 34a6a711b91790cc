"""The shipped candidate table (urai.lang.candidates): it gives exactly what word_info computes."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from urai.build.candidates import build_candidates
from urai.detect.engine import Engine
from urai.errors import ResourceError
from urai.lang.candidates import (
    CANDIDATES_FILENAME,
    default_candidates,
    load_candidates,
)
from urai.lang.freq import default_frequency
from urai.lang.id import default_stopwords
from urai.lang.lm import default_lm
from urai.lang.thesaurus import default_thesaurus


def _engines(**kw):  # type: ignore[no-untyped-def]
    args = (default_lm(), default_thesaurus(), default_frequency(), default_stopwords())
    return Engine(*args, **kw), Engine(*args, candidates=False, **kw)


def _same(x: tuple | None, y: tuple | None) -> bool:
    if x is None or y is None:
        return x is y
    return (x[0] == y[0] and x[4] == y[4] and x[5] == y[5]
            and all(np.array_equal(p, q) for p, q in zip(x[1:4] + x[6:], y[1:4] + y[6:],
                                                        strict=True)))


def test_the_shipped_table_belongs_to_the_shipped_data() -> None:
    table = default_candidates()
    assert table is not None, "candidates.npz missing or built from other thesaurus/frequency"
    assert len(table) > 30_000 and table.matches(20, 2.5)
    assert "serangan" in table and "udara" in table


def test_table_lookups_equal_computed_word_info() -> None:
    table = default_candidates()
    assert table is not None
    with_table, computed = _engines()
    assert with_table._table is table and computed._table is None
    words = random.Random(7).sample(sorted(table._index), 600)
    words += ["hawa", "lantaran", "bakal", "kelompoknya", "th.", "xyzzy", "mobil-mobil"]
    for w in words:
        assert _same(with_table.word_info(w), computed.word_info(w)), w


def test_stored_back_sets_equal_computed_ones() -> None:
    table = default_candidates()
    assert table is not None
    with_table, computed = _engines()
    n = len(table.back_ptr) - 1
    assert n > 10_000  # every candidate surface of the table has its back set
    pool = table.surfaces[:n]
    for s in random.Random(3).sample(pool, 800) + ["udara", "karena", "serta"]:
        got = table.back_set(s)
        assert got is not None and got == computed.back_set(s), s
        assert with_table.back_set(s) is got  # from the table, built once
    assert table.back_set("xyzzy") is None
    assert with_table.back_set("xyzzy") == computed.back_set("xyzzy") == frozenset()


def test_words_the_table_lacks_get_the_computed_lists() -> None:
    """A word outside the table (rare inflections, spun-in rare words) is computed, with its
    candidates' back sets from the table: the same lists as computed from scratch."""
    table = default_candidates()
    assert table is not None
    with_table, computed = _engines()
    words = ["penyelewengannya", "dialokasikannya", "keazaman", "terkepungnya", "bualan",
             "mengkategorikan", "pautan", "skrin", "tercantik", "sempurnakan", "titisan"]
    lacking = [w for w in words if w not in table]
    assert len(lacking) >= 6
    for w in lacking:
        assert _same(with_table.word_info(w), computed.word_info(w)), w
    assert any(with_table.word_info(w) is not None for w in lacking)


def test_a_table_is_used_only_with_its_settings(tmp_path: Path) -> None:
    from urai.lang.id import DATA_DIR

    stats = build_candidates(tmp_path, ["serangan", "udara", "karena", "xyzzy"],
                             data_dir=DATA_DIR)
    assert stats == {"words": 4, "with_candidates": 3, "candidates": stats["candidates"]}
    table = load_candidates(tmp_path / CANDIDATES_FILENAME)
    # a word stored with no candidate, and a word the table does not have
    assert table.get("xyzzy")[0] == () and table.get("jakarta") is None
    # back sets of its candidate surfaces (and only of those)
    first = table.get("serangan")[0][0]
    assert table.back_set(first) is not None and table.back_set("xyzzy") is None
    args = (default_lm(), default_thesaurus(), default_frequency(), default_stopwords())
    assert Engine(*args, candidates=table)._table is table
    assert Engine(*args, candidates=table, max_candidates=5)._table is None
    a, b = Engine(*args, candidates=table), Engine(*args, candidates=False)
    for w in ("serangan", "udara", "karena", "xyzzy", "hawa"):
        assert _same(a.word_info(w), b.word_info(w)), w


def test_bad_table_files_are_resource_errors(tmp_path: Path) -> None:
    bad = tmp_path / "c.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ResourceError, match="candidate table"):
        load_candidates(bad)
    np.savez(tmp_path / "d.npz", a=np.zeros(2))
    with pytest.raises(ResourceError, match="not a urai candidate table"):
        load_candidates(tmp_path / "d.npz")
    # a back set pointing outside the string pool
    good = load_candidates(default_candidates_path())
    with np.load(default_candidates_path()) as z:
        arrays = dict(z)
    arrays["back"] = arrays["back"].copy()
    arrays["back"][-1] = len(good.surfaces) + 5
    np.savez(tmp_path / "e.npz", **arrays)
    with pytest.raises(ResourceError, match="inconsistent"):
        load_candidates(tmp_path / "e.npz")


def default_candidates_path() -> Path:
    from urai.lang.id import DATA_DIR

    return DATA_DIR / CANDIDATES_FILENAME


def test_a_table_of_the_first_format_still_loads(tmp_path: Path) -> None:
    """Version 1 tables (no back sets) load and give the same lists; back sets are then
    computed."""
    with np.load(default_candidates_path()) as z:
        arrays = {k: v for k, v in z.items() if k not in ("back_ptr", "back")}
    arrays["format"] = np.array("urai-candidates-1")
    np.savez(tmp_path / "v1.npz", **arrays)
    old = load_candidates(tmp_path / "v1.npz")
    assert old.back_set("udara") is None
    args = (default_lm(), default_thesaurus(), default_frequency(), default_stopwords())
    a, b = Engine(*args, candidates=old), Engine(*args, candidates=False)
    for w in ("serangan", "udara", "keazaman"):
        assert _same(a.word_info(w), b.word_info(w)), w
