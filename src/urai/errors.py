"""One error hierarchy for urai.

Every error urai raises on purpose is a :class:`UraiError`. Messages name the bad value and
say how to fix it; the CLI prints them as one line and exits non-zero, the HTTP layer
(:mod:`urai.service`) answers them with :attr:`UraiError.http_status` and
:meth:`UraiError.to_dict` as the body.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class UraiError(Exception):
    """Base class of every error urai raises on purpose."""

    #: short machine-readable code used by the CLI and HTTP layers
    code = "urai_error"
    #: CLI exit status
    exit_code = 1
    #: HTTP status of this error in the API
    http_status = 500

    def to_dict(self) -> dict[str, dict[str, str]]:
        """``{"error": {"code", "message"}}``: the one error shape of the JSON outputs (CLI
        ``--json`` and ``-o`` lines add the record's ``source``) and the HTTP API."""
        return {"error": {"code": self.code, "message": str(self)}}


class InputError(UraiError):
    """The user's input cannot be processed (empty, binary, undecodable, malformed)."""

    code = "bad_input"
    exit_code = 2
    http_status = 422


class ConfigError(UraiError, ValueError):
    """A configuration value is out of range or of the wrong kind."""

    code = "bad_config"
    exit_code = 2
    http_status = 422


class ResourceError(UraiError):
    """A language resource (thesaurus, language model, index file) is missing or corrupt."""

    code = "bad_resource"
    exit_code = 3
    http_status = 503


class ProcessingError(UraiError):
    """An unexpected failure while processing one record of a batch (a bug in urai); batch
    jobs report it for that record and go on."""

    code = "internal_error"
    exit_code = 1


class MissingDependencyError(UraiError, ImportError):
    """An optional dependency is not installed; the message gives the pip command."""

    code = "missing_dependency"
    exit_code = 3
    http_status = 503

    @classmethod
    def for_extra(cls, module: str, extra: str) -> MissingDependencyError:
        return cls(
            f"the optional dependency {module!r} is not installed; "
            f"install it with: pip install 'urai[{extra}]'"
        )


@contextmanager
def resource_errors(path: str | Path, what: str) -> Iterator[None]:
    """Turn a missing or unreadable data artefact into one :class:`ResourceError` that names
    the file and the fix (``urai data build``)."""
    try:
        yield
    except FileNotFoundError:
        raise ResourceError(
            f"{path}: {what} not found; run `urai data build` to create it"
        ) from None
    except (OSError, EOFError, UnicodeDecodeError, ValueError) as exc:
        raise ResourceError(
            f"{path}: corrupt {what} ({exc}); run `urai data build` to rebuild it"
        ) from None
