"""Load benchmark of ``urai serve``: concurrent clients on loopback against worker processes,
compared in the same run with ``urai.check_many`` on the same documents and as many processes.

    python benchmarks/bench_serve.py [--requests 10000] [--clients 50] [--workers 2] [--docs 150]

* Documents: ``bench_check.throughput_documents`` (IndoSum fold 05, cut or joined to ~400
  words; ``--docs`` clean ones and ``--docs`` spun at 20 %); request *i* sends document
  ``i mod len(docs)`` as ``POST /v1/check {"text": ...}``.
* Ceiling: ``urai.check_many(requests, jobs=W)`` over the same request list (one warm pass of
  every document in the parent first, so the forked workers start warm, as the server's do
  after its warm-up). The requests are split into ``--rounds`` parts (20); each round runs the
  ceiling and the server on its part, in alternating order, so load from other work on the
  machine falls on both alike.
* Server: ``python -m urai.cli.serve --workers W`` in a subprocess; warm-up of 2 requests per
  document, then
  1. *saturation*: ``--clients`` concurrent keep-alive connections, closed loop, ``--requests``
     requests: throughput, p50/p99 latency, errors (non-200, transport errors, or a verdict
     that differs from ``check_many``'s for the same document);
  2. *half rate*: an open loop at half the measured saturation throughput (each request
     scheduled at a fixed time, latency counted from that time, so queueing shows), for
     ``min(--requests, 15 s worth)`` requests: p50/p99.
* Memory of each server process (RSS, and PSS/USS from ``/proc/PID/smaps_rollup``: the
  workers are forked after the models are loaded, so most of their pages are shared).
* The load client runs in this process on the same cores (a lean asyncio HTTP/1.1 client;
  its CPU time is printed): on a 2-core machine it takes a share the ceiling does not pay.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import resource
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_check import throughput_documents  # noqa: E402
from machine import cpu_model  # noqa: E402

import urai  # noqa: E402
from urai.service.runner import memory  # noqa: E402

_VERDICT = re.compile(rb'"verdict":"([a-z_]+)"')


def warm_detector(docs: list[str]) -> tuple[object, list[str]]:
    """The shipped detector, warmed on every document (so forked workers start warm, as the
    server's do after its warm-up), and each document's verdict."""
    from urai.detect.detector import default_detector

    det = default_detector()
    return det, [det.check(d).verdict for d in docs]


def many_chunk(det: object, texts: list[str], jobs: int) -> tuple[float, float]:
    """Wall and CPU seconds of ``check_many(texts, jobs)`` (workers included)."""
    c0 = _cpu_self_children()
    t0 = time.perf_counter()
    for r in urai.check_many(texts, jobs=jobs, detector=det):  # type: ignore[arg-type]
        assert isinstance(r, urai.CheckResult), r
    return time.perf_counter() - t0, _cpu_self_children() - c0


def _cpu_self_children() -> float:
    """CPU seconds of this process and its finished children."""
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def proc_cpu(pids: list[int]) -> float:
    """CPU seconds used so far by these processes (``/proc/PID/stat``)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def start_server(workers: int) -> tuple[subprocess.Popen[bytes], int]:
    proc = subprocess.Popen([sys.executable, "-m", "urai.cli.serve", "--port", "0",
                             "--workers", str(workers), "--log-level", "warning"],
                            stderr=subprocess.PIPE, start_new_session=True)
    assert proc.stderr is not None
    line = proc.stderr.readline().decode()
    m = re.search(r"listening on http://[\d.]+:(\d+)/", line)
    if not m:
        proc.kill()
        raise SystemExit(f"server did not start: {line}{proc.stderr.read().decode()[-2000:]}")
    return proc, int(m.group(1))


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def server_pids(pid: int) -> list[int]:
    kids: list[int] = []
    for task in os.listdir(f"/proc/{pid}/task"):
        kids += [int(x) for x in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
    return [pid, *kids]


class Load:
    """A lean keep-alive HTTP/1.1 client: one connection per simulated client."""

    def __init__(self, port: int, bodies: list[bytes], expected: list[str]) -> None:
        self.port = port
        self.requests = [
            b"POST /v1/check HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json"
            b"\r\nContent-Length: " + str(len(b)).encode() + b"\r\n\r\n" + b for b in bodies]
        self.expected = [v.encode() for v in expected]
        self.errors: dict[str, int] = {}

    def _error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1

    async def _one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                   k: int) -> None:
        writer.write(self.requests[k % len(self.requests)])
        head = await reader.readuntil(b"\r\n\r\n")
        status = head[9:12]
        m = re.search(rb"(?i)content-length:\s*(\d+)", head)
        body = await reader.readexactly(int(m.group(1))) if m else b""
        if status != b"200":
            self._error(f"HTTP {status.decode()}")
            return
        v = _VERDICT.search(body)
        if v is None or v.group(1) != self.expected[k % len(self.expected)]:
            self._error("wrong verdict")

    async def _client(self, take: Callable[[], Awaitable[tuple[int, float] | None]],
                      lat: list[float]) -> None:
        """One connection: request ``k`` for every ``(k, start)`` that ``take`` gives."""
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        try:
            while (item := await take()) is not None:
                k, start = item
                try:
                    await self._one(reader, writer, k)
                except (OSError, asyncio.IncompleteReadError) as exc:
                    self._error(type(exc).__name__)
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
                lat.append(time.perf_counter() - start)
        finally:
            writer.close()

    async def closed_loop(self, n: int, clients: int,
                          start: int = 0) -> tuple[float, list[float]]:
        """Requests ``start .. start+n-1`` from ``clients`` connections as fast as answered."""
        lat: list[float] = []
        nxt = start

        async def take() -> tuple[int, float] | None:
            nonlocal nxt
            if nxt >= start + n:
                return None
            nxt += 1
            return nxt - 1, time.perf_counter()

        t0 = time.perf_counter()
        await asyncio.gather(*(self._client(take, lat) for _ in range(clients)))
        return time.perf_counter() - t0, lat

    async def open_loop(self, n: int, rate: float, clients: int) -> tuple[float, list[float]]:
        """``n`` requests scheduled at ``rate`` per second; latency from the schedule."""
        queue: asyncio.Queue[tuple[int, float] | None] = asyncio.Queue()
        lat: list[float] = []
        tasks = [asyncio.create_task(self._client(queue.get, lat)) for _ in range(clients)]
        t0 = time.perf_counter()
        for k in range(n):
            due = t0 + k / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            queue.put_nowait((k, due))
        for _ in tasks:
            queue.put_nowait(None)
        await asyncio.gather(*tasks)
        return time.perf_counter() - t0, lat


def pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))] * 1000 if s else float("nan")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=10_000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--docs", type=int, default=150, help="clean docs (and as many spun)")
    ap.add_argument("--half-seconds", type=float, default=15.0,
                    help="longest half-rate run, in seconds")
    ap.add_argument("--rounds", type=int, default=20,
                    help="alternate check_many and the server this many times")
    ap.add_argument("--json", type=Path, default=None, help="also write the numbers here")
    a = ap.parse_args(argv)
    try:
        import uvloop

        uvloop.install()
        loop_name = "uvloop"
    except ImportError:
        loop_name = "asyncio"
    print(f"machine: {platform.machine()} ({cpu_model()}), {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, load {os.getloadavg()[0]:.2f} at start")
    docs = throughput_documents(a.docs)
    texts = [docs[i % len(docs)] for i in range(a.requests)]
    words = statistics.mean(len(d.split()) for d in docs)
    print(f"documents: {len(docs)} (~{words:.0f} words; {a.docs} clean + {a.docs} spun at "
          f"20 %), {a.requests} requests, {a.clients} clients, {a.workers} workers")

    det, verdicts = warm_detector(docs)
    proc, port = start_server(a.workers)
    try:
        bodies = [json.dumps({"text": d}, ensure_ascii=False).encode() for d in docs]
        load = Load(port, bodies, verdicts)
        asyncio.run(load.closed_loop(2 * len(docs), a.clients))  # warm-up
        load.errors.clear()
        pids = server_pids(proc.pid)
        # rounds alternate the ceiling and the server (which sits idle meanwhile), so a
        # change in the machine's load from elsewhere hits both alike
        bounds = [round(a.requests * r / a.rounds) for r in range(a.rounds + 1)]
        many_wall = many_cpu = wall = cpu_srv = client_cpu = 0.0
        lat: list[float] = []
        for r in range(a.rounds):
            lo, hi = bounds[r], bounds[r + 1]
            for step in ((0, 1) if r % 2 == 0 else (1, 0)):
                if step == 0:
                    w, c = many_chunk(det, texts[lo:hi], a.workers)
                    many_wall += w
                    many_cpu += c
                    print(f"  round {r + 1}: check_many {(hi - lo) / w:,.0f} docs/s, "
                          f"{c / w:.2f} cores busy")
                    continue
                cpu0 = resource.getrusage(resource.RUSAGE_SELF)
                per0 = [proc_cpu([p]) for p in pids]
                w, lat_r = asyncio.run(load.closed_loop(hi - lo, a.clients, lo))
                cpu1 = resource.getrusage(resource.RUSAGE_SELF)
                per = [proc_cpu([p]) - c0 for p, c0 in zip(pids, per0, strict=True)]
                cpu_srv += sum(per)
                print(f"  round {r + 1}: serve {(hi - lo) / w:,.0f} req/s, cores busy per "
                      f"process {' '.join(f'{c / w:.2f}' for c in per)}")
                client_cpu += (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
                wall += w
                lat += lat_r
        rate_many = a.requests / many_wall
        cpu_many = many_cpu / a.requests
        cpu_srv /= a.requests
        sat_errors = dict(load.errors)
        rate_srv = a.requests / wall
        load.errors.clear()
        half = rate_srv / 2
        n_half = max(100, min(a.requests, int(half * a.half_seconds)))
        wall_h, lat_h = asyncio.run(load.open_loop(n_half, half, a.clients))
        half_errors = dict(load.errors)
        mem = {pid: memory(pid) for pid in server_pids(proc.pid)}
    finally:
        stop_server(proc)

    mb = 1024 * 1024
    ratio = rate_srv / rate_many
    print()
    print("| run | requests | wall s | req/s | vs check_many | p50 ms | p99 ms | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| check_many(jobs={a.workers}) (ceiling) | {a.requests} | "
          f"{many_wall:.2f} | {rate_many:,.0f} | 1.00 | | | 0 |")
    print(f"| serve, {a.clients} clients, saturation | {a.requests} | {wall:.2f} | "
          f"{rate_srv:,.0f} | {ratio:.2f} | {pct(lat, .5):.1f} | {pct(lat, .99):.1f} | "
          f"{sum(sat_errors.values())} |")
    print(f"| serve, open loop at {half:,.0f} req/s (half) | {n_half} | {wall_h:.2f} | "
          f"{n_half / wall_h:,.0f} | | {pct(lat_h, .5):.1f} | {pct(lat_h, .99):.1f} | "
          f"{sum(half_errors.values())} |")
    print()
    print("| server process | RSS MB | PSS MB | USS (private) MB |")
    print("|---|---:|---:|---:|")
    for i, m in enumerate(mem.values()):
        role = "parent (supervisor)" if i == 0 else f"worker {i}"
        print(f"| {role} | {m['rss'] / mb:.0f} | {m['pss'] / mb:.0f} | {m['uss'] / mb:.0f} |")
    total_pss = sum(m["pss"] for m in mem.values()) / mb
    print(f"| total | {sum(m['rss'] for m in mem.values()) / mb:.0f} | {total_pss:.0f} | "
          f"{sum(m['uss'] for m in mem.values()) / mb:.0f} |")
    print()
    print(f"CPU per request: server {cpu_srv * 1e3:.2f} ms, check_many {cpu_many * 1e3:.2f} ms "
          f"per document (ratio {cpu_many / cpu_srv:.2f}: the HTTP layer's share of the "
          "server's CPU is 1 minus that)")
    print(f"load client: {loop_name}, {client_cpu:.1f} s CPU for the saturation run "
          f"({client_cpu / wall:.2f} cores); errors {sat_errors or 'none'} / "
          f"{half_errors or 'none'}; load {os.getloadavg()[0]:.2f} at end")
    targets = [("zero errors", not sat_errors and not half_errors),
               ("throughput >= 80% of check_many", ratio >= 0.8),
               ("p99 <= 100 ms at half the saturation rate", pct(lat_h, .99) <= 100)]
    for name, ok in targets:
        print(f"target {name}: {'met' if ok else 'NOT met'}")
    if a.json:
        a.json.write_text(json.dumps({
            "requests": a.requests, "clients": a.clients, "workers": a.workers,
            "check_many_rate": rate_many, "serve_rate": rate_srv, "ratio": ratio,
            "p50_ms": pct(lat, .5), "p99_ms": pct(lat, .99), "errors": sat_errors,
            "half_rate": half, "half_p50_ms": pct(lat_h, .5), "half_p99_ms": pct(lat_h, .99),
            "half_errors": half_errors, "memory": {str(k): v for k, v in mem.items()},
            "client_cpu_s": client_cpu, "server_cpu_per_request_s": cpu_srv,
            "check_many_cpu_per_doc_s": cpu_many}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
