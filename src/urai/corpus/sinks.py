"""Where corpus results go: a JSON Lines results file that a killed run can continue.

:class:`ResultsFile` is the ``urai check -o`` / ``urai screen -o`` output: one JSON object per
input and line (a result, or ``{"source", "error"}`` for a rejected input), flushed line by
line so a killed run loses at most the line being written. Without ``resume`` an existing
non-empty file is refused (a finished run is never overwritten by accident); with it, the
sources already in the file are skipped and a last line cut short by the kill is removed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

from urai.errors import InputError
from urai.jsonable import to_jsonable

__all__ = ["ResultsFile"]


class ResultsFile:
    """A JSON Lines results file opened for appending (use as a context manager).

    :attr:`done` maps each source already in the file to whether it was rejected there.
    """

    def __init__(self, path: str | Path, *, resume: bool = False) -> None:
        self.path = Path(path)
        self.done: dict[str, bool] = _read_done(self.path, resume)
        try:
            self._fh: TextIO | None = open(self.path, "a", encoding="utf-8")
        except OSError as exc:
            raise InputError(f"{self.path}: cannot write ({exc.strerror})") from None

    def write(self, obj: Any) -> None:
        """Append one object as a line and flush it."""
        if self._fh is None:
            raise ValueError(f"{self.path}: results file is closed")
        self._fh.write(json.dumps(to_jsonable(obj), ensure_ascii=False) + "\n")
        self._fh.flush()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def __enter__(self) -> ResultsFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _read_done(path: Path, resume: bool) -> dict[str, bool]:
    if path.is_dir():
        raise InputError(f"{path}: is a directory; give a file for --output")
    done: dict[str, bool] = {}
    if not (path.exists() and path.stat().st_size):
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
        done[obj["source"]] = "error" in obj
    if keep < len(data):
        with open(path, "r+b") as fh:
            fh.truncate(keep)
    return done
