"""The text of a request's documents: fetched (``url``), or as given (``text``, ``html``).
Shared by the API routes (:mod:`urai.service.app`) and the page's report
(:mod:`urai.service.pages`)."""

from __future__ import annotations

import asyncio

from urai.errors import UraiError
from urai.service.models import DocIn
from urai.service.state import Deadline, ServiceState

__all__ = ["ready", "ready_all"]


#: (source, id, text, html flag, final url) of a document ready to check
_Ready = tuple[str, str | None, str, bool, str | None]


async def ready(st: ServiceState, doc: DocIn, deadline: Deadline) -> _Ready:
    """The text of one document: fetched (url), or as given."""
    if doc.url is not None:
        page = await st.run("fetch", deadline, st.fetch, doc.url)
        return doc.id or doc.url, doc.id, page.text, page.content_type != "text/plain", page.url
    if doc.html is not None:
        return doc.id or "<html>", doc.id, doc.html, True, None
    return doc.id or "<text>", doc.id, doc.text or "", False, None


async def ready_all(st: ServiceState, docs: list[DocIn],
                    deadline: Deadline) -> list[_Ready | UraiError]:
    """:func:`ready` for a batch: URLs fetched concurrently, each failure kept in place."""
    async def one(doc: DocIn) -> _Ready | UraiError:
        try:
            return await ready(st, doc, deadline)
        except UraiError as exc:
            if exc.http_status == 504:
                raise
            return exc

    return list(await asyncio.gather(*(one(d) for d in docs)))
