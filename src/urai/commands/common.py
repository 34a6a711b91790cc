"""Helpers shared by the CLI sub-commands: reading inputs, writing JSON."""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Iterable, Iterator
from typing import Any

import click

from urai.textio import read_text

__all__ = ["iter_inputs", "to_jsonable", "echo_json", "stderr_is_tty"]


def iter_inputs(files: Iterable[str]) -> Iterator[tuple[str, str]]:
    """Yield ``(source, text)`` for each FILE argument (``-`` is stdin, the default)."""
    names = list(files) or ["-"]
    for name in names:
        yield ("<stdin>" if name == "-" else name), read_text(name)


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
        return round(obj, 6)
    return obj


def echo_json(obj: Any, *, indent: int | None = None) -> None:
    """Print ``obj`` as one JSON document (UTF-8, not ASCII-escaped)."""
    click.echo(json.dumps(to_jsonable(obj), ensure_ascii=False, indent=indent))


def stderr_is_tty() -> bool:
    return sys.stderr.isatty()
