"""urai: Indonesian spun-content forensics.

The public API is flat — ``urai.check``, ``urai.restore``, ``urai.screen``,
``urai.check_many``, ``urai.spin``, ``urai.resources``, ``urai.Index`` and the result, config
and error types — over one wing (subpackage) per capability; ``docs/architecture.md`` is the
map. ``import urai`` loads none of them (nor numpy): every public name is bound on first use.
No subpackage is named like a public function, so importing a wing never shadows one.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from urai._version import __version__

# public name -> module that defines it (imported on first attribute access)
_LAZY = {
    # errors
    "UraiError": "urai.errors",
    "InputError": "urai.errors",
    "ConfigError": "urai.errors",
    "ResourceError": "urai.errors",
    "MissingDependencyError": "urai.errors",
    "ProcessingError": "urai.errors",
    # records
    "Record": "urai.records",
    "Rejection": "urai.records",
    # check / restore / screen
    "check": "urai.detect.detector",
    "restore": "urai.detect.detector",
    "CheckResult": "urai.detect.detector",
    "CheckConfig": "urai.detect.detector",
    "Substitution": "urai.detect.detector",
    "Detector": "urai.detect.detector",
    "screen": "urai.detect.screener",
    "Screener": "urai.detect.screener",
    "ScreenResult": "urai.detect.screener",
    "Cascade": "urai.detect.screener",
    # many documents
    "check_many": "urai.corpus.local",
    "BatchChecker": "urai.corpus.local",
    # trace
    "Index": "urai.trace.index",
    "IndexConfig": "urai.trace.index",
    "Match": "urai.trace.index",
    "TraceResult": "urai.trace.index",
    "Alignment": "urai.trace.align",
    # language
    "Token": "urai.lang.tokenize",
    "tokenize": "urai.lang.tokenize",
    "detokenize": "urai.lang.tokenize",
    "resources": "urai.lang.inventory",
    # simulation
    "spin": "urai.simulate.spinner",
    "Spinner": "urai.simulate.spinner",
    "SpinResult": "urai.simulate.spinner",
    # spinner profiles
    "Profile": "urai.detect.profile",
    # spun families across a crawl
    "cluster": "urai.corpus.clustering",
    "ClusterConfig": "urai.corpus.clustering",
}

__all__ = ["__version__", "UraiError", "InputError", "ConfigError", "ResourceError",
          "MissingDependencyError", "ProcessingError", "Record", "Rejection", "check", "restore",
          "CheckResult", "CheckConfig", "Substitution", "Detector", "screen", "Screener",
          "ScreenResult", "Cascade", "check_many", "BatchChecker", "Index", "IndexConfig", "Match",
          "TraceResult", "Alignment", "Token", "tokenize", "detokenize", "resources", "spin",
          "Spinner", "SpinResult", "Profile", "cluster", "ClusterConfig"]
assert set(__all__) == {"__version__", *_LAZY}

def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'urai' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
