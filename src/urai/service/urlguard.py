"""Fetching a user-given URL without letting the server be used against its own network.

* only ``http`` and ``https``; no credentials in the URL;
* the host is resolved **once** and every address it resolves to must be public
  (:func:`is_public`: not loopback, private, link-local, shared/CGNAT, multicast, reserved,
  unspecified, nor an IPv4-mapped/6to4/Teredo form of one); the connection then goes to that
  very address (the ``Host`` header and TLS name stay the host's), so a DNS answer that changes
  between the check and the connection (DNS rebinding) cannot redirect it;
* redirects are followed by hand, each new URL checked the same way before connecting;
* one deadline for the whole fetch, a size cap on the body (compressed and decompressed);
* only HTML, XHTML and plain text are accepted.

A refusal is a :class:`~urai.service.errors.UrlRefusedError` (HTTP 422, code ``url_refused``),
raised before any connection is made; a failure of an allowed fetch is a
:class:`~urai.service.errors.UrlFetchError` (HTTP 502).
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from urai.service.errors import UrlFetchError, UrlRefusedError

__all__ = ["UrlPolicy", "Fetched", "is_public", "check_url", "fetch_url"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]

_SCHEMES = {"http": 80, "https": 443}
_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
# shared address space (RFC 6598) and benchmarking (RFC 2544) are not "private" to Python
_EXTRA_BLOCKED = [ipaddress.ip_network(n) for n in
                  ("100.64.0.0/10", "198.18.0.0/15", "192.0.0.0/24", "64:ff9b:1::/48")]


_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def is_public(addr: IPAddress) -> bool:
    """True for a globally routable unicast address (embedded IPv4 forms checked too)."""
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.ipv4_mapped is not None:  # ::ffff:a.b.c.d is a.b.c.d
            return is_public(addr.ipv4_mapped)
        if addr in _NAT64:  # 64:ff9b::a.b.c.d reaches a.b.c.d
            return is_public(ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF))
        for inner in (addr.sixtofour, addr.teredo[1] if addr.teredo else None):
            if inner is not None and not is_public(inner):
                return False
    if (addr.is_loopback or addr.is_private or addr.is_link_local or addr.is_multicast
            or addr.is_reserved or addr.is_unspecified or not addr.is_global):
        return False
    return not any(addr in net for net in _EXTRA_BLOCKED if net.version == addr.version)


def _system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


@dataclass(frozen=True, slots=True)
class UrlPolicy:
    """What :func:`fetch_url` may do. ``allow_private``: every address is allowed;
    ``allow_networks``: these networks are allowed although non-public."""

    allow_private: bool = False
    allow_networks: tuple[str, ...] = ()
    timeout_s: float = 10.0
    max_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5
    user_agent: str = "urai-serve/0.1 (+spun-content check)"

    def allowed(self, addr: IPAddress) -> bool:
        if self.allow_private or is_public(addr):
            return True
        nets = (ipaddress.ip_network(n, strict=False) for n in self.allow_networks)
        return any(addr.version == n.version and addr in n for n in nets)


@dataclass(frozen=True, slots=True)
class Target:
    """A checked URL: where to connect (``ip``) and what to ask for."""

    url: str
    scheme: str
    host: str
    port: int
    ip: str
    path: str


@dataclass(frozen=True, slots=True)
class Fetched:
    """A fetched page: the final URL (after redirects), its type and decoded text."""

    url: str
    content_type: str
    text: str
    redirects: int


def check_url(url: str, policy: UrlPolicy, resolver: Resolver | None = None) -> Target:
    """Parse and resolve ``url``; raise :class:`UrlRefusedError` unless it may be fetched."""
    if not isinstance(url, str) or not url.strip():
        raise UrlRefusedError("the url is empty")
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in url.strip()):
        raise UrlRefusedError("the url contains spaces or control characters; percent-encode "
                              "them")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise UrlRefusedError(f"not a valid URL: {url!r} ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        raise UrlRefusedError(f"URL scheme {parts.scheme or '(none)'!r} not allowed; use "
                              "http or https")
    if parts.username is not None or parts.password is not None:
        raise UrlRefusedError("URLs with credentials (user:password@) are not fetched")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UrlRefusedError(f"no host in URL {url!r}")
    port = port or _SCHEMES[scheme]
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addrs = [str(literal)]
    else:
        try:
            addrs = list((resolver or _system_resolver)(host, port))
        except (OSError, UnicodeError) as exc:
            raise UrlFetchError(f"cannot resolve host {host!r} ({exc})") from None
        if not addrs:
            raise UrlFetchError(f"cannot resolve host {host!r} (no address)")
    checked: list[IPAddress] = []
    for a in addrs:
        try:
            ip = ipaddress.ip_address(a.split("%", 1)[0])  # drop an IPv6 zone id
        except ValueError:
            raise UrlRefusedError(f"host {host!r} resolved to an invalid address {a!r}") from None
        if not policy.allowed(ip):
            # every address must be allowed, or a round-robin answer could pick a bad one
            raise UrlRefusedError(f"host {host!r} resolves to the non-public address {ip}; "
                                  "such URLs are refused (urai serve --allow-private-urls "
                                  "allows them)")
        checked.append(ip)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(url.strip(), scheme, host, port, str(checked[0]), path)


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._ip = target.ip

    def connect(self) -> None:
        self.sock = socket.create_connection((self._ip, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout,
                         context=ssl.create_default_context())
        self._ip = target.ip

    def connect(self) -> None:
        sock = socket.create_connection((self._ip, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def fetch_url(url: str, policy: UrlPolicy, resolver: Resolver | None = None) -> Fetched:
    """Fetch ``url`` under ``policy`` (see the module docstring)."""
    deadline = time.monotonic() + policy.timeout_s
    current = url
    for hop in range(policy.max_redirects + 1):
        target = check_url(current, policy, resolver)
        status, headers, body = _request(target, policy, deadline)
        if status in (301, 302, 303, 307, 308):
            loc = headers.get("location")
            if not loc:
                raise UrlFetchError(f"{current}: redirect ({status}) without a Location")
            current = urljoin(current, loc)
            continue
        if not 200 <= status < 300:
            raise UrlFetchError(f"{current}: the server answered HTTP {status}")
        ctype = headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype and ctype not in _TYPES:
            raise UrlFetchError(f"{current}: content type {ctype!r} is not HTML or text")
        return Fetched(current, ctype or "text/html", _decode(body, headers), hop)
    raise UrlFetchError(f"{url}: more than {policy.max_redirects} redirects")


def _remaining(deadline: float, url: str) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise UrlFetchError(f"{url}: fetching took too long")
    return left


def _request(target: Target, policy: UrlPolicy,
             deadline: float) -> tuple[int, dict[str, str], bytes]:
    cls = _PinnedHTTPS if target.scheme == "https" else _PinnedHTTP
    conn = cls(target, _remaining(deadline, target.url))
    try:
        conn.request("GET", target.path, headers={
            "User-Agent": policy.user_agent, "Accept": "text/html, text/plain;q=0.9",
            "Accept-Encoding": "gzip, identity", "Connection": "close"})
        resp = conn.getresponse()
        headers = {k.lower(): v for k, v in resp.getheaders()}
        if resp.status in (301, 302, 303, 307, 308):
            return resp.status, headers, b""
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > policy.max_bytes:
            raise UrlFetchError(f"{target.url}: the page is larger than the limit "
                                f"({int(length)} > {policy.max_bytes} bytes)")
        gz = headers.get("content-encoding", "").strip().lower() in ("gzip", "x-gzip")
        inflate = zlib.decompressobj(16 + zlib.MAX_WBITS) if gz else None
        chunks: list[bytes] = []
        size = 0
        while True:
            if conn.sock is not None:
                conn.sock.settimeout(_remaining(deadline, target.url))
            block = resp.read(65536)
            if not block:
                break
            if inflate is not None:
                block = inflate.decompress(block, policy.max_bytes + 1 - size)
            size += len(block)
            if size > policy.max_bytes:
                raise UrlFetchError(f"{target.url}: the page is larger than the limit "
                                    f"({policy.max_bytes} bytes)")
            chunks.append(block)
        return resp.status, headers, b"".join(chunks)
    except (OSError, http.client.HTTPException, zlib.error) as exc:
        if isinstance(exc, TimeoutError | socket.timeout):
            raise UrlFetchError(f"{target.url}: fetching took too long") from None
        raise UrlFetchError(f"{target.url}: cannot fetch ({type(exc).__name__}: {exc})") \
            from None
    finally:
        conn.close()


def _decode(body: bytes, headers: dict[str, str]) -> str:
    ctype = headers.get("content-type", "")
    charset = "utf-8"
    for part in ctype.split(";")[1:]:
        k, _, v = part.strip().partition("=")
        if k.lower() == "charset" and v:
            charset = v.strip("\"' ")
    try:
        return body.decode(charset, errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")
