"""urai: Indonesian spun-content forensics.

The public API is flat: ``urai.check``, ``urai.check_many``, ``urai.screen``,
``urai.restore``, ``urai.spin``, ``urai.Index``, ``urai.resources``. Heavy parts are
imported on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it (imported lazily on first attribute access)
_LAZY = {
    "UraiError": "urai.errors",
    "InputError": "urai.errors",
    "ConfigError": "urai.errors",
    "ResourceError": "urai.errors",
    "MissingDependencyError": "urai.errors",
    "ProcessingError": "urai.errors",
    "Rejection": "urai.textio",
    "BatchChecker": "urai.batch",
    "check_many": "urai.batch",
    "Screener": "urai.screen",
    "ScreenResult": "urai.screen",
    "Cascade": "urai.screen",
    "Token": "urai.tokenize",
    "tokenize": "urai.tokenize",
    "detokenize": "urai.tokenize",
    "Index": "urai.index",
    "IndexConfig": "urai.index",
    "Match": "urai.index",
    "TraceResult": "urai.index",
    "Alignment": "urai.align",
    "Record": "urai.textio",
    "Spinner": "urai.spin",
    "SpinResult": "urai.spin",
    "CheckResult": "urai.check",
    "CheckConfig": "urai.check",
    "Substitution": "urai.check",
    "Detector": "urai.check",
}

# Functions named like their modules are bound now: a lazy binding would be shadowed by the
# submodule as soon as anything imports it (``import urai.check`` sets ``urai.check``).
from urai.check import check, restore  # noqa: E402
from urai.resources import resources  # noqa: E402
from urai.screen import screen  # noqa: E402
from urai.spin import spin  # noqa: E402

__all__ = ["__version__", "check", "restore", "resources", "screen", "spin", *_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'urai' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
