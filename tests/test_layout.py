"""The package layout of issue 10: what ``import urai`` loads, the one evidence layout shared
with the compiled kernels, and the public names."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import urai
from urai import kernels
from urai.detect import evidence


def test_import_urai_loads_no_wing_and_no_numpy() -> None:
    code = ("import sys, urai; "
            "print(sorted(m for m in sys.modules if m.startswith(('urai', 'numpy'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "['urai', 'urai._version']"


def test_public_names_bind_lazily_and_none_is_shadowed_by_a_subpackage() -> None:
    for name in urai.__all__:
        value = getattr(urai, name)
        assert value is not None
    import importlib

    for wing in ("urai.corpus", "urai.detect", "urai.trace", "urai.lang", "urai.simulate"):
        importlib.import_module(wing)  # importing a wing must not rebind a public function
    for fn in ("check", "restore", "screen", "spin", "resources", "cluster", "check_many"):
        assert callable(getattr(urai, fn)) and not isinstance(getattr(urai, fn), type(os))


@pytest.mark.skipif(not kernels.available(), reason="urai._core not built")
def test_kernel_evidence_columns_match_the_python_layout_name_by_name() -> None:
    cols = kernels.core().feature_columns()  # type: ignore[union-attr]
    assert cols["n_columns"] == len(evidence.TOKEN_FEATURES)
    for name, col in cols.items():
        if name != "n_columns":
            assert evidence.TOKEN_FEATURES[col] == name
    evidence.check_kernel_columns(cols)  # the check EngineCore runs before use
    with pytest.raises(RuntimeError, match="rebuild urai"):
        evidence.check_kernel_columns({**cols, "weight": cols["weight"] + 1})


def test_one_switch_turns_every_kernel_off() -> None:
    code = ("import urai, urai.kernels as k; from urai.detect.detector import Detector; "
            "d = Detector(); print(k.enabled(), d.engine.core is None, d.engine.lm.kernel())")
    env = {**os.environ, "URAI_PURE_PYTHON": "1"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=env).stdout.split()
    assert out == ["False", "True", "None"]


def test_test_modules_have_unique_basenames() -> None:
    """pytest's default import mode loads test modules by basename (the test folders are not
    packages): two ``test_x.py`` in different folders stop the whole collection in CI."""
    from collections import Counter
    from pathlib import Path

    root = Path(__file__).parent
    names = Counter(p.name for p in root.rglob("test_*.py"))
    assert [n for n, c in names.items() if c > 1] == []
