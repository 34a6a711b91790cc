"""kill -9 at random points: of a worker (the run detects it, retries, finishes) and of the
main process (``--resume`` finishes the file); the final output is byte for byte that of an
uninterrupted run. Two writers on one results file, and a reader beside the writer."""

from __future__ import annotations

import gzip
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from reliability_helpers import make_corpus, run_cli

from urai.corpus.local import check_many
from urai.detect.detector import CheckResult, Detector
from urai.errors import ProcessingError

N_DOCS = 900


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    """The corpus and the results file of one uninterrupted run (the reference)."""
    d = tmp_path_factory.mktemp("kill")
    corpus = d / "corpus.jsonl"
    make_corpus(corpus, N_DOCS, seed=7)
    ref = d / "ref.jsonl"
    run = run_cli("check", "-q", "-o", str(ref), str(corpus), cwd=d, timeout=300)
    assert run.rc == 0, run.stderr
    return corpus, ref.read_bytes()


def _lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def _start(*args: str, cwd: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "urai", *args], cwd=cwd,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def _kill_at(proc: subprocess.Popen[bytes], out: Path, target: int, timeout: float = 120) -> bool:
    """SIGKILL ``proc`` once ``out`` has ``target`` lines; False if it ended first."""
    end = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < end:
        if _lines(out) >= target:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.005)
    proc.wait(timeout=timeout)
    return False


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(x) for x in fh.read().split()]
    except OSError:
        return []


def test_kill_9_of_the_main_process_then_resume(big_corpus: tuple[Path, bytes],
                                                tmp_path: Path) -> None:
    corpus, ref = big_corpus
    out = tmp_path / "out.jsonl"
    rng = random.Random(11)
    kills = 0
    targets = sorted(rng.sample(range(20, N_DOCS - 100), 3))
    for i, target in enumerate(targets):
        args = ["check", "-q", "-j", "2", "-o", str(out), str(corpus)]
        if i:
            args.insert(1, "--resume")
        kills += _kill_at(_start(*args, cwd=tmp_path), out, target)
    assert kills >= 2  # the kills really landed mid-run
    run = run_cli("check", "-q", "--resume", "-j", "2", "-o", str(out), str(corpus),
                  cwd=tmp_path, timeout=300)
    assert run.rc == 0, run.stderr
    assert "already there" in run.stderr and "Traceback" not in run.stderr
    assert out.read_bytes() == ref  # nothing lost, nothing twice, same order


def test_kill_9_of_a_worker_does_not_hang_the_run(big_corpus: tuple[Path, bytes],
                                                  tmp_path: Path) -> None:
    corpus, ref = big_corpus
    out = tmp_path / "out.jsonl"
    proc = _start("check", "-q", "-j", "2", "-o", str(out), str(corpus), cwd=tmp_path)
    rng = random.Random(5)
    killed = 0
    for target in sorted(rng.sample(range(10, N_DOCS - 200), 2)):
        while proc.poll() is None and _lines(out) < target:
            time.sleep(0.005)
        kids = _children(proc.pid)
        if proc.poll() is None and kids:
            os.kill(rng.choice(kids), signal.SIGKILL)
            killed += 1
            time.sleep(0.3)
    _, err = proc.communicate(timeout=300)
    assert killed >= 1
    assert proc.returncode == 0, err
    assert b"worker process(es) died" in err and b"Traceback" not in err
    assert out.read_bytes() == ref


class _Killer(Detector):
    """The shipped detector, except that a marker text kills the process checking it (as
    the out-of-memory killer would)."""

    def check(self, text, *, html=None):  # type: ignore[no-untyped-def,override]
        if isinstance(text, str) and text.startswith("KILL"):
            os.kill(os.getpid(), signal.SIGKILL)
        return super().check(text, html=html)


def test_a_document_that_kills_its_worker_is_rejected_with_the_reason() -> None:
    texts = ([f"Harga beras naik {i} persen karena pasokan berkurang." for i in range(6)]
             + ["KILL me"] + ["Serangan udara koalisi menewaskan warga."] * 5)
    t0 = time.monotonic()
    got = list(check_many(texts, jobs=2, detector=_Killer()))
    assert time.monotonic() - t0 < 60
    assert len(got) == len(texts)
    assert isinstance(got[6], ProcessingError) and "SIGKILL" in str(got[6])
    assert all(isinstance(r, CheckResult) for i, r in enumerate(got) if i != 6)


def test_two_writers_and_a_reader(tmp_path: Path) -> None:
    corpus = tmp_path / "long.jsonl"
    make_corpus(corpus, 4 * N_DOCS, seed=3)
    out = tmp_path / "out.jsonl"
    writer = _start("check", "-q", "-o", str(out), str(corpus), cwd=tmp_path)
    reads = []

    def reader() -> None:  # beside the writer: only ever whole JSON lines (+ a partial last)
        while writer.poll() is None:
            data = out.read_bytes() if out.exists() else b""
            for line in data[: data.rfind(b"\n") + 1].splitlines():
                json.loads(line)
            reads.append(data.count(b"\n"))
            time.sleep(0.02)

    import threading

    th = threading.Thread(target=reader)
    th.start()
    while _lines(out) < 5 and writer.poll() is None:
        time.sleep(0.01)
    # a second writer on the same file is refused at once, with one line
    second = run_cli("check", "-q", "--resume", "-o", str(out), str(corpus), cwd=tmp_path)
    still_running = writer.poll() is None
    _, err = writer.communicate(timeout=300)
    th.join()
    assert writer.returncode == 0, err
    assert still_running, "the first writer ended too soon for this test"
    assert second.rc == 2 and "another urai run is writing" in second.stderr, second.stderr
    assert len(second.err_lines) == 1
    assert len(reads) >= 5 and reads == sorted(reads)
    objs = [json.loads(x) for x in out.read_bytes().splitlines()]
    assert len(objs) == 4 * N_DOCS and len({o["key"] for o in objs}) == 4 * N_DOCS


def test_resume_finds_the_documents_under_another_path(big_corpus: tuple[Path, bytes],
                                                       tmp_path: Path) -> None:
    """Resuming with an absolute path to a gzipped copy re-checks nothing already done."""
    corpus, ref = big_corpus
    local = tmp_path / "crawl.jsonl"
    local.write_bytes(corpus.read_bytes())
    out = tmp_path / "out.jsonl"
    assert _kill_at(_start("check", "-q", "-o", "out.jsonl", "crawl.jsonl", cwd=tmp_path),
                    out, 300)
    gz = tmp_path / "elsewhere" / "crawl.jsonl.gz"
    gz.parent.mkdir()
    gz.write_bytes(gzip.compress(local.read_bytes()))
    run = run_cli("check", "-q", "--resume", "-o", str(out.resolve()), str(gz.resolve()),
                  cwd=tmp_path / "elsewhere", timeout=300)
    assert run.rc == 0, run.stderr
    objs = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(objs) == N_DOCS  # not 300 + 900
    assert len({o["key"] for o in objs}) == N_DOCS
    assert [o["key"] for o in objs] == [json.loads(x)["key"] for x in ref.splitlines()]
    done = int(run.stderr.split(" already there")[0].rsplit(", ", 1)[1])
    assert done >= 300
