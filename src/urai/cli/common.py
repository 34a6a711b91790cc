"""Helpers shared by the CLI sub-commands: reading inputs, writing JSON, the corpus options and
the one exit-code rule.

**Exit codes** (every command): ``0`` when every input was processed, whatever the verdicts
(a text judged ``spun``, or one that yields no fingerprint, is processed); ``2`` when some
input was rejected (bad input, bad option: each with its reason, and a one-line count at the
end) or there was nothing to process; ``3`` when a resource is missing (a language model, an
index file, an optional dependency); ``1`` for a bug in urai; ``130`` when interrupted. A
closed stdout (``urai check --json corpus.jsonl | head``) ends the command quietly with 0.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import click

from urai.corpus.sinks import write_json
from urai.corpus.sources import read_text
from urai.errors import ConfigError, InputError
from urai.jsonable import to_jsonable
from urai.records import DEFAULT_LIMITS, InputLimits, RecordFields

__all__ = ["iter_inputs", "each_input", "to_jsonable", "echo_json", "stderr_is_tty",
           "exit_status", "raise_for_rejected", "corpus_options", "field_options",
           "fields_and_limits", "quiet_broken_pipe", "stdin_hint"]


def exit_status(processed: int, rejected: int) -> int:
    """The exit code of a command that processed ``processed`` inputs and rejected
    ``rejected``: 0 when nothing was rejected and something was processed, else 2."""
    return 0 if rejected == 0 and processed > 0 else 2


def raise_for_rejected(processed: int, rejected: int, where: str = "above") -> None:
    """Raise the :class:`InputError` (exit code 2) of :func:`exit_status`, with the count."""
    total = processed + rejected
    if total == 0:
        raise InputError("no documents in the inputs (empty JSON Lines file or directory?)")
    if exit_status(processed, rejected):
        raise InputError(f"{rejected} of {total} inputs rejected (reasons {where}), "
                         f"{processed} processed")


def stdin_hint(name: str) -> None:
    """At a terminal, say that urai waits for text on stdin (rather than seeming to hang)."""
    if name == "-" and sys.stdin is not None and sys.stdin.isatty():
        click.echo("urai: reading text from standard input; end it with Ctrl-D, or give a "
                   "FILE (urai COMMAND --help)", err=True)


def iter_inputs(files: Iterable[str], limits: InputLimits = DEFAULT_LIMITS
                ) -> Iterator[tuple[str, str]]:
    """Yield ``(source, text)`` for each FILE argument (``-`` is stdin, the default)."""
    names = list(files) or ["-"]
    for name in names:
        stdin_hint(name)
        yield ("<stdin>" if name == "-" else name), read_text(name, limits=limits)


def each_input(files: Iterable[str], handle: Callable[[str, str], None], *,
               as_json: bool, limits: InputLimits = DEFAULT_LIMITS) -> None:
    """Run ``handle(source, text)`` on every FILE argument (``-``/none: stdin).

    One input: a bad one is the usual one-line error. Several: a bad input (unreadable,
    empty, binary, ...) or one ``handle`` rejects with :class:`InputError` is reported —
    ``{"source", "error": {"code", "message"}}`` on stdout with ``--json``, a line on stderr
    otherwise — and the rest are still processed; at the end, if any was rejected, one
    summary error (exit code 2) says how many were processed and rejected.
    """
    names = list(files) or ["-"]
    if len(names) == 1:
        for source, text in iter_inputs(names, limits):
            handle(source, text)
        return
    rejected = 0
    for name in names:
        source = "<stdin>" if name == "-" else name
        try:
            stdin_hint(name)
            handle(source, read_text(name, limits=limits))
        except InputError as exc:
            rejected += 1
            msg = str(exc) if source in str(exc) else f"{source}: {exc}"
            if as_json:
                echo_json({"source": source, "error": {"code": exc.code, "message": msg}})
            else:
                click.echo(f"urai: rejected {msg}", err=True)
    raise_for_rejected(len(names) - rejected, rejected)


def echo_json(obj: Any, *, indent: int | None = None) -> None:
    """Print ``obj`` as one JSON document and a newline (UTF-8, not ASCII-escaped), streamed
    in pieces so a huge result is never held twice (as text and as bytes)."""
    out = sys.stdout
    buffer = getattr(out, "buffer", None)
    if buffer is not None:
        out.flush()
        write_json(obj, buffer, indent=indent)
        buffer.flush()
    else:  # a text stream without bytes under it (tests' redirect_stdout)
        write_json(obj, out, indent=indent)


def stderr_is_tty() -> bool:
    return sys.stderr.isatty()


class quiet_broken_pipe:  # noqa: N801 - used as a context manager, like contextlib's
    """``with quiet_broken_pipe():`` a reader that closed stdout (``| head``) ends the
    command with exit code 0 and no traceback: stdout is pointed at /dev/null so the final
    flush does not fail again."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> bool:
        if kind is None or not issubclass(kind, BrokenPipeError):
            return False
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        except (OSError, ValueError):
            pass
        raise click.exceptions.Exit(0)


def field_options(fn: Any, *, date: bool = False) -> Any:
    """``--text-field``, ``--id-field`` (and ``--date-field``) and ``--max-bytes``."""
    opts = [
        click.option("--text-field", default="text", show_default=True,
                     help="JSON Lines field that holds the text."),
        click.option("--id-field", default="id", show_default=True,
                     help="JSON Lines field that holds the document id."),
        click.option("--max-bytes", type=int, default=DEFAULT_LIMITS.max_bytes,
                     show_default=True,
                     help="Largest document read (bytes); a bigger one is rejected."),
    ]
    if date:
        opts.append(click.option("--date-field", default="date", show_default=True,
                                 help="JSON Lines field that holds the date."))
    for opt in reversed(opts):
        fn = opt(fn)
    return fn


def fields_and_limits(text_field: str, id_field: str, max_bytes: int,
                      date_field: str = "date") -> tuple[RecordFields, InputLimits]:
    """The frozen configs of :func:`field_options`' values (a bad one: exit code 2)."""
    try:
        return (RecordFields(text=text_field, id=id_field, date=date_field),
                InputLimits(max_bytes=max_bytes))
    except ConfigError as exc:
        raise ConfigError(f"{exc} (--text-field/--id-field/--max-bytes)") from None


def check_corpus_flags(jobs: int, resume: bool, output: str | None) -> None:
    """The one-line errors of bad corpus options (exit code 2)."""
    if jobs < 0:
        raise ConfigError(f"--jobs must be >= 0 (0: one per core), got {jobs}")
    if resume and output is None:
        raise ConfigError("--resume continues an --output file; give --output PATH too")


def corpus_options(fn: Any) -> Any:
    """The corpus options of ``check``, ``screen`` and ``restore``."""
    for opt in reversed([
        click.option("-o", "--output", "output", type=click.Path(dir_okay=False), default=None,
                     help="Write the results as JSON Lines to this file (implies --json); a "
                          "count goes to stderr."),
        click.option("--resume", is_flag=True,
                     help="With --output: skip the inputs already in that file and append the "
                          "rest."),
        click.option("-j", "--jobs", type=int, default=1, show_default=True,
                     help="Worker processes (0: one per core)."),
        click.option("-q", "--quiet", is_flag=True, help="No progress bar."),
    ]):
        fn = opt(fn)
    return field_options(fn)
