"""Helpers shared by the CLI sub-commands: reading inputs, writing JSON."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import click

from urai.corpus.sources import read_text
from urai.errors import InputError
from urai.jsonable import to_jsonable

__all__ = ["iter_inputs", "each_input", "to_jsonable", "echo_json", "stderr_is_tty"]


def iter_inputs(files: Iterable[str]) -> Iterator[tuple[str, str]]:
    """Yield ``(source, text)`` for each FILE argument (``-`` is stdin, the default)."""
    names = list(files) or ["-"]
    for name in names:
        yield ("<stdin>" if name == "-" else name), read_text(name)


def each_input(files: Iterable[str], handle: Callable[[str, str], None], *,
               as_json: bool) -> None:
    """Run ``handle(source, text)`` on every FILE argument (``-``/none: stdin).

    One input: a bad one is the usual one-line error. Several: a bad input (unreadable,
    empty, binary, ...) or one ``handle`` rejects with :class:`InputError` is reported —
    ``{"source", "error": {"code", "message"}}`` on stdout with ``--json``, a line on stderr
    otherwise — and the rest are still processed; at the end, if any was rejected, one
    summary error (exit code 2) says how many were processed and rejected.
    """
    names = list(files) or ["-"]
    if len(names) == 1:
        for source, text in iter_inputs(names):
            handle(source, text)
        return
    rejected = 0
    for name in names:
        source = "<stdin>" if name == "-" else name
        try:
            handle(source, read_text(name))
        except InputError as exc:
            rejected += 1
            msg = str(exc) if source in str(exc) else f"{source}: {exc}"
            if as_json:
                echo_json({"source": source, "error": {"code": exc.code, "message": msg}})
            else:
                click.echo(f"urai: rejected {msg}", err=True)
    if rejected:
        raise InputError(f"{rejected} of {len(names)} inputs rejected (reasons above), "
                         f"{len(names) - rejected} processed")


def echo_json(obj: Any, *, indent: int | None = None) -> None:
    """Print ``obj`` as one JSON document (UTF-8, not ASCII-escaped)."""
    click.echo(json.dumps(to_jsonable(obj), ensure_ascii=False, indent=indent))


def stderr_is_tty() -> bool:
    return sys.stderr.isatty()
