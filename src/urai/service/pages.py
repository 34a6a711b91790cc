"""The web page (Periksa, Sumber, Keluarga), the downloadable report, the local Swagger UI
at ``/docs`` and the static files.

Pages are jinja2 templates with autoescaping; the browser code (``static/app.js``) puts every
user-supplied or server-computed string into the page with ``textContent``, never as markup,
and a strict Content-Security-Policy (scripts and styles from this server only) backs that
up. Every ``src``/``href`` is relative to this server: the Swagger UI assets come from the
``fastapi-offline`` package, the favicon from ``static/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Query
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.staticfiles import StaticFiles

from urai.errors import MissingDependencyError
from urai.service.errors import NotFoundError
from urai.service.http import SECURITY_HEADERS
from urai.service.i18n import strings
from urai.service.inputs import ready
from urai.service.models import ERRORS, CheckIn
from urai.service.state import Deadline, ServiceState

__all__ = ["install_pages", "PAGE_CSP", "DOCS_CSP"]

HERE = Path(__file__).resolve().parent
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
# Swagger UI sets inline styles; its scripts still come from this server only
DOCS_CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'")
_SWAGGER_FILES = {"swagger-ui.css": "text/css", "swagger-ui-bundle.js": "text/javascript"}


def _templates() -> Any:
    try:
        import jinja2
    except ImportError:
        raise MissingDependencyError.for_extra("jinja2", "service") from None
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE / "templates")),
                              autoescape=True, trim_blocks=True, lstrip_blocks=True)


def swagger_dir() -> Path:
    """The Swagger UI 5 assets shipped by the ``fastapi-offline`` package (Swagger UI is
    Apache-2.0; swagger-ui-bundle's 4.x cannot render the OpenAPI 3.1 FastAPI writes)."""
    try:
        import fastapi_offline
    except ImportError:
        raise MissingDependencyError.for_extra("fastapi_offline", "service") from None
    return Path(fastapi_offline.__file__).resolve().parent / "static"


def install_pages(app: FastAPI, st: ServiceState) -> None:
    env = _templates()
    cfg = st.config

    def page(name: str, lang: str | None, **extra: Any) -> HTMLResponse:
        code, t = strings(lang)
        html = env.get_template(name).render(
            t=t, lang=code, has_index=st.has_index, has_families=cfg.families is not None,
            page=name.removesuffix(".html"), **extra)
        return HTMLResponse(html, headers={**SECURITY_HEADERS,
                                           "content-security-policy": PAGE_CSP})

    @app.get("/", include_in_schema=False)
    async def check_page(lang: str | None = Query(None)) -> HTMLResponse:
        return page("check.html", lang)

    @app.get("/sumber", include_in_schema=False)
    async def sources_page(lang: str | None = Query(None)) -> HTMLResponse:
        if not st.has_index:
            raise NotFoundError("no index configured on this server (urai serve --db INDEX)")
        return page("sources.html", lang)

    @app.get("/keluarga", include_in_schema=False)
    async def families_page(lang: str | None = Query(None)) -> HTMLResponse:
        if cfg.families is None:
            raise NotFoundError("no cluster output configured (urai serve --families DIR)")
        return page("families.html", lang)

    @app.post("/v1/report", tags=["check"], response_class=HTMLResponse, responses=ERRORS,
              summary="The check of one document as a self-contained HTML report")
    async def report(body: CheckIn, lang: str | None = Query(None)) -> Response:
        if body.documents is not None:
            from urai.errors import InputError

            raise InputError("a report covers one document; give text, html or url")
        deadline = Deadline(cfg.timeout_s)
        item = await ready(st, body.docs()[0], deadline)
        det = st.detector
        result = await st.detect(deadline, lambda: det.check(item[2], html=item[3]),
                                 size=len(item[2]))
        code, t = strings(lang)
        html = env.get_template("report.html").render(
            t=t, lang=code, source=item[0], result=result, pieces=_pieces(result),
            probability=None if result.spun_probability is None
            else f"{result.spun_probability:.2f}")
        return HTMLResponse(html, headers={
            **SECURITY_HEADERS, "content-security-policy": PAGE_CSP,
            "content-disposition": 'attachment; filename="urai-report.html"'})

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        html = env.get_template("docs.html").render()
        return HTMLResponse(html, headers={**SECURITY_HEADERS, "content-security-policy":
                                           DOCS_CSP})

    @app.get("/docs/assets/{name}", include_in_schema=False)
    async def swagger_asset(name: str) -> Response:
        if name not in _SWAGGER_FILES:
            raise NotFoundError(f"no such asset: {name}")
        return FileResponse(swagger_dir() / name, media_type=_SWAGGER_FILES[name],
                            headers={"cache-control": "public, max-age=86400"})

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:
        return FileResponse(HERE / "static" / "favicon.svg", media_type="image/svg+xml")

    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")


def _pieces(result: Any) -> list[tuple[str, Any]]:
    """The checked text cut at the substitutions: ``("text", str)`` and ``("sub", s)``."""
    out: list[tuple[str, Any]] = []
    pos = 0
    for s in sorted(result.substitutions, key=lambda s: s.start):
        out.append(("text", result.text[pos:s.start]))
        out.append(("sub", s))
        pos = s.end
    out.append(("text", result.text[pos:]))
    return out

