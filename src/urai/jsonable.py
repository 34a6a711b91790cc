"""JSON-ready values from urai's result types: the one serialisation the CLI (``--json``,
``-o``) and the HTTP API share. Every result type has a ``to_dict``; this turns those, and
the plain containers around them, into JSON values. A leaf module."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

__all__ = ["to_jsonable"]


def to_jsonable(obj: Any) -> Any:
    """Turn result dataclasses (nested, with tuples and frozensets) into JSON-ready values."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        if hasattr(obj, "to_dict"):
            return obj.to_dict()
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, (set, frozenset)):
        return sorted(to_jsonable(v) for v in obj)
    if isinstance(obj, float):
        # JSON has no NaN or infinity: they become null rather than invalid JSON
        return round(obj, 6) if math.isfinite(obj) else None
    return obj
