"""``urai serve`` as a command: bad options are one-line errors; worker supervision;
``ServiceConfig`` validation."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.service.conftest import start_server, stop_server
from urai.errors import ConfigError
from urai.service.config import ServiceConfig, parse_size


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "urai.cli.serve", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=60,
                          env={k: v for k, v in os.environ.items() if k != "URAI_SERVE_TOKEN"})


@pytest.mark.parametrize("args, message", [
    (["--workers", "0"], "workers must be"),
    (["--db", "missing.db"], "no such index"),
    (["--families", "."], "not a `urai cluster` output"),
    (["--max-body", "ten"], "not a size"),
    (["--timeout", "0"], "timeout_s must be"),
    (["--token", "short"], "at least 16"),
    (["--port", "70000"], "port must be")])
def test_bad_options_are_one_line_errors(tmp_path: Path, args: list[str], message: str) -> None:
    proc = run_cli(*args, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_port_in_use(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        proc = run_cli("--port", str(s.getsockname()[1]), cwd=tmp_path)
    assert proc.returncode == 2 and "cannot listen" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_dead_worker_is_replaced(tmp_path: Path) -> None:
    server = start_server(tmp_path, "--workers", "2")
    try:
        from tests.service.test_api import _children

        before = _children(server.proc.pid)
        assert len(before) == 2
        os.kill(before[0], signal.SIGKILL)
        deadline = time.monotonic() + 30
        after = before
        while time.monotonic() < deadline:
            after = _children(server.proc.pid)
            if len(after) == 2 and before[0] not in after:
                break
            time.sleep(0.2)
        assert len(after) == 2 and before[0] not in after and before[1] in after
        assert httpx.get(server.url + "/v1/health").json()["status"] == "ok"
    finally:
        stop_server(server)
    assert server.proc.returncode == 0


def test_config_validation() -> None:
    assert parse_size("10MB") == 10 * 1024 * 1024 and parse_size("512k") == 512 * 1024
    assert parse_size(2048) == 2048
    for bad in ({"workers": 0}, {"max_body_bytes": 10}, {"timeout_s": -1}, {"port": -1},
                {"allow_networks": ("nonsense",)}, {"token": "has space in it 1234567"},
                {"max_batch": True}, {"allow_private_urls": "yes"}):
        with pytest.raises(ConfigError):
            ServiceConfig(**bad)  # type: ignore[arg-type]
    cfg = ServiceConfig(token="x" * 20)
    assert "x" * 20 not in repr(cfg)
    with pytest.raises(AttributeError):
        cfg.port = 1  # type: ignore[misc]
