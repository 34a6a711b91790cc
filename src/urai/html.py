"""HTML input: detection and reduction to the main text (with the headline) via trafilatura.

:func:`looks_like_html` is a cheap test on the start of the input (a doctype, an ``<html>``
or ``<body>`` tag, or several block-level tags). :func:`extract_main_text` runs trafilatura
(a core dependency, with ``lxml_html_clean``, which its jusText needs) and returns the
headline and the article body as plain text; the headline comes first, separated by a blank
line, so it is checked like any other sentence.
When trafilatura finds no main content the visible text of the page is used instead, and an
:class:`~urai.errors.InputError` is raised only when there is no text at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from urai.errors import InputError, MissingDependencyError

__all__ = ["Extracted", "looks_like_html", "extract_main_text", "html_to_text",
           "missing_html_dependency"]

_DOC_START = re.compile(r"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html\b|head\b|body\b)",
                        re.IGNORECASE | re.DOTALL)
_BLOCK_TAG = re.compile(r"</?(?:p|div|article|h[1-6]|br|span|section|title|a)\b[^>]*>",
                        re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True, slots=True)
class Extracted:
    """The headline (may be empty) and body of an HTML page, and the text urai checks."""

    title: str
    body: str

    @property
    def text(self) -> str:
        return f"{self.title}\n\n{self.body}" if self.title else self.body


def looks_like_html(text: str) -> bool:
    """True if ``text`` is an HTML document or a fragment with several HTML tags."""
    head = text[:4096]
    if _DOC_START.match(head):
        return True
    return len(_BLOCK_TAG.findall(head)) >= 3


def _unescape(s: str) -> str:
    import html as _html

    return re.sub(r"\s+", " ", _html.unescape(_TAG.sub(" ", s))).strip()


def extract_main_text(html: str) -> Extracted:
    """Reduce an HTML page to its headline and main text with trafilatura."""
    try:
        import trafilatura
    except ImportError as exc:
        raise missing_html_dependency(exc) from None
    title = ""
    body = ""
    try:
        doc = trafilatura.bare_extraction(html, include_comments=False, include_tables=False,
                                          with_metadata=True, favor_recall=True)
    except Exception:  # trafilatura raises assorted parser errors on broken markup
        doc = None
    if doc is not None:
        get = doc.get if isinstance(doc, dict) else (lambda k: getattr(doc, k, None))
        title = (get("title") or "").strip()
        body = (get("text") or "").strip()
    if not title:
        m = _H1.search(html) or _TITLE.search(html)
        if m:
            title = _unescape(m.group(1))
    if not body:
        stripped = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.I | re.S)
        body = _unescape(stripped)
        if title and body.startswith(title):
            body = body[len(title):].strip()
    if not body and not title:
        raise InputError("the HTML input contains no text")
    if title and body.startswith(title):
        body = body[len(title):].lstrip()
    return Extracted(title, body)


#: import names of what reading HTML needs -> the pip package that provides each
_PIP_NAMES = {"lxml_html_clean": "lxml_html_clean", "lxml.html.clean": "lxml_html_clean",
              "lxml": "lxml", "trafilatura": "trafilatura", "justext": "jusText"}


def missing_html_dependency(exc: ImportError) -> MissingDependencyError:
    """The error for an HTML dependency that fails to import, naming the module that is
    really missing (a fresh venv's old pip can skip ``lxml[html_clean]``, which trafilatura's
    jusText needs: then ``lxml_html_clean`` is named, not trafilatura, which is installed)."""
    missing = exc.name or "trafilatura"
    text = " ".join(str(exc).split())  # one line
    if "lxml_html_clean" in text or "lxml.html.clean" in text:
        missing = "lxml_html_clean"
    pkg = _PIP_NAMES.get(missing, missing.split(".")[0])
    return MissingDependencyError(
        f"reading HTML needs the Python module {missing!r}, which cannot be imported ({text}); "
        f"install it with: pip install {pkg}")


def html_to_text(html: str) -> str:
    """The headline and main text of an HTML page as one plain text (headline first)."""
    return extract_main_text(html).text
