"""The URL guard: literal and resolved addresses, schemes, pinning, redirects, limits.

The only live target is the loopback test server (``pages``), reached with an explicit
allow (``allow_networks=("127.0.0.1/32",)``); every other address is refused before any
connection, which the recorded ``socket.create_connection`` calls show."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from urai.service import urlguard
from urai.service.errors import UrlFetchError, UrlRefusedError
from urai.service.urlguard import UrlPolicy, check_url, fetch_url, is_public

NON_PUBLIC = ["127.0.0.1", "127.8.9.10", "10.0.0.1", "172.16.5.4", "172.31.255.255",
              "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1",
              "255.255.255.255", "192.0.0.8", "198.18.0.1", "240.0.0.1", "::1", "::",
              "fc00::1", "fd12:3456::1", "fe80::1", "ff02::1", "::ffff:127.0.0.1",
              "::ffff:10.0.0.1", "2002:7f00:1::1", "64:ff9b::a00:1", "2001:db8::1"]
PUBLIC = ["8.8.8.8", "1.1.1.1", "203.0.114.1", "2001:4860:4860::8888", "::ffff:8.8.8.8",
          "64:ff9b::808:808"]


@pytest.mark.parametrize("addr", NON_PUBLIC)
def test_non_public_addresses_are_not_public(addr: str) -> None:
    assert not is_public(ipaddress.ip_address(addr))


@pytest.mark.parametrize("addr", PUBLIC)
def test_public_addresses_are_public(addr: str) -> None:
    assert is_public(ipaddress.ip_address(addr))


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every address the guard connects to (the real connection still happens)."""
    seen: list[tuple[str, int]] = []
    real = socket.create_connection

    def recording(addr: tuple[str, int], *a: object, **kw: object) -> socket.socket:
        seen.append(addr)
        return real(addr, *a, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(urlguard.socket, "create_connection", recording)
    return seen


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/", "http://[::1]:8080/x", "http://10.1.2.3/", "https://169.254.169.254/latest",
    "http://0.0.0.0:80/", "http://[::ffff:127.0.0.1]/", "http://2130706433/", "http://0x7f.1/",
    "http://localhost/", "http://LOCALHOST./admin"])
def test_literal_and_resolved_private_urls_are_refused_without_connecting(
        url: str, connections: list[tuple[str, int]]) -> None:
    with pytest.raises(UrlRefusedError) as err:
        fetch_url(url, UrlPolicy())
    assert err.value.code == "url_refused" and err.value.http_status == 422
    assert connections == []


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/a", "gopher://x/",
                                 "javascript:alert(1)", "data:text/html,hi", "example.com/a",
                                 "http://user:pw@example.com/", "http:///nohost", "",
                                 "http://8.8.8.8/a\r\nX-Injected: 1", "http://8.8.8.8/a b",
                                 "http://[::1", "http://8.8.8.8:99999/"])
def test_bad_schemes_and_shapes_are_refused(url: str, connections: list) -> None:
    with pytest.raises(UrlRefusedError):
        fetch_url(url, UrlPolicy())
    assert connections == []


def test_every_resolved_address_must_be_public(connections: list) -> None:
    # a round-robin answer with one private address is refused as a whole
    def resolver(host: str, port: int) -> list[str]:
        return ["8.8.8.8", "10.0.0.7"]

    with pytest.raises(UrlRefusedError, match="10.0.0.7"):
        fetch_url("http://news.example/a", UrlPolicy(), resolver)
    assert connections == []


def test_check_url_pins_the_resolved_address() -> None:
    target = check_url("https://news.example:8443/a?b=1", UrlPolicy(),
                       lambda h, p: ["93.184.216.34"])
    assert (target.host, target.port, target.ip, target.path) == (
        "news.example", 8443, "93.184.216.34", "/a?b=1")


def test_the_connection_goes_to_the_address_that_was_checked(pages, connections) -> None:
    # DNS rebinding: the first answer is checked and used; a later, different answer
    # (here a private address) is never asked for, so it cannot redirect the connection
    answers = iter([["127.0.0.1"], ["10.0.0.1"]])
    calls: list[str] = []

    def rebinding(host: str, port: int) -> list[str]:
        calls.append(host)
        return next(answers)

    port = int(pages.url.rsplit(":", 1)[1])
    page = fetch_url(f"http://rebind.test:{port}/plain.txt",
                     UrlPolicy(allow_networks=("127.0.0.1/32",)), rebinding)
    assert calls == ["rebind.test"]
    assert connections == [("127.0.0.1", port)]
    assert pages.requests[-1] == ("/plain.txt", f"rebind.test:{port}")
    assert page.content_type == "text/plain" and "Tajudin" in page.text


def test_allowed_loopback_page_is_fetched(pages) -> None:
    page = fetch_url(pages.url + "/article.html", UrlPolicy(allow_networks=("127.0.0.1/32",)))
    assert page.content_type == "text/html" and "Serangan udara koalisi" in page.text


@pytest.mark.parametrize("target", ["http://10.0.0.1/", "http://169.254.169.254/meta",
                                    "http://127.0.0.2:9/", "file:///etc/passwd",
                                    "http://[::1]:9/"])
def test_redirects_are_checked_again(pages, connections, target: str) -> None:
    policy = UrlPolicy(allow_networks=("127.0.0.1/32",))
    port = int(pages.url.rsplit(":", 1)[1])
    with pytest.raises(UrlRefusedError):
        fetch_url(f"{pages.url}/redirect?to={target}", policy)
    # one connection: to the allowed test server; none to where it redirected
    assert connections == [("127.0.0.1", port)]


def test_redirect_to_an_allowed_page_is_followed(pages) -> None:
    page = fetch_url(f"{pages.url}/redirect?to=/plain.txt",
                     UrlPolicy(allow_networks=("127.0.0.1/32",)))
    assert page.redirects == 1 and page.url.endswith("/plain.txt")


def test_too_many_redirects(pages) -> None:
    with pytest.raises(UrlFetchError, match="redirects"):
        fetch_url(f"{pages.url}/loop", UrlPolicy(
            allow_networks=("127.0.0.1/32",), max_redirects=3))


@pytest.mark.parametrize("path, message", [
    ("/big", "larger than the limit"), ("/bomb", "larger than the limit"),
    ("/pdf", "not HTML or text"), ("/missing", "HTTP 404"), ("/slow", "too long")])
def test_fetch_limits(pages, path: str, message: str) -> None:
    policy = UrlPolicy(allow_networks=("127.0.0.1/32",), max_bytes=1_000_000, timeout_s=0.5)
    with pytest.raises(UrlFetchError, match=message) as err:
        fetch_url(pages.url + path, policy)
    assert err.value.http_status == 502
