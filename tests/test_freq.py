"""Tests for urai.lang.freq and the stopword loader."""

from __future__ import annotations

from pathlib import Path

import pytest

from urai.errors import ResourceError
from urai.lang.freq import default_frequency, load_frequency
from urai.lang.id import default_stopwords, load_stopwords


def test_zipf() -> None:
    f = default_frequency()
    assert len(f) > 20000
    assert f.zipf("dan") > f.zipf("lantaran") > 0
    assert f.zipf("DAN") == f.zipf("dan")
    assert f.zipf("qzxvqzxv") == 0.0


def test_stopwords() -> None:
    sw = default_stopwords()
    assert "dan" in sw and "yang" in sw and len(sw) > 500


def test_missing(tmp_path: Path) -> None:
    with pytest.raises(ResourceError, match="urai data build"):
        load_frequency(tmp_path / "none.tsv.gz")
    with pytest.raises(ResourceError, match="urai data build"):
        load_stopwords(tmp_path / "none.txt")
