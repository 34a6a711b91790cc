"""The HTTP layer's own errors: subclasses of urai's hierarchy, so every failure of the API
answers with :meth:`~urai.errors.UraiError.to_dict` and :attr:`~urai.errors.UraiError.http_status`
(``{"error": {"code", "message"}}``), FastAPI's and Starlette's own 404/405/422 included."""

from __future__ import annotations

from urai.errors import InputError, UraiError

__all__ = ["UrlRefusedError", "UrlFetchError", "BodyTooLargeError", "RequestTimeoutError",
           "UnauthorizedError", "NotFoundError", "MethodNotAllowedError", "DisabledError",
           "HTTP_CODES"]


class UrlRefusedError(InputError):
    """A URL the guard will not fetch: scheme not allowed, credentials in it, or a host that
    resolves to a loopback, private, link-local or otherwise non-public address."""

    code = "url_refused"


class UrlFetchError(UraiError):
    """The page behind an allowed URL could not be fetched (network error, HTTP error status,
    too many redirects, too big, not HTML/text, too slow)."""

    code = "url_fetch_failed"
    exit_code = 2
    http_status = 502


class BodyTooLargeError(UraiError):
    code = "too_large"
    exit_code = 2
    http_status = 413


class RequestTimeoutError(UraiError):
    code = "timeout"
    http_status = 504


class UnauthorizedError(UraiError):
    code = "unauthorized"
    exit_code = 2
    http_status = 401


class NotFoundError(UraiError):
    code = "not_found"
    exit_code = 2
    http_status = 404


class MethodNotAllowedError(UraiError):
    code = "method_not_allowed"
    exit_code = 2
    http_status = 405


class DisabledError(UraiError):
    """An endpoint that this server was not configured for (no index, no cluster output, no
    token for the writing endpoints)."""

    code = "disabled"
    exit_code = 2
    http_status = 404


#: HTTP status -> error code for the statuses Starlette/FastAPI raise themselves
HTTP_CODES = {400: "bad_request", 401: UnauthorizedError.code, 403: "forbidden",
              404: NotFoundError.code, 405: MethodNotAllowedError.code,
              413: BodyTooLargeError.code, 422: InputError.code, 504: RequestTimeoutError.code}
