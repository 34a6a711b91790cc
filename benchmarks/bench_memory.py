"""Peak memory and time of ``urai check`` against document size (1 KB -> 50 MB).

Each size is one document of real Indonesian words (the example article's words shuffled
into paragraphs of ~80 words, seeded), written to a file and checked by a fresh
``urai check --json --max-bytes ... FILE > /dev/null`` process; its peak RSS comes from
``wait4``. *RAM per input byte* = (peak RSS - the peak RSS of the same command on a 1 KB
document) / document bytes. The baseline, in the same run, is the check without pieces
(``Detector.check`` on the whole text, what ``urai check`` did before), run only up to
``--baseline-max`` bytes (it needs ~650 bytes of RAM per input byte). Target: <= 50 bytes
of RAM per input byte, and linear time (seconds per MB flat across sizes).

    nice python benchmarks/bench_memory.py            # 1 KB .. 50 MB, about 2 minutes
    nice python benchmarks/bench_memory.py --max 10MB --baseline-max 1MB
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import cpu_model  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SIZES = [1_000, 10_000, 100_000, 1_000_000, 10_000_000, 50_000_000]
BASELINE = ("import sys, json\n"
            "from urai.detect.detector import default_detector\n"
            "text = open(sys.argv[1], encoding='utf-8').read()\n"
            "r = default_detector().check(text)\n"
            "sys.stdout.write(json.dumps(r.to_dict(), ensure_ascii=False))\n")


def make_text(size: int, seed: int = 0) -> str:
    words = (ROOT / "examples" / "spun_article.txt").read_text(encoding="utf-8").split()
    rng = random.Random(seed)
    parts: list[str] = []
    n = 0
    while n < size:
        rng.shuffle(words)
        para = " ".join(words[:80]) + ".\n\n"
        parts.append(para)
        n += len(para.encode("utf-8"))
    return "".join(parts)[:size]


def measure(cmd: list[str]) -> tuple[float, float, int, float]:
    """(seconds, peak RSS in MB, exit code, CPU seconds) of one process, stdout to
    /dev/null (CPU time is what a shared machine's load does not inflate)."""
    t0 = time.monotonic()
    with open(os.devnull, "wb") as dn:
        proc = subprocess.Popen(cmd, stdout=dn, stderr=subprocess.PIPE)
        assert proc.stderr is not None
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
    rc = os.waitstatus_to_exitcode(status)
    if rc != 0:
        print(f"  ! {' '.join(cmd[:4])}... exited {rc}: {err.decode()[-300:]}", file=sys.stderr)
    return (time.monotonic() - t0, usage.ru_maxrss / 1024, rc,
            usage.ru_utime + usage.ru_stime)


def parse_size(s: str) -> int:
    s = s.upper().rstrip("B")
    mult = {"K": 1_000, "M": 1_000_000, "G": 1_000_000_000}.get(s[-1:], 1)
    return int(float(s[:-1] if s[-1:] in "KMG" else s) * mult)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--max", type=parse_size, default=50_000_000)
    ap.add_argument("--baseline-max", type=parse_size, default=1_000_000)
    args = ap.parse_args()
    sizes = [s for s in SIZES if s <= args.max]
    cli = [sys.executable, "-m", "urai", "check", "--json", "--max-bytes", str(10 ** 9)]
    with tempfile.TemporaryDirectory() as d:
        files = {}
        for s in sizes:
            files[s] = Path(d) / f"doc{s}.txt"
            files[s].write_text(make_text(s), encoding="utf-8")
        rows = []
        base_rss = base_rss_old = None
        for s in sizes:
            secs, rss, rc, cpu = measure([*cli, str(files[s])])
            old = (measure([sys.executable, "-c", BASELINE, str(files[s])])
                   if s <= args.baseline_max else None)
            if base_rss is None:
                base_rss = rss
                base_rss_old = old[1] if old else None
            rows.append((s, secs, rss, rc, old, cpu))
    print(f"machine: {platform.machine()} ({cpu_model()}), {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, load average "
          f"{os.getloadavg()[0]:.1f} at the end")
    print(f"fixed cost (peak RSS on a 1 KB document): {base_rss:.0f} MB (pieces), "
          f"{base_rss_old or 0:.0f} MB (baseline)\n")
    t_fixed, c_fixed = rows[0][1], rows[0][5]
    print(f"fixed cost in time (start-up, loading the model, a 1 KB check): {t_fixed:.2f} s "
          f"wall, {c_fixed:.2f} s CPU; the s/MB columns are (time - fixed) / MB\n")
    print("| document | exit | time (s) | s/MB | CPU s/MB | peak RSS (MB) | RAM/input byte "
          "| baseline: time (s) | baseline: RAM/input byte | baseline / pieces (RAM/byte) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for s, secs, rss, rc, old, cpu in rows:
        per = (rss - base_rss) * 1024 * 1024 / s
        per_s = f"{per:,.1f}" if s >= 100_000 else "(fixed cost dominates)"
        cells = ["", "", ""]
        if old is not None:
            old_per = (old[1] - base_rss_old) * 1024 * 1024 / s
            cells = [f"{old[0]:.2f}", f"{old_per:,.0f}" if s >= 100_000 else "(fixed)",
                     f"{old_per / per:.1f}x" if s >= 100_000 and per > 0 else ""]
        spm = f"{(secs - t_fixed) / (s / 1e6):.2f}" if s >= 1_000_000 else ""
        cpm = f"{(cpu - c_fixed) / (s / 1e6):.2f}" if s >= 1_000_000 else ""
        print(f"| {s / 1e6:g} MB | {rc} | {secs:.2f} | {spm} | {cpm} | {rss:,.0f} "
              f"| {per_s} | {' | '.join(cells)} |")
    big = [(s, cpu) for s, _, _, rc, _, cpu in rows if s >= 1_000_000 and rc == 0]
    if len(big) >= 2:
        (s0, t0), (s1, t1) = big[0], big[-1]
        r = (t1 - c_fixed) / max(t0 - c_fixed, 1e-9)
        print(f"\nCPU time beyond the fixed cost, {s1 / 1e6:g} MB vs {s0 / 1e6:g} MB: {r:.1f}x "
              f"for {s1 / s0:.0f}x the bytes (linear: {s1 / s0:.0f}x)")
    worst = max(((rss - base_rss) * 1024 * 1024 / s for s, _, rss, _, _, _ in rows
                 if s >= 1_000_000), default=float("nan"))
    print(f"worst RAM per input byte from 1 MB up: {worst:.1f} (target <= 50)")


if __name__ == "__main__":
    main()
