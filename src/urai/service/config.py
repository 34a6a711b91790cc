"""``ServiceConfig``: every setting of ``urai serve``, validated at creation."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

from urai.errors import ConfigError

__all__ = ["ServiceConfig", "parse_size"]

_UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1024, "m": 1024**2, "mb": 1024**2, "g": 1024**3,
          "gb": 1024**3}


def parse_size(value: str | int) -> int:
    """``10MB``, ``512k``, ``2048`` -> bytes (binary units)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    s = str(value).strip().lower().replace(" ", "")
    num = s.rstrip("kmgb")
    unit = s[len(num):]
    try:
        n = float(num)
    except ValueError:
        raise ConfigError(f"not a size: {value!r} (examples: 10MB, 512KB, 2048)") from None
    if unit not in _UNITS:
        raise ConfigError(f"unknown size unit in {value!r} (use B, KB, MB or GB)")
    return int(n * _UNITS[unit])


def _positive(name: str, value: object, lo: float, hi: float, integer: bool = False) -> None:
    ok = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok or not lo <= value <= hi:  # type: ignore[operator]
        kind = "an integer" if integer else "a number"
        raise ConfigError(f"{name} must be {kind} in [{lo}, {hi}], got {value!r}")


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    """Settings of the HTTP service (``urai serve`` options)."""

    host: str = "127.0.0.1"
    port: int = 8000
    #: source index (SQLite, ``urai index add``) for ``/v1/trace`` and the Sumber page
    db: Path | None = None
    #: a ``urai cluster`` output directory for ``/v1/families`` and the Keluarga page
    families: Path | None = None
    #: server processes (each has its own detector; the detector checks one text at a time)
    workers: int = 1
    #: bearer token enabling ``POST /v1/index`` and ``DELETE /v1/index/{id}`` (None: disabled)
    token: str | None = field(default=None, repr=False)
    #: largest request body accepted (413 above)
    max_body_bytes: int = 10 * 1024 * 1024
    #: time limit of one request, URL fetching included (504 past it)
    timeout_s: float = 30.0
    #: documents per batch request
    max_batch: int = 64
    #: fetch URLs whose host is loopback/private/link-local (never on a public server)
    allow_private_urls: bool = False
    #: networks allowed although non-public (finer than ``allow_private_urls``; for tests)
    allow_networks: tuple[str, ...] = ()
    url_timeout_s: float = 10.0
    url_max_bytes: int = 5 * 1024 * 1024
    url_max_redirects: int = 5
    #: language model file instead of the shipped one
    lm: Path | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.host, str) or not self.host:
            raise ConfigError(f"host must be a non-empty string, got {self.host!r}")
        _positive("port", self.port, 0, 65535, integer=True)
        _positive("workers", self.workers, 1, 64, integer=True)
        _positive("max_body_bytes", self.max_body_bytes, 1024, 1024**3, integer=True)
        _positive("timeout_s", self.timeout_s, 0.001, 3600)
        _positive("max_batch", self.max_batch, 1, 10_000, integer=True)
        _positive("url_timeout_s", self.url_timeout_s, 0.01, 600)
        _positive("url_max_bytes", self.url_max_bytes, 1024, 1024**3, integer=True)
        _positive("url_max_redirects", self.url_max_redirects, 0, 20, integer=True)
        if not isinstance(self.allow_private_urls, bool):
            raise ConfigError("allow_private_urls must be True or False")
        for net in self.allow_networks:
            try:
                ipaddress.ip_network(net, strict=False)
            except ValueError:
                raise ConfigError(f"allow_networks: not a network: {net!r}") from None
        if self.token is not None and (not isinstance(self.token, str)
                                       or len(self.token) < 16 or not self.token.isprintable()
                                       or " " in self.token):
            raise ConfigError("the token must be at least 16 printable characters without "
                              "spaces (e.g. `python -c 'import secrets; "
                              "print(secrets.token_urlsafe())'`)")
        for name in ("db", "families", "lm"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, Path(value))
        if self.db is not None and not self.db.is_file() and self.token is None:
            raise ConfigError(f"{self.db}: no such index; build it with `urai index add --db "
                              f"{self.db} FILE...` (or set a token to fill it over HTTP)")
        if self.families is not None and not (self.families / "families.parquet").is_file():
            raise ConfigError(f"{self.families}: not a `urai cluster` output directory "
                              "(no families.parquet)")
        if self.lm is not None and not self.lm.is_file():
            raise ConfigError(f"{self.lm}: no such language model file")
