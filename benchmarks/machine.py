"""What machine a benchmark ran on (shared by the benchmark scripts)."""

from __future__ import annotations


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo, or ``unknown CPU``."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"
