"""The JSON API on a real server (``urai serve`` in a subprocess on a loopback port): every
endpoint, every error path, the limits and the token."""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx
import pytest

import urai
from tests.service.conftest import HOSTILE, TOKEN, Corpus, Server
from urai.jsonable import to_jsonable

EXAMPLE = (Path(__file__).resolve().parents[2] / "examples" / "spun_article.txt").read_text(
    encoding="utf-8")


def error_of(resp: httpx.Response, status: int, code: str) -> str:
    """The one error shape: ``{"error": {"code", "message"}}`` and nothing else."""
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    body = resp.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    assert body["error"]["message"] and "Traceback" not in body["error"]["message"]
    return body["error"]["message"]


def test_check_is_the_cli_dictionary(server: Server) -> None:
    with server.client() as c:
        got = c.post("/v1/check", json={"text": EXAMPLE}).json()
    want = urai.check(EXAMPLE, html=False).to_dict()
    assert got.pop("source") == "<text>"
    assert got == json.loads(json.dumps(want))
    assert got["verdict"] == "spun" and got["substitutions"]


def test_check_html_and_id(server: Server) -> None:
    html = f"<html><body><article><h1>Judul</h1><p>{EXAMPLE}</p></article></body></html>"
    with server.client() as c:
        got = c.post("/v1/check", json={"html": html, "id": "doc-9"}).json()
    assert got["source"] == "doc-9" and got["id"] == "doc-9"
    for s in got["substitutions"]:  # offsets refer to the extracted text
        assert got["text"][s["start"]:s["end"]] == s["observed"]


def test_batch_keeps_every_document_in_order(server: Server) -> None:
    docs = [{"text": EXAMPLE, "id": "a"}, {"text": "   ", "id": "b"},
            {"url": "http://127.0.0.1:9/x", "id": "c"}, {"text": "Terlalu pendek.", "id": "d"}]
    with server.client() as c:
        got = c.post("/v1/check", json={"documents": docs}).json()
    assert got["count"] == 4 and [r["id"] for r in got["results"][:2]] == ["a", "b"]
    a, b, c_, d = got["results"]
    assert a["verdict"] == "spun"
    assert b["error"]["code"] == "bad_input"
    assert c_["error"]["code"] == "url_refused"
    assert d["verdict"] == "too_short"


def test_batch_limit(server: Server) -> None:
    with server.client() as c:
        resp = c.post("/v1/check", json={"documents": [{"text": "a"}] * 9})
    assert "at most 8" in error_of(resp, 422, "bad_input")


def test_restore_and_screen(server: Server) -> None:
    with server.client() as c:
        r = c.post("/v1/restore", json={"text": EXAMPLE}).json()
        s = c.post("/v1/screen", json={"text": EXAMPLE}).json()
        sb = c.post("/v1/screen", json={"documents": [{"text": EXAMPLE}]}).json()
    assert r["restored_text"] == urai.restore(EXAMPLE, html=False)
    assert r["changes"] > 0 and r["verdict"] == "spun"
    assert s["verdict"] == urai.screen(EXAMPLE, html=False).verdict and "substitutions" not in s
    assert sb["results"][0]["verdict"] == s["verdict"]


@pytest.mark.parametrize("body, why", [
    ({"text": ""}, "empty"), ({"text": "  \n "}, "empty"), ({}, "exactly one"),
    ({"text": "a", "url": "http://x"}, "exactly one"), ({"text": 5}, "string"),
    ({"txt": "a"}, "Extra inputs"), ({"documents": []}, "empty"),
    ({"documents": [{"text": "x"}], "text": "y"}, "either")])
def test_bad_input_is_422(server: Server, body: dict, why: str) -> None:
    with server.client() as c:
        assert why in error_of(c.post("/v1/check", json=body), 422, "bad_input")


def test_malformed_json_and_wrong_type(server: Server) -> None:
    with server.client() as c:
        error_of(c.post("/v1/check", content=b"{not json",
                        headers={"content-type": "application/json"}), 422, "bad_input")
        error_of(c.post("/v1/check", content=b"[1, 2]",
                        headers={"content-type": "application/json"}), 422, "bad_input")


def test_framework_errors_have_the_same_shape(server: Server) -> None:
    with server.client() as c:
        error_of(c.get("/v1/nothing"), 404, "not_found")
        error_of(c.get("/v2/check"), 404, "not_found")
        error_of(c.get("/v1/check"), 405, "method_not_allowed")
        error_of(c.delete("/v1/health"), 405, "method_not_allowed")
        error_of(c.get("/v1/families", params={"limit": 0}), 422, "bad_input")
        error_of(c.get("/static/nothing.js"), 404, "not_found")
        error_of(c.get("/docs/assets/index.html"), 404, "not_found")


def test_url_to_a_private_address_is_refused_before_connecting(server: Server, pages) -> None:
    before = len(pages.requests)
    with server.client() as c:
        for url in (pages.url + "/article.html", "http://localhost:1/", "http://[::1]/",
                    "http://169.254.169.254/latest/meta-data/", "file:///etc/passwd"):
            error_of(c.post("/v1/check", json={"url": url}), 422, "url_refused")
    assert len(pages.requests) == before  # the test server was never reached


def test_url_fetch_with_the_allow_option(open_server: Server, pages, corpus: Corpus) -> None:
    with open_server.client() as c:
        html = c.post("/v1/check", json={"url": pages.url + "/article.html"}).json()
        plain = c.post("/v1/check", json={"url": pages.url + "/plain.txt"}).json()
        missing = c.post("/v1/check", json={"url": pages.url + "/missing"})
        pdf = c.post("/v1/check", json={"url": pages.url + "/pdf"})
    assert html["url"].endswith("/article.html") and "Hak cipta" not in html["text"]
    assert "Tajudin" in html["text"] and html["verdict"] in ("spun", "uncertain")
    assert plain["text"] == corpus.other and plain["verdict"] == "spun"
    assert "404" in error_of(missing, 502, "url_fetch_failed")
    error_of(pdf, 502, "url_fetch_failed")


def test_body_limit_413(tight_server: Server) -> None:
    big = "kata " * 300_000  # 1.5 MB
    with tight_server.client() as c:
        assert "limit" in error_of(c.post("/v1/check", json={"text": big}), 413, "too_large")

        def chunks():  # no Content-Length: counted while it streams
            for _ in range(30):
                yield b"x" * 65536

        resp = c.post("/v1/check", content=chunks(), headers={"content-type":
                                                              "application/json"})
        error_of(resp, 413, "too_large")
    with tight_server.client() as c:  # the server is still fine
        assert c.get("/v1/health").status_code == 200


def test_time_limit_504(tight_server: Server) -> None:
    long_text = (EXAMPLE + "\n\n") * 250  # ~55,000 words: well over 0.15 s to check
    with tight_server.client() as c:
        assert "time limit" in error_of(c.post("/v1/check", json={"text": long_text}), 504,
                                        "timeout")


def test_trace_and_align(server: Server, corpus: Corpus) -> None:
    with server.client() as c:
        got = c.post("/v1/trace", json={"text": corpus.query, "top": 3, "diff": True}).json()
        ids = [m["id"] for m in got["matches"]]
        # the source and its indexed copy explain the query; which ones trace reports is
        # trace's business (compared with Index.trace below)
        assert ids and set(ids) <= {"src-1", "copy-1"}
        al = c.post("/v1/trace/align", json={"source_id": "src-1", "text": corpus.copy}).json()
        none = c.post("/v1/trace", json={"text": "Kalimat yang tidak ada di mana pun, sama "
                                                 "sekali tidak ada di indeks ini."}).json()
        error_of(c.post("/v1/trace/align", json={"source_id": "nope", "text": corpus.copy}),
                 404, "not_found")
        error_of(c.post("/v1/trace", json={"text": ""}), 422, "bad_input")
    with urai.Index(server_db(server), readonly=True, create=False) as idx:
        want = idx.trace(corpus.query, top=3)
        want_al = idx.align("src-1", corpus.copy)
    assert got["matches"] == json.loads(json.dumps(to_jsonable(want.matches)))
    assert got["alignment"]["coverage"] > 0.5
    assert al["alignment"] == json.loads(json.dumps(want_al.to_dict()))
    assert al["source_text"] == corpus.source and al["query_text"] == corpus.copy
    kinds = {op["op"] for op in al["alignment"]["ops"]}
    assert "copy" in kinds and ({"swap"} & kinds or any(
        op["synonym"] for op in al["alignment"]["ops"]))
    assert none["matches"] == []


def server_db(server: Server) -> str:
    args = server.proc.args
    assert isinstance(args, list)
    return str(args[args.index("--db") + 1])


def test_index_needs_the_token(server: Server, corpus: Corpus) -> None:
    doc = {"documents": [{"id": "new-1", "text": corpus.other, "title": "baru"}]}
    with server.client() as c:
        for headers in ({}, {"authorization": "Bearer wrong-token-0123456789"},
                        {"authorization": TOKEN}, {"authorization": f"Basic {TOKEN}"}):
            error_of(c.post("/v1/index", json=doc, headers=headers), 401, "unauthorized")
            error_of(c.delete("/v1/index/other-1", headers=headers), 401, "unauthorized")
        auth = {"authorization": f"Bearer {TOKEN}"}
        added = c.post("/v1/index", json=doc, headers=auth).json()
        assert added == {"added": 1, "replaced": 0, "skipped": 0, "rejected": []}
        again = c.post("/v1/index", json={**doc, "skip_existing": True}, headers=auth).json()
        assert again["skipped"] == 1
        bad = c.post("/v1/index", json={"documents": [{"id": "e", "text": ""}]},
                     headers=auth).json()
        assert bad["added"] == 0 and len(bad["rejected"]) == 1
        assert c.delete("/v1/index/new-1", headers=auth).json() == {"removed": "new-1"}
        error_of(c.delete("/v1/index/new-1", headers=auth), 404, "not_found")
        error_of(c.post("/v1/index", json={"documents": []}, headers=auth), 422, "bad_input")


def test_index_disabled_without_token(open_server: Server) -> None:
    with open_server.client() as c:
        error_of(c.post("/v1/index", json={"documents": [{"id": "a", "text": "b"}]},
                        headers={"authorization": f"Bearer {TOKEN}"}), 404, "disabled")
        error_of(c.post("/v1/trace", json={"text": EXAMPLE}), 404, "disabled")
        error_of(c.get("/v1/families"), 404, "disabled")
        error_of(c.get("/sumber"), 404, "not_found")


def test_families(server: Server) -> None:
    with server.client() as c:
        listing = c.get("/v1/families").json()
        found = c.get("/v1/families", params={"q": "farm.example"}).json()
        none = c.get("/v1/families", params={"q": "zzz-nothing"}).json()
        fam = c.get("/v1/families/f1").json()
        doc = c.get("/v1/families/documents/copy-1").json()
        summary = c.get("/v1/families/summary").json()
        diff = c.get("/v1/families/f1/diff/copy-1").json()
        error_of(c.get("/v1/families/nope"), 404, "not_found")
        error_of(c.get("/v1/families/documents/nope"), 404, "not_found")
        error_of(c.get("/v1/families/f1/diff/other-1"), 404, "not_found")
    assert listing["total"] == 2 and [f["family_id"] for f in listing["families"]] == ["f1", "f2"]
    assert [f["family_id"] for f in found["families"]] == ["f1"] and none["total"] == 0
    assert [d["role"] for d in fam["documents"]] == ["original", "copy", "exact_duplicate"]
    assert doc["swaps"] == [{"observed": "kealokasi", "original": "kebagian"}]
    assert summary == {"documents": 4, "families": 2}
    assert diff["original_id"] == "src-1" and diff["alignment"]["coverage"] > 0.5


def test_health_resources_and_workers(server: Server) -> None:
    pids = set()
    with server.client() as c:
        for _ in range(6):
            with httpx.Client(base_url=server.url) as fresh:  # new connections
                h = fresh.get("/v1/health").json()
                pids.add(h["pid"])
        res = c.get("/v1/resources").json()
    assert h["status"] == "ok" and h["index"] and h["families"] and h["index_writable"]
    assert res == json.loads(json.dumps(to_jsonable(urai.resources())))
    children = _children(server.proc.pid)
    assert len(children) == 2 and pids <= set(children)


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in os.listdir(f"/proc/{pid}/task"):
        text = Path(f"/proc/{pid}/task/{task}/children").read_text().split()
        out.extend(int(x) for x in text)
    return out


def test_openapi_documents_the_api(server: Server) -> None:
    with server.client() as c:
        spec = c.get("/openapi.json").json()
    for path in ("/v1/check", "/v1/restore", "/v1/screen", "/v1/trace", "/v1/index",
                 "/v1/index/{doc_id}", "/v1/families", "/v1/health", "/v1/resources"):
        assert path in spec["paths"], path
    # the documented error answers are the real ones, not FastAPI's {"detail": [...]}
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    err = spec["paths"]["/v1/check"]["post"]["responses"]["422"]["content"]
    assert err["application/json"]["schema"]["$ref"].endswith("/ErrorOut")


def test_report_escapes_everything(server: Server) -> None:
    text = EXAMPLE + "\n\n" + HOSTILE
    with server.client() as c:
        resp = c.post("/v1/report", json={"text": text, "id": HOSTILE})
    assert resp.status_code == 200 and "attachment" in resp.headers["content-disposition"]
    body = resp.text
    assert "<script>window.__xss" not in body and "<img src=x" not in body
    assert "&lt;script&gt;window.__xss=2&lt;/script&gt;" in body
    assert "<mark" in body and "[" in body


def test_arbitrary_bodies_get_an_answer_or_the_error_shape(server: Server) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    json_values = st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=40),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
            st.sampled_from(["text", "html", "url", "id", "documents", "x"]), inner,
            max_size=3), max_leaves=8)

    with server.client() as c:
        @settings(max_examples=60, deadline=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture])
        @given(body=json_values, path=st.sampled_from(["/v1/check", "/v1/screen",
                                                        "/v1/restore", "/v1/trace"]))
        def run(body: object, path: str) -> None:
            resp = c.post(path, json=body)
            if resp.status_code == 200:
                assert "error" not in resp.json() or isinstance(resp.json().get("results"),
                                                                list)
            else:
                assert resp.status_code in (422, 502), resp.text
                error_of(resp, resp.status_code, resp.json()["error"]["code"])

        run()
