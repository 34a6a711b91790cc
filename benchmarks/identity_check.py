"""Byte-identity of ``urai check --json`` / ``urai restore --json`` output between two trees.

    python benchmarks/identity_check.py --out DIR [--docs 150]

Writes, with the ``urai`` importable in this interpreter (run it once with each tree's
``PYTHONPATH`` / venv), the JSON Lines of ``urai check --json`` (with and without
``--explain``), ``urai restore --json`` and ``urai check --json --profile`` into ``DIR``
for: the benchmark documents of ``bench_check_speed.py`` (``throughput_documents``), the CI
gate set (``tests/data/gate/gate.jsonl``) and the farm gate set with each farm's profile.
Compare two such directories with ``cmp`` (``--compare A B`` does it for every file).
"""

from __future__ import annotations

import argparse
import filecmp
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
GATE = ROOT / "tests" / "data" / "gate"
sys.path.insert(0, str(HERE))


def runs() -> list[tuple[str, list[str]]]:
    """(output name, urai arguments) of every run, in the output directory (the inputs are
    named relative to it, so the ``source`` fields do not depend on where it is)."""
    bench, gate, farm = "bench.jsonl", "gate.jsonl", "farm.jsonl"
    out: list[tuple[str, list[str]]] = []
    for name, path in (("bench", bench), ("gate", gate), ("farm", farm)):
        out.append((f"{name}.check.jsonl", ["check", "--json", path]))
        out.append((f"{name}.restore.jsonl", ["restore", "--json", path]))
    out.append(("gate.explain.jsonl", ["check", "--json", "--explain", gate]))
    for prof in sorted((GATE / "profiles").glob("*.json")):
        out.append((f"farm.{prof.stem}.check.jsonl",
                    ["check", "--json", "--profile", str(prof), farm]))
        out.append((f"farm.{prof.stem}.restore.jsonl",
                    ["restore", "--json", "--profile", str(prof), farm]))
    return out


def dump(out: Path, docs: int) -> None:
    from bench_check import throughput_documents

    out.mkdir(parents=True, exist_ok=True)
    with (out / "bench.jsonl").open("w", encoding="utf-8") as f:
        for i, d in enumerate(throughput_documents(docs)):
            f.write(json.dumps({"id": f"b{i}", "text": d}, ensure_ascii=False) + "\n")
    for n in ("gate.jsonl", "farm.jsonl"):
        (out / n).write_bytes((GATE / n).read_bytes())
    for name, args in runs():
        res = subprocess.run([sys.executable, "-m", "urai", *args], capture_output=True,
                             check=False, cwd=out)
        (out / name).write_bytes(res.stdout + f"\n# exit {res.returncode}\n".encode())


def compare(a: Path, b: Path) -> int:
    bad = 0
    names = sorted(p.name for p in a.glob("*.jsonl"))
    for n in names:
        same = (b / n).exists() and filecmp.cmp(a / n, b / n, shallow=False)
        lines = sum(1 for _ in (a / n).open(encoding="utf-8"))
        print(f"{'identical' if same else 'DIFFERENT'}  {n} ({lines} lines)")
        bad += not same
    print(f"{len(names) - bad} of {len(names)} files byte-identical")
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path)
    ap.add_argument("--docs", type=int, default=150)
    ap.add_argument("--compare", type=Path, nargs=2)
    a = ap.parse_args(argv)
    if a.compare:
        return compare(*a.compare)
    dump(a.out, a.docs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
