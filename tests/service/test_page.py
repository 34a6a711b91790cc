"""The web page in a real headless Chromium (Debian's ``/usr/bin/chromium`` driven by
Playwright's Python package; never ``playwright install``): paste the example, submit, check
the highlights, the restored text and the source diff; hostile input stays text; axe-core
finds no serious violation; no ``src``/``href`` leaves the server. Screenshots go to
``build/test-output/service`` (``URAI_TEST_OUTPUT``)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.service.conftest import HOSTILE, Corpus, Server, output_dir

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = os.environ.get("URAI_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
EXAMPLE = (Path(__file__).resolve().parents[2] / "examples" / "spun_article.txt").read_text(
    encoding="utf-8")


def _axe_source() -> str | None:
    try:
        import axe_playwright_python
    except ImportError:
        return None
    path = Path(axe_playwright_python.__file__).parent / "axe.min.js"
    return path.read_text(encoding="utf-8") if path.is_file() else None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, server: Server) -> Iterator[Any]:
    # the CSP is bypassed: escaping must hold without that safety net (and axe-core is
    # injected inline); test_csp_is_sent checks the header itself
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True,
                              accept_downloads=True)
    pg = ctx.new_page()
    pg.outside: list[str] = []  # type: ignore[attr-defined]
    pg.dialogs: list[str] = []  # type: ignore[attr-defined]
    pg.console_errors: list[str] = []  # type: ignore[attr-defined]
    host = server.url.split("//", 1)[1]
    pg.on("request", lambda r: None if r.url.split("//", 1)[-1].startswith(host)
          or r.url.startswith(("blob:", "data:")) else pg.outside.append(r.url))
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.on("console", lambda m: pg.console_errors.append(m.text) if m.type == "error" else None)
    yield pg
    ctx.close()


def shot(pg: Any, name: str) -> None:
    pg.screenshot(path=str(output_dir() / f"{name}.png"), full_page=True)


def axe_serious(pg: Any) -> list[dict[str, Any]]:
    src = _axe_source()
    if src is None:
        pytest.skip("axe-core not available (pip install axe-playwright-python)")
    pg.add_script_tag(content=src)
    result = pg.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"]),
             "help": v["help"]} for v in result["violations"]
            if v["impact"] in ("serious", "critical")]


def test_check_page_highlights_restores_and_reports(page: Any, server: Server) -> None:
    want = httpx.post(server.url + "/v1/check", json={"text": EXAMPLE}).json()
    page.goto(server.url + "/")
    assert page.locator("html").get_attribute("lang") == "id"
    page.fill("#text", EXAMPLE)
    page.click("#submit")
    page.wait_for_selector("#result:not([hidden])")
    marks = page.locator("#marked mark.sub")
    assert marks.count() == len(want["substitutions"]) > 0
    first = want["substitutions"][0]
    assert marks.nth(0).get_attribute("data-suggestion") == first["suggestion"]
    # the marked text, without the tooltips, is the checked text
    plain = page.evaluate("""() => { const n = document.getElementById('marked').cloneNode(true);
        n.querySelectorAll('.tip').forEach(t => t.remove()); return n.textContent; }""")
    assert plain == EXAMPLE
    assert page.inner_text("#restored") == want["restored_text"].strip() or \
        page.evaluate("document.getElementById('restored').textContent") == want["restored_text"]
    assert json.loads(page.text_content("#json")) == want
    assert "DI-SPIN" in page.inner_text("#verdict")
    # keyboard: Tab onto the first mark shows its suggestion, confidence and reason
    tip = marks.nth(0).locator(".tip")
    assert not tip.is_visible()
    marks.nth(0).focus()
    assert tip.is_visible() and first["suggestion"] in tip.inner_text()
    assert first["reason"][:40] in tip.inner_text()
    shot(page, "periksa")
    with page.expect_download() as dl:
        page.click("#download")
    report = Path(dl.value.path()).read_text(encoding="utf-8")
    assert "<mark" in report and first["suggestion"] in report
    assert page.outside == [] and page.dialogs == []
    assert axe_serious(page) == []


def test_upload_an_html_file(page: Any, server: Server, tmp_path: Path) -> None:
    f = tmp_path / "artikel.html"
    f.write_text(f"<html><body><article><h1>Judul berita</h1><p>{EXAMPLE}</p></article>"
                 "</body></html>", encoding="utf-8")
    page.goto(server.url + "/")
    page.set_input_files("#file", str(f))
    page.click("#submit")
    page.wait_for_selector("#result:not([hidden])")
    data = json.loads(page.text_content("#json"))
    assert data["source"] == "<html>" and data["text"].startswith("Judul berita")
    assert page.locator("#marked mark.sub").count() == len(data["substitutions"]) > 0


def test_every_label_is_text(page: Any, server: Server) -> None:
    for lang in ("id", "en"):
        page.goto(f"{server.url}/?lang={lang}")
        body = page.inner_text("body")
        assert "<built-in" not in body and "{{" not in body and "undefined" not in body
    assert page.inner_text("#copy-json") == "Copy JSON"


def test_keyboard_only_check(page: Any, server: Server) -> None:
    page.goto(server.url + "/?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.className") == "skip"
    page.focus("#text")
    page.keyboard.insert_text(EXAMPLE)
    page.focus("#submit")
    page.keyboard.press("Enter")
    page.wait_for_selector("#result:not([hidden])")
    assert "SPUN" in page.inner_text("#verdict")


def test_hostile_input_is_shown_as_text(page: Any, server: Server) -> None:
    hostile = EXAMPLE + "\n\n" + HOSTILE + " " + HOSTILE
    page.goto(server.url + "/")
    page.fill("#text", hostile)
    page.click("#submit")
    page.wait_for_selector("#result:not([hidden])")
    assert page.evaluate("window.__xss") is None
    assert page.locator("#marked img, #marked script, #marked svg, #restored img").count() == 0
    assert HOSTILE in page.evaluate("document.getElementById('restored').textContent")
    # hostile text in the URL field and as an error message
    page.fill("#text", "")
    page.fill("#url", "http://x/" + HOSTILE)
    page.click("#submit")
    page.wait_for_selector("#status.error")
    assert page.evaluate("window.__xss") is None and page.dialogs == []
    shot(page, "periksa-hostile")


def test_sources_page_side_by_side(page: Any, server: Server, corpus: Corpus) -> None:
    page.goto(server.url + "/sumber")
    page.fill("#text", corpus.query)
    page.click("#submit")
    page.wait_for_selector("#diff-section:not([hidden])")
    want = httpx.post(server.url + "/v1/trace", json={"text": corpus.query, "top": 10}).json()
    buttons = page.locator("#matches button")
    assert buttons.count() == len(want["matches"]) >= 1
    for k, m in enumerate(want["matches"]):
        assert buttons.nth(k).inner_text().startswith(m["id"])
    # the indexed titles are hostile: shown as text
    assert HOSTILE in buttons.nth(0).text_content() and page.evaluate("window.__xss") is None
    # copy-1's url is javascript:...; only http(s) URLs become links
    links = [m["url"] for m in want["matches"] if (m["url"] or "").startswith("https://")]
    assert page.locator("#matches a").count() == len(links)
    # choose the source itself if trace reported it (else its indexed copy)
    ids = [m["id"] for m in want["matches"]]
    pick = ids.index("src-1") if "src-1" in ids else 0
    source_text = corpus.source if ids[pick] == "src-1" else corpus.copy
    buttons.nth(pick).click()
    page.wait_for_function("document.getElementById('status').textContent === '' && "
                           f"document.querySelectorAll('#matches button')[{pick}]"
                           ".getAttribute('aria-pressed') === 'true'")
    sides = page.locator("#diff > div")
    query_side, source_side = sides.nth(0), sides.nth(1)
    for layer in ("copy", "swap"):
        assert query_side.locator(f".op-{layer}").count() > 0, layer
    # both columns keep their whole text; the query side is the copy itself
    q = query_side.evaluate("n => Array.from(n.childNodes).slice(1).map(c => c.textContent)"
                            ".join('')")
    s = source_side.evaluate("n => Array.from(n.childNodes).slice(1).map(c => c.textContent)"
                             ".join('')")
    assert q == corpus.query and s == source_text
    swapped = query_side.locator(".op-swap").first
    assert swapped.get_attribute("title").startswith("Sumber: ")
    shot(page, "sumber")
    assert page.outside == [] and axe_serious(page) == []


def test_sources_page_flags_what_the_copy_added(page: Any, server: Server,
                                                corpus: Corpus) -> None:
    added = ("Kalimat tambahan ini ditulis oleh situs penyalin dan tidak pernah ada di artikel "
             "aslinya sama sekali.")
    page.goto(server.url + "/sumber")
    page.fill("#text", corpus.query + "\n\n" + added)
    page.click("#submit")
    page.wait_for_selector("#diff-section:not([hidden])")
    flagged = page.locator("#diff .unmatched li").all_text_contents()
    assert any("situs penyalin" in f for f in flagged)


def test_families_page(page: Any, server: Server) -> None:
    page.goto(server.url + "/keluarga")
    page.wait_for_selector("#families button")
    assert page.locator("#families button").count() == 1  # families with copies
    page.check("#singles")
    page.click("#submit")
    page.wait_for_function("document.querySelectorAll('#families button').length === 2")
    page.fill("#q", "farm.example")
    page.click("#submit")
    page.wait_for_function("document.querySelectorAll('#families button').length === 1")
    page.click("#families button")
    page.wait_for_selector("#family-section:not([hidden])")
    rows = page.locator("#members tbody tr")
    assert rows.count() == 3
    assert "kealokasi → kebagian" in rows.nth(1).inner_text()
    assert HOSTILE in rows.nth(1).text_content() and page.evaluate("window.__xss") is None
    rows.nth(1).locator("button").click()
    page.wait_for_selector("#diff-section:not([hidden])")
    assert page.locator("#diff .op-copy").count() > 0
    shot(page, "keluarga")
    assert page.outside == [] and page.dialogs == [] and axe_serious(page) == []


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [v or "" for k, v in attrs if k in ("src", "href")]


@pytest.mark.parametrize("path", ["/", "/?lang=en", "/sumber", "/keluarga", "/docs"])
def test_no_absolute_urls(server: Server, path: str) -> None:
    html = httpx.get(server.url + path).text
    links = _Links()
    links.feed(html)
    assert links.urls
    for url in links.urls:
        assert not re.match(r"^([a-z][a-z0-9+.-]*:|//)", url, re.I), url


def test_docs_load_only_local_assets(page: Any, server: Server) -> None:
    page.goto(server.url + "/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=20000)
    assert page.locator(".opblock-summary-path", has_text="/v1/check").count() >= 1
    page.wait_for_load_state("networkidle")
    shot(page, "docs")
    assert page.outside == []


def test_csp_is_sent(server: Server) -> None:
    for path in ("/", "/sumber", "/keluarga"):
        csp = httpx.get(server.url + path).headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("style-src")[0]
