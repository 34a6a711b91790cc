"""The bad-input table, for every command that reads documents: each case gets its exit code
(0 processed, 2 rejected: the one rule of :mod:`urai.cli.common`), a one-line reason and no
traceback, within a time bound and a memory bound, from a real ``urai`` process.

``index add`` and ``trace`` read through the same :func:`urai.corpus.sources.iter_documents`
and are in the table where the lead has wired them (see docs/reliability.md)."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from reliability_helpers import ARTICLE, Run, run_cli

# (id, writer of the input -> its path, expected exit code, text the reason must contain)
Case = tuple[str, Callable[[Path], str], int, str | None]


def _file(name: str, data: bytes) -> Callable[[Path], str]:
    def make(d: Path) -> str:
        (d / name).write_bytes(data)
        return str(d / name)
    return make


def _fifo(d: Path) -> str:
    p = d / "fifo"
    os.mkfifo(p)
    return str(p)


def _jsonl(*lines: str) -> Callable[[Path], str]:
    return _file("docs.jsonl", "".join(ln + "\n" for ln in lines).encode("utf-8"))


TEXT = ARTICLE[:600]
CASES: list[Case] = [
    ("empty", _file("e.txt", b""), 2, "empty"),
    ("binary", _file("b.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10), 2, "binary"),
    ("latin-1", _file("l.txt", "Sérangan udara".encode("latin-1")), 2, "UTF-8"),
    ("utf-16 with BOM", _file("u.txt", TEXT.encode("utf-16")), 0, None),
    ("missing", lambda d: str(d / "nope.txt"), 2, "no such file"),
    ("fifo without writer", _fifo, 2, "no data for"),
    ("/dev/zero", lambda d: "/dev/zero", 2, "too large"),
    ("over --max-bytes", _file("big.txt", ((TEXT + "\n") * 3000).encode()), 2, "too large"),
    ("surrogates in text and id", _jsonl(json.dumps({"id": "a\ud800", "text": TEXT + "\ud800"})),
     0, None),
    ("control characters", _jsonl(json.dumps({"id": "c", "text": "\x00\x1b[31m" + TEXT})), 0,
     None),
    ("5,000-digit id", _jsonl('{"id": ' + "7" * 5000 + ', "text": "halo"}'), 2, "digits"),
    ("NaN id", _jsonl('{"id": NaN, "text": "halo"}'), 2, "NaN"),
    ("float id", _jsonl('{"id": 1.5, "text": "halo"}'), 2, "id must be"),
    ("empty directory", lambda d: str((d / "dir").mkdir() or d / "dir"), 2, "no files"),
]

COMMANDS = {
    "check": ["check", "--json", "--max-bytes", "1000000"],
    "screen": ["screen", "--json", "--max-bytes", "1000000"],
    "restore": ["restore", "--json", "--max-bytes", "1000000"],
    "spin": ["spin", "--json", "--max-bytes", "1000000"],
}


def _assert_case(run: Run, rc: int, needle: str | None) -> None:
    assert "Traceback" not in run.stderr, run.stderr
    assert run.rc == rc, (run.rc, run.stderr)
    if rc:
        # the reason, on one line (stdout holds it as a JSON object for corpus inputs)
        lines = [ln for ln in run.err_lines if ln.startswith("urai: error:")]
        assert len(lines) == 1, run.stderr
        if needle:
            assert needle in run.stderr + run.stdout, (run.stderr, run.stdout)
    for line in run.stdout.splitlines():  # --json output is always valid JSON
        json.loads(line)
    assert run.seconds < 60  # generous: the CI machine may be loaded
    assert run.max_rss_mb < 1500, run.max_rss_mb


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_input_table_check(tmp_path: Path, case: Case) -> None:
    """Each case alone (``urai check --json PATH``): exit code, one line, time, memory."""
    name, make, rc, needle = case
    run = run_cli(*COMMANDS["check"], make(tmp_path), timeout=60)
    _assert_case(run, rc, needle)
    if name == "fifo without writer":
        assert run.seconds < 4 + 4, run.seconds  # 4 s wait (InputLimits.read_timeout)
    if name == "/dev/zero":
        # read at most --max-bytes (1 MB) of it, then refused: not 10 GB
        assert run.max_rss_mb < 400, run.max_rss_mb
    if name.startswith(("surrogates", "control")):
        (obj,) = [json.loads(ln) for ln in run.stdout.splitlines()]
        assert "error" not in obj
        out = json.dumps(obj, ensure_ascii=False)
        out.encode("utf-8")  # encodable: no lone surrogate survived
        assert "\x00" not in out and "\x1b" not in out


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_bad_input_table_every_command(tmp_path: Path, command: str) -> None:
    """All cases as the inputs of one run of each command: one JSON object per input, in
    input order, an error object exactly for the cases that are rejected, exit code 2 and one
    summary line; no traceback, bounded time and memory."""
    paths = []
    for i, (_, make, _, _) in enumerate(CASES):
        d = tmp_path / f"case{i}"
        d.mkdir()
        paths.append(make(d))
    run = run_cli(*COMMANDS[command], *paths, timeout=120)
    assert "Traceback" not in run.stderr, run.stderr
    assert run.rc == 2, run.stderr
    assert len([ln for ln in run.err_lines if ln.startswith("urai: error:")]) == 1
    objs = [json.loads(ln) for ln in run.stdout.splitlines()]
    assert len(objs) == len(CASES), run.stdout
    for (name, _, rc, needle), path, obj in zip(CASES, paths, objs, strict=True):
        assert obj["source"].startswith(path), (name, obj)
        assert ("error" in obj) == bool(rc), (name, obj)
        if rc and needle:
            assert needle in obj["error"]["message"], (name, obj)
    assert run.seconds < 60 and run.max_rss_mb < 1500


def test_a_special_file_is_not_read_without_bound(tmp_path: Path) -> None:
    """A FIFO whose writer keeps writing is cut at --max-bytes, not read forever."""
    import subprocess

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    writer = subprocess.Popen(["sh", "-c", f"yes 'kata kata kata' > {fifo}"],
                              stderr=subprocess.DEVNULL)
    try:
        run = run_cli("check", "--max-bytes", "2000000", str(fifo), timeout=60)
    finally:
        writer.kill()
        writer.wait()
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    _assert_case(run, 2, "too large")
    assert run.max_rss_mb < 400
