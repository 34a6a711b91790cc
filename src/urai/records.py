"""The record types every wing passes around: a corpus document (:class:`Record`) and an
input that was not processed (:class:`Rejection`). A leaf module: it imports nothing of
urai's, so the trace, corpus and service wings can all share it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Record", "Rejection"]


@dataclass(frozen=True, slots=True)
class Record:
    """One document of a corpus input: an id, its text and optional metadata."""

    id: str
    text: str
    title: str | None = None
    url: str | None = None
    date: str | None = None


@dataclass(frozen=True, slots=True)
class Rejection:
    """An input that was not processed, and why (batch jobs count these, never drop them)."""

    source: str
    reason: str
    #: the error code (:attr:`urai.errors.UraiError.code`) behind the reason
    code: str = "bad_input"

    def to_dict(self) -> dict[str, Any]:
        """``{"source", "error": {"code", "message"}}``: the shape of every rejected record in
        JSON output, the same as an error answer of the HTTP API plus its source."""
        return {"source": self.source, "error": {"code": self.code, "message": self.reason}}
