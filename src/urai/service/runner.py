"""Running the service: one process, or a pre-forked group of worker processes.

With ``workers > 1`` the parent loads the detector, screener and families once, binds the
port, then forks the workers: each listens on a ``SO_REUSEPORT`` socket of its own on that
port (Linux spreads new connections evenly over them; elsewhere the workers share the
parent's listening socket) and shares the loaded models copy-on-write, so
a worker costs far less memory than a fresh process (see :func:`memory`). The parent
restarts a worker that dies and stops them all on SIGINT/SIGTERM.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
from typing import Any

from urai.errors import ConfigError, MissingDependencyError
from urai.service.config import ServiceConfig
from urai.service.state import ServiceState

__all__ = ["serve", "bind", "memory"]


def _uvicorn() -> Any:
    try:
        import uvicorn
    except ImportError:
        raise MissingDependencyError.for_extra("uvicorn", "service") from None
    return uvicorn


def bind(host: str, port: int, *, reuse_port: bool = False,
         listen: bool = True) -> socket.socket:
    """A TCP socket bound to ``host:port`` (port 0: any free port), listening unless
    ``listen=False``; ``reuse_port``: other ``SO_REUSEPORT`` sockets may bind the same port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port} ({exc.strerror})") from None
    if listen:
        sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _reuse_port() -> bool:
    return hasattr(socket, "SO_REUSEPORT") and sys.platform.startswith("linux")


def _server(app: Any, config: ServiceConfig, log_level: str) -> Any:
    uv = _uvicorn()
    loop = "uvloop" if _has("uvloop") else "asyncio"
    http = "httptools" if _has("httptools") else "h11"
    cfg = uv.Config(app, loop=loop, http=http, log_level=log_level, access_log=False,
                    timeout_keep_alive=30, backlog=2048, server_header=False,
                    limit_concurrency=None, timeout_graceful_shutdown=5)
    return uv.Server(cfg)


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def _worker_main(app: Any, config: ServiceConfig, sock: socket.socket, log_level: str) -> None:
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)  # one BLAS thread per worker (as urai.check_many's workers)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us with SIGTERM
    if _reuse_port():
        # a listening socket of our own on the parent's port: the kernel spreads new
        # connections evenly over the workers' sockets (one shared socket lets whichever
        # worker wakes first accept a whole burst of connections)
        host, port = sock.getsockname()[:2]
        sock = bind(host, port, reuse_port=True)
    _server(app, config, log_level).run(sockets=[sock])


def serve(config: ServiceConfig, *, log_level: str = "info",
          ready: Any = None) -> None:
    """Run the service until interrupted. ``ready(host, port)`` is called once listening."""
    from urai.service.app import create_app

    state = ServiceState(config).preload()
    app = create_app(config, state)
    many = config.workers > 1 and _reuse_port()
    # with several workers the parent only holds the port; each worker listens on its own
    sock = bind(config.host, config.port, reuse_port=many, listen=not many)
    host, port = sock.getsockname()[:2]
    if ready is not None and not many:
        ready(host, port)
    if config.workers == 1:
        try:
            _server(app, config, log_level).run(sockets=[sock])
        finally:
            sock.close()
        return
    children: dict[int, int] = {}  # pid -> slot
    stopping = False

    def spawn(slot: int) -> None:
        pid = os.fork()
        if pid == 0:  # the worker
            code = 0
            try:
                _worker_main(app, config, sock, log_level)
            except BaseException:  # noqa: BLE001 - a worker must never return to the parent's code
                import traceback

                traceback.print_exc()
                code = 1
            finally:
                os._exit(code)
        children[pid] = slot

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    for slot in range(config.workers):
        spawn(slot)
    if ready is not None and many:
        _wait_listening(host, port, children)
        ready(host, port)
    recent: list[float] = []
    try:
        while children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            except InterruptedError:  # pragma: no cover - PEP 475 retries
                continue
            slot = children.pop(pid, None)
            if slot is None or stopping:
                continue
            recent = [t for t in recent if time.monotonic() - t < 60] + [time.monotonic()]
            if len(recent) > 5 * config.workers:
                print("urai serve: workers keep dying; stopping", file=sys.stderr)
                stop(signal.SIGTERM, None)
                continue
            print(f"urai serve: worker {pid} exited ({status}); starting another",
                  file=sys.stderr)
            spawn(slot)
    finally:
        sock.close()


def _wait_listening(host: str, port: int, children: dict[int, int]) -> None:
    """Return once a worker accepts connections on ``host:port`` (or a worker died)."""
    target = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection((target, port), timeout=0.5).close()
            return
        except OSError:
            if any(os.waitpid(pid, os.WNOHANG)[0] for pid in children):
                return  # the supervisor loop reports and replaces it
            time.sleep(0.05)


def memory(pid: int) -> dict[str, int]:
    """``rss``, ``pss`` and ``uss`` (private) of a process in bytes (Linux
    ``/proc/PID/smaps_rollup``; PSS shares each copy-on-write page among its users)."""
    out = {"rss": 0, "pss": 0, "uss": 0}
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
            for line in fh:
                key, _, rest = line.partition(":")
                kb = int(rest.split()[0]) * 1024 if rest.strip() else 0
                if key == "Rss":
                    out["rss"] = kb
                elif key == "Pss":
                    out["pss"] = kb
                elif key in ("Private_Clean", "Private_Dirty"):
                    out["uss"] += kb
    except (OSError, ValueError, IndexError):
        pass
    return out
