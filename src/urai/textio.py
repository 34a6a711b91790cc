"""Reading user input: files, stdin, JSONL, gzip; clear errors for bad input."""

from __future__ import annotations

import gzip
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from urai.errors import InputError

__all__ = ["decode_text", "read_text", "iter_jsonl", "Record", "open_maybe_gzip"]

_MAX_CONTROL_SHARE = 0.01


def decode_text(data: bytes, source: str = "<input>") -> str:
    """Decode bytes as UTF-8 text, refusing binary data and other encodings with one line."""
    if b"\x00" in data[:65536]:
        raise InputError(f"{source}: looks like a binary file (NUL bytes); give UTF-8 text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{source}: not valid UTF-8 (byte {data[exc.start]:#04x} at offset {exc.start}); "
            "convert it first, e.g. iconv -f latin1 -t utf-8"
        ) from None
    ctrl = sum(1 for c in text[:65536] if ord(c) < 32 and c not in "\t\n\r\f\v")
    if text and ctrl / min(len(text), 65536) > _MAX_CONTROL_SHARE:
        raise InputError(f"{source}: looks like a binary file (control characters); give text")
    return text


def open_maybe_gzip(path: Path):
    """Open ``path`` for binary reading, transparently un-gzipping ``*.gz``."""
    if path.suffix == ".gz":
        return gzip.open(path, "rb")
    return open(path, "rb")


def read_text(path: str | Path, *, allow_empty: bool = False) -> str:
    """Read one input file (``-`` is stdin) as text with clear errors."""
    name = str(path)
    if name == "-":
        data = sys.stdin.buffer.read()
        name = "<stdin>"
    else:
        p = Path(path)
        if not p.exists():
            raise InputError(f"{name}: no such file")
        if p.is_dir():
            raise InputError(f"{name}: is a directory; give a text file")
        try:
            with open_maybe_gzip(p) as fh:
                data = fh.read()
        except (OSError, EOFError) as exc:
            raise InputError(f"{name}: cannot read ({exc})") from None
    text = decode_text(data, name)
    if not allow_empty and not text.strip():
        raise InputError(f"{name}: empty input; give some Indonesian text")
    return text


@dataclass(frozen=True, slots=True)
class Record:
    """One document of a corpus input: an id, its text and optional metadata."""

    id: str
    text: str
    title: str | None = None
    url: str | None = None
    date: str | None = None


def iter_jsonl(path: Path) -> Iterator[tuple[int, dict | InputError]]:
    """Yield ``(line_number, object)`` for each line of a JSONL file (``.gz`` too).

    A line that is not a JSON object is yielded as an :class:`InputError` so batch callers can
    count it as rejected with its reason instead of dropping it.
    """
    with open_maybe_gzip(path) as fh:
        for lineno, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
                yield lineno, InputError(f"{path}:{lineno}: not valid JSON ({reason})")
                continue
            if not isinstance(obj, dict):
                yield lineno, InputError(f"{path}:{lineno}: expected a JSON object")
                continue
            yield lineno, obj
