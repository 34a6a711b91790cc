"""The HTTP plumbing shared by the API and the pages: JSON bytes responses, the one error
shape for every failure (urai's errors, Starlette's HTTP errors, FastAPI's validation errors,
anything unexpected) and the request-body limit (pure ASGI, so it costs nothing per request
and answers 413 before a large body is read)."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from urai.errors import InputError, UraiError
from urai.jsonable import to_jsonable
from urai.service.errors import HTTP_CODES, BodyTooLargeError

__all__ = ["json_bytes", "json_response", "error_body", "install_error_handlers", "BodyLimit",
           "SECURITY_HEADERS"]

log = logging.getLogger("urai.service")

SECURITY_HEADERS = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer"}


def json_bytes(obj: Any, *, ready: bool = False) -> bytes:
    """``obj`` as compact UTF-8 JSON, through :func:`~urai.jsonable.to_jsonable` (as the CLI
    prints it). ``ready``: ``obj`` is made of ``to_dict()`` output already rounded, so the walk
    is skipped (it costs more than the encoding) unless the value needs it (a NaN, a type
    JSON lacks)."""
    if ready:
        try:
            return json.dumps(obj, ensure_ascii=False, separators=(",", ":"),
                              allow_nan=False).encode()
        except (TypeError, ValueError):
            pass
    return json.dumps(to_jsonable(obj), ensure_ascii=False, separators=(",", ":")).encode()


def json_response(body: bytes | Any, status: int = 200,
                  headers: dict[str, str] | None = None) -> Response:
    data = body if isinstance(body, bytes) else json_bytes(body)
    return Response(data, status_code=status, media_type="application/json",
                    headers={**SECURITY_HEADERS, **(headers or {})})


def error_body(code: str, message: str) -> dict[str, dict[str, str]]:
    return {"error": {"code": code, "message": message}}


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        loc = ".".join(str(x) for x in err.get("loc", ()) if x != "body") or "body"
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}")
    more = len(exc.errors()) - 3
    return "invalid request: " + "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


def install_error_handlers(app: FastAPI) -> None:
    async def urai_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, UraiError)
        headers = {"www-authenticate": "Bearer"} if exc.http_status == 401 else None
        return json_response(exc.to_dict(), exc.http_status, headers)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        code = HTTP_CODES.get(exc.status_code, "http_error")
        detail = exc.detail if isinstance(exc.detail, str) else "request refused"
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no such endpoint: {request.method} {request.url.path}"
        elif exc.status_code == 405:
            detail = f"method {request.method} not allowed on {request.url.path}"
        return json_response(error_body(code, detail), exc.status_code,
                             dict(exc.headers or {}))

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return json_response(error_body(InputError.code, _validation_message(exc)), 422)

    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return json_response(error_body("internal_error", f"unexpected {type(exc).__name__}; "
                                        "this is a bug in urai, please report it"), 500)

    app.add_exception_handler(UraiError, urai_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, unexpected)


class BodyLimit:
    """Answer 413 to a request whose body is over ``limit`` bytes: at once from its
    ``Content-Length``, or as soon as a chunked body passes the limit."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for key, value in scope["headers"]:
            if key == b"content-length":
                if not value.isdigit():
                    await self._send(send, 400, "bad_request", "invalid Content-Length")
                    return
                if int(value) > self.limit:
                    await self._send(send, 413, BodyTooLargeError.code, self._message())
                    return
                break
        seen = 0
        refused = False
        started = False

        async def limited() -> Message:
            nonlocal seen, refused
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.limit and not refused:
                    refused = True
                    if not started:
                        await self._send(send, 413, BodyTooLargeError.code, self._message())
                    return {"type": "http.disconnect"}
            return msg

        async def guarded_send(msg: Message) -> None:
            nonlocal started
            if refused:  # the 413 went out; whatever the app says after is dropped
                return
            if msg["type"] == "http.response.start":
                started = True
            await send(msg)

        try:
            await self.app(scope, limited, guarded_send)
        except Exception:
            if not refused:
                raise

    def _message(self) -> str:
        return f"request body larger than the limit ({self.limit} bytes)"

    @staticmethod
    async def _send(send: Send, status: int, code: str, message: str) -> None:
        body = json_bytes(error_body(code, message))
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
            (b"x-content-type-options", b"nosniff"), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})
