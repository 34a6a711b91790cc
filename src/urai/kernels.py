"""The one switch to urai's compiled kernels (``urai._core``).

``urai._core`` is an optional C extension built at install time where a C compiler is
available; the Python/numpy modules are the reference implementation of every kernel.
Whether the kernels run is decided here and nowhere else:

* :func:`enabled` is False when the extension was not built or ``URAI_PURE_PYTHON`` is set
  (to anything but ``0``); then nothing calls into C — tokenising, LM scoring, the cloze model,
  the evidence and the decoder all run their reference code;
* a detector built with ``accelerate=False`` (:class:`urai.detect.detector.Detector`) runs the
  reference for everything it does, its LM scoring included, while other detectors in the
  same process keep the kernels.

This module is a leaf: it imports nothing of urai's, so any layer may ask it.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

__all__ = ["core", "available", "enabled", "status", "ENV_PURE"]

#: the environment variable that switches every kernel off
ENV_PURE = "URAI_PURE_PYTHON"


def core() -> ModuleType | None:
    """The ``urai._core`` extension module, or None when it was not built."""
    try:
        return importlib.import_module("urai._core")
    except ImportError:
        return None


def available() -> bool:
    """The compiled kernels were built and import."""
    return core() is not None


def enabled() -> bool:
    """The kernels are available and not switched off by ``URAI_PURE_PYTHON``."""
    return available() and os.environ.get(ENV_PURE, "") in ("", "0")


def status() -> str:
    """One line for ``urai resources``: which implementation runs."""
    c = core()
    if c is None:
        return ("Python/numpy reference (the C kernels were not built: install a C "
                "compiler and reinstall urai for ~10x faster checks)")
    if not enabled():
        return f"Python/numpy reference ({ENV_PURE} is set)"
    return f"compiled C kernels (urai._core, {c.simd()} build)"
