"""Fixtures of the service tests: real ``urai serve`` processes on loopback ports, a small
source index, a small ``urai cluster`` output written with pyarrow, and a loopback web server
that plays the pages the URL tests fetch."""

from __future__ import annotations

import gzip
import http.server
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
TOKEN = "test-token-0123456789abcdef"
HOSTILE = ('<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
           '"\'><svg onload=window.__xss=3>&amp;')


def output_dir() -> Path:
    """Where screenshots go (``URAI_TEST_OUTPUT``, default ``build/test-output/service``)."""
    out = Path(os.environ.get("URAI_TEST_OUTPUT", ROOT / "build" / "test-output")) / "service"
    out.mkdir(parents=True, exist_ok=True)
    return out


@dataclass
class Server:
    url: str
    proc: subprocess.Popen[bytes]
    log: Path

    def client(self, **kw: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, **kw)  # type: ignore[arg-type]


def start_server(tmp: Path, *args: str, token: str | None = None) -> Server:
    log = tmp / f"serve-{len(list(tmp.glob('serve-*')))}.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("URAI_SERVE_TOKEN", None)
    if token:
        env["URAI_SERVE_TOKEN"] = token
    fh = open(log, "wb")  # noqa: SIM115 - kept open for the server's lifetime
    proc = subprocess.Popen([sys.executable, "-m", "urai.cli.serve", "--port", "0", *args],
                            stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=tmp,
                            start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        m = re.search(r"listening on (http://[\d.]+:\d+)/", log.read_text(errors="replace"))
        if m:
            url = m.group(1)
            while time.monotonic() < deadline:
                try:
                    if httpx.get(url + "/v1/health", timeout=2).status_code == 200:
                        return Server(url, proc, log)
                except httpx.HTTPError:
                    time.sleep(0.1)
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"urai serve did not start: {log.read_text(errors='replace')[-2000:]}")


def stop_server(server: Server) -> None:
    if server.proc.poll() is None:
        os.killpg(server.proc.pid, signal.SIGTERM)
        try:
            server.proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(server.proc.pid, signal.SIGKILL)
            server.proc.wait(5)


# ---- data -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Corpus:
    source: str
    copy: str  # the source spun at 30 % (indexed too, as a family member)
    other: str
    query: str  # another spin of the source, in no index


@pytest.fixture(scope="session")
def corpus() -> Corpus:
    import urai

    source = (EXAMPLES / "clean_article.txt").read_text(encoding="utf-8")
    copy = urai.spin(source, rate=0.3, seed=1).text
    return Corpus(source, copy, (EXAMPLES / "spun_article.txt").read_text(encoding="utf-8"),
                  urai.spin(source, rate=0.3, seed=5).text)


@pytest.fixture(scope="session")
def index_db(tmp_path_factory: pytest.TempPathFactory, corpus: Corpus) -> Path:
    from urai import Index, Record

    db = tmp_path_factory.mktemp("index") / "news.db"
    with Index(db) as idx:
        idx.add([Record("src-1", corpus.source, title="Xbox One UI " + HOSTILE,
                        url="https://example.com/xbox"),
                 Record("other-1", corpus.other, title="Kisah cinta"),
                 Record("copy-1", corpus.copy, title="Salinan " + HOSTILE,
                        url="javascript:window.__xss=4")])
    return db


@pytest.fixture(scope="session")
def families_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = tmp_path_factory.mktemp("cluster")
    docs = pa.table({
        "id": ["src-1", "copy-1", "dup-1", "other-1"],
        "family_id": ["f1", "f1", "f1", "f2"],
        "role": ["original", "copy", "exact_duplicate", "unique"],
        "original_id": [None, "src-1", "src-1", None],
        "coverage": [1.0, 0.91, 1.0, None],
        "score": [1.0, 0.9, 1.0, None],
        "spun_probability": [0.02, 0.99, 0.02, 0.5],
        "swaps": [[], [{"observed": "kealokasi", "original": "kebagian"}], [], []],
        "reason": ["earliest", "spun copy " + HOSTILE, "same text", "alone"],
    })
    fams = pa.table({
        "family_id": ["f1", "f2"], "size": [3, 1], "original": ["src-1", "other-1"],
        "members": [["src-1", "copy-1", "dup-1"], ["other-1"]],
        "sites": [["example.com", "farm.example " + HOSTILE], ["example.org"]],
    })
    pq.write_table(docs, out / "documents.parquet")
    pq.write_table(fams, out / "families.parquet")
    (out / "summary.json").write_text('{"documents": 4, "families": 2}', encoding="utf-8")
    return out


# ---- servers ----------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, index_db: Path,
           families_dir: Path) -> Iterator[Server]:
    """The main server: index (writable with TOKEN), families, 2 workers, no private URLs."""
    s = start_server(tmp_path_factory.mktemp("main"), "--db", str(index_db), "--families",
                     str(families_dir), "--workers", "2", "--max-batch", "8", token=TOKEN)
    yield s
    stop_server(s)


@pytest.fixture(scope="session")
def open_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server allowed to fetch private URLs (the loopback test pages)."""
    s = start_server(tmp_path_factory.mktemp("open"), "--allow-private-urls")
    yield s
    stop_server(s)


@pytest.fixture(scope="session")
def tight_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Small limits: 1 MB bodies, 0.15 s per request."""
    s = start_server(tmp_path_factory.mktemp("tight"), "--max-body", "1MB", "--timeout", "0.15")
    yield s
    stop_server(s)


# ---- the loopback pages the URL tests fetch ---------------------------------------------------
@dataclass
class Pages:
    url: str
    requests: list[tuple[str, str]] = field(default_factory=list)  # (path, Host header)


ARTICLE_HTML = """<!doctype html><html><head><title>Koalisi menyerang</title></head><body>
<nav>Beranda | Politik</nav><article><h1>Serangan udara koalisi</h1>
<p>{body}</p></article><footer>Hak cipta</footer></body></html>"""


@pytest.fixture(scope="session")
def pages(corpus: Corpus) -> Iterator[Pages]:
    state = Pages("")
    article = ARTICLE_HTML.format(body=corpus.other.replace("\n\n", "</p><p>")).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _send(self, code: int, body: bytes, ctype: str = "text/html; charset=utf-8",
                  extra: dict[str, str] | None = None) -> None:
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (the timeout tests)

        def do_GET(self) -> None:  # noqa: N802
            state.requests.append((self.path, self.headers.get("Host", "")))
            path, _, query = self.path.partition("?")
            if path == "/article.html":
                self._send(200, article)
            elif path == "/plain.txt":
                self._send(200, corpus.other.encode(), "text/plain; charset=utf-8")
            elif path == "/redirect":
                self._send(302, b"", extra={"Location": query.removeprefix("to=")})
            elif path == "/loop":
                self._send(302, b"", extra={"Location": "/loop"})
            elif path == "/big":
                self._send(200, b"<p>" + b"kata " * 400_000 + b"</p>")
            elif path == "/bomb":
                self._send(200, gzip.compress(b"<p>" + b"a" * 30_000_000),
                           extra={"Content-Encoding": "gzip"})
            elif path == "/pdf":
                self._send(200, b"%PDF-1.4", "application/pdf")
            elif path == "/slow":
                time.sleep(1.5)
                self._send(200, article)
            elif path == "/missing":
                self._send(404, b"no")
            else:
                self._send(404, b"no")

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()
