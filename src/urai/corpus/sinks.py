"""Where corpus results go: a JSON Lines results file that a killed run can continue.

:class:`ResultsFile` is the ``urai check -o`` / ``urai screen -o`` output: one JSON object per
input and line (a result, or ``{"source", "error"}`` for a rejected input), flushed line by
line so a killed run loses at most the line being written. Without ``resume`` an existing
non-empty file is refused (a finished run is never overwritten by accident); with it, the
documents already in the file are skipped and a last line cut short by the kill is removed.

Documents are recognised by their path-independent ``key`` (a hash of their content, see
:mod:`urai.corpus.sources`), so resuming with an absolute path, from another directory or
from a gzipped copy finds what is done; lines written without a key (older files) are matched
by their ``source``. The file is locked (``flock``) while it is open: a second run writing to
the same file is refused with one line instead of interleaving its lines.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any, BinaryIO

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows: no lock there
    fcntl = None  # type: ignore[assignment]

from urai.errors import InputError
from urai.jsonable import to_jsonable

__all__ = ["ResultsFile", "json_line", "write_json"]

_FLUSH_CHARS = 1 << 16


def write_json(obj: Any, out: Any, *, indent: int | None = None) -> None:
    """Write ``obj`` and a newline to ``out`` as JSON, streamed in pieces (a 50 MB result is
    never one 50 MB string, then its bytes). ``out`` is a binary stream (UTF-8 is written;
    a lone surrogate, e.g. from an undecodable file name, becomes its ``\\udcxx`` escape,
    so the output is valid JSON and valid UTF-8) or a text stream."""
    enc = json.JSONEncoder(ensure_ascii=False, indent=indent)
    binary = not isinstance(out, io.TextIOBase) and hasattr(out, "write") and \
        "b" in getattr(out, "mode", "b")
    buf: list[str] = []
    size = 0

    def flush() -> None:
        chunk = "".join(buf)
        buf.clear()
        if binary:
            out.write(chunk.encode("utf-8", "backslashreplace"))
        else:
            out.write(chunk.encode("utf-8", "backslashreplace").decode("utf-8"))

    for part in enc.iterencode(to_jsonable(obj)):
        buf.append(part)
        size += len(part)
        if size >= _FLUSH_CHARS:
            flush()
            size = 0
    buf.append("\n")
    flush()


def json_line(obj: Any, *, indent: int | None = None) -> str:
    """``obj`` as JSON text that is always valid UTF-8: not ASCII-escaped, except when a lone
    surrogate (an undecodable file name, say) would make it unencodable; then escaped."""
    out = json.dumps(to_jsonable(obj), ensure_ascii=False, indent=indent)
    try:
        out.encode("utf-8")
    except UnicodeEncodeError:
        out = json.dumps(to_jsonable(obj), ensure_ascii=True, indent=indent)
    return out


class ResultsFile:
    """A JSON Lines results file opened for appending (use as a context manager).

    :attr:`done` maps each document already in the file (its ``key``, or ``source:PATH``
    for a line without one) to whether it was rejected there.
    """

    def __init__(self, path: str | Path, *, resume: bool = False) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            raise InputError(f"{self.path}: is a directory; give a file for --output")
        try:
            self._fh: BinaryIO | None = open(self.path, "ab")
        except OSError as exc:
            raise InputError(f"{self.path}: cannot write ({exc.strerror})") from None
        try:
            _lock(self._fh, self.path)
            self.done: dict[str, bool] = _read_done(self.path, resume, self._fh)
        except BaseException:
            self.close()
            raise

    def write(self, obj: Any) -> None:
        """Append one object as a line and flush it."""
        if self._fh is None:
            raise ValueError(f"{self.path}: results file is closed")
        write_json(obj, self._fh)
        self._fh.flush()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()  # closing releases the lock
            self._fh = None

    def __enter__(self) -> ResultsFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _lock(fh: BinaryIO, path: Path) -> None:
    if fcntl is None:
        return
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise InputError(f"{path}: another urai run is writing to this file; wait for it to "
                         "finish, or give another --output") from None
    except OSError:  # a file system without locks: go on unlocked
        pass


def _read_done(path: Path, resume: bool, fh: BinaryIO) -> dict[str, bool]:
    done: dict[str, bool] = {}
    if not path.stat().st_size:
        return done
    if not resume:
        raise InputError(f"{path}: already exists; pass --resume to continue it, or "
                         "remove it to start again")
    data = path.read_bytes()
    keep = data.rfind(b"\n") + 1  # a partly written last line is dropped
    for n, line in enumerate(data[:keep].splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            raise InputError(f"{path}:{n}: not valid JSON; --resume needs a file written "
                             "by `urai check --output`") from None
        if not isinstance(obj, dict) or not isinstance(obj.get("source"), str):
            raise InputError(f"{path}:{n}: no source field; --resume needs a file "
                             "written by `urai check --output`")
        key = obj.get("key")
        done[key if isinstance(key, str) and key else f"source:{obj['source']}"] = \
            "error" in obj
    if keep < len(data):
        fh.flush()
        os.ftruncate(fh.fileno(), keep)
    return done
