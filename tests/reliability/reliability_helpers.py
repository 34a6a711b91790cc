"""Helpers of the reliability suite: the real CLI in a subprocess (exit code, stderr, wall
time and peak memory of that one process), and a small corpus of real Indonesian text."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = (ROOT / "examples" / "spun_article.txt").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Run:
    rc: int
    stdout: str
    stderr: str
    seconds: float
    max_rss_mb: float

    @property
    def err_lines(self) -> list[str]:
        return [ln for ln in self.stderr.splitlines() if ln.strip()]


def run_cli(*args: str, timeout: float = 120, stdin: Path | None = None,
            cwd: Path | None = None) -> Run:
    """``python -m urai ARGS`` in a fresh process (stdin from a file, else /dev/null): exit
    code, output, wall time and the peak RSS of that one process (``wait4``)."""
    t0 = time.monotonic()
    hwm = tempfile.NamedTemporaryFile(prefix="urai-hwm-", delete=False)
    hwm.close()
    env = {**os.environ, "URAI_TEST_HWM": hwm.name}
    with open(stdin if stdin is not None else os.devnull, "rb") as fh:
        proc = subprocess.Popen([sys.executable, "-c", _LAUNCH, *args], stdin=fh, cwd=cwd,
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = t0 + timeout
    out = err = b""
    import selectors

    sel = selectors.DefaultSelector()
    assert proc.stdout is not None and proc.stderr is not None
    sel.register(proc.stdout, selectors.EVENT_READ, "out")
    sel.register(proc.stderr, selectors.EVENT_READ, "err")
    while sel.get_map():
        left = deadline - time.monotonic()
        if left <= 0:
            proc.kill()
            os.wait4(proc.pid, 0)
            pytest.fail(f"urai {' '.join(args)} did not end within {timeout} s")
        for key, _ in sel.select(timeout=left):
            chunk = os.read(key.fileobj.fileno(), 65536)  # type: ignore[union-attr]
            if not chunk:
                sel.unregister(key.fileobj)
            elif key.data == "out":
                out += chunk
            else:
                err += chunk
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    peak_kb = float(usage.ru_maxrss)
    try:  # the process's own high-water mark, written at exit (see _LAUNCH)
        text = Path(hwm.name).read_text().strip()
        if text:
            peak_kb = float(text)
    finally:
        os.unlink(hwm.name)
    return Run(proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"),
               time.monotonic() - t0, peak_kb / 1024)


# ``python -m urai ARGS`` that writes its own peak RSS (VmHWM) to $URAI_TEST_HWM at exit.
# wait4's ru_maxrss is not used when this works: Linux carries the spawning process's RSS
# over fork/vfork + exec into the child's maxrss, so a child spawned by a big pytest process
# (one that has loaded the models for other tests) would report pytest's size, not its own.
_LAUNCH = """
import atexit, os, runpy, sys
def _hwm():
    try:
        with open("/proc/self/status") as f:
            kb = next((ln.split()[1] for ln in f if ln.startswith("VmHWM:")), "")
        with open(os.environ["URAI_TEST_HWM"], "w") as out:
            out.write(kb)
    except (OSError, KeyError):
        pass
atexit.register(_hwm)
sys.argv = ["urai", *sys.argv[1:]]
runpy.run_module("urai", run_name="__main__", alter_sys=True)
"""


def make_corpus(path: Path, n: int, *, seed: int = 0, words: int = 80) -> list[dict]:
    """``n`` JSON Lines records of shuffled real article words (ids ``d0``...)."""
    toks = ARTICLE.split()
    rng = random.Random(seed)
    recs = []
    for i in range(n):
        rng.shuffle(toks)
        recs.append({"id": f"d{i}", "text": " ".join(toks[:words])})
    path.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    return recs
