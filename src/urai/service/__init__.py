"""The HTTP service (``urai serve``; ``pip install 'urai[service]'``): a versioned JSON API
(``/v1/check``, ``/v1/restore``, ``/v1/screen``, ``/v1/trace``, ``/v1/index``,
``/v1/families``, ``/v1/health``, ``/v1/resources``) and a web page for newsrooms (Periksa,
Sumber, Keluarga), over the same Python API and result dictionaries as the CLI.

Modules: :mod:`~urai.service.config` (``ServiceConfig``), :mod:`~urai.service.app` (the
FastAPI app factory), :mod:`~urai.service.state` (per-process models and lanes),
:mod:`~urai.service.urlguard` (safe URL fetching), :mod:`~urai.service.pages` (HTML),
:mod:`~urai.service.runner` (worker processes). Importing this package imports none of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["ServiceConfig", "create_app"]

if TYPE_CHECKING:  # pragma: no cover
    from urai.service.app import create_app
    from urai.service.config import ServiceConfig


def __getattr__(name: str) -> Any:
    if name == "ServiceConfig":
        from urai.service.config import ServiceConfig

        return ServiceConfig
    if name == "create_app":
        from urai.service.app import create_app

        return create_app
    raise AttributeError(f"module 'urai.service' has no attribute {name!r}")
