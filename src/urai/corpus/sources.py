"""Reading user input: files, stdin, FIFOs, JSON Lines, gzip; clear errors for bad input.

Every read is bounded (:class:`~urai.records.InputLimits`): a document over ``max_bytes`` is
rejected rather than read into memory (``/dev/zero`` included), and a FIFO, pipe or device
given by name that stays silent for ``read_timeout`` seconds (a FIFO with no writer) is given
up on with one line instead of hanging. UTF-8 is the encoding; a UTF-16 or UTF-32 byte-order
mark is honoured.

:func:`iter_documents` expands a list of inputs to their documents, each with a
*path-independent key*: a hash of the document's bytes (the decompressed file, or the JSON
Lines line), with ``#n`` for its n-th repetition in the run. The same corpus given by another
path, gzipped or not, in another order, has the same keys, so ``--resume`` finds what is done.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import select
import stat
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from urai.errors import InputError
from urai.records import (
    DEFAULT_FIELDS,
    DEFAULT_LIMITS,
    InputLimits,
    Record,
    RecordFields,
    Rejection,
    make_record,
)

__all__ = ["decode_text", "read_text", "read_bytes", "iter_jsonl", "iter_corpus",
           "iter_documents", "Document", "Record", "Rejection", "open_input", "open_maybe_gzip",
           "TEXT_SUFFIXES", "JSONL_SUFFIXES", "HTML_SUFFIXES", "is_corpus"]

#: file names read as one document each (text, HTML), and as JSON Lines (one per line)
TEXT_SUFFIXES = (".txt", ".txt.gz")
HTML_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".json.gz", ".ndjson", ".ndjson.gz")

_MAX_CONTROL_SHARE = 0.01
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
         (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


def decode_text(data: bytes, source: str = "<input>") -> str:
    """Decode bytes as text (UTF-8; UTF-16/32 with a byte-order mark), refusing binary data
    and other encodings with one line."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(enc)
            except UnicodeDecodeError as exc:
                raise InputError(f"{source}: has a {enc.upper()} byte-order mark but is not "
                                 f"valid {enc.upper()} (offset {exc.start + len(bom)})") from None
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


class _PatientRaw(io.RawIOBase):
    """A FIFO, pipe or device read without blocking forever: each read waits at most
    ``timeout`` seconds for data, then raises :class:`InputError`."""

    def __init__(self, fd: int, name: str, timeout: float) -> None:
        self.fd, self.name, self.timeout = fd, name, timeout

    def readable(self) -> bool:
        return True

    def readinto(self, buf: Any) -> int:
        while True:
            ready, _, _ = select.select([self.fd], [], [], self.timeout)
            if not ready:
                raise InputError(f"{self.name}: no data for {self.timeout:g} s (a FIFO with no "
                                 "writer, or a device?); give a regular file or pipe into "
                                 "stdin")
            try:
                data = os.read(self.fd, len(buf))
            except BlockingIOError:
                continue
            buf[: len(data)] = data
            return len(data)

    def close(self) -> None:
        if not self.closed:
            os.close(self.fd)
        super().close()


def open_input(path: str | Path, limits: InputLimits = DEFAULT_LIMITS) -> IO[bytes]:
    """Open a named input for binary reading: gzip undone for ``*.gz``; a FIFO, socket or
    device opened so that a silent one raises :class:`InputError` after ``read_timeout``."""
    name = str(path)
    try:
        st = os.stat(name)
        if stat.S_ISDIR(st.st_mode):
            raise InputError(f"{name}: is a directory; give a text file")
        if stat.S_ISREG(st.st_mode):
            fh: IO[bytes] = open(name, "rb")
        else:  # O_NONBLOCK: opening a FIFO with no writer does not block
            fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK)
            fh = io.BufferedReader(_PatientRaw(fd, name, limits.read_timeout))
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read ({exc.strerror or exc})") from None
    if name.endswith(".gz"):
        return gzip.GzipFile(fileobj=fh, mode="rb")  # type: ignore[return-value]
    return fh


def open_maybe_gzip(path: Path) -> IO[bytes]:
    """Open ``path`` for binary reading, transparently un-gzipping ``*.gz`` (bounded waits)."""
    return open_input(path)


def read_bytes(path: str | Path, limits: InputLimits = DEFAULT_LIMITS) -> bytes:
    """All bytes of one named input (``-``: stdin), at most ``limits.max_bytes`` of them."""
    name = str(path)
    cap = limits.max_bytes
    try:
        if name == "-":
            data = sys.stdin.buffer.read(cap + 1)
            name = "<stdin>"
        else:
            with open_input(name, limits) as fh:
                data = fh.read(cap + 1)
    except InputError:
        raise
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise InputError(f"{name}: cannot read ({exc})") from None
    if len(data) > cap:
        raise InputError(f"{name}: too large (more than {cap:,} bytes; raise the limit with "
                         "--max-bytes, or split the text)")
    return data


def read_text(path: str | Path, *, allow_empty: bool = False,
              limits: InputLimits = DEFAULT_LIMITS) -> str:
    """Read one input file (``-`` is stdin) as text with clear errors."""
    name = "<stdin>" if str(path) == "-" else str(path)
    text = decode_text(read_bytes(path, limits), name)
    if not allow_empty and not text.strip():
        raise InputError(f"{name}: empty input; give some Indonesian text")
    return text


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _parse_line(raw: bytes) -> Any:
    """One JSON value, strictly: no ``NaN``/``Infinity``; numbers of thousands of digits are
    refused by Python's own int limit (a ValueError)."""
    return json.loads(raw, parse_constant=_reject_constant)


def iter_jsonl(path: Path | str, limits: InputLimits = DEFAULT_LIMITS
               ) -> Iterator[tuple[int, dict[str, Any] | InputError]]:
    """Yield ``(line_number, object)`` for each line of a JSONL file (``.gz`` too).

    A line that is not a JSON object (or longer than ``max_bytes``) is yielded as an
    :class:`InputError` so batch callers count it as rejected with its reason.
    """
    for lineno, raw in _lines(path, limits):
        obj = _line_object(raw, f"{path}:{lineno}", limits)
        if obj is not None:
            yield lineno, obj


def _line_object(raw: bytes | None, where: str, limits: InputLimits
                 ) -> dict[str, Any] | InputError | None:
    if raw is None:
        return InputError(f"{where}: line too long (more than {limits.max_bytes:,} bytes)")
    if not raw.strip():
        return None
    try:
        obj = _parse_line(raw)
    except UnicodeDecodeError as exc:
        return InputError(f"{where}: not valid UTF-8 (byte offset {exc.start})")
    except json.JSONDecodeError as exc:
        return InputError(f"{where}: not valid JSON ({exc.msg})")
    except (ValueError, RecursionError) as exc:  # NaN, 5,000-digit numbers, deep nesting
        return InputError(f"{where}: not valid JSON ({str(exc).split(';')[0]})")
    if not isinstance(obj, dict):
        return InputError(f"{where}: expected a JSON object")
    return obj


def _lines(path: Path | str, limits: InputLimits) -> Iterator[tuple[int, bytes | None]]:
    """``(line number, bytes)`` for each line; ``None`` bytes for a line over the cap (the
    rest of it is skipped)."""
    cap = limits.max_bytes
    with open_input(path, limits) as fh:
        lineno = 0
        while True:
            raw = fh.readline(cap + 2)
            if not raw:
                return
            lineno += 1
            if len(raw) > cap + 1 or (len(raw) == cap + 2 and not raw.endswith(b"\n")):
                while raw and not raw.endswith(b"\n"):  # skip the rest of the long line
                    raw = fh.readline(1 << 20)
                yield lineno, None
                continue
            yield lineno, raw


@dataclass(frozen=True, slots=True)
class Document:
    """One document of the inputs: where it is (``source``: ``path`` or ``path:line``), the
    record, its path-independent ``key`` and whether it is an HTML file."""

    source: str
    record: Record
    key: str
    html: bool = False


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=12).hexdigest()


class _Keys:
    """Path-independent keys: the content hash, ``#n`` for the n-th repetition."""

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()

    def __call__(self, data: bytes) -> str:
        d = _digest(data.rstrip(b"\r\n"))
        self.seen[d] += 1
        n = self.seen[d]
        return d if n == 1 else f"{d}#{n}"


def is_corpus(name: str) -> bool:
    """A directory or a JSON Lines file: an input that may hold many documents."""
    return name != "-" and (Path(name).is_dir() or name.lower().endswith(JSONL_SUFFIXES))


def _lower(p: Path) -> str:
    return p.name.lower()


def iter_documents(inputs: Iterable[str], *, fields: RecordFields = DEFAULT_FIELDS,
                   limits: InputLimits = DEFAULT_LIMITS, require_id: bool = True
                   ) -> Iterator[Document | Rejection]:
    """Every document of a list of inputs, in order, as a :class:`Document` or a
    :class:`Rejection` (with its key where it has content).

    An input is ``-`` (standard input, one document), a text file (one document whose id is
    the file name; ``.gz`` too), an HTML file (``.html``, ``.htm``), a JSON Lines file
    (``.jsonl``, ``.ndjson``, gzipped or not; one record per line, fields per ``fields``;
    source ``path:line``) or a directory (its text, HTML and JSON Lines files, recursively,
    in name order; a file of another type is rejected as such, hidden files are ignored).
    Records follow :func:`urai.records.make_record`'s rule; whatever breaks it is rejected
    with the reason, so a batch job can count every input as processed or rejected.
    """
    keys = _Keys()
    for name in inputs:
        if name == "-":
            yield from _one_file("-", "<stdin>", keys, limits, html=False)
            continue
        p = Path(name)
        try:
            is_dir = p.is_dir()
            exists = is_dir or os.path.lexists(name)
        except OSError:
            is_dir, exists = False, False
        if not exists:
            yield Rejection(name, "no such file or directory")
            continue
        if is_dir:
            files = sorted(f for f in p.rglob("*") if f.is_file() and not any(
                part.startswith(".") for part in f.relative_to(p).parts))
            if not files:
                yield Rejection(name, "directory has no files")
        else:
            files = [p]
        for f in files:
            low = _lower(f)
            if low.endswith(JSONL_SUFFIXES):
                yield from _jsonl_documents(f, keys, fields, limits, require_id)
            elif is_dir and not low.endswith(TEXT_SUFFIXES + HTML_SUFFIXES):
                yield Rejection(str(f), "not a .txt, .html or .jsonl file (not read)")
            else:
                yield from _one_file(str(f), str(f), keys, limits,
                                     html=low.endswith(HTML_SUFFIXES))


def _one_file(name: str, source: str, keys: _Keys, limits: InputLimits, *,
              html: bool) -> Iterator[Document | Rejection]:
    try:
        data = read_bytes(name, limits)
    except InputError as exc:
        yield Rejection(source, str(exc).removeprefix(f"{source}: "))
        return
    key = keys(data)
    try:
        text = decode_text(data, source)
    except InputError as exc:
        yield Rejection(source, str(exc).removeprefix(f"{source}: "), key=key)
        return
    ident = "<stdin>" if name == "-" else Path(name).name
    try:
        rec = make_record({"id": ident, "text": text}, limits=limits)
    except ValueError as exc:
        yield Rejection(source, str(exc), key=key)
        return
    yield Document(source, rec, key, html)


def _jsonl_documents(f: Path, keys: _Keys, fields: RecordFields, limits: InputLimits,
                     require_id: bool) -> Iterator[Document | Rejection]:
    lineno = 0
    try:
        for lineno, raw in _lines(f, limits):
            src = f"{f}:{lineno}"
            obj = _line_object(raw, src, limits)
            if obj is None:
                continue
            key = keys(raw) if raw is not None else None
            if isinstance(obj, InputError):
                yield Rejection(src, str(obj).removeprefix(f"{src}: "), key=key)
                continue
            try:
                rec = make_record(obj, fields=fields, limits=limits, require_id=require_id)
            except ValueError as exc:
                yield Rejection(src, str(exc), key=key)
                continue
            yield Document(src, rec, key or "")
    except InputError as exc:
        yield Rejection(f"{f}:{lineno + 1}" if lineno else str(f),
                        str(exc).removeprefix(f"{f}: "))
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        where = f"{f}:{lineno + 1}" if lineno else str(f)
        yield Rejection(where, f"cannot read ({exc})")


def iter_corpus(inputs: Iterable[str], *, require_id: bool = True,
                fields: RecordFields = DEFAULT_FIELDS, limits: InputLimits = DEFAULT_LIMITS
                ) -> Iterator[tuple[str, Record] | Rejection]:
    """:func:`iter_documents` as ``(source, Record)`` pairs and :class:`Rejection` s (the
    form ``urai index add`` reads)."""
    for doc in iter_documents(inputs, fields=fields, limits=limits, require_id=require_id):
        yield doc if isinstance(doc, Rejection) else (doc.source, doc.record)


def count_documents(inputs: Iterable[str]) -> int | None:
    """How many documents :func:`iter_documents` will yield, cheaply (for a progress bar's
    total): the non-blank lines of JSON Lines files, one per other file. ``None`` when an
    input cannot be counted without reading it (stdin, a FIFO)."""
    total = 0
    for name in inputs:
        if name == "-":
            return None
        p = Path(name)
        try:
            if p.is_dir():
                files = [f for f in p.rglob("*") if f.is_file() and not any(
                    part.startswith(".") for part in f.relative_to(p).parts)]
            elif p.is_file():
                files = [p]
            elif p.exists():
                return None
            else:
                total += 1
                continue
            for f in files:
                if _lower(f).endswith(JSONL_SUFFIXES):
                    with open_input(f) as fh:
                        total += sum(1 for line in fh if line.strip())
                else:
                    total += 1
        except (OSError, EOFError, InputError, gzip.BadGzipFile):
            return None
    return total
