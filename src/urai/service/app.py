"""The FastAPI application: the versioned JSON API over urai's Python API.

The routes are as thin as the CLI: they take ``text``, ``html`` or ``url``, call the same
functions and answer the same dictionaries (``CheckResult.to_dict()`` with a ``source``, as
``urai check --json`` prints). Checks run in the process's ``detect`` lane under the request's
deadline (:mod:`urai.service.state`); every failure answers ``{"error": {"code", "message"}}``
(:mod:`urai.service.http`).
"""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import FastAPI, Header, Query
from starlette.responses import Response

from urai._version import __version__
from urai.errors import InputError, ProcessingError, UraiError
from urai.jsonable import to_jsonable
from urai.service.config import ServiceConfig
from urai.service.errors import DisabledError, NotFoundError, UnauthorizedError
from urai.service.http import BodyLimit, install_error_handlers, json_bytes, json_response
from urai.service.inputs import _Ready, ready, ready_all
from urai.service.models import ERRORS, AlignIn, CheckIn, DocIn, IndexIn, TraceIn
from urai.service.pages import install_pages
from urai.service.state import Deadline, ServiceState

__all__ = ["create_app"]


_CHECK_EXAMPLE: dict[int | str, dict[str, Any]] = {200: {
    "description": "The result, as `urai check --json` prints it",
    "content": {"application/json": {"example": {
        "source": "<text>", "spun_probability": 0.781447, "verdict": "uncertain", "words": 32,
        "substitutions": [{"start": 9, "end": 13, "observed": "hawa", "suggestion": "udara",
                           "confidence": 0.5535, "evidence": {
                               "lm_gain": 4.5878, "cloze_gain": 3.1511, "frequency_gain": 1.1,
                               "thesaurus_weight": 1.0},
                           "reason": "'udara' and 'hawa' are synonyms; 'udara' is 10^4.6 "
                                     "times more likely than 'hawa' in this context ..."}],
        "restored_text": "Serangan udara yang dilancarkan koalisi ...",
        "features": {"changes_per_100": 3.125, "...": 0.0}}}}}}


def create_app(config: ServiceConfig | None = None, state: ServiceState | None = None) -> FastAPI:
    """The app for ``config`` (``state``: an already loaded :class:`ServiceState`)."""
    config = config or ServiceConfig()
    st = state or ServiceState(config)

    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        yield
        st.shutdown()

    app = FastAPI(title="urai", version=__version__, docs_url=None, redoc_url=None,
                  lifespan=lifespan,
                  description="Indonesian spun-content forensics: check, restore, screen, "
                              "trace and families over HTTP. Every error answers "
                              '`{"error": {"code", "message"}}`.')
    app.state.urai = st
    install_error_handlers(app)
    app.add_middleware(BodyLimit, limit=config.max_body_bytes)
    _api(app, st)
    install_pages(app, st)
    return app


# ---- helpers ------------------------------------------------------------------------------


async def plain_text(st: ServiceState, doc: DocIn, deadline: Deadline,
                     what: str) -> tuple[str, str, bool, str | None]:
    """``(source, plain text, was HTML, final url)`` of a document for the index routes."""
    source, _, text, is_html, url = await ready(st, doc, deadline)
    if is_html:
        from urai.html import html_to_text

        text = html_to_text(text)
    if not text.strip():
        raise InputError(f"the input is empty (no text to {what})")
    return source, text, is_html, url


def _head(item: _Ready) -> dict[str, Any]:
    source, ident, _, _, url = item
    head: dict[str, Any] = {"source": source}
    if ident is not None:
        head["id"] = ident
    if url is not None:
        head["url"] = url
    return head


def _checked(runner: Any, items: list[_Ready | UraiError], single: bool,
             shape: Any) -> bytes:
    """Run ``runner.check`` on every item (in the detect lane) and encode the answer."""
    out: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, UraiError):
            out.append({"source": "<url>", **item.to_dict()})
            continue
        try:
            result = runner.check(item[2], html=item[3])
            row = {**_head(item), **shape(result)}
            if item[4] is not None and "text" not in row:  # a fetched page: what was checked
                row["text"] = result.text
            out.append(row)
        except UraiError as exc:
            if single:
                raise
            out.append({**_head(item), **exc.to_dict()})
        except Exception as exc:  # noqa: BLE001 - a batch accounts for every document
            err = ProcessingError(f"unexpected {type(exc).__name__} while checking ({exc})")
            if single:
                raise err from exc
            out.append({**_head(item), **err.to_dict()})
    if single:  # to_dict() values are rounded already: the same bytes as to_jsonable's
        return json_bytes(out[0], ready=True)
    return json_bytes({"count": len(out), "results": out}, ready=True)


def _size(items: list[_Ready | UraiError]) -> int:
    """Characters of work in ``items`` (a batch never goes inline)."""
    if len(items) != 1:
        return 1 << 62
    item = items[0]
    return 0 if isinstance(item, UraiError) else len(item[2])


def _to_dict(result: Any) -> dict[str, Any]:
    return result.to_dict()  # type: ignore[no-any-return]


def _restore_shape(result: Any) -> dict[str, Any]:
    d = {"verdict": result.verdict, "restored_text": result.restored_text,
         "changes": len(result.substitutions)}
    if result.html:
        d["text"] = result.text
    return d


def _require_token(st: ServiceState, authorization: str | None) -> None:
    token = st.config.token
    if token is None:
        raise DisabledError("the index is read-only on this server (start it with a token "
                            "to enable POST /v1/index and DELETE /v1/index/{id})")
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(),
                                                             token.encode()):
        raise UnauthorizedError("missing or wrong token (send Authorization: Bearer TOKEN)")


def _match_dict(m: Any) -> dict[str, Any]:
    d = {"id": m.id, "score": m.score, "coverage": m.coverage, "title": m.title, "url": m.url}
    passages = getattr(m, "passages", ())
    if passages:
        d["passages"] = to_jsonable(passages)
    return d


# ---- routes -------------------------------------------------------------------------------
def _api(app: FastAPI, st: ServiceState) -> None:
    cfg = st.config

    async def documents(body: CheckIn) -> tuple[list[_Ready | UraiError], bool, Deadline]:
        deadline = Deadline(cfg.timeout_s)
        docs = body.docs()
        if len(docs) > cfg.max_batch:
            raise InputError(f"{len(docs)} documents in one request; at most {cfg.max_batch}")
        single = body.documents is None
        if single:
            return [await ready(st, docs[0], deadline)], True, deadline
        return await ready_all(st, docs, deadline), False, deadline

    async def checked(body: CheckIn, runner: Any, shape: Any) -> Response:
        """``runner.check`` on the body's documents, answered as ``shape(result)``."""
        items, single, deadline = await documents(body)
        data = await st.detect(deadline, _checked, runner, items, single, shape,
                               size=_size(items))
        return json_response(data)

    @app.post("/v1/check", tags=["check"], responses={**ERRORS, **_CHECK_EXAMPLE},
              summary="Is it spun? Which words were swapped?")
    async def check(body: CheckIn) -> Response:
        """The same dictionary as `urai check --json` (one document), or `{"count",
        "results"}` for `documents` (one entry per input, an error in place of a document
        that cannot be checked)."""
        return await checked(body, st.detector, _to_dict)

    @app.post("/v1/restore", tags=["check"], responses=ERRORS,
              summary="The likely original wording")
    async def restore(body: CheckIn) -> Response:
        return await checked(body, st.detector, _restore_shape)

    @app.post("/v1/screen", tags=["check"], responses=ERRORS,
              summary="Fast document-level verdict (no word marks)")
    async def screen(body: CheckIn) -> Response:
        return await checked(body, st.screener, _to_dict)

    @app.post("/v1/trace", tags=["trace"], responses=ERRORS,
              summary="Ranked sources of a copy in the index")
    async def trace(body: TraceIn) -> Response:
        """As `urai trace --json` (`diff`: with the alignment to the best match)."""
        deadline = Deadline(cfg.timeout_s)
        index = st.index
        source, text, is_html, url = await plain_text(st, body, deadline, "trace")

        def work() -> bytes:
            res = index.trace(text, top=body.top, threshold=body.threshold, source=source)
            obj: dict[str, Any] = to_jsonable(res) if hasattr(res, "to_dict") else {
                "source": source, "matches": [_match_dict(m) for m in res.matches]}
            if url is not None:
                obj["url"] = url
            if is_html or url is not None:
                obj["text"] = text
            if body.diff:
                obj["alignment"] = (index.align(res.matches[0].id, text).to_dict()
                                    if res.matches else None)
            return json_bytes(obj)

        return json_response(await st.run("index", deadline, work))

    @app.post("/v1/trace/align", tags=["trace"], responses=ERRORS,
              summary="Side-by-side alignment of a text with one indexed source")
    async def align(body: AlignIn) -> Response:
        deadline = Deadline(cfg.timeout_s)
        index = st.index
        text = (await plain_text(st, body, deadline, "align"))[1]

        def work() -> bytes:
            if body.source_id not in index:
                raise NotFoundError(f"no document {body.source_id!r} in the index")
            al = index.align(body.source_id, text)
            return json_bytes({"source_id": body.source_id, "query_text": text,
                               "source_text": index.text(body.source_id),
                               "alignment": al.to_dict()})

        return json_response(await st.run("index", deadline, work))

    @app.post("/v1/index", tags=["index"], responses=ERRORS,
              summary="Add documents to the index (needs the token)")
    async def index_add(body: IndexIn, authorization: str | None = Header(None)) -> Response:
        _require_token(st, authorization)
        deadline = Deadline(cfg.timeout_s)
        index = st.index
        if len(body.documents) > cfg.max_batch:
            raise InputError(f"{len(body.documents)} documents in one request; at most "
                             f"{cfg.max_batch}")
        recs = [d.model_dump() for d in body.documents]

        def work() -> bytes:
            rep = index.add(recs, skip_existing=body.skip_existing)
            return json_bytes({"added": rep.added, "replaced": rep.replaced,
                               "skipped": rep.skipped,
                               "rejected": [r.to_dict() for r in rep.rejected]})

        return json_response(await st.run("index", deadline, work))

    @app.delete("/v1/index/{doc_id}", tags=["index"], responses=ERRORS,
                summary="Remove a document from the index (needs the token)")
    async def index_remove(doc_id: str, authorization: str | None = Header(None)) -> Response:
        _require_token(st, authorization)
        deadline = Deadline(cfg.timeout_s)
        index = st.index
        removed = await st.run("index", deadline, index.remove, [doc_id])
        if not removed:
            raise NotFoundError(f"no document {doc_id!r} in the index")
        return json_response({"removed": doc_id})

    @app.get("/v1/families", tags=["families"], responses=ERRORS,
             summary="Search and browse families")
    async def families(q: str = Query("", max_length=500), limit: int = Query(50, ge=1, le=500),
                       offset: int = Query(0, ge=0),
                       min_size: int = Query(1, ge=1)) -> Response:
        return json_response(st.families.search(q, limit, offset, min_size))

    @app.get("/v1/families/summary", tags=["families"], responses=ERRORS,
             summary="summary.json of the run")
    async def families_summary() -> Response:
        return json_response(st.families.summary)

    @app.get("/v1/families/documents/{doc_id}", tags=["families"], responses=ERRORS,
             summary="One document's role, original, coverage and swaps")
    async def family_document(doc_id: str) -> Response:
        return json_response(st.families.document(doc_id))

    @app.get("/v1/families/{family_id}", tags=["families"], responses=ERRORS,
             summary="A family: its original and copies")
    async def family(family_id: str) -> Response:
        return json_response(st.families.family(family_id))

    @app.get("/v1/families/{family_id}/diff/{doc_id}", tags=["families"], responses=ERRORS,
             summary="A copy's alignment with its original (texts from the index)")
    async def family_diff(family_id: str, doc_id: str) -> Response:
        fam = st.families.family(family_id)
        doc = next((d for d in fam["documents"] if str(d.get("id")) == doc_id), None)
        if doc is None:
            raise NotFoundError(f"no document {doc_id!r} in family {family_id!r}")
        orig = doc.get("original_id") or fam.get("original")
        if not st.has_index:
            raise DisabledError("the texts of a family come from the index; start the server "
                                "with --db INDEX (the one the cluster was built from)")
        deadline = Deadline(cfg.timeout_s)
        index = st.index

        def work() -> bytes:
            text = index.text(doc_id)
            if text is None or orig is None or index.text(str(orig)) is None:
                raise NotFoundError(f"{doc_id!r} or its original {orig!r} is not in the index")
            al = index.align(str(orig), text)
            return json_bytes({"id": doc_id, "original_id": orig, "query_text": text,
                               "source_text": index.text(str(orig)), "swaps": doc.get("swaps"),
                               "alignment": al.to_dict()})

        return json_response(await st.run("index", deadline, work))

    @app.get("/v1/health", tags=["service"], summary="Liveness and configuration")
    async def health() -> Response:
        import os

        return json_response({"status": "ok", "version": __version__, "pid": os.getpid(),
                              "index": st.has_index, "families": cfg.families is not None,
                              "index_writable": cfg.token is not None})

    @app.get("/v1/resources", tags=["service"], summary="The loaded language resources")
    async def resources() -> Response:
        from urai.lang.inventory import resources as res

        deadline = Deadline(cfg.timeout_s)
        info = await st.run("detect", deadline, res, cfg.lm)
        return json_response(to_jsonable(info))
