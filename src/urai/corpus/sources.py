"""Reading user input: files, stdin, JSONL, gzip; clear errors for bad input."""

from __future__ import annotations

import gzip
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from urai.errors import InputError
from urai.records import Record, Rejection

__all__ = ["decode_text", "read_text", "iter_jsonl", "iter_corpus", "Record", "Rejection",
           "open_maybe_gzip", "TEXT_SUFFIXES", "JSONL_SUFFIXES"]

#: file names read as one document each, and as JSON Lines (one document per line)
TEXT_SUFFIXES = (".txt", ".txt.gz")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".json.gz", ".ndjson", ".ndjson.gz")

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


def _is_jsonl(path: Path) -> bool:
    return path.name.lower().endswith(JSONL_SUFFIXES)


def iter_corpus(inputs: Iterator[str] | tuple[str, ...] | list[str], *,
                require_id: bool = True) -> Iterator[tuple[str, Record | dict] | Rejection]:
    """Every document of a list of inputs, in order, as ``(source, document)`` or a
    :class:`Rejection`.

    An input is ``-`` (standard input, one document), a text file (one document whose id is
    the file name; ``.gz`` too), a JSON Lines file (``.jsonl``, ``.ndjson``, gzipped or not;
    one document per line: a dict with ``text`` and, if ``require_id``, ``id``; source
    ``path:line``) or a directory (its ``.txt`` and JSON Lines files, recursively, in name
    order). A missing or unreadable input, a bad JSON line, a record without text or with
    empty text is yielded as a :class:`Rejection` with its reason, so a batch job can count
    every input as processed or rejected.
    """
    for name in inputs:
        if name == "-":
            try:
                yield "<stdin>", Record("<stdin>", read_text("-"))
            except InputError as exc:
                yield Rejection("<stdin>", str(exc))
            continue
        p = Path(name)
        if not p.exists():
            yield Rejection(name, "no such file or directory")
            continue
        if p.is_dir():
            files = sorted(f for f in p.rglob("*")
                           if f.is_file() and f.name.lower().endswith(TEXT_SUFFIXES
                                                                       + JSONL_SUFFIXES))
            if not files:
                yield Rejection(name, "directory has no .txt or .jsonl files")
        else:
            files = [p]
        for f in files:
            if _is_jsonl(f):
                yield from _jsonl_documents(f, require_id)
                continue
            try:
                text = read_text(f, allow_empty=True)
            except InputError as exc:
                msg = str(exc)
                yield Rejection(str(f), msg[len(str(f)) + 2:] if msg.startswith(str(f)) else msg)
                continue
            if not text.strip():
                yield Rejection(str(f), "empty text")
            else:
                yield str(f), Record(f.name, text)


def _jsonl_documents(f: Path, require_id: bool) -> Iterator[tuple[str, dict] | Rejection]:
    try:
        for lineno, obj in iter_jsonl(f):
            src = f"{f}:{lineno}"
            if isinstance(obj, InputError):
                yield Rejection(src, str(obj).split(": ", 2)[-1])
            elif require_id and obj.get("id") is None:
                yield Rejection(src, "missing id")
            elif not isinstance(obj.get("text"), str):
                yield Rejection(src, "missing text" if obj.get("text") is None
                                else "text must be a string")
            elif not obj["text"].strip():
                yield Rejection(src, "empty text")
            else:
                yield src, obj
    except (OSError, EOFError) as exc:
        yield Rejection(str(f), f"cannot read ({exc})")
