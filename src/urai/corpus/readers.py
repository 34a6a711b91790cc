"""Corpus readers for ``urai cluster``: every document of a list of inputs, in input order,
as a :class:`Doc` or a :class:`~urai.records.Rejection` with its reason.

Inputs: JSON Lines (``.jsonl``, ``.ndjson``, ``.json``; gzipped ``.gz`` or zstd ``.zst``),
Parquet (``.parquet``), WARC (``.warc``, ``.warc.gz``; response records, HTML reduced to its
main text by :mod:`urai.html`; read with ``fastwarc`` when installed, else ``warcio``), text
files (``.txt``, ``.txt.gz``: one document each, id = the path), directories (every such file
below, in name order) and glob patterns (``crawl/*.jsonl.zst``). Field names come from a
:class:`FieldMap` (defaults ``id``, ``text``, ``date``, ``url``, ``title``).

Nothing stops a run: a line that is not JSON, a record without text, undecodable bytes, an
empty text, a document over the size limit, an unreadable file, a duplicate id are each
yielded as a rejection.
"""

from __future__ import annotations

import glob
import gzip
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from urai.errors import InputError, MissingDependencyError
from urai.records import RecordFields, Rejection

__all__ = ["FieldMap", "Doc", "read_inputs", "expand_inputs", "input_format", "site_of"]

_JSONL = (".jsonl", ".ndjson", ".json")
_TEXT = (".txt",)
_PARQUET = (".parquet",)
_WARC = (".warc",)
_COMP = ("", ".gz", ".zst")


#: which input fields hold the id, text, date, url and title: the records' one definition
FieldMap = RecordFields


@dataclass(frozen=True, slots=True)
class Doc:
    """One input document: ``seq`` is its position among the accepted input documents (0, 1,
    ...), ``source`` where it came from (``path:line``, ``path#row``, a WARC offset)."""

    seq: int
    id: str
    text: str
    source: str
    title: str | None = None
    url: str | None = None
    date: str | None = None

    @property
    def site(self) -> str | None:
        return site_of(self.url)


def site_of(url: str | None) -> str | None:
    """The host of a URL without ``www.`` (the *site* of per-site profiles), or None."""
    if not url:
        return None
    try:
        host = urlsplit(url if "//" in url else "//" + url).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


def _kind(name: str) -> tuple[str, str] | None:
    low = name.lower()
    for comp in _COMP:
        for kind, sufs in (("jsonl", _JSONL), ("text", _TEXT), ("parquet", _PARQUET),
                           ("warc", _WARC)):
            for s in sufs:
                if low.endswith(s + comp) and not (kind == "parquet" and comp):
                    return kind, comp
    return None


def input_format(name: str) -> str | None:
    """``jsonl``, ``text``, ``parquet``, ``warc`` or None for a file name."""
    k = _kind(name)
    return k[0] if k else None


def expand_inputs(inputs: list[str] | tuple[str, ...]) -> Iterator[str | Rejection]:
    """Files of the inputs in order: directories walked in name order, globs expanded
    (sorted); a missing input or an empty directory/glob is a rejection."""
    for name in inputs:
        if any(c in name for c in "*?[") and not Path(name).exists():
            hits = sorted(glob.glob(name, recursive=True))
            files = [h for h in hits if Path(h).is_file() and _kind(h)]
            if not files:
                yield Rejection(name, "the pattern matches no readable file", "bad_input")
            yield from files
            continue
        p = Path(name)
        if not p.exists():
            yield Rejection(name, "no such file or directory", "bad_input")
        elif p.is_dir():
            files = sorted(str(f) for f in p.rglob("*") if f.is_file() and _kind(f.name))
            if not files:
                yield Rejection(name, "directory has no readable files (.jsonl, .parquet, "
                                      ".warc, .txt)", "bad_input")
            yield from files
        elif _kind(p.name) is None:
            yield Rejection(name, "unknown input format (give .jsonl[.gz|.zst], .parquet, "
                                  ".warc[.gz] or .txt)", "bad_input")
        else:
            yield name


def _open(path: str, comp: str) -> IO[bytes]:
    if comp == ".gz":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    if comp == ".zst":
        try:
            import zstandard
        except ImportError:
            raise MissingDependencyError.for_extra("zstandard", "cluster") from None
        fh = open(path, "rb")
        return zstandard.ZstdDecompressor().stream_reader(fh, closefd=True)  # type: ignore
    return open(path, "rb")


class _Reader:
    """Turns raw records into docs or rejections; checks size, text, ids."""

    def __init__(self, fields: FieldMap, max_bytes: int) -> None:
        self.f = fields
        self.max_bytes = max_bytes
        self.seq = 0
        self.ids: set[str] = set()

    def make(self, source: str, obj: dict[str, Any], default_id: str | None = None
             ) -> Doc | Rejection:
        f = self.f
        ident = obj.get(f.id, default_id)
        text = obj.get(f.text)
        if ident is None or (isinstance(ident, str) and not ident.strip()):
            return Rejection(source, f"missing id (field {f.id!r})")
        if not isinstance(ident, (str, int)) or isinstance(ident, bool):
            return Rejection(source, f"id must be a string (field {f.id!r})")
        ident = str(ident)
        if text is None:
            return Rejection(source, f"missing text (field {f.text!r})")
        if not isinstance(text, str):
            return Rejection(source, f"text must be a string (field {f.text!r})")
        n = len(text.encode("utf-8", "surrogatepass"))
        if n > self.max_bytes:
            return Rejection(source, f"document too large ({n / 1e6:.1f} MB > "
                                     f"{self.max_bytes / 1e6:.1f} MB limit)")
        if not text.strip():
            return Rejection(source, "empty text")
        if ident in self.ids:
            return Rejection(source, f"duplicate id {ident!r} (the first one is kept)")
        self.ids.add(ident)

        def opt(key: str) -> str | None:
            v = obj.get(key)
            return None if v is None else str(v)

        return Doc(0, ident, text, source, opt(f.title), opt(f.url), opt(f.date))

    def number(self, item: Doc | Rejection) -> Doc | Rejection:
        if isinstance(item, Doc):
            self.seq += 1
            return Doc(self.seq - 1, item.id, item.text, item.source, item.title, item.url,
                       item.date)
        return item

    # -- formats ------------------------------------------------------------------------------
    def jsonl(self, path: str, comp: str) -> Iterator[Doc | Rejection]:
        with _open(path, comp) as fh:
            for lineno, raw in enumerate(io.BufferedReader(fh) if comp == ".zst" else fh, 1):
                if not raw.strip():
                    continue
                src = f"{path}:{lineno}"
                if len(raw) > self.max_bytes * 2 + 4096:
                    yield Rejection(src, f"record too large ({len(raw) / 1e6:.1f} MB > "
                                         f"{self.max_bytes / 1e6:.1f} MB limit)")
                    continue
                try:
                    obj = json.loads(raw.decode("utf-8"))
                except UnicodeDecodeError as exc:
                    yield Rejection(src, f"not valid UTF-8 (byte offset {exc.start})")
                    continue
                except json.JSONDecodeError as exc:
                    yield Rejection(src, f"not valid JSON ({exc.msg})")
                    continue
                if not isinstance(obj, dict):
                    yield Rejection(src, "expected a JSON object")
                    continue
                yield self.make(src, obj)

    def parquet(self, path: str) -> Iterator[Doc | Rejection]:
        pq = _pyarrow_parquet()
        pf = pq.ParquetFile(path)
        names = set(pf.schema_arrow.names)
        f = self.f
        cols = [c for c in dict.fromkeys((f.id, f.text, f.date, f.url, f.title)) if c in names]
        row = 0
        for batch in pf.iter_batches(batch_size=2048, columns=cols):
            for obj in batch.to_pylist():
                yield self.make(f"{path}#{row}", obj)
                row += 1

    def text(self, path: str, comp: str) -> Iterator[Doc | Rejection]:
        with _open(path, comp) as fh:
            data = fh.read(self.max_bytes + 1)
        if len(data) > self.max_bytes:
            yield Rejection(path, f"document too large (> {self.max_bytes / 1e6:.1f} MB limit)")
            return
        try:
            from urai.corpus.sources import decode_text

            text = decode_text(data, path)
        except InputError as exc:
            yield Rejection(path, str(exc).removeprefix(f"{path}: "))
            return
        yield self.make(path, {self.f.text: text}, default_id=path)

    def warc(self, path: str) -> Iterator[Doc | Rejection]:
        for offset, uri, rid, date, payload, ctype in _warc_records(path):
            src = f"{path}@{offset}"
            if len(payload) > self.max_bytes:
                yield Rejection(src, f"document too large ({len(payload) / 1e6:.1f} MB > "
                                     f"{self.max_bytes / 1e6:.1f} MB limit)")
                continue
            charset = "utf-8"
            if "charset=" in ctype:
                charset = ctype.split("charset=", 1)[1].split(";")[0].strip().strip('"') or charset
            try:
                html = payload.decode(charset)
            except (UnicodeDecodeError, LookupError):
                yield Rejection(src, f"HTML payload is not valid {charset}")
                continue
            try:
                from urai.html import extract_main_text

                ex = extract_main_text(html)
            except InputError as exc:
                yield Rejection(src, str(exc))
                continue
            obj = {self.f.id: rid or uri, self.f.text: ex.body or ex.title, self.f.url: uri,
                   self.f.date: date, self.f.title: ex.title or None}
            yield self.make(src, obj)


def _pyarrow_parquet() -> Any:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise MissingDependencyError.for_extra("pyarrow", "cluster") from None
    return pq


def _warc_records(path: str) -> Iterator[tuple[int, str, str, str | None, bytes, str]]:
    """``(offset, target uri, record id, date, http body, content type)`` of the HTML
    response records of a WARC file."""
    try:
        from fastwarc.warc import ArchiveIterator, WarcRecordType
    except ImportError:
        ArchiveIterator = None  # noqa: N806
    if ArchiveIterator is not None:
        with open(path, "rb") as fh:
            for rec in ArchiveIterator(fh, record_types=WarcRecordType.response,
                                       parse_http=True):
                ctype = (rec.http_headers.get("Content-Type") or "") if rec.http_headers else ""
                if "html" not in ctype.lower():
                    continue
                yield (rec.stream_pos, rec.headers.get("WARC-Target-URI") or "",
                       rec.record_id or "", rec.headers.get("WARC-Date"),
                       rec.reader.read(), ctype)
        return
    try:
        from warcio.archiveiterator import ArchiveIterator as WIter
    except ImportError:
        raise MissingDependencyError.for_extra("fastwarc", "cluster") from None
    with open(path, "rb") as fh:
        it = WIter(fh)
        for rec in it:
            if rec.rec_type != "response" or rec.http_headers is None:
                continue
            ctype = rec.http_headers.get_header("Content-Type") or ""
            if "html" not in ctype.lower():
                continue
            body = rec.content_stream().read()
            yield (it.get_record_offset(), rec.rec_headers.get_header("WARC-Target-URI") or "",
                   rec.rec_headers.get_header("WARC-Record-ID") or "",
                   rec.rec_headers.get_header("WARC-Date"), body, ctype)


def read_inputs(inputs: list[str] | tuple[str, ...], fields: FieldMap | None = None,
                max_bytes: int = 5_000_000) -> Iterator[Doc | Rejection]:
    """Every document of ``inputs`` in order (see the module doc); docs are numbered by
    ``seq`` in the order they are yielded."""
    r = _Reader(fields or FieldMap(), max_bytes)
    for item in expand_inputs(inputs):
        if isinstance(item, Rejection):
            yield r.number(item)
            continue
        kind, comp = _kind(item) or ("", "")
        try:
            if kind == "jsonl":
                gen = r.jsonl(item, comp)
            elif kind == "parquet":
                gen = r.parquet(item)
            elif kind == "warc":
                gen = r.warc(item)
            else:
                gen = r.text(item, comp)
            for d in gen:
                yield r.number(d)
        except MissingDependencyError:
            raise
        except (OSError, EOFError, ValueError) as exc:  # a truncated or corrupt file
            yield r.number(Rejection(item, f"cannot read further ({type(exc).__name__}: "
                                           f"{str(exc)[:200]})"))
        except Exception as exc:  # noqa: BLE001 - a reader library's own error on a bad file
            yield r.number(Rejection(item, f"cannot read ({type(exc).__name__}: "
                                           f"{str(exc)[:200]})"))
