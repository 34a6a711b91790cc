"""Request bodies of the JSON API (pydantic; they also document the API at ``/docs``).

A document is given as exactly one of ``text`` (plain text), ``html`` (a page, reduced to its
main text with trafilatura) or ``url`` (fetched safely, see :mod:`urai.service.urlguard`).
The batch form ``{"documents": [...]}`` takes up to ``max_batch`` of them; a document that
cannot be processed gets its error in its place, so the answer has one entry per input.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["DocIn", "CheckIn", "TraceIn", "AlignIn", "IndexDoc", "IndexIn", "ErrorOut", "ERRORS"]


class DocIn(BaseModel):
    """One document: exactly one of ``text``, ``html``, ``url``."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(None, description="Plain text.", examples=[
        "Serangan hawa koalisi menewaskan 12 warga lantaran menghantam pasar serta permukiman."])
    html: str | None = Field(None, description="An HTML page (its main text is checked).")
    url: str | None = Field(None, description="http(s) URL of a public page to fetch.")
    id: str | None = Field(None, max_length=500, description="Your id, echoed back.")

    @model_validator(mode="after")
    def _one_input(self) -> DocIn:
        given = [k for k in ("text", "html", "url") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of text, html or url"
                             + (f" (got {', '.join(given)})" if given else ""))
        return self


class CheckIn(BaseModel):
    """One document (``text``/``html``/``url``) or a batch (``documents``)."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = None
    html: str | None = None
    url: str | None = None
    id: str | None = Field(None, max_length=500)
    documents: list[DocIn] | None = Field(None, description="Batch form: several documents.")

    @model_validator(mode="after")
    def _single_or_batch(self) -> CheckIn:
        given = [k for k in ("text", "html", "url") if getattr(self, k) is not None]
        if self.documents is not None:
            if given:
                raise ValueError("give either documents (a batch) or one of text, html, url")
            if not self.documents:
                raise ValueError("documents is empty")
        elif len(given) != 1:
            raise ValueError("give exactly one of text, html or url (or documents)"
                             + (f" (got {', '.join(given)})" if given else ""))
        return self

    def docs(self) -> list[DocIn]:
        if self.documents is not None:
            return self.documents
        return [DocIn(text=self.text, html=self.html, url=self.url, id=self.id)]


class TraceIn(DocIn):
    """A document to trace in the index."""

    top: int = Field(5, ge=1, le=50, description="Matches to return.")
    threshold: float | None = Field(None, ge=0.0, le=1.0,
                                    description="Minimum coverage (default: the index's).")
    diff: bool = Field(False, description="Also align the query with the best match.")


class AlignIn(DocIn):
    """A document to align with one indexed source (the side-by-side view)."""

    source_id: str = Field(..., min_length=1, description="Id of the indexed source.")


class IndexDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(..., min_length=1, max_length=500)
    text: str
    title: str | None = None
    url: str | None = None
    date: str | None = None


class IndexIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    documents: list[IndexDoc] = Field(..., min_length=1)
    skip_existing: bool = False



class ErrorDetail(BaseModel):
    code: str = Field(..., examples=["bad_input"])
    message: str = Field(..., examples=["the input is empty (no text to check)"])


class ErrorOut(BaseModel):
    """The one error shape of every failure."""

    error: ErrorDetail


#: the error answers documented on every route (they all have the :class:`ErrorOut` shape)
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"description": why, "model": ErrorOut}
    for code, why in [(404, "Not configured here, or no such item"),
                      (413, "Body over the limit (too_large)"),
                      (422, "Bad input, empty text included (bad_input, url_refused)"),
                      (504, "Past the time limit (timeout)")]}
